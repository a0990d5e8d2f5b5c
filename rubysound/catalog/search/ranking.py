"""Ranked ids per kind of row (tracks, artists, albums): the tiers, best first.

Exact and prefix tiers use byte-ordered btree indexes on the keys ("C" collation on
PostgreSQL, SQLite's BINARY), and (artist_id | album_id, title_key) indexes to list an
artist's or album's tracks in order; the document tiers are ``documents``'s, the typo tier
``typos``'s. Each tier is an indexed query with a LIMIT, and tiers stop once the cap is
reached.
"""

# S608: every SQL string here is put together from constant fragments of this module;
# values (the query, its words, limits) always travel as parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection

from rubysound.catalog.search.documents import (
    ALBUM_DOCS,
    ARTIST_DOCS,
    TRACK_DOCS,
    Documents,
    by_length,
    fetch,
    match_documents,
    planned_on_gin,
)
from rubysound.catalog.search.query import Query, substring_term
from rubysound.catalog.search.typos import corrected_texts, word_corrections

# Rows a document tier reads before ordering them (shorter keys first); at least the cap.
DOCUMENT_CANDIDATES = 200
# Artists (albums) whose name (title) starts with the query whose tracks come in the
# prefix tier; tracks of further ones still come, in the words tier.
PREFIX_GROUPS = 100
_TOP = "\U0010ffff"  # above every character: prefix p spans [p, p + _TOP)


def _collated(column: str) -> str:
    """A key column compared in byte order (SQLite's default BINARY collation is)."""
    return f'{column} COLLATE "C"' if connection.vendor == "postgresql" else column


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


class _Results:
    """Ids in rank order, each once, up to a cap."""

    def __init__(self, cap: int):
        self.cap = cap
        self.ids: list[int] = []
        self._seen: set[int] = set()

    @property
    def full(self) -> bool:
        return len(self.ids) >= self.cap

    def add(self, ids: Iterable[int]) -> None:
        ids_list, seen, room = self.ids, self._seen, self.cap - len(self.ids)
        for pk in ids:
            if room <= 0:
                return
            if pk not in seen:
                seen.add(pk)
                ids_list.append(pk)
                room -= 1

    def add_sorted_rows(self, rows: list[tuple]) -> None:
        """Rows of (sort key..., id), taken in the order of their sort keys."""
        rows.sort()
        self.add(row[-1] for row in rows)


class Kind:
    """How one kind of row (tracks, artists, albums) is looked up by its keys."""

    docs: Documents

    def key_queries(self, folded: str, cap: int) -> list[tuple[str, list]]:
        """Exact then prefix matches of the whole folded query, best first; each returns
        rows of (sort key..., id)."""
        raise NotImplementedError

    def corrected_query(self, texts: list[str], cap: int) -> tuple[str, list]:
        """One statement: exact matches of any corrected text, then title (name) prefix
        matches of the first one."""
        raise NotImplementedError


def _tracks_of(
    table: str, alias: str, key: str, fk: str, condition: str, cap: int, part: int | None = None
) -> str:
    """Tracks of the first PREFIX_GROUPS artists (albums) matching `condition`.

    Rows are (part?, group key, group id, title key, track id). Only the groups are
    ordered in SQL: tracks come per group from a (group, title, id) index, so the LIMIT
    stops the nested loop early instead of sorting every track of every group; the
    caller sorts the rows it gets.
    """
    column = _collated(f"{alias}.{key}")
    head = f"{part}, " if part is not None else ""
    return (
        f"SELECT {head}{alias}.{key}, {alias}.id, t.title_key, t.id FROM "
        f"(SELECT {alias}.id, {alias}.{key} FROM {table} {alias} WHERE {condition} "
        f"ORDER BY {column}, {alias}.id LIMIT {PREFIX_GROUPS}) AS {alias} "
        f"JOIN catalog_track t ON t.{fk} = {alias}.id "
        f"ORDER BY {column}, {alias}.id LIMIT {cap}"
    )


