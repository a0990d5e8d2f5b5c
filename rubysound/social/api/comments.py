"""Comments on a user's public Favorites: threads, deletion (moderation), likes.

Routes under ``/api/playlists/public/<username>/comments/``. The playlist is the user's
Favorites, found by username in any case; a missing or private one is 404
``{"detail": "Public playlist not found."}``.
"""

import math

from django.conf import settings
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.core.pagination import BoundedPageNumberPagination
from rubysound.core.serializers import ErrorSerializer
from rubysound.core.throttling import ScopedRateThrottle

from ..errors import CommentGone
from ..selectors import comments as selectors
from ..serializers import comments as cs
from ..services import comments as services
from ..services.playlists import ensure_favorites

PLAYLIST_NOT_FOUND = "Public playlist not found."

USERNAME_PARAM = OpenApiParameter(
    "username", OpenApiTypes.STR, OpenApiParameter.PATH, description="Any letter case"
)
COMMENT_PARAM = OpenApiParameter("comment_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class _CommentsView(APIView):
    def public_playlist(self, username: str):
        """(owner, Favorites or None); 404 when the user is missing or private."""
        owner, playlist = selectors.public_favorites(username)
        if owner is None:
            raise NotFound(PLAYLIST_NOT_FOUND)
        return owner, playlist

    def comment(self, username: str, comment_id: int):
        _, playlist = self.public_playlist(username)
        comment = selectors.comment_of(playlist, comment_id)
        if comment is None:
            raise CommentGone
        return playlist, comment


def _viewer_id(request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


class CommentThreadView(_CommentsView):
    """The comments of a public Favorites, and posting one."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_scope = "comments"

    def get_throttles(self):
        # The flood limit is on posting only; reading threads is not counted.
        throttles = super().get_throttles()
        if self.request.method == "POST" and settings.THROTTLE_ENABLED:
            throttles.append(ScopedRateThrottle())
        return throttles

    def throttled(self, request, wait):
        # DRF's sentence ("Request was throttled. Expected available in 52 seconds.") speaks
        # of requests; this one of what the person did. Retry-After still carries the wait.
        seconds = max(1, math.ceil(wait)) if wait is not None else None
        if seconds is None:
            detail = "You're commenting too fast. Wait a moment and try again."
        else:
            unit = "second" if seconds == 1 else "seconds"
            detail = f"You're commenting too fast. Try again in {seconds} {unit}."
        exc = Throttled(detail=detail)
        exc.wait = seconds
        raise exc

    @extend_schema(
        tags=["comments"],
        operation_id="playlist_comments_list",
        summary="Comments of a public playlist",
        description=(
            f"The latest {selectors.THREAD_ROOT_LIMIT} root comments, oldest first, each "
            "with all its replies, oldest first. `meta.count` counts all root comments, "
            "tombstones (deleted roots kept for their replies) included."
        ),
        parameters=[USERNAME_PARAM],
        responses={200: cs.CommentThreadSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, username: str):
        owner, playlist = self.public_playlist(username)
        bases, total = selectors.thread_objects(playlist)
        viewer_id = _viewer_id(request)
        liked_ids = selectors.liked_comment_ids(viewer_id, selectors.comment_ids(bases))
        results = [
            selectors.for_viewer(base, viewer_id=viewer_id, owner_id=owner.pk, liked_ids=liked_ids)
            for base in bases
        ]
        return Response({"results": results, "meta": {"count": total}})

    @extend_schema(
        tags=["comments"],
        operation_id="playlist_comments_create",
        summary="Comment on a public playlist, or reply to a comment",
        request=cs.CommentCreateSerializer,
        responses={
            201: cs.CommentSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request, username: str):
        owner, playlist = self.public_playlist(username)
        data = cs.CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if playlist is None:
            playlist = ensure_favorites(owner)
        comment = services.post_comment(
            author=request.user,
            playlist=playlist,
            text=data.validated_data["text"],
            parent_id=data.validated_data.get("parent_id"),
            reply_to_comment_id=data.validated_data.get("reply_to_comment_id"),
        )
        body = selectors.for_viewer(
            selectors.comment_base_object(comment, 0),
            viewer_id=request.user.pk,
            owner_id=owner.pk,
            liked_ids=set(),
        )
        return Response(body, status=201)


class CommentView(_CommentsView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["comments"],
        operation_id="playlist_comments_delete",
        summary="Delete a comment (its author, or the playlist's owner)",
        description=(
            "A root with replies by other people becomes a tombstone that keeps the "
            "thread; a root with no replies, or only its author's own, is deleted with "
            "them. Deleting the last reply under a tombstone deletes the tombstone too."
        ),
        parameters=[USERNAME_PARAM, COMMENT_PARAM],
        responses={
            200: cs.CommentDeletedSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def delete(self, request, username: str, comment_id: int):
        playlist, comment = self.comment(username, comment_id)
        services.delete_comment(user=request.user, playlist=playlist, comment=comment)
        return Response({"detail": "Comment deleted."})


class CommentLikeView(_CommentsView):
    permission_classes = [IsAuthenticated]

    def _state(self, comment, likes_count: int, liked: bool) -> Response:
        return Response(
            {"comment_id": comment.pk, "likes_count": likes_count, "liked_by_me": liked}
        )

    @extend_schema(
        tags=["comments"],
        operation_id="playlist_comments_like",
        summary="Like a comment (idempotent)",
        description="No request body is needed; any sent is ignored.",
        request=OpenApiTypes.OBJECT,
        parameters=[USERNAME_PARAM, COMMENT_PARAM],
        responses={
            200: cs.CommentLikeStateSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request, username: str, comment_id: int):
        playlist, comment = self.comment(username, comment_id)
        likes_count = services.like_comment(user=request.user, playlist=playlist, comment=comment)
        return self._state(comment, likes_count, True)

    @extend_schema(
        tags=["comments"],
        operation_id="playlist_comments_unlike",
        summary="Stop liking a comment (idempotent)",
        request=None,
        parameters=[USERNAME_PARAM, COMMENT_PARAM],
        responses={200: cs.CommentLikeStateSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def delete(self, request, username: str, comment_id: int):
        playlist, comment = self.comment(username, comment_id)
        likes_count = services.unlike_comment(user=request.user, playlist=playlist, comment=comment)
        return self._state(comment, likes_count, False)


class CommentLikersView(_CommentsView, GenericAPIView):
    permission_classes = [AllowAny]
    pagination_class = BoundedPageNumberPagination
    serializer_class = cs.CommentLikerSerializer

    @extend_schema(
        tags=["comments"],
        operation_id="playlist_comments_likers",
        summary="Who likes a comment, newest first",
        parameters=[USERNAME_PARAM, COMMENT_PARAM],
        responses={200: cs.CommentLikerSerializer(many=True), 404: ErrorSerializer},
    )
    def get(self, request, username: str, comment_id: int):
        _, comment = self.comment(username, comment_id)
        page = self.paginate_queryset(selectors.comment_likers(comment))
        return self.get_paginated_response(cs.CommentLikerSerializer(page, many=True).data)


_BASE = "playlists/public/<str:username>/comments/"

urlpatterns = [
    path(_BASE, CommentThreadView.as_view(), name="playlist-comments"),
    path(f"{_BASE}<int:comment_id>/", CommentView.as_view(), name="playlist-comment"),
    path(f"{_BASE}<int:comment_id>/like/", CommentLikeView.as_view(), name="playlist-comment-like"),
    path(
        f"{_BASE}<int:comment_id>/likes/",
        CommentLikersView.as_view(),
        name="playlist-comment-likers",
    ),
]
