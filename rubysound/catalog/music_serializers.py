"""Shapes of the music routes (/music_api/...), listens and charts.

The section-1 routes answer plain data built by the functions below (charts are cached as
plain data; a DRF serializer pass over every cached entry would only cost time). The
serializer classes declare those shapes for the OpenAPI document and are checked against
the real responses in tests/catalog/test_music_api.py. Input is validated by serializers.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rubysound.core.serializers import RejectUnknownFieldsMixin

from . import charts, listens
from .models import Listen

# --- Absolute URLs -------------------------------------------------------------------------


class Absolutizer:
    """Turns our site-relative paths into absolute URLs for one request (others unchanged)."""

    def __init__(self, request):
        self.base = f"{request.scheme}://{request.get_host()}"

    def __call__(self, url: str) -> str:
        if url and url.startswith("/") and not url.startswith("//"):
            return self.base + url
        return url or ""


# --- Plain data ------------------------------------------------------------------------------


def track_object(summary: dict, listeners: int, playcount: int, absolute: Absolutizer) -> dict:
    """The Track object of the API reference, from ``charts.track_summary`` data."""
    return {
        "name": summary["name"],
        "artist": summary["artist"],
        "listeners": int(listeners),
        "playcount": int(playcount),
        "url": absolute(summary["url"]),
        "image_url": absolute(summary["image_url"]),
        "mbid": summary["mbid"],
        "id": summary["id"],
        "album": summary["album"],
        "duration": summary["duration"],
        "source": summary["source"],
        "artist_id": summary["artist_id"],
        "album_id": summary["album_id"],
    }


def chart_track(entry: dict, absolute: Absolutizer) -> dict:
    """A track of a cached chart: listeners and plays are those of the chart's window."""
    data = track_object(entry, entry["listeners"], entry["playcount"], absolute)
    for extra in ("previous_listeners", "growth"):
        if extra in entry:
            data[extra] = entry[extra]
    return data


def chart_artist(entry: dict, absolute: Absolutizer) -> dict:
    data = {
        "name": entry["name"],
        "photo_url": absolute(entry["photo_url"]),
        "listeners": int(entry["listeners"]),
        "playcount": int(entry["playcount"]),
        "releases": [
            {
                "title": release["title"],
                "playcount": int(release["playcount"]),
                "url": absolute(release["url"]),
                "cover": absolute(release["cover"]),
                "id": release["id"],
                "year": release["year"],
            }
            for release in entry["releases"]
        ],
        "id": entry["id"],
        "url": absolute(entry["url"]),
        "mbid": entry["mbid"],
    }
    for extra in ("previous_listeners", "growth"):
        if extra in entry:
            data[extra] = entry[extra]
    return data


# --- Section 1 shapes (for the schema) ---------------------------------------------------------


class MusicErrorSerializer(serializers.Serializer):
    """The documented error body of the /music_api/ routes."""

    error = serializers.CharField()


class MusicTrackSerializer(serializers.Serializer):
    """A track as the web client has always received it, plus catalog identifiers."""

    name = serializers.CharField()
    artist = serializers.CharField()
    listeners = serializers.IntegerField(
        help_text="Distinct listeners: ours, or the service's for a track from one."
    )
    playcount = serializers.IntegerField(help_text="Plays: ours, or the service's.")
    url = serializers.CharField(
        help_text="Absolute stream URL, or our preview proxy (/music_api/preview/?url=) for "
        'a provider\'s preview; "" when none.'
    )
    image_url = serializers.CharField(help_text="Absolute cover URL, or the default image.")
    mbid = serializers.CharField(help_text='MusicBrainz recording id; "" when unknown.')
    id = serializers.IntegerField(
        allow_null=True, help_text="Catalog track id; null for a track only a service knows."
    )
    album = serializers.CharField(help_text='Album title; "" when none.')
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")
    # Plain strings in the schema: an enum named "source" would collide with the others.
    source = serializers.CharField(
        help_text='"library" (a file of ours), "remote", or the service a track comes from '
        '("lastfm", "apple").'
    )
    artist_id = serializers.IntegerField(allow_null=True)
    album_id = serializers.IntegerField(allow_null=True)


class ChartTrackSerializer(MusicTrackSerializer):
    """A chart track: ``listeners`` and ``playcount`` count the chart's window."""


class TrendingTrackSerializer(MusicTrackSerializer):
    previous_listeners = serializers.IntegerField()
    growth = serializers.FloatField(help_text="(people now - people before) / (people before + 1).")


class SourceStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='"ok", "cached", "disabled" or "degraded".')
    reason = serializers.CharField(
        required=False, help_text='Why degraded: "timeout", "unavailable", "rate_limited", ...'
    )


class SourcesField(serializers.DictField):
    """What each source did for this answer, by name ("library", "lastfm", "itunes", ...)."""

    child = SourceStatusSerializer()


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


class MusicReleaseSerializer(serializers.Serializer):
    title = serializers.CharField()
    playcount = serializers.IntegerField()
    url = serializers.URLField(help_text="The album's API URL, or its page at Last.fm.")
    cover = serializers.URLField()
    id = serializers.IntegerField(allow_null=True, help_text="null for Last.fm's albums.")
    year = serializers.IntegerField(allow_null=True)


class ChartArtistSerializer(serializers.Serializer):
    name = serializers.CharField()
    photo_url = serializers.URLField(
        help_text="The artist's image, else the cover of their most played release."
    )
    listeners = serializers.IntegerField()
    playcount = serializers.IntegerField()
    releases = MusicReleaseSerializer(many=True)
    id = serializers.IntegerField(
        allow_null=True, help_text="Our artist's id; null for an artist only Last.fm charts."
    )
    url = serializers.URLField(help_text="The artist's API URL, or its page at Last.fm.")
    mbid = serializers.CharField()


class TrendingArtistSerializer(ChartArtistSerializer):
    previous_listeners = serializers.IntegerField()
    growth = serializers.FloatField(help_text="(people now - people before) / (people before + 1).")


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


# --- /api/charts/ ------------------------------------------------------------------------------


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


# --- Listens -----------------------------------------------------------------------------------


class ListenCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    track_id = serializers.IntegerField(min_value=1)
    listened_at = serializers.DateTimeField(
        required=False,
        help_text="When the play started (ISO 8601); default now. Stored to the second.",
    )
    played_seconds = serializers.FloatField(
        min_value=0,
        max_value=listens.MAX_PLAYED_SECONDS,
        help_text="Seconds actually heard. Counts after half the track or 240 s.",
    )

    def validate_listened_at(self, value):
        try:
            return listens.normalize_listened_at(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["listened_at"]) from None


_LISTEN_SOURCE_HELP = f"One of: {', '.join(Listen.Source.values)}."


class ListenRecordSerializer(serializers.ModelSerializer):
    track_id = serializers.IntegerField()
    source = serializers.CharField(help_text=_LISTEN_SOURCE_HELP)

    class Meta:
        model = Listen
        fields = ["id", "track_id", "listened_at", "source"]


class ListenResultSerializer(serializers.Serializer):
    counted = serializers.BooleanField(help_text="The play is a listen (new or already known).")
    created = serializers.BooleanField(help_text="This report stored a new listen.")
    reason = serializers.CharField(
        allow_null=True, help_text='Why not counted: "played_too_little".'
    )
    required_seconds = serializers.FloatField(help_text="Playback this track needs to count.")
    listen = ListenRecordSerializer(allow_null=True)


def listen_result(outcome: listens.ListenOutcome) -> dict:
    return {
        "counted": outcome.counted,
        "created": outcome.created,
        "reason": outcome.reason or None,
        "required_seconds": outcome.required_seconds,
        "listen": ListenRecordSerializer(outcome.listen).data if outcome.listen else None,
    }


class ListenHistoryItemSerializer(serializers.ModelSerializer):
    """One of the user's listens; needs ``track_stats`` and ``absolute`` in the context."""

    track = serializers.SerializerMethodField()
    source = serializers.CharField(help_text=_LISTEN_SOURCE_HELP)

    class Meta:
        model = Listen
        fields = ["id", "listened_at", "source", "track"]

    @extend_schema_field(MusicTrackSerializer)
    def get_track(self, listen: Listen) -> dict:
        listeners, plays = self.context["track_stats"].get(listen.track_id, (0, 0))
        summary = charts.track_summary(listen.track)
        return track_object(summary, listeners, plays, self.context["absolute"])


class UserStatsQuerySerializer(serializers.Serializer):
    window = serializers.ChoiceField(choices=list(charts.WINDOWS), default="month")
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class UserTopArtistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.URLField()
    plays = serializers.IntegerField()


class UserTopTrackSerializer(serializers.Serializer):
    track = MusicTrackSerializer()
    plays = serializers.IntegerField(help_text="The user's own plays.")


class UserStatsSerializer(serializers.Serializer):
    window = serializers.CharField()
    listens = serializers.IntegerField()
    top_artists = UserTopArtistSerializer(many=True)
    top_tracks = UserTopTrackSerializer(many=True)
