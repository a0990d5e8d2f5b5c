"""A track in ListenBrainz's ``track_metadata`` shape: what we send to a linked ListenBrainz
(or another server speaking its API) and what our own ListenBrainz-compatible API answers."""

from rubysound import __version__

CLIENT_NAME = "RubySound"


def track_metadata(track) -> dict:
    """``track`` with its artist and album loaded (their MBIDs are read too)."""
    info: dict = {"submission_client": CLIENT_NAME, "submission_client_version": __version__}
    if track.mbid:
        info["recording_mbid"] = str(track.mbid)
    if track.artist.mbid:
        info["artist_mbids"] = [str(track.artist.mbid)]
    if track.album_id and track.album.mbid:
        info["release_mbid"] = str(track.album.mbid)
    if track.duration:
        info["duration_ms"] = int(track.duration * 1000)
    metadata = {
        "artist_name": track.artist.name,
        "track_name": track.title,
        "additional_info": info,
    }
    if track.album_id:
        metadata["release_name"] = track.album.title
    return metadata
