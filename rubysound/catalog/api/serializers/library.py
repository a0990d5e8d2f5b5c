"""Catalog representations (read-only).

A track is ``{id, name, artist: {id, name}, album: {id, title, year} | null, duration, ...}``:
``artist`` is an object, not the bare name of the legacy ``/music_api/`` track object, so a
client can follow it to ``/api/artists/<id>/`` without a second lookup. URLs (``stream_url``,
``image_url``) are absolute, built from the request's scheme and host.
"""

from django.templatetags.static import static
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rubysound.catalog.models import DEFAULT_COVER, Album, Artist, Track
from rubysound.catalog.types.card_shapes import SourcesField


def absolute_url(request, url: str) -> str:
    """``url`` made absolute for this request ("" stays "", absolute URLs are kept)."""
    if not url or request is None:
        return url
    if "://" in url:
        return url
    base = getattr(request, "_catalog_base_url", None)
    if base is None:
        base = request.build_absolute_uri("/").rstrip("/")
        request._catalog_base_url = base
    return base + url if url.startswith("/") else request.build_absolute_uri(url)


class _AbsoluteURLMixin:
    def _absolute(self, url: str) -> str:
        return absolute_url(self.context.get("request"), url)


# The hot representations are plain serializers with explicit fields: a ModelSerializer
# introspects its model for every request (a few milliseconds on a page of tracks).


class ArtistRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AlbumRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)


class GenreRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()


class TrackSerializer(_AbsoluteURLMixin, serializers.Serializer):
    """A catalog track. ``stream_url`` is "" for a remote track without a preview."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="title")
    artist = ArtistRefSerializer()
    album = AlbumRefSerializer(allow_null=True)
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")
    track_number = serializers.IntegerField(allow_null=True)
    disc_number = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField(allow_null=True)
    genres = GenreRefSerializer(many=True)
    format = serializers.CharField(help_text="mp3, flac, ogg, opus, m4a, wav; '' if unknown.")
    source = serializers.ChoiceField(choices=Track.Source.choices)
    mbid = serializers.UUIDField(allow_null=True, help_text="MusicBrainz recording id.")
    stream_url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(help_text="Absolute URL, or '' when none."))
    def get_stream_url(self, track: Track) -> str:
        return self._absolute(track.stream_url)

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, track: Track) -> str:
        return self._absolute(track.image_url)


class TopTrackSerializer(TrackSerializer):
    listens = serializers.IntegerField(source="listen_count", help_text="All-time listens.")


def _artist_image(artist: Artist) -> str:
    return artist.image.url if artist.image else static(DEFAULT_COVER)


class ArtistSerializer(_AbsoluteURLMixin, serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sort_name = serializers.CharField()
    mbid = serializers.UUIDField(allow_null=True, help_text="MusicBrainz artist id.")
    image_url = serializers.SerializerMethodField()
    album_count = serializers.IntegerField()
    track_count = serializers.IntegerField()

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, artist: Artist) -> str:
        return self._absolute(_artist_image(artist))


class AlbumSummarySerializer(_AbsoluteURLMixin, serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    mbid = serializers.UUIDField(allow_null=True, help_text="MusicBrainz release id.")
    image_url = serializers.SerializerMethodField()
    track_count = serializers.IntegerField()

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, album: Album) -> str:
        return self._absolute(album.cover_url)


class ArtistDetailSerializer(ArtistSerializer):
    """An artist with all their albums and their (at most 10) most listened tracks.

    The view passes the albums and top tracks (read by their own selectors) in the context.
    """

    bio = serializers.CharField()
    albums = serializers.SerializerMethodField()
    top_tracks = serializers.SerializerMethodField()

    @extend_schema_field(AlbumSummarySerializer(many=True))
    def get_albums(self, artist: Artist) -> list:
        return AlbumSummarySerializer(self.context["albums"], many=True, context=self.context).data

    @extend_schema_field(TopTrackSerializer(many=True))
    def get_top_tracks(self, artist: Artist) -> list:
        return TopTrackSerializer(self.context["top_tracks"], many=True, context=self.context).data


class BioSourceSerializer(serializers.Serializer):
    source = serializers.CharField(help_text='"wikipedia".')
    title = serializers.CharField(help_text="The article's title.")
    url = serializers.URLField(help_text="The article.")
    lang = serializers.CharField(help_text="The article's language.")


class ArtistProfileMetaSerializer(serializers.Serializer):
    lang = serializers.CharField(help_text="The bio language asked for.")
    sources = SourcesField()


class ArtistProfileDetailSerializer(ArtistDetailSerializer):
    """For the schema: an artist detail, and what the external services add when they are
    on (absent offline)."""

    photo_url = serializers.URLField(
        required=False, help_text="The library's image, else a service's photo, else the default."
    )
    bio_source = BioSourceSerializer(
        required=False, allow_null=True, help_text="Where a fetched bio comes from; null if none."
    )
    meta = ArtistProfileMetaSerializer(required=False)


class AlbumDetailSerializer(_AbsoluteURLMixin, serializers.Serializer):
    """An album with its tracks in disc and track order."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    mbid = serializers.UUIDField(allow_null=True, help_text="MusicBrainz release id.")
    artist = ArtistRefSerializer()
    image_url = serializers.SerializerMethodField()
    track_count = serializers.SerializerMethodField()
    duration = serializers.SerializerMethodField()
    tracks = TrackSerializer(many=True)

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, album: Album) -> str:
        return self._absolute(album.cover_url)

    def get_track_count(self, album: Album) -> int:
        return len(album.tracks.all())

    @extend_schema_field(serializers.FloatField(allow_null=True, help_text="Seconds."))
    def get_duration(self, album: Album) -> float | None:
        durations = [t.duration for t in album.tracks.all() if t.duration is not None]
        return round(sum(durations), 3) if durations else None


class GenreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    track_count = serializers.IntegerField()


class TrackFilterSerializer(serializers.Serializer):
    """Query parameters of ``GET /api/tracks/``; a bad value is a 400, never a 500."""

    artist = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    album = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    genre = serializers.SlugField(required=False, max_length=64, help_text="A genre slug.")
    year = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class WaveformSerializer(serializers.Serializer):
    peaks = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=255),
        help_text="Normalised peaks, 0..255, evenly spread over the track.",
    )
    count = serializers.IntegerField()
