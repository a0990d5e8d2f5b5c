"""``GET /music_api/preview/?url=`` through the real ASGI application: what a player gets
(bytes, ranges, headers, errors), what stays on disk, and what never leaves the server.
Upstream answers are recorded ones replayed with respx."""

import asyncio
import os
from urllib.parse import quote

import httpx
import pytest
import respx

from rubysound.compat.previews import proxy as previews
from rubysound.providers.preview import PreviewError
from tests.providers.preview_support import (
    DEEZER,
    DEEZER_URL,
    ITUNES,
    ITUNES_URL,
    audio_bytes,
    cached_files,
    chunked_answer,
    enable_previews,
    preview_answer,
)
from tests.waiting import async_wait_until

PREVIEW_SIZE = 400_000


@pytest.fixture
def cache_dir(settings, tmp_path):
    settings.EDGE_CACHE_ENABLED = False
    folder = tmp_path / "previews"
    enable_previews(settings, folder)
    return folder


@pytest.fixture
async def player():
    """An HTTP client talking to our ASGI application in-process."""
    from rubysound.asgi import application

    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def preview_path(url: str) -> str:
    return f"/music_api/preview/?url={quote(url, safe='')}"


async def test_a_preview_streams_through_with_our_headers_and_is_kept(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, body))
        response = await player.get(preview_path(ITUNES_URL))
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["content-type"] == "audio/mp4"
    assert response.headers["content-length"] == str(PREVIEW_SIZE)
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["accept-ranges"] == "bytes"
    # None of the upstream's own headers leak through.
    for name in ("server", "via", "x-cache", "etag", "access-control-allow-origin"):
        assert name not in response.headers
    assert "set-cookie" not in response.headers
    assert route.call_count == 1
    [stored] = cached_files(cache_dir)
    assert stored.read_bytes() == body
    assert stored.suffix == ".m4a"


