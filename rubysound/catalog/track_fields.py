"""The columns a track representation reads, for ``.only()``: the rest (waveform, tags,
file facts, timestamps) is left in the database, the waveform JSON alone can hold a thousand
numbers per track."""

# What every representation of a track shows.
_TRACK_BASICS = (
    "id",
    "title",
    "artist_id",
    "album_id",
    "track_number",
    "disc_number",
    "year",
    "duration",
    "source",
    "format",
    "mbid",
)

# What TrackSerializer, Track.stream_url and Track.image_url read.
TRACK_FIELDS = (*_TRACK_BASICS, "preview_url", "remote_image_url")
ARTIST_REF = ("artist__id", "artist__name")
ALBUM_REF = ("album__id", "album__title", "album__year", "album__cover")

# A track with its artist and album joined, as the track cards and the API show it.
TRACK_CARD_FIELDS = (*TRACK_FIELDS, *ARTIST_REF, *ALBUM_REF)

# What a player app's song shows (the Subsonic ``Child``): the file's facts too.
APP_TRACK_FIELDS = (
    *_TRACK_BASICS,
    "path",
    "bitrate",
    "sample_rate",
    "channels",
    "size",
    "created_at",
    "artist__id",
    "artist__name",
    "album__id",
    "album__title",
)
