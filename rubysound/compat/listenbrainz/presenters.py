"""Our listens, now-playing rows and top lists in ListenBrainz's JSON shapes."""

import uuid
from datetime import datetime

from rubysound.catalog.types.listenbrainz import track_metadata

# A stable stand-in for ListenBrainz's recording_msid (its id of a submitted recording):
# derived from our track id, so the same track always has the same one.
_MSID_NAMESPACE = uuid.UUID("5b3f0b4e-7d1e-4c4e-9a57-2f5a3c9d1e10")


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def recording_msid(track) -> str:
    return str(uuid.uuid5(_MSID_NAMESPACE, str(track.pk)))


def listen(row, user_name: str) -> dict:
    return {
        "listened_at": _ts(row.listened_at),
        "inserted_at": _ts(row.created_at),
        "recording_msid": recording_msid(row.track),
        "user_name": user_name,
        "track_metadata": track_metadata(row.track),
    }


def listens_payload(rows, user_name: str, latest: datetime | None) -> dict:
    return {
        "payload": {
            "count": len(rows),
            "latest_listen_ts": _ts(latest) or 0,
            "listens": [listen(row, user_name) for row in rows],
            "user_id": user_name,
        }
    }


def playing_now_payload(row, user_name: str) -> dict:
    listens = []
    if row is not None:
        metadata = track_metadata(row.track)
        if row.client:
            metadata["additional_info"]["submission_client"] = row.client
        listens.append({"playing_now": True, "track_metadata": metadata})
    return {
        "payload": {
            "count": len(listens),
            "listens": listens,
            "playing_now": True,
            "user_id": user_name,
        }
    }


def _mbids(value) -> list[str]:
    return [str(value)] if value else []


def _artist(row: dict) -> dict:
    return {
        "artist_name": row["track__artist__name"],
        "artist_mbids": _mbids(row["track__artist__mbid"]),
        "listen_count": row["listen_count"],
    }


def _recording(row: dict) -> dict:
    return {
        "track_name": row["track__title"],
        "recording_mbid": str(row["track__mbid"]) if row["track__mbid"] else None,
        "artist_name": row["track__artist__name"],
        "artist_mbids": _mbids(row["track__artist__mbid"]),
        "release_name": row["track__album__title"],
        "release_mbid": str(row["track__album__mbid"]) if row["track__album__mbid"] else None,
        "listen_count": row["listen_count"],
    }


def _release(row: dict) -> dict:
    return {
        "release_name": row["track__album__title"],
        "release_mbid": str(row["track__album__mbid"]) if row["track__album__mbid"] else None,
        "artist_name": row["track__album__artist__name"],
        "artist_mbids": _mbids(row["track__album__artist__mbid"]),
        "listen_count": row["listen_count"],
    }


_ENTRY = {"artists": _artist, "recordings": _recording, "releases": _release}
_TOTAL = {
    "artists": "total_artist_count",
    "recordings": "total_recording_count",
    "releases": "total_release_count",
}


def top_payload(
    top: dict, *, entity: str, user_name: str, range_name: str, offset: int, now: datetime
) -> dict:
    entries = [_ENTRY[entity](row) for row in top["entries"]]
    return {
        "payload": {
            entity: entries,
            "count": len(entries),
            _TOTAL[entity]: top["total"],
            "offset": offset,
            "range": range_name,
            "from_ts": _ts(top["from"]) or 0,
            "to_ts": _ts(top["to"]),
            "last_updated": _ts(now),
            "user_id": user_name,
        }
    }
