"""The scrobble outbox: every new listen is queued for its user's linked services in the
listen's own transaction, never echoed to the service it came from; the worker sends the
queue to Last.fm and ListenBrainz (their recorded answers replayed with respx), retries with
backoff, dead-letters what is refused for good and unlinks a refused credential."""

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from rubysound.catalog import services
from rubysound.catalog.listening import scrobble_outbox, scrobble_senders
from rubysound.catalog.models import Listen, ScrobbleLink, ScrobbleOutboxEntry
from rubysound.social.models import Notification
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    ListenFactory,
    ScrobbleLinkFactory,
    TrackFactory,
    UserFactory,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "providers"
LASTFM_URL = "https://ws.audioscrobbler.com/2.0/"
LISTENBRAINZ_URL = "https://api.listenbrainz.org/1/submit-listens"
AT = datetime(2024, 5, 1, 12, tzinfo=UTC)
Service = ScrobbleLink.Service


def fixture(service: str, name: str) -> bytes:
    return (FIXTURES / service / name).read_bytes()


@pytest.fixture(autouse=True)
def lastfm_keys(settings):
    settings.LASTFM_API_KEY = "test-api-key"
    settings.LASTFM_API_SECRET = "test-api-secret"
    settings.LASTFM_SCROBBLE_URL = LASTFM_URL
    settings.LISTENBRAINZ_BASE_URL = "https://api.listenbrainz.org"


def pending(link=None):
    entries = ScrobbleOutboxEntry.objects.filter(status=ScrobbleOutboxEntry.Status.PENDING)
    return entries.filter(link=link) if link else entries


def play(user, track=None, *, at=AT, source=Listen.Source.PLAYER):
    return services.record_listen(
        user=user, track=track or TrackFactory(), played_seconds=None, listened_at=at, source=source
    )


def make_due():
    """Moves every pending entry's next attempt to the past, as time passing would."""
    pending().update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- Queueing ---------------------------------------------------------------------------------


def test_a_listen_is_queued_once_for_each_linked_service():
    user = UserFactory()
    lastfm = ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    listenbrainz = ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ)
    ScrobbleLinkFactory(service=Service.LASTFM)  # someone else's link
    outcome = play(user)
    assert sorted(pending().values_list("link_id", "listen_id")) == sorted(
        [(lastfm.pk, outcome.listen.pk), (listenbrainz.pk, outcome.listen.pk)]
    )
    # The same listen reported again is not queued again.
    again = services.record_listen(
        user=user, track=outcome.listen.track, played_seconds=None, listened_at=AT
    )
    assert not again.created
    assert pending().count() == 2


def test_a_user_without_links_queues_nothing():
    play(UserFactory())
    assert not ScrobbleOutboxEntry.objects.exists()


def test_the_outbox_entry_is_rolled_back_with_its_listen():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    queued_inside = []

    def fail_after_the_listen():
        with transaction.atomic():
            play(user)
            queued_inside.append(pending().count())
            raise RuntimeError("the request failed after the listen was written")

    with pytest.raises(RuntimeError):
        fail_after_the_listen()
    assert queued_inside == [1]
    assert not Listen.objects.exists()
    assert not ScrobbleOutboxEntry.objects.exists()


@pytest.mark.parametrize(
    ("source", "sent_to"),
    [
        (Listen.Source.LISTENBRAINZ, {Service.LASTFM}),
        (Listen.Source.AUDIOSCROBBLER, {Service.LISTENBRAINZ}),
        (Listen.Source.SUBSONIC, {Service.LASTFM, Service.LISTENBRAINZ}),
        (Listen.Source.DEMO, set()),
    ],
)
def test_a_listen_never_goes_back_to_the_service_it_came_from(source, sent_to):
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ)
    play(user, source=source)
    assert set(pending().values_list("link__service", flat=True)) == sent_to


def test_scrobbled_batches_are_queued_in_bulk(django_assert_max_num_queries):
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    scrobbles = [
        services.Scrobble(artist="Can", title=f"Song {n}", listened_at=AT + timedelta(minutes=n))
        for n in range(40)
    ]
    services.record_scrobbles(user, scrobbles[:10], source=Listen.Source.LISTENBRAINZ)
    # The import's queries do not grow with its size: links once, one read and one insert
    # per batch of listens.
    with django_assert_max_num_queries(16):
        result = services.record_scrobbles(user, scrobbles, source=Listen.Source.LISTENBRAINZ)
    assert (result.stored, result.created) == (40, 30)
    assert pending().count() == 40  # the ten already stored were queued the first time


