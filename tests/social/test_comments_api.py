"""Comments on a public Favorites over HTTP: threads, posting, deleting, likes, notifications."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from rubysound.social.models import COMMENT_TOMBSTONE, Comment, CommentLike, Notification
from tests.factories import (
    CommentFactory,
    CommentLikeFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

AUTH_REQUIRED = {"detail": "Authentication required.", "code": "not_authenticated"}
NOT_FOUND = {"detail": "Public playlist not found.", "code": "not_found"}


def client_for(user=None) -> APIClient:
    """An API client signed in as ``user`` with a real access token (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def comments_url(owner_or_name) -> str:
    name = getattr(owner_or_name, "username", owner_or_name)
    return f"/api/playlists/public/{name}/comments/"


def comment_url(owner, comment, suffix="") -> str:
    comment_id = getattr(comment, "pk", comment)
    return f"{comments_url(owner)}{comment_id}/{suffix}"


@pytest.fixture
def owner():
    return UserFactory(username="Owner_One")


@pytest.fixture
def playlist(owner):
    return favorites_of(owner)


@pytest.fixture
def ann():
    return UserFactory(username="ann")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


def post(user, owner, **body):
    return client_for(user).post(comments_url(owner), body, format="json")


def thread(owner, viewer=None) -> dict:
    response = client_for(viewer).get(comments_url(owner))
    assert response.status_code == 200, response.content
    return response.json()


def notifications(recipient) -> list[tuple[str, int | None, int | None]]:
    return sorted(
        (n.type, n.actor_id, n.comment_id) for n in Notification.objects.filter(recipient=recipient)
    )


# --- Reading --------------------------------------------------------------------------


def test_a_missing_or_private_playlist_is_404_with_the_documented_body(owner, ann):
    assert client_for().get(comments_url("nobody-here")).json() == NOT_FOUND
    private = UserFactory(is_public_favorites=False)
    inactive = UserFactory(is_active=False)
    for user in (private, inactive):
        response = client_for(ann).get(comments_url(user))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    # The same for writes: nothing reveals that a private playlist exists.
    assert post(ann, private, text="hi").json() == NOT_FOUND


def test_username_is_matched_in_any_case(owner, playlist, ann):
    CommentFactory(playlist=playlist, author=ann, text="hello")
    body = thread("OWNER_one")
    assert [c["text"] for c in body["results"]] == ["hello"]


def test_the_thread_shows_roots_and_replies_oldest_first_with_every_field(
    owner, playlist, ann, bob
):
    first = CommentFactory(playlist=playlist, author=ann, text="first")
    second = CommentFactory(playlist=playlist, author=bob, text="second")
    reply_1 = CommentFactory(playlist=playlist, author=bob, parent=first, reply_to_user=ann)
    reply_2 = CommentFactory(playlist=playlist, author=owner, parent=first, reply_to_user=bob)
    CommentLikeFactory(comment=first, user=bob)
    CommentLikeFactory(comment=first, user=owner)

    body = thread(owner)

    assert body["meta"] == {"count": 2}
    assert [c["id"] for c in body["results"]] == [first.pk, second.pk]
    root = body["results"][0]
    assert root == {
        "id": first.pk,
        "text": "first",
        "author_id": ann.pk,
        "author_username": "ann",
        "author_display_name": "ann",
        "author_avatar_url": ann.avatar_url,
        "author_profile_url": "/u/ann/",
        "created_at": root["created_at"],
        "parent_id": None,
        "reply_to_user_id": None,
        "reply_to_username": None,
        "reply_to_display_name": None,
        "likes_count": 2,
        "liked_by_me": False,
        "can_delete": False,
        "is_deleted": False,
        "replies": root["replies"],
    }
    assert root["created_at"].endswith("Z")
    assert [r["id"] for r in root["replies"]] == [reply_1.pk, reply_2.pk]
    assert root["replies"][1] == {
        "id": reply_2.pk,
        "text": reply_2.text,
        "author_id": owner.pk,
        "author_username": "Owner_One",
        "author_display_name": "Owner_One",
        "author_avatar_url": owner.avatar_url,
        "author_profile_url": "/u/Owner_One/",
        "created_at": root["replies"][1]["created_at"],
        "parent_id": first.pk,
        "reply_to_user_id": bob.pk,
        "reply_to_username": "bob",
        "reply_to_display_name": "bob",
        "likes_count": 0,
        "liked_by_me": False,
        "can_delete": False,
        "is_deleted": False,
        "replies": [],
    }
    assert body["results"][1]["replies"] == []


def test_only_the_latest_50_roots_are_shown_oldest_first_and_count_says_how_many(
    owner, playlist, ann
):
    start = timezone.now() - timezone.timedelta(days=1)
    roots = [
        CommentFactory(
            playlist=playlist,
            author=ann,
            text=f"root {n}",
            created_at=start + timezone.timedelta(minutes=n),
        )
        for n in range(53)
    ]
    body = thread(owner)
    assert body["meta"] == {"count": 53}
    assert [c["id"] for c in body["results"]] == [c.pk for c in roots[3:]]


def test_can_delete_and_liked_by_me_are_the_viewers_own(owner, playlist, ann, bob):
    by_ann = CommentFactory(playlist=playlist, author=ann)
    by_bob = CommentFactory(playlist=playlist, author=bob)
    reply_by_bob = CommentFactory(playlist=playlist, author=bob, parent=by_ann)
    CommentLikeFactory(comment=by_bob, user=ann)
    CommentLikeFactory(comment=reply_by_bob, user=ann)

    def flags(viewer):
        results = thread(owner, viewer)["results"]
        objects = [results[0], results[0]["replies"][0], results[1]]
        return [(c["can_delete"], c["liked_by_me"]) for c in objects]

    # Order: ann's root, bob's reply under it, bob's root.
    assert flags(None) == [(False, False)] * 3
    assert flags(ann) == [(True, False), (False, True), (False, True)]
    assert flags(bob) == [(False, False), (True, False), (True, False)]
    # The owner moderates everything on their playlist.
    assert flags(owner) == [(True, False), (True, False), (True, False)]


def test_text_comes_back_exactly_as_typed_and_is_not_html_escaped(owner, ann):
    text = '  <script>alert("hi")</script> & <b>bold</b>\n\tend  '
    response = post(ann, owner, text=text)
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["text"] == text
    assert b"<script>alert" in response.content
    assert Comment.objects.get().text == text

    listed = client_for().get(comments_url(owner))
    assert listed["Content-Type"] == "application/json"
    assert b"<script>alert" in listed.content
    assert listed.json()["results"][0]["text"] == text


def test_a_public_owner_without_a_favorites_row_reads_empty_and_the_first_comment_creates_it(
    ann,
):
    owner = UserFactory(favorites=False)
    assert thread(owner) == {"results": [], "meta": {"count": 0}}
    assert not owner.playlists.exists()
    assert post(ann, owner, text="first!").status_code == 201
    assert [c["text"] for c in thread(owner)["results"]] == ["first!"]
    assert favorites_of(owner).comments.count() == 1


def _fill_thread(playlist, authors, roots: int, replies_per_root: int):
    for n in range(roots):
        root = CommentFactory(playlist=playlist, author=authors[n % len(authors)])
        for liker in authors:
            CommentLikeFactory(comment=root, user=liker)
        for m in range(replies_per_root):
            reply = CommentFactory(
                playlist=playlist,
                author=authors[m % len(authors)],
                parent=root,
                reply_to_user=root.author,
            )
            CommentLikeFactory(comment=reply, user=authors[(m + 1) % len(authors)])


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_reading_a_thread_costs_the_same_queries_whatever_its_size(
    owner, playlist, ann, bob, django_assert_max_num_queries
):
    viewer = client_for(ann)
    _fill_thread(playlist, [ann], roots=51, replies_per_root=0)
    # The first request signs the token's user in (a query, then cached with Redis).
    _queries_for(viewer, comments_url(owner))
    few = _queries_for(viewer, comments_url(owner))
    _fill_thread(playlist, [ann, bob, owner], roots=11, replies_per_root=4)
    many = _queries_for(viewer, comments_url(owner))
    assert few == many
    # The viewer (1), the playlist (1), roots, replies, the root count, the viewer's likes.
    with django_assert_max_num_queries(6):
        body = viewer.get(comments_url(owner)).json()
    assert len(body["results"]) == 50
    assert body["meta"]["count"] == 62
    assert all(len(root["replies"]) == 4 for root in body["results"][-10:])
    # Anonymous readers cost one query less (no user, no likes of theirs).
    with django_assert_max_num_queries(4):
        client_for().get(comments_url(owner))


# --- Posting ----------------------------------------------------------------------------


def test_posting_needs_a_signed_in_user(owner):
    response = client_for().post(comments_url(owner), {"text": "hi"}, format="json")
    assert response.status_code == 401
    assert response.json() == AUTH_REQUIRED
    assert not Comment.objects.exists()


def test_a_root_comment_is_created_and_returned_for_the_poster(owner, playlist, ann):
    response = post(ann, owner, text="Nice list")
    assert response.status_code == 201, response.content
    body = response.json()
    comment = Comment.objects.get()
    assert comment.playlist == playlist
    assert comment.author == ann
    assert body["id"] == comment.pk
    assert body["text"] == "Nice list"
    assert body["author_username"] == "ann"
    assert body["author_id"] == ann.pk
    assert body["parent_id"] is None
    assert body["reply_to_user_id"] is None
    assert body["likes_count"] == 0
    assert body["liked_by_me"] is False
    assert body["can_delete"] is True
    assert body["is_deleted"] is False
    assert body["replies"] == []
    assert thread(owner)["results"][0]["id"] == comment.pk


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "   \n\t "},
        {"text": "x" * 1001},
        {"text": None},
        {"text": "hi", "colour": "red"},
        {"text": "nul \x00 byte"},
        {"text": "hi", "parent_id": "abc"},
        {"text": "hi", "parent_id": 0},
        {"text": "hi", "parent_id": 2**70},
    ],
    ids=[
        "missing",
        "empty",
        "whitespace",
        "too-long",
        "null",
        "unknown-field",
        "nul-byte",
        "bad-parent",
        "zero-parent",
        "huge-parent",
    ],
)
def test_bad_input_is_400_in_the_error_shape(owner, ann, body):
    response = post(ann, owner, **body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]
    assert not Comment.objects.exists()


