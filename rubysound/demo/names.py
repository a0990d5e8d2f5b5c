"""Invented names for the demo: artists, albums and tracks in the manner of their genre.

Every name comes from a seeded ``random.Random`` the caller owns, so the same seed names the
same library. Django is imported only when a name is compared (``name_key``), so processes
that only synthesise audio never load it.
"""

import random
import re

_FIRST = [
    "Mara", "Jonas", "Chloé", "Björn", "Inés", "Theo", "Nadia", "Felix", "Zoë", "Ravi",
    "Sigrún", "Luca", "Amara", "Otto", "Léa", "Kenji", "Elena", "Tomás", "Ingrid", "Yusuf",
]  # fmt: skip
_LAST = [
    "Kestrel", "Whitfield", "Marchand", "Ålund", "Calderón", "Okafor", "Varga", "Lindqvist",
    "Moreau", "Hollis", "Brandt", "Nakamura", "Sørensen", "Abernathy", "Duarte", "Halloran",
]  # fmt: skip
_ADJECTIVES = [
    "Velvet", "Paper", "Neon", "Hollow", "Silver", "Electric", "Quiet", "Golden", "Broken",
    "Midnight", "Copper", "Static", "Crimson", "Wild", "Lunar", "Glass", "Northern", "Amber",
]  # fmt: skip
_NOUNS = [
    "Lanterns", "Comets", "Harbors", "Orchards", "Foxes", "Satellites", "Tides", "Engines",
    "Sparrows", "Ghosts", "Parades", "Wolves", "Circuits", "Lights", "Rivers", "Kites",
]  # fmt: skip
_SINGULAR = [
    "Bloom", "Signal", "Drift", "Prism", "Pulse", "Mirage", "Vector", "Horizon", "Cascade",
    "Tangent", "Aurora", "Echo",
]  # fmt: skip
_MC = ["MC", "Lil", "Kid", "DJ", "Young", "Big"]
_MC_NAMES = ["Lumen", "Parallax", "Quasar", "Nova", "Cipher", "Halo", "Verse", "Atlas", "Rhyme"]
_METAL_A = ["Iron", "Ashen", "Obsidian", "Grave", "Storm", "Black", "Frost", "Rust", "Bone"]
_METAL_B = ["Verdict", "Throne", "Covenant", "Monolith", "Reaper", "Eclipse", "Furnace", "Oath"]
_ENSEMBLES = ["Trio", "Quartet", "Quintet", "Ensemble"]
_CITIES = ["Lyra", "Halden", "Vienne", "Aurin", "Castellón", "Bergen", "Lucerne"]
_ALBUM_A = [
    "Midnight", "Low Tide", "Paper", "Northern", "Electric", "Slow", "Hidden", "Summer",
    "Glass", "Secret", "Distant", "Velvet", "Broken", "Golden", "Silent", "Neon", "Late",
]  # fmt: skip
_ALBUM_B = [
    "Cartography", "Signals", "Gardens", "Weather", "Frequencies", "Rooms", "Letters",
    "Horizons", "Echoes", "Machines", "Motels", "Rivers", "Stories", "Ceremonies", "Maps",
]  # fmt: skip
_TRACK_A = [
    "Running on", "Paper", "Golden", "Under the", "Ghost of", "Neon", "All the", "Lights of",
    "Letters to", "Slow", "Falling", "Midnight", "Tell Me", "Across the", "Last", "Little",
    "Dancing in", "Waiting for", "Somewhere in", "Hello",
]  # fmt: skip
_TRACK_B = [
    "Static", "Moons", "Hour", "Water", "the City", "Summer", "Glass", "Satellites", "Home",
    "December", "Rain", "Fire", "Stars", "the Ocean", "Heartbeat", "Tomorrow", "Gold",
    "Wires", "Strangers", "Paris",
]  # fmt: skip
_MOVEMENTS = [
    "Allegro", "Adagio", "Andante", "Scherzo", "Presto", "Largo", "Menuetto", "Rondo",
    "Intermezzo", "Nocturne", "Romanza", "Finale",
]  # fmt: skip
_KEYS = ["C major", "D minor", "E-flat major", "F minor", "G major", "A minor", "B-flat major"]
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def name_key(text: str) -> str:
    """The catalog's matching key of a name: two names with one key become one artist."""
    from rubysound.catalog.selectors import fold

    return fold(text)


def artist_name(rng: random.Random, genre: str) -> str:
    if genre == "Rock":
        return f"The {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    if genre == "Pop":
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    if genre == "Hip-Hop":
        return f"{rng.choice(_MC)} {rng.choice(_MC_NAMES)}"
    if genre == "Electronic":
        return f"{rng.choice(_ADJECTIVES)} {rng.choice(_SINGULAR)}"
    if genre == "Jazz":
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {rng.choice(_ENSEMBLES)}"
    if genre == "Metal":
        return f"{rng.choice(_METAL_A)} {rng.choice(_METAL_B)}"
    if genre == "Indie":
        return rng.choice([f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}", rng.choice(_NOUNS)])
    return rng.choice(
        [
            f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            f"Orchestre de {rng.choice(_CITIES)}",
            f"The {rng.choice(_LAST)} String Quartet",
        ]
    )


def album_title(rng: random.Random, genre: str, index: int) -> str:
    if genre == "Classical":
        return rng.choice(
            [
                f"Sonatas in {rng.choice(_KEYS)}",
                f"Nocturnes and Preludes, Book {index + 1}",
                f"Symphony No. {rng.randint(1, 9)} in {rng.choice(_KEYS)}",
            ]
        )
    return f"{rng.choice(_ALBUM_A)} {rng.choice(_ALBUM_B)}"


def track_title(rng: random.Random, genre: str, number: int) -> str:
    if genre == "Classical":
        return f"{_ROMAN[(number - 1) % len(_ROMAN)]}. {rng.choice(_MOVEMENTS)}"
    return f"{rng.choice(_TRACK_A)} {rng.choice(_TRACK_B)}"


def safe_name(text: str) -> str:
    """``text`` as a file or folder name on any filesystem."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "-", text).strip(" .") or "untitled"
