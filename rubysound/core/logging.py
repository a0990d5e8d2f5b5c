import logging
import re
from datetime import UTC, datetime

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _needs_quotes(ch: str) -> bool:
    return ch in '="' or ch.isspace() or not ch.isprintable()


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch.isprintable():
        return ch
    # Control characters and Unicode line separators: a reader must never see a new line.
    return f"\\u{ord(ch):04x}"


def _quote(value: object) -> str:
    text = str(value)
    if text and not any(_needs_quotes(ch) for ch in text):
        return text
    return '"' + "".join(_escape(ch) for ch in text) + '"'


class KeyValueFormatter(logging.Formatter):
    """One line per event: ``ts=... level=... logger=... msg="..." key=value ...``.

    Extra context is passed with ``logger.info("...", extra={"key": value})``.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                fields[key] = value
        line = " ".join(f"{key}={_quote(value)}" for key, value in fields.items())
        if record.exc_info:
            line += " exc=" + _quote(self.formatException(record.exc_info))
        return line


# The Audioscrobbler API's (/2.0/) password, authToken, session key and signature too.
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:token|access_token|api_key|apikey|t|p|s|password|authtoken|sk|api_sig)=)"
    r"[^&\s]*"
)


def redact_query_secrets(text: str) -> str:
    """``/ws/notifications/?token=eyJ...`` becomes ``/ws/notifications/?token=[redacted]``."""
    return _SECRET_QUERY.sub(r"\1[redacted]", text)


class RedactQuerySecretsFilter(logging.Filter):
    """Keeps tokens passed in query strings (WebSocket ``?token=``, the Subsonic API's
    ``p``, ``t``, ``s`` and ``apiKey``, the Audioscrobbler API's ``password``, ``authToken``
    and ``sk``) out of access logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_query_secrets(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = redact_query_secrets(record.msg)
        return True
