"""Liking and unliking playlists; the owner hears of it live, after the transaction commits."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ..errors import OwnPlaylistError, PlaylistNotPublicError
from ..models import Notification, Playlist, PlaylistLike
from ..realtime import push_to_user_on_commit
from ..selectors.notifications import unread_count
from ..selectors.public import likes_count
from ..versions import playlists_changed
from .notifications import notify, withdraw_unread


@dataclass(frozen=True)
class LikeOutcome:
    liked: bool  # whether the user likes the playlist now
    changed: bool  # False when the call found it already so (a repeated request)
    likes_count: int


def _check_likeable(user, playlist: Playlist) -> None:
    if playlist.owner_id == user.pk:
        raise OwnPlaylistError
    if not playlist.is_public:
        raise PlaylistNotPublicError


def like_playlist(user, playlist: Playlist) -> LikeOutcome:
    """``user`` likes ``playlist``; liking it again changes nothing.

    Two simultaneous likes by one user leave one row: the second insert meets the unique
    constraint inside its own savepoint and is answered like a repeated request. Only the
    like that created the row notifies the owner.
    """
    _check_likeable(user, playlist)
    with transaction.atomic():
        try:
            with transaction.atomic():
                PlaylistLike.objects.create(playlist=playlist, user=user)
            created = True
        except IntegrityError:
            created = False
        count = likes_count(playlist)
        if created:
            playlists_changed(playlist.owner_id)  # the owner's reads show the count
            notify(
                recipient=playlist.owner,
                actor=user,
                type=Notification.Type.PLAYLIST_LIKE,
                playlist=playlist,
                extra={
                    "playlist_id": playlist.pk,
                    "playlist_title": playlist.title,
                    "likes_count": count,
                },
            )
    return LikeOutcome(liked=True, changed=created, likes_count=count)


def unlike_playlist(user, playlist: Playlist) -> LikeOutcome:
    """``user`` no longer likes ``playlist``; unliking it again changes nothing.

    The owner's unread notification of that like goes away (a read one stays in their
    history), and their open pages are told the new count and which notifications vanished.
    """
    _check_likeable(user, playlist)
    with transaction.atomic():
        deleted, _ = PlaylistLike.objects.filter(playlist=playlist, user=user).delete()
        count = likes_count(playlist)
        if deleted:
            playlists_changed(playlist.owner_id)
            owner = playlist.owner
            withdrawn = withdraw_unread(
                recipient=owner,
                actor=user,
                type=Notification.Type.PLAYLIST_LIKE,
                playlist=playlist,
            )
            push_to_user_on_commit(
                owner.pk,
                {
                    "type": "playlist_like_removed",
                    "actor_username": user.username,
                    "playlist_id": playlist.pk,
                    "playlist_title": playlist.title,
                    "likes_count": count,
                    "notification_ids": withdrawn,
                    "unread_count": unread_count(owner),
                },
            )
    return LikeOutcome(liked=False, changed=bool(deleted), likes_count=count)
