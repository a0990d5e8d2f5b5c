"""Thin views of the playlist routes: the user's Favorites (API reference, section 1, with its
documented bodies) and playlists beyond them (section 2).

Someone else's private playlist answers 404 exactly like a missing one, so nobody learns it
exists; a public one may be read by anyone and changed only by its owner (403). Answers are
personal (``liked_by_me``, private playlists): never cached by anyone.
"""

from django.conf import settings
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog.types import Absolutizer
from rubysound.core.http.caching import private, revalidated
from rubysound.core.http.versioned import versioned_body
from rubysound.core.pagination import BoundedPageNumberPagination
from rubysound.core.serializers import ErrorSerializer

from ..errors import TrackAlreadyInPlaylist, TrackNotInPlaylist
from ..models import Playlist
from ..selectors import playlists as selectors
from ..selectors.access import access_playlist
from ..serializers import playlists as ps
from ..services import playlists as services
from ..versions import favorites_entry_key, favorites_version_keys

# GET /api/playlists/me/ and a public Favorites answer at most this many tracks
# (``tracks_truncated`` says when there are more); /api/playlists/<id>/tracks/ pages
# through all of them.
PLAYLIST_TRACKS_LIMIT = 1000

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


def _track_exists(exc: TrackAlreadyInPlaylist, playlist: Playlist, absolute) -> Response:
    body = {
        "detail": exc.message,
        "code": exc.code,
        "track": selectors.playlist_tracks([exc.item])[0].as_json(absolute),
        "title": playlist.title,
        "playlist_id": playlist.pk,
    }
    return Response(body, status=exc.status)


def _removal_data(request):
    """The DELETE's body, else its query string (some clients cannot send a body)."""
    return request.data if request.data else request.query_params


def _add(request, playlist: Playlist, data: dict) -> Response:
    absolute = Absolutizer(request)
    try:
        item = services.add_track(
            playlist, ps.TrackRefSerializer.track_ref(data), position=data.get("position")
        )
    except TrackAlreadyInPlaylist as exc:
        # Not an error body: the documented 409 carries the item already there, as a Track.
        return _track_exists(exc, playlist, absolute)
    track = selectors.playlist_tracks([item])[0].as_json(absolute)
    count = playlist.items.count()
    return Response(ps.track_change("Track added.", playlist, track, count), status=201)


def _remove(request, playlist: Playlist, data: dict) -> Response:
    item = services.remove_track(playlist, ps.TrackRefSerializer.track_ref(data))
    track = selectors.playlist_tracks([item])[0].as_json(Absolutizer(request))
    count = playlist.items.count()
    return Response(ps.track_change("Track removed.", playlist, track, count))


# --- /api/playlists/me/ (section 1) ---------------------------------------------------------


