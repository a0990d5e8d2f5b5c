"""The one normaliser for telling whether two services mean the same track or artist.

Every service spells names its own way: "The Beatles" / "Beatles, The", "Beyoncé" /
"Beyonce", "Simon & Garfunkel" / "Simon and Garfunkel", "Let It Be - Remastered 2009" /
"Let It Be (Remastered 2009)" / "Let It Be", "Señorita (feat. X)" / "Señorita". The
aggregation dedupes search results by ``track_key`` and the enrichment picks covers and
previews with ``same_track``; both go through the functions here, so they agree.

What is dropped, and why:
- Case, accents on Latin and Greek letters (é → e), ё → е, punctuation and spacing. Marks
  that make a different letter are kept: Cyrillic й is not и, Japanese ガ is not カ.
- Only *version tags* that name the same recording: remasters, "explicit"/"clean", radio
  and single/album edits, mono/stereo, deluxe/bonus labels, and featured-artist credits
  ("(feat. X)", "feat. X", "ft. X", "featuring X", "(with X)"). They are removed only as a
  bracketed group or a " - " suffix (or, for featuring, after a "feat."/"ft."/"featuring"
  marker), never as loose words: "With or Without You", "Live and Let Die" and
  "Live Forever" keep every word, and "Little Feat" keeps its "Feat".
- Live, remix, acoustic, demo, instrumental and other versions are KEPT: they are
  different recordings with different audio, and merging them would pin a studio preview
  on a live track (or hide the live one from search).
- For artists: a leading "The " (or trailing ", The") and "&"/"+" versus "and".
"""

import re
import unicodedata

from .types import TrackInfo

# Marks on these letters (Latin, Greek) are accents a service may or may not keep; on
# other scripts they change the letter itself.
_ACCENT_FOLDED_RANGES = ((0x0000, 0x024F), (0x0370, 0x03FF), (0x1E00, 0x1FFF))
# Russian writes ё as е more often than not; й stays (a different letter).
_YO = str.maketrans({"ё": "е", "Ё": "Е"})

_VERSION_WORDS = (
    r"(?:\d{2,4}\s+)?(?:digital(?:ly)?\s+)?re-?master(?:ed)?(?:\s+(?:version|edition))?"
    r"(?:\s+\d{2,4})?(?:\s+version)?",
    r"explicit(?:\s+version)?",
    r"clean(?:\s+version)?",
    r"radio\s+edit",
    r"(?:single|album|lp)\s+version",
    r"(?:mono|stereo)(?:\s+(?:version|mix))?",
    r"(?:\d+\w*\s+anniversary\s+)?(?:deluxe|expanded|special)(?:\s+(?:edition|version))?",
    r"bonus\s+track(?:\s+version)?",
)
_VERSION = "(?:" + "|".join(_VERSION_WORDS) + ")"
_FEATURING_MARKER = r"(?:feat\.?|ft\.?|featuring|with)"

# "(Remastered 2011)", "[Explicit]", "(feat. Jay-Z)", "(with Camila Cabello)"
_BRACKETED_VERSION = re.compile(
    rf"\s*[(\[]\s*(?:{_VERSION}|{_FEATURING_MARKER}\s+[^)\]]+)\s*[)\]]", re.IGNORECASE
)
# "Let It Be - Remastered 2009", "Song - 2011 Remaster", "Song - Radio Edit"
_DASHED_VERSION = re.compile(rf"\s+[-–—]\s+{_VERSION}\s*$", re.IGNORECASE)
# A bare credit after the title: "Song feat. X", "Song ft. X", "Song featuring X". The
# dotted forms and "featuring" only: "feat" alone is a word ("Little Feat").
_BARE_FEATURING = re.compile(r"\s+(?:feat\.|ft\.|featuring\s)\s*.*$", re.IGNORECASE)

_BRACKETED_FEATURING = re.compile(rf"\s*[(\[]\s*{_FEATURING_MARKER}\s+[^)\]]+[)\]]", re.IGNORECASE)
_LEADING_THE = re.compile(r"^the\s+(?=\S)")
_TRAILING_THE = re.compile(r",\s*the\s*$", re.IGNORECASE)
_AMPERSAND = re.compile(r"\s*&\s*|\s+\+\s+")
# Apostrophes join ("Don't" = "Dont"); every other non-word character separates.
_APOSTROPHES = re.compile(r"[’'`´]")
_NON_WORD = re.compile(r"[\W_]+")

