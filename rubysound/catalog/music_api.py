"""Thin views: the music routes clients already speak, listens, and charts.

The /music_api/ routes keep the bodies of the API reference, section 1, including their
``{"error": ...}`` answers to bad parameters; every other error (an invalid page, an unknown
track) has the project's ``{detail, code}`` shape. Public answers carry nothing personal and
say ``Cache-Control: public, max-age=60``, so the edge cache answers repeated anonymous
requests without reaching Django. They ignore credentials altogether: a stale token sent to
a public chart must not turn it into a 401.
"""

import hashlib
import re

from django.core.cache import cache
from django.utils.cache import add_never_cache_headers, patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from rubysound.core.pagination import BoundedPageNumberPagination
from rubysound.core.serializers import ErrorSerializer

from . import catalog_version, charts, discovery, listens
from . import music_serializers as ms
from .models import Track
from .search import search_tracks
from .text import fold

PUBLIC_MAX_AGE = 60
SEARCH_CACHE_TTL = 60
SEARCH_PAGE_SIZE = 14
SEARCH_MAX_PAGE_SIZE = 30
MAX_QUERY_LENGTH = 200
# Page numbers are read as at most 9 digits: anything longer is out of range for any
# catalog, and would overflow an SQL OFFSET.
_PAGE_NUMBER = re.compile(r"^[0-9]{1,9}$")
ARTIST_SUGGESTIONS = 10
CHART_ROUTE_MAX_LIMIT = 75
APPLE_CHART_MAX_COUNT = 100
APPLE_CHART_TYPES = ("songs",)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")

TRENDING_WINDOW = "month"
YEAR_CHART_WINDOW = "year"
APPLE_CHART_WINDOW = "week"


def _public(response: Response) -> Response:
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


def _error(message: str) -> Response:
    """The documented error body of the /music_api/ routes."""
    return Response({"error": message}, status=400)


def _bounded_int(raw: str | None, default: int, low: int, high: int) -> int | None:
    """The parameter as an integer in low..high, the default when absent, else None."""
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,6}", raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _query(request) -> str:
    return request.query_params.get("q", "").strip()


def _query_error(query: str) -> Response | None:
    if not query:
        return _error("Query required")
    if len(query) > MAX_QUERY_LENGTH:
        return _error(f"Query too long (at most {MAX_QUERY_LENGTH} characters)")
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class PublicMusicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


MUSIC_ERRORS = {400: ms.MusicErrorSerializer}
LIMIT_PARAM = OpenApiParameter("limit", OpenApiTypes.INT, description="1..75")
GENRE_PARAM = OpenApiParameter(
    "genre", OpenApiTypes.STR, description='A genre name or slug; unknown genres give "[]".'
)


# --- /music_api/search/ ------------------------------------------------------------------------


def _page_size(request) -> int:
    """Like every paginated list here: an invalid size means the default, a big one the cap."""
    raw = request.query_params.get("page_size", "").strip()
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        return SEARCH_PAGE_SIZE
    return min(int(raw), SEARCH_MAX_PAGE_SIZE)


def _page_number(request) -> int:
    raw = request.query_params.get("page", "1").strip() or "1"
    if not _PAGE_NUMBER.match(raw) or int(raw) < 1:
        raise NotFound("Invalid page.")
    return int(raw)


