"""The admin's audio upload page in a browser: a batch larger than the site-wide request cap
goes through, because the page's script sends the CSRF token in the header the server
checks before it reads the body (rubysound.core.asgi)."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024


def answer_the_icon_guess(page) -> None:
    # The admin's pages name no icon, so the browser asks for /favicon.ico (a 404, logged
    # as a console error); not what this test is about.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))


def test_a_batch_past_the_request_cap_reaches_the_upload_view(open_page, settings, tmp_path):
    big = tmp_path / "big.mp3"
    big.write_bytes(b"\0" * (settings.MAX_REQUEST_BODY_BYTES + MIB))
    page = open_page(
        "/admin/catalog/track/upload/",
        as_user=UserFactory(is_staff=True, is_superuser=True),
        prepare=answer_the_icon_guess,
    )

    page.get_by_label("Files").set_input_files(big)
    with page.expect_navigation(url="**/admin/catalog/track/"):
        page.get_by_role("button", name="Upload and scan").click()

    # Read whole by the view, which judged the file (zeros are no MP3), not refused as too large.
    expect(page.locator(".messagelist")).to_contain_text("Refused big.mp3: not a valid MP3 file")
