"""The document tiers' SQL, per backend: trigram lookups of words in search documents.

On PostgreSQL pg_trgm GIN indexes on side tables of documents, searched with
LIKE '%word%' (inner trigrams are far more selective than the ones marking a word's start)
and checked exactly with strpos(); on SQLite FTS5 tables with the trigram tokenizer,
checked with instr(). Documents are kept by triggers (migration 0002_search), so rows
written by bulk_create, queryset.update(), COPY or raw SQL are found too.
"""

# S608: every SQL string here is put together from constant fragments of this module;
# values (the query's words, limits) always travel as parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

from rubysound.catalog.search.query import MAX_WORDS, TRIGRAM


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _indexed_form(term: str) -> str:
    """What the trigram index looks up for a term.

    A word with three letters in a row: the word alone, without the leading space (the
    trigrams inside words are far rarer than the ones marking a word's start). A short
    word or a phrase with one-letter words: the term as it is, word start included.
    """
    stripped = term.strip()
    if " " not in stripped and TRIGRAM.search(stripped):
        return stripped
    return term


def _strength(alternatives: list[str]) -> int:
    """How selective a group of terms looks to a trigram index (longer is rarer)."""
    return min(len(term.strip()) for term in alternatives)


@dataclass(frozen=True)
class Documents:
    """Where one kind of row keeps its search documents, on each backend.

    PostgreSQL: a side table (id, key, doc) with a trigram GIN index on doc.
    SQLite: an FTS5 table (trigram tokenizer) whose rowid is the row's id; the document is
    its columns joined by newlines, as on PostgreSQL.
    """

    pg_table: str
    pg_columns: str  # id, key
    sqlite_from: str  # FROM ... JOIN ..., the FTS table as f
    sqlite_columns: str  # id, key
    sqlite_fts: str
    sqlite_doc: str


TRACK_DOCS = Documents(
    pg_table="catalog_search_track",
    pg_columns="track_id, title_key",
    sqlite_from="catalog_search_track_fts f JOIN catalog_track t ON t.id = f.rowid",
    sqlite_columns="t.id, t.title_key",
    sqlite_fts="catalog_search_track_fts",
    sqlite_doc="(f.title || char(10) || f.artist || char(10) || f.album)",
)
ALBUM_DOCS = Documents(
    pg_table="catalog_search_album",
    pg_columns="album_id, title_key",
    sqlite_from="catalog_search_album_fts f JOIN catalog_album b ON b.id = f.rowid",
    sqlite_columns="b.id, b.title_key",
    sqlite_fts="catalog_search_album_fts",
    sqlite_doc="(f.title || char(10) || f.artist)",
)
ARTIST_DOCS = Documents(
    pg_table="catalog_search_artist",
    pg_columns="artist_id, name_key",
    sqlite_from="catalog_search_artist_fts f JOIN catalog_artist a ON a.id = f.rowid",
    sqlite_columns="a.id, a.name_key",
    sqlite_fts="catalog_search_artist_fts",
    sqlite_doc="f.name",
)

# The planner cannot estimate how many documents a LIKE '%word%' matches; guessing "many"
# it prefers a sequential (or primary key) scan that stops at the LIMIT, which for a rare
# word reads the whole table (hundreds of milliseconds at a million rows). The GIN index
# answers every such query in a bounded time, so document queries are pinned to it.
_PIN_TO_INDEX = "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off"
_UNPIN = "SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_indexscan TO DEFAULT"
# How many of the query's words the index looks up (the most selective-looking ones);
# every word is then checked exactly on the rows it returns. A GIN bitmap AND of several
# common words costs more than checking them on the rows of the two rarest; FTS5 walks
# its doclists in step and does best with all of them.
INDEXED_WORDS = {"postgresql": 2, "sqlite": MAX_WORDS}


def fetch(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def planned_on_gin() -> Iterator[None]:
    """Plan the document queries inside as GIN bitmap scans (PostgreSQL; see above)."""
    if connection.vendor != "postgresql":
        yield
        return
    outer = connection.in_atomic_block
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(_PIN_TO_INDEX)
        yield
        if outer:  # the caller's transaction goes on: leave its planner alone
            cursor.execute(_UNPIN)


def match_documents(
    docs: Documents, groups: list[list[str]], flag: list[str] | None, limit: int
) -> list[tuple[int, str, bool]]:
    """Rows whose document holds, for every group, one of its terms: (id, key, flag).

    The flag says whether the document also holds every `flag` term. At most `limit`
    rows: when more match, which ones is up to the index.
    """
    # One letter cannot be looked up by trigrams (" x" is two characters): checked only.
    searchable = [group for group in groups if _strength(group) > 1]
    indexed = sorted(searchable, key=_strength, reverse=True)[: INDEXED_WORDS[connection.vendor]]
    if not indexed:
        return []
    pg = connection.vendor == "postgresql"
    contains = "strpos(doc, %s) > 0" if pg else f"instr({docs.sqlite_doc}, %s) > 0"
    checks = " AND ".join("(" + " OR ".join([contains] * len(g)) + ")" for g in groups)
    check_params = [term for group in groups for term in group]
    flag_sql = " AND ".join([contains] * len(flag)) if flag else "1 = 0"
    flag_params = list(flag or [])
    if pg:
        lookup = " AND ".join("(" + " OR ".join(["doc LIKE %s"] * len(g)) + ")" for g in indexed)
        lookup_params = [_like(_indexed_form(term)) for group in indexed for term in group]
        rows = fetch(
            f"SELECT {docs.pg_columns}, {flag_sql} FROM {docs.pg_table} "
            f"WHERE {lookup} AND {checks} LIMIT %s",
            [*flag_params, *lookup_params, *check_params, limit],
        )
    else:
        match = " AND ".join(
            "(" + " OR ".join(_fts_phrase(_indexed_form(term)) for term in group) + ")"
            for group in indexed
        )
        rows = fetch(
            f"SELECT {docs.sqlite_columns}, {flag_sql} FROM {docs.sqlite_from} "
            f"WHERE {docs.sqlite_fts} MATCH %s AND {checks} LIMIT %s",
            [*flag_params, match, *check_params, limit],
        )
    return [(row[0], row[1], bool(row[2])) for row in rows]


def by_length(rows: Iterable[tuple]) -> list[int]:
    """Ids of (id, key, ...) rows, shorter keys first."""
    return [row[0] for row in sorted(rows, key=lambda row: (len(row[1]), row[1], row[0]))]
