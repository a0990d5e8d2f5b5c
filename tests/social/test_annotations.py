"""Stars on albums and artists, and ratings of tracks, albums and artists (the services and
selectors a player app's star/setRating go through)."""

import pytest

from rubysound.social.errors import AnnotatedItemNotFound, InvalidRating
from rubysound.social.models import Rating, StarredAlbum
from rubysound.social.selectors import annotations as selectors
from rubysound.social.services import annotations as services
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_starring_albums_and_artists_keeps_the_first_time(user):
    first, second = AlbumFactory(), AlbumFactory()
    artist = ArtistFactory()

    services.star(user, "album", [first.pk])
    starred_at = selectors.starred_at(user, "album")[first.pk]
    services.star(user, "album", [first.pk, second.pk])
    services.star(user, "artist", [artist.pk])

    assert set(selectors.starred_at(user, "album")) == {first.pk, second.pk}
    assert selectors.starred_at(user, "album")[first.pk] == starred_at
    assert selectors.starred_at(user, "album", [second.pk]).keys() == {second.pk}
    assert set(selectors.starred_at(user, "artist")) == {artist.pk}
    # Someone else's stars are their own.
    assert selectors.starred_at(UserFactory(), "album") == {}


def test_unstarring_removes_only_those_and_forgives_repeats(user):
    albums = [AlbumFactory() for _ in range(3)]
    services.star(user, "album", [album.pk for album in albums])

    services.unstar(user, "album", [albums[0].pk])
    services.unstar(user, "album", [albums[0].pk])  # again: no error

    assert set(selectors.starred_at(user, "album")) == {albums[1].pk, albums[2].pk}


def test_an_unknown_album_stars_nothing(user):
    album = AlbumFactory()
    with pytest.raises(AnnotatedItemNotFound):
        services.star(user, "album", [album.pk, 999_999])
    assert not StarredAlbum.objects.exists()


@pytest.mark.parametrize("kind", ["track", "album", "artist"])
def test_a_rating_is_set_changed_and_cleared_by_zero(user, kind):
    factory = {"track": TrackFactory, "album": AlbumFactory, "artist": ArtistFactory}[kind]
    target, other = factory(), factory()

    services.set_rating(user, kind, target.pk, 4)
    services.set_rating(user, kind, other.pk, 2)
    services.set_rating(user, kind, target.pk, 5)

    assert selectors.ratings_of(user, kind, [target.pk, other.pk]) == {target.pk: 5, other.pk: 2}
    assert Rating.objects.filter(user=user).count() == 2
    services.set_rating(user, kind, target.pk, 0)
    assert selectors.ratings_of(user, kind, [target.pk, other.pk]) == {other.pk: 2}
    services.set_rating(user, kind, target.pk, 0)  # clearing nothing is no error


@pytest.mark.parametrize("value", [-1, 6, 100, True, "3", 2.5])
def test_a_rating_out_of_range_is_refused(user, value):
    track = TrackFactory()
    with pytest.raises(InvalidRating):
        services.set_rating(user, "track", track.pk, value)
    assert not Rating.objects.exists()


def test_rating_something_unknown_is_refused(user):
    with pytest.raises(AnnotatedItemNotFound):
        services.set_rating(user, "album", 999_999, 3)
    assert not Rating.objects.exists()


def test_rated_albums_best_first_newest_among_equals(user):
    good, best, also_good = AlbumFactory(), AlbumFactory(), AlbumFactory()
    services.set_rating(user, "album", good.pk, 4)
    services.set_rating(user, "album", best.pk, 5)
    services.set_rating(user, "album", also_good.pk, 4)
    services.set_rating(user, "track", TrackFactory().pk, 5)  # not an album

    ranked = list(selectors.rated_albums(user).values_list("album_id", flat=True))

    assert ranked == [best.pk, also_good.pk, good.pk]


def test_ratings_are_bounded_by_the_ids_asked_in_one_query(user, django_assert_num_queries):
    tracks = [TrackFactory() for _ in range(5)]
    for track in tracks:
        services.set_rating(user, "track", track.pk, 3)
    with django_assert_num_queries(1):
        assert len(selectors.ratings_of(user, "track", [t.pk for t in tracks[:2]])) == 2
    with django_assert_num_queries(0):
        assert selectors.ratings_of(user, "track", []) == {}
