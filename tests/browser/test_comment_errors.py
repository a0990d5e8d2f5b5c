"""What a commenter reads when the server refuses a comment (issue 15, "raw errors"): the
rate limit in words with its wait, not DRF's "Request was throttled. Expected available in
52 seconds."; an over-long comment names the limit, not "Invalid input."."""

import re
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.conftest import record_errors, sign_in
from tests.browser.test_public_profile_live import post_comment, profile, wait_until_live
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

COMMENT_RATE = 10  # THROTTLE_COMMENT_RATE's default, per minute, on the package's server


@pytest.fixture
def open_page(browser, site_url) -> Iterator[Callable[..., Page]]:
    """conftest's open_page, except that Chromium's own log line for the refusal each test
    provokes ("Failed to load resource: ... 429/400") is expected; any other error fails."""
    contexts, errors = [], []

    def _open(path: str, as_user) -> Page:
        context = browser.new_context(base_url=site_url)
        contexts.append(context)
        sign_in(context, as_user, site_url)
        page = context.new_page()
        record_errors(
            page, errors, path, ignore=lambda text: text.startswith("Failed to load resource")
        )
        page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, errors


def _post_directly(page: Page, username: str, text: str) -> int:
    """A comment posted with the page's own session and CSRF cookie, as its script does."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/api/playlists/public/{username}/comments/",
        data={"text": text},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    return response.status


def _form_error(page: Page):
    return page.locator("[data-form-error]")


def test_commenting_too_fast_says_so_with_the_wait(open_page):
    UserFactory(username="carmen")
    fan = UserFactory(username="dmitri")
    page = open_page(profile("carmen"), as_user=fan)
    wait_until_live(page)
    for n in range(COMMENT_RATE):
        assert _post_directly(page, "carmen", f"comment {n}") == 201

    page.get_by_label("Write a comment").fill("one more")
    page.get_by_role("button", name="Post comment").click()

    error = _form_error(page)
    expect(error).to_have_text(
        re.compile(r"^You're commenting too fast\. Try again in \d+ seconds?\.$")
    )
    expect(error).not_to_contain_text("throttled")
    # What was typed stays, to post once the wait is over.
    expect(page.get_by_label("Write a comment")).to_have_value("one more")


def test_the_rate_limit_message_is_russian_on_a_russian_page(open_page):
    UserFactory(username="carmen")
    fan = UserFactory(username="dmitri")
    page = open_page(profile("carmen"), as_user=fan)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": page.url}]
    )
    page.reload()
    root = page.locator("[data-public-profile]")
    expect(root).to_have_attribute("data-comments-loaded", "true")
    for n in range(COMMENT_RATE):
        assert _post_directly(page, "carmen", f"comment {n}") == 201
    page.locator("#comment-text").fill("ещё один")
    page.locator("#comment-text").press("Control+Enter")
    expect(_form_error(page)).to_have_text(
        re.compile(r"^Вы комментируете слишком часто\. Попробуйте снова через \d+ секунд\w*\.$")
    )


def test_an_over_long_comment_names_the_limit(open_page):
    UserFactory(username="carmen")
    fan = UserFactory(username="dmitri")
    page = open_page(profile("carmen"), as_user=fan)
    wait_until_live(page)
    box = page.get_by_label("Write a comment")
    # The box stops typing at 1,000 characters; a browser without that check (or a paste
    # through an extension) can still send more, and the server refuses it.
    box.evaluate("element => element.removeAttribute('maxlength')")
    box.fill("la " * 400)

    page.get_by_role("button", name="Post comment").click()

    expect(_form_error(page)).to_have_text(
        "A comment can be at most 1,000 characters long. Shorten it a little."
    )
    expect(_form_error(page)).not_to_contain_text("Invalid input")
    post_comment(page, "la " * 10)