def test_an_import_queues_only_the_listens_it_adds():
    user, other = UserFactory(), UserFactory()
    link = ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    track = TrackFactory()
    ListenFactory(user=user, track=track, listened_at=AT)  # stored before the link
    ScrobbleOutboxEntry.objects.all().delete()
    history = [
        services.ImportedListen(user_id=user.pk, track_id=track.pk, listened_at=AT),
        services.ImportedListen(user_id=user.pk, track_id=track.pk, listened_at=AT + timedelta(1)),
        services.ImportedListen(user_id=other.pk, track_id=track.pk, listened_at=AT),
    ]
    result = services.import_listens(history, source=Listen.Source.PLAYER)
    assert result.created == 2
    queued = pending(link).values_list("listen__listened_at", flat=True)
    assert list(queued) == [AT + timedelta(1)]


def test_demo_histories_are_never_queued():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    track = TrackFactory()
    services.replace_imported_listens(
        [user.pk],
        [services.ImportedListen(user_id=user.pk, track_id=track.pk, listened_at=AT)],
        source=Listen.Source.DEMO,
    )
    assert Listen.objects.count() == 1
    assert not ScrobbleOutboxEntry.objects.exists()


def test_the_web_players_listen_is_queued(client):
    user = UserFactory()
    link = ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ)
    track = TrackFactory(duration=200)
    client.force_login(user)
    response = client.post(
        "/api/listens/",
        {"track_id": track.pk, "played_seconds": 150},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert list(pending(link).values_list("listen__track", flat=True)) == [track.pk]


# --- Sending to Last.fm -----------------------------------------------------------------------


def portishead_listens(user, count=3):
    artist = ArtistFactory(name="Portishead")
    album = AlbumFactory(title="Dummy", artist=artist)
    titles = ["Roads", "Sour Times", "Glory Box"]
    return [
        play(
            user,
            TrackFactory(title=titles[n], artist=artist, album=album, duration=300),
            at=AT + timedelta(minutes=5 * n),
        ).listen
        for n in range(count)
    ]


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


@respx.mock
def test_lastfm_gets_a_signed_batch_and_its_ignored_scrobble_is_a_dead_letter():
    user = UserFactory()
    link = ScrobbleLinkFactory(user=user, service=Service.LASTFM, credential="session-key-1")
    listens = portishead_listens(user)
    route = respx.post(LASTFM_URL).respond(200, content=fixture("lastfm", "track_scrobble.json"))

    assert scrobble_outbox.drain(batch=50) == 3

    sent = form(route.calls.last.request)
    assert sent["method"] == "track.scrobble"
    assert (sent["artist[0]"], sent["track[0]"], sent["album[0]"]) == (
        "Portishead",
        "Roads",
        "Dummy",
    )
    assert sent["timestamp[2]"] == str(int(listens[2].listened_at.timestamp()))
    assert sent["sk"] == "session-key-1"
    assert sent["api_key"] == "test-api-key"
    signed = "".join(
        f"{key}{sent[key]}" for key in sorted(sent) if key not in {"format", "api_sig"}
    )
    assert sent["api_sig"] == hashlib.md5((signed + "test-api-secret").encode()).hexdigest()  # noqa: S324
    # Two accepted: delivered and gone; Glory Box ignored by Last.fm: kept, dead, with why.
    (dead,) = ScrobbleOutboxEntry.objects.all()
    assert dead.listen == listens[2]
    assert dead.status == ScrobbleOutboxEntry.Status.DEAD
    assert "Timestamp too old" in dead.last_error
    link.refresh_from_db()
    assert link.last_sent_at is not None


@respx.mock
def test_lastfm_takes_at_most_fifty_scrobbles_a_request():
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    for n in range(51):
        play(user, at=AT + timedelta(minutes=n))
    single = fixture("lastfm", "track_scrobble_single.json")
    accepted = json.loads(single)["scrobbles"]["scrobble"]

    def answer(request):
        count = sum(1 for key in form(request) if key.startswith("timestamp["))
        body = {"scrobbles": {"scrobble": [accepted] * count, "@attr": {"accepted": count}}}
        return httpx.Response(200, json=body)

    route = respx.post(LASTFM_URL).mock(side_effect=answer)
    scrobble_outbox.drain(batch=1000)
    assert route.call_count == 2
    assert not ScrobbleOutboxEntry.objects.exists()


@respx.mock
def test_a_single_scrobble_answer_is_an_object_not_a_list():
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    portishead_listens(user, count=1)
    respx.post(LASTFM_URL).respond(200, content=fixture("lastfm", "track_scrobble_single.json"))
    scrobble_outbox.drain()
    assert not ScrobbleOutboxEntry.objects.exists()


@respx.mock
@pytest.mark.parametrize(
    ("status", "content"),
    [
        (429, fixture("lastfm", "error_29.json")),
        (200, fixture("lastfm", "error_29.json")),
        (503, fixture("lastfm", "error_11.json")),
        (500, fixture("lastfm", "error_16.json")),
        (502, b"<html><body>Bad Gateway</body></html>"),
    ],
)
def test_lastfm_rate_limits_and_outages_are_retried_with_backoff(status, content):
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    portishead_listens(user, count=2)
    route = respx.post(LASTFM_URL).respond(status, content=content)
    before = timezone.now()
    scrobble_outbox.drain()
    assert route.call_count == 1  # not tried again at once
    entries = list(pending())
    assert len(entries) == 2
    for entry in entries:
        assert entry.attempts == 1
        # 5 s, plus at most a fifth of jitter.
        assert before + timedelta(seconds=5) <= entry.next_attempt_at
        assert entry.next_attempt_at <= timezone.now() + timedelta(seconds=6)
        assert entry.last_error


@respx.mock
def test_an_invalid_lastfm_session_unlinks_and_tells_the_user(django_capture_on_commit_callbacks):
    user = UserFactory()
    link = ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ)
    portishead_listens(user, count=2)
    respx.post(LASTFM_URL).respond(403, content=fixture("lastfm", "error_9.json"))
    respx.post(LISTENBRAINZ_URL).respond(
        200, content=fixture("listenbrainz", "submit_listens_ok.json")
    )
    with django_capture_on_commit_callbacks(execute=True):
        scrobble_outbox.drain()
    assert not ScrobbleLink.objects.filter(pk=link.pk).exists()
    assert not ScrobbleOutboxEntry.objects.exists()
    (notification,) = Notification.objects.filter(recipient=user)
    assert notification.type == Notification.Type.LASTFM_UNLINKED
    assert notification.actor is None


