"""What the demo library holds: its tracks' names, tags and file layout, from a seed."""

import random
from dataclasses import dataclass

from .names import album_title, artist_name, name_key, safe_name, track_title

GENRES = ("Rock", "Pop", "Hip-Hop", "Electronic", "Jazz", "Metal", "Indie", "Classical")
FORMATS = ("flac", "ogg", "mp3")
FOLDER_IMAGES = ("cover.jpg", "folder.jpg", "front.png")


@dataclass(frozen=True)
class DemoTrack:
    path: str  # relative to the demo root, POSIX
    title: str
    artist: str
    album: str
    genre: str
    year: int
    track_number: int
    track_total: int
    disc_number: int
    format: str
    seconds: float
    cover: str  # "embedded", a folder image name, or ""
    seed: int


def plan_demo_library(
    *,
    seed: int,
    artists: int,
    albums_per_artist: int,
    tracks_per_album: int,
    min_seconds: float,
    max_seconds: float,
) -> tuple[list[str], list[DemoTrack]]:
    """Names, tags and file layout of a demo library: deterministic from ``seed``.

    Albums alternate FLAC, Ogg Vorbis and MP3 and alternate embedded art and a folder image.
    With 4 or more tracks per album, album lengths vary around the given number (+1, -1)
    the way real albums do; 12 x 2 x 6 gives 150 tracks.
    """
    rng = random.Random(f"rubysound-demo-{seed}")  # noqa: S311 - reproducible demo data
    genre_order = list(GENRES)
    rng.shuffle(genre_order)
    names: list[str] = []
    genres: list[str] = []
    taken: set[str] = set()
    for index in range(artists):
        genre = genre_order[index % len(genre_order)]
        for _ in range(100):
            name = artist_name(rng, genre)
            if name_key(name) not in taken:
                break
        else:
            name = f"{name} {index + 1}"
        taken.add(name_key(name))
        names.append(name)
        genres.append(genre)

    tracks: list[DemoTrack] = []
    album_index = 0
    for artist, genre in zip(names, genres, strict=True):
        year = rng.randint(1994, 2019)
        album_titles: set[str] = set()
        for number in range(albums_per_artist):
            title = album_title(rng, genre, number)
            while name_key(title) in album_titles:
                title = f"{title} II"
            album_titles.add(name_key(title))
            count = tracks_per_album
            if tracks_per_album >= 4:
                count += (0, 1, -1, 1)[album_index % 4]
            audio_format = FORMATS[album_index % len(FORMATS)]
            cover = (
                "embedded"
                if album_index % 2 == 0
                else FOLDER_IMAGES[(album_index // 2) % len(FOLDER_IMAGES)]
            )
            folder = f"{safe_name(artist)}/{year} - {safe_name(title)}"
            used: set[str] = set()
            for track_number in range(1, count + 1):
                title_of_track = track_title(rng, genre, track_number)
                while name_key(title_of_track) in used:
                    title_of_track = f"{title_of_track} (Reprise)"
                used.add(name_key(title_of_track))
                seconds = round(rng.uniform(min_seconds, max_seconds), 2)
                filename = f"{track_number:02d} - {safe_name(title_of_track)}.{audio_format}"
                tracks.append(
                    DemoTrack(
                        path=f"{folder}/{filename}",
                        title=title_of_track,
                        artist=artist,
                        album=title,
                        genre=genre,
                        year=year,
                        track_number=track_number,
                        track_total=count,
                        disc_number=1,
                        format=audio_format,
                        seconds=seconds,
                        cover=cover,
                        seed=rng.getrandbits(32),
                    )
                )
            album_index += 1
            year = min(year + rng.randint(1, 4), 2025)
    return names, tracks


def planned_covers(tracks: list[DemoTrack]) -> dict[str, tuple[str, str, str]]:
    """Folder images to write: relative path -> (artist, album, genre)."""
    covers = {}
    for track in tracks:
        if track.cover and track.cover != "embedded":
            folder = track.path.rpartition("/")[0]
            covers[f"{folder}/{track.cover}"] = (track.artist, track.album, track.genre)
    return covers


# Words for the demo's lyrics: sung over a synthesised tune, so any will do.
LYRIC_LINES = (
    "Hold the line until the morning",
    "Every light along the river",
    "We were dancing on the wire",
    "Call my name across the water",
    "Nothing left but open road",
    "Turn it up and let it go",
    "Silver rain on empty streets",
    "Sing it back to me again",
)


def planned_lyrics(tracks: list[DemoTrack]) -> dict[str, str]:
    """``.lrc`` files to write beside the first track of each album (relative path -> text):
    synced lines spread over the track, so an app shows them moving with the music."""
    lyrics = {}
    for track in tracks:
        if track.track_number != 1:
            continue
        rng = random.Random(track.seed)  # noqa: S311 - made-up words, not secrets
        count = max(2, min(8, int(track.seconds // 3)))
        step = track.seconds / (count + 1)
        lines = [f"[ar:{track.artist}]", f"[ti:{track.title}]", "[la:en]"]
        for index in range(count):
            start = step * (index + 0.5)
            minutes, seconds = divmod(start, 60)
            lines.append(f"[{int(minutes):02d}:{seconds:05.2f}]{rng.choice(LYRIC_LINES)}")
        stem = track.path.rpartition(".")[0]
        lyrics[f"{stem}.lrc"] = "\n".join(lines) + "\n"
    return lyrics
