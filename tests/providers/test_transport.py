"""The shared transport against recorded HTTP exchanges (respx): retries, deadlines,
limits, the circuit breaker in the path, metrics and logs."""

import asyncio
import logging
import pickle

import httpx
import pytest
from prometheus_client import REGISTRY

from rubysound.core.logging import KeyValueFormatter
from rubysound.providers import deadline
from rubysound.providers.breaker import CircuitState, breaker_for
from rubysound.providers.errors import DeadlineExceeded, ErrorKind, ProviderError
from rubysound.providers.limits import RateLimiter
from rubysound.providers.transport import Transport, shared_client

LASTFM = "https://ws.audioscrobbler.com/2.0/"
MUSICBRAINZ = "https://musicbrainz.org/ws/2/artist/"
OK_BODY = {"results": {"trackmatches": {"track": []}}}


@pytest.fixture(autouse=True)
def _quick_retries(settings):
    settings.PROVIDERS_RETRY_ATTEMPTS = 3
    settings.PROVIDERS_RETRY_BACKOFF_SECONDS = 0.001
    settings.PROVIDERS_RETRY_AFTER_MAX_SECONDS = 1
    settings.PROVIDERS_BREAKER_FAILURES = 5


@pytest.fixture
def transport() -> Transport:
    return Transport()


def _errors(service: str, kind: str) -> float:
    labels = {"service": service, "kind": kind}
    return REGISTRY.get_sample_value("rubysound_provider_errors_total", labels) or 0.0


def _requests(service: str, outcome: str) -> float:
    labels = {"service": service, "outcome": outcome}
    return REGISTRY.get_sample_value("rubysound_provider_request_seconds_count", labels) or 0.0


# --- Answers ------------------------------------------------------------------------------


async def test_a_good_answer_is_returned_with_our_user_agent(respx_mock, transport):
    route = respx_mock.get(LASTFM, params={"method": "track.search", "track": "Believe"})
    route.return_value = httpx.Response(200, json=OK_BODY)
    reply = await transport.get(
        "lastfm", LASTFM, params={"method": "track.search", "track": "Believe"}
    )
    assert reply.status == 200
    assert reply.json() == OK_BODY
    assert route.call_count == 1
    assert route.calls.last.request.headers["User-Agent"].startswith("RubySound/")


async def test_client_errors_are_handed_to_the_client_not_retried(respx_mock, transport):
    route = respx_mock.get(LASTFM).respond(400, json={"error": 6, "message": "Track not found"})
    reply = await transport.get("lastfm", LASTFM)
    assert reply.status == 400
    assert reply.json()["error"] == 6
    assert route.call_count == 1
    # The service answered: that is good health.
    assert breaker_for("lastfm").snapshot().consecutive_failures == 0


async def test_one_pooled_client_per_event_loop():
    assert shared_client() is shared_client()


# --- Retries ----------------------------------------------------------------------------


async def test_a_timeout_is_retried_and_the_retry_answers(respx_mock, transport):
    route = respx_mock.get(LASTFM)
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(200, json=OK_BODY)]
    reply = await transport.get("lastfm", LASTFM)
    assert reply.json() == OK_BODY
    assert route.call_count == 2


async def test_a_refused_connection_is_retried(respx_mock, transport):
    route = respx_mock.get(LASTFM)
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200, json=OK_BODY)]
    assert (await transport.get("lastfm", LASTFM)).status == 200
    assert route.call_count == 2


async def test_retries_stop_after_the_configured_attempts(respx_mock, transport):
    route = respx_mock.get(LASTFM).mock(side_effect=httpx.ReadTimeout("slow"))
    before = _errors("lastfm", "timeout")
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert route.call_count == 3
    assert _errors("lastfm", "timeout") == before + 3


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_failures_are_retried(respx_mock, transport, status):
    route = respx_mock.get(LASTFM)
    route.side_effect = [httpx.Response(status), httpx.Response(200, json=OK_BODY)]
    assert (await transport.get("lastfm", LASTFM)).status == 200
    assert route.call_count == 2


async def test_an_internal_server_error_is_not_retried(respx_mock, transport):
    route = respx_mock.get(LASTFM).respond(500)
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.kind is ErrorKind.UNAVAILABLE
    assert caught.value.status == 500
    assert route.call_count == 1


