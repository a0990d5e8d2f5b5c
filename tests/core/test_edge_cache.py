"""The public response cache in front of Django, driven as a real ASGI app."""

import asyncio
import json

import pytest
from django.http import HttpResponse

from rubysound.core.edge_cache import PublicResponseCache
from tests.waiting import async_wait_until


class CountingApp:
    """A downstream ASGI app that records how often it was reached."""

    def __init__(self, *, headers=None, status=200, delay=0.0):
        self.calls = 0
        self.headers = (
            headers
            if headers is not None
            else [
                (b"content-type", b"application/json"),
                (b"cache-control", b"public, max-age=60"),
            ]
        )
        self.status = status
        self.delay = delay

    async def __call__(self, scope, receive, send):
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        body = json.dumps({"call": self.calls}).encode()
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": body})


async def call(app, path="/api/charts/", method="GET", headers=()):
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": list(headers),
    }
    messages = []
    body_sent = False

    async def receive():
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # Like a server: nothing more until the client goes away.
        await asyncio.Event().wait()

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], dict(start["headers"]), body


async def test_public_response_is_served_from_cache_the_second_time():
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    _, first_headers, first = await call(app)
    _, second_headers, second = await call(app)
    assert downstream.calls == 1
    assert first == second
    assert first_headers[b"x-cache"] == b"MISS"
    assert second_headers[b"x-cache"] == b"HIT"


@pytest.mark.parametrize("personal", [b"cookie", b"authorization", b"range"])
async def test_requests_with_credentials_or_ranges_always_reach_django(personal):
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    await call(app)
    await call(app, headers=[(personal, b"sessionid=abc")])
    await call(app, headers=[(personal, b"sessionid=abc")])
    assert downstream.calls == 3


@pytest.mark.parametrize(
    "headers",
    [
        [(b"cache-control", b"private, max-age=60")],
        [(b"cache-control", b"public, no-store, max-age=60")],
        [(b"cache-control", b"max-age=60")],
        [(b"cache-control", b"public, max-age=60"), (b"set-cookie", b"csrftoken=x")],
        [(b"cache-control", b"public, max-age=60"), (b"vary", b"X-Custom")],
        [(b"cache-control", b"public, max-age=0")],
        [],
    ],
)
async def test_responses_not_marked_public_are_never_stored(headers):
    downstream = CountingApp(headers=headers)
    app = PublicResponseCache(downstream)
    await call(app)
    await call(app)
    assert downstream.calls == 2


async def test_errors_are_not_stored():
    downstream = CountingApp(status=404)
    app = PublicResponseCache(downstream)
    await call(app)
    await call(app)
    assert downstream.calls == 2


async def test_variants_of_key_headers_are_cached_apart():
    downstream = CountingApp(
        headers=[(b"cache-control", b"public, max-age=60"), (b"vary", b"Accept-Language")]
    )
    app = PublicResponseCache(downstream)
    _, _, english = await call(app, headers=[(b"accept-language", b"en")])
    _, _, russian = await call(app, headers=[(b"accept-language", b"ru")])
    _, _, english_again = await call(app, headers=[(b"accept-language", b"en")])
    assert downstream.calls == 2
    assert english == english_again != russian


@pytest.mark.parametrize(
    "other",
    [
        [(b"host", b"other.example")],
        [(b"host", b"music.example"), (b"x-forwarded-proto", b"http")],
    ],
)
async def test_other_hosts_and_schemes_are_cached_apart(other):
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    https = [(b"host", b"music.example"), (b"x-forwarded-proto", b"https")]
    await call(app, headers=https)
    await call(app, headers=https)
    await call(app, headers=other)
    assert downstream.calls == 2


