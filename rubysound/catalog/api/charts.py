"""``/api/charts/...``: the charts of our own listens, top and trending, by window and genre.

Public: the answers carry nothing personal and say ``Cache-Control: public, max-age=60``, so
the edge cache answers repeated requests without reaching Django. Credentials are ignored
altogether: a stale token sent to a public chart must not turn it into a 401.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog.api.serializers.charts import (
    ArtistChartSerializer,
    ChartQuerySerializer,
    TrackChartSerializer,
    TrendingArtistChartSerializer,
    TrendingQuerySerializer,
    TrendingTrackChartSerializer,
)
from rubysound.catalog.listening import charts
from rubysound.catalog.types import Absolutizer, ArtistCard, TrackCard
from rubysound.core.http.caching import public
from rubysound.core.serializers import ErrorSerializer


@public
class _ChartView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    kind = ""
    query_serializer = ChartQuerySerializer

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
        absolute = Absolutizer(request)
        card = (
            ArtistCard if self.kind in (charts.TOP_ARTISTS, charts.TRENDING_ARTISTS) else TrackCard
        )
        results = [card.from_entry(entry).as_json(absolute) for entry in chart.entries]
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
        return Response(body)


_CHART_PARAMS = [
    OpenApiParameter("genre", OpenApiTypes.STR, description="A genre name or slug"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="1..100, default 20"),
]
_CHART_ERRORS = {400: ErrorSerializer}


def _chart_schema(operation_id: str, summary: str, windows, response, description=None):
    """The schema of a chart view's GET (its one operation)."""
    return extend_schema_view(
        get=extend_schema(
            tags=["charts"],
            operation_id=operation_id,
            summary=summary,
            description=description,
            parameters=[
                OpenApiParameter("window", OpenApiTypes.STR, enum=list(windows)),
                *_CHART_PARAMS,
            ],
            responses={200: response, **_CHART_ERRORS},
        )
    )


_TRENDING_DESCRIPTION = (
    "Growth in people against the previous window of the same length, among entries with "
    f"at least {charts.TRENDING_MIN_LISTENERS} distinct listeners in the current one."
)


@_chart_schema(
    "charts_top_artists",
    "Top artists: distinct listeners, then plays",
    charts.WINDOWS,
    ArtistChartSerializer,
)
class TopArtistsChartView(_ChartView):
    kind = charts.TOP_ARTISTS


@_chart_schema(
    "charts_top_tracks",
    "Top tracks: distinct listeners, then plays",
    charts.WINDOWS,
    TrackChartSerializer,
)
class TopTracksChartView(_ChartView):
    kind = charts.TOP_TRACKS


@_chart_schema(
    "charts_trending_artists",
    "Trending artists",
    charts.TRENDING_WINDOWS,
    TrendingArtistChartSerializer,
    _TRENDING_DESCRIPTION,
)
class TrendingArtistsChartView(_ChartView):
    kind = charts.TRENDING_ARTISTS
    query_serializer = TrendingQuerySerializer


@_chart_schema(
    "charts_trending_tracks",
    "Trending tracks",
    charts.TRENDING_WINDOWS,
    TrendingTrackChartSerializer,
    _TRENDING_DESCRIPTION,
)
class TrendingTracksChartView(_ChartView):
    kind = charts.TRENDING_TRACKS
    query_serializer = TrendingQuerySerializer
