"""The ASGI handler: synchronous views in one hop to a bounded thread pool, async views and
static files on Django's async path, with the same middleware and the same answers.

Driven with raw ASGI messages, as uvicorn sends them, against real views (handler_urls.py)
and the real database.
"""

import asyncio
import json
import threading

import pytest
from django.core.signals import request_finished

from rubysound.core.handler import RubySoundASGIHandler
from tests.core import handler_urls
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(settings):
    settings.ROOT_URLCONF = "tests.core.handler_urls"
    return RubySoundASGIHandler(threads=2)


async def request(app, path, *, method="GET", body=b"", headers=()):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()  # the client stays connected and says nothing more

    async def send(message):
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    start = sent[0]
    return (
        start["status"],
        start["headers"],
        b"".join(m.get("body", b"") for m in sent[1:]),
    )


async def body_messages(app, path) -> list[bytes]:
    """The body as the server received it, message by message."""
    sent = handler_urls.messages_sent
    sent.clear()
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
    }
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return [m.get("body", b"") for m in sent if m["type"] == "http.response.body"]


def header(headers, name: bytes) -> list[bytes]:
    return [value for key, value in headers if key.lower() == name]


async def test_a_sync_view_runs_in_the_request_pool_with_the_whole_middleware_chain(app):
    await asyncio.to_thread(UserFactory)
    status, headers, body = await request(
        app,
        "/test/echo",
        method="POST",
        body=b'{"hello": "world"}',
        headers=[(b"content-type", b"application/json")],
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["thread"].startswith("django-request")
    assert answer["on_event_loop"] is False
    assert answer["body"] == {"hello": "world"}
    assert answer["users"] == 1
    # Security, clickjacking and session middleware all ran.
    assert header(headers, b"x-frame-options") == [b"DENY"]
    assert header(headers, b"x-content-type-options") == [b"nosniff"]
    assert any(cookie.startswith(b"sessionid=") for cookie in header(headers, b"set-cookie"))


async def test_an_async_view_stays_on_the_event_loop(app):
    status, headers, body = await request(app, "/test/async")
    assert status == 200
    assert json.loads(body)["on_event_loop"] is True
    assert header(headers, b"x-frame-options") == [b"DENY"]


async def test_static_files_are_still_served(app):
    status, headers, body = await request(app, "/static/img/default-cover.svg")
    assert status == 200
    assert header(headers, b"content-type")[0].startswith(b"image/svg")
    assert b"<svg" in body


async def test_request_finished_runs_once_in_the_thread_that_served_the_request(app):
    finished_in = []

    def record(**kwargs):
        finished_in.append(threading.current_thread().name)

    request_finished.connect(record)
    try:
        status, _, body = await request(app, "/test/echo", method="POST", body=b"{}")
    finally:
        request_finished.disconnect(record)
    assert status == 200
    # Database connections are released where they were opened, and only once.
    assert finished_in == [json.loads(body)["thread"]]


async def test_a_streamed_response_may_use_the_database_until_its_last_chunk(app):
    await asyncio.to_thread(UserFactory.create_batch, 2)
    status, headers, body = await request(app, "/test/stream")
    assert status == 200
    assert header(headers, b"content-type") == [b"application/x-ndjson"]
    chunks = [json.loads(line) for line in body.splitlines()]
    assert [chunk["chunk"] for chunk in chunks] == [0, 1, 2]
    assert all(chunk["users"] == 2 for chunk in chunks)
    assert all(chunk["thread"].startswith("django-request") for chunk in chunks)


async def test_a_streamed_response_is_sent_part_by_part_not_drained_first(app):
    messages = await body_messages(app, "/test/stream")
    parts = [json.loads(m) for m in messages if m]
    assert [part["chunk"] for part in parts] == [0, 1, 2]
    # Each part was produced after the previous ones had gone out (the first after the
    # response start): nothing was collected into memory before sending.
    assert [part["sent_before"] for part in parts] == [1, 2, 3]
    assert messages[-1] == b""


async def test_errors_keep_their_json_shape(app):
    status, _, body = await request(app, "/api/test/fail")
    assert status == 500
    assert json.loads(body) == {"detail": "Internal server error.", "code": "server_error"}


async def test_an_unknown_path_gets_the_not_found_page(app):
    status, _, body = await request(app, "/no/such/page/")
    assert status == 404
    assert b"<html" in body.lower()


async def test_no_more_sync_requests_run_at_once_than_the_pool_has_threads(app):
    handler_urls.slow_state.update(active=0, most=0)
    results = await asyncio.gather(*(request(app, "/test/slow") for _ in range(6)))
    assert [status for status, _, _ in results] == [200] * 6
    assert handler_urls.slow_state["most"] <= 2
    threads = {json.loads(body)["thread"] for _, _, body in results}
    assert len(threads) <= 2


async def test_the_real_application_serves_api_routes_through_the_pool():
    from rubysound.asgi import django_http_app

    assert isinstance(django_http_app, RubySoundASGIHandler)
    status, _, body = await request(django_http_app, "/api/users/me/")
    assert status == 401
    assert json.loads(body)["code"] == "not_authenticated"
