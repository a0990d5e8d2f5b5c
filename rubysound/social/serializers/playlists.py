"""Shapes of the playlist routes: the user's Favorites (API reference, section 1) and the
playlists beyond them (section 2).

Input is validated by the serializers below. Answers are plain data built by the functions
here; the output serializer classes declare those shapes for the OpenAPI document and are
checked against real responses in tests/social/test_playlists_*.py.
"""

import uuid

from rest_framework import serializers

from rubysound.catalog.types import Absolutizer
from rubysound.catalog.types.card_shapes import MusicTrackSerializer
from rubysound.core.serializers import RejectUnknownFieldsMixin
from rubysound.core.timefmt import iso_utc

from ..models import DESCRIPTION_MAX_LENGTH, FAVORITES_TITLE, TITLE_MAX_LENGTH, Playlist
from ..selectors.playlists import ITEM_ORDERS, SORT_POSITION, ItemFilters
from ..services.playlists import (
    MAX_TRACKS_PER_ADD,
    TrackRef,
    TracksAdded,
    favorites_visibility,
)

TITLE_REQUIRED = "Title is required."
TITLE_TOO_LONG = "Title is too long."
NAME_AND_ARTIST_REQUIRED = "Name and artist are required (or a track_id)."
NAME_MAX_LENGTH = 255
ID_MAX = 2**63 - 1  # a bigint: anything larger names nothing and must not reach SQL
YEAR_MAX = 9999
# A full reorder names every track of the playlist; this bounds the request, not playlists.
REORDER_MAX_TRACKS = 10_000
MOVE_FORMS = "Send either track_ids (the whole order), or track_id with position."


def first_error(errors) -> str:
    """The first message of a serializer's errors (they nest in dicts and lists)."""
    if isinstance(errors, dict):
        for value in errors.values():
            return first_error(value)
    if isinstance(errors, list | tuple):
        for value in errors:
            return first_error(value)
    return str(errors) if errors else "Invalid input."


def validated(serializer: serializers.Serializer) -> dict:
    """The serializer's validated data; else a 400 whose ``detail`` is the first message.

    The error handler answers ``{detail, code, fields}``: the first message goes in as the
    general error so that ``detail`` says what is wrong ("Title is required.").
    """
    if serializer.is_valid():
        return serializer.validated_data
    errors = dict(serializer.errors)
    general = errors.pop("non_field_errors", None) or [first_error(errors)]
    raise serializers.ValidationError({"non_field_errors": general[:1], **errors})


# --- Input -------------------------------------------------------------------------------------


def _title_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=TITLE_MAX_LENGTH,
        error_messages={
            "required": TITLE_REQUIRED,
            "blank": TITLE_REQUIRED,
            "null": TITLE_REQUIRED,
            "max_length": TITLE_TOO_LONG,
        },
        **kwargs,
    )


class FavoritesTitleSerializer(serializers.Serializer):
    title = _title_field(help_text="1..255 characters (surrounding spaces are dropped).")


class TrackRefSerializer(serializers.Serializer):
    """A track by catalog id, or by name and artist (and MusicBrainz id) as a provider knows it.

    Other keys are ignored: the web client has always sent whole Track objects here.
    """

    track_id = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        allow_null=True,
        help_text="A catalog track; wins over name.",
    )
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH, required=False, allow_blank=True, help_text="Track title."
    )
    artist = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False, allow_blank=True)
    mbid = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text='MusicBrainz recording id; "" or null when unknown.',
    )
    album = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Album title, kept when the track is new to the catalog.",
    )

    def validate_mbid(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise serializers.ValidationError("Not a MusicBrainz id (a UUID).") from None

    def validate(self, data):
        named = data.get("name", "").strip() and data.get("artist", "").strip()
        if data.get("track_id") is None and not named:
            raise serializers.ValidationError(NAME_AND_ARTIST_REQUIRED)
        return data

    @staticmethod
    def track_ref(data: dict) -> TrackRef:
        if data.get("track_id") is not None:
            return TrackRef(track_id=data["track_id"])
        return TrackRef(
            name=data["name"].strip(),
            artist=data["artist"].strip(),
            mbid=data.get("mbid"),
            album=data.get("album", "").strip(),
        )


class TrackAddSerializer(TrackRefSerializer):
    position = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Where to insert (0 = first); absent or past the end: at the end.",
    )