# How credits list several artists: "Queen & David Bowie", "Jay-Z feat. Rihanna", "A, B".
_CREDIT_SEPARATOR = re.compile(
    r"\s*(?:,|;|/|&|\+|\s(?:and|x|vs\.?|with|feat\.?|ft\.?|featuring)\s)\s*", re.IGNORECASE
)


def fold_to_words(text: str) -> str:
    """The words of ``text``, in order and one space apart: case, Latin and Greek accents,
    punctuation and spacing folded away. Not ``core.text.fold`` (the catalog's name keys),
    which keeps punctuation and drops the marks of every script."""
    text = unicodedata.normalize("NFC", str(text or "")).translate(_YO)
    text = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text))
    kept = []
    base = "\0"  # a mark with no letter before it is dropped like an accent
    for char in text:
        if unicodedata.combining(char):
            if any(low <= ord(base) <= high for low, high in _ACCENT_FOLDED_RANGES):
                continue
        else:
            base = char
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept)).casefold()
    return _NON_WORD.sub(" ", text).strip()


def _fallback(text: str) -> str:
    # A name made only of punctuation ("!!!", "…") would fold to nothing and match every
    # other such name; its own characters, minus spacing, are its identity then.
    return "".join(str(text or "").casefold().split())


def strip_version(title: str) -> str:
    """The title without the version tags that name the same recording."""
    original = str(title or "").strip()
    title, previous = original, None
    while previous != title:  # "Song (feat. X) [Remastered 2011]" has two
        previous = title
        title = _BRACKETED_VERSION.sub("", title).strip()
        title = _DASHED_VERSION.sub("", title).strip()
    title = _BARE_FEATURING.sub("", title).strip() or title
    # A title that is nothing but a tag ("(Remastered)") is that tag.
    return title or original


def normalise_title(title: str) -> str:
    """The form two services' spellings of one track title share."""
    folded = fold_to_words(strip_version(title))
    return folded or _fallback(title)


def normalise_artist(name: str) -> str:
    """The form two services' spellings of one artist name share."""
    raw = str(name or "").strip()
    text = _BRACKETED_FEATURING.sub("", raw)
    text = _BARE_FEATURING.sub("", text).strip() or text
    text = _TRAILING_THE.sub("", text)
    folded = _LEADING_THE.sub("", fold_to_words(_AMPERSAND.sub(" and ", text)))
    return folded or _fallback(raw)


def track_key(artist: str, title: str) -> tuple[str, str]:
    """What two results must share to be the same track (for deduplication)."""
    return normalise_artist(artist), normalise_title(title)


def credited_artists(name: str) -> list[str]:
    """Each artist a credit names, normalised: "Queen & David Bowie" → queen, david bowie."""
    parts = [part for part in _CREDIT_SEPARATOR.split(str(name or "")) if part.strip()]
    names = [normalise_artist(part) for part in parts]
    return [name for name in names if name]


def same_artist(a: str, b: str) -> bool:
    return normalise_artist(a) == normalise_artist(b)


def artist_credited(wanted: str, credit: str) -> bool:
    """Whether ``wanted`` is the artist of ``credit`` or the first artist it lists.

    Looser than ``same_artist``: a service may credit "Queen & David Bowie" for what
    another lists under "Queen". Only the lead artist counts, so a track merely featuring
    the artist is not taken for one of theirs.
    """
    wanted_key = normalise_artist(wanted)
    if wanted_key == normalise_artist(credit):
        return True
    credited = credited_artists(credit)
    return bool(credited) and credited[0] == wanted_key


def same_track(artist_a: str, title_a: str, artist_b: str, title_b: str) -> bool:
    return track_key(artist_a, title_a) == track_key(artist_b, title_b)


def pick_track(candidates: list[TrackInfo], artist: str, title: str) -> TrackInfo | None:
    """The candidate that is ``title`` by ``artist``, in the service's order of relevance.

    Exact artist+title matches first, then a title match whose lead artist is the one
    wanted ("Under Pressure" by "Queen & David Bowie" for Queen); among equals one with a
    preview, which is what enrichment asks the services for. None rather than a near miss:
    a wrong cover is worse than none.
    """
    matches = [c for c in candidates if same_track(c.artist, c.name, artist, title)]
    if not matches:
        wanted_title = normalise_title(title)
        matches = [
            c
            for c in candidates
            if normalise_title(c.name) == wanted_title and artist_credited(artist, c.artist)
        ]
    with_preview = [c for c in matches if c.preview_url]
    return (with_preview or matches or [None])[0]
