"""Real media files for the streaming, cover and waveform tests: encoded audio and images."""

import io
from pathlib import Path

import numpy as np
import soundfile
from PIL import Image

from tests.factories import TrackFactory

# format -> (soundfile format, subtype, extension)
AUDIO_FORMATS = {
    "flac": ("FLAC", "PCM_16", "flac"),
    "ogg": ("OGG", "VORBIS", "ogg"),
    "mp3": ("MP3", "MPEG_LAYER_III", "mp3"),
    "wav": ("WAV", "PCM_16", "wav"),
}


def write_audio(
    path: Path, fmt: str = "flac", *, seconds: float = 1.0, rate: int = 22050, channels: int = 1
) -> bytes:
    """A real encoded sine (with a little noise so lossless files are not tiny); its bytes."""
    sf_format, subtype, _ = AUDIO_FORMATS[fmt]
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(7)
    wave = 0.4 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size)
    data = np.repeat(wave[:, None], channels, axis=1).astype("float32")
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), data, rate, format=sf_format, subtype=subtype)
    return path.read_bytes()


def library_track(root: Path, relative: str, fmt: str = "flac", **audio):
    """An audio file under ``root`` and the Track row that points at it."""
    path = root / relative
    content = write_audio(path, fmt, **audio)
    st = path.stat()
    track = TrackFactory(
        library_root=str(root),
        path=relative,
        size=st.st_size,
        mtime=st.st_mtime,
        format=fmt,
        codec=fmt,
    )
    return track, content


def image_bytes(size=(800, 600), color="crimson", image_format="PNG", mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=image_format)
    return buffer.getvalue()