async def test_a_failed_answer_keeps_its_body_and_headers_for_the_client(respx_mock, transport):
    body = b'{"error": "Your requests are exceeding the allowable rate limit."}'
    respx_mock.get(MUSICBRAINZ).respond(503, content=body, headers={"X-Served-By": "mb-3"})
    with pytest.raises(ProviderError) as caught:
        await transport.get("musicbrainz", MUSICBRAINZ, attempts=1)
    assert caught.value.kind is ErrorKind.UNAVAILABLE  # the transport cannot tell; the client can
    assert (caught.value.status, caught.value.body) == (503, body)
    assert caught.value.headers["x-served-by"] == "mb-3"


async def test_a_kept_body_is_bounded_and_left_out_of_the_cache(respx_mock, transport):
    respx_mock.get(LASTFM).respond(500, content=b"x" * 100_000)
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert len(caught.value.body) == ProviderError.BODY_KEPT_BYTES
    restored = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own bytes
    assert (restored.kind, restored.status, restored.body) == (ErrorKind.UNAVAILABLE, 500, b"")


async def test_429_is_retried_after_its_retry_after(respx_mock, transport):
    route = respx_mock.get(LASTFM)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(200, json=OK_BODY),
    ]
    assert (await transport.get("lastfm", LASTFM)).status == 200
    assert route.call_count == 2


async def test_a_retry_after_given_as_a_date_is_understood(respx_mock, transport):
    route = respx_mock.get(LASTFM)
    route.side_effect = [
        httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        httpx.Response(200, json=OK_BODY),
    ]
    assert (await transport.get("lastfm", LASTFM)).status == 200  # a past date: at once
    assert route.call_count == 2


async def test_429_asking_for_a_long_pause_is_not_waited_for(respx_mock, transport):
    route = respx_mock.get(LASTFM).respond(429, headers={"Retry-After": "120"})
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    assert caught.value.status == 429
    assert route.call_count == 1


async def test_a_caller_may_ask_for_a_single_attempt(respx_mock, transport):
    route = respx_mock.get(LASTFM).respond(503)
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM, attempts=1)
    assert route.call_count == 1


# --- Deadlines ----------------------------------------------------------------------------


class Hanging:
    """A service that takes the request and never answers (respx counts a call only once
    it has answered, so this counts its own)."""

    def __init__(self):
        self.calls = 0
        self.started = asyncio.Event()

    async def __call__(self, request):
        self.calls += 1
        self.started.set()
        await asyncio.sleep(60)
        return httpx.Response(200, json=OK_BODY)


async def test_a_slow_service_is_cut_at_the_deadline(respx_mock, transport):
    hanging = Hanging()
    respx_mock.get(LASTFM).mock(side_effect=hanging)
    with deadline(0.2), pytest.raises(DeadlineExceeded) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert hanging.calls == 1  # no retry once the time is spent


async def test_nothing_is_sent_once_the_deadline_has_passed(respx_mock, transport):
    route = respx_mock.get(LASTFM).respond(200, json=OK_BODY)
    with deadline(0), pytest.raises(DeadlineExceeded):
        await transport.get("lastfm", LASTFM)
    assert route.call_count == 0


async def test_an_inner_deadline_cannot_extend_the_outer_one(respx_mock, transport):
    route = respx_mock.get(LASTFM).respond(200, json=OK_BODY)
    with deadline(0), deadline(30), pytest.raises(DeadlineExceeded):
        await transport.get("lastfm", LASTFM)
    assert route.call_count == 0


async def test_a_retry_that_would_not_fit_in_the_deadline_is_not_made(
    respx_mock, transport, settings
):
    settings.PROVIDERS_RETRY_BACKOFF_SECONDS = 30
    route = respx_mock.get(LASTFM).respond(503)
    with deadline(2), pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.kind is ErrorKind.UNAVAILABLE
    assert route.call_count == 1


async def test_a_retry_after_beyond_the_deadline_is_not_waited_for(respx_mock, transport):
    route = respx_mock.get(LASTFM).respond(503, headers={"Retry-After": "1"})
    with deadline(0.5), pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.status == 503
    assert route.call_count == 1


async def test_tasks_started_inside_a_deadline_inherit_it(respx_mock, transport):
    respx_mock.get(LASTFM).mock(side_effect=Hanging())
    respx_mock.get(MUSICBRAINZ).respond(200, json={"artists": []})
    with deadline(0.3):
        slow, fast = await asyncio.gather(
            transport.get("lastfm", LASTFM),
            transport.get("musicbrainz", MUSICBRAINZ),
            return_exceptions=True,
        )
    # One service late, the other still answers within the same budget.
    assert isinstance(slow, DeadlineExceeded)
    assert fast.status == 200


# --- Limits -------------------------------------------------------------------------------


