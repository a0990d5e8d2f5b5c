"""Reads of stars on albums and artists, and of ratings: each one query, bounded by the ids
asked about (a page of an app's list)."""

from ..models import STARRED_MODELS, Rating


def starred_at(user, kind: str, ids=None) -> dict[int, object]:
    """``{id: starred_at}`` of the user's starred albums or artists (``kind``), only those
    of ``ids`` when given."""
    rows = STARRED_MODELS[kind].objects.filter(user=user)
    if ids is not None:
        rows = rows.filter(**{f"{kind}_id__in": list(ids)})
    return dict(rows.values_list(f"{kind}_id", "starred_at"))


def ratings_of(user, kind: str, ids=None) -> dict[int, int]:
    """``{id: value}`` of the user's ratings of these tracks, albums or artists (``kind``);
    of all of them when ``ids`` is None."""
    field = f"{kind}_id"
    rows = Rating.objects.filter(user=user, **{f"{field}__isnull": False})
    if ids is not None:
        ids = list(ids)
        if not ids:
            return {}
        rows = rows.filter(**{f"{field}__in": ids})
    return dict(rows.values_list(field, "value"))


def rated_albums(user):
    """The user's album ratings, best first (the newest rating first among equals), as a
    queryset: slice it for a page, or use ``.values("album_id")`` as a subquery."""
    rows = Rating.objects.filter(user=user, album__isnull=False)
    return rows.order_by("-value", "-rated_at", "-pk")
