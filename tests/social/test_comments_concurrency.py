"""Simultaneous requests on one comment thread (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from rubysound.social.models import Comment, CommentLike, Notification
from tests.factories import CommentFactory, UserFactory, favorites_of

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def run_together(*requests) -> list:
    """Runs each request in its own thread (own DB connection), released at once."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(index, request):
        try:
            barrier.wait(timeout=10)
            results[index] = request()
        except Exception as exc:  # reported by the assertion below, not lost in a thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_simultaneous_likes_make_one_like_and_both_succeed():
    owner, ann, bob = UserFactory(), UserFactory(), UserFactory()
    comment = CommentFactory(playlist=favorites_of(owner), author=ann)
    url = f"/api/playlists/public/{owner.username}/comments/{comment.pk}/like/"
    for _ in range(3):  # a few rounds: the race must not depend on luck
        CommentLike.objects.all().delete()
        Notification.objects.all().delete()
        clients = [client_for(bob), client_for(bob)]
        responses = run_together(*(lambda c=c: c.post(url) for c in clients))
        for response in responses:
            assert not isinstance(response, Exception), response
            assert response.status_code == 200, response.content
            assert response.json() == {
                "comment_id": comment.pk,
                "likes_count": 1,
                "liked_by_me": True,
            }
        assert CommentLike.objects.filter(comment=comment, user=bob).count() == 1
        assert Notification.objects.filter(recipient=ann, type="comment_like").count() == 1


def test_a_reply_racing_the_deletion_of_its_root_never_fails_the_server():
    owner, ann, bob = UserFactory(), UserFactory(), UserFactory()
    playlist = favorites_of(owner)
    base = f"/api/playlists/public/{owner.username}/comments/"
    for _ in range(3):
        root = CommentFactory(playlist=playlist, author=ann)
        reply, deletion = run_together(
            lambda r=root: client_for(bob).post(base, {"text": "hi", "parent_id": r.pk}),
            lambda r=root: client_for(ann).delete(f"{base}{r.pk}/"),
        )
        assert deletion.status_code == 200, deletion.content
        if reply.status_code == 201:  # the reply came first: the root is a tombstone
            assert Comment.objects.get(pk=root.pk).deleted_at is not None
        else:  # the deletion came first: there is nothing left to reply to
            assert reply.status_code == 400, reply.content
            assert not Comment.objects.filter(pk=root.pk).exists()


def test_a_like_racing_the_deletion_of_the_comment_never_fails_the_server():
    owner, ann, bob = UserFactory(), UserFactory(), UserFactory()
    playlist = favorites_of(owner)
    base = f"/api/playlists/public/{owner.username}/comments/"
    for _ in range(3):
        comment = CommentFactory(playlist=playlist, author=ann)
        like, deletion = run_together(
            lambda c=comment: client_for(bob).post(f"{base}{c.pk}/like/"),
            lambda c=comment: client_for(ann).delete(f"{base}{c.pk}/"),
        )
        assert deletion.status_code == 200, deletion.content
        assert like.status_code in (200, 404), like.content
        assert not Comment.objects.filter(pk=comment.pk).exists()
        assert not CommentLike.objects.filter(comment_id=comment.pk).exists()