class TrackSearchView(PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_search",
        summary="Search tracks",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True),
            OpenApiParameter("page", OpenApiTypes.INT, description="From 1; out of range: 404"),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description="Default 14; larger than 30 is served as 30.",
            ),
        ],
        responses={200: ms.TrackSearchSerializer, **MUSIC_ERRORS, 404: ErrorSerializer},
    )
    def get(self, request):
        query = _query(request)
        if (problem := _query_error(query)) is not None:
            return problem
        page_size = _page_size(request)
        page = _page_number(request)
        if discovery.search_enabled():
            merged = discovery.search_page(query, page=page, page_size=page_size)
            if merged is None:
                raise NotFound("Invalid page.")
            payload = {"count": merged.count, "results": merged.results}
            meta = {"cached": merged.cached, "sources": merged.sources.as_meta()}
        else:
            payload, cached = _library_search(query, page, page_size)
            meta = _library_meta(cached)
        absolute = ms.Absolutizer(request)
        url = request.build_absolute_uri()
        total = payload["count"]
        previous = None
        if page > 1:
            previous = (
                remove_query_param(url, "page")
                if page == 2
                else replace_query_param(url, "page", page - 1)
            )
        body = {
            "count": total,
            "next": (
                replace_query_param(url, "page", page + 1) if page * page_size < total else None
            ),
            "previous": previous,
            "results": [
                ms.track_object(summary, listeners, plays, absolute)
                for summary, listeners, plays in payload["results"]
            ],
            "meta": meta,
        }
        return _public(Response(body))


def _library_meta(cached: bool) -> dict:
    """The meta of an answer the library gave alone (no service is on), so that a client can
    always tell where results came from; whether it was stored is ``cached``'s to say."""
    return {"cached": cached, "sources": {discovery.LIBRARY: {"status": discovery.fanout.OK}}}


def _library_search(query: str, page: int, page_size: int) -> tuple[dict, bool]:
    """The library's own results (offline mode), cached per catalog version, query, page
    and page size; and whether they came from the cache."""
    key = f"music:search:v1:{catalog_version.current()}:{_digest(query)}:{page}:{page_size}"
    payload = cache.get(key)
    cached = payload is not None
    if payload is None:
        tracks, total = search_tracks(query, limit=page_size, offset=(page - 1) * page_size)
        if page > 1 and not tracks:
            raise NotFound("Invalid page.")
        stats = charts.track_stats(track.pk for track in tracks)
        payload = {
            "count": total,
            "results": [(charts.track_summary(track), *stats[track.pk]) for track in tracks],
        }
        cache.set(key, payload, SEARCH_CACHE_TTL)
    return payload, cached


class ArtistSearchView(PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_search_artists",
        summary="Artist autocomplete",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)],
        responses={200: ms.ArtistSearchSerializer, **MUSIC_ERRORS},
    )
    def get(self, request):
        query = _query(request)
        if (problem := _query_error(query)) is not None:
            return problem
        if discovery.suggestions_enabled():
            found = discovery.suggest_artists(query, limit=ARTIST_SUGGESTIONS)
            results, cached = found.results, found.cached
            meta = {"cached": cached, "sources": found.sources.as_meta()}
        else:
            results, cached = _library_artists(query)
            meta = _library_meta(cached)
        absolute = ms.Absolutizer(request)
        return _public(
            Response(
                {
                    "results": [
                        {
                            "name": item["name"],
                            "url": absolute(item["url"]),
                            "listeners": int(item["listeners"]),
                            "mbid": item["mbid"],
                            "id": item["id"],
                        }
                        for item in results
                    ],
                    "meta": meta,
                }
            )
        )


def _library_artists(query: str) -> tuple[list[dict], bool]:
    """Library artists for autocomplete (offline mode), cached per catalog version; and
    whether they were."""
    key = (
        f"music:artists:v1:{catalog_version.current()}:{_digest(fold(query))}:{ARTIST_SUGGESTIONS}"
    )
    results = cache.get(key)
    cached = results is not None
    if not cached:
        results = discovery.library_artist_suggestions(query, ARTIST_SUGGESTIONS)
        cache.set(key, results, SEARCH_CACHE_TTL)
    return results, cached


# --- /music_api/ charts -------------------------------------------------------------------------


def _by_listeners(items: list[dict]) -> list[dict]:
    """Listeners, then plays, compared as numbers (the old API compared strings)."""
    return sorted(items, key=lambda item: (-item["listeners"], -item["playcount"]))


def _provider_meta(found: discovery.ProviderChart) -> dict:
    """What a chart route adds to its meta once a service took part: where the entries come
    from and what each service did (the library's chart when the service failed)."""
    sources = discovery.Sources()
    if found.entries is None:
        sources.note(discovery.LIBRARY, "ok")
    sources.merge(found.sources)
    return {"source": found.source, "sources": sources.as_meta()}


