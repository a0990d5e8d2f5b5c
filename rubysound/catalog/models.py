from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.templatetags.static import static
from django.utils import timezone
from django.utils.text import slugify

from rubysound.core.text import fold

DEFAULT_COVER = "img/default-cover.svg"

# Whether a track's year (duration) is unknown: what "newest (longest) first, unknown
# last" sorts on first.
YEAR_UNKNOWN = ExpressionWrapper(Q(year__isnull=True), output_field=BooleanField())
DURATION_UNKNOWN = ExpressionWrapper(Q(duration__isnull=True), output_field=BooleanField())

GENRE_SLUG_MAX = 64
# Where the library files a genre whose name leaves nothing a slug can keep ("???", a name
# in a script slugs drop).
UNKNOWN_GENRE_SLUG = "unknown"


def genre_slug(name: str | None) -> str:
    """The slug of the genre a name names: 'Hip Hop', 'hip-hop' and 'HIP-HOP' all name
    'hip-hop'. The same rule files genres (``services.get_or_create_genres``) and finds them
    (charts, reports, the home page), so a name finds the genre it was filed under.

    A blank name names no genre: "" (readers take it as "every genre"; the library never
    files a blank genre, tags that fold to nothing are dropped when read).
    """
    folded = fold(name or "")
    if not folded:
        return ""
    return slugify(folded)[:GENRE_SLUG_MAX] or UNKNOWN_GENRE_SLUG


class Genre(models.Model):
    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=GENRE_SLUG_MAX, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            # A genre row needs a slug even when its name is blank.
            self.slug = genre_slug(self.name) or UNKNOWN_GENRE_SLUG
        super().save(*args, **kwargs)


class Artist(models.Model):
    name = models.CharField(max_length=255)
    # One artist however the name is cased, accented or spaced.
    name_key = models.CharField(max_length=255, unique=True, editable=False)
    sort_name = models.CharField(max_length=255, blank=True)
    mbid = models.UUIDField("MusicBrainz id", null=True, blank=True, unique=True)
    bio = models.TextField(blank=True)
    image = models.ImageField(upload_to="artists/", blank=True)
    # Ids at external services: {"lastfm": ..., "deezer": ..., "itunes": ..., "theaudiodb": ...}
    provider_ids = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_key"]
        # "Recently added" on /artists/ walks this index.
        indexes = [models.Index(fields=["-created_at", "-id"], name="catalog_artist_added")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = fold(self.name)
        super().save(*args, **kwargs)


class Album(models.Model):
    title = models.CharField(max_length=255)
    title_key = models.CharField(max_length=255, editable=False)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="albums")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    mbid = models.UUIDField("MusicBrainz id", null=True, blank=True, unique=True)
    # The original cover (embedded art or a folder image), copied out of the library.
    cover = models.ImageField(upload_to="covers/original/", blank=True)
    provider_ids = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["artist__name_key", "year", "title_key"]
        constraints = [
            models.UniqueConstraint(fields=["artist", "title_key"], name="catalog_album_unique")
        ]
        # The album grid's orderings (catalog.browse): recently added, A–Z, release year.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="catalog_album_added"),
            models.Index(fields=["title_key", "id"], name="catalog_album_title"),
            models.Index(fields=["year", "title_key", "id"], name="catalog_album_year"),
        ]

    def __str__(self) -> str:
        return f"{self.artist} – {self.title}"

    def save(self, *args, **kwargs):
        self.title_key = fold(self.title)
        super().save(*args, **kwargs)

    @property
    def cover_url(self) -> str:
        """Our resizing cover endpoint when there is a cover, else the default image."""
        if self.cover:
            return f"/api/albums/{self.pk}/cover?size=300"
        return static(DEFAULT_COVER)


