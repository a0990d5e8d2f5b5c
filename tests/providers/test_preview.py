"""Fetching previews: the allow-list on every redirect, what is accepted as an answer, the
cap and timeouts, with recorded answers replayed through the real client (respx), and the
connect-time address check end to end (real resolver, no respx)."""

import httpx
import pytest
import respx

from rubysound.providers.netguard import GuardedNetworkBackend
from rubysound.providers.preview import (
    PreviewError,
    PreviewFetcher,
    PreviewNotAudio,
    PreviewRefused,
    PreviewTimeout,
    PreviewTooLarge,
    RangeNotSatisfiable,
    build_preview_client,
    proxy_enabled,
)
from tests.providers.preview_support import (
    DEEZER,
    DEEZER_URL,
    ITUNES,
    ITUNES_URL,
    audio_bytes,
    chunked_answer,
    enable_previews,
    preview_answer,
)

MIRROR_URL = "https://is1-ssl.mzstatic.com/itunes-assets/AudioPreview125/v4/mzaf_1.m4a"


@pytest.fixture(autouse=True)
def _previews_on(settings, tmp_path):
    enable_previews(settings, tmp_path / "previews")


async def _drain(upstream, sizes: list[int]) -> None:
    async for chunk in upstream.chunks():
        sizes.append(len(chunk))


async def _read(url: str, **kwargs) -> tuple:
    upstream = await PreviewFetcher().open(url, **kwargs)
    body = b"".join([chunk async for chunk in upstream.chunks()])
    return upstream, body


def test_the_proxy_is_on_only_while_a_previewing_service_is(settings):
    assert proxy_enabled()
    settings.PREVIEW_PROXY_ENABLED = False
    assert not proxy_enabled()
    settings.PREVIEW_PROXY_ENABLED = True
    settings.PROVIDERS_ENABLED = False
    assert not proxy_enabled()
    settings.PROVIDERS_ENABLED = True
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "itunes": {"enabled": False, "api_key": "", "base_url": ""},
        "deezer": {"enabled": False, "api_key": "", "base_url": ""},
    }
    assert not proxy_enabled()


@respx.mock
async def test_an_itunes_preview_is_fetched_whole_as_audio():
    body = audio_bytes(300_000)
    route = respx.get(ITUNES_URL).mock(return_value=preview_answer(ITUNES, body))
    upstream, received = await _read(ITUNES_URL)
    assert received == body
    assert upstream.status == 200
    assert upstream.audio.content_type == "audio/mp4"  # sent as audio/x-m4a
    assert upstream.length == len(body)
    sent = route.calls.last.request
    assert sent.headers["Accept-Encoding"] == "identity"
    assert "Range" not in sent.headers
    assert sent.headers["User-Agent"].startswith("RubySound/")


@respx.mock
async def test_a_range_is_passed_on_and_the_partial_answer_checked():
    body = audio_bytes(100_000)
    part = body[1000:2000]
    headers = {**DEEZER["headers"], "Content-Range": f"bytes 1000-1999/{len(body)}"}
    route = respx.get(DEEZER_URL).mock(
        return_value=httpx.Response(206, headers=headers, content=part)
    )
    upstream, received = await _read(DEEZER_URL, range_header="bytes=1000-1999")
    assert route.calls.last.request.headers["Range"] == "bytes=1000-1999"
    assert upstream.status == 206
    assert upstream.content_range == f"bytes 1000-1999/{len(body)}"
    assert received == part


@respx.mock
async def test_an_unsatisfiable_range_says_the_size():
    respx.get(DEEZER_URL).mock(
        return_value=httpx.Response(416, headers={"Content-Range": "bytes */480914"})
    )
    with pytest.raises(RangeNotSatisfiable) as caught:
        await PreviewFetcher().open(DEEZER_URL, range_header="bytes=999999-")
    assert caught.value.content_range == "bytes */480914"
    assert caught.value.status == 416


