"""Reading public playlists: trending Favorites, one public playlist, its likes and likers.

Counts are correlated subqueries rather than ``Count()`` over joins: two ``Count()``s over
likes and items would multiply each other's rows (likes x items) before counting.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from rubysound.accounts.models import username_key_for

from ..models import Comment, Playlist, PlaylistItem, PlaylistLike

TRENDING_DEFAULT_LIMIT = 8
TRENDING_MAX_LIMIT = 30


def _count_per_playlist(queryset) -> Coalesce:
    """How many rows of ``queryset`` belong to the outer playlist (0 when none)."""
    counted = (
        queryset.filter(playlist=OuterRef("pk"))
        .order_by()
        .values("playlist")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def likes_count_expression() -> Coalesce:
    return _count_per_playlist(PlaylistLike.objects.all())


def tracks_count_expression() -> Coalesce:
    return _count_per_playlist(PlaylistItem.objects.all())


def comments_count_expression() -> Coalesce:
    """Comments people can read: tombstones of deleted ones are not counted."""
    return _count_per_playlist(Comment.objects.filter(deleted_at__isnull=True))


def liked_by_expression(viewer) -> Exists | Value:
    if viewer is None or not viewer.is_authenticated:
        return Value(False, output_field=BooleanField())
    return Exists(PlaylistLike.objects.filter(playlist=OuterRef("pk"), user_id=viewer.pk))


def likes_count(playlist: Playlist) -> int:
    return PlaylistLike.objects.filter(playlist=playlist).count()


def trending_public_favorites(limit: int = TRENDING_DEFAULT_LIMIT) -> list[Playlist]:
    """Public Favorites of active users, most liked first, then most recently updated.

    One query; each playlist carries ``likes_count`` and ``tracks_count`` and its owner.
    """
    return list(
        Playlist.objects.public()
        .favorites()
        .select_related("owner")
        .only("pk", "title", "updated_at", "owner__username", "owner__avatar")
        .annotate(likes_count=likes_count_expression(), tracks_count=tracks_count_expression())
        .order_by("-likes_count", "-updated_at", "-pk")[:limit]
    )


def _public_with_counts(viewer):
    return (
        Playlist.objects.public()
        .select_related("owner")
        .annotate(
            likes_count=likes_count_expression(),
            tracks_count=tracks_count_expression(),
            comments_count=comments_count_expression(),
            liked_by_me=liked_by_expression(viewer),
        )
    )


def public_favorites_of(username: str, viewer=None) -> Playlist | None:
    """The public Favorites of ``username`` (any case), with counts and ``liked_by_me``.

    None when the user does not exist, is inactive, or keeps their Favorites private.
    One query.
    """
    return (
        _public_with_counts(viewer or AnonymousUser())
        .filter(is_favorites=True, owner__username_key=username_key_for(username))
        .first()
    )


def public_playlist(pk: int, viewer=None) -> Playlist | None:
    """Any public playlist (Favorites included) by id, with counts and ``liked_by_me``."""
    return _public_with_counts(viewer or AnonymousUser()).filter(pk=pk).first()


def playlist_likers(playlist: Playlist):
    """Who liked a playlist, newest like first, each like with its user."""
    return (
        PlaylistLike.objects.filter(playlist=playlist)
        .select_related("user")
        .only(
            "pk",
            "created_at",
            "playlist_id",
            "user__username",
            "user__avatar",
            # Whether the liker is named (social.people).
            "user__is_active",
            "user__is_public_favorites",
        )
        .order_by("-created_at", "-pk")
    )
