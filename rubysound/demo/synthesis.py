"""Synthesised demo music and its encoding: a short piece per track, in the manner of a genre.

Pure numpy and libsndfile, no Django: the generator runs this in worker processes.
"""

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from mutagen.ogg import OggPage

from .instruments import DrumKit, play_bass, play_chords, play_drums, play_melody, semitones

SAMPLE_RATE = 32000  # mono, 16 kHz of bandwidth: plenty for a demo, quick to encode
# Fixed Ogg stream serial: libsndfile picks a random one, which would make files differ.
_OGG_SERIAL = 0x52_53_44_4D


@dataclass(frozen=True)
class Style:
    bpm: tuple[int, int]
    minor: bool
    progression: tuple[int, ...]  # scale degrees (0-based) of one chord per bar
    drums: str  # "backbeat", "four", "boombap", "swing", "double", "light", "none"
    lead: str  # "square", "saw", "sine", "pluck", "strings", "keys"
    chords: str  # "power", "triad", "seventh", "arp", "pad"
    drive: float  # distortion amount (0 = clean)
    swing: float = 0.0


STYLES = {
    "Rock": Style((112, 138), True, (0, 5, 2, 6), "backbeat", "saw", "power", 3.0),
    "Pop": Style((98, 122), False, (0, 4, 5, 3), "backbeat", "square", "triad", 0.0),
    "Hip-Hop": Style((84, 96), True, (0, 0, 5, 4), "boombap", "keys", "seventh", 0.0, 0.12),
    "Electronic": Style((122, 130), True, (0, 5, 3, 6), "four", "saw", "arp", 0.6),
    "Jazz": Style((120, 168), False, (1, 4, 0, 5), "swing", "keys", "seventh", 0.0, 0.16),
    "Metal": Style((150, 188), True, (0, 0, 6, 5), "double", "saw", "power", 8.0),
    "Indie": Style((100, 128), False, (0, 3, 5, 4), "light", "pluck", "arp", 0.8),
    "Classical": Style((66, 96), False, (0, 3, 4, 0), "none", "strings", "pad", 0.0),
}
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)


def synthesise(genre: str, seconds: float, seed: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A short piece of music (mono float32, -1..1) in the manner of ``genre``.

    Chords over a four-bar progression, a bass line, a melody on the scale and a drum
    pattern per genre, with sections (intro, verse, chorus, break, outro) whose loudness
    differs, so the waveform has a shape.
    """
    style = STYLES.get(genre, STYLES["Pop"])
    rng = np.random.default_rng(seed)
    total = max(1, int(seconds * sample_rate))
    out = np.zeros(total + sample_rate, dtype=np.float32)  # tail room for ringing notes
    bpm = int(rng.integers(style.bpm[0], style.bpm[1] + 1))
    beat = 60.0 / bpm
    bar = 4 * beat
    bars = max(1, math.ceil(seconds / bar))
    key = int(rng.integers(40, 48))  # MIDI root, E2..B2
    scale = _MINOR if style.minor else _MAJOR
    section_gain = _sections(bars, rng)
    drums = DrumKit(sample_rate, rng)

    def place(signal: np.ndarray, at: float, gain: float) -> None:
        start = int(at * sample_rate)
        if start >= total or gain <= 0:
            return
        end = min(start + len(signal), len(out))
        out[start:end] += signal[: end - start] * gain

    motif = [int(rng.integers(0, 8)) for _ in range(8)]
    for index in range(bars):
        at = index * bar
        gain = section_gain[index]
        degree = style.progression[index % len(style.progression)]
        root = key + semitones(scale, degree)
        chord = [
            root + semitones(scale, degree + step) - semitones(scale, degree) for step in (0, 2, 4)
        ]
        if style.chords == "seventh":
            chord.append(root + semitones(scale, degree + 6) - semitones(scale, degree))
        play_chords(place, style, chord, at, beat, bar, gain, sample_rate, rng)
        play_bass(place, style, root, chord, at, beat, gain, sample_rate, rng)
        if gain >= 0.6 or style.drums == "none":
            play_melody(place, style, key, scale, motif, index, at, beat, gain, sample_rate, rng)
        play_drums(place, style, drums, at, beat, gain, index, rng)

    signal = out[:total]
    if style.drive:
        signal = np.tanh(signal * (1 + style.drive)) / np.tanh(1 + style.drive)
    fade = min(total, int(0.02 * sample_rate))
    signal[:fade] *= np.linspace(0, 1, fade, dtype=np.float32)
    tail = min(total, int(1.5 * sample_rate))
    signal[-tail:] *= np.linspace(1, 0, tail, dtype=np.float32)
    peak = float(np.max(np.abs(signal))) or 1.0
    return (signal / peak * 0.89).astype(np.float32)


def _sections(bars: int, rng: np.random.Generator) -> list[float]:
    """Loudness per bar: intro, verse, chorus, a break, chorus again, outro."""
    gains = []
    for index in range(bars):
        position = index / max(1, bars - 1)
        if index == 0 and bars > 3:
            gain = 0.35
        elif 0.45 <= position < 0.6 and bars > 6:
            gain = 0.3  # break
        elif (0.25 <= position < 0.45) or (0.6 <= position < 0.9):
            gain = 1.0  # chorus
        else:
            gain = 0.65  # verse, outro
        gains.append(gain * float(rng.uniform(0.9, 1.0)))
    return gains


def encode_audio(path: Path, samples: np.ndarray, audio_format: str) -> None:
    """Writes ``samples`` at ``path`` as FLAC, Ogg Vorbis or MP3, byte-identical every time."""
    if audio_format == "flac":
        sf.write(path, samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    elif audio_format == "ogg":
        sf.write(path, samples, SAMPLE_RATE, format="OGG", subtype="VORBIS")
        _fix_ogg_serial(path)
    elif audio_format == "mp3":
        sf.write(path, samples, SAMPLE_RATE, format="MP3", subtype="MPEG_LAYER_III")
    else:
        raise ValueError(f"unsupported demo format {audio_format!r}")


def _fix_ogg_serial(path: Path) -> None:
    """Rewrites the Ogg pages with a fixed stream serial, so the file is reproducible."""
    pages = []
    with open(path, "rb") as handle:
        while True:
            try:
                pages.append(OggPage(handle))
            except EOFError:
                break
    output = io.BytesIO()
    for page in pages:
        page.serial = _OGG_SERIAL
        output.write(page.write())
    path.write_bytes(output.getvalue())
