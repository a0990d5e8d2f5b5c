"""Shapes of the track and artist cards, and of the ``sources`` meta, for the schema.

A card is the plain data the listens history, the user's stats, the charts (ours and the
/music_api/ ones), playlists and the /music_api/ search answer for a track or an artist;
``sources`` says what each external service did for an answer. These serializers only
declare those shapes to drf-spectacular: the cards themselves are built as plain dicts
(charts are cached as plain data, and a serializer pass over every entry would only cost
time). The class names are the schema's component names, which clients may generate code
from: they stay as they are.
"""

from rest_framework import serializers


class SourceStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='"ok", "cached", "disabled" or "degraded".')
    reason = serializers.CharField(
        required=False, help_text='Why degraded: "timeout", "unavailable", "rate_limited", ...'
    )


class SourcesField(serializers.DictField):
    """What each source did for this answer, by name ("library", "lastfm", "itunes", ...)."""

    child = SourceStatusSerializer()


# --- Tracks ------------------------------------------------------------------------------------


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


# --- Artists -----------------------------------------------------------------------------------


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