@respx.mock
async def test_redirects_to_allowed_hosts_are_followed_and_each_hop_checked():
    body = audio_bytes(50_000)
    first = respx.get(ITUNES_URL).mock(
        return_value=httpx.Response(302, headers={"Location": MIRROR_URL})
    )
    # A relative Location is resolved against the hop that sent it.
    second = respx.get(MIRROR_URL).mock(
        return_value=httpx.Response(301, headers={"Location": "/itunes-assets/final.m4a"})
    )
    final = respx.get("https://is1-ssl.mzstatic.com/itunes-assets/final.m4a").mock(
        return_value=preview_answer(ITUNES, body)
    )
    upstream, received = await _read(ITUNES_URL, range_header="bytes=0-99")
    assert received == body
    assert upstream.url == "https://is1-ssl.mzstatic.com/itunes-assets/final.m4a"
    assert first.call_count == second.call_count == final.call_count == 1
    assert final.calls.last.request.headers["Range"] == "bytes=0-99"


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("https://127.0.0.1/latest/meta-data/", "IP addresses"),
        ("https://169.254.169.254/latest/meta-data/iam/", "IP addresses"),
        ("https://[::ffff:127.0.0.1]/", "IP addresses"),
        ("https://2130706433/", "IP addresses"),
        ("https://localhost/admin", "not one of"),
        ("https://evil.example/audio.mp3", "not one of"),
        ("http://audio-ssl.itunes.apple.com/x.m4a", "Only https"),
        ("file:///etc/passwd", "Only https"),
        ("https://audio-ssl.itunes.apple.com:8080/x.m4a", "port"),
        ("https://user:pw@audio-ssl.itunes.apple.com/x.m4a", "credentials"),
        ("https://audio-ssl.itunes.apple.com@10.0.0.1/", "credentials"),
    ],
)
async def test_a_redirect_to_a_refused_target_is_not_followed(location, reason):
    # Every request must match a route: one to the refused target would fail the test.
    with respx.mock(assert_all_mocked=True) as router:
        router.get(ITUNES_URL).mock(
            return_value=httpx.Response(302, headers={"Location": location})
        )
        with pytest.raises(PreviewRefused, match=reason) as caught:
            await PreviewFetcher().open(ITUNES_URL)
        assert router.calls.call_count == 1
    assert "redirected to a refused URL" in caught.value.detail


@respx.mock
async def test_too_many_redirects_give_up(settings):
    settings.PREVIEW_MAX_REDIRECTS = 2
    route = respx.get(ITUNES_URL).mock(
        return_value=httpx.Response(302, headers={"Location": ITUNES_URL})
    )
    with pytest.raises(PreviewError, match="too many times"):
        await PreviewFetcher().open(ITUNES_URL)
    assert route.call_count == 3


@respx.mock
async def test_a_redirect_without_location_fails():
    respx.get(ITUNES_URL).mock(return_value=httpx.Response(302))
    with pytest.raises(PreviewError, match="without saying where"):
        await PreviewFetcher().open(ITUNES_URL)


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<h1>hi"),
         PreviewNotAudio, "text/html"),
        (httpx.Response(200, content=b"data"), PreviewNotAudio, "no content type"),
        (httpx.Response(200, headers={"Content-Type": "application/octet-stream"}, content=b"x"),
         PreviewNotAudio, "not audio"),
        (httpx.Response(404, headers={"Content-Type": "text/xml"}, content=b"<Error/>"),
         PreviewError, "HTTP 404"),
        (httpx.Response(403, content=b"AccessDenied"), PreviewError, "HTTP 403"),
        (httpx.Response(503), PreviewError, "HTTP 503"),
        (httpx.Response(206, headers={"Content-Type": "audio/mpeg"}, content=b"x"),
         PreviewError, "without a range"),
        (httpx.Response(206, headers={"Content-Type": "audio/mpeg",
                                      "Content-Range": "bytes 0-9/9999999999"}, content=b"x" * 10),
         PreviewTooLarge, "larger than"),
    ],
)  # fmt: skip
@respx.mock
async def test_answers_that_are_not_a_usable_preview_are_refused(answer, error, message):
    respx.get(DEEZER_URL).mock(return_value=answer)
    with pytest.raises(error, match=message) as caught:
        await PreviewFetcher().open(DEEZER_URL)
    assert caught.value.status == 502


