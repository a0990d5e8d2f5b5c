"""Structured logs: one line per event, ``key=value``, safe to grep and to ship."""

import io
import logging
import re
from datetime import datetime

import pytest

from rubysound.core.logging import KeyValueFormatter

PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
ESCAPE = re.compile(r"\\(u[0-9a-f]{4}|.)")
UNESCAPED = {"n": "\n", "r": "\r", "t": "\t"}


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    if code.startswith("u") and len(code) == 5:
        return chr(int(code[1:], 16))
    return UNESCAPED.get(code, code)


def _log(message: str, *args, extra: dict | None = None, exc: bool = False) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(KeyValueFormatter())
    logger = logging.getLogger("rubysound.test.logging")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        if exc:
            try:
                raise ValueError("boom\nsecond line")
            except ValueError:
                logger.exception(message, *args, extra=extra)
        else:
            logger.warning(message, *args, extra=extra)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert output.endswith("\n")
    return output[:-1]


def _parse(line: str) -> dict[str, str]:
    pairs = {}
    for key, raw in PAIR.findall(line):
        if raw.startswith('"'):
            raw = ESCAPE.sub(_unescape, raw[1:-1])
        pairs[key] = raw
    # Nothing in the line is outside a key=value pair.
    assert PAIR.sub("", line).strip() == "", line
    return pairs


def test_a_line_carries_ts_level_logger_and_msg_in_that_order():
    line = _log("user %s signed in", "ann")
    assert "\n" not in line
    assert line.startswith("ts=")
    pairs = _parse(line)
    assert list(pairs)[:4] == ["ts", "level", "logger", "msg"]
    assert pairs["level"] == "warning"
    assert pairs["logger"] == "rubysound.test.logging"
    assert pairs["msg"] == "user ann signed in"
    stamp = datetime.fromisoformat(pairs["ts"])
    assert stamp.utcoffset().total_seconds() == 0


def test_extras_become_pairs_and_are_quoted_when_needed():
    line = _log(
        "request done",
        extra={"path": "/api/users/me/", "status": 200, "agent": 'curl/8 "x" a=b', "note": ""},
    )
    assert 'msg="request done"' in line
    assert "path=/api/users/me/" in line
    assert "status=200" in line
    assert 'agent="curl/8 \\"x\\" a=b"' in line
    assert 'note=""' in line
    pairs = _parse(line)
    assert pairs["agent"] == 'curl/8 "x" a=b'


@pytest.mark.parametrize(
    "hostile",
    [
        "ann\nts=2020-01-01 level=info msg=forged",
        "ann\r\nlevel=critical",
        "ann\rlevel=critical",
        "ann\u2028level=critical",
        "tab\there",
        "ansi\x1b[2Jcleared",
        "nel\x85level=critical",
    ],
)
def test_user_supplied_text_cannot_break_or_forge_lines(hostile):
    line = _log("login failed for %s", hostile, extra={"username": hostile})
    assert len(line.splitlines()) == 1, repr(line)
    pairs = _parse(line)
    assert pairs["level"] == "warning"
    assert list(pairs) == ["ts", "level", "logger", "msg", "username"]
    # Escaped, not lost: the reader gets back exactly what was logged.
    assert pairs["username"] == hostile
    assert pairs["msg"] == f"login failed for {hostile}"


def test_an_exception_stays_on_the_same_line():
    line = _log("it failed", exc=True)
    assert len(line.splitlines()) == 1
    pairs = _parse(line)
    assert pairs["msg"] == "it failed"
    assert "Traceback" in pairs["exc"]
    assert "ValueError: boom" in pairs["exc"]


def test_the_project_logging_config_uses_it(settings):
    formatter = settings.LOGGING["formatters"]["keyvalue"]["()"]
    assert formatter == "rubysound.core.logging.KeyValueFormatter"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "keyvalue"


def test_tokens_in_query_strings_never_reach_the_access_log(caplog):
    import django.apps  # noqa: F401 - the filter is installed when the core app is ready

    access_log = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access_log.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/ws/notifications/?token=eyJhbGciOi.secret.sig&x=1",
            "1.1",
            101,
        )
    line = caplog.records[-1].getMessage()
    assert "eyJhbGciOi" not in line
    assert "token=[redacted]&x=1" in line
