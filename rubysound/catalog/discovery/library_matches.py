"""The library's own track or artist for what a service names: by MusicBrainz id first,
else by artist and title (or name) as the providers' matching normalises them, so that a
result we have is played from our files and linked to our pages."""

from __future__ import annotations

import uuid

from django.db.models import Q

from rubysound.catalog.models import Artist, Track
from rubysound.core.text import fold
from rubysound.providers.gateway import (
    ArtistInfo,
    TrackInfo,
    normalise_artist,
    strip_version,
    track_key,
)


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def library_twins(items: list[TrackInfo]) -> dict[int, Track]:
    """The library track each provider track (by index) is, when it is one: same MBID,
    else same artist and title once normalised. One query for them all."""
    if not items:
        return {}
    mbids = {u for info in items if (u := as_uuid(info.mbid))}
    title_keys = set()
    for info in items:
        title_keys.add(fold(info.name))
        title_keys.add(fold(strip_version(info.name)))
    condition = Q(title_key__in=title_keys)
    if mbids:
        condition |= Q(mbid__in=mbids)
    candidates = list(
        Track.objects.filter(condition)
        .select_related("artist", "album")
        .defer("waveform")
        .order_by("source", "pk")[: 4 * len(items) + 20]
    )
    by_mbid = {str(t.mbid): t for t in reversed(candidates) if t.mbid}
    by_key = {}
    for track in reversed(candidates):  # the first (library files first) wins
        by_key[track_key(track.artist.name, track.title)] = track
    twins = {}
    for index, info in enumerate(items):
        twin = by_mbid.get(info.mbid) if info.mbid else None
        twin = twin or by_key.get(track_key(info.artist, info.name))
        if twin is not None:
            twins[index] = twin
    return twins


def library_artists(infos: list[ArtistInfo]) -> dict[int, Artist]:
    """The library artist each chart artist (by index) is: same MBID, else same name."""
    if not infos:
        return {}
    mbids = {u for info in infos if (u := as_uuid(info.mbid))}
    condition = Q(name_key__in={fold(info.name) for info in infos})
    if mbids:
        condition |= Q(mbid__in=mbids)
    found = list(Artist.objects.filter(condition).only("id", "name", "mbid", "image"))
    by_mbid = {str(a.mbid): a for a in found if a.mbid}
    by_name = {normalise_artist(a.name): a for a in found}
    twins = {}
    for i, info in enumerate(infos):
        twin = (by_mbid.get(info.mbid) if info.mbid else None) or by_name.get(
            normalise_artist(info.name)
        )
        if twin is not None:
            twins[i] = twin
    return twins
