"""Tags and cover art of the demo files: what a tagger and a scanner would find on them."""

import base64
import colorsys
import hashlib
import io
import random
from pathlib import Path

import numpy as np
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK
from mutagen.oggvorbis import OggVorbis
from PIL import Image, ImageDraw, ImageFont

from .plan import DemoTrack


def write_tags(path: Path, track: DemoTrack, cover: bytes | None = None) -> None:
    """Writes the track's tags (and ``cover``, a JPEG, as embedded art) into the file."""
    if track.format == "flac":
        audio = FLAC(path)
        _vorbis_comments(audio, track)
        if cover:
            audio.add_picture(_flac_picture(cover))
        audio.save()
    elif track.format == "ogg":
        audio = OggVorbis(path)
        _vorbis_comments(audio, track)
        if cover:
            encoded = base64.b64encode(_flac_picture(cover).write()).decode("ascii")
            audio["metadata_block_picture"] = [encoded]
        audio.save()
    elif track.format == "mp3":
        tags = ID3()
        tags.add(TIT2(encoding=3, text=track.title))
        tags.add(TPE1(encoding=3, text=track.artist))
        tags.add(TPE2(encoding=3, text=track.artist))
        tags.add(TALB(encoding=3, text=track.album))
        tags.add(TCON(encoding=3, text=track.genre))
        tags.add(TRCK(encoding=3, text=f"{track.track_number}/{track.track_total}"))
        tags.add(TPOS(encoding=3, text=str(track.disc_number)))
        tags.add(TDRC(encoding=3, text=str(track.year)))
        if cover:
            tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))
        tags.save(path)
    else:
        raise ValueError(f"unsupported demo format {track.format!r}")


def _vorbis_comments(audio, track: DemoTrack) -> None:
    audio["title"] = track.title
    audio["artist"] = track.artist
    audio["albumartist"] = track.artist
    audio["album"] = track.album
    audio["genre"] = track.genre
    audio["tracknumber"] = str(track.track_number)
    audio["tracktotal"] = str(track.track_total)
    audio["discnumber"] = str(track.disc_number)
    audio["date"] = str(track.year)


def _flac_picture(data: bytes) -> Picture:
    picture = Picture()
    picture.type = 3
    picture.mime = "image/jpeg"
    picture.desc = "Cover"
    picture.data = data
    with Image.open(io.BytesIO(data)) as image:
        picture.width, picture.height = image.size
    picture.depth = 24
    return picture


# --- Cover art -------------------------------------------------------------------------------

_GENRE_HUES = {
    "Rock": 0.02,
    "Pop": 0.9,
    "Hip-Hop": 0.12,
    "Electronic": 0.55,
    "Jazz": 0.08,
    "Metal": 0.0,
    "Indie": 0.33,
    "Classical": 0.62,
}


def cover_image(artist: str, album: str, genre: str, size: int = 500) -> bytes:
    """A deterministic album cover: gradient, shapes and the album title, as JPEG."""
    digest = hashlib.sha256(f"{artist}/{album}".encode()).digest()
    rng = random.Random(digest)  # noqa: S311 - reproducible demo art
    hue = (_GENRE_HUES.get(genre, 0.5) + rng.uniform(-0.06, 0.06)) % 1.0
    dark = genre in {"Metal", "Hip-Hop", "Electronic"}
    top = colorsys.hsv_to_rgb(hue, 0.65, 0.35 if dark else 0.85)
    bottom = colorsys.hsv_to_rgb((hue + 0.12) % 1.0, 0.8, 0.12 if dark else 0.45)
    ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    gradient = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp) * 255
    pixels = np.broadcast_to(gradient, (size, size, 3)).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    accent = tuple(int(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.5) % 1.0, 0.5, 1.0))
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randint(0, size), rng.randint(0, size)
        radius = rng.randint(size // 12, size // 3)
        shape = rng.choice(["circle", "ring", "bar"])
        fill = (*accent, rng.randint(40, 140))
        if shape == "circle":
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
        elif shape == "ring":
            box = (x - radius, y - radius, x + radius, y + radius)
            draw.ellipse(box, outline=fill, width=max(3, radius // 8))
        else:
            draw.rectangle((0, y, size, y + radius // 4), fill=fill)
    title_font = ImageFont.load_default(size=size // 13)
    small_font = ImageFont.load_default(size=size // 22)
    margin = size // 14
    draw.text((margin, size - margin * 3.2), album, font=title_font, fill=(255, 255, 255, 235))
    draw.text((margin, size - margin * 1.7), artist.upper(), font=small_font, fill=(255, 255, 255))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return output.getvalue()


def png_from_jpeg(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        output = io.BytesIO()
        image.save(output, format="PNG", optimize=True)
        return output.getvalue()
