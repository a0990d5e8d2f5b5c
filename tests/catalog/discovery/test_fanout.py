"""The budgeted fan-out: what finished in time, what each service did, the fallback calls."""

import asyncio
import functools

import pytest

from rubysound.catalog.discovery import fanout
from rubysound.providers.errors import DeadlineExceeded, ErrorKind, ProviderError
from tests.catalog import provider_setup

enable_services = provider_setup.enable_services


# --- fan_out --------------------------------------------------------------------------------


def _answer(value, seconds: float = 0.0):
    async def call():
        await asyncio.sleep(seconds)
        return value

    return call


def _fail(error: Exception):
    async def call():
        raise error

    return call


def _fan_out(calls: dict, seconds: float) -> tuple[dict, dict]:
    sources = fanout.Sources()
    results = fanout.run(fanout.fan_out, calls, sources, seconds=seconds)
    return results, sources.as_meta()


def test_fan_out_returns_what_finished_and_says_what_did_not(enable_services):
    enable_services("lastfm", "itunes", "deezer", "wikipedia")
    results, sources = _fan_out(
        {
            "a": fanout.Call("lastfm", _answer(["fresh"])),
            "b": fanout.Call("itunes", _answer(fanout.Fetched("kept", cached=True))),
            "c": fanout.Call("deezer", _answer("late", seconds=5)),
            "d": fanout.Call(
                "wikipedia", _fail(ProviderError("wikipedia", ErrorKind.RATE_LIMITED))
            ),
            "e": fanout.Call("musicbrainz", _answer("never asked")),
        },
        seconds=0.2,
    )
    assert results == {"a": ["fresh"], "b": "kept"}
    assert sources == {
        "lastfm": {"status": "ok"},
        "itunes": {"status": "cached"},
        "deezer": {"status": "degraded", "reason": "timeout"},
        "wikipedia": {"status": "degraded", "reason": "rate_limited"},
        "musicbrainz": {"status": "disabled"},
    }


def test_a_service_asked_several_times_reports_its_worst_outcome(enable_services):
    enable_services("itunes")
    _, sources = _fan_out(
        {
            1: fanout.Call("itunes", _answer(fanout.Fetched("x", cached=True))),
            2: fanout.Call("itunes", _answer("y")),
            3: fanout.Call("itunes", _fail(DeadlineExceeded("itunes"))),
        },
        seconds=1,
    )
    assert sources == {"itunes": {"status": "degraded", "reason": "timeout"}}
    _, sources = _fan_out(
        {
            1: fanout.Call("itunes", _answer(fanout.Fetched("x", cached=True))),
            2: fanout.Call("itunes", _answer("y")),
        },
        seconds=1,
    )
    assert sources == {"itunes": {"status": "ok"}}


def test_a_bug_in_a_client_degrades_its_source_instead_of_failing(enable_services, caplog):
    enable_services("lastfm")
    results, sources = _fan_out({"x": fanout.Call("lastfm", _fail(KeyError("track")))}, 1)
    assert results == {}
    assert sources == {"lastfm": {"status": "degraded", "reason": "error"}}
    assert "provider_call_failed" in caplog.text


def test_a_disabled_error_from_a_client_reads_disabled(enable_services):
    enable_services("lastfm")
    _, sources = _fan_out(
        {"x": fanout.Call("lastfm", _fail(ProviderError("lastfm", ErrorKind.DISABLED)))}, 1
    )
    assert sources == {"lastfm": {"status": "disabled"}}


# --- fan_out_preferring ------------------------------------------------------------------------


def _preferring(preferred: dict, fallback: dict, seconds: float, enough=None):
    sources = fanout.Sources()
    enough = enough or (lambda key, value: value == "whole")
    fan_out = functools.partial(fanout.fan_out_preferring, enough=enough)
    results = fanout.run(fan_out, preferred, fallback, sources, seconds=seconds)
    return results, sources.as_meta()


def _watched(value, seconds: float, seen: list):
    """A call answering ``value`` after ``seconds`` that records whether it was cancelled."""

    async def call():
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return value

    return call


def test_a_fallback_that_is_not_needed_is_not_waited_for(enable_services):
    enable_services("itunes", "deezer")
    seen = []
    results, sources = _preferring(
        {1: fanout.Call("itunes", _answer("whole"))},
        {1: fanout.Call("deezer", _watched("other", 5, seen))},
        seconds=1,
    )
    assert results == {1: ("whole", None)}
    assert seen == ["cancelled"]
    # Nobody waited for Deezer: neither a timeout nor an answer to report.
    assert sources == {"itunes": {"status": "ok"}}


@pytest.mark.parametrize(
    ("first", "expected_first", "itunes_status"),
    [
        (_answer("part"), "part", {"status": "ok"}),
        (_answer(None), None, {"status": "ok"}),
        (_fail(ProviderError("itunes", ErrorKind.UNAVAILABLE)), None, {"status": "degraded"}),
    ],
)
def test_a_fallback_answers_where_the_preferred_call_falls_short(
    enable_services, first, expected_first, itunes_status
):
    enable_services("itunes", "deezer")
    results, sources = _preferring(
        {1: fanout.Call("itunes", first), 2: fanout.Call("itunes", _answer("whole"))},
        {
            1: fanout.Call("deezer", _answer("extra", seconds=0.05)),
            2: fanout.Call("deezer", _watched("unused", 5, [])),
        },
        seconds=1,
    )
    assert results == {1: (expected_first, "extra"), 2: ("whole", None)}
    assert sources["deezer"] == {"status": "ok"}
    assert sources["itunes"]["status"] == itunes_status["status"]


def test_a_disabled_preferred_service_leaves_it_to_the_fallback(enable_services):
    enable_services("deezer")
    results, sources = _preferring(
        {1: fanout.Call("itunes", _answer("whole"))},
        {1: fanout.Call("deezer", _answer("extra"))},
        seconds=1,
    )
    assert results == {1: (None, "extra")}
    assert sources == {"itunes": {"status": "disabled"}, "deezer": {"status": "ok"}}


def test_a_needed_fallback_that_is_late_is_a_timeout(enable_services):
    enable_services("itunes", "deezer")
    seen = []
    results, sources = _preferring(
        {1: fanout.Call("itunes", _answer("part"))},
        {1: fanout.Call("deezer", _watched("late", 5, seen))},
        seconds=0.2,
    )
    assert results == {1: ("part", None)}
    assert seen == ["cancelled"]
    assert sources == {
        "itunes": {"status": "ok"},
        "deezer": {"status": "degraded", "reason": "timeout"},
    }


def test_stored_sources_read_as_cached():
    sources = fanout.Sources()
    sources.note("lastfm", fanout.OK)
    sources.note("itunes", fanout.DEGRADED, "timeout")
    sources.note("deezer", fanout.DISABLED)
    again = fanout.Sources.from_data(sources.to_data()).as_cached()
    assert again.as_meta() == {
        "deezer": {"status": "disabled"},
        "itunes": {"status": "degraded", "reason": "timeout"},
        "lastfm": {"status": "cached"},
    }
