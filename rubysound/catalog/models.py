from django.conf import settings
from django.db import models
from django.db.models import Q
from django.templatetags.static import static
from django.utils.text import slugify

from .text import fold

DEFAULT_COVER = "img/default-cover.svg"


class Genre(models.Model):
    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(fold(self.name))[:64] or "unknown"
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