def _chart_items(request, kind: str, entries: list[dict]) -> list[dict]:
    """Chart entries (the library's or a service's) as the legacy routes show them, sorted
    numerically."""
    absolute = ms.Absolutizer(request)
    to_item = ms.chart_artist if kind == charts.TOP_ARTISTS else ms.chart_track
    return _by_listeners([to_item(entry, absolute) for entry in entries])


def _ranked_chart(request, kind: str, *, window: str, limit: int, genre: str = ""):
    """The library's chart as the legacy routes show it, and the meta every chart route
    shares."""
    chart = charts.get_chart(kind, window=window, genre=genre, limit=limit)
    items = _chart_items(request, kind, chart.entries)
    meta = {"cached": chart.cached, "count": len(items), "limit": limit, "window": chart.window}
    return items, meta


def _genre_chart(request, kind: str, *, default_limit: int, window: str, provider_chart):
    """A genre's chart (``?genre=``, all when empty): ``provider_chart``'s, the service's,
    when it is on and answers, else the library's over ``window``; what each service did
    in the meta either way."""
    limit = _bounded_int(request.query_params.get("limit"), default_limit, 1, CHART_ROUTE_MAX_LIMIT)
    if limit is None:
        return _error(f"Limit must be 1-{CHART_ROUTE_MAX_LIMIT}")
    genre = request.query_params.get("genre", "").strip()
    route, key = ("trending", "artists") if kind == charts.TOP_ARTISTS else ("year", "tracks")
    found = None
    if discovery.charts_enabled(route):
        found = provider_chart(genre, limit)
        if found.entries is not None:
            items = _chart_items(request, kind, found.entries)
            meta = {
                "genre": genre,
                "cached": found.cached,
                "count": len(items),
                "limit": limit,
                "window": discovery.PROVIDER_CHART_WINDOW,
                **_provider_meta(found),
            }
            return _public(Response({key: items, "meta": meta}))
    items, meta = _ranked_chart(request, kind, window=window, limit=limit, genre=genre)
    if found is not None:
        meta.update(_provider_meta(found))
    return _public(Response({key: items, "meta": {"genre": genre, **meta}}))


class TrendingView(PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_trending",
        summary="Top artists (by genre) over the last 30 days",
        parameters=[
            GENRE_PARAM,
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..75, default 16"),
        ],
        responses={200: ms.TopArtistsSerializer, **MUSIC_ERRORS},
    )
    def get(self, request):
        return _genre_chart(
            request,
            charts.TOP_ARTISTS,
            default_limit=16,
            window=TRENDING_WINDOW,
            provider_chart=discovery.trending_artists,
        )


class YearChartView(PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_year_chart",
        summary="Top tracks (by genre) over the last 365 days",
        parameters=[
            GENRE_PARAM,
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..75, default 15"),
        ],
        responses={200: ms.YearChartSerializer, **MUSIC_ERRORS},
    )
    def get(self, request):
        return _genre_chart(
            request,
            charts.TOP_TRACKS,
            default_limit=15,
            window=YEAR_CHART_WINDOW,
            provider_chart=discovery.top_tracks_chart,
        )


