"""Tracks known only to a provider, kept as catalog rows once someone keeps them."""

import uuid

from django.db import IntegrityError, transaction

from rubysound.catalog import version as catalog_version
from rubysound.catalog.errors import TrackNameMissing
from rubysound.catalog.library.ingest import get_or_create_album, get_or_create_artist
from rubysound.catalog.models import Album, Artist, Track
from rubysound.core.text import fold


def get_or_create_remote_track(
    name: str,
    artist: str,
    *,
    mbid: str | uuid.UUID | None = None,
    album: str | None = None,
    duration: float | None = None,
    preview_url: str = "",
    image_url: str = "",
    provider_ids: dict | None = None,
) -> Track:
    """The remote track ``name`` by ``artist`` (folded title and name), created when new.

    A track a provider told us about (a search result, a chart entry) becomes a row when
    someone keeps it, e.g. in a playlist: one row per (artist, folded title), however
    often and however concurrently it is asked for. Facts the row lacks (MBID, album,
    duration, preview, image) are filled in from later calls; known ones are kept.
    """
    title = name.strip()[: Track._meta.get_field("title").max_length]
    if not title:
        raise TrackNameMissing
    key = fold(title)
    recording = uuid.UUID(str(mbid)) if mbid else None
    if duration is not None and duration < 0:
        duration = None
    album = (album or "").strip()[: Album._meta.get_field("title").max_length]
    with transaction.atomic(savepoint=False):
        artist_row = get_or_create_artist(artist[: Artist._meta.get_field("name").max_length])
        album_row = get_or_create_album(artist_row, album) if album else None
        remote = Track.objects.filter(
            source=Track.Source.REMOTE, artist=artist_row, title_key=key
        ).order_by("pk")  # the default ordering would join artist and album for nothing
        track = remote.first()
        if track is None:
            catalog_version.changed()  # from now on, a search finds it
            try:
                with transaction.atomic():
                    return Track.objects.create(
                        source=Track.Source.REMOTE,
                        title=title,
                        artist=artist_row,
                        album=album_row,
                        mbid=recording,
                        duration=duration,
                        preview_url=preview_url,
                        remote_image_url=image_url,
                        provider_ids=provider_ids or {},
                    )
            except IntegrityError:  # created meanwhile by a concurrent request
                track = remote.get()
        changed = []
        if album_row is not None and track.album_id is None:
            track.album = album_row
            changed.append("album")
        for field, value in (
            ("mbid", recording),
            ("duration", duration),
            ("preview_url", preview_url),
            ("remote_image_url", image_url),
        ):
            if value and not getattr(track, field):
                setattr(track, field, value)
                changed.append(field)
        if provider_ids and any(k not in track.provider_ids for k in provider_ids):
            track.provider_ids = {**provider_ids, **track.provider_ids}
            changed.append("provider_ids")
        if changed:
            track.save(update_fields=[*changed, "updated_at"])
            catalog_version.changed()
        return track
