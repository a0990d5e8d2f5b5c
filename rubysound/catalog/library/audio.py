"""Waveform peaks for the player, decoded with soundfile at scan time.

The file is read block by block (``BLOCK_FRAMES`` at a time), so an hour-long FLAC costs a
few hundred kilobytes of memory, not the whole decoded signal. Peaks are the loudest sample
of each of ~200 equal slices, scaled so the loudest slice is 255.
"""

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

PEAK_COUNT = 200
BLOCK_FRAMES = 16384
# Formats libsndfile decodes; M4A (AAC/ALAC) is not among them.
DECODABLE_FORMATS = frozenset({"mp3", "flac", "ogg", "opus", "wav"})
_FALLBACK_BUCKET = 4096  # frames per slice while the length is unknown


@dataclass(frozen=True)
class Waveform:
    """Peaks 0..255, or None with the reason; ``problem`` also notes partial decodes."""

    peaks: list[int] | None
    problem: str = ""
    frames_decoded: int = 0


def compute_peaks(
    path: Path | str,
    *,
    audio_format: str = "",
    count: int = PEAK_COUNT,
    block_frames: int = BLOCK_FRAMES,
) -> Waveform:
    """Normalised peaks of an audio file; never raises for a bad file.

    ``audio_format`` (as read from the tags) lets formats libsndfile cannot decode be
    answered at once. Safe to call from several threads (each call has its own decoder).
    """
    if audio_format and audio_format not in DECODABLE_FORMATS:
        return Waveform(None, f"waveform unavailable: {audio_format} cannot be decoded here")
    return _decode_peaks(Path(path), count, block_frames)


def _decode_peaks(path: Path, count: int, block_frames: int) -> Waveform:
    try:
        sound = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, TypeError, OSError) as exc:
        return Waveform(None, f"waveform unavailable: {_short(exc)}")
    with sound:
        frames = sound.frames if 0 < sound.frames < 2**62 else 0
        bucket = max(1, frames // count) if frames else _FALLBACK_BUCKET
        peaks: list[float] = []
        current = 0.0
        filled = 0
        decoded = 0
        problem = ""
        try:
            for block in sound.blocks(blocksize=block_frames, dtype="float32", always_2d=True):
                if not len(block):
                    break
                magnitudes = np.nan_to_num(np.abs(block), nan=0.0, posinf=1.0).max(axis=1)
                decoded += len(magnitudes)
                start = 0
                while start < len(magnitudes):
                    take = min(bucket - filled, len(magnitudes) - start)
                    current = max(current, float(magnitudes[start : start + take].max()))
                    filled += take
                    start += take
                    if filled == bucket:
                        peaks.append(current)
                        current, filled = 0.0, 0
        except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
            problem = f"audio ends early, decoding stopped after {decoded} frames: {_short(exc)}"
        if filled:
            peaks.append(current)
    if not decoded:
        return Waveform(None, problem or "waveform unavailable: no audio frames decoded")
    if frames and decoded < frames and not problem:
        problem = f"audio ends early: {decoded} of {frames} frames decoded"
    if frames and len(peaks) < frames // bucket:
        # A file that stops early is silent for the rest of its announced length.
        peaks.extend([0.0] * (frames // bucket - len(peaks)))
    return Waveform(_normalise(peaks, count), problem, decoded)


def _normalise(peaks: list[float], count: int) -> list[int]:
    values = np.asarray(peaks, dtype=np.float64)
    if len(values) > count:
        values = np.array([chunk.max() for chunk in np.array_split(values, count)])
    loudest = float(values.max()) if len(values) else 0.0
    if loudest <= 0:
        return [0] * len(values)
    scaled = np.clip(np.rint(values / loudest * 255), 0, 255)
    return [int(v) for v in scaled]


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


@contextlib.contextmanager
def native_stderr_silenced():
    """Points file descriptor 2 at /dev/null while C libraries decode, then restores it.

    Yields a text stream on the original stderr, for output that must still be seen (a
    progress bar). Python code writing to ``sys.stderr`` meanwhile is silenced too, so keep
    the window to work that reports through return values.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield sys.stderr
        return
    original = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield original
    finally:
        original.flush()
        os.dup2(saved, 2)
        os.close(saved)
        original.close()
