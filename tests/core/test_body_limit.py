"""The request body cap, enforced in front of Django on the real ASGI application.

Driven with raw ASGI messages, as uvicorn would send them, so what is checked is what a
client sees on the wire: a 413 before Django spools a byte of an oversized upload.
"""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from rubysound.asgi import application
from tests.factories import UserFactory

LIMIT = 1000


class RawHTTP:
    """One HTTP request sent to an ASGI app as a server would, chunk by chunk."""

    def __init__(self, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]):
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        last = len(chunks) - 1
        self._pending = [
            {"type": "http.request", "body": chunk, "more_body": index < last}
            for index, chunk in enumerate(chunks)
        ]
        self.chunks_read = 0
        self.sent: list[dict] = []
        self._never = asyncio.Event()

    async def receive(self) -> dict:
        if self._pending:
            self.chunks_read += 1
            return self._pending.pop(0)
        # The client keeps the connection open and says nothing more.
        await self._never.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        self.sent.append(message)

    async def run(self) -> "RawHTTP":
        await asyncio.wait_for(application(self.scope, self.receive, self.send), timeout=10)
        return self

    @property
    def status(self) -> int:
        starts = [m for m in self.sent if m["type"] == "http.response.start"]
        assert len(starts) == 1, self.sent
        return starts[0]["status"]

    @property
    def headers(self) -> dict[bytes, bytes]:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        # Header names are case-insensitive; Django sends "Content-Type".
        return {name.lower(): value for name, value in start["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")

    def json(self) -> dict:
        assert self.headers[b"content-type"].startswith(b"application/json")
        return json.loads(self.body)


def _post(path: str, chunks: list[bytes], *, content_length: bytes | None = None, extra=()):
    headers = [(b"content-type", b"application/json"), *extra]
    if content_length is not None:
        headers.append((b"content-length", content_length))
    return RawHTTP(path, headers, chunks).run()


@pytest.fixture
def small_limit(settings):
    settings.MAX_REQUEST_BODY_BYTES = LIMIT
    return LIMIT


# --- Declared Content-Length ----------------------------------------------------------


async def test_declared_length_over_the_limit_is_refused_before_django_reads(small_limit):
    # A path Django would answer 404 (HTML): a JSON 413 proves Django was never reached.
    exchange = await _post("/no-such-page/", [b"x" * 10], content_length=b"1001")
    assert exchange.status == 413
    assert exchange.json()["code"] == "payload_too_large"
    assert exchange.chunks_read == 0
    assert exchange.headers[b"connection"] == b"close"


async def test_the_413_names_the_limit_in_words_a_person_understands(settings):
    settings.MAX_REQUEST_BODY_BYTES = 12 * 1024 * 1024
    exchange = await _post("/api/auth/token/", [b""], content_length=b"%d" % (13 * 1024 * 1024))
    assert exchange.status == 413
    assert "12 MB" in exchange.json()["detail"]

    settings.MAX_REQUEST_BODY_BYTES = LIMIT
    exchange = await _post("/api/auth/token/", [b""], content_length=b"5000")
    detail = exchange.json()["detail"]
    assert "0 MB" not in detail
    assert "1000 bytes" in detail


@pytest.mark.parametrize("bad", [b"abc", b"-5", b"1e3", b"", b" 12", b"0x10"])
async def test_an_invalid_content_length_is_400(small_limit, bad):
    exchange = await _post("/api/auth/token/", [b"{}"], content_length=bad)
    assert exchange.status == 400
    assert exchange.json()["code"] == "bad_request"
    assert exchange.chunks_read == 0


# --- Bodies streamed without a declared length ----------------------------------------


async def test_a_chunked_body_over_the_limit_is_cut_off_with_413(small_limit):
    chunks = [b"y" * 300] * 10  # 3000 bytes, no Content-Length
    exchange = await _post("/api/auth/token/", chunks)
    assert exchange.status == 413
    assert exchange.json()["code"] == "payload_too_large"
    # Reading stopped at the chunk that crossed the limit, not at the end of the upload.
    assert exchange.chunks_read == 4


async def test_a_body_longer_than_its_declared_length_is_still_capped(small_limit):
    exchange = await _post("/api/auth/token/", [b"z" * 600] * 3, content_length=b"10")
    assert exchange.status == 413
    assert exchange.json()["code"] == "payload_too_large"


# --- Bodies within the limit reach the application ------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_small_body_reaches_the_app(small_limit):
    body = json.dumps({"username": "nobody", "password": "wrong"}).encode()
    exchange = await _post("/api/auth/token/", [body], content_length=b"%d" % len(body))
    assert exchange.status == 401
    assert exchange.json()["code"] != "payload_too_large"


@pytest.mark.django_db(transaction=True)
async def test_a_body_in_several_messages_within_the_limit_reaches_the_app(small_limit):
    # Servers hand large bodies over in pieces; the app must get all of them.
    body = json.dumps({"username": "nobody", "password": "wrong"}).encode()
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    exchange = await _post("/api/auth/token/", chunks, content_length=b"%d" % len(body))
    assert exchange.status == 401
    assert exchange.chunks_read == len(chunks)


@pytest.mark.django_db(transaction=True)
async def test_a_body_of_exactly_the_limit_is_allowed(small_limit):
    # Valid JSON padded with spaces to exactly LIMIT bytes: the app answers, not the cap.
    payload = b'{"username": "nobody"}'
    body = payload + b" " * (LIMIT - len(payload))
    exchange = await _post("/api/auth/token/", [body], content_length=b"%d" % LIMIT)
    assert exchange.status == 400
    assert exchange.json()["code"] == "invalid"

    over = await _post("/api/auth/token/", [body + b" "], content_length=b"%d" % (LIMIT + 1))
    assert over.status == 413


# --- The staff upload allowance: decided from the headers, before the body ------------

UPLOAD = "/admin/catalog/track/upload/"
ALLOWANCE = 50_000
CSRF_SECRET = "a" * 16 + "B" * 16  # a well-formed CSRF cookie value


@pytest.fixture
def upload_allowance(settings):
    settings.MAX_REQUEST_BODY_BYTES = LIMIT
    settings.STAFF_REQUEST_BODY_LIMITS = {UPLOAD: ALLOWANCE}


def _session_cookie(**user_fields) -> str:
    client = Client()
    client.force_login(UserFactory(**user_fields))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _session(**user_fields) -> str:
    return await sync_to_async(_session_cookie)(**user_fields)


def _browser_headers(session: str | None, *, token: str | None = CSRF_SECRET, origin=None):
    """What the upload page's script sends: cookies, the token header, the page's origin."""
    cookies = f"csrftoken={CSRF_SECRET}"
    if session:
        cookies += f"; {settings.SESSION_COOKIE_NAME}={session}"
    headers = [(b"cookie", cookies.encode()), (b"origin", (origin or "http://testserver").encode())]
    if token is not None:
        headers.append((b"x-csrftoken", token.encode()))
    return headers


async def _upload(path: str, headers) -> RawHTTP:
    # Over the normal limit, within the allowance; declared, so a refusal reads nothing.
    body = b"x" * (LIMIT + 1)
    return await _post(path, [body], content_length=b"%d" % len(body), extra=headers)


@pytest.mark.django_db(transaction=True)
async def test_a_staff_session_with_a_valid_csrf_header_may_send_the_larger_body(
    upload_allowance,
):
    session = await _session(is_staff=True, is_superuser=True)
    exchange = await _upload(UPLOAD, _browser_headers(session))
    # Read and answered by the upload view (a JSON body is no upload form: the page again).
    assert exchange.chunks_read == 1
    assert exchange.status == 200
    assert b"Upload audio files" in exchange.body


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("who", "headers"),
    [
        ("anonymous", lambda session: _browser_headers(None)),
        ("staff without the header", lambda session: _browser_headers(session, token=None)),
        ("staff with a wrong token", lambda session: _browser_headers(session, token="c" * 32)),
        ("staff with a malformed token", lambda session: _browser_headers(session, token="x")),
        (
            "staff posting from another site",
            lambda session: _browser_headers(session, origin="https://elsewhere.example"),
        ),
        ("staff with a made-up session", lambda session: _browser_headers("n" * 32)),
    ],
)
async def test_anyone_else_keeps_the_normal_limit_on_the_upload_route(
    upload_allowance, who, headers
):
    session = await _session(is_staff=True, is_superuser=True)
    exchange = await _upload(UPLOAD, headers(session))
    assert exchange.status == 413, who
    assert exchange.json()["code"] == "payload_too_large"
    assert exchange.chunks_read == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fields", [{}, {"is_staff": True, "is_active": False}])
async def test_a_listener_or_an_inactive_staff_member_keeps_the_normal_limit(
    upload_allowance, fields
):
    session = await _session(**fields)
    exchange = await _upload(UPLOAD, _browser_headers(session))
    assert exchange.status == 413
    assert exchange.chunks_read == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path", [UPLOAD + "anything/", "/admin/catalog/track/upload", "/admin/catalog/track/"]
)
async def test_the_allowance_is_for_the_exact_upload_path_only(upload_allowance, path):
    session = await _session(is_staff=True, is_superuser=True)
    exchange = await _upload(path, _browser_headers(session))
    assert exchange.status == 413
    assert exchange.chunks_read == 0


@pytest.mark.django_db(transaction=True)
async def test_a_staff_upload_beyond_the_allowance_is_refused_too(upload_allowance):
    session = await _session(is_staff=True, is_superuser=True)
    exchange = await _post(
        UPLOAD, [b""], content_length=b"%d" % (ALLOWANCE + 1), extra=_browser_headers(session)
    )
    assert exchange.status == 413
    assert "48.8 KB" in exchange.json()["detail"]