class AppleChartView(PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_apple_chart",
        summary="Apple's most-played songs when switched on, else ours over the last 7 days",
        parameters=[
            OpenApiParameter(
                "country",
                OpenApiTypes.STR,
                description="Two letters, default us: Apple's storefront (our own chart is "
                "global).",
            ),
            OpenApiParameter("count", OpenApiTypes.INT, description="1..100, default 50"),
            OpenApiParameter("type", OpenApiTypes.STR, enum=list(APPLE_CHART_TYPES)),
        ],
        responses={200: ms.AppleChartSerializer, **MUSIC_ERRORS},
    )
    def get(self, request):
        params = request.query_params
        count = _bounded_int(params.get("count"), 50, 1, APPLE_CHART_MAX_COUNT)
        if count is None:
            return _error(f"Count must be 1-{APPLE_CHART_MAX_COUNT}")
        country = params.get("country", "us").strip() or "us"
        if not _COUNTRY.match(country):
            return _error("Country must be a 2-letter code")
        chart_type = params.get("type", "songs").strip().lower() or "songs"
        if chart_type not in APPLE_CHART_TYPES:
            return _error("Type must be songs")
        country = country.lower()
        found = None
        if discovery.charts_enabled("apple"):
            found = discovery.apple_chart(country, count)
            if found.entries is not None:
                absolute = ms.Absolutizer(request)
                # Apple's order is its own ranking: kept as it is.
                tracks = [ms.chart_track(entry, absolute) for entry in found.entries]
                meta = {
                    "country": country,
                    "type": chart_type,
                    "cached": found.cached,
                    "count": len(tracks),
                    "window": discovery.PROVIDER_CHART_WINDOW,
                    **_provider_meta(found),
                }
                return _public(Response({"tracks": tracks, "meta": meta}))
        tracks, meta = _ranked_chart(
            request, charts.TOP_TRACKS, window=APPLE_CHART_WINDOW, limit=count
        )
        meta = {"source": "library", "country": country, "type": chart_type, **meta}
        if found is not None:
            meta.update(_provider_meta(found))
        return _public(Response({"tracks": tracks, "meta": meta}))


# --- /api/charts/ --------------------------------------------------------------------------------


class _ChartView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    kind = ""
    query_serializer = ms.ChartQuerySerializer

    def get(self, request):
        query = self.query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        try:
            chart = charts.get_chart(
                self.kind, window=params["window"], genre=params["genre"], limit=params["limit"]
            )
        except ValueError as exc:  # pragma: no cover - the serializer already bounds these
            raise serializers.ValidationError(str(exc)) from None
        absolute = ms.Absolutizer(request)
        if self.kind in (charts.TOP_ARTISTS, charts.TRENDING_ARTISTS):
            results = [ms.chart_artist(entry, absolute) for entry in chart.entries]
        else:
            results = [ms.chart_track(entry, absolute) for entry in chart.entries]
        body = {
            "kind": chart.kind,
            "window": chart.window,
            "genre": chart.genre,
            "limit": chart.limit,
            "count": len(results),
            "cached": chart.cached,
            "computed_at": chart.computed_at,
            "results": results,
        }
        return _public(Response(body))


_CHART_PARAMS = [
    OpenApiParameter("genre", OpenApiTypes.STR, description="A genre name or slug"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="1..100, default 20"),
]
_CHART_ERRORS = {400: ErrorSerializer}


class TopArtistsChartView(_ChartView):
    kind = charts.TOP_ARTISTS

    @extend_schema(
        tags=["charts"],
        operation_id="charts_top_artists",
        summary="Top artists: distinct listeners, then plays",
        parameters=[
            OpenApiParameter("window", OpenApiTypes.STR, enum=list(charts.WINDOWS)),
            *_CHART_PARAMS,
        ],
        responses={200: ms.ArtistChartSerializer, **_CHART_ERRORS},
    )
    def get(self, request):
        return super().get(request)


class TopTracksChartView(_ChartView):
    kind = charts.TOP_TRACKS

    @extend_schema(
        tags=["charts"],
        operation_id="charts_top_tracks",
        summary="Top tracks: distinct listeners, then plays",
        parameters=[
            OpenApiParameter("window", OpenApiTypes.STR, enum=list(charts.WINDOWS)),
            *_CHART_PARAMS,
        ],
        responses={200: ms.TrackChartSerializer, **_CHART_ERRORS},
    )
    def get(self, request):
        return super().get(request)


_TRENDING_DESCRIPTION = (
    "Growth in people against the previous window of the same length, among entries with "
    f"at least {charts.TRENDING_MIN_LISTENERS} distinct listeners in the current one."
)


