"""Shapes of the music routes (/music_api/...).

The section-1 routes answer the catalog's cards as their ``as_json`` builds them
(``rubysound.catalog.types``; charts are cached as plain data, a DRF serializer pass over
every cached entry would only cost time). The serializer classes declare those shapes for
the OpenAPI document; the tests under tests/compat/music/ check the real responses' fields
and types. The track and artist cards inside them are declared once, with the catalog
API's (``catalog.types.card_shapes``).
"""

from rest_framework import serializers

from rubysound.catalog.types.card_shapes import (
    ChartArtistSerializer,
    ChartTrackSerializer,
    MusicTrackSerializer,
    SourcesField,
)

# --- Section 1 shapes (for the schema) ---------------------------------------------------------


class MusicErrorSerializer(serializers.Serializer):
    """The documented error body of the /music_api/ routes."""

    error = serializers.CharField()


class SearchMetaSerializer(serializers.Serializer):
    cached = serializers.BooleanField()
    sources = SourcesField()


class TrackSearchSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MusicTrackSerializer(many=True)
    meta = SearchMetaSerializer(
        help_text='Where the results come from: "library" alone when no service is on.'
    )


class ArtistSuggestionSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField(help_text="The artist's API URL, or its page at the service.")
    listeners = serializers.IntegerField()
    mbid = serializers.CharField()
    id = serializers.IntegerField(allow_null=True, help_text="null: known only to Last.fm.")


class CachedMetaSerializer(serializers.Serializer):
    cached = serializers.BooleanField(help_text="Whether the data came from the cache.")


class ArtistSearchMetaSerializer(CachedMetaSerializer):
    sources = SourcesField(help_text='"library" alone when Last.fm is switched off.')


class ArtistSearchSerializer(serializers.Serializer):
    results = ArtistSuggestionSerializer(many=True)
    meta = ArtistSearchMetaSerializer()


class ChartSourcesMixin(serializers.Serializer):
    source = serializers.CharField(
        required=False,
        help_text='Whose chart: "lastfm", "apple", or "library" (ours; also when the '
        "service failed). Only when a service is switched on (always on apple-chart).",
    )
    sources = SourcesField(required=False, help_text="Only when a service is switched on.")


class TopArtistsMetaSerializer(ChartSourcesMixin, CachedMetaSerializer):
    genre = serializers.CharField()
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    window = serializers.CharField()


class TopArtistsSerializer(serializers.Serializer):
    artists = ChartArtistSerializer(many=True)
    meta = TopArtistsMetaSerializer()


class YearChartMetaSerializer(ChartSourcesMixin, CachedMetaSerializer):
    genre = serializers.CharField()
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    window = serializers.CharField()


class YearChartSerializer(serializers.Serializer):
    tracks = ChartTrackSerializer(many=True)
    meta = YearChartMetaSerializer()


class AppleChartMetaSerializer(ChartSourcesMixin, CachedMetaSerializer):
    country = serializers.CharField()
    type = serializers.CharField()
    count = serializers.IntegerField()
    window = serializers.CharField()


class AppleChartSerializer(serializers.Serializer):
    tracks = ChartTrackSerializer(many=True)
    meta = AppleChartMetaSerializer()