async def test_concurrent_requests_to_one_service_are_capped(respx_mock, transport, settings):
    settings.PROVIDERS_MAX_CONCURRENCY = 2
    in_flight = 0
    most = 0

    async def answer(request):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return httpx.Response(200, json=OK_BODY)

    route = respx_mock.get(LASTFM).mock(side_effect=answer)
    replies = await asyncio.gather(*(transport.get("lastfm", LASTFM) for _ in range(6)))
    assert [reply.status for reply in replies] == [200] * 6
    assert route.call_count == 6
    assert most == 2


async def test_musicbrainz_waits_for_its_next_slot_within_the_deadline(
    respx_mock, transport, settings
):
    # One request per 1000 s: the second cannot have a slot within the deadline, so it is
    # refused at once instead of overrunning it (or the service's rule).
    settings.PROVIDERS_MIN_INTERVAL_SECONDS = {"musicbrainz": 1000}
    route = respx_mock.get(MUSICBRAINZ).respond(200, json={"artists": []})
    assert (await transport.get("musicbrainz", MUSICBRAINZ)).status == 200
    with deadline(0.5), pytest.raises(DeadlineExceeded):
        await transport.get("musicbrainz", MUSICBRAINZ)
    assert route.call_count == 1
    # Other services are not held back by MusicBrainz's rule.
    respx_mock.get(LASTFM).respond(200, json=OK_BODY)
    with deadline(0.5):
        assert (await transport.get("lastfm", LASTFM)).status == 200


async def test_the_musicbrainz_rate_is_shared_with_other_processes_through_the_cache():
    # Two limiters with their own local state stand for two worker processes; only the
    # Django cache (Redis in production) connects them.
    this_worker = RateLimiter("musicbrainz", 1000)
    other_worker = RateLimiter("musicbrainz", 1000)
    await this_worker.wait()
    with deadline(0.5), pytest.raises(DeadlineExceeded):
        await other_worker.wait()


async def test_rate_limiting_applies_only_where_configured(respx_mock, transport, settings):
    settings.PROVIDERS_MIN_INTERVAL_SECONDS = {"musicbrainz": 1000}
    route = respx_mock.get(LASTFM).respond(200, json=OK_BODY)
    with deadline(1):
        for _ in range(3):
            await transport.get("lastfm", LASTFM)
    assert route.call_count == 3


# --- Circuit breaker in the path ----------------------------------------------------------


async def test_repeated_failures_open_the_circuit_and_calls_then_fail_fast(
    respx_mock, transport, settings
):
    settings.PROVIDERS_BREAKER_FAILURES = 3
    route = respx_mock.get(LASTFM).respond(503)
    before = _errors("lastfm", "circuit_open")
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM)  # three attempts, three failures
    assert breaker_for("lastfm").state is CircuitState.OPEN
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.kind is ErrorKind.UNAVAILABLE
    assert caught.value.message == "circuit open"
    assert route.call_count == 3  # the open circuit sent nothing
    assert _errors("lastfm", "circuit_open") == before + 1


async def test_retries_stop_when_the_circuit_opens(respx_mock, transport, settings):
    settings.PROVIDERS_BREAKER_FAILURES = 2
    route = respx_mock.get(LASTFM).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM)
    assert route.call_count == 2  # not the three attempts allowed


async def test_one_service_open_leaves_the_others_alone(respx_mock, transport, settings):
    settings.PROVIDERS_BREAKER_FAILURES = 1
    respx_mock.get(LASTFM).respond(503)
    respx_mock.get(MUSICBRAINZ).respond(200, json={"artists": []})
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM)
    assert (await transport.get("musicbrainz", MUSICBRAINZ)).status == 200
    assert breaker_for("musicbrainz").state is CircuitState.CLOSED


async def test_half_open_lets_one_probe_through_and_its_success_closes(
    respx_mock, transport, settings
):
    settings.PROVIDERS_BREAKER_FAILURES = 1
    settings.PROVIDERS_BREAKER_RESET_SECONDS = 0  # half-open as soon as it opens
    probe_sent = asyncio.Event()
    release = asyncio.Event()

    async def recovered(request):
        probe_sent.set()
        await release.wait()
        return httpx.Response(200, json=OK_BODY)

    route = respx_mock.get(LASTFM)
    route.side_effect = [httpx.Response(503), recovered]
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM, attempts=1)
    assert breaker_for("lastfm").state is CircuitState.HALF_OPEN

    probe = asyncio.ensure_future(transport.get("lastfm", LASTFM))
    await probe_sent.wait()
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)  # while the probe is out
    assert caught.value.message == "circuit open"
    release.set()
    assert (await probe).status == 200
    assert breaker_for("lastfm").state is CircuitState.CLOSED
    assert route.call_count == 2


