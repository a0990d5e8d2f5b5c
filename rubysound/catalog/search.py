"""Catalog search: one selector interface over tracks, artists and albums, two backends.

Matching
    Queries are folded like names (case, accents, spacing; ``text.fold``). The folded
    query is compared whole with the folded keys (exact, then prefix), and word by word
    with a search document: for a track its title, artist name and album title; for an
    album its title and artist name; for an artist its name. Punctuation does not split
    words differently on the two sides: the document and the query words are normalised
    alike (apostrophes and dots dropped, other punctuation read as a space), so "ac dc"
    and "dc" find "AC/DC" and "guns n roses" finds "Guns N' Roses". A one-letter word
    goes with its neighbour as a phrase ("the b" looks for " the b"), since a trigram
    index cannot look up one letter alone.

Ranking (tiers, best first; a result appears once, in its best tier)
    0. exact: the folded query equals the title (then artist name, then album title);
    1. prefix of the title (then artist, then album), in byte order of the keys;
    2. words: every query word starts a word of the document ("nirvana teen");
    3. substring: every query word occurs in the document ("allica");
    4. typo: a word of 4+ letters may also be a catalog word one letter away from it
       (wrong, missing, extra or two swapped letters: "metalica", "nirvanna"): first the
       exact and prefix matches of the query as corrected, then documents as in 3.
       Words the catalog does not know are always corrected; words it knows only in
       short queries that found fewer than TYPOS_BELOW results (so "love" does not drag
       in "live", "lose" and "move" when it already finds plenty).
    Inside tiers 2 to 4, shorter titles/names first.

Typo tolerance
    A lexicon of the catalog's words (catalog_search_word) is kept with every one-deletion
    variant of each word (catalog_search_variant). Two words are within one edit exactly
    when one of them, or one deletion of each, coincide, so the corrections of a query
    word are one indexed IN (...) lookup of its own deletions; they are then confirmed
    by an edit distance in Python. Same answer on both backends, also for short words,
    where trigram similarity thresholds either miss ("blir" / "blur" share no trigram)
    or flood.

Backends
    Exact and prefix tiers use byte-ordered btree indexes on the keys ("C" collation on
    PostgreSQL, SQLite's BINARY), and (artist_id | album_id, title_key) indexes to list
    an artist's or album's tracks in order. Document tiers use trigram indexes: on
    PostgreSQL pg_trgm GIN indexes on side tables of documents, searched with
    LIKE '%word%' (inner trigrams are far more selective than the ones marking a word's
    start) and checked exactly with strpos(); on SQLite FTS5 tables with the trigram
    tokenizer, checked with instr(). Documents and lexicon are kept by triggers
    (migration 0002_search), so rows written by bulk_create, queryset.update(), COPY or
    raw SQL are found too.

Bounded cost
    A search collects at most SEARCH_RESULT_CAP results (1,000): each tier is an indexed
    query with a LIMIT, and tiers stop as soon as the cap is reached. The total returned
    by search_tracks is therefore a capped count: ``total == SEARCH_RESULT_CAP`` means
    "at least that many"; pages beyond the cap are empty. Limits are clamped to
    MAX_LIMIT; queries are cut to MAX_QUERY_CHARS and MAX_WORDS words. When more rows
    match a document tier than it reads, which of them it reads is up to the index.

Keys
    Searching relies on the folded keys (title_key, name_key). Model.save() sets them;
    code that uses bulk_create must set them itself with ``text.fold``.
"""

# S608: every SQL string here is put together from constant fragments of this module;
# values (the query, its words, limits) always travel as parameters.
# S105: the TOKEN_* constants are punctuation lists, not passwords.
# ruff: noqa: S608, S105

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

from .models import Album, Artist, Track
from .text import fold

SEARCH_RESULT_CAP = 1000
MAX_LIMIT = 100
MAX_QUERY_CHARS = 255
MAX_WORDS = 8
FUZZY_MIN_CHARS = 4
MAX_CORRECTIONS = 5
TYPOS_BELOW = 20
KNOWN_WORDS_CORRECTED = 2
# Rows a document tier reads before ordering them (shorter keys first); at least the cap.
DOCUMENT_CANDIDATES = 200
# Artists (albums) whose name (title) starts with the query whose tracks come in the
# prefix tier; tracks of further ones still come, in the words tier.
PREFIX_GROUPS = 100
# The lexicon holds words of 3 to 40 characters (see migration 0002_search).
LEXICON_MAX_CHARS = 40