@respx.mock
async def test_a_declared_size_over_the_cap_is_refused_before_reading(settings):
    settings.PREVIEW_MAX_BYTES = 1000
    respx.get(DEEZER_URL).mock(return_value=preview_answer(DEEZER, audio_bytes(1001)))
    with pytest.raises(PreviewTooLarge):
        await PreviewFetcher().open(DEEZER_URL)


@respx.mock
async def test_an_undeclared_size_is_capped_while_it_streams(settings):
    settings.PREVIEW_MAX_BYTES = 200_000
    respx.get(DEEZER_URL).mock(
        return_value=chunked_answer(DEEZER, audio_bytes(300_000), chunk=50_000)
    )
    upstream = await PreviewFetcher().open(DEEZER_URL)
    assert upstream.length is None
    sizes: list[int] = []
    with pytest.raises(PreviewTooLarge):
        await _drain(upstream, sizes)
    assert 0 < sum(sizes) <= 200_000
    assert upstream.response.is_closed


@respx.mock
async def test_an_upstream_sending_more_than_it_announced_is_cut_off():
    respx.get(DEEZER_URL).mock(
        return_value=httpx.Response(
            200,
            headers={"Content-Type": "audio/mpeg", "Content-Length": "1000"},
            content=audio_bytes(200_000),
        )
    )
    upstream = await PreviewFetcher().open(DEEZER_URL)
    with pytest.raises(PreviewError, match="more than it announced"):
        await _drain(upstream, [])


@pytest.mark.parametrize(
    "failure", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.PoolTimeout("x")]
)
@respx.mock
async def test_timeouts_are_504(failure):
    respx.get(ITUNES_URL).mock(side_effect=failure)
    with pytest.raises(PreviewTimeout) as caught:
        await PreviewFetcher().open(ITUNES_URL)
    assert caught.value.status == 504


@respx.mock
async def test_connection_failures_are_502():
    respx.get(ITUNES_URL).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(PreviewError, match="could not be reached") as caught:
        await PreviewFetcher().open(ITUNES_URL)
    assert caught.value.status == 502


@respx.mock
async def test_cookies_an_upstream_sets_are_not_sent_on_later_requests():
    body = audio_bytes(1000)
    route = respx.get(ITUNES_URL).mock(
        return_value=preview_answer(ITUNES, body, Set_Cookie="session=abc; Path=/")
    )
    await _read(ITUNES_URL)
    await _read(ITUNES_URL)
    assert "cookie" not in route.calls.last.request.headers


async def test_the_refused_url_is_never_requested():
    with respx.mock(assert_all_mocked=True) as router:
        with pytest.raises(PreviewRefused, match="IP addresses"):
            await PreviewFetcher().open("https://169.254.169.254/latest/meta-data/")
        assert router.calls.call_count == 0


# --- The connect-time guard, end to end (the system's resolver; nothing mocked) ----------


async def test_an_allowed_host_that_resolves_to_loopback_is_refused(settings):
    settings.PREVIEW_ALLOWED_HOSTS = ["localhost"]
    client = build_preview_client()
    try:
        with pytest.raises(PreviewRefused, match="non-public address"):
            await PreviewFetcher(client).open("https://localhost/preview.mp3")
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    "internal", ["10.0.0.7", "169.254.169.254", "fd00:ec2::254", "::ffff:192.168.0.1"]
)
async def test_an_allowed_host_whose_dns_points_inside_is_refused(internal):
    async def hostile_dns(_host, _port):
        return [internal]

    client = build_preview_client(GuardedNetworkBackend(resolver=hostile_dns))
    try:
        with pytest.raises(PreviewRefused, match="non-public address"):
            await PreviewFetcher(client).open(ITUNES_URL)
    finally:
        await client.aclose()