@respx.mock
def test_a_permanent_lastfm_error_dead_letters_the_batch_in_one_update(
    django_assert_max_num_queries,
):
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    for n in range(20):
        play(user, at=AT + timedelta(minutes=n))
    respx.post(LASTFM_URL).respond(400, content=fixture("lastfm", "error_6_track.json"))
    found = scrobble_outbox.claim(batch=50)
    delivery = scrobble_senders.send(found.link, found.entries)
    with django_assert_max_num_queries(3):
        scrobble_outbox.settle(found, delivery)
    dead = ScrobbleOutboxEntry.objects.filter(status=ScrobbleOutboxEntry.Status.DEAD)
    assert dead.count() == 20
    assert set(dead.values_list("last_error", flat=True)) == {"Last.fm error 6: Track not found"}
    assert scrobble_outbox.drain() == 0  # dead letters are not sent again


@respx.mock
def test_lastfm_links_wait_while_the_operator_has_no_api_secret(settings):
    settings.LASTFM_API_SECRET = ""
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM)
    play(user)
    assert scrobble_outbox.drain() == 0
    assert pending().count() == 1


# --- Sending to ListenBrainz ------------------------------------------------------------------


@respx.mock
def test_listenbrainz_gets_an_import_with_the_token(settings):
    user = UserFactory()
    ScrobbleLinkFactory(user=user, credential="lb-token")
    listens = portishead_listens(user)
    listens[0].track.mbid = uuid.uuid4()
    listens[0].track.save()
    listens[0].track.artist.mbid = uuid.uuid4()
    listens[0].track.artist.save()
    route = respx.post(LISTENBRAINZ_URL).respond(
        200, content=fixture("listenbrainz", "submit_listens_ok.json")
    )
    scrobble_outbox.drain()
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Token lb-token"
    body = json.loads(request.content)
    assert body["listen_type"] == "import"
    first = body["payload"][0]
    assert first["listened_at"] == int(AT.timestamp())
    assert first["track_metadata"]["artist_name"] == "Portishead"
    assert first["track_metadata"]["release_name"] == "Dummy"
    sent_ids = first["track_metadata"]["additional_info"]
    assert sent_ids["recording_mbid"] == str(listens[0].track.mbid)
    assert sent_ids["artist_mbids"] == [str(listens[0].track.artist.mbid)]
    assert [p["track_metadata"]["track_name"] for p in body["payload"]] == [
        "Roads",
        "Sour Times",
        "Glory Box",
    ]
    assert not ScrobbleOutboxEntry.objects.exists()


