"""Thin views of the playlist routes: the user's Favorites (API reference, section 1, with its
documented bodies) and playlists beyond them (section 2).

Someone else's private playlist answers 404 exactly like a missing one, so nobody learns it
exists; a public one may be read by anyone and changed only by its owner (403). Answers are
personal (``liked_by_me``, private playlists): never cached by anyone.
"""

from django.urls import path
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog.music_serializers import Absolutizer
from rubysound.core.exceptions import error_body
from rubysound.core.pagination import BoundedPageNumberPagination
from rubysound.core.serializers import ErrorSerializer

from ..models import Playlist
from ..selectors import playlists as selectors
from ..serializers import playlists as ps
from ..services import playlists as services

# GET /api/playlists/me/ answers at most this many tracks (``tracks_truncated`` says when
# there are more); /api/playlists/<id>/tracks/ pages through all of them.
FAVORITES_TRACKS_LIMIT = 1000

PLAYLIST_NOT_FOUND = "Playlist not found."
NOT_YOURS = "Only the owner can change this playlist."

TAGS = ["playlists"]
AUTH_ERRORS = {401: ErrorSerializer}
READ_ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}

_TRACK_QUERY = [
    OpenApiParameter("track_id", OpenApiTypes.INT, description="A catalog track id."),
    OpenApiParameter("name", OpenApiTypes.STR, description="Track title (with artist)."),
    OpenApiParameter("artist", OpenApiTypes.STR),
    OpenApiParameter("mbid", OpenApiTypes.STR, description="MusicBrainz recording id."),
]
_REMOVE_DESCRIPTION = (
    "The track goes in the JSON body ({track_id} or {name, artist, mbid?}), or, for clients "
    "that cannot send a body with DELETE, in the query string."
)


def _private(response: Response) -> Response:
    add_never_cache_headers(response)
    return response


def _refused(exc: services.PlaylistError) -> Response:
    status = 404 if exc.code == "not_found" else 400
    return _private(Response(error_body(exc.message, exc.code), status=status))


def _track_exists(exc: services.TrackAlreadyInPlaylist, playlist: Playlist, absolute) -> Response:
    body = {
        "detail": exc.message,
        "code": exc.code,
        "track": selectors.track_objects([exc.item], absolute)[0],
        "title": playlist.title,
        "playlist_id": playlist.pk,
    }
    return _private(Response(body, status=409))


def _removal_data(request):
    """The DELETE's body, else its query string (some clients cannot send a body)."""
    return request.data if request.data else request.query_params


def _add(request, playlist: Playlist, data: dict) -> Response:
    absolute = Absolutizer(request)
    try:
        item = services.add_track(
            playlist, ps.TrackRefSerializer.track_ref(data), position=data.get("position")
        )
    except services.TrackAlreadyInPlaylist as exc:
        return _track_exists(exc, playlist, absolute)
    except services.PlaylistError as exc:
        return _refused(exc)
    track = selectors.track_objects([item], absolute)[0]
    count = playlist.items.count()
    return _private(Response(ps.track_change("Track added.", playlist, track, count), status=201))


def _remove(request, playlist: Playlist, data: dict) -> Response:
    try:
        item = services.remove_track(playlist, ps.TrackRefSerializer.track_ref(data))
    except services.PlaylistError as exc:
        return _refused(exc)
    track = selectors.track_objects([item], Absolutizer(request))[0]
    count = playlist.items.count()
    return _private(Response(ps.track_change("Track removed.", playlist, track, count)))


# --- /api/playlists/me/ (section 1) ---------------------------------------------------------


