"""Staff uploads of audio files into the library: stored, scanned, refused with a reason."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rubysound.catalog.models import Track
from tests.catalog.admin.conftest import messages_of
from tests.catalog.conftest import write_audio
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def audio_upload(tmp_path: Path, name: str, **tags) -> SimpleUploadedFile:
    path = write_audio(tmp_path / "made" / name, tags=tags)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="audio/mpeg")


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
