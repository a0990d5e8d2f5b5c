"""Genres: one rule turns a name into the slug the genre is filed and found under."""

import pytest

from rubysound.catalog.library.ingest import get_or_create_genres
from rubysound.catalog.listening import charts
from rubysound.catalog.models import Genre, genre_slug
from tests.catalog.plays import listeners, play
from tests.factories import TrackFactory


@pytest.mark.parametrize("blank", ["", "   ", None, "\t\n"])
def test_a_blank_name_names_no_genre(blank):
    """Readers take "" as every genre (a chart's ?genre=, the home page, the reports)."""
    assert genre_slug(blank) == ""


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Hip Hop", "hip-hop"),
        (" HIP-HOP ", "hip-hop"),
        ("Musique Électronique", "musique-electronique"),
        ("???", "unknown"),  # nothing a slug keeps: filed with the other such genres
        ("x" * 300, "x" * 64),
    ],
)
def test_names_and_slugs(name, slug):
    assert genre_slug(name) == slug


@pytest.mark.django_db
def test_a_genre_is_found_by_the_name_it_was_filed_under():
    (genre,) = get_or_create_genres(["Электроника"])
    assert genre.slug == "unknown"
    track = TrackFactory(genres=[genre])
    play(track, listeners(1))
    chart = charts.get_chart(charts.TOP_TRACKS, window="month", genre="Электроника", limit=5)
    assert [entry["id"] for entry in chart.entries] == [track.pk]


@pytest.mark.django_db
def test_a_genre_saved_without_a_slug_gets_one():
    assert Genre.objects.create(name="Post Rock").slug == "post-rock"
    assert Genre.objects.create(name=" ").slug == "unknown"