async def test_a_failed_probe_opens_the_circuit_again(respx_mock, transport, settings):
    settings.PROVIDERS_BREAKER_FAILURES = 1
    settings.PROVIDERS_BREAKER_RESET_SECONDS = 3600
    route = respx_mock.get(LASTFM).respond(503)
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM)
    breaker = breaker_for("lastfm")
    now = breaker.clock()
    breaker.clock = lambda: now + 3601  # the cool-down is over
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)  # the probe
    assert caught.value.status == 503
    assert breaker.state is CircuitState.OPEN
    with pytest.raises(ProviderError) as caught:
        await transport.get("lastfm", LASTFM)
    assert caught.value.message == "circuit open"
    assert route.call_count == 2


async def test_a_cancelled_probe_lets_the_next_call_probe(respx_mock, transport, settings):
    settings.PROVIDERS_BREAKER_FAILURES = 1
    settings.PROVIDERS_BREAKER_RESET_SECONDS = 0
    hanging = Hanging()
    route = respx_mock.get(LASTFM)
    route.side_effect = [httpx.Response(503), hanging, httpx.Response(200, json=OK_BODY)]
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM, attempts=1)
    probe = asyncio.ensure_future(transport.get("lastfm", LASTFM))
    await hanging.started.wait()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert (await transport.get("lastfm", LASTFM)).status == 200
    assert breaker_for("lastfm").state is CircuitState.CLOSED


# --- Metrics and logs -------------------------------------------------------------------


async def test_calls_are_timed_and_failures_counted_by_kind(respx_mock, transport):
    route = respx_mock.get(LASTFM)
    route.side_effect = [httpx.Response(503), httpx.Response(200, json=OK_BODY)]
    ok_before = _requests("lastfm", "ok")
    failed_before = _requests("lastfm", "unavailable")
    errors_before = _errors("lastfm", "unavailable")
    await transport.get("lastfm", LASTFM)
    assert _requests("lastfm", "ok") == ok_before + 1
    assert _requests("lastfm", "unavailable") == failed_before + 1
    assert _errors("lastfm", "unavailable") == errors_before + 1


@pytest.mark.django_db
async def test_provider_series_are_on_the_metrics_page(respx_mock, transport, async_client):
    respx_mock.get(LASTFM).respond(503)
    with pytest.raises(ProviderError):
        await transport.get("lastfm", LASTFM, attempts=1)
    text = (await async_client.get("/metrics")).content.decode()
    assert "# TYPE rubysound_provider_request_seconds histogram" in text
    assert "# TYPE rubysound_provider_errors_total counter" in text
    assert 'rubysound_provider_errors_total{kind="unavailable",service="lastfm"}' in text


async def test_failure_logs_are_structured_and_never_carry_keys(
    respx_mock, transport, settings, caplog
):
    providers = {name: dict(options) for name, options in settings.PROVIDERS.items()}
    providers["theaudiodb"].update(enabled=True, api_key="523532secretdb")
    settings.PROVIDERS = providers
    respx_mock.get(LASTFM).respond(503)
    audiodb = "https://www.theaudiodb.com/api/v1/json/523532secretdb/search.php"
    respx_mock.get(audiodb).mock(side_effect=httpx.ConnectError("refused"))
    with caplog.at_level(logging.INFO):
        with pytest.raises(ProviderError):
            await transport.get(
                "lastfm", LASTFM, params={"api_key": "lastfmsecret123", "method": "x"}, attempts=1
            )
        with pytest.raises(ProviderError):
            await transport.get("theaudiodb", audiodb, params={"s": "Cher"}, attempts=1)

    # httpx's own line for each request carries the whole address: redacted too.
    everything = "\n".join(KeyValueFormatter().format(record) for record in caplog.records)
    assert "HTTP Request: GET https://ws.audioscrobbler.com/2.0/?api_key=" in everything
    assert "lastfmsecret123" not in everything
    assert "523532secretdb" not in everything

    records = [record for record in caplog.records if record.msg == "provider call failed"]
    assert len(records) == 2
    lines = [KeyValueFormatter().format(record) for record in records]
    assert "lastfmsecret123" not in "".join(lines)
    assert "523532secretdb" not in "".join(lines)
    assert records[0].service == "lastfm"
    assert records[0].kind == "unavailable"
    assert records[0].status == 503
    assert "api_key=[redacted]" in records[0].url
    assert "method=x" in records[0].url
    assert records[1].service == "theaudiodb"
    assert "[redacted]" in records[1].url
    assert "s=Cher" in records[1].url
