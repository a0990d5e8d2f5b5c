"""A user's history as ListenBrainz files, from /history/: the export they download (what
/1/user/<name>/listens gives, every listen of it) and an export file imported back, whole
or not at all, never twice."""

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import rubysound
from rubysound.catalog.models import Listen, Track
from rubysound.compat.listenbrainz import portability
from tests.factories import AlbumFactory, ArtistFactory, ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPORT = "/history/export/"
IMPORT = "/history/import/"


@pytest.fixture
def signed_in(client, listener):
    client.force_login(listener)
    return client


@async_to_sync
async def body_of(response) -> bytes:
    """The whole streamed body; its batches are read back on this thread, as under ASGI."""
    return b"".join([chunk async for chunk in response.streaming_content])


def exported(client) -> list[dict]:
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="listenbrainz_')
    assert "no-store" in response["Cache-Control"]
    return json.loads(body_of(response))


def upload(client, content: bytes, name: str = "listens.json"):
    response = client.post(IMPORT, {"file": SimpleUploadedFile(name, content)}, follow=True)
    assert response.redirect_chain == [("/history/", 302)]
    return [str(message) for message in get_messages(response.wsgi_request)]


def lb_listen(artist: str, title: str, at: int, **info) -> dict:
    """A listen as ListenBrainz's own export writes it, its extra keys included."""
    return {
        "listened_at": at,
        "inserted_at": at + 5,
        "recording_msid": str(uuid.uuid4()),
        "user_name": "someone",
        "track_metadata": {
            "artist_name": artist,
            "track_name": title,
            "additional_info": info,
            "mbid_mapping": {"recording_mbid": str(uuid.uuid4()), "artists": []},
        },
    }


def history_of(user) -> list[tuple]:
    return sorted(
        Listen.objects.filter(user=user).values_list(
            "track__artist__name", "track__title", "listened_at"
        )
    )


def test_signing_in_comes_first(client):
    assert client.get(EXPORT)["Location"].startswith("/login/")
    assert client.post(IMPORT)["Location"].startswith("/login/")


def test_the_export_is_what_the_listens_route_gives_every_listen_of_it(lb, signed_in, listener):
    artist = ArtistFactory(name="Nina Simone", mbid=uuid.uuid4())
    track = TrackFactory(
        title="Sinnerman",
        artist=artist,
        album=AlbumFactory(title="Pastel Blues", artist=artist, mbid=uuid.uuid4()),
        mbid=uuid.uuid4(),
        duration=620,
    )
    start = timezone.now().replace(microsecond=0) - timedelta(days=3)
    for n in range(30):
        ListenFactory(user=listener, track=track, listened_at=start + timedelta(minutes=n))
    ListenFactory(user=UserFactory())  # someone else's

    listens = exported(signed_in)
    api = lb.get("/1/user/nina/listens", {"count": 100}).json()["payload"]["listens"]
    assert listens == api
    assert len(listens) == 30
    assert listens[0]["track_metadata"] == {
        "artist_name": "Nina Simone",
        "track_name": "Sinnerman",
        "release_name": "Pastel Blues",
        "additional_info": {
            "submission_client": "RubySound",
            "submission_client_version": rubysound.__version__,
            "recording_mbid": str(track.mbid),
            "artist_mbids": [str(artist.mbid)],
            "release_mbid": str(track.album.mbid),
            "duration_ms": 620000,
        },
    }


def test_an_empty_history_exports_an_empty_array(signed_in):
    assert exported(signed_in) == []


def test_the_export_reads_in_batches_whatever_the_history(
    signed_in, listener, django_assert_max_num_queries
):
    track = TrackFactory()
    start = timezone.now().replace(microsecond=0) - timedelta(days=30)
    Listen.objects.bulk_create(
        Listen(user=listener, track=track, listened_at=start + timedelta(minutes=n))
        for n in range(2500)
    )
    # Session, user, then one query a batch of 1000 listens (three, the last short).
    with django_assert_max_num_queries(5):
        listens = exported(signed_in)
    assert len(listens) == 2500
    times = [listen["listened_at"] for listen in listens]
    assert times == sorted(times, reverse=True)
    assert len(set(times)) == 2500