# Keep identical to the lists in migrations/0002_search.py.
TOKEN_DELETE = "'’‘ʼ."
TOKEN_SPACE = '!"#$%&()*+,-/:;<=>?@[\\]^_`{|}~“”„«»‹›–—…¿¡·•'
_TOKEN_TABLE = str.maketrans({**dict.fromkeys(TOKEN_SPACE, " "), **dict.fromkeys(TOKEN_DELETE)})
_TRIGRAM = re.compile(r"[^\W_]{3}")
_TOP = "\U0010ffff"  # above every character: prefix p spans [p, p + _TOP)


def normalize(text: str) -> str:
    """A folded text as the search documents hold it (without their leading space)."""
    return " ".join(text.translate(_TOKEN_TABLE).split())


@dataclass(frozen=True)
class _Query:
    folded: str  # the whole folded query: exact and prefix tiers
    words: tuple[str, ...]  # what the document tiers look for: words, or short phrases
    # The same words with one-letter words apart, when there were any ("edens i" typed
    # for the band The Edens and a song with "I" in its title): looked for when the
    # phrases found nothing, each one-letter word only checked on rows the others find.
    loose: tuple[str, ...] = ()


def _substring_term(word: str) -> str:
    # Only a word with three letters in a row can be looked up by trigrams anywhere inside
    # a word; others (two letters, phrases with one-letter words) match where words start.
    if " " not in word and _TRIGRAM.search(word):
        return word
    return " " + word


def _words(normalized: str) -> tuple[str, ...]:
    """The query's words, each one-letter word joined to its neighbour as a phrase."""
    groups: list[list[str]] = []
    waiting: list[str] = []
    for token in normalized.split():
        if len(token) > 1:
            groups.append([*waiting, token])
            waiting = []
        elif groups:
            groups[-1].append(token)
        else:
            waiting.append(token)
    if len(waiting) > 1:  # only one-letter words: "a b c"
        groups.append(waiting)
    words: list[str] = []
    for group in groups:
        word = " ".join(group)
        # A trigram index finds a term by a word that starts with a letter or digit.
        if word[0].isalnum() and word not in words:
            words.append(word)
    return tuple(words[:MAX_WORDS])


def _parse(query: str) -> _Query | None:
    raw = str(query or "")[: MAX_QUERY_CHARS * 4]
    # NUL and other control characters, and lone surrogates, cannot be sent to a database.
    raw = "".join(ch for ch in raw if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cs"})
    folded = fold(raw)[:MAX_QUERY_CHARS].strip()
    if not folded:
        return None
    normalized = normalize(folded)
    words = _words(normalized)
    tokens = list(dict.fromkeys(normalized.split()))[: MAX_WORDS * 2]
    loose: tuple[str, ...] = ()
    if any(" " in word for word in words) and any(len(t) > 1 and t[0].isalnum() for t in tokens):
        loose = tuple(t for t in tokens if t[0].isalnum())
    return _Query(folded=folded, words=words, loose=loose)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, int(value)))


# --- typo tolerance ---------------------------------------------------------------------