async def test_the_second_play_is_served_from_disk_with_ranges(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, body))
        first = await player.get(preview_path(ITUNES_URL))
        again = await player.get(preview_path(ITUNES_URL))
        part = await player.get(preview_path(ITUNES_URL), headers={"Range": "bytes=1000-1999"})
        tail = await player.get(preview_path(ITUNES_URL), headers={"Range": "bytes=-100"})
        beyond = await player.get(
            preview_path(ITUNES_URL), headers={"Range": f"bytes={PREVIEW_SIZE}-"}
        )
        unchanged = await player.get(
            preview_path(ITUNES_URL), headers={"If-None-Match": again.headers["etag"]}
        )
    assert route.call_count == 1
    assert first.content == again.content == body
    assert again.headers["content-type"] == "audio/mp4"
    assert again.headers["x-content-type-options"] == "nosniff"
    assert part.status_code == 206
    assert part.content == body[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{PREVIEW_SIZE}"
    assert part.headers["content-length"] == "1000"
    assert part.headers["accept-ranges"] == "bytes"
    assert tail.content == body[-100:]
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{PREVIEW_SIZE}"
    assert beyond.json()["code"] == "range_not_satisfiable"
    assert unchanged.status_code == 304


async def test_a_player_asking_from_byte_zero_gets_206_and_the_preview_is_kept(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(DEEZER_URL).mock(return_value=preview_answer(DEEZER, body))
        response = await player.get(preview_path(DEEZER_URL), headers={"Range": "bytes=0-"})
        seek = await player.get(preview_path(DEEZER_URL), headers={"Range": "bytes=200000-"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 0-{PREVIEW_SIZE - 1}/{PREVIEW_SIZE}"
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.content == body
    # The whole preview was asked of the upstream, once; the seek is answered from disk.
    assert "range" not in route.calls.last.request.headers
    assert route.call_count == 1
    assert seek.status_code == 206
    assert seek.content == body[200_000:]


async def test_another_range_on_a_first_play_is_passed_through_and_not_kept(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    part = body[100_000:150_000]
    headers = {**DEEZER["headers"], "Content-Range": f"bytes 100000-149999/{PREVIEW_SIZE}"}
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(DEEZER_URL).mock(
            return_value=httpx.Response(206, headers=headers, content=part)
        )
        response = await player.get(
            preview_path(DEEZER_URL), headers={"Range": "bytes=100000-149999"}
        )
    assert route.calls.last.request.headers["range"] == "bytes=100000-149999"
    assert response.status_code == 206
    assert response.content == part
    assert response.headers["content-range"] == f"bytes 100000-149999/{PREVIEW_SIZE}"
    assert response.headers["content-length"] == "50000"
    assert response.headers["accept-ranges"] == "bytes"
    assert cached_files(cache_dir) == []


async def test_an_unsatisfiable_range_upstream_is_416_here(player, cache_dir):
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(DEEZER_URL).mock(
            return_value=httpx.Response(416, headers={"Content-Range": "bytes */480914"})
        )
        response = await player.get(preview_path(DEEZER_URL), headers={"Range": "bytes=900000-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */480914"
    assert response.json()["code"] == "range_not_satisfiable"


async def test_deezer_links_re_signed_later_are_the_same_cached_preview(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    resigned = DEEZER_URL.replace("hdnea=exp=1759984567", "hdnea=exp=1759999999")
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(DEEZER_URL).mock(return_value=preview_answer(DEEZER, body))
        await player.get(preview_path(DEEZER_URL))
        again = await player.get(preview_path(resigned))
    assert again.status_code == 200
    assert again.content == body
    assert route.call_count == 1


async def test_several_or_malformed_ranges_on_a_first_play_get_the_whole_preview(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, body))
        response = await player.get(preview_path(ITUNES_URL), headers={"Range": "bytes=0-9,20-29"})
    assert "range" not in route.calls.last.request.headers
    assert response.status_code == 200
    assert response.content == body


async def test_an_unwritable_cache_still_serves_the_preview(player, cache_dir, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    settings.PREVIEW_CACHE_DIR = blocker
    body = audio_bytes(PREVIEW_SIZE)
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, body))
        response = await player.get(preview_path(ITUNES_URL))
    assert response.status_code == 200
    assert response.content == body


# --- Refusals: nothing leaves the server ----------------------------------------------

SSRF_ATTEMPTS = [
    ("https://127.0.0.1/", "IP addresses"),
    ("https://10.0.0.1/preview.mp3", "IP addresses"),
    ("https://169.254.169.254/latest/meta-data/", "IP addresses"),
    ("https://[fd00:ec2::254]/latest/meta-data/", "IP addresses"),
    ("https://[::1]/", "IP addresses"),
    ("https://[::ffff:127.0.0.1]/", "IP addresses"),
    ("https://2130706433/", "IP addresses"),
    ("https://0x7f000001/", "IP addresses"),
    ("https://0177.0.0.1/", "IP addresses"),
    ("https://localhost/", "not one of"),
    ("https://metadata.google.internal/computeMetadata/v1/", "not one of"),
    ("https://evil.example/a.mp3", "not one of"),
    ("https://audio-ssl.itunes.apple.com.evil.example/a.m4a", "not one of"),
    ("https://audio-ssl.itunes.apple.com@evil.example/a.m4a", "credentials"),
    ("https://evil.example@audio-ssl.itunes.apple.com/a.m4a", "credentials"),
    ("https://user:pass@cdnt-preview.dzcdn.net/a.mp3", "credentials"),
    ("https://evil.example#@audio-ssl.itunes.apple.com/", "fragment"),
    ("https://audio-ssl.itunes.apple.com\\@evil.example/", "not allowed"),
    ("file:///etc/passwd", "Only https"),
    ("http://audio-ssl.itunes.apple.com/a.m4a", "Only https"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "Only https"),
    ("dict://localhost:11211/stats", "Only https"),
    ("https://audio-ssl.itunes.apple.com:6379/", "port"),
    ("https://cdnt-preview.dzcdn.net:8080/a.mp3", "port"),
]


@pytest.mark.parametrize(("url", "reason"), SSRF_ATTEMPTS)
async def test_internal_and_foreign_targets_are_refused_without_a_request(
    player, cache_dir, url, reason
):
    with respx.mock(assert_all_mocked=True) as upstream:
        response = await player.get(preview_path(url))
        assert upstream.calls.call_count == 0
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "url_refused"
    assert reason in body["detail"]
    assert body["fields"]["url"] == [body["detail"]]


@pytest.mark.parametrize(
    "location",
    [
        "https://127.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:8000/admin/",
        "https://evil.example/a.m4a",
        "http://audio-ssl.itunes.apple.com/a.m4a",
        "file:///etc/passwd",
    ],
)
async def test_a_redirect_to_an_internal_or_foreign_host_is_refused(player, cache_dir, location):
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(ITUNES_URL).mock(
            return_value=httpx.Response(302, headers={"Location": location})
        )
        response = await player.get(preview_path(ITUNES_URL))
        assert upstream.calls.call_count == 1
    assert response.status_code == 400
    assert response.json()["code"] == "url_refused"
    assert "redirected to a refused URL" in response.json()["detail"]


@pytest.mark.parametrize(
    "location",
    ["http://[/", "https:\\\\127.0.0.1\\", "https:\\127.0.0.1\\"],
)
async def test_a_redirect_to_a_malformed_location_is_a_bad_gateway(player, cache_dir, location):
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(ITUNES_URL).mock(
            return_value=httpx.Response(302, headers={"Location": location})
        )
        response = await player.get(preview_path(ITUNES_URL))
        assert upstream.calls.call_count == 1
    assert response.status_code == 502
    assert response.json() == {
        "detail": "The preview host redirected to a malformed URL.",
        "code": "upstream_failed",
    }
    assert response.headers["cache-control"] == "no-store"


async def test_an_allowed_name_resolving_to_loopback_is_refused_at_connect(
    player, cache_dir, settings
):
    # No respx: the real resolver and the real connect-time guard.
    settings.PREVIEW_ALLOWED_HOSTS = ["localhost"]
    response = await player.get(preview_path("https://localhost/preview.mp3"))
    assert response.status_code == 400
    assert response.json()["detail"] == "The preview host resolves to a non-public address."


async def test_a_missing_url_is_a_validation_error(player, cache_dir):
    response = await player.get("/music_api/preview/")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "url" in response.json()["fields"]


async def test_only_get_is_allowed(player, cache_dir):
    response = await player.post(preview_path(ITUNES_URL))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


# --- Offline -------------------------------------------------------------------------


async def test_an_install_without_providers_never_reaches_out(player, cache_dir, settings):
    settings.PROVIDERS_ENABLED = False
    with respx.mock(assert_all_mocked=True) as upstream:
        response = await player.get(preview_path(ITUNES_URL))
        assert upstream.calls.call_count == 0
    assert response.status_code == 404
    assert response.json()["code"] == "previews_disabled"
    assert "Previews are off" in response.json()["detail"]


async def test_the_proxy_is_off_while_itunes_and_deezer_are(player, cache_dir, settings):
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "itunes": {"enabled": False, "api_key": "", "base_url": ""},
        "deezer": {"enabled": False, "api_key": "", "base_url": ""},
    }
    response = await player.get(preview_path(ITUNES_URL))
    assert response.status_code == 404
    assert response.json()["code"] == "previews_disabled"


# --- Upstream failures, the cap ------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        (httpx.Response(404, content=b"Not Found"), 502, "upstream_failed"),
        (httpx.Response(500), 502, "upstream_failed"),
        (httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>"), 502,
         "not_audio"),
        (httpx.Response(200, headers={"Content-Type": "audio/mpeg"}, content=b""), 502,
         "upstream_failed"),
        (httpx.ReadTimeout("slow"), 504, "upstream_timeout"),
        (httpx.ConnectTimeout("slow"), 504, "upstream_timeout"),
        (httpx.ConnectError("refused"), 502, "upstream_failed"),
    ],
)  # fmt: skip
async def test_upstream_failures_are_our_json_errors(player, cache_dir, answer, status, code):
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(ITUNES_URL)
        if isinstance(answer, Exception):
            route.mock(side_effect=answer)
        else:
            route.mock(return_value=answer)
        response = await player.get(preview_path(ITUNES_URL))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.headers["cache-control"] == "no-store"
    assert cached_files(cache_dir) == []


async def test_a_preview_announced_over_the_cap_is_refused(player, cache_dir, settings):
    settings.PREVIEW_MAX_BYTES = 100_000
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, audio_bytes(100_001)))
        response = await player.get(preview_path(ITUNES_URL))
    assert response.status_code == 502
    assert response.json()["code"] == "preview_too_large"
    assert cached_files(cache_dir) == []


async def test_an_unannounced_size_is_capped_while_streaming(player, cache_dir, settings):
    settings.PREVIEW_MAX_BYTES = 100_000
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(DEEZER_URL).mock(
            return_value=chunked_answer(DEEZER, audio_bytes(150_000), chunk=20_000)
        )
        response = await player.get(preview_path(DEEZER_URL))
    assert response.status_code == 502
    assert response.json()["code"] == "preview_too_large"
    assert cached_files(cache_dir) == []  # no partial entry, no temporary file


async def test_an_unannounced_size_within_the_cap_is_kept_then_served(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(DEEZER_URL).mock(return_value=chunked_answer(DEEZER, body))
        response = await player.get(preview_path(DEEZER_URL), headers={"Range": "bytes=0-99"})
        again = await player.get(preview_path(DEEZER_URL))
    assert response.status_code == 206
    assert response.content == body[:100]
    assert again.content == body
    assert route.call_count == 1


async def test_a_body_longer_than_announced_aborts_and_keeps_nothing(player, cache_dir):
    lying = httpx.Response(
        200,
        headers={"Content-Type": "audio/mpeg", "Content-Length": "1000"},
        content=audio_bytes(300_000),
    )
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(DEEZER_URL).mock(return_value=lying)
        # The headers are out by then: the error aborts the player's connection.
        with pytest.raises(PreviewError, match="more than it announced"):
            await player.get(preview_path(DEEZER_URL))
    assert cached_files(cache_dir) == []


async def _play_then_leave(path: str) -> list[dict]:
    """Runs one request through the ASGI application, the player hanging up as soon as
    the first bytes arrive; returns the messages the application sent."""
    from rubysound.asgi import application

    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    first_bytes = asyncio.Event()
    request_given = False

    async def receive():
        nonlocal request_given
        if not request_given:
            request_given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await first_bytes.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            first_bytes.set()

    await asyncio.wait_for(application(scope, receive, send), 20)
    return sent


async def test_a_player_leaving_mid_preview_leaves_no_partial_entry(cache_dir):
    body = audio_bytes(PREVIEW_SIZE)

    async def slow_body():
        for start in range(0, len(body), 16_384):
            await asyncio.sleep(0.01)
            yield body[start : start + 16_384]

    headers = {**ITUNES["headers"], "Content-Length": str(len(body))}
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(ITUNES_URL).mock(
            return_value=httpx.Response(200, headers=headers, content=slow_body())
        )
        sent = await _play_then_leave(preview_path(ITUNES_URL))
    delivered = sum(len(m.get("body", b"")) for m in sent if m["type"] == "http.response.body")
    assert 0 < delivered < len(body)
    await async_wait_until(
        lambda: cached_files(cache_dir) == [], message="a partial preview stayed in the cache"
    )


# --- The cache folder stays bounded ----------------------------------------------------


async def test_the_oldest_previews_go_when_the_cache_is_full(player, cache_dir, settings):
    settings.PREVIEW_CACHE_MAX_BYTES = 2 * PREVIEW_SIZE + PREVIEW_SIZE // 2
    urls = [ITUNES_URL.replace("mzaf_", f"mzaf_{n}") for n in range(3)]
    with respx.mock(assert_all_mocked=True) as upstream:
        for n, url in enumerate(urls):
            upstream.get(url).mock(
                return_value=preview_answer(ITUNES, audio_bytes(PREVIEW_SIZE, seed=n))
            )
            response = await player.get(preview_path(url))
            assert response.status_code == 200
            # Stored previews age in the order they were kept.
            for stored in cached_files(cache_dir):
                os.utime(stored, (os.stat(stored).st_mtime - 10,) * 2)
    kept = cached_files(cache_dir)
    assert sum(path.stat().st_size for path in kept) <= settings.PREVIEW_CACHE_MAX_BYTES
    assert previews.find_cached(previews.cache_key(urls[0])) is None
    assert previews.find_cached(previews.cache_key(urls[2])) is not None


# --- Alongside the rest of the server ------------------------------------------------


async def test_with_the_edge_cache_on_previews_are_still_served_whole(player, cache_dir, settings):
    settings.EDGE_CACHE_ENABLED = True
    body = audio_bytes(PREVIEW_SIZE)
    with respx.mock(assert_all_mocked=True) as upstream:
        route = upstream.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, body))
        first = await player.get(preview_path(ITUNES_URL))
        second = await player.get(preview_path(ITUNES_URL))
        ranged = await player.get(preview_path(ITUNES_URL), headers={"Range": "bytes=0-9"})
    assert first.content == second.content == body
    assert ranged.status_code == 206
    assert ranged.content == body[:10]
    assert route.call_count == 1


async def test_a_slow_preview_does_not_hold_up_other_requests(player, cache_dir):
    body = audio_bytes(PREVIEW_SIZE)
    slow_url = DEEZER_URL
    holding, released = asyncio.Event(), asyncio.Event()

    async def held_body():
        yield body[:16_384]
        holding.set()
        await released.wait()
        yield body[16_384:]

    headers = {**DEEZER["headers"], "Content-Length": str(len(body))}
    with respx.mock(assert_all_mocked=True) as upstream:
        upstream.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, body))
        upstream.get(slow_url).mock(
            return_value=httpx.Response(200, headers=headers, content=held_body())
        )
        await player.get(preview_path(ITUNES_URL))  # now on disk
        slow = asyncio.create_task(player.get(preview_path(slow_url)))
        await asyncio.wait_for(holding.wait(), 10)
        # A view holding a thread while it waits would leave this one waiting too.
        fast = await asyncio.wait_for(player.get(preview_path(ITUNES_URL)), 10)
        assert fast.content == body
        assert not slow.done()  # served while the slow one still waits on its upstream
        released.set()
        assert (await slow).content == body