class MyFavoritesView(APIView):
    """The signed-in user's Favorites."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_me_read",
        summary="My Favorites with their tracks",
        description=(
            f"At most {FAVORITES_TRACKS_LIMIT} tracks (tracks_truncated says when there are "
            "more; /api/playlists/<id>/tracks/ pages through all). An account without a "
            "Favorites playlist reads an empty one (id null)."
        ),
        parameters=[ps.ItemFiltersSerializer],
        responses={200: ps.FavoritesSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def get(self, request):
        filters = ps.ItemFiltersSerializer.item_filters(
            ps.validated(ps.ItemFiltersSerializer(data=request.query_params))
        )
        playlist = selectors.favorites_with_counts(request.user)
        items = list(selectors.filtered_items(playlist, filters)[: FAVORITES_TRACKS_LIMIT + 1])
        truncated = len(items) > FAVORITES_TRACKS_LIMIT
        tracks = selectors.track_objects(items[:FAVORITES_TRACKS_LIMIT], Absolutizer(request))
        return _private(Response(ps.favorites_data(request.user, playlist, tracks, truncated)))

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_me_rename",
        summary="Rename my Favorites",
        request=ps.FavoritesTitleSerializer,
        responses={200: ps.TitleUpdatedSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def patch(self, request):
        title = ps.validated(ps.FavoritesTitleSerializer(data=request.data))["title"]
        playlist = services.rename_favorites(request.user, title)
        return _private(
            Response({"detail": "Title updated.", "title": playlist.title, "id": playlist.pk})
        )


class MyFavoritesTracksView(APIView):
    """Adding tracks to, and removing them from, the signed-in user's Favorites."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_me_tracks_add",
        summary="Add a track to my Favorites",
        description=(
            "By catalog id, or by name and artist: the catalog's track of that name (a file "
            "of the library first), else a remote track is recorded. 409 when the same song "
            "is already there (same track, same MBID, or same name and artist once case, "
            "accents and spaces are ignored)."
        ),
        request=ps.TrackAddSerializer,
        responses={
            201: ps.TrackChangeSerializer,
            409: ps.TrackExistsSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            **AUTH_ERRORS,
        },
    )
    def post(self, request):
        data = ps.validated(ps.TrackAddSerializer(data=request.data))
        return _add(request, services.ensure_favorites(request.user), data)

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_me_tracks_remove",
        summary="Remove a track from my Favorites",
        description=_REMOVE_DESCRIPTION,
        parameters=_TRACK_QUERY,
        request=ps.TrackRefSerializer,
        responses={
            200: ps.TrackChangeSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            **AUTH_ERRORS,
        },
    )
    def delete(self, request):
        data = ps.validated(ps.TrackRefSerializer(data=_removal_data(request)))
        playlist = selectors.favorites_of(request.user)
        if playlist is None:  # nothing was ever added: nothing to remove (and nothing created)
            return _refused(services.TrackNotInPlaylist(services.TRACK_NOT_FOUND))
        return _remove(request, playlist, data)


# --- /api/playlists/ (section 2) ---------------------------------------------------------------


def _readable(request, pk: int) -> Playlist:
    playlist = selectors.visible_playlist(pk, request.user)
    if playlist is None:
        raise NotFound(PLAYLIST_NOT_FOUND)
    return playlist


def _writable(request, pk: int) -> Playlist:
    """The playlist when the user owns it; 404 when they may not even see it, else 403."""
    playlist = _readable(request, pk)
    if playlist.owner_id != request.user.pk:
        raise PermissionDenied(NOT_YOURS)
    return playlist


class PlaylistListView(GenericAPIView):
    """The signed-in user's playlists (Favorites first), and new ones."""

    permission_classes = [IsAuthenticated]
    pagination_class = BoundedPageNumberPagination
    serializer_class = ps.PlaylistSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_list",
        summary="My playlists",
        responses={200: ps.PlaylistSerializer(many=True), **AUTH_ERRORS, 404: ErrorSerializer},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.playlists_of(request.user))
        absolute = Absolutizer(request)
        data = [ps.playlist_data(playlist, absolute) for playlist in page]
        return _private(self.get_paginated_response(data))

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_create",
        summary="Create a playlist",
        request=ps.PlaylistSerializer,
        responses={201: ps.PlaylistSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def post(self, request):
        data = ps.validated(ps.PlaylistSerializer(data=request.data))
        playlist = services.create_playlist(
            request.user,
            title=data["title"],
            description=data.get("description", ""),
            visibility=data.get("visibility", Playlist.Visibility.PRIVATE),
        )
        playlist = selectors.playlist_with_counts(playlist, request.user)
        return _private(Response(ps.playlist_data(playlist, Absolutizer(request)), status=201))


class PlaylistDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_read",
        summary="A playlist (yours, or a public one)",
        responses={200: ps.PlaylistSerializer, 404: ErrorSerializer},
    )
    def get(self, request, pk: int):
        playlist = _readable(request, pk)
        return _private(Response(ps.playlist_data(playlist, Absolutizer(request))))

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_update",
        summary="Rename, describe or change who sees a playlist",
        request=ps.PlaylistSerializer,
        responses={200: ps.PlaylistSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_replace",
        summary="Replace a playlist's title, description and visibility",
        description="title is required; description and visibility are kept when absent.",
        request=ps.PlaylistSerializer,
        responses={200: ps.PlaylistSerializer, **WRITE_ERRORS},
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    def _update(self, request, pk: int, *, partial: bool):
        playlist = _writable(request, pk)
        data = ps.validated(ps.PlaylistSerializer(data=request.data, partial=partial))
        try:
            services.update_playlist(
                playlist,
                title=data.get("title"),
                description=data.get("description"),
                visibility=data.get("visibility"),
            )
        except services.PlaylistError as exc:
            return _refused(exc)
        playlist = selectors.playlist_with_counts(playlist, request.user)
        return _private(Response(ps.playlist_data(playlist, Absolutizer(request))))

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_delete",
        summary="Delete a playlist (not Favorites)",
        request=None,
        responses={200: ps.PlaylistDeletedSerializer, **WRITE_ERRORS},
    )
    def delete(self, request, pk: int):
        playlist = _writable(request, pk)
        try:
            services.delete_playlist(playlist)
        except services.PlaylistError as exc:
            return _refused(exc)
        return _private(Response({"detail": "Playlist deleted."}))


