"""Public playlists: trending Favorites, one user's public Favorites, likes and likers.

Section-1 routes keep their documented bodies (``{"detail": "Public playlist not found."}``
among them). Trending carries nothing personal and is shared by the edge cache for 30 s;
a single playlist says whether the viewer likes it, so it is never stored by shared caches.
"""

import re

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog.types import Absolutizer
from rubysound.core.exceptions import error_body
from rubysound.core.http.caching import private, public
from rubysound.core.pagination import BoundedPageNumberPagination
from rubysound.core.serializers import ErrorSerializer

from ..models import Playlist
from ..selectors import public as selectors
from ..selectors.playlists import for_cards, playlist_items, playlist_tracks
from ..serializers import public as shapes
from ..services.likes import like_playlist, unlike_playlist
from . import playlists as playlists_api

TRENDING_MAX_AGE = 30
PUBLIC_PLAYLIST_NOT_FOUND = "Public playlist not found."
PLAYLIST_NOT_FOUND = "Playlist not found."
TRENDING_LIMIT_ERROR = f"Limit must be 1-{selectors.TRENDING_MAX_LIMIT}."
_LIMIT = re.compile(r"^[+-]?[0-9]{1,6}$")

TAGS = ["public playlists"]
USERNAME_PARAM = OpenApiParameter(
    "username", OpenApiTypes.STR, OpenApiParameter.PATH, description="Any letter case."
)
PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="From 1; out of range: 404"),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        description=f"Default {BoundedPageNumberPagination.page_size}, "
        f"at most {BoundedPageNumberPagination.max_page_size}.",
    ),
]


def _trending_limit(raw: str | None) -> int | None:
    """The ``limit`` parameter in 1..30 (8 when absent), else None."""
    if raw is None or raw.strip() == "":
        return selectors.TRENDING_DEFAULT_LIMIT
    raw = raw.strip()
    if not _LIMIT.match(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= selectors.TRENDING_MAX_LIMIT else None


class TrendingPublicPlaylistsView(APIView):
    """Public Favorites of active users, most liked first, then most recently updated."""

    # Nothing personal here: a stale token sent along must not turn it into a 401.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="public_playlists_trending",
        summary="Trending public Favorites: most liked, then most recently updated",
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT, description="1..30, default 8")],
        responses={200: shapes.TrendingPlaylistsSerializer, 400: ErrorSerializer},
    )
    @public(max_age=TRENDING_MAX_AGE)
    def get(self, request):
        limit = _trending_limit(request.query_params.get("limit"))
        if limit is None:
            return Response(
                error_body(TRENDING_LIMIT_ERROR, "invalid", {"limit": [TRENDING_LIMIT_ERROR]}),
                status=status.HTTP_400_BAD_REQUEST,
            )
        absolute = Absolutizer(request)
        results = [
            shapes.trending_item(playlist, absolute)
            for playlist in selectors.trending_public_favorites(limit)
        ]
        return Response({"results": results, "meta": {"count": len(results), "limit": limit}})


# --- Finding the playlist of a URL ----------------------------------------------------------


class _ByUsername:
    """Routes under ``/api/playlists/public/<username>/``: that user's public Favorites."""

    def find_playlist(self, request, **kwargs) -> Playlist:
        playlist = selectors.public_favorites_of(kwargs["username"], viewer=request.user)
        if playlist is None:
            raise NotFound(PUBLIC_PLAYLIST_NOT_FOUND)
        return playlist


class _ById:
    """Routes under ``/api/playlists/<id>/``: any public playlist."""

    def find_playlist(self, request, **kwargs) -> Playlist:
        playlist = selectors.public_playlist(kwargs["pk"], viewer=request.user)
        if playlist is None:
            raise NotFound(PLAYLIST_NOT_FOUND)
        return playlist