class PlaylistTrackAddSerializer(RejectUnknownFieldsMixin, TrackAddSerializer):
    """Adding to a playlist by id: unknown keys are refused (a typo must not pass silently)."""


class PlaylistTrackRemoveSerializer(RejectUnknownFieldsMixin, TrackRefSerializer):
    pass


def _track_ids_field(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=MAX_TRACKS_PER_ADD,
        help_text=f"{help_text} At most {MAX_TRACKS_PER_ADD}.",
        **kwargs,
    )


class PlaylistTracksAddSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Many catalog tracks appended at once (``add_tracks``)."""

    track_ids = _track_ids_field(
        "Catalog track ids, appended in this order; songs already there (or repeated) are "
        "left out, an unknown id adds nothing."
    )


class TrackMoveSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Moves one track (``track_id`` + ``position``), or sets the whole order (``track_ids``)."""

    track_id = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)
    position = serializers.IntegerField(
        min_value=0, required=False, help_text="0 = first; past the end: the last place."
    )
    track_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        max_length=REORDER_MAX_TRACKS,
        help_text="Every track id of the playlist, each once, in the new order.",
    )

    def validate(self, data):
        whole = "track_ids" in data
        one = "track_id" in data or "position" in data
        if whole == one or (one and not ("track_id" in data and "position" in data)):
            raise serializers.ValidationError(MOVE_FORMS)
        return data


class ItemFiltersSerializer(serializers.Serializer):
    """Query parameters narrowing a playlist's tracks; empty values count as absent."""

    artist = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NAME_MAX_LENGTH,
        help_text="Part of the artist's name; case, accents and spaces do not matter.",
    )
    year_from = serializers.IntegerField(
        required=False, min_value=0, max_value=YEAR_MAX, help_text="Release year, inclusive."
    )
    year_to = serializers.IntegerField(
        required=False, min_value=0, max_value=YEAR_MAX, help_text="Release year, inclusive."
    )
    sort = serializers.ChoiceField(
        choices=list(ITEM_ORDERS),
        required=False,
        default=SORT_POSITION,
        help_text="position (the playlist's order), newest or oldest (by when added).",
    )

    def to_internal_value(self, data):
        # A form leaves empty fields in the query string: they mean "no filter".
        present = {key: data.get(key) for key in self.fields if data.get(key, "") != ""}
        return super().to_internal_value(present)

    def validate(self, data):
        low, high = data.get("year_from"), data.get("year_to")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError("year_from must not be after year_to.")
        return data

    @staticmethod
    def item_filters(data: dict) -> ItemFilters:
        return ItemFilters(
            artist=data.get("artist", "").strip(),
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            sort=data.get("sort") or SORT_POSITION,
        )


# --- Plain data --------------------------------------------------------------------------------


def visibility_of(playlist: Playlist) -> str:
    return favorites_visibility(playlist) if playlist.is_favorites else playlist.visibility


def playlist_data(playlist: Playlist, absolute: Absolutizer) -> dict:
    """A playlist read with counts (``selectors.playlists``), its owner loaded."""
    owner = playlist.owner
    return {
        "id": playlist.pk,
        "title": playlist.title,
        "description": playlist.description,
        "visibility": visibility_of(playlist),
        "is_public": playlist.is_public,
        "is_favorites": playlist.is_favorites,
        "owner": {
            "id": owner.pk,
            "username": owner.username,
            "avatar_url": absolute(owner.avatar_url),
            "profile_url": absolute(owner.profile_url),
        },
        "likes_count": playlist.likes_count,
        "tracks_count": playlist.tracks_count,
        "liked_by_me": bool(playlist.liked_by_me),
        "created_at": iso_utc(playlist.created_at),
        "updated_at": iso_utc(playlist.updated_at),
        "tracks_url": absolute(f"/api/playlists/{playlist.pk}/tracks/"),
    }


def favorites_data(user, playlist: Playlist | None, tracks: list[dict], truncated: bool) -> dict:
    """``GET /api/playlists/me/``: the Favorites (counts annotated), or an empty one."""
    if playlist is None:
        public = user.is_public_favorites and user.is_active
        return {
            "id": None,
            "title": FAVORITES_TITLE,
            "description": "",
            "visibility": "public" if user.is_public_favorites else "private",
            "is_public": public,
            "likes_count": 0,
            "tracks_count": 0,
            "tracks_truncated": False,
            "tracks": [],
        }
    return {
        "id": playlist.pk,
        "title": playlist.title,
        "description": playlist.description,
        "visibility": visibility_of(playlist),
        "is_public": playlist.is_public,
        "likes_count": playlist.likes_count,
        "tracks_count": playlist.tracks_count,
        "tracks_truncated": truncated,
        "tracks": tracks,
    }