@respx.mock
def test_a_self_hosted_listenbrainz_gets_its_own_address():
    user = UserFactory()
    ScrobbleLinkFactory(user=user, base_url="https://maloja.example.org/apis/listenbrainz/1/")
    play(user)
    route = respx.post("https://maloja.example.org/apis/listenbrainz/1/submit-listens").respond(
        200, content=fixture("listenbrainz", "submit_listens_ok.json")
    )
    scrobble_outbox.drain()
    assert route.called
    assert not ScrobbleOutboxEntry.objects.exists()


@respx.mock
def test_a_listenbrainz_rate_limit_waits_as_long_as_it_says():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)
    respx.post(LISTENBRAINZ_URL).respond(
        429,
        content=fixture("listenbrainz", "error_429.json"),
        headers={"X-RateLimit-Reset-In": "42", "X-RateLimit-Remaining": "0"},
    )
    scrobble_outbox.drain()
    (entry,) = pending()
    wait = (entry.next_attempt_at - timezone.now()).total_seconds()
    assert 40 < wait <= 42
    assert "429" in entry.last_error


@respx.mock
def test_listenbrainz_outages_back_off_doubling_up_to_four_minutes():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)
    route = respx.post(LISTENBRAINZ_URL).respond(
        503, content=fixture("listenbrainz", "error_503.json")
    )
    waits = []
    for _ in range(8):
        make_due()
        scrobble_outbox.drain()
        (entry,) = pending()
        waits.append((entry.next_attempt_at - timezone.now()).total_seconds())
    assert route.call_count == 8
    steps = [5, 10, 20, 40, 80, 160, 240, 240]
    for wait, step in zip(waits, steps, strict=True):
        assert step - 1 < wait <= step * 1.2
    # Then the service is back: delivered, nothing left.
    route.respond(200, content=fixture("listenbrainz", "submit_listens_ok.json"))
    make_due()
    scrobble_outbox.drain()
    assert not ScrobbleOutboxEntry.objects.exists()


@respx.mock
def test_network_errors_are_retried():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)
    respx.post(LISTENBRAINZ_URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
    scrobble_outbox.drain()
    (entry,) = pending()
    assert entry.attempts == 1
    assert "ConnectTimeout" in entry.last_error


@respx.mock
def test_a_refused_listenbrainz_token_unlinks(django_capture_on_commit_callbacks):
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)
    respx.post(LISTENBRAINZ_URL).respond(
        401, content=fixture("listenbrainz", "error_401_invalid_token.json")
    )
    with django_capture_on_commit_callbacks(execute=True):
        scrobble_outbox.drain()
    assert not ScrobbleLink.objects.exists()
    assert Notification.objects.get(recipient=user).type == Notification.Type.LISTENBRAINZ_UNLINKED


