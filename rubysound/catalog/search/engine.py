"""Catalog search: one selector interface over tracks, artists and albums, two backends.

Matching (``query``)
    Queries are folded like names (case, accents, spacing; ``text.fold``). The folded
    query is compared whole with the folded keys (exact, then prefix), and word by word
    with a search document: for a track its title, artist name and album title; for an
    album its title and artist name; for an artist its name. Punctuation does not split
    words differently on the two sides: the document and the query words are normalised
    alike (apostrophes and dots dropped, other punctuation read as a space), so "ac dc"
    and "dc" find "AC/DC" and "guns n roses" finds "Guns N' Roses". A one-letter word
    goes with its neighbour as a phrase ("the b" looks for " the b"), since a trigram
    index cannot look up one letter alone.

Ranking (``ranking``; tiers, best first; a result appears once, in its best tier)
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

Typo tolerance (``typos``)
    A lexicon of the catalog's words with every one-deletion variant of each word: the
    corrections of a query word are one indexed lookup of its own deletions, confirmed by
    an edit distance in Python. Same answer on both backends.

Backends (``ranking`` for the keys, ``documents`` for the words)
    Exact and prefix tiers use byte-ordered btree indexes on the keys. Document tiers use
    trigram indexes: pg_trgm GIN indexes on PostgreSQL, FTS5 trigram tables on SQLite.
    Documents and lexicon are kept by triggers (migration 0002_search), so rows written by
    bulk_create, queryset.update(), COPY or raw SQL are found too.

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

These selectors read the database every time; ``library`` caches their answers for the
routes and pages that show them.
"""

from __future__ import annotations

from rubysound.catalog.models import Album, Artist, Track
from rubysound.catalog.search.query import clamp, parse
from rubysound.catalog.search.ranking import ALBUMS, ARTISTS, TRACKS, ranked_ids

SEARCH_RESULT_CAP = 1000
MAX_LIMIT = 100


def search_tracks(query: str, *, limit: int, offset: int = 0) -> tuple[list[Track], int]:
    """Tracks whose title, artist or album matches: (page of tracks, capped total).

    The tracks come with artist and album loaded (and without their waveform, deferred:
    read it through the track API). The total counts at most SEARCH_RESULT_CAP matches
    (equal to it means "that many or more"), and pages past the cap are empty.
    """
    limit = clamp(limit, 0, MAX_LIMIT)
    offset = max(0, int(offset))
    parsed = parse(query)
    if parsed is None:
        return [], 0
    ids = ranked_ids(parsed, SEARCH_RESULT_CAP, TRACKS)
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
    limit = clamp(limit, 0, MAX_LIMIT)
    parsed = parse(query)
    if parsed is None or limit == 0:
        return []
    ids = ranked_ids(parsed, limit, ARTISTS)
    artists = Artist.objects.order_by().in_bulk(ids)
    return [artists[pk] for pk in ids if pk in artists]


def search_albums(query: str, *, limit: int) -> list[Album]:
    """Albums by title, or by title and artist words, best first; artist loaded.

    No route shows albums yet (the bench times it); the search page is to list them next.
    """
    limit = clamp(limit, 0, MAX_LIMIT)
    parsed = parse(query)
    if parsed is None or limit == 0:
        return []
    ids = ranked_ids(parsed, limit, ALBUMS)
    albums = Album.objects.select_related("artist").order_by().in_bulk(ids)
    return [albums[pk] for pk in ids if pk in albums]
