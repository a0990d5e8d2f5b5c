"""A user's whole history as ListenBrainz files: the export they download, and an export
(ours or ListenBrainz's) read back in.

The export is a JSON array of listens, each exactly as ``/1/user/<name>/listens`` answers
it (``presenters.listen``), which is the shape of ListenBrainz's own JSON export. It is
written in batches of ``EXPORT_BATCH_SIZE`` listens from an async iterator, so a long
history is never held in memory (Django reads a sync iterator into a list first under ASGI).

An import accepts that JSON array, JSON Lines (one listen a line, as the listens of
ListenBrainz's export zip are: ``listens/<year>/<month>.jsonl``), a ``submit-listens``
document, and a zip of any of them. Each listen is held to the rules of ``submit-listens``
(``submissions``) but for the keys ListenBrainz adds on export (``inserted_at``,
``recording_msid``, ``user_name``, ``track_metadata.mbid_mapping``...), which are dropped.
A file with one bad listen is refused whole, before anything is written.
"""

import io
import json
import zipfile
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rubysound.catalog import selectors as catalog_selectors

from . import presenters
from .errors import ListenBrainzError
from .submissions import IMPORT, _scrobble

# The most listens one file may bring: a few years of daily listening; more is refused.
MAX_IMPORT_LISTENS = 100_000
# What the members of a zip may hold together once uncompressed: room for MAX_IMPORT_LISTENS
# of ListenBrainz's listens (about 350 bytes each); a zip bomb stops here.
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
# Members of ListenBrainz's export zip that are not listens.
_NOT_LISTENS = ("feedback.jsonl", "user.json", "pinned_recording.jsonl")


class ExportFileError(Exception):
    """A file that is not a ListenBrainz export we can read; ``message`` says why (in
    English, as ListenBrainz's own refusals are)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- export --------------------------------------------------------------------------------


async def export_chunks(user, *, batch_size: int = catalog_selectors.EXPORT_BATCH_SIZE):
    """The user's listens, newest first, as the bytes of one JSON array."""
    read_batch = sync_to_async(catalog_selectors.listens_older_than, thread_sensitive=True)
    yield b"[\n"
    before = None
    separator = ""
    while True:
        rows = await read_batch(user, before, count=batch_size)
        if not rows:
            break
        text = ",\n".join(
            json.dumps(presenters.listen(row, user.username), ensure_ascii=False) for row in rows
        )
        yield (separator + text).encode()
        separator = ",\n"
        if len(rows) < batch_size:
            break
        before = (rows[-1].listened_at, rows[-1].pk)
    yield b"\n]\n"


def export_filename(user, now: datetime | None = None) -> str:
    now = now or timezone.now()
    return f"listenbrainz_{user.username}_{now:%Y%m%d}.json"


# --- import --------------------------------------------------------------------------------


def _documents(data: bytes) -> list[tuple[str, bytes]]:
    """The files to read listens from: the upload itself, or the listens of its zip."""
    if not data.startswith(_ZIP_MAGIC):
        return [("", data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith((".json", ".jsonl"))
            and info.filename.rsplit("/", 1)[-1].lower() not in _NOT_LISTENS
        ]
        if sum(info.file_size for info in members) > MAX_UNCOMPRESSED_BYTES:
            raise ExportFileError("The zip holds more than an import can take.")
        documents = []
        total = 0
        for info in members:
            with archive.open(info) as member:
                content = member.read(MAX_UNCOMPRESSED_BYTES - total + 1)
            total += len(content)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise ExportFileError("The zip holds more than an import can take.")
            documents.append((info.filename, content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError):
        raise ExportFileError("The zip file cannot be read.") from None
    if not documents:
        raise ExportFileError("The zip holds no JSON or JSONL file of listens.")
    return documents


def _items(name: str, data: bytes) -> list:
    where = f"{name}: " if name else ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExportFileError(f"{where}the file is not UTF-8 text.") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise ExportFileError(f"{where}the JSON is nested too deeply.") from None
    except ValueError:
        document = None
        if not text.lstrip().startswith("{"):
            raise ExportFileError(f"{where}the file is neither JSON nor JSON Lines.") from None
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        payload = document.get("payload")
        if isinstance(payload, dict):  # a saved answer of /1/user/<name>/listens
            payload = payload.get("listens")
        return payload if isinstance(payload, list) else [document]
    if document is not None:
        raise ExportFileError(f"{where}the JSON holds no list of listens.")
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except (ValueError, RecursionError):
            raise ExportFileError(f"{where}line {number} is not JSON.") from None
    return items


def _timestamp(value):
    """``listened_at`` as seconds: ListenBrainz writes them as integers, some exports as
    ISO 8601 text. Anything else is left for the rules to refuse."""
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is not None:
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed, UTC)
            return int(parsed.timestamp())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_export(data: bytes, *, now: datetime | None = None) -> list:
    """The scrobbles of an export file (``catalog.services.Scrobble``), or ExportFileError
    naming the first thing wrong with it."""
    now = now or timezone.now()
    items = []
    for name, content in _documents(data):
        items.extend(_items(name, content))
        if len(items) > MAX_IMPORT_LISTENS:
            raise ExportFileError(
                f"The file holds more than {MAX_IMPORT_LISTENS} listens; split it up."
            )
    if not items:
        raise ExportFileError("The file holds no listens.")
    scrobbles = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ExportFileError(f"Listen {number}: a listen must be an object.")
        metadata = item.get("track_metadata")
        if isinstance(metadata, dict):
            metadata = {key: value for key, value in metadata.items() if key != "mbid_mapping"}
        listen = {"listened_at": _timestamp(item.get("listened_at")), "track_metadata": metadata}
        try:
            scrobble, _client = _scrobble(listen, IMPORT, now)
        except ListenBrainzError as error:
            raise ExportFileError(f"Listen {number}: {error.message}") from None
        scrobbles.append(scrobble)
    return scrobbles