async def test_entries_expire_after_max_age(settings, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("rubysound.core.edge_cache.time.monotonic", lambda: clock[0])
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    await call(app)
    clock[0] += 59
    await call(app)
    assert downstream.calls == 1
    clock[0] += 2
    await call(app)
    assert downstream.calls == 2


async def test_ttl_is_capped_by_setting(settings, monkeypatch):
    settings.EDGE_CACHE_MAX_TTL = 5
    clock = [1000.0]
    monkeypatch.setattr("rubysound.core.edge_cache.time.monotonic", lambda: clock[0])
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    await call(app)
    clock[0] += 6
    await call(app)
    assert downstream.calls == 2


async def test_concurrent_misses_reach_django_once():
    downstream = CountingApp(delay=0.05)
    app = PublicResponseCache(downstream)
    results = await asyncio.gather(*(call(app) for _ in range(20)))
    assert downstream.calls == 1
    assert len({body for _, _, body in results}) == 1


class HeldStreamApp:
    """Starts an unstorable response at once, then holds the rest of the body until the
    test releases it."""

    def __init__(self, content_type=b"audio/flac", cache_control=b"public, max-age=60"):
        self.calls = 0
        self.headers = [(b"content-type", content_type), (b"cache-control", cache_control)]
        self.first_bytes_sent = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})
        self.first_bytes_sent.set()
        await self.release.wait()
        await send({"type": "http.response.body", "body": b"y" * 10})


async def test_waiters_are_released_as_soon_as_a_response_cannot_be_stored():
    downstream = HeldStreamApp()
    app = PublicResponseCache(downstream)
    first = asyncio.create_task(call(app))
    await asyncio.wait_for(downstream.first_bytes_sent.wait(), 10)
    second = asyncio.create_task(call(app))
    # The second request reaches Django while the first is still unfinished: it is not
    # parked behind it.
    await async_wait_until(lambda: downstream.calls == 2, message="the second request waited")
    assert not first.done()
    downstream.release.set()
    await asyncio.gather(first, second)


async def test_audio_is_never_kept_in_process_memory():
    downstream = CountingApp(
        headers=[(b"content-type", b"audio/mpeg"), (b"cache-control", b"public, max-age=600")]
    )
    app = PublicResponseCache(downstream)
    await call(app)
    await call(app)
    assert downstream.calls == 2


async def test_head_is_answered_from_a_cached_get_without_body():
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    await call(app)
    status, headers, body = await call(app, method="HEAD")
    assert (status, body, downstream.calls) == (200, b"", 1)
    assert headers[b"x-cache"] == b"HIT"


async def test_bounded_in_entries(settings):
    settings.EDGE_CACHE_MAX_ENTRIES = 2
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    for path in ("/a", "/b", "/c"):
        await call(app, path=path)
    await call(app, path="/c")
    assert downstream.calls == 3
    await call(app, path="/a")  # the oldest entry was evicted
    assert downstream.calls == 4


async def test_disabled_by_setting(settings):
    settings.EDGE_CACHE_ENABLED = False
    downstream = CountingApp()
    app = PublicResponseCache(downstream)
    await call(app)
    await call(app)
    assert downstream.calls == 2


@pytest.mark.django_db(transaction=True)
async def test_schema_route_is_shared_but_session_pages_are_not():
    """Through the real application: the public schema is cached, a page with a CSRF form is not."""
    from rubysound.asgi import application

    host = [(b"host", b"testserver")]
    _, first, _ = await call(application, path="/api/schema/", headers=host)
    _, second, _ = await call(application, path="/api/schema/", headers=host)
    assert (first[b"x-cache"], second[b"x-cache"]) == (b"MISS", b"HIT")
    _, signup_first, _ = await call(application, path="/signup/", headers=host)
    _, signup_second, _ = await call(application, path="/signup/", headers=host)
    assert signup_second.get(b"x-cache") != b"HIT"
    sent_cookies = [
        name for name in (*signup_first, *signup_second) if name.lower() == b"set-cookie"
    ]
    assert sent_cookies, "the signup form sets its CSRF cookie"


def test_django_marks_nothing_public_by_default():
    # Guard for the narrow rules above: a plain Django response is not shareable.
    assert "Cache-Control" not in HttpResponse("x")
