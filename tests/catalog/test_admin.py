"""The catalog admin: lists that stay fast, staff uploads into the library, actions."""

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rubysound.catalog.models import Album, Listen, Track
from tests.catalog.conftest import write_audio
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def audio_upload(tmp_path: Path, name: str, **tags) -> SimpleUploadedFile:
    path = write_audio(tmp_path / "made" / name, tags=tags)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="audio/mpeg")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/admin/catalog/track/", "song"),
        ("/admin/catalog/album/", "album"),
        ("/admin/catalog/artist/", "artist"),
        ("/admin/catalog/genre/", "rock"),
        ("/admin/catalog/listen/", "listener"),
    ],
)
def test_lists_search_with_a_bounded_number_of_queries(
    staff_client, url, query, django_assert_max_num_queries
):
    for _ in range(30):
        ListenFactory()
    with django_assert_max_num_queries(12):  # session, user, the page: not one per row
        response = staff_client.get(url, {"q": query})
    assert response.status_code == 200


def test_a_track_page_uses_autocompletes_not_giant_selects(staff_client):
    track = TrackFactory()
    body = staff_client.get(f"/admin/catalog/track/{track.pk}/change/").content.decode()
    assert 'data-ajax--url="/admin/autocomplete/"' in body
    assert track.path in body  # shown, read-only


def test_staff_upload_audio_files_that_land_in_the_library_and_are_scanned(
    staff_client, library_root, tmp_path
):
    page = staff_client.get("/admin/catalog/track/upload/")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()
    assert "Upload audio files" in staff_client.get("/admin/catalog/track/").content.decode()

    response = staff_client.post(
        "/admin/catalog/track/upload/",
        {
            "files": [
                audio_upload(tmp_path, "one.flac", title="First Light", artist="Mara Kestrel"),
                audio_upload(tmp_path, "two.mp3", title="Second Wind", artist="Mara Kestrel"),
            ]
        },
        follow=True,
    )

    assert response.status_code == 200
    assert messages_of(response) == [
        "Added 2 track(s) to the library: Mara Kestrel – First Light, Mara Kestrel – Second Wind."
    ]
    assert sorted(p.name for p in (library_root / "Uploads").iterdir()) == ["one.flac", "two.mp3"]
    assert set(Track.objects.values_list("library_root", "path")) == {
        (str(library_root), "Uploads/one.flac"),
        (str(library_root), "Uploads/two.mp3"),
    }


def test_uploads_that_are_not_real_audio_or_too_large_or_duplicates_are_refused(
    staff_client, library_root, tmp_path, settings
):
    good = audio_upload(tmp_path, "good.ogg", title="Good")
    first = staff_client.post("/admin/catalog/track/upload/", {"files": [good]}, follow=True)
    assert messages_of(first) == ["Added 1 track(s) to the library: Unknown Artist – Good."]
    settings.AUDIO_UPLOAD_MAX_BYTES = 20_000
    big = write_audio(tmp_path / "big.wav", seconds=3).read_bytes()  # 48 KB

    response = staff_client.post(
        "/admin/catalog/track/upload/",
        {
            "files": [
                SimpleUploadedFile("song.mp3", b"<html>not music</html>" * 10),
                SimpleUploadedFile("notes.txt", b"hello"),
                SimpleUploadedFile("big.wav", big),
                SimpleUploadedFile(
                    "../../again.ogg", (library_root / "Uploads/good.ogg").read_bytes()
                ),
            ]
        },
        follow=True,
    )

    assert messages_of(response) == [
        "Refused song.mp3: not a valid MP3 file: can't sync to MPEG frame",
        "Refused notes.txt: not an audio file type (accepted: flac, m4a, mp3, oga, ogg, opus, wav)",
        "Refused big.wav: too large (the limit is 0 MB)",
        "Refused again.ogg: already in the library as Uploads/good.ogg",
    ]
    assert [p.name for p in (library_root / "Uploads").iterdir()] == ["good.ogg"]  # no leftovers
    assert Track.objects.count() == 1


def test_the_same_name_twice_is_stored_under_a_new_name(staff_client, library_root, tmp_path):
    staff_client.post(
        "/admin/catalog/track/upload/", {"files": [audio_upload(tmp_path, "a.flac", title="A")]}
    )
    staff_client.post(
        "/admin/catalog/track/upload/", {"files": [audio_upload(tmp_path, "a.flac", title="B")]}
    )
    assert sorted(Track.objects.values_list("path", "title")) == [
        ("Uploads/a (2).flac", "B"),
        ("Uploads/a.flac", "A"),
    ]


def test_listeners_cannot_upload(client, library_root, tmp_path):
    client.force_login(UserFactory())
    response = client.post(
        "/admin/catalog/track/upload/", {"files": [audio_upload(tmp_path, "x.flac")]}
    )
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not (library_root / "Uploads").exists()


def test_staff_without_the_add_permission_cannot_upload(client, library_root):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/catalog/track/upload/").status_code == 403


def test_actions_reread_files_and_remove_tracks_whose_file_is_gone(
    staff_client, scanned_library, tiny_library
):
    tracks = list(Track.objects.order_by("path"))
    gone = tracks[0]
    os.remove(tiny_library.root / gone.path)
    Listen.objects.create(user=UserFactory(), track=tracks[1], listened_at="2026-01-01T00:00Z")
    ids = [t.pk for t in tracks[:3]]

    reread = staff_client.post(
        "/admin/catalog/track/",
        {"action": "reread_files", "_selected_action": ids},
        follow=True,
    )
    shown = messages_of(reread)
    assert shown[0] == "Re-read 3 file(s): 2 updated, 0 added, 1 failed."
    assert shown[1].startswith(f"Failed: {tiny_library.root / gone.path}:")

    removed = staff_client.post(
        "/admin/catalog/track/",
        {"action": "remove_tracks_without_file", "_selected_action": ids},
        follow=True,
    )
    assert messages_of(removed) == [
        "Removed 1 track(s) whose file is gone; kept 2 (file present, or not a library track)."
    ]
    assert not Track.objects.filter(pk=gone.pk).exists()
    assert Track.objects.count() == 5
    assert Album.objects.count() == 2