def _one_edit_apart(a: str, b: str) -> bool:
    """At most one substitution, insertion, deletion or swap of neighbours apart."""
    if a == b:
        return True
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def _corrections(words: Sequence[str], found: int) -> dict[str, list[str]]:
    """Catalog words one edit away from the query words worth correcting, best first.

    A word the catalog does not know is a likely typo: always corrected. A known word
    only when it is all the query has to go on: no unknown word beside it, at most
    KNOWN_WORDS_CORRECTED words in the query, and fewer than TYPOS_BELOW results so far
    ("blue" meant as "Blur" gets a chance; a full title typed right does not get every
    word rewritten).
    """
    wanted = [w for w in words if FUZZY_MIN_CHARS <= len(w) <= LEXICON_MAX_CHARS and " " not in w]
    if not wanted:
        return {}
    keys = set()
    for word in wanted:
        keys.add(word)
        keys.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    ordered = sorted(keys)
    placeholders = ", ".join(["%s"] * len(ordered))
    known = {
        row[0]
        for row in _fetch(
            f"SELECT DISTINCT word FROM catalog_search_variant WHERE variant IN ({placeholders})",
            ordered,
        )
    }
    unknown = [word for word in wanted if word not in known]
    if not unknown and (len(words) > KNOWN_WORDS_CORRECTED or found >= TYPOS_BELOW):
        return {}
    corrections = {}
    for word in unknown or wanted:
        substring = _substring_term(word)
        near = sorted(
            (
                k
                for k in known
                # A longer word holding this one is found by its substring term already.
                if k != word and _one_edit_apart(word, k) and substring not in k
            ),
            key=lambda k, w=word: (k[0] != w[0], abs(len(k) - len(w)), k),
        )
        if near:
            corrections[word] = near[:MAX_CORRECTIONS]
    return corrections


def _corrected_texts(query: _Query, corrections: dict[str, list[str]]) -> list[str]:
    """The query as it was probably meant: every corrected word replaced by its best
    correction; for a one-word query, each correction."""
    if len(query.words) == 1:
        return corrections.get(query.words[0], [])
    best = " ".join(corrections[w][0] if w in corrections else w for w in query.words)
    return [best]


# --- SQL per backend --------------------------------------------------------------------


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
    if " " not in stripped and _TRIGRAM.search(stripped):
        return stripped
    return term


def _strength(alternatives: list[str]) -> int:
    """How selective a group of terms looks to a trigram index (longer is rarer)."""
    return min(len(term.strip()) for term in alternatives)


@dataclass(frozen=True)
class _Documents:
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