@private
@revalidated
class MyFavoritesView(APIView):
    """The signed-in user's Favorites."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_me_read",
        summary="My Favorites with their tracks",
        description=(
            f"At most {PLAYLIST_TRACKS_LIMIT} tracks (tracks_truncated says when there are "
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
        absolute = Absolutizer(request)
        user = request.user

        def render() -> bytes:
            playlist = selectors.favorites_with_counts(user)
            items = selectors.for_cards(selectors.filtered_items(playlist, filters))
            items = list(items[: PLAYLIST_TRACKS_LIMIT + 1])
            truncated = len(items) > PLAYLIST_TRACKS_LIMIT
            shown = selectors.playlist_tracks(items[:PLAYLIST_TRACKS_LIMIT])
            tracks = [track.as_json(absolute) for track in shown]
            return JSONRenderer().render(ps.favorites_data(user, playlist, tracks, truncated))

        # Apps poll this all day: kept rendered until one of the user's playlist writes
        # (or the catalog) changes it, so their next read shows it.
        stored = versioned_body(
            favorites_entry_key(user, filters, absolute.base),
            favorites_version_keys(user),
            render,
            settings.FAVORITES_CACHE_SECONDS,
        )
        return stored.as_response()

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
        return Response({"detail": "Title updated.", "title": playlist.title, "id": playlist.pk})


@private
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
            raise TrackNotInPlaylist
        return _remove(request, playlist, data)


# --- /api/playlists/ (section 2) ---------------------------------------------------------------


@private
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
        return self.get_paginated_response(data)

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_create",
        summary="Create a playlist, empty or with tracks",
        request=ps.PlaylistCreateSerializer,
        responses={201: ps.PlaylistSerializer, 400: ErrorSerializer, **AUTH_ERRORS},
    )
    def post(self, request):
        data = ps.validated(ps.PlaylistCreateSerializer(data=request.data))
        playlist, _added = services.create_playlist_with_tracks(
            request.user,
            title=data["title"],
            description=data.get("description", ""),
            visibility=data.get("visibility", Playlist.Visibility.PRIVATE),
            track_ids=data.get("track_ids", []),
        )
        playlist = selectors.playlist_with_counts(playlist, request.user)
        return Response(ps.playlist_data(playlist, Absolutizer(request)), status=201)


@private
class PlaylistDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_read",
        summary="A playlist (yours, or a public one)",
        responses={200: ps.PlaylistSerializer, 404: ErrorSerializer},
    )
    def get(self, request, pk: int):
        playlist = access_playlist(request.user, pk)
        return Response(ps.playlist_data(playlist, Absolutizer(request)))

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
        playlist = access_playlist(request.user, pk, for_write=True)
        data = ps.validated(ps.PlaylistSerializer(data=request.data, partial=partial))
        services.update_playlist(
            playlist,
            title=data.get("title"),
            description=data.get("description"),
            visibility=data.get("visibility"),
        )
        playlist = selectors.playlist_with_counts(playlist, request.user)
        return Response(ps.playlist_data(playlist, Absolutizer(request)))

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_delete",
        summary="Delete a playlist (not Favorites)",
        request=None,
        responses={200: ps.PlaylistDeletedSerializer, **WRITE_ERRORS},
    )
    def delete(self, request, pk: int):
        services.delete_playlist(access_playlist(request.user, pk, for_write=True))
        return Response({"detail": "Playlist deleted."})


@private
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
        playlist = access_playlist(request.user, pk)
        filters = ps.ItemFiltersSerializer.item_filters(
            ps.validated(ps.ItemFiltersSerializer(data=request.query_params))
        )
        page = self.paginate_queryset(
            selectors.for_cards(selectors.filtered_items(playlist, filters))
        )
        absolute = Absolutizer(request)
        tracks = [track.as_json(absolute) for track in selectors.playlist_tracks(page)]
        return self.get_paginated_response(tracks)

    @extend_schema(
        tags=TAGS,
        operation_id="playlists_tracks_add",
        summary="Add a track (at the end, or at a position), or many (track_ids, at the end)",
        request=PolymorphicProxySerializer(
            component_name="PlaylistTracksAddRequest",
            serializers=[ps.PlaylistTrackAddSerializer, ps.PlaylistTracksAddSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="PlaylistTracksAddResult",
                serializers=[ps.TrackChangeSerializer, ps.TracksAddedSerializer],
                resource_type_field_name=None,
            ),
            409: ps.TrackExistsSerializer,
            **WRITE_ERRORS,
        },
    )
    def post(self, request, pk: int):
        playlist = access_playlist(request.user, pk, for_write=True)
        if isinstance(request.data, dict) and "track_ids" in request.data:
            data = ps.validated(ps.PlaylistTracksAddSerializer(data=request.data))
            result = services.add_tracks(playlist, data["track_ids"])
            return Response(ps.tracks_added(playlist, result), status=201)
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
        playlist = access_playlist(request.user, pk, for_write=True)
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
        playlist = access_playlist(request.user, pk, for_write=True)
        data = ps.validated(ps.TrackMoveSerializer(data=request.data))
        if "track_ids" in data:
            services.reorder_tracks(playlist, data["track_ids"])
            moved = {"detail": "Playlist reordered.", "track_id": None, "position": None}
        else:
            item = services.move_track(
                playlist, track_id=data["track_id"], position=data["position"]
            )
            moved = {"detail": "Track moved.", "track_id": item.track_id, "position": item.position}
        body = {
            **moved,
            "title": playlist.title,
            "playlist_id": playlist.pk,
            "tracks_count": playlist.items.count(),
        }
        return Response(body)


urlpatterns = [
    path("playlists/", PlaylistListView.as_view(), name="playlists"),
    path("playlists/me/", MyFavoritesView.as_view(), name="playlists-me"),
    path("playlists/me/tracks/", MyFavoritesTracksView.as_view(), name="playlists-me-tracks"),
    path("playlists/<int:pk>/", PlaylistDetailView.as_view(), name="playlist"),
    path("playlists/<int:pk>/tracks/", PlaylistTracksView.as_view(), name="playlist-tracks"),
]