class TrendingArtistsChartView(_ChartView):
    kind = charts.TRENDING_ARTISTS
    query_serializer = ms.TrendingQuerySerializer

    @extend_schema(
        tags=["charts"],
        operation_id="charts_trending_artists",
        summary="Trending artists",
        description=_TRENDING_DESCRIPTION,
        parameters=[
            OpenApiParameter("window", OpenApiTypes.STR, enum=list(charts.TRENDING_WINDOWS)),
            *_CHART_PARAMS,
        ],
        responses={200: ms.TrendingArtistChartSerializer, **_CHART_ERRORS},
    )
    def get(self, request):
        return super().get(request)


class TrendingTracksChartView(_ChartView):
    kind = charts.TRENDING_TRACKS
    query_serializer = ms.TrendingQuerySerializer

    @extend_schema(
        tags=["charts"],
        operation_id="charts_trending_tracks",
        summary="Trending tracks",
        description=_TRENDING_DESCRIPTION,
        parameters=[
            OpenApiParameter("window", OpenApiTypes.STR, enum=list(charts.TRENDING_WINDOWS)),
            *_CHART_PARAMS,
        ],
        responses={200: ms.TrendingTrackChartSerializer, **_CHART_ERRORS},
    )
    def get(self, request):
        return super().get(request)


# --- /api/listens/ --------------------------------------------------------------------------------


def _private(response: Response) -> Response:
    add_never_cache_headers(response)
    return response


class ListensView(GenericAPIView):
    """The signed-in user's listens: the player reports plays, and reads its history."""

    permission_classes = [IsAuthenticated]
    pagination_class = BoundedPageNumberPagination
    serializer_class = ms.ListenHistoryItemSerializer

    def get_queryset(self):
        return charts.user_listens(self.request.user)

    @extend_schema(
        tags=["listens"],
        operation_id="listens_list",
        summary="My listens, newest first",
        responses={200: ms.ListenHistoryItemSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        context = {
            "request": request,
            "absolute": ms.Absolutizer(request),
            "track_stats": charts.track_stats(listen.track_id for listen in page),
        }
        data = ms.ListenHistoryItemSerializer(page, many=True, context=context).data
        return _private(self.get_paginated_response(data))

    @extend_schema(
        tags=["listens"],
        operation_id="listens_create",
        summary="Report a play",
        description=(
            "A play counts as a listen after half the track or 4 minutes, whichever comes "
            "first; a shorter one is answered 200 with counted=false. The same (track, "
            "listened_at) reported again is the same listen: 200 with created=false."
        ),
        request=ms.ListenCreateSerializer,
        responses={
            201: ms.ListenResultSerializer,
            200: ms.ListenResultSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request):
        serializer = ms.ListenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            track = Track.objects.only("id", "duration").get(pk=data["track_id"])
        except Track.DoesNotExist:
            raise NotFound("Track not found.") from None
        outcome = listens.record_listen(
            user=request.user,
            track=track,
            played_seconds=data["played_seconds"],
            listened_at=data.get("listened_at"),
        )
        status = 201 if outcome.created else 200
        return _private(Response(ms.listen_result(outcome), status=status))


class ListenStatsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["listens"],
        operation_id="listens_stats",
        summary="My listening statistics",
        parameters=[
            OpenApiParameter("window", OpenApiTypes.STR, enum=list(charts.WINDOWS)),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..50, default 10"),
        ],
        responses={200: ms.UserStatsSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request):
        query = ms.UserStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = charts.user_stats(
            request.user, window=query.validated_data["window"], limit=query.validated_data["limit"]
        )
        absolute = ms.Absolutizer(request)
        track_stats = charts.track_stats(item["track"]["id"] for item in stats["top_tracks"])
        body = {
            "window": stats["window"],
            "listens": stats["listens"],
            "top_artists": [
                {**artist, "url": absolute(artist["url"])} for artist in stats["top_artists"]
            ],
            "top_tracks": [
                {
                    "track": ms.track_object(
                        item["track"], *track_stats[item["track"]["id"]], absolute
                    ),
                    "plays": item["plays"],
                }
                for item in stats["top_tracks"]
            ],
        }
        return _private(Response(body))
