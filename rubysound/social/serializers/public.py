"""Shapes of the public playlist routes (API reference, section 1: public playlists).

The views answer plain data built here (``trending_item``, ``public_playlist_body``...); the
serializer classes declare those shapes for the OpenAPI document and are checked against
real responses in tests/social/test_public_*.py.
"""

from rest_framework import serializers

from rubysound.catalog.types import Absolutizer
from rubysound.catalog.types.card_shapes import MusicTrackSerializer
from rubysound.core.timefmt import iso_utc

from ..models import Playlist, PlaylistLike
from ..people import LISTENER, ShownUser

# --- Plain data ------------------------------------------------------------------------------


def trending_item(playlist: Playlist, absolute: Absolutizer) -> dict:
    owner = playlist.owner
    return {
        "username": owner.username,
        "avatar_url": absolute(owner.avatar_url),
        "profile_url": absolute(owner.profile_url),
        "playlist_id": playlist.pk,
        "playlist_title": playlist.title,
        "likes_count": playlist.likes_count,
        "tracks_count": playlist.tracks_count,
        "updated_at": iso_utc(playlist.updated_at),
    }


def public_playlist_body(
    playlist: Playlist, tracks: list[dict], absolute: Absolutizer, *, truncated: bool
) -> dict:
    """``{owner, playlist}`` for a playlist read by ``selectors.public`` (counts annotated);
    ``truncated``: the playlist holds more tracks than ``tracks``."""
    owner = playlist.owner
    return {
        "owner": {
            "username": owner.username,
            "avatar_url": absolute(owner.avatar_url),
            "bio": owner.bio,
            "profile_url": absolute(owner.profile_url),
        },
        "playlist": {
            "id": playlist.pk,
            "title": playlist.title,
            "description": playlist.description,
            "is_favorites": playlist.is_favorites,
            "likes_count": playlist.likes_count,
            "liked_by_me": bool(playlist.liked_by_me),
            "comments_count": playlist.comments_count,
            "tracks_count": playlist.tracks_count,
            "tracks_truncated": truncated,
            "updated_at": iso_utc(playlist.updated_at),
            "tracks": tracks,
        },
    }


def like_result(playlist: Playlist, *, liked: bool, likes_count: int) -> dict:
    return {
        "detail": "Playlist liked." if liked else "Like removed.",
        "likes_count": likes_count,
        "liked_by_me": liked,
        "title": playlist.title,
        "playlist_id": playlist.pk,
    }


def liker_item(like: PlaylistLike, absolute: Absolutizer) -> dict:
    liker = ShownUser.of(like.user)
    return {
        "username": liker.username,
        "display_name": liker.display_name,
        "avatar_url": absolute(liker.avatar_url),
        "profile_url": absolute(liker.profile_url) if liker.profile_url else None,
        "liked_at": iso_utc(like.created_at),
    }


# --- Shapes (for the schema) -----------------------------------------------------------------


class TrendingPlaylistSerializer(serializers.Serializer):
    username = serializers.CharField()
    avatar_url = serializers.CharField(help_text="Absolute URL.")
    profile_url = serializers.CharField(help_text="Absolute URL of the public profile page.")
    playlist_id = serializers.IntegerField()
    playlist_title = serializers.CharField()
    likes_count = serializers.IntegerField()
    tracks_count = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class TrendingMetaSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    limit = serializers.IntegerField()


class TrendingPlaylistsSerializer(serializers.Serializer):
    results = TrendingPlaylistSerializer(many=True)
    meta = TrendingMetaSerializer()


class PublicOwnerSerializer(serializers.Serializer):
    username = serializers.CharField()
    avatar_url = serializers.CharField()
    bio = serializers.CharField(allow_blank=True)
    profile_url = serializers.CharField()


class PublicPlaylistTrackSerializer(MusicTrackSerializer):
    position = serializers.IntegerField(help_text="0-based place in the playlist.")
    added_at = serializers.DateTimeField()


class PublicPlaylistDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    is_favorites = serializers.BooleanField()
    likes_count = serializers.IntegerField()
    liked_by_me = serializers.BooleanField(help_text="False for anonymous visitors.")
    comments_count = serializers.IntegerField(help_text="Comments not deleted.")
    tracks_count = serializers.IntegerField(help_text="All the playlist's tracks.")
    tracks_truncated = serializers.BooleanField(
        help_text="More tracks than this answer carries: page through /api/playlists/<id>/tracks/."
    )
    updated_at = serializers.DateTimeField()
    tracks = PublicPlaylistTrackSerializer(many=True)


class PublicPlaylistSerializer(serializers.Serializer):
    owner = PublicOwnerSerializer()
    playlist = PublicPlaylistDetailSerializer()


class PlaylistLikeResultSerializer(serializers.Serializer):
    detail = serializers.CharField()
    likes_count = serializers.IntegerField()
    liked_by_me = serializers.BooleanField()
    title = serializers.CharField()
    playlist_id = serializers.IntegerField()


class PlaylistLikerSerializer(serializers.Serializer):
    """A liker whose profile others cannot open (private, or deactivated) is shown as
    "a listener": no username, no profile link, the default avatar."""

    username = serializers.CharField(allow_null=True, help_text="null for a hidden liker")
    display_name = serializers.CharField(help_text=f'The username, or "{LISTENER}".')
    avatar_url = serializers.CharField()
    profile_url = serializers.CharField(allow_null=True, help_text="null for a hidden liker")
    liked_at = serializers.DateTimeField()


class PlaylistLikersPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PlaylistLikerSerializer(many=True)