def test_an_export_imported_elsewhere_and_again_is_the_same_history(signed_in, client, listener):
    library = TrackFactory(title="So What", artist=ArtistFactory(name="Miles Davis"))
    start = timezone.now().replace(microsecond=0) - timedelta(days=10)
    for n in range(5):
        ListenFactory(user=listener, track=library, listened_at=start + timedelta(hours=n))
    by_name = Track.objects.create(
        source=Track.Source.REMOTE,
        title="Only A Name",
        title_key="only a name",
        artist=ArtistFactory(name="Somebody"),
    )
    ListenFactory(user=listener, track=by_name, listened_at=start + timedelta(days=1))
    file = body_of(signed_in.get(EXPORT))

    other = UserFactory(username="ines")
    client.force_login(other)
    tracks_before = Track.objects.count()
    assert upload(client, file) == ["Imported 6 new listens (6 in the file)."]
    assert history_of(other) == history_of(listener)
    assert Track.objects.count() == tracks_before  # each matched its track
    assert set(Listen.objects.filter(user=other).values_list("source", flat=True)) == {
        Listen.Source.LISTENBRAINZ
    }

    assert upload(client, file) == ["Imported 0 new listens (6 in the file)."]
    assert Listen.objects.filter(user=other).count() == 6


def test_listenbrainz_export_zip_with_jsonl_months(signed_in, listener):
    base = int((timezone.now() - timedelta(days=400)).timestamp())
    january = [lb_listen("Unknown Band", f"Demo {n}", base + n * 600) for n in range(3)]
    february = [
        lb_listen("Unknown Band", "Demo 0", base + 86400 * 31, duration_ms=200000),
        # Some exports write the time as ISO 8601 text.
        {
            **lb_listen("Another Band", "B-side", 0),
            "listened_at": datetime.fromtimestamp(base + 86400 * 32, tz=UTC).isoformat(),
        },
    ]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("user.json", json.dumps({"user_id": 1, "username": "someone"}))
        zipped.writestr("feedback.jsonl", json.dumps({"score": 1}) + "\n")
        zipped.writestr("listens/2025/1.jsonl", "\n".join(map(json.dumps, january)) + "\n")
        zipped.writestr("listens/2025/2.jsonl", "\n".join(map(json.dumps, february)))
    assert upload(signed_in, archive.getvalue(), "export.zip") == [
        "Imported 5 new listens (5 in the file)."
    ]
    demo = Track.objects.get(title="Demo 0")
    assert demo.source == Track.Source.REMOTE  # known only by name, as scrobbles are
    assert Listen.objects.filter(user=listener, track=demo).count() == 2
    assert Listen.objects.filter(
        user=listener,
        track__title="B-side",
        listened_at=datetime.fromtimestamp(base + 86400 * 32, tz=UTC),
    ).exists()


def test_a_plain_jsonl_file(signed_in, listener):
    at = int(timezone.now().timestamp()) - 3600
    lines = [json.dumps(lb_listen("Björk", "Jóga", at - n * 300)) for n in range(3)]
    assert upload(signed_in, "\n".join(lines).encode(), "listens.jsonl") == [
        "Imported 3 new listens (3 in the file)."
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is neither JSON nor JSON Lines."),
        (b"not json at all", "the file is neither JSON nor JSON Lines."),
        (b"[]", "The file holds no listens."),
        (b'"a string"', "the JSON holds no list of listens."),
        (b'{"listened_at": 1}\n{oops', "line 2 is not JSON."),
        (b"\xff\xfe[]", "the file is not UTF-8 text."),
        (b"PK\x03\x04 broken zip", "The zip file cannot be read."),
    ],
)
def test_files_that_are_no_export_are_refused(signed_in, listener, content, reason):
    messages = upload(signed_in, content)
    assert len(messages) == 1
    assert messages[0].startswith("Nothing was imported: ")
    assert messages[0].endswith(reason)
    assert not Listen.objects.exists()


def test_one_bad_listen_refuses_the_whole_file(signed_in, listener):
    at = int(timezone.now().timestamp()) - 3600
    good = [lb_listen("Good Band", f"Song {n}", at - n * 60) for n in range(3)]
    nameless = lb_listen("Good Band", "", at - 600)
    future = lb_listen("Good Band", "Later", at + 86400)
    bad_mbid = lb_listen("Good Band", "Bad", at - 900, recording_mbid="not-a-uuid")
    tracks_before = Track.objects.count()
    for bad, reason in (
        (nameless, "Listen 4: JSON document does not contain required track_metadata.track_name."),
        (future, "Listen 4: Value for key listened_at is too high."),
        (bad_mbid, "Listen 4: recording_mbid MBID format invalid."),
    ):
        messages = upload(signed_in, json.dumps([*good, bad]).encode())
        assert messages == [f"Nothing was imported: {reason}"]
    assert not Listen.objects.exists()
    assert Track.objects.count() == tracks_before