def track_change(detail: str, playlist: Playlist, track: dict, tracks_count: int) -> dict:
    return {
        "detail": detail,
        "track": track,
        "title": playlist.title,
        "playlist_id": playlist.pk,
        "tracks_count": tracks_count,
    }


def tracks_added(playlist: Playlist, result: TracksAdded) -> dict:
    """The answer to many tracks appended at once (``services.add_tracks``)."""
    return {
        "detail": "Tracks added.",
        "title": playlist.title,
        "playlist_id": playlist.pk,
        "tracks_count": playlist.items.count(),
        "added": len(result.added),
        "already": len(result.already),
    }


# --- Output shapes (for the schema) -------------------------------------------------------------


class PlaylistTrackSerializer(MusicTrackSerializer):
    position = serializers.IntegerField(help_text="0-based place in the playlist.")
    added_at = serializers.DateTimeField()


class FavoritesSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null until the first change.")
    title = serializers.CharField()
    description = serializers.CharField()
    visibility = serializers.CharField(help_text="Follows the profile's is_public_favorites.")
    is_public = serializers.BooleanField()
    likes_count = serializers.IntegerField()
    tracks_count = serializers.IntegerField(help_text="All the playlist's tracks.")
    tracks_truncated = serializers.BooleanField(
        help_text="More tracks than this answer carries: page through tracks_url's route."
    )
    tracks = PlaylistTrackSerializer(many=True)


class TitleUpdatedSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text='"Title updated."')
    title = serializers.CharField()
    id = serializers.IntegerField()


class TrackChangeSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text='"Track added." or "Track removed."')
    track = PlaylistTrackSerializer()
    title = serializers.CharField(help_text="The playlist's title.")
    playlist_id = serializers.IntegerField()
    tracks_count = serializers.IntegerField()


class TracksAddedSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text='"Tracks added."')
    title = serializers.CharField(help_text="The playlist's title.")
    playlist_id = serializers.IntegerField()
    tracks_count = serializers.IntegerField()
    added = serializers.IntegerField(help_text="How many tracks were appended.")
    already = serializers.IntegerField(
        help_text=(
            "How many were left out: the same song was in the playlist already, or earlier "
            "in this list under another id."
        )
    )


class TrackExistsSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text='"Track already exists."')
    code = serializers.CharField()
    track = PlaylistTrackSerializer(help_text="The playlist's item holding that song.")
    title = serializers.CharField()
    playlist_id = serializers.IntegerField()


class PlaylistOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    avatar_url = serializers.CharField()
    profile_url = serializers.CharField()


class PlaylistSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A playlist; ``title``, ``description`` and ``visibility`` are writable.

    Read-only fields sent back are tolerated (a client may PUT what it read), unknown ones
    refused.
    """

    id = serializers.IntegerField(read_only=True)
    title = _title_field()
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    visibility = serializers.ChoiceField(
        choices=Playlist.Visibility.choices,
        required=False,
        help_text="Favorites follow the profile's is_public_favorites and refuse a change.",
    )
    is_public = serializers.BooleanField(read_only=True)
    is_favorites = serializers.BooleanField(read_only=True)
    owner = PlaylistOwnerSerializer(read_only=True)
    likes_count = serializers.IntegerField(read_only=True)
    tracks_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    tracks_url = serializers.CharField(read_only=True)


class PlaylistCreateSerializer(PlaylistSerializer):
    """A new playlist, which may start with catalog tracks: one request for the player's
    "Save as playlist"."""

    track_ids = _track_ids_field(
        "Catalog tracks the new playlist starts with, in this order (each song once); an "
        "unknown id creates nothing.",
        required=False,
        write_only=True,
    )


class ReorderResultSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text='"Track moved." or "Playlist reordered."')
    title = serializers.CharField()
    playlist_id = serializers.IntegerField()
    tracks_count = serializers.IntegerField()
    track_id = serializers.IntegerField(allow_null=True, help_text="The moved track (a move).")
    position = serializers.IntegerField(
        allow_null=True, help_text="Where it landed (a move; past the end means last)."
    )


class PlaylistDeletedSerializer(serializers.Serializer):
    detail = serializers.CharField()