class _Tracks(Kind):
    docs = TRACK_DOCS

    @staticmethod
    def _title_matches(condition: str, cap: int, part: int | None = None) -> str:
        title = _collated("t.title_key")
        head = f"{part}, " if part is not None else ""
        tail = ", 0, ''" if part is not None else ""
        return (
            f"SELECT {head}t.title_key{tail}, t.id FROM catalog_track t WHERE {condition} "
            f"ORDER BY {title}, t.id LIMIT {cap}"
        )

    def _exact(self, values: list[str], cap: int) -> tuple[list[str], list]:
        """Exact matches on title, artist name, album title: parts of one UNION ALL, each
        row (part, key, group, key, id)."""
        marks = _placeholders(values)
        title, name, album = (
            _collated("t.title_key"),
            _collated("a.name_key"),
            _collated("b.title_key"),
        )
        parts = [
            self._title_matches(f"{title} IN ({marks})", cap, part=0),
            _tracks_of(
                "catalog_artist", "a", "name_key", "artist_id", f"{name} IN ({marks})", cap, 1
            ),
            _tracks_of(
                "catalog_album", "b", "title_key", "album_id", f"{album} IN ({marks})", cap, 2
            ),
        ]
        parts = [f"SELECT * FROM ({sql}) AS part{n}" for n, sql in enumerate(parts)]
        return parts, [*values, *values, *values]

    def key_queries(self, folded: str, cap: int) -> list[tuple[str, list]]:
        title, name, album = (
            _collated("t.title_key"),
            _collated("a.name_key"),
            _collated("b.title_key"),
        )
        exact, params = self._exact([folded], cap)
        span = [folded, folded + _TOP]
        return [
            (" UNION ALL ".join(exact), params),
            (self._title_matches(f"{title} >= %s AND {title} < %s", cap), span),
            (
                _tracks_of(
                    "catalog_artist",
                    "a",
                    "name_key",
                    "artist_id",
                    f"{name} >= %s AND {name} < %s",
                    cap,
                ),
                span,
            ),
            (
                _tracks_of(
                    "catalog_album",
                    "b",
                    "title_key",
                    "album_id",
                    f"{album} >= %s AND {album} < %s",
                    cap,
                ),
                span,
            ),
        ]

    def corrected_query(self, texts: list[str], cap: int) -> tuple[str, list]:
        title = _collated("t.title_key")
        parts, params = self._exact(texts, cap)
        prefix = self._title_matches(f"{title} >= %s AND {title} < %s", cap, part=3)
        parts.append(f"SELECT * FROM ({prefix}) AS part3")
        return " UNION ALL ".join(parts), [*params, texts[0], texts[0] + _TOP]


class _Named(Kind):
    """Artists or albums: one key column."""

    def __init__(self, table: str, alias: str, key: str, docs: Documents):
        self.table, self.alias, self.key, self.docs = table, alias, key, docs

    def _exact(self, values: list[str], cap: int) -> str:
        column = _collated(f"{self.alias}.{self.key}")
        return (
            f"SELECT 0 AS part, {self.alias}.{self.key} AS k, {self.alias}.id "
            f"FROM {self.table} {self.alias} "
            f"WHERE {column} IN ({_placeholders(values)}) "
            f"ORDER BY {column}, {self.alias}.id LIMIT {cap}"
        )

    def _prefix(self, cap: int) -> str:
        column = _collated(f"{self.alias}.{self.key}")
        return (
            f"SELECT 1, {self.alias}.{self.key}, {self.alias}.id FROM {self.table} {self.alias} "
            f"WHERE {column} >= %s AND {column} < %s "
            f"ORDER BY {column}, {self.alias}.id LIMIT {cap}"
        )

    def key_queries(self, folded: str, cap: int) -> list[tuple[str, list]]:
        return [
            (self._exact([folded], cap), [folded]),
            (self._prefix(cap), [folded, folded + _TOP]),
        ]

    def corrected_query(self, texts: list[str], cap: int) -> tuple[str, list]:
        sql = (
            f"SELECT * FROM ({self._exact(texts, cap)}) AS e "
            f"UNION ALL SELECT * FROM ({self._prefix(cap)}) AS p"
        )
        return sql, [*texts, texts[0], texts[0] + _TOP]


TRACKS: Kind = _Tracks()
ARTISTS: Kind = _Named("catalog_artist", "a", "name_key", ARTIST_DOCS)
ALBUMS: Kind = _Named("catalog_album", "b", "title_key", ALBUM_DOCS)


def ranked_ids(query: Query, cap: int, kind: Kind) -> list[int]:
    """Ids of the best `cap` matches, tier by tier, stopping once the cap is reached."""
    results = _Results(cap)
    for sql, params in kind.key_queries(query.folded, cap):
        if results.full:
            return results.ids
        results.add_sorted_rows(fetch(sql, params))
    if not query.words or results.full:
        return results.ids
    candidates = max(cap, DOCUMENT_CANDIDATES)
    # Words, then substrings: one document scan, word-start matches ranked first.
    with planned_on_gin():
        for words in (query.words, query.loose):
            # Words apart only when nothing else was found: "the b" typed on the way to
            # "the beatles" wants the phrase, not every "the" beside a word in "b".
            if not words or results.full or (words is query.loose and results.ids):
                continue
            rows = match_documents(
                kind.docs,
                [[substring_term(word)] for word in words],
                [" " + word for word in words],
                candidates,
            )
            results.add(by_length(row for row in rows if row[2]))
            results.add(by_length(row for row in rows if not row[2]))
    if results.full:
        return results.ids
    corrections = word_corrections(query.words, len(results.ids))
    if not corrections:
        return results.ids
    # Typos: the corrected query's exact and prefix matches, then its documents.
    results.add_sorted_rows(fetch(*kind.corrected_query(corrected_texts(query, corrections), cap)))
    if results.full:
        return results.ids
    groups = [
        [substring_term(word)] + [" " + near for near in corrections.get(word, [])]
        for word in query.words
    ]
    with planned_on_gin():
        rows = match_documents(kind.docs, groups, None, candidates)
    results.add(by_length(rows))
    return results.ids