@respx.mock
def test_a_listen_listenbrainz_refuses_is_a_dead_letter_and_the_rest_arrive():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    listens = [play(user, at=AT + timedelta(minutes=n)).listen for n in range(5)]
    bad = int(listens[3].listened_at.timestamp())
    received = []

    def answer(request):
        payload = json.loads(request.content)["payload"]
        if any(listen["listened_at"] == bad for listen in payload):
            return httpx.Response(400, content=fixture("listenbrainz", "error_400.json"))
        received.extend(listen["listened_at"] for listen in payload)
        return httpx.Response(200, content=fixture("listenbrainz", "submit_listens_ok.json"))

    respx.post(LISTENBRAINZ_URL).mock(side_effect=answer)
    scrobble_outbox.drain()
    assert sorted(received) == sorted(
        int(listen.listened_at.timestamp()) for n, listen in enumerate(listens) if n != 3
    )
    (dead,) = ScrobbleOutboxEntry.objects.all()
    assert dead.listen == listens[3]
    assert dead.status == ScrobbleOutboxEntry.Status.DEAD
    assert "too low" in dead.last_error


@respx.mock
def test_a_link_backing_off_holds_its_newer_listens_back_so_order_is_kept():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user, at=AT)
    route = respx.post(LISTENBRAINZ_URL).respond(503)
    scrobble_outbox.drain()
    play(user, at=AT + timedelta(minutes=5))  # due now, but its elder waits
    route.respond(200, content=fixture("listenbrainz", "submit_listens_ok.json"))
    assert scrobble_outbox.drain() == 0
    make_due()
    scrobble_outbox.drain()
    sent = json.loads(route.calls.last.request.content)["payload"]
    assert [listen["listened_at"] for listen in sent] == [
        int(AT.timestamp()),
        int((AT + timedelta(minutes=5)).timestamp()),
    ]


def test_a_worker_that_died_mid_send_leaves_its_listens_to_another_after_the_lease():
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)
    now = timezone.now()
    first = scrobble_outbox.claim(batch=10, now=now)
    assert first is not None
    # Its worker is gone without settling: nobody else takes the listen while it may be in
    # flight, another worker does once the lease is over.
    assert scrobble_outbox.claim(batch=10, now=now + timedelta(seconds=60)) is None
    later = now + timedelta(seconds=scrobble_outbox.LEASE_SECONDS + 1)
    second = scrobble_outbox.claim(batch=10, now=later)
    assert [e.pk for e in second.entries] == [e.pk for e in first.entries]
    assert second.entries[0].attempts == 2


@respx.mock
def test_a_bug_while_sending_is_retried_and_the_worker_goes_on(monkeypatch):
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)

    def broken(link, entries):
        raise KeyError("a bug")

    monkeypatch.setattr(scrobble_senders, "send", broken)
    assert scrobble_outbox.drain() == 1
    (entry,) = pending()
    assert entry.last_error == "internal error: KeyError"


@respx.mock
def test_the_logs_never_show_a_token_or_session_key(caplog, django_capture_on_commit_callbacks):
    caplog.set_level("DEBUG")
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM, credential="sk-SECRET-lastfm")
    ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ, credential="tok-SECRET-lb")
    play(user)
    respx.post(LASTFM_URL).respond(403, content=fixture("lastfm", "error_9.json"))
    respx.post(LISTENBRAINZ_URL).respond(503, content=fixture("listenbrainz", "error_503.json"))
    with django_capture_on_commit_callbacks(execute=True):
        scrobble_outbox.drain()
    assert "scrobble link refused" in caplog.text
    assert "SECRET" not in caplog.text
    assert "SECRET" not in "".join(ScrobbleOutboxEntry.objects.values_list("last_error", flat=True))


# --- Now playing ------------------------------------------------------------------------------


@respx.mock
def test_now_playing_goes_straight_to_the_other_services(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LASTFM, credential="sk-np")
    ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ)
    lastfm = respx.post(LASTFM_URL).respond(
        200, content=fixture("lastfm", "track_update_now_playing.json")
    )
    listenbrainz = respx.post(LISTENBRAINZ_URL).respond(
        200, content=fixture("listenbrainz", "submit_listens_ok.json")
    )
    track = TrackFactory(title="Roads", artist=ArtistFactory(name="Portishead"))
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/listens/now-playing/", {"track_id": track.pk}, content_type="application/json"
        )
    assert response.status_code == 204
    wait_until(lambda: lastfm.called and listenbrainz.called)
    sent = form(lastfm.calls.last.request)
    assert (sent["method"], sent["track"], sent["sk"]) == (
        "track.updateNowPlaying",
        "Roads",
        "sk-np",
    )
    body = json.loads(listenbrainz.calls.last.request.content)
    assert body["listen_type"] == "playing_now"
    assert "listened_at" not in body["payload"][0]
    assert not ScrobbleOutboxEntry.objects.exists()  # never queued


