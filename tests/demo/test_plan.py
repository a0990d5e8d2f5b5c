"""The demo plan: names, tags and layout of the library, from the seed alone."""

from collections import Counter

from rubysound.demo.plan import GENRES, plan_demo_library, planned_covers
from tests.catalog.conftest import TINY


def test_the_default_plan_has_the_expected_shape():
    names, tracks = plan_demo_library(
        seed=7,
        artists=12,
        albums_per_artist=2,
        tracks_per_album=6,
        min_seconds=10,
        max_seconds=30,
    )
    assert len(names) == len(set(names)) == 12
    assert len({(t.artist, t.album) for t in tracks}) == 24
    assert len(tracks) == 150
    assert {t.genre for t in tracks} == set(GENRES)
    assert Counter(t.format for t in tracks) == {"flac": 50, "ogg": 50, "mp3": 50}
    assert {t.cover for t in tracks} == {"embedded", "cover.jpg", "folder.jpg", "front.png"}
    assert all(10 <= t.seconds <= 30 for t in tracks)


def test_the_same_seed_plans_the_same_library_and_another_seed_another():
    assert plan_demo_library(**TINY) == plan_demo_library(**TINY)
    assert plan_demo_library(**TINY)[0] != plan_demo_library(**{**TINY, "seed": 8})[0]


def test_folder_images_are_planned_for_the_albums_without_embedded_art():
    _, tracks = plan_demo_library(**{**TINY, "artists": 4})

    covers = planned_covers(tracks)

    folders = {t.path.rpartition("/")[0] for t in tracks if t.cover != "embedded"}
    assert {path.rpartition("/")[0] for path in covers} == folders
    assert {path.rpartition("/")[2] for path in covers} <= {"cover.jpg", "folder.jpg", "front.png"}
