"""Two people in two browsers follow each other live on a public profile page (issue 5).

Each person is a browser context of their own; everything they do goes through the page's
buttons and forms, the real API and the real sockets of a uvicorn server.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD, CommentFactory, UserFactory, favorites_of

pytestmark = pytest.mark.django_db(transaction=True)

XSS = '<img src=x onerror="document.body.dataset.pwned = 1">'


def profile(username: str) -> str:
    return f"/u/{username}/"


def likes_count(page: Page):
    return page.locator("[data-likes-count]")


def like_button(page: Page):
    return page.locator("[data-like-button]")


def comments(page: Page):
    return page.locator("[data-comment-list] li.comment")


def comment_with_text(page: Page, text: str):
    return comments(page).filter(has=page.locator('[data-part="text"]', has_text=text))


def own_part(comment, name: str):
    """A part of this comment itself, not of its replies."""
    return comment.locator(f':scope > .comment-body [data-part="{name}"]')


def own_action(comment, name: str):
    return comment.locator(f':scope > .comment-body [data-action="{name}"]')


def wait_until_live(page: Page, socket: str = "comments") -> None:
    """The page's socket is open and (for comments) the list is loaded: nothing said after
    this can be missed."""
    root = page.locator("[data-public-profile]")
    expect(root).to_have_attribute(f"data-live-{socket}", "open")
    if socket == "comments":
        expect(page.locator("[data-live-status]")).to_have_text("Live")
        expect(root).to_have_attribute("data-comments-loaded", "true")


def post_comment(page: Page, text: str) -> None:
    page.get_by_label("Write a comment").fill(text)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_label("Write a comment")).to_have_value("")


def test_owner_sees_likes_arrive_and_leave_without_reloading(open_page, site_url):
    owner = UserFactory(username="alice")
    UserFactory(username="bob")
    owner_page = open_page(profile("alice"), as_user=owner)
    wait_until_live(owner_page, "notifications")
    expect(likes_count(owner_page)).to_have_text("0")
    expect(like_button(owner_page)).to_have_count(0)  # nobody likes their own playlist

    # Bob signs in through the real form and lands back on Alice's page.
    fan_page = open_page(f"/login/?next={profile('alice')}")
    fan_page.get_by_label("Username or email").fill("bob")
    fan_page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    fan_page.get_by_role("button", name="Sign in").click()
    expect(fan_page).to_have_url(f"{site_url}{profile('alice')}")
    expect(like_button(fan_page)).to_have_text("Like")

    like_button(fan_page).click()

    expect(like_button(fan_page)).to_have_attribute("aria-pressed", "true")
    expect(like_button(fan_page)).to_have_text("Liked")
    expect(likes_count(fan_page)).to_have_text("1")
    expect(likes_count(owner_page)).to_have_text("1")

    like_button(fan_page).click()

    expect(like_button(fan_page)).to_have_text("Like")
    expect(likes_count(fan_page)).to_have_text("0")
    expect(likes_count(owner_page)).to_have_text("0")

    # What the pages show is what the server stored.
    fan_page.reload()
    expect(like_button(fan_page)).to_have_attribute("aria-pressed", "false")
    expect(likes_count(fan_page)).to_have_text("0")


def test_comments_come_and_go_live_with_the_right_delete_buttons(open_page):
    owner = UserFactory(username="carol")
    author = UserFactory(username="dave")
    anonymous_page = open_page(profile("carol"))
    owner_page = open_page(profile("carol"), as_user=owner)
    author_page = open_page(profile("carol"), as_user=author)
    for page in (anonymous_page, owner_page, author_page):
        wait_until_live(page)
    expect(anonymous_page.get_by_role("link", name="Sign in to comment")).to_be_visible()

    post_comment(author_page, "Lovely picks, especially the second one")

    seen_by_anonymous = comment_with_text(anonymous_page, "Lovely picks")
    seen_by_owner = comment_with_text(owner_page, "Lovely picks")
    seen_by_author = comment_with_text(author_page, "Lovely picks")
    for comment in (seen_by_anonymous, seen_by_owner, seen_by_author):
        expect(comment).to_have_count(1)
        expect(own_part(comment, "author")).to_have_text("dave")
    expect(own_action(seen_by_anonymous, "delete")).to_be_hidden()
    expect(own_action(seen_by_anonymous, "reply")).to_be_hidden()
    expect(own_action(seen_by_owner, "delete")).to_be_visible()  # moderation
    expect(own_action(seen_by_author, "delete")).to_be_visible()

    own_action(seen_by_author, "delete").click()

    for page in (anonymous_page, owner_page, author_page):
        expect(comments(page)).to_have_count(0)
        expect(page.locator("[data-comments-state]")).to_have_text("No comments yet. Be the first!")


def test_replies_and_comment_likes_reach_the_other_viewers(open_page):
    owner = UserFactory(username="erin")
    fan = UserFactory(username="frank")
    anonymous_page = open_page(profile("erin"))
    owner_page = open_page(profile("erin"), as_user=owner)
    fan_page = open_page(profile("erin"), as_user=fan)
    for page in (anonymous_page, owner_page, fan_page):
        wait_until_live(page)
    post_comment(fan_page, "Where did you find track three?")

    # Erin answers in the thread and likes the question.
    question = comment_with_text(owner_page, "track three")
    own_action(question, "reply").click()
    reply_form = owner_page.locator(".reply-form")
    expect(reply_form).to_contain_text("Replying to frank")
    reply_form.get_by_label("Write a reply").fill("A record shop in Lisbon!")
    reply_form.get_by_role("button", name="Post reply").click()
    own_action(question, "like").click()
    expect(own_action(question, "like")).to_have_attribute("aria-pressed", "true")

    thread = comment_with_text(anonymous_page, "track three").first
    reply = thread.locator(".comment-replies > li.comment")
    expect(reply).to_have_count(1)
    expect(own_part(reply, "text")).to_have_text("A record shop in Lisbon!")
    expect(own_part(reply, "author")).to_have_text("erin")
    expect(own_part(thread, "likes-static-count")).to_have_text("1")
    # Frank sees the like count, but the like is Erin's, not his.
    asked = comment_with_text(fan_page, "track three").first
    expect(own_part(asked, "likes")).to_have_text("1")
    expect(own_action(asked, "like")).to_have_attribute("aria-pressed", "false")

    # A root with someone else's reply stays as a tombstone that keeps the thread.
    own_action(asked, "delete").click()

    tombstone = anonymous_page.locator("[data-comment-list] > li.comment")
    expect(tombstone).to_have_class(re.compile(r"\bis-deleted\b"))
    expect(own_part(tombstone, "text")).to_have_text("comment deleted")
    expect(own_part(tombstone.locator(".comment-replies > li.comment"), "text")).to_have_text(
        "A record shop in Lisbon!"
    )


def test_markup_in_a_comment_is_shown_as_text(open_page):
    owner = UserFactory(username="grace")
    writer = UserFactory(username="heidi")
    anonymous_page = open_page(profile("grace"))
    writer_page = open_page(profile("grace"), as_user=writer)
    for page in (anonymous_page, writer_page):
        wait_until_live(page)

    post_comment(writer_page, XSS)

    # Arrived live, drawn from the API's answer, and drawn from the list on a fresh load.
    reloaded_page = open_page(profile("grace"), as_user=owner)
    for page in (anonymous_page, writer_page, reloaded_page):
        text = own_part(comments(page).first, "text")
        expect(text).to_have_text(XSS)
        expect(page.locator("[data-comment-list] img[src='x']")).to_have_count(0)
        assert page.evaluate("document.body.dataset.pwned") is None


def test_a_page_that_lost_its_socket_reconnects_and_catches_up(open_page):
    owner = UserFactory(username="ivan")
    sockets = []

    def through_a_proxy(page: Page) -> None:
        # Playwright sits between the page and the server, so the test can cut the line.
        def connect(route):
            route.connect_to_server()
            sockets.append(route)

        page.route_web_socket(re.compile(r"/ws/comments/"), connect)

    page = open_page(profile("ivan"), prepare=through_a_proxy)
    wait_until_live(page)
    root = page.locator("[data-public-profile]")

    # Written straight into the database: no live event tells the page, as when it
    # happens while a page is disconnected.
    CommentFactory(playlist=favorites_of(owner), author=owner, text="Missed me?")
    expect(comments(page)).to_have_count(0)

    sockets[-1].close()

    expect(root).not_to_have_attribute("data-live-comments", "open")
    expect(root).to_have_attribute("data-live-comments", "open")
    expect(own_part(comments(page).first, "text")).to_have_text("Missed me?")
    assert len(sockets) == 2


def test_leaving_and_coming_back_by_boosted_links_keeps_one_live_page(open_page):
    owner = UserFactory(username="judy")
    visitor = UserFactory(username="karl")
    comment_sockets = []

    def watch_sockets(page: Page) -> None:
        page.on(
            "websocket",
            lambda ws: comment_sockets.append(ws) if "/ws/comments/" in ws.url else None,
        )

    page = open_page(profile("judy"), as_user=owner, prepare=watch_sockets)
    wait_until_live(page)
    writer_page = open_page(profile("judy"), as_user=visitor)
    wait_until_live(writer_page)

    # Away through the top bar (htmx swaps #main only)...
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.locator("[data-public-profile]")).to_have_count(0)
    # The page that left closed its socket (the component's cleanup).
    for socket in comment_sockets:
        if not socket.is_closed():
            socket.wait_for_event("close")
    assert len(comment_sockets) == 1

    # ... and back the same way: the profile, then the link to the public page.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="judy").click()
    page.get_by_role("link", name="See your public page").click()
    wait_until_live(page)
    assert len(comment_sockets) == 2
    post_comment(writer_page, "Hello again")
    expect(comments(page)).to_have_count(1)
    expect(own_part(comments(page).first, "text")).to_have_text("Hello again")

    # The browser's back button refetches the page and mounts it afresh too.
    page.go_back()
    expect(page.locator("[data-public-profile]")).to_have_count(0)
    page.go_forward()
    wait_until_live(page)
    expect(comments(page)).to_have_count(1)
    post_comment(writer_page, "Still here?")
    expect(comments(page)).to_have_count(2)
    assert sum(not socket.is_closed() for socket in comment_sockets) == 1
