"""EMAIL_URL, the one setting for outgoing mail, read into Django's EMAIL_* settings."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rubysound.core.email_url import (
    CONSOLE_BACKEND,
    FILE_BACKEND,
    MEMORY_BACKEND,
    SMTP_BACKEND,
    email_settings,
)


def test_smtp_with_starttls_user_and_password():
    assert email_settings("smtp://mailer:s3cret@mail.example.com:587?tls") == {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_percent_encoded_user_and_password_are_decoded():
    result = email_settings("smtp://me%40example.com:p%40ss%3Aword@mail.example.com:25")
    assert result["EMAIL_HOST_USER"] == "me@example.com"
    assert result["EMAIL_HOST_PASSWORD"] == "p@ss:word"


@pytest.mark.parametrize(
    ("url", "tls", "ssl", "port"),
    [
        ("smtp://localhost", False, False, 25),
        ("smtp://localhost?tls", True, False, 587),
        ("smtp://localhost?tls=true", True, False, 587),
        ("smtp://localhost?tls=false", False, False, 25),
        ("smtp://localhost?ssl", False, True, 465),
        ("smtps://localhost", False, True, 465),
        ("smtp://localhost:2525?ssl=1", False, True, 2525),
    ],
)
def test_tls_ssl_and_default_ports(url, tls, ssl, port):
    result = email_settings(url)
    assert (result["EMAIL_USE_TLS"], result["EMAIL_USE_SSL"], result["EMAIL_PORT"]) == (
        tls,
        ssl,
        port,
    )
    assert result["EMAIL_HOST_USER"] == result["EMAIL_HOST_PASSWORD"] == ""


def test_timeout_option():
    assert email_settings("smtp://localhost?tls&timeout=7.5")["EMAIL_TIMEOUT"] == 7.5


def test_file_console_and_memory():
    assert email_settings("file:///srv/rubysound/mail") == {
        "EMAIL_BACKEND": FILE_BACKEND,
        "EMAIL_FILE_PATH": Path("/srv/rubysound/mail"),
    }
    assert email_settings("console://") == {"EMAIL_BACKEND": CONSOLE_BACKEND}
    assert email_settings("memory://") == {"EMAIL_BACKEND": MEMORY_BACKEND}


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.com", "unknown scheme"),
        ("mail.example.com", "unknown scheme"),
        ("smtp://:587", "needs a host"),
        ("smtp://host:notaport", "port must be a number"),
        ("smtp://host?tls&ssl", "not both"),
        ("smtp://host?starttls", "unknown option"),
        ("smtp://host?tls=maybe", "true or false"),
        ("smtp://host?timeout=soon", "seconds"),
        ("file://", "absolute path"),
        ("file://otherhost/mail", "absolute path"),
    ],
)
def test_unusable_urls_are_refused_with_a_reason(url, complaint):
    with pytest.raises(ImproperlyConfigured, match=complaint):
        email_settings(url)


def test_the_password_never_shows_in_an_error():
    with pytest.raises(ImproperlyConfigured) as caught:
        email_settings("smtp://user:hunter2@host:port")
    assert "hunter2" not in str(caught.value)


def _settings_in_a_fresh_process(env: dict[str, str]) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'rubysound.settings'; "
        "from django.conf import settings; "
        "print(settings.EMAIL_BACKEND, getattr(settings, 'EMAIL_FILE_PATH', ''), "
        "getattr(settings, 'EMAIL_HOST', ''), hasattr(settings, 'EMAIL_URL'))"
    )
    completed = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def test_embedded_default_writes_mail_files_under_var(tmp_path):
    out = _settings_in_a_fresh_process({"RUBYSOUND_VAR_DIR": str(tmp_path)})
    # (EMAIL_HOST is Django's default, unused by the file backend.)
    assert out == f"{FILE_BACKEND} {tmp_path / 'mail'} localhost False"


def test_settings_read_email_url_from_the_environment(tmp_path):
    out = _settings_in_a_fresh_process(
        {"RUBYSOUND_VAR_DIR": str(tmp_path), "EMAIL_URL": "smtp://u:secret@mx.example.org?tls"}
    )
    # The URL, password and all, is not kept as a setting of its own.
    assert out == f"{SMTP_BACKEND}  mx.example.org False"