def test_a_file_too_large_is_refused_with_the_limit(signed_in, listener, settings):
    settings.LISTEN_IMPORT_MAX_BYTES = 1024 * 1024
    at = int(timezone.now().timestamp()) - 3600
    content = json.dumps([lb_listen("Band", "Song " + "x" * 200, at - n) for n in range(5000)])
    assert len(content) > settings.LISTEN_IMPORT_MAX_BYTES
    assert upload(signed_in, content.encode()) == [
        "That file is too large to import (at most 1 MB)."
    ]
    assert not Listen.objects.exists()
    assert signed_in.post(IMPORT, follow=True).redirect_chain == [("/history/", 302)]


def test_a_zip_that_unpacks_too_large_or_too_many_listens_is_refused(
    signed_in, listener, monkeypatch
):
    at = int(timezone.now().timestamp()) - 3600
    lines = "\n".join(json.dumps(lb_listen("Band", f"Song {n}", at - n)) for n in range(50))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("listens/2026/1.jsonl", lines)
    monkeypatch.setattr(portability, "MAX_UNCOMPRESSED_BYTES", len(lines) - 1)
    assert upload(signed_in, archive.getvalue(), "export.zip") == [
        "Nothing was imported: The zip holds more than an import can take."
    ]
    monkeypatch.setattr(portability, "MAX_UNCOMPRESSED_BYTES", len(lines))
    monkeypatch.setattr(portability, "MAX_IMPORT_LISTENS", 49)
    assert upload(signed_in, archive.getvalue(), "export.zip") == [
        "Nothing was imported: The file holds more than 49 listens; split it up."
    ]
    assert not Listen.objects.exists()


# --- The page's script follows the import as it goes -------------------------------------


def upload_following(client, content: bytes, name: str = "listens.json"):
    """The import as the page's script sends it: the answer's status and its JSON lines."""
    response = client.post(
        IMPORT,
        {"file": SimpleUploadedFile(name, content)},
        headers={"Accept": "application/x-ndjson"},
    )
    assert response["Content-Type"] == "application/x-ndjson"
    body = body_of(response) if response.streaming else response.content
    return response.status_code, [json.loads(line) for line in body.splitlines()]


def test_the_import_reports_each_chunk_then_what_it_did(signed_in, listener):
    at = int(timezone.now().timestamp()) - 86400
    already = lb_listen("Band", "Song 0", at)
    upload(signed_in, json.dumps([already]).encode())
    # Three chunks of IMPORT_CHUNK_SIZE (1000), the last short; one listen already stored.
    listens = [already, *(lb_listen("Band", f"Song {n}", at - n * 10) for n in range(1, 2500))]

    status, lines = upload_following(signed_in, json.dumps(listens).encode())

    assert status == 200
    assert lines == [
        {"done": 1000, "total": 2500},
        {"done": 2000, "total": 2500},
        {"done": 2500, "total": 2500},
        {
            "done": 2500,
            "total": 2500,
            "created": 2499,
            "stored": 2500,
            "message": "Imported 2499 new listens (2500 in the file).",
        },
    ]
    assert Listen.objects.filter(user=listener, source=Listen.Source.LISTENBRAINZ).count() == 2500
    assert set(Track.objects.filter(title__startswith="Song ").values_list("title", flat=True)) == {
        f"Song {n}" for n in range(2500)
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "Nothing was imported: the file is neither JSON nor JSON Lines."),
        (
            json.dumps(
                [
                    lb_listen("Band", "Fine", int(timezone.now().timestamp()) - 60),
                    lb_listen("Band", "", int(timezone.now().timestamp()) - 120),
                ]
            ).encode(),
            "Nothing was imported: Listen 2: JSON document does not contain required "
            "track_metadata.track_name.",
        ),
    ],
)
def test_a_bad_file_followed_is_refused_whole(signed_in, listener, content, message):
    tracks_before = Track.objects.count()
    assert upload_following(signed_in, content) == (400, [{"error": message}])
    assert not Listen.objects.exists()
    assert Track.objects.count() == tracks_before


def test_a_file_too_large_followed_is_refused_with_the_limit(signed_in, settings):
    settings.LISTEN_IMPORT_MAX_BYTES = 1024 * 1024
    assert upload_following(signed_in, b" " * (2 * 1024 * 1024)) == (
        400,
        [{"error": "That file is too large to import (at most 1 MB)."}],
    )
    assert not Listen.objects.exists()
