"""Provider calls as Prometheus and the logs see them.

``rubysound_provider_request_seconds{service, outcome}``: each HTTP exchange with a service
(outcome "ok" or the error kind). ``rubysound_provider_errors_total{service, kind}``: each
failure, the transport's (timeouts, 5xx, ...) and the clients' (invalid key, malformed
answer), plus ``kind="circuit_open"`` for calls the breaker refused without trying.
``rubysound_provider_circuit_open{service}``: 1 from the moment a circuit opens until a call
succeeds again (half-open included), in any worker.
Each failure is also one structured log line, with keys redacted from URLs.
"""

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from prometheus_client import Counter, Gauge, Histogram

from .errors import ErrorKind, ProviderError

logger = logging.getLogger("rubysound.providers")

provider_request_seconds = Histogram(
    "rubysound_provider_request_seconds",
    "Time of one HTTP exchange with an external music service, by outcome.",
    ["service", "outcome"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
)
provider_errors_total = Counter(
    "rubysound_provider_errors_total",
    "Failed calls to external music services, by kind of failure.",
    ["service", "kind"],
)
# Breakers are per worker: the highest value of the live workers tells whether any of them
# refuses calls.
provider_circuit_open = Gauge(
    "rubysound_provider_circuit_open",
    "1 while the service's circuit breaker is open or half-open in a worker, 0 when closed.",
    ["service"],
    multiprocess_mode="livemax",
)

CIRCUIT_OPEN = "circuit_open"
REDACTED = "[redacted]"
# Query parameters that carry credentials at the services we call (Last.fm: api_key).
_SECRET_PARAMS = {"api_key", "apikey", "key", "token", "access_token", "secret", "sig", "api_sig"}
_SECRET_PATTERN = re.compile(r"(?i)\b(api_?key|access_token|token|secret|api_sig)=([^&\s]+)")


def observe_request(service: str, outcome: str, seconds: float) -> None:
    provider_request_seconds.labels(service=service, outcome=outcome).observe(seconds)


def observe_circuit(service: str, *, is_open: bool) -> None:
    provider_circuit_open.labels(service=service).set(1 if is_open else 0)


def _configured_keys() -> list[str]:
    keys = []
    for options in settings.PROVIDERS.values():
        for key in (options.get("api_key") or "", options.get("api_secret") or ""):
            if len(key) >= 4:  # a one-letter "key" would redact half of every URL
                keys.append(key)
    return keys


def redact(text: str) -> str:
    """Removes credentials from a URL or message: secret query parameters and every
    configured API key wherever it appears (TheAudioDB puts its key in the path)."""
    if not text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme and parts.query:
        query = [
            (name, REDACTED if name.lower() in _SECRET_PARAMS else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
        text = urlunsplit(parts._replace(query=urlencode(query, safe="[]")))
    else:
        text = _SECRET_PATTERN.sub(lambda match: f"{match.group(1)}={REDACTED}", text)
    for key in _configured_keys():
        text = text.replace(key, REDACTED)
    return text


def report_error(
    error: ProviderError,
    *,
    url: str = "",
    attempt: int | None = None,
    retrying: bool = False,
    elapsed: float | None = None,
) -> None:
    """Counts and logs a failure once, however many layers it passes through."""
    if error.reported:
        return
    error.reported = True
    if error.kind is ErrorKind.DISABLED:
        return  # a configuration state, not a failure
    circuit_open = error.kind is ErrorKind.UNAVAILABLE and error.message == "circuit open"
    kind = CIRCUIT_OPEN if circuit_open else str(error.kind)
    provider_errors_total.labels(service=error.service, kind=kind).inc()
    fields: dict[str, object] = {"service": error.service, "kind": kind}
    if error.status:
        fields["status"] = error.status
    if error.message:
        fields["reason"] = redact(error.message)
    if url:
        fields["url"] = redact(url)
    if attempt is not None:
        fields["attempt"] = attempt
        fields["retrying"] = retrying
    if elapsed is not None:
        fields["elapsed_ms"] = round(elapsed * 1000, 1)
    # Expected answers and fast refusals are routine; real failures are warnings.
    quiet = circuit_open or error.kind is ErrorKind.NOT_FOUND
    logger.log(logging.INFO if quiet else logging.WARNING, "provider call failed", extra=fields)


class RedactProviderSecretsFilter(logging.Filter):
    """httpx logs every request's full URL at INFO, Last.fm's api_key included: the line is
    rendered here and logged with the keys removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        record.msg = redact(message)
        record.args = ()
        return True
