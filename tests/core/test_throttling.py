"""Rate limits hold under concurrency: 50 clients at once get exactly the configured number of
requests through each throttle (anonymous, signed in, sign-in endpoints, comments), on one
server process and on two sharing Redis.

Each scope is flooded from its own client address or user, with the other limits set high
enough not to bind: a request refused by one throttle still counts against the others (as
in DRF), so two limits binding at once would let fewer than either through. (DRF's user
throttle also counts anonymous requests, by address: hence a user rate above the anonymous
flood.)
"""

import asyncio
import contextlib
import uuid
from collections import Counter

import httpx
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from rubysound.social.models import Comment
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.redis_server import redis_server
from tests.servers import serve, serve_many

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 50
RATES = {"anon": 60, "user": 120, "auth": 10, "comments": 5}
SERVER_ENV = {
    "THROTTLE_ENABLED": "true",
    "THROTTLE_ANON_RATE": f"{RATES['anon']}/min",
    "THROTTLE_USER_RATE": f"{RATES['user']}/min",
    "THROTTLE_AUTH_RATE": f"{RATES['auth']}/min",
    "THROTTLE_COMMENT_RATE": f"{RATES['comments']}/min",
    # Each scope's flood comes from an address of its own (X-Forwarded-For, one proxy).
    "TRUSTED_PROXY_COUNT": "1",
    # Every request reaches the throttles (the in-process public cache would answer some).
    "EDGE_CACHE_ENABLED": "false",
}


async def flood(base_urls: list[str], requests: list[dict]) -> Counter:
    """Sends ``requests`` (httpx.request keyword arguments) from ``CLIENTS`` concurrent
    clients spread over the servers; counts the answers by status."""
    queue: asyncio.Queue = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    statuses: Counter = Counter()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30)
            )
            for base_url in base_urls
        ]

        async def client(number: int) -> None:
            http = clients[number % len(clients)]
            while not queue.empty():
                statuses[(await http.request(**queue.get_nowait())).status_code] += 1

        await asyncio.gather(*(client(number) for number in range(CLIENTS)))
    return statuses


def let_through(base_urls: list[str]) -> dict[str, Counter]:
    """Floods each scope in turn; the statuses each flood got."""
    signed_in, commenter, signing_in = UserFactory(), UserFactory(), UserFactory()
    owner = UserFactory(username=f"owner{uuid.uuid4().hex[:6]}")

    def bearer(user) -> dict:
        return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}

    def requests(count: int, **request) -> list[dict]:
        return [request] * count

    floods = {
        "anon": requests(
            2 * CLIENTS, method="GET", url="/api/genres/", headers={"X-Forwarded-For": "10.7.0.1"}
        ),
        "user": requests(
            4 * CLIENTS, method="GET", url="/api/users/me/", headers=bearer(signed_in)
        ),
        "auth": requests(
            CLIENTS,
            method="POST",
            url="/api/auth/token/",
            json={"username": signing_in.username, "password": DEFAULT_PASSWORD},
            headers={"X-Forwarded-For": "10.7.0.2"},
        ),
        "comments": requests(
            CLIENTS,
            method="POST",
            url=f"/api/playlists/public/{owner.username}/comments/",
            json={"text": "first!"},
            headers=bearer(commenter),
        ),
    }
    return {scope: asyncio.run(flood(base_urls, batch)) for scope, batch in floods.items()}


def assert_exactly_the_rates(results: dict[str, Counter]) -> None:
    passed = {scope: statuses[200] + statuses[201] for scope, statuses in results.items()}
    refused = {scope: statuses[429] for scope, statuses in results.items()}
    sent = {scope: sum(statuses.values()) for scope, statuses in results.items()}
    assert passed == RATES, results
    assert {scope: passed[scope] + refused[scope] for scope in sent} == sent, results
    assert Comment.objects.count() == RATES["comments"]


def test_one_worker_lets_exactly_each_rate_through():
    """With Redis (an atomic script) or the local-memory cache (a lock in the process)."""
    with serve(env=SERVER_ENV) as base_url:
        results = let_through([base_url])
    assert_exactly_the_rates(results)


@contextlib.contextmanager
def shared_redis():
    """The suite's Redis (its keys are cleared between tests), or one of our own."""
    if settings.REDIS_URL:
        yield {}
        return
    with redis_server() as redis:
        yield {"REDIS_URL": redis.url}


def test_two_workers_sharing_redis_let_exactly_each_rate_through():
    """Two server processes, each client's requests spread over both. The counters live in
    Redis; with the local-memory cache each process would count on its own (an embedded
    install runs one process)."""
    with shared_redis() as redis_env, serve_many(2, env={**SERVER_ENV, **redis_env}) as urls:
        results = let_through(urls)
    assert_exactly_the_rates(results)
