"""Scrobbling out for real: several workers at once never send a listen twice (PostgreSQL's
SKIP LOCKED), and one RubySound server's listens reach a second RubySound's ListenBrainz
API exactly once and in order, through an outage of the second."""

import json
import re
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from django.db import connection, connections
from rest_framework_simplejwt.tokens import RefreshToken

from rubysound.accounts import services as account_services
from rubysound.catalog import services
from rubysound.catalog.listening import scrobble_outbox
from rubysound.catalog.models import Listen, ScrobbleLink, ScrobbleOutboxEntry
from tests.factories import ArtistFactory, ScrobbleLinkFactory, TrackFactory, UserFactory
from tests.servers import BASE_DIR, free_port, serve, serve_process, server_environment
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

AT = datetime(2024, 5, 1, 12, tzinfo=UTC)


# Several workers share the outbox on PostgreSQL only (SQLite: one worker).
@pytest.mark.postgres_only
def test_concurrent_workers_never_send_a_listen_twice(settings):
    settings.LISTENBRAINZ_BASE_URL = "https://api.listenbrainz.org"
    links = [ScrobbleLinkFactory(user=UserFactory(), credential=f"token-{n}") for n in range(4)]
    tracks = [TrackFactory() for _ in range(5)]
    for link in links:
        history = [
            services.ImportedListen(
                user_id=link.user_id,
                track_id=tracks[n % 5].pk,
                listened_at=AT + timedelta(minutes=n),
            )
            for n in range(60)
        ]
        services.import_listens(history, source=Listen.Source.PLAYER)
    received: dict[str, list[int]] = {f"token-{n}": [] for n in range(4)}
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def answer(request):
        token = request.headers["Authorization"].removeprefix("Token ")
        stamps = [listen["listened_at"] for listen in json.loads(request.content)["payload"]]
        threading.Event().wait(0.02)  # a request takes a while: the workers overlap
        with lock:
            received[token].extend(stamps)
        return httpx.Response(200, json={"status": "ok"})

    errors = []

    def worker():
        try:
            barrier.wait()
            scrobble_outbox.drain(batch=7)
        except Exception as error:  # shown by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    with respx.mock:
        respx.post("https://api.listenbrainz.org/1/submit-listens").mock(side_effect=answer)
        threads = [threading.Thread(target=worker) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors
    assert not ScrobbleOutboxEntry.objects.exists()
    for stamps in received.values():
        # Each listen once, oldest first.
        assert stamps == sorted(set(stamps))
        assert len(stamps) == 60


def _start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "scrobble_worker",
            "--poll-interval=0.2",
            "--heartbeat-file=",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _record(base_url: str, token: str, track, at: datetime) -> None:
    response = httpx.post(
        f"{base_url}/api/listens/",
        json={"track_id": track.pk, "played_seconds": 150, "listened_at": at.isoformat()},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text


def test_listens_reach_a_second_rubysound_exactly_once_in_order_through_its_outage():
    workers = 2 if connection.vendor == "postgresql" else 1
    alice, bruno = UserFactory(username="alice"), UserFactory(username="bruno")
    _, bruno_key = account_services.create_api_key(bruno, "alice's RubySound")
    artist = ArtistFactory(name="Stereolab")
    tracks = [TrackFactory(title=f"Song {n}", artist=artist, duration=200) for n in range(15)]
    peer_port = free_port()
    # Alice's account on server 1 passes her listens on to Bruno's on server 2.
    ScrobbleLinkFactory(
        user=alice,
        service=ScrobbleLink.Service.LISTENBRAINZ,
        base_url=f"http://127.0.0.1:{peer_port}/1/",
        credential=bruno_key,
    )
    alice_jwt = str(RefreshToken.for_user(alice).access_token)
    worker_env = server_environment(
        {
            "LOG_LEVEL": "INFO",
            # The 5 s first backoff, shortened so the test waits seconds, not minutes.
            "SCROBBLE_BACKOFF_FIRST_MS": "300",
            "SCROBBLE_BACKOFF_MAX_MS": "1500",
        }
    )

    def bruno_listens():
        return list(
            Listen.objects.filter(user=bruno).order_by("pk").values_list("track_id", "listened_at")
        )

    logs = [tempfile.TemporaryFile(mode="w+b") for _ in range(workers)]  # noqa: SIM115
    processes = []
    sent = []
    try:
        with serve() as server_1, serve_process(port=peer_port) as server_2:
            processes = [_start_worker(worker_env, log) for log in logs]
            for n in range(5):
                at = AT + timedelta(minutes=5 * n)
                _record(server_1, alice_jwt, tracks[n], at)
                sent.append((tracks[n].pk, at))
            wait_until(lambda: len(bruno_listens()) == 5, within=60)

            server_2.stop()
            for n in range(5, 10):
                at = AT + timedelta(minutes=5 * n)
                _record(server_1, alice_jwt, tracks[n], at)
                sent.append((tracks[n].pk, at))
            # The worker met the closed port and backs off.
            wait_until(
                lambda: (
                    ScrobbleOutboxEntry.objects.filter(attempts__gt=0)
                    .exclude(last_error="")
                    .exists()
                ),
                within=60,
            )
            assert len(bruno_listens()) == 5

            server_2.restart()
            for n in range(10, 15):
                at = AT + timedelta(minutes=5 * n)
                _record(server_1, alice_jwt, tracks[n], at)
                sent.append((tracks[n].pk, at))
            wait_until(lambda: len(bruno_listens()) == 15, within=90)
            wait_until(lambda: not ScrobbleOutboxEntry.objects.exists(), within=30)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read().decode("utf-8", "replace"))
        log.close()
    print("\n".join(outputs), file=sys.stderr)  # shown when the test fails

    # In order: Bruno's listens were written in the order Alice played them.
    assert bruno_listens() == sent
    # Exactly once: the workers delivered 15 listens between them, not one more (the peer
    # would silently ignore a copy, so its count alone could not tell).
    delivered = sum(
        int(count)
        for output in outputs
        for count in re.findall(r'msg="scrobbles sent".*? delivered=(\d+)', output)
    )
    assert delivered == 15
    assert all(process.returncode == 0 for process in processes)  # SIGTERM: a clean exit