def test_now_playing_is_not_echoed_to_its_source():
    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ)
    from rubysound.catalog.listening.scrobble_senders import send_now_playing

    assert send_now_playing(user.pk, TrackFactory(), source=Listen.Source.LISTENBRAINZ) == 0


# --- The command ------------------------------------------------------------------------------


@respx.mock
def test_the_worker_command_drains_once_and_says_how_many(tmp_path, capsys):
    user = UserFactory()
    ScrobbleLinkFactory(user=user, credential="secret-token-value")
    for n in range(3):
        play(user, at=AT + timedelta(minutes=n))
    respx.post(LISTENBRAINZ_URL).respond(
        200, content=fixture("listenbrainz", "submit_listens_ok.json")
    )
    heartbeat = tmp_path / "heartbeat"
    call_command("scrobble_worker", "--once", f"--heartbeat-file={heartbeat}")
    assert "handled=3" in capsys.readouterr().out
    assert heartbeat.exists()
    assert not ScrobbleOutboxEntry.objects.exists()


# --- Metrics and health -----------------------------------------------------------------------


def sample(text: str, name: str, **labels: str) -> float:
    """A series' value on /metrics (labels in Prometheus's sorted order); 0 when absent, as
    a counter is before its first increment."""
    label_text = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{label_text}\}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


@respx.mock
def test_metrics_show_the_outbox_per_service_and_count_what_was_sent(client):
    import rubysound.asgi  # noqa: F401 - /metrics as the deployed entry point wires it

    user = UserFactory()
    ScrobbleLinkFactory(user=user, service=Service.LISTENBRAINZ)
    for n in range(2):
        play(user, at=AT + timedelta(minutes=n))
    pending().update(created_at=timezone.now() - timedelta(seconds=90))
    text = client.get("/metrics").content.decode()
    assert "# TYPE rubysound_scrobble_outbox_pending gauge" in text
    assert sample(text, "rubysound_scrobble_outbox_pending", service="listenbrainz") == 2
    assert sample(text, "rubysound_scrobble_outbox_pending", service="lastfm") == 0
    oldest = sample(
        text, "rubysound_scrobble_outbox_oldest_pending_seconds", service="listenbrainz"
    )
    assert oldest >= 90
    sent_before = sample(text, "rubysound_scrobbles_sent_total", service="listenbrainz")

    respx.post(LISTENBRAINZ_URL).respond(
        200, content=fixture("listenbrainz", "submit_listens_ok.json")
    )
    scrobble_outbox.drain()
    text = client.get("/metrics").content.decode()
    assert sample(text, "rubysound_scrobble_outbox_pending", service="listenbrainz") == 0
    assert sample(text, "rubysound_scrobbles_sent_total", service="listenbrainz") == sent_before + 2


@respx.mock
def test_failed_sends_are_counted_by_outcome(client):
    import rubysound.asgi  # noqa: F401

    name = "rubysound_scrobbles_failed_total"
    before = client.get("/metrics").content.decode()
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)
    respx.post(LISTENBRAINZ_URL).respond(503, content=fixture("listenbrainz", "error_503.json"))
    scrobble_outbox.drain()
    after = client.get("/metrics").content.decode()
    retried = {"service": "listenbrainz", "outcome": "retry"}
    assert sample(after, name, **retried) == sample(before, name, **retried) + 1


def test_ready_shows_the_oldest_pending_age_but_never_fails_for_it(client):
    user = UserFactory()
    ScrobbleLinkFactory(user=user)
    play(user)
    pending().update(created_at=timezone.now() - timedelta(days=2))
    response = client.get("/health/ready")
    assert response.status_code == 200
    check = response.json()["checks"]["scrobble_outbox"]
    assert check["critical"] is False
    assert check["ok"] is True
    age = int(re.search(r"oldest pending (\d+) s", check["detail"]).group(1))
    assert age >= 2 * 24 * 3600
