"""The catalog's write side, as other apps see it.

Every write is one named function in the module of its concern (``library.ingest``,
``library.uploads``, ``library.artwork``, ``library.remote_tracks``, the scanner,
``listening.imports``, ``listening.play_queue``, ``discovery.mbids``); this module names
the ones other apps and their commands call. Inside the catalog, callers import the
concrete module instead.
"""

from rubysound.catalog.discovery.mbids import record_artist_mbid
from rubysound.catalog.library.remote_tracks import get_or_create_remote_track
from rubysound.catalog.library.scan_targets import ScanError, resolve_targets
from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.listening.imports import (
    ImportedListen,
    import_listens,
    replace_imported_listens,
)
from rubysound.catalog.listening.listens import CLOCK_SKEW as LISTEN_CLOCK_SKEW
from rubysound.catalog.listening.listens import EARLIEST_LISTEN, delete_listen, record_listen
from rubysound.catalog.listening.now_playing import set_now_playing, set_now_playing_scrobble
from rubysound.catalog.listening.play_queue import (
    MAX_QUEUE_TRACKS,
    save_play_queue,
    save_play_queue_by_track,
)
from rubysound.catalog.listening.scrobble_links import (
    finish_lastfm_link,
    link_lastfm,
    link_listenbrainz,
    start_lastfm_link,
    unlink,
)
from rubysound.catalog.listening.scrobble_outbox import scrobble_link_refused
from rubysound.catalog.listening.scrobbles import (
    Scrobble,
    import_scrobbles,
    import_scrobbles_in_chunks,
    record_scrobbles,
)
from rubysound.catalog.listening.tallies import Signal as ChartSignal
from rubysound.catalog.listening.tallies import register_signal as register_chart_signal
from rubysound.catalog.models import genre_slug

__all__ = [
    "EARLIEST_LISTEN",
    "LISTEN_CLOCK_SKEW",
    "MAX_QUEUE_TRACKS",
    "ChartSignal",
    "ImportedListen",
    "ScanError",
    "Scrobble",
    "delete_listen",
    "finish_lastfm_link",
    "genre_slug",
    "get_or_create_remote_track",
    "import_listens",
    "import_scrobbles",
    "import_scrobbles_in_chunks",
    "link_lastfm",
    "link_listenbrainz",
    "record_artist_mbid",
    "record_listen",
    "record_scrobbles",
    "register_chart_signal",
    "replace_imported_listens",
    "resolve_targets",
    "save_play_queue",
    "save_play_queue_by_track",
    "scan_library",
    "scrobble_link_refused",
    "set_now_playing",
    "set_now_playing_scrobble",
    "start_lastfm_link",
    "unlink",
]