class Track(models.Model):
    class Source(models.TextChoices):
        LIBRARY = "library", "Library file"
        REMOTE = "remote", "Known only to a provider"

    title = models.CharField(max_length=255)
    title_key = models.CharField(max_length=255, editable=False, db_index=True)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="tracks")
    album = models.ForeignKey(
        Album, on_delete=models.SET_NULL, null=True, blank=True, related_name="tracks"
    )
    genres = models.ManyToManyField(Genre, blank=True, related_name="tracks")
    track_number = models.PositiveSmallIntegerField(null=True, blank=True)
    disc_number = models.PositiveSmallIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    duration = models.FloatField("duration (s)", null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.LIBRARY)

    # Library files: where the file is, and the facts that tell whether it changed.
    library_root = models.CharField(max_length=1024, blank=True)
    path = models.CharField("path relative to the library root", max_length=2048, blank=True)
    format = models.CharField(max_length=16, blank=True)  # mp3, flac, ogg, opus, m4a, wav
    codec = models.CharField(max_length=32, blank=True)
    bitrate = models.PositiveIntegerField("bitrate (bit/s)", null=True, blank=True)
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField("size (bytes)", null=True, blank=True)
    # The file's, or its .lrc lyrics file's when that is later (see scan_walk).
    mtime = models.FloatField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # Normalised peaks (0..255) for the player's waveform, computed at scan time.
    waveform = models.JSONField(null=True, blank=True)

    # Identity elsewhere, and what a provider told us about a remote track.
    mbid = models.UUIDField("MusicBrainz recording id", null=True, blank=True, db_index=True)
    provider_ids = models.JSONField(default=dict, blank=True)
    preview_url = models.URLField(max_length=1024, blank=True)
    remote_image_url = models.URLField(max_length=1024, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["artist__name_key", "album__title_key", "disc_number", "track_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["library_root", "path"],
                condition=Q(source="library"),
                name="catalog_track_unique_file",
            ),
            models.UniqueConstraint(
                fields=["artist", "title_key"],
                condition=Q(source="remote"),
                name="catalog_track_unique_remote",
            ),
            models.CheckConstraint(
                condition=Q(duration__isnull=True) | Q(duration__gte=0),
                name="catalog_track_duration_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["album", "disc_number", "track_number"]),
            models.Index(fields=["year"]),
            # The tracks table's orderings (catalog.browse) walk these instead of sorting.
            models.Index(fields=["title_key", "id"], name="catalog_track_title"),
            models.Index(fields=["year", "title_key", "id"], name="catalog_track_year"),
            # Newest first with unknown years last: an index of its own (a backward scan of
            # the one above would put them first; SQLite has no NULLS LAST in an index).
            models.Index(
                YEAR_UNKNOWN,
                F("year").desc(),
                F("title_key").desc(),
                F("id").desc(),
                name="catalog_track_year_desc",
            ),
            models.Index(fields=["duration", "id"], name="catalog_track_duration"),
            models.Index(
                DURATION_UNKNOWN,
                F("duration").desc(),
                F("id").desc(),
                name="catalog_track_duration_desc",
            ),
            models.Index(fields=["-created_at", "-id"], name="catalog_track_added"),
        ]

    def __str__(self) -> str:
        return f"{self.artist} – {self.title}"

    def save(self, *args, **kwargs):
        self.title_key = fold(self.title)
        super().save(*args, **kwargs)

    @property
    def is_playable(self) -> bool:
        return self.source == self.Source.LIBRARY or bool(self.preview_url)

    @property
    def stream_url(self) -> str:
        """Our stream for library files, the provider's preview for remote ones, or ""."""
        if self.source == self.Source.LIBRARY:
            return f"/api/tracks/{self.pk}/stream"
        return self.preview_url

    @property
    def image_url(self) -> str:
        if self.album_id and self.album.cover:
            return self.album.cover_url
        return self.remote_image_url or static(DEFAULT_COVER)


class Listen(models.Model):
    class Source(models.TextChoices):
        PLAYER = "player", "Web player"
        LISTENBRAINZ = "listenbrainz", "ListenBrainz submission"
        SUBSONIC = "subsonic", "Subsonic client"
        AUDIOSCROBBLER = "audioscrobbler", "Audioscrobbler (Last.fm protocol) submission"
        DEMO = "demo", "Demo data"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listens"
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="listens")
    listened_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PLAYER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-listened_at"]
        constraints = [
            # A player or scrobbler re-sending the same listen changes nothing.
            models.UniqueConstraint(
                fields=["user", "track", "listened_at"], name="catalog_listen_unique"
            )
        ]
        indexes = [
            models.Index(fields=["listened_at", "track"]),
            models.Index(fields=["user", "-listened_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} ▶ {self.track} at {self.listened_at:%Y-%m-%d %H:%M}"


class NowPlaying(models.Model):
    """What a user is playing right now, as their last player or scrobbler said: one row
    per user, overwritten by each report, and over once ``expires_at`` has passed (the
    track's length after it started), so a player that stops without a word is not
    "playing" for ever. Readers filter on ``expires_at``; an expired row is simply stale."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="now_playing"
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=Listen.Source.choices)
    # The client that said so, as it named itself (Subsonic ``c``, ListenBrainz
    # ``listening_from``, ...), shown beside the track.
    client = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="catalog_now_playing_expiry")]

    def __str__(self) -> str:
        return f"{self.user} ▶ {self.track} until {self.expires_at:%H:%M}"


class PlayQueue(models.Model):
    """A user's one play queue, kept on the server so it continues on another device.

    The web player and the Subsonic apps (``savePlayQueue``) save the same queue. ``version``
    grows by one with every save: a device sends the version it last saw, and a save over a
    newer queue is refused instead of silently replacing it. ``current_position`` is the
    ``PlayQueueEntry.position`` of the current track (not an index), so that when a track
    leaves the catalog the current one stays where it was among the others.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="play_queue"
    )
    current_position = models.PositiveIntegerField(default=0)
    position_ms = models.PositiveBigIntegerField("position in the current track (ms)", default=0)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()
    changed_by = models.CharField("client that saved it", max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.user}'s queue (v{self.version})"


class PlayQueueEntry(models.Model):
    """One track of a play queue, at ``position`` (0, 1, 2, ... as saved; a track may be there
    more than once)."""

    queue = models.ForeignKey(PlayQueue, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField()
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["queue", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "position"], name="catalog_play_queue_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.queue_id}#{self.position}: {self.track_id}"


class TrackLyrics(models.Model):
    """One set of lyrics of a library track, as the scanner found it: in the file's tags
    (``uslt``, ``sylt``, ``vorbis``, ``mp4``) or in the ``.lrc`` file beside it (``lrc``).

    ``lines`` is a list of ``{"value": text}``, with ``"start"`` (ms) on every line when
    ``synced``. Kept apart from ``Track`` so the many queries that list tracks never load
    them; each scan of the file replaces them.
    """

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="lyrics")
    source = models.CharField(max_length=8)
    lang = models.CharField(max_length=16, default="und")
    synced = models.BooleanField(default=False)
    offset_ms = models.IntegerField(default=0)
    lines = models.JSONField(default=list)

    class Meta:
        ordering = ["track", "pk"]

    def __str__(self) -> str:
        kind = "synced" if self.synced else "plain"
        return f"{self.track_id}: {kind} lyrics ({self.source}, {self.lang})"


class ScrobbleLink(models.Model):
    """A user's account at a scrobbling service their listens are passed on to.

    ``credential_encrypted`` holds the Last.fm session key or the ListenBrainz token,
    encrypted as app passwords are: the worker must send it back in clear. ``base_url`` points
    a ListenBrainz link at a self-hosted server (ListenBrainz, Maloja); empty means the
    service's own address from settings."""

    class Service(models.TextChoices):
        LASTFM = "lastfm", "Last.fm"
        LISTENBRAINZ = "listenbrainz", "ListenBrainz"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrobble_links"
    )
    service = models.CharField(max_length=16, choices=Service.choices)
    account_name = models.CharField(max_length=128, blank=True)
    base_url = models.URLField(max_length=255, blank=True)
    credential_encrypted = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="catalog_scrobble_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.service} ({self.account_name})"


class ScrobbleOutboxEntry(models.Model):
    """One listen waiting to be passed on to one linked service: written in the same
    transaction as the listen, so a listen is never recorded without it. A delivered entry is
    deleted; one the service refused for good stays, as ``dead``, with the reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DEAD = "dead", "Dead letter"

    link = models.ForeignKey(ScrobbleLink, on_delete=models.CASCADE, related_name="outbox")
    listen = models.ForeignKey(Listen, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["link", "listen"], name="catalog_scrobble_outbox_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="catalog_scrobble_outbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"listen {self.listen_id} → link {self.link_id} ({self.status})"
