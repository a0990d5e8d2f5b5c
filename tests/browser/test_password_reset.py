"""A forgotten password, as a person resets it: the link on the sign-in page, the email the
server writes as a file (EMAIL_URL=file://...), the link in it, a new password, signing in.

Runs on a server of its own, so its mail goes to this test's folder.
"""

import re
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.conftest import TEST_PASSWORD_HASHERS, record_errors
from tests.factories import UserFactory
from tests.servers import serve

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "violet-harbour-lantern-42"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


def _written_emails(folder: Path) -> list:
    return [
        message_from_bytes(path.read_bytes(), policy=default_policy)
        for path in sorted(folder.glob("*.log"))
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_reset_a_forgotten_password_through_the_written_email(browser, tmp_path, viewport):
    user = UserFactory(username="Noor", email="noor@example.com")
    mail_dir = tmp_path / "mail"
    errors: list[str] = []
    with (
        override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS),
        serve(env={"EMAIL_URL": mail_dir.as_uri(), "THROTTLE_ENABLED": "false"}) as site,
    ):
        context = browser.new_context(base_url=site, viewport=VIEWPORTS[viewport])
        try:
            page = context.new_page()
            record_errors(page, errors, lambda: page.url)
            page.goto("/login/")
            page.get_by_role("link", name="Forgot password?").click()
            expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
            page.get_by_label("Email").fill("NOOR@example.com")
            page.get_by_role("button", name="Send the reset link").click()
            expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

            emails = _written_emails(mail_dir)
            assert len(emails) == 1, list(mail_dir.iterdir())
            email = emails[0]
            assert email["To"] == "noor@example.com"
            assert email["Subject"] == "Reset your RubySound password"
            body = email.get_body(preferencelist=("plain",)).get_content()
            link = re.search(r"https?://\S+/password-reset/\S+/", body)
            assert link, body
            assert link.group(0).startswith(site)

            page.goto(link.group(0))
            expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
            page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
            page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Set the new password").click()
            expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

            page.get_by_role("main").get_by_role("link", name="Sign in").click()
            page.get_by_label("Username or email").fill("noor")
            page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
            page.get_by_role("main").get_by_role("button", name="Sign in").click()
            expect(page.locator(".nav-user")).to_contain_text("Noor")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0
        finally:
            context.close()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not errors, errors
