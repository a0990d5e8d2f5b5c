"""``/music_api/trending/``, ``/music_api/year-chart/`` and ``/music_api/apple-chart/``.

Each answers a service's chart when that service is switched on and answers (Last.fm for
the first two, Apple for the third), else the library's own chart over the route's window;
``meta`` says whose chart it is and what each service did.
"""

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from rubysound.catalog import selectors
from rubysound.catalog.selectors import (
    LIBRARY,
    PROVIDER_CHART_WINDOW,
    ProviderChart,
    Sources,
    apple_chart,
    charts_enabled,
    top_tracks_chart,
    trending_artists,
)
from rubysound.catalog.types import Absolutizer, ArtistCard, TrackCard
from rubysound.compat.music import contract
from rubysound.compat.music.serializers import (
    AppleChartSerializer,
    TopArtistsSerializer,
    YearChartSerializer,
)

CHART_ROUTE_MAX_LIMIT = 75
APPLE_CHART_MAX_COUNT = 100
APPLE_CHART_TYPES = ("songs",)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")

TRENDING_WINDOW = "month"
YEAR_CHART_WINDOW = "year"
APPLE_CHART_WINDOW = "week"

GENRE_PARAM = OpenApiParameter(
    "genre", OpenApiTypes.STR, description='A genre name or slug; unknown genres give "[]".'
)


def _by_listeners(items: list[dict]) -> list[dict]:
    """Listeners, then plays, compared as numbers (the old API compared strings)."""
    return sorted(items, key=lambda item: (-item["listeners"], -item["playcount"]))


def _provider_meta(found: ProviderChart) -> dict:
    """What a chart route adds to its meta once a service took part: where the entries come
    from and what each service did (the library's chart when the service failed)."""
    sources = Sources()
    if found.entries is None:
        sources.note(LIBRARY, "ok")
    sources.merge(found.sources)
    return {"source": found.source, "sources": sources.as_meta()}


def _chart_items(request, kind: str, entries: list[dict]) -> list[dict]:
    """Chart entries (the library's or a service's) as the legacy routes show them, sorted
    numerically."""
    absolute = Absolutizer(request)
    card = ArtistCard if kind == selectors.TOP_ARTISTS else TrackCard
    return _by_listeners([card.from_entry(entry).as_json(absolute) for entry in entries])


def _ranked_chart(request, kind: str, *, window: str, limit: int, genre: str = ""):
    """The library's chart as the legacy routes show it, and the meta every chart route
    shares."""
    chart = selectors.get_chart(kind, window=window, genre=genre, limit=limit)
    items = _chart_items(request, kind, chart.entries)
    meta = {"cached": chart.cached, "count": len(items), "limit": limit, "window": chart.window}
    return items, meta


def _genre_chart(request, kind: str, *, default_limit: int, window: str, provider_chart):
    """A genre's chart (``?genre=``, all when empty): ``provider_chart``'s, the service's,
    when it is on and answers, else the library's over ``window``; what each service did
    in the meta either way."""
    limit = contract.bounded_int(
        request.query_params.get("limit"), default_limit, 1, CHART_ROUTE_MAX_LIMIT
    )
    if limit is None:
        return contract.error(f"Limit must be 1-{CHART_ROUTE_MAX_LIMIT}")
    genre = request.query_params.get("genre", "").strip()
    route, key = ("trending", "artists") if kind == selectors.TOP_ARTISTS else ("year", "tracks")
    found = None
    if charts_enabled(route):
        found = provider_chart(genre, limit)
        if found.entries is not None:
            items = _chart_items(request, kind, found.entries)
            meta = {
                "genre": genre,
                "cached": found.cached,
                "count": len(items),
                "limit": limit,
                "window": PROVIDER_CHART_WINDOW,
                **_provider_meta(found),
            }
            return Response({key: items, "meta": meta})
    items, meta = _ranked_chart(request, kind, window=window, limit=limit, genre=genre)
    if found is not None:
        meta.update(_provider_meta(found))
    return Response({key: items, "meta": {"genre": genre, **meta}})


class TrendingView(contract.PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_trending",
        summary="Top artists (by genre) over the last 30 days",
        parameters=[
            GENRE_PARAM,
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..75, default 16"),
        ],
        responses={200: TopArtistsSerializer, **contract.MUSIC_ERRORS},
    )
    def get(self, request):
        return _genre_chart(
            request,
            selectors.TOP_ARTISTS,
            default_limit=16,
            window=TRENDING_WINDOW,
            provider_chart=trending_artists,
        )


class YearChartView(contract.PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_year_chart",
        summary="Top tracks (by genre) over the last 365 days",
        parameters=[
            GENRE_PARAM,
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..75, default 15"),
        ],
        responses={200: YearChartSerializer, **contract.MUSIC_ERRORS},
    )
    def get(self, request):
        return _genre_chart(
            request,
            selectors.TOP_TRACKS,
            default_limit=15,
            window=YEAR_CHART_WINDOW,
            provider_chart=top_tracks_chart,
        )


class AppleChartView(contract.PublicMusicView):
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
        responses={200: AppleChartSerializer, **contract.MUSIC_ERRORS},
    )
    def get(self, request):
        params = request.query_params
        count = contract.bounded_int(params.get("count"), 50, 1, APPLE_CHART_MAX_COUNT)
        if count is None:
            return contract.error(f"Count must be 1-{APPLE_CHART_MAX_COUNT}")
        country = params.get("country", "us").strip() or "us"
        if not _COUNTRY.match(country):
            return contract.error("Country must be a 2-letter code")
        chart_type = params.get("type", "songs").strip().lower() or "songs"
        if chart_type not in APPLE_CHART_TYPES:
            return contract.error("Type must be songs")
        country = country.lower()
        found = None
        if charts_enabled("apple"):
            found = apple_chart(country, count)
            if found.entries is not None:
                absolute = Absolutizer(request)
                # Apple's order is its own ranking: kept as it is.
                tracks = [TrackCard.from_entry(entry).as_json(absolute) for entry in found.entries]
                meta = {
                    "country": country,
                    "type": chart_type,
                    "cached": found.cached,
                    "count": len(tracks),
                    "window": PROVIDER_CHART_WINDOW,
                    **_provider_meta(found),
                }
                return Response({"tracks": tracks, "meta": meta})
        tracks, meta = _ranked_chart(
            request, selectors.TOP_TRACKS, window=APPLE_CHART_WINDOW, limit=count
        )
        meta = {"source": "library", "country": country, "type": chart_type, **meta}
        if found is not None:
            meta.update(_provider_meta(found))
        return Response({"tracks": tracks, "meta": meta})
