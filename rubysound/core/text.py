"""Folding names for matching: 'Björk', 'BJORK' and ' bjork ' are one artist."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a name, for keys and search.

    Letters keep their identity beyond accents (ø, ß, ł are folded by casefold and
    decomposition where Unicode defines one); punctuation is kept, as it can tell titles
    apart ("Help!" and "Help" are different songs).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()
