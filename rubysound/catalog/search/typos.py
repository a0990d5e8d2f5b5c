"""Typo tolerance: catalog words one edit away from a query's words.

A lexicon of the catalog's words (catalog_search_word) is kept with every one-deletion
variant of each word (catalog_search_variant). Two words are within one edit exactly when
one of them, or one deletion of each, coincide, so the corrections of a query word are one
indexed IN (...) lookup of its own deletions; they are then confirmed by an edit distance
in Python. Same answer on both backends, also for short words, where trigram similarity
thresholds either miss ("blir" / "blur" share no trigram) or flood.
"""

# S608: the SQL below is a constant with placeholders; the words travel as parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence

from rubysound.catalog.search.documents import fetch
from rubysound.catalog.search.query import Query, substring_term

FUZZY_MIN_CHARS = 4
MAX_CORRECTIONS = 5
TYPOS_BELOW = 20
KNOWN_WORDS_CORRECTED = 2
# The lexicon holds words of 3 to 40 characters (see migration 0002_search).
LEXICON_MAX_CHARS = 40


def one_edit_apart(a: str, b: str) -> bool:
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


def word_corrections(words: Sequence[str], found: int) -> dict[str, list[str]]:
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
        for row in fetch(
            f"SELECT DISTINCT word FROM catalog_search_variant WHERE variant IN ({placeholders})",
            ordered,
        )
    }
    unknown = [word for word in wanted if word not in known]
    if not unknown and (len(words) > KNOWN_WORDS_CORRECTED or found >= TYPOS_BELOW):
        return {}
    corrections = {}
    for word in unknown or wanted:
        substring = substring_term(word)
        near = sorted(
            (
                k
                for k in known
                # A longer word holding this one is found by its substring term already.
                if k != word and one_edit_apart(word, k) and substring not in k
            ),
            key=lambda k, w=word: (k[0] != w[0], abs(len(k) - len(w)), k),
        )
        if near:
            corrections[word] = near[:MAX_CORRECTIONS]
    return corrections


def corrected_texts(query: Query, corrections: dict[str, list[str]]) -> list[str]:
    """The query as it was probably meant: every corrected word replaced by its best
    correction; for a one-word query, each correction."""
    if len(query.words) == 1:
        return corrections.get(query.words[0], [])
    best = " ".join(corrections[w][0] if w in corrections else w for w in query.words)
    return [best]