def test_text_of_exactly_1000_characters_is_accepted(owner, ann):
    assert post(ann, owner, text="é" * 1000).status_code == 201


def test_a_reply_to_a_root_answers_its_author(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann)
    response = post(bob, owner, text="agreed", parent_id=root.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent_id"] == root.pk
    assert body["reply_to_user_id"] == ann.pk
    assert body["reply_to_username"] == "ann"
    assert [r["id"] for r in thread(owner)["results"][0]["replies"]] == [body["id"]]


def test_replying_to_a_reply_goes_into_its_thread_and_answers_its_author(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=owner)
    bobs_reply = CommentFactory(playlist=playlist, author=bob, parent=root, reply_to_user=owner)
    # By the reply alone, or together with its root.
    for extra in ({}, {"parent_id": root.pk}):
        response = post(ann, owner, text="@bob yes", reply_to_comment_id=bobs_reply.pk, **extra)
        assert response.status_code == 201, response.content
        assert response.json()["parent_id"] == root.pk
        assert response.json()["reply_to_user_id"] == bob.pk
        assert response.json()["reply_to_username"] == "bob"
    # Naming a root as the comment replied to is a reply to that root.
    response = post(ann, owner, text="to the root", reply_to_comment_id=root.pk)
    assert response.json()["parent_id"] == root.pk
    assert response.json()["reply_to_user_id"] == owner.pk
    assert len(thread(owner)["results"][0]["replies"]) == 4


def test_replies_go_only_to_root_comments_of_the_same_playlist(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann)
    reply = CommentFactory(playlist=playlist, author=bob, parent=root)
    other_root = CommentFactory(playlist=playlist, author=bob)
    elsewhere = CommentFactory(playlist=favorites_of(bob), author=ann)
    refused = [
        ({"parent_id": reply.pk}, "parent_id"),  # a reply is not a root
        ({"parent_id": elsewhere.pk}, "parent_id"),  # another playlist's comment
        ({"parent_id": 10**9}, "parent_id"),
        ({"reply_to_comment_id": elsewhere.pk}, "reply_to_comment_id"),
        ({"parent_id": other_root.pk, "reply_to_comment_id": reply.pk}, "reply_to_comment_id"),
    ]
    before = Comment.objects.count()
    for body, field in refused:
        response = post(ann, owner, text="hi", **body)
        assert response.status_code == 400, body
        assert field in response.json()["fields"], body
    assert Comment.objects.count() == before


def test_a_tombstone_takes_no_new_replies(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann, deleted_at=timezone.now())
    reply = CommentFactory(playlist=playlist, author=bob, parent=root)
    for body in ({"parent_id": root.pk}, {"reply_to_comment_id": reply.pk}):
        response = post(owner, owner, text="hi", **body)
        assert response.status_code == 400, body
    assert root.replies.count() == 1


def test_posting_is_rate_limited_per_user_with_json_429(owner, ann, bob, settings, monkeypatch):
    settings.THROTTLE_ENABLED = True
    # DRF reads the rates once, onto the class: patch the class, not the setting.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "comments": "3/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    for n in range(3):
        assert post(ann, owner, text=f"spam {n}").status_code == 201
    response = post(ann, owner, text="one more")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "throttled"
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    # Said as what the person did, with the same wait as the header.
    assert response.json()["detail"] == (
        f"You're commenting too fast. Try again in {wait} second{'s' if wait != 1 else ''}."
    )
    assert Comment.objects.count() == 3
    # Reading is not counted, and other people still post.
    assert client_for(ann).get(comments_url(owner)).status_code == 200
    assert post(bob, owner, text="hello").status_code == 201


# --- Deleting ---------------------------------------------------------------------------


def delete(user, owner, comment):
    return client_for(user).delete(comment_url(owner, comment))


def test_deleting_needs_the_author_or_the_owner(owner, playlist, ann, bob):
    comment = CommentFactory(playlist=playlist, author=ann)
    response = delete(None, owner, comment)
    assert response.status_code == 401
    assert response.json() == AUTH_REQUIRED
    response = delete(bob, owner, comment)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Comment.objects.filter(pk=comment.pk).exists()

    response = delete(ann, owner, comment)
    assert response.status_code == 200
    assert response.json() == {"detail": "Comment deleted."}
    assert not Comment.objects.filter(pk=comment.pk).exists()

    moderated = CommentFactory(playlist=playlist, author=bob)
    assert delete(owner, owner, moderated).status_code == 200
    assert not Comment.objects.filter(pk=moderated.pk).exists()


def test_a_comment_is_found_only_under_its_own_playlist(owner, playlist, ann, bob):
    elsewhere = CommentFactory(playlist=favorites_of(bob), author=ann)
    for url in (
        comment_url(owner, elsewhere),
        comment_url(owner, 10**9),
        comment_url(owner, 2**70),
    ):
        response = client_for(ann).delete(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Comment not found.", "code": "not_found"}
    assert Comment.objects.filter(pk=elsewhere.pk).exists()


def test_a_root_with_other_peoples_replies_becomes_a_tombstone(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann, text="secret words")
    reply = CommentFactory(playlist=playlist, author=bob, parent=root, reply_to_user=ann)
    CommentLikeFactory(comment=root, user=bob)
    assert delete(ann, owner, root).status_code == 200

    root.refresh_from_db()
    assert root.deleted_at is not None
    assert root.text == "secret words"  # kept in the database, never shown
    shown = thread(owner, owner)["results"][0]
    assert shown["text"] == COMMENT_TOMBSTONE
    assert shown["is_deleted"] is True
    assert shown["author_id"] is None
    assert shown["author_username"] == ""
    assert shown["author_avatar_url"] == ""
    assert shown["author_profile_url"] == ""
    assert shown["can_delete"] is False  # not even for the owner
    assert [r["id"] for r in shown["replies"]] == [reply.pk]
    assert b"secret words" not in client_for().get(comments_url(owner)).content
    assert thread(owner)["meta"] == {"count": 1}
    # Already deleted: nothing left to delete.
    assert delete(ann, owner, root).status_code == 404


def test_a_root_with_no_replies_or_only_its_authors_own_is_deleted_with_them(owner, playlist, ann):
    alone = CommentFactory(playlist=playlist, author=ann)
    talking_to_self = CommentFactory(playlist=playlist, author=ann)
    own_reply = CommentFactory(playlist=playlist, author=ann, parent=talking_to_self)
    for comment in (alone, talking_to_self):
        assert delete(ann, owner, comment).status_code == 200
    assert not Comment.objects.filter(pk__in=[alone.pk, talking_to_self.pk, own_reply.pk]).exists()
    assert thread(owner)["results"] == []


def test_deleting_the_last_reply_of_a_tombstone_removes_the_tombstone(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann, deleted_at=timezone.now())
    first = CommentFactory(playlist=playlist, author=bob, parent=root)
    second = CommentFactory(playlist=playlist, author=owner, parent=root)
    assert delete(bob, owner, first).status_code == 200
    assert Comment.objects.filter(pk=root.pk).exists()  # one reply left
    assert delete(owner, owner, second).status_code == 200
    assert not Comment.objects.filter(pk=root.pk).exists()
    assert thread(owner) == {"results": [], "meta": {"count": 0}}


def test_a_reply_is_deleted_alone(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann)
    reply = CommentFactory(playlist=playlist, author=bob, parent=root)
    CommentLikeFactory(comment=reply, user=ann)
    assert delete(bob, owner, reply).status_code == 200
    assert not Comment.objects.filter(pk=reply.pk).exists()
    assert not CommentLike.objects.filter(comment_id=reply.pk).exists()
    assert thread(owner)["results"][0]["replies"] == []


# --- Notifications -----------------------------------------------------------------------


def test_a_comment_notifies_the_owner_but_not_for_their_own(owner, ann):
    posted = post(ann, owner, text="cool").json()
    post(owner, owner, text="thanks")
    assert notifications(owner) == [("playlist_comment", ann.pk, posted["id"])]
    assert notifications(ann) == []


def test_a_reply_notifies_the_root_author_and_the_owner(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann)
    reply = post(bob, owner, text="yes", parent_id=root.pk).json()
    assert notifications(ann) == [("comment_reply", bob.pk, reply["id"])]
    assert notifications(owner) == [("playlist_comment", bob.pk, reply["id"])]
    assert notifications(bob) == []


def test_the_owner_answered_in_a_reply_is_notified_once(owner, playlist, ann):
    root = CommentFactory(playlist=playlist, author=owner)
    reply = post(ann, owner, text="yes", parent_id=root.pk).json()
    assert notifications(owner) == [("comment_reply", ann.pk, reply["id"])]


def test_the_user_answered_is_notified_not_the_root_author(owner, playlist, ann, bob):
    carol = UserFactory()
    root = CommentFactory(playlist=playlist, author=ann)
    bobs = CommentFactory(playlist=playlist, author=bob, parent=root, reply_to_user=ann)
    reply = post(carol, owner, text="@bob", reply_to_comment_id=bobs.pk).json()
    assert notifications(bob) == [("comment_reply", carol.pk, reply["id"])]
    assert notifications(ann) == []
    assert notifications(owner) == [("playlist_comment", carol.pk, reply["id"])]


def test_answering_yourself_notifies_only_the_owner(owner, playlist, ann):
    root = CommentFactory(playlist=playlist, author=ann)
    reply = post(ann, owner, text="edit: typo", parent_id=root.pk).json()
    assert notifications(ann) == []
    assert notifications(owner) == [("playlist_comment", ann.pk, reply["id"])]


def test_deleting_a_comment_deletes_its_notifications_but_a_tombstone_keeps_them(
    owner, playlist, ann, bob
):
    root = post(ann, owner, text="root").json()
    reply = post(bob, owner, text="reply", parent_id=root["id"]).json()
    assert Notification.objects.filter(comment_id=root["id"]).count() == 1
    assert Notification.objects.filter(comment_id=reply["id"]).count() == 2

    assert delete(ann, owner, root["id"]).status_code == 200  # a tombstone: bob replied
    assert Notification.objects.filter(comment_id=root["id"]).count() == 1

    assert delete(bob, owner, reply["id"]).status_code == 200  # the tombstone goes too
    assert not Notification.objects.filter(comment_id__in=[root["id"], reply["id"]]).exists()


# --- Likes ------------------------------------------------------------------------------


def like(user, owner, comment):
    return client_for(user).post(comment_url(owner, comment, "like/"))


def unlike(user, owner, comment):
    return client_for(user).delete(comment_url(owner, comment, "like/"))


def test_liking_needs_a_signed_in_user(owner, playlist, ann):
    comment = CommentFactory(playlist=playlist, author=ann)
    for response in (like(None, owner, comment), unlike(None, owner, comment)):
        assert response.status_code == 401
        assert response.json() == AUTH_REQUIRED


def test_like_and_unlike_are_idempotent(owner, playlist, ann, bob):
    comment = CommentFactory(playlist=playlist, author=ann)
    for _ in range(2):
        response = like(bob, owner, comment)
        assert response.status_code == 200
        assert response.json() == {"comment_id": comment.pk, "likes_count": 1, "liked_by_me": True}
    assert CommentLike.objects.filter(comment=comment).count() == 1
    assert thread(owner, bob)["results"][0]["liked_by_me"] is True
    assert like(owner, owner, comment).json()["likes_count"] == 2

    for _ in range(2):
        response = unlike(bob, owner, comment)
        assert response.status_code == 200
        assert response.json() == {
            "comment_id": comment.pk,
            "likes_count": 1,
            "liked_by_me": False,
        }
    assert thread(owner, bob)["results"][0]["liked_by_me"] is False


def test_a_tombstone_cannot_be_liked(owner, playlist, ann, bob):
    root = CommentFactory(playlist=playlist, author=ann, deleted_at=timezone.now())
    CommentFactory(playlist=playlist, author=bob, parent=root)
    response = like(bob, owner, root)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not CommentLike.objects.exists()


def test_likes_of_a_missing_comment_or_playlist_are_404(owner, playlist, ann, bob):
    elsewhere = CommentFactory(playlist=favorites_of(bob), author=ann)
    assert like(ann, owner, elsewhere).status_code == 404
    assert unlike(ann, owner, 10**9).status_code == 404
    assert client_for().get(comment_url(owner, elsewhere, "likes/")).status_code == 404
    private = UserFactory(is_public_favorites=False)
    hidden = CommentFactory(playlist=favorites_of(private), author=ann)
    assert like(ann, private, hidden).json() == NOT_FOUND


def test_the_first_like_notifies_the_author_and_unlike_withdraws_it_if_unread(
    owner, playlist, ann, bob
):
    comment = CommentFactory(playlist=playlist, author=ann)
    like(bob, owner, comment)
    like(bob, owner, comment)
    assert notifications(ann) == [("comment_like", bob.pk, comment.pk)]
    unlike(bob, owner, comment)
    assert notifications(ann) == []
    # A notification already read stays: it is the author's history.
    like(bob, owner, comment)
    Notification.objects.filter(recipient=ann).update(read_at=timezone.now())
    unlike(bob, owner, comment)
    assert notifications(ann) == [("comment_like", bob.pk, comment.pk)]
    # Liking your own comment notifies nobody.
    like(ann, owner, comment)
    assert Notification.objects.filter(recipient=ann).count() == 1


def test_likers_are_listed_newest_first_and_paginated(
    owner, playlist, ann, django_assert_max_num_queries
):
    comment = CommentFactory(playlist=playlist, author=owner)
    start = timezone.now() - timezone.timedelta(hours=1)
    likers = [UserFactory() for _ in range(5)]
    for n, user in enumerate(likers):
        CommentLikeFactory(
            comment=comment, user=user, created_at=start + timezone.timedelta(minutes=n)
        )
    url = comment_url(owner, comment, "likes/")
    with django_assert_max_num_queries(4):
        response = client_for().get(url, {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert body["next"] is not None
    assert body["previous"] is None
    newest = likers[-1]
    assert body["results"][0] == {
        "username": newest.username,
        "display_name": newest.username,
        "avatar_url": newest.avatar_url,
        "profile_url": f"/u/{newest.username}/",
        "liked_at": body["results"][0]["liked_at"],
    }
    assert [r["username"] for r in body["results"]] == [likers[4].username, likers[3].username]
    last = client_for().get(url, {"page_size": 2, "page": 3}).json()
    assert [r["username"] for r in last["results"]] == [likers[0].username]
    assert client_for().get(url, {"page": 9}).status_code == 404
