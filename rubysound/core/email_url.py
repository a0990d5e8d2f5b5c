"""Outgoing email from one setting, ``EMAIL_URL``, turned into Django's EMAIL_* settings.

    smtp://user:password@mail.example.com:587?tls     STARTTLS (``?tls=true`` also works)
    smtp://user:password@mail.example.com:465?ssl     implicit TLS; ``smtps://`` means the same
    smtp://localhost:25                               plain SMTP (a local relay)
    file:///var/lib/rubysound/mail                    each message written as a file there
    console://                                        printed to the server's output
    memory://                                         kept in memory (tests)

User and password are percent-decoded (``p%40ss`` is ``p@ss``). No library in the project
parses these (django-environ and dj-email-url are not installed), and the grammar is small.
"""

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
MEMORY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

_TRUE = {"", "1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_OPTIONS = {"tls", "ssl", "timeout"}


def _flag(options: dict[str, list[str]], name: str) -> bool:
    if name not in options:
        return False
    value = options[name][-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"EMAIL_URL: ?{name} must be true or false, got {value!r}")


def email_settings(url: str) -> dict:
    """Django's email settings for ``url`` (see the module); ImproperlyConfigured if unusable.

    The password never appears in an error message.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "file":
        if not parts.path or parts.netloc not in {"", "localhost"}:
            raise ImproperlyConfigured("EMAIL_URL: a file URL needs an absolute path: file:///dir")
        return {"EMAIL_BACKEND": FILE_BACKEND, "EMAIL_FILE_PATH": Path(unquote(parts.path))}
    if scheme == "console":
        return {"EMAIL_BACKEND": CONSOLE_BACKEND}
    if scheme == "memory":
        return {"EMAIL_BACKEND": MEMORY_BACKEND}
    if scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL: unknown scheme {scheme!r} (use smtp, smtps, file, console or memory)"
        )
    options = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(options) - _OPTIONS
    if unknown:
        raise ImproperlyConfigured(f"EMAIL_URL: unknown option(s) {', '.join(sorted(unknown))}")
    use_ssl = scheme == "smtps" or _flag(options, "ssl")
    use_tls = _flag(options, "tls")
    if use_ssl and use_tls:
        raise ImproperlyConfigured("EMAIL_URL: choose ?tls (STARTTLS) or ?ssl, not both")
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL: an smtp URL needs a host: smtp://host:port")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL: the port must be a number") from None
    result = {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }
    if "timeout" in options:
        raw = options["timeout"][-1]
        try:
            result["EMAIL_TIMEOUT"] = float(raw)
        except ValueError:
            message = f"EMAIL_URL: ?timeout must be seconds, got {raw!r}"
            raise ImproperlyConfigured(message) from None
    return result
