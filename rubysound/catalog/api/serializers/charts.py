"""Parameters and shapes of ``/api/charts/...``: the charts of our own listens."""

from rest_framework import serializers

from rubysound.catalog.listening import charts
from rubysound.catalog.types.card_shapes import (
    ChartArtistSerializer,
    ChartTrackSerializer,
    TrendingArtistSerializer,
    TrendingTrackSerializer,
)


class ChartQuerySerializer(serializers.Serializer):
    window = serializers.ChoiceField(choices=list(charts.WINDOWS), default="month")
    genre = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    limit = serializers.IntegerField(
        min_value=1, max_value=charts.MAX_LIMIT, default=charts.API_DEFAULT_LIMIT
    )


class TrendingQuerySerializer(ChartQuerySerializer):
    window = serializers.ChoiceField(choices=list(charts.TRENDING_WINDOWS), default="week")


class _ChartMetaFields(serializers.Serializer):
    kind = serializers.CharField()
    window = serializers.CharField()
    genre = serializers.CharField(help_text='The genre\'s slug; "" for all genres.')
    limit = serializers.IntegerField()
    count = serializers.IntegerField()
    cached = serializers.BooleanField()
    computed_at = serializers.DateTimeField()


class ArtistChartSerializer(_ChartMetaFields):
    results = ChartArtistSerializer(many=True)


class TrackChartSerializer(_ChartMetaFields):
    results = ChartTrackSerializer(many=True)


class TrendingArtistChartSerializer(_ChartMetaFields):
    results = TrendingArtistSerializer(many=True)


class TrendingTrackChartSerializer(_ChartMetaFields):
    results = TrendingTrackSerializer(many=True)