# Per-viewer (liked_by_me) and live: a reload must show the current counts.
@private
class PublicFavoritesView(_ByUsername, APIView):
    """A user's public Favorites with its tracks; ``liked_by_me`` is the viewer's."""

    @extend_schema(
        tags=TAGS,
        operation_id="public_playlists_read",
        summary="A user's public Favorites, with its tracks",
        description=(
            f"At most {playlists_api.PLAYLIST_TRACKS_LIMIT} tracks (tracks_truncated says when "
            "there are more; /api/playlists/<id>/tracks/ pages through all)."
        ),
        parameters=[USERNAME_PARAM],
        responses={
            200: shapes.PublicPlaylistSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request, username):
        playlist = self.find_playlist(request, username=username)
        absolute = Absolutizer(request)
        limit = playlists_api.PLAYLIST_TRACKS_LIMIT
        items = list(for_cards(playlist_items(playlist))[: limit + 1])
        tracks = [track.as_json(absolute) for track in playlist_tracks(items[:limit])]
        body = shapes.public_playlist_body(playlist, tracks, absolute, truncated=len(items) > limit)
        return Response(body)


# --- Likes ------------------------------------------------------------------------------------

LIKE_RESPONSES = {
    200: shapes.PlaylistLikeResultSerializer,
    400: ErrorSerializer,
    401: ErrorSerializer,
    404: ErrorSerializer,
}


@private
class _LikeView(APIView):
    """POST likes the playlist, DELETE unlikes it; both are idempotent."""

    permission_classes = [IsAuthenticated]

    def _answer(self, request, action, **kwargs) -> Response:
        playlist = self.find_playlist(request, **kwargs)
        outcome = action(request.user, playlist)
        body = shapes.like_result(playlist, liked=outcome.liked, likes_count=outcome.likes_count)
        return Response(body)


class PublicFavoritesLikeView(_ByUsername, _LikeView):
    """Likes of a user's public Favorites: POST likes, DELETE unlikes (both idempotent; no
    body needed). The owner cannot like their own playlist (400)."""

    @extend_schema(
        tags=TAGS,
        operation_id="public_playlists_like",
        summary="Like a user's public Favorites",
        parameters=[USERNAME_PARAM],
        request=OpenApiTypes.OBJECT,
        responses=LIKE_RESPONSES,
    )
    def post(self, request, username):
        return self._answer(request, like_playlist, username=username)

    @extend_schema(
        tags=TAGS,
        operation_id="public_playlists_unlike",
        summary="Take back a like of a user's public Favorites",
        parameters=[USERNAME_PARAM],
        responses=LIKE_RESPONSES,
    )
    def delete(self, request, username):
        return self._answer(request, unlike_playlist, username=username)


class PlaylistLikeView(_ById, _LikeView):
    """Likes of any public playlist: POST likes, DELETE unlikes (both idempotent; no body
    needed). The owner cannot like their own playlist (400); non-public ones are 404."""

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_like",
        summary="Like a public playlist",
        request=OpenApiTypes.OBJECT,
        responses=LIKE_RESPONSES,
    )
    def post(self, request, pk):
        return self._answer(request, like_playlist, pk=pk)

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_unlike",
        summary="Take back a like of a public playlist",
        responses=LIKE_RESPONSES,
    )
    def delete(self, request, pk):
        return self._answer(request, unlike_playlist, pk=pk)


# --- Likers -----------------------------------------------------------------------------------


@private
class _LikersView(GenericAPIView):
    permission_classes = [AllowAny]
    pagination_class = BoundedPageNumberPagination

    def _answer(self, request, **kwargs) -> Response:
        playlist = self.find_playlist(request, **kwargs)
        page = self.paginate_queryset(selectors.playlist_likers(playlist))
        absolute = Absolutizer(request)
        return self.get_paginated_response([shapes.liker_item(like, absolute) for like in page])


LIKERS_RESPONSES = {
    200: shapes.PlaylistLikersPageSerializer,
    401: ErrorSerializer,
    404: ErrorSerializer,
}


class PublicFavoritesLikersView(_ByUsername, _LikersView):
    """Who liked a user's public Favorites, newest like first."""

    @extend_schema(
        tags=TAGS,
        operation_id="public_playlists_likers",
        summary="Who liked a user's public Favorites, newest first",
        parameters=[USERNAME_PARAM, *PAGE_PARAMS],
        responses=LIKERS_RESPONSES,
    )
    def get(self, request, username):
        return self._answer(request, username=username)


class PlaylistLikersView(_ById, _LikersView):
    """Who liked a public playlist, newest like first."""

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_likers",
        summary="Who liked a public playlist, newest first",
        parameters=PAGE_PARAMS,
        responses=LIKERS_RESPONSES,
    )
    def get(self, request, pk):
        return self._answer(request, pk=pk)


urlpatterns = [
    # Before <username>/: "trending" is a route here, not a user's name.
    path(
        "playlists/public/trending/",
        TrendingPublicPlaylistsView.as_view(),
        name="public-playlists-trending",
    ),
    path(
        "playlists/public/<str:username>/",
        PublicFavoritesView.as_view(),
        name="public-playlist",
    ),
    path(
        "playlists/public/<str:username>/like/",
        PublicFavoritesLikeView.as_view(),
        name="public-playlist-like",
    ),
    path(
        "playlists/public/<str:username>/likes/",
        PublicFavoritesLikersView.as_view(),
        name="public-playlist-likers",
    ),
    path("playlists/<int:pk>/like/", PlaylistLikeView.as_view(), name="playlist-like"),
    path("playlists/<int:pk>/likes/", PlaylistLikersView.as_view(), name="playlist-likers"),
]
