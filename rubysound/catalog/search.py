"""Catalog search: one selector interface over tracks, artists and albums.

Queries are folded like names (case, accents, spacing). Results are ranked: exact matches,
then prefix matches, then the rest.
"""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import Album, Artist, Track
from .text import fold


def _ranked(queryset: QuerySet, key_field: str, folded: str) -> QuerySet:
    return queryset.annotate(
        match_rank=Case(
            When(**{key_field: folded}, then=Value(0)),
            When(**{f"{key_field}__startswith": folded}, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )


def search_tracks(query: str, *, limit: int, offset: int = 0) -> tuple[list[Track], int]:
    """Tracks whose title, artist or album matches; (page of tracks, total count)."""
    folded = fold(query)
    if not folded:
        return [], 0
    matches = Track.objects.filter(
        Q(title_key__contains=folded)
        | Q(artist__name_key__contains=folded)
        | Q(album__title_key__contains=folded)
    )
    total = matches.count()
    page = (
        _ranked(matches, "title_key", folded)
        .select_related("artist", "album")
        .order_by("match_rank", "title_key", "pk")[offset : offset + limit]
    )
    return list(page), total


def search_artists(query: str, *, limit: int) -> list[Artist]:
    folded = fold(query)
    if not folded:
        return []
    matches = Artist.objects.filter(name_key__contains=folded)
    return list(_ranked(matches, "name_key", folded).order_by("match_rank", "name_key")[:limit])


def search_albums(query: str, *, limit: int) -> list[Album]:
    folded = fold(query)
    if not folded:
        return []
    matches = Album.objects.filter(title_key__contains=folded).select_related("artist")
    return list(_ranked(matches, "title_key", folded).order_by("match_rank", "title_key")[:limit])
