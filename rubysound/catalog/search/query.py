"""A search query as the engine reads it: folded, normalised like the documents, in words.

The documents (migration 0002_search) and the query are normalised alike: apostrophes and
dots dropped, other punctuation read as a space, so "ac dc" and "dc" find "AC/DC" and
"guns n roses" finds "Guns N' Roses". A one-letter word goes with its neighbour as a phrase
("the b" looks for " the b"), since a trigram index cannot look up one letter alone.
"""

# S105: the TOKEN_* constants are punctuation lists, not passwords.
# ruff: noqa: S105

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rubysound.core.text import fold

MAX_QUERY_CHARS = 255
MAX_WORDS = 8

# Keep identical to the lists in migrations/0002_search.py.
TOKEN_DELETE = "'’‘ʼ."
TOKEN_SPACE = '!"#$%&()*+,-/:;<=>?@[\\]^_`{|}~“”„«»‹›–—…¿¡·•'
_TOKEN_TABLE = str.maketrans({**dict.fromkeys(TOKEN_SPACE, " "), **dict.fromkeys(TOKEN_DELETE)})
TRIGRAM = re.compile(r"[^\W_]{3}")


def normalize(text: str) -> str:
    """A folded text as the search documents hold it (without their leading space)."""
    return " ".join(text.translate(_TOKEN_TABLE).split())


@dataclass(frozen=True)
class Query:
    folded: str  # the whole folded query: exact and prefix tiers
    words: tuple[str, ...]  # what the document tiers look for: words, or short phrases
    # The same words with one-letter words apart, when there were any ("edens i" typed
    # for the band The Edens and a song with "I" in its title): looked for when the
    # phrases found nothing, each one-letter word only checked on rows the others find.
    loose: tuple[str, ...] = ()


def substring_term(word: str) -> str:
    # Only a word with three letters in a row can be looked up by trigrams anywhere inside
    # a word; others (two letters, phrases with one-letter words) match where words start.
    if " " not in word and TRIGRAM.search(word):
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


def parse(query: str) -> Query | None:
    """The query as the tiers look for it; None when nothing searchable is left."""
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
    return Query(folded=folded, words=words, loose=loose)


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, int(value)))