_TRACK_DOCS = _Documents(
    pg_table="catalog_search_track",
    pg_columns="track_id, title_key",
    sqlite_from="catalog_search_track_fts f JOIN catalog_track t ON t.id = f.rowid",
    sqlite_columns="t.id, t.title_key",
    sqlite_fts="catalog_search_track_fts",
    sqlite_doc="(f.title || char(10) || f.artist || char(10) || f.album)",
)
_ALBUM_DOCS = _Documents(
    pg_table="catalog_search_album",
    pg_columns="album_id, title_key",
    sqlite_from="catalog_search_album_fts f JOIN catalog_album b ON b.id = f.rowid",
    sqlite_columns="b.id, b.title_key",
    sqlite_fts="catalog_search_album_fts",
    sqlite_doc="(f.title || char(10) || f.artist)",
)
_ARTIST_DOCS = _Documents(
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


def _fetch(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _planned_on_gin() -> Iterator[None]:
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


def _match_documents(
    docs: _Documents, groups: list[list[str]], flag: list[str] | None, limit: int
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
        rows = _fetch(
            f"SELECT {docs.pg_columns}, {flag_sql} FROM {docs.pg_table} "
            f"WHERE {lookup} AND {checks} LIMIT %s",
            [*flag_params, *lookup_params, *check_params, limit],
        )
    else:
        match = " AND ".join(
            "(" + " OR ".join(_fts_phrase(_indexed_form(term)) for term in group) + ")"
            for group in indexed
        )
        rows = _fetch(
            f"SELECT {docs.sqlite_columns}, {flag_sql} FROM {docs.sqlite_from} "
            f"WHERE {docs.sqlite_fts} MATCH %s AND {checks} LIMIT %s",
            [*flag_params, match, *check_params, limit],
        )
    return [(row[0], row[1], bool(row[2])) for row in rows]


def _by_length(rows: Iterable[tuple]) -> list[int]:
    """Ids of (id, key, ...) rows, shorter keys first."""
    return [row[0] for row in sorted(rows, key=lambda row: (len(row[1]), row[1], row[0]))]


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


class _Kind:
    """How one kind of row (tracks, artists, albums) is looked up by its keys."""

    docs: _Documents

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


class _Tracks(_Kind):
    docs = _TRACK_DOCS

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


class _Named(_Kind):
    """Artists or albums: one key column."""

    def __init__(self, table: str, alias: str, key: str, docs: _Documents):
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


_ARTISTS = _Named("catalog_artist", "a", "name_key", _ARTIST_DOCS)
_ALBUMS = _Named("catalog_album", "b", "title_key", _ALBUM_DOCS)


def _ranked_ids(query: _Query, cap: int, kind: _Kind) -> list[int]:
    """Ids of the best `cap` matches, tier by tier, stopping once the cap is reached."""
    results = _Results(cap)
    for sql, params in kind.key_queries(query.folded, cap):
        if results.full:
            return results.ids
        results.add_sorted_rows(_fetch(sql, params))
    if not query.words or results.full:
        return results.ids
    candidates = max(cap, DOCUMENT_CANDIDATES)
    # Words, then substrings: one document scan, word-start matches ranked first.
    with _planned_on_gin():
        for words in (query.words, query.loose):
            # Words apart only when nothing else was found: "the b" typed on the way to
            # "the beatles" wants the phrase, not every "the" beside a word in "b".
            if not words or results.full or (words is query.loose and results.ids):
                continue
            rows = _match_documents(
                kind.docs,
                [[_substring_term(word)] for word in words],
                [" " + word for word in words],
                candidates,
            )
            results.add(_by_length(row for row in rows if row[2]))
            results.add(_by_length(row for row in rows if not row[2]))
    if results.full:
        return results.ids
    corrections = _corrections(query.words, len(results.ids))
    if not corrections:
        return results.ids
    # Typos: the corrected query's exact and prefix matches, then its documents.
    results.add_sorted_rows(
        _fetch(*kind.corrected_query(_corrected_texts(query, corrections), cap))
    )
    if results.full:
        return results.ids
    groups = [
        [_substring_term(word)] + [" " + near for near in corrections.get(word, [])]
        for word in query.words
    ]
    with _planned_on_gin():
        rows = _match_documents(kind.docs, groups, None, candidates)
    results.add(_by_length(rows))
    return results.ids


# --- the selectors ----------------------------------------------------------------------


def search_tracks(query: str, *, limit: int, offset: int = 0) -> tuple[list[Track], int]:
    """Tracks whose title, artist or album matches: (page of tracks, capped total).

    The tracks come with artist and album loaded (and without their waveform, deferred:
    read it through the track API). The total counts at most SEARCH_RESULT_CAP matches
    (equal to it means "that many or more"), and pages past the cap are empty.
    """
    limit = _clamp(limit, 0, MAX_LIMIT)
    offset = max(0, int(offset))
    parsed = _parse(query)
    if parsed is None:
        return [], 0
    ids = _ranked_ids(parsed, SEARCH_RESULT_CAP, _Tracks())
    page = ids[offset : offset + limit]
    if not page:
        return [], len(ids)
    # The waveform (a thousand numbers a track) stays in the database: no result shows it.
    tracks = (
        Track.objects.select_related("artist", "album").defer("waveform").order_by().in_bulk(page)
    )
    return [tracks[pk] for pk in page if pk in tracks], len(ids)


def search_artists(query: str, *, limit: int) -> list[Artist]:
    """Artists by name, best first (at most MAX_LIMIT)."""
    limit = _clamp(limit, 0, MAX_LIMIT)
    parsed = _parse(query)
    if parsed is None or limit == 0:
        return []
    ids = _ranked_ids(parsed, limit, _ARTISTS)
    artists = Artist.objects.order_by().in_bulk(ids)
    return [artists[pk] for pk in ids if pk in artists]


def search_albums(query: str, *, limit: int) -> list[Album]:
    """Albums by title, or by title and artist words, best first; artist loaded."""
    limit = _clamp(limit, 0, MAX_LIMIT)
    parsed = _parse(query)
    if parsed is None or limit == 0:
        return []
    ids = _ranked_ids(parsed, limit, _ALBUMS)
    albums = Album.objects.select_related("artist").order_by().in_bulk(ids)
    return [albums[pk] for pk in ids if pk in albums]
