import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rubysound.accounts.models import User
from rubysound.accounts.services import encrypt_service_credential

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"listener{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_public_favorites = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def favorites(obj, create, extracted, **kwargs):
        """As the signup service does; ``UserFactory(favorites=False)`` for an account
        made another way (``createsuperuser``)."""
        if create and extracted is not False:
            from rubysound.social.services.playlists import create_favorites

            create_favorites(obj)


def image_upload(
    name: str = "photo.png",
    size: tuple[int, int] = (64, 48),
    image_format: str = "PNG",
    color: str = "crimson",
) -> SimpleUploadedFile:
    """A real, decodable image file as a browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    content_type = f"image/{image_format.lower()}"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


# --- Catalog --------------------------------------------------------------------------
from django.utils import timezone  # noqa: E402

from rubysound.catalog.models import (  # noqa: E402
    Album,
    Artist,
    Genre,
    Listen,
    ScrobbleLink,
    Track,
)


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("slug",)

    name = factory.Iterator(["Rock", "Pop", "Jazz", "Electronic", "Hip-Hop", "Metal"])
    slug = factory.LazyAttribute(lambda genre: genre.name.lower())


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist

    name = factory.Sequence(lambda n: f"Artist {n}")


class AlbumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Album

    title = factory.Sequence(lambda n: f"Album {n}")
    artist = factory.SubFactory(ArtistFactory)
    year = 2020


class TrackFactory(factory.django.DjangoModelFactory):
    """A library track row; the file itself is the test's business (see the demo generator)."""

    class Meta:
        model = Track
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Song {n}")
    album = factory.SubFactory(AlbumFactory)
    artist = factory.LazyAttribute(lambda track: track.album.artist)
    track_number = factory.Sequence(lambda n: n % 12 + 1)
    disc_number = 1
    year = 2020
    duration = 180.0
    source = Track.Source.LIBRARY
    library_root = "/library"
    path = factory.Sequence(lambda n: f"music/song-{n}.flac")
    format = "flac"
    codec = "flac"

    @factory.post_generation
    def genres(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.genres.set(extracted)


class ListenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listen

    user = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)
    listened_at = factory.LazyFunction(timezone.now)
    source = Listen.Source.PLAYER


class ScrobbleLinkFactory(factory.django.DjangoModelFactory):
    """A linked scrobbling service; ``credential`` (the session key or token in clear) is
    stored encrypted, as the linking flow stores it."""

    class Meta:
        model = ScrobbleLink
        exclude = ["credential"]

    user = factory.SubFactory(UserFactory)
    service = ScrobbleLink.Service.LISTENBRAINZ
    account_name = factory.Sequence(lambda n: f"listener{n}")
    credential = factory.Sequence(lambda n: f"token-{n}")
    credential_encrypted = factory.LazyAttribute(
        lambda link: encrypt_service_credential(link.credential)
    )


# --- Social -----------------------------------------------------------------------------
from rubysound.social.models import (  # noqa: E402
    Comment,
    CommentLike,
    Notification,
    Playlist,
    PlaylistItem,
    PlaylistLike,
)


def favorites_of(user) -> Playlist:
    return Playlist.objects.get(owner=user, is_favorites=True)


class PlaylistFactory(factory.django.DjangoModelFactory):
    """A playlist other than Favorites (every UserFactory user already has those)."""

    class Meta:
        model = Playlist

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Mix {n}")
    visibility = Playlist.Visibility.PUBLIC


class PlaylistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaylistItem

    playlist = factory.SubFactory(PlaylistFactory)
    track = factory.SubFactory(TrackFactory)
    position = factory.LazyAttribute(lambda item: item.playlist.items.count())


class PlaylistLikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaylistLike

    playlist = factory.SubFactory(PlaylistFactory)
    user = factory.SubFactory(UserFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    playlist = factory.SubFactory(PlaylistFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Great picks #{n}")


class CommentLikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommentLike

    comment = factory.SubFactory(CommentFactory)
    user = factory.SubFactory(UserFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory)
    type = Notification.Type.PLAYLIST_LIKE
    playlist = factory.LazyAttribute(lambda n: favorites_of(n.recipient))