class PlaylistTracksView(GenericAPIView):
    """A playlist's tracks: read (paginated, filtered), add, remove, reorder."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = BoundedPageNumberPagination
    serializer_class = ps.PlaylistTrackSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_tracks_list",
        summary="A playlist's tracks",
        parameters=[ps.ItemFiltersSerializer],
        responses={200: ps.PlaylistTrackSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, pk: int):
        playlist = _readable(request, pk)
        filters = ps.ItemFiltersSerializer.item_filters(
            ps.validated(ps.ItemFiltersSerializer(data=request.query_params))
        )
        page = self.paginate_queryset(selectors.filtered_items(playlist, filters))
        tracks = selectors.track_objects(page, Absolutizer(request))
        return _private(self.get_paginated_response(tracks))

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_tracks_add",
        summary="Add a track (at the end, or at a position)",
        request=ps.PlaylistTrackAddSerializer,
        responses={201: ps.TrackChangeSerializer, 409: ps.TrackExistsSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        playlist = _writable(request, pk)
        return _add(
            request, playlist, ps.validated(ps.PlaylistTrackAddSerializer(data=request.data))
        )

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_tracks_remove",
        summary="Remove a track",
        description=_REMOVE_DESCRIPTION,
        parameters=_TRACK_QUERY,
        request=ps.PlaylistTrackRemoveSerializer,
        responses={200: ps.TrackChangeSerializer, **WRITE_ERRORS},
    )
    def delete(self, request, pk: int):
        playlist = _writable(request, pk)
        data = ps.validated(ps.PlaylistTrackRemoveSerializer(data=_removal_data(request)))
        return _remove(request, playlist, data)

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_tracks_reorder",
        summary="Move one track, or set the whole order",
        request=ps.TrackMoveSerializer,
        responses={200: ps.ReorderResultSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk: int):
        playlist = _writable(request, pk)
        data = ps.validated(ps.TrackMoveSerializer(data=request.data))
        try:
            if "track_ids" in data:
                services.reorder_tracks(playlist, data["track_ids"])
                moved = {"detail": "Playlist reordered.", "track_id": None, "position": None}
            else:
                item = services.move_track(
                    playlist, track_id=data["track_id"], position=data["position"]
                )
                moved = {
                    "detail": "Track moved.",
                    "track_id": item.track_id,
                    "position": item.position,
                }
        except services.PlaylistError as exc:
            return _refused(exc)
        body = {
            **moved,
            "title": playlist.title,
            "playlist_id": playlist.pk,
            "tracks_count": playlist.items.count(),
        }
        return _private(Response(body))


urlpatterns = [
    path("playlists/", PlaylistListView.as_view(), name="playlists"),
    path("playlists/me/", MyFavoritesView.as_view(), name="playlists-me"),
    path("playlists/me/tracks/", MyFavoritesTracksView.as_view(), name="playlists-me-tracks"),
    path("playlists/<int:pk>/", PlaylistDetailView.as_view(), name="playlist"),
    path("playlists/<int:pk>/tracks/", PlaylistTracksView.as_view(), name="playlist-tracks"),
]
