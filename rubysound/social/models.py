"""Playlists (a user's Favorites among them), likes, threaded comments and notifications."""

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rubysound.catalog.models import Album, Artist, Track

FAVORITES_TITLE = "Favorites"
TITLE_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 1000
COMMENT_TOMBSTONE = "comment deleted"


class PlaylistQuerySet(models.QuerySet):
    def public(self):
        """Playlists anyone may see: Favorites follow the owner's profile switch."""
        return self.filter(
            Q(is_favorites=True, owner__is_public_favorites=True)
            | Q(is_favorites=False, visibility=Playlist.Visibility.PUBLIC),
            owner__is_active=True,
        )

    def favorites(self):
        return self.filter(is_favorites=True)


class Playlist(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Only me"
        PUBLIC = "public", "Anyone"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    # Favorites ignore this field: their visibility is the owner's ``is_public_favorites``.
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    is_favorites = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaylistQuerySet.as_manager()

    class Meta:
        ordering = ["-is_favorites", "-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(is_favorites=True),
                name="social_playlist_one_favorites_per_owner",
            ),
        ]
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.owner} – {self.title}"

    @property
    def is_public(self) -> bool:
        if self.is_favorites:
            return self.owner.is_public_favorites and self.owner.is_active
        return self.visibility == self.Visibility.PUBLIC and self.owner.is_active


class PlaylistItem(models.Model):
    """A track's place in a playlist; positions run 0..n-1 without gaps."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="playlist_items")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["playlist", "position"]
        permissions = [("view_tracks_report", "Can view the tracks report")]
        constraints = [
            models.UniqueConstraint(
                fields=["playlist", "track"], name="social_playlistitem_track_once"
            ),
        ]
        indexes = [
            models.Index(fields=["playlist", "position"]),
            models.Index(fields=["playlist", "added_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.position}: {self.track_id}"


class PlaylistLike(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlist_likes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["playlist", "user"], name="social_playlistlike_once"),
        ]
        indexes = [models.Index(fields=["playlist", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} likes playlist {self.playlist_id}"


class Comment(models.Model):
    """A comment on a playlist, or a reply to a root comment (one nesting level)."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # Whom a reply answers (the root's author, or another replier in the thread).
    reply_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Stored as typed; escaping is the job of whatever renders it.
    text = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    # A root deleted while other people's replies hang on it stays as a tombstone.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["playlist", "parent", "-created_at"]),
            models.Index(fields=["parent", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on playlist {self.playlist_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_likes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="social_commentlike_once"),
        ]
        indexes = [models.Index(fields=["comment", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} likes comment {self.comment_id}"


class Notification(models.Model):
    class Type(models.TextChoices):
        PLAYLIST_LIKE = "playlist_like", "Your playlist was liked"
        PLAYLIST_COMMENT = "playlist_comment", "Someone commented on your playlist"
        COMMENT_REPLY = "comment_reply", "Someone replied to your comment"
        COMMENT_LIKE = "comment_like", "Your comment was liked"
        LASTFM_UNLINKED = "lastfm_unlinked", "Last.fm refused your link: scrobbling stopped"
        LISTENBRAINZ_UNLINKED = (
            "listenbrainz_unlinked",
            "ListenBrainz refused your link: scrobbling stopped",
        )

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    type = models.CharField(max_length=32, choices=Type.choices)
    playlist = models.ForeignKey(
        Playlist, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="social_notif_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} for {self.recipient_id}"


# --- Stars and ratings (a player app's annotations) -----------------------------------------
# A starred song is a song in the user's Favorites (PlaylistItem); albums and artists have no
# such list, so their stars are kept here.


class Star(models.Model):
    """A user's star on one album or artist (a player app's "starred"; a starred song is a
    Favorite). Each kind has its own table, so each target is a real foreign key."""

    # The name of the starred thing's foreign key, in each kind's table.
    target_field: str

    starred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-starred_at", "-pk"]

    def __str__(self) -> str:
        target_id = getattr(self, f"{self.target_field}_id")
        return f"{self.user_id} starred {self.target_field} {target_id}"


class StarredAlbum(Star):
    target_field = "album"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="starred_albums"
    )
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="+")

    class Meta(Star.Meta):
        constraints = [
            models.UniqueConstraint(fields=["user", "album"], name="social_starredalbum_once"),
        ]


class StarredArtist(Star):
    target_field = "artist"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="starred_artists"
    )
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="+")

    class Meta(Star.Meta):
        constraints = [
            models.UniqueConstraint(fields=["user", "artist"], name="social_starredartist_once"),
        ]


# The star tables by the kind of thing starred.
STARRED_MODELS = {"album": StarredAlbum, "artist": StarredArtist}


class Rating(models.Model):
    """A user's rating, 1 to 5, of exactly one track, album or artist. No row is no rating
    (a player's "0")."""

    MIN = 1
    MAX = 5

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    album = models.ForeignKey(
        Album, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    artist = models.ForeignKey(
        Artist, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    value = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=1) & Q(value__lte=5), name="social_rating_one_to_five"
            ),
            models.CheckConstraint(
                condition=(
                    Q(track__isnull=False, album__isnull=True, artist__isnull=True)
                    | Q(track__isnull=True, album__isnull=False, artist__isnull=True)
                    | Q(track__isnull=True, album__isnull=True, artist__isnull=False)
                ),
                name="social_rating_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "track"],
                condition=Q(track__isnull=False),
                name="social_rating_track_once",
            ),
            models.UniqueConstraint(
                fields=["user", "album"],
                condition=Q(album__isnull=False),
                name="social_rating_album_once",
            ),
            models.UniqueConstraint(
                fields=["user", "artist"],
                condition=Q(artist__isnull=False),
                name="social_rating_artist_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} rates {self.value}"
