"""Demo music: a piece per genre, reproducible, and encoded the same every time."""

import hashlib

import numpy as np
import pytest
import soundfile as sf

from rubysound.demo.plan import GENRES
from rubysound.demo.synthesis import SAMPLE_RATE, encode_audio, synthesise


@pytest.mark.parametrize("genre", GENRES)
def test_each_genre_gives_a_reproducible_piece_of_the_asked_length(genre):
    piece = synthesise(genre, 2.5, seed=3)

    assert piece.dtype == np.float32
    assert len(piece) == int(2.5 * SAMPLE_RATE)
    assert 0.5 < float(np.max(np.abs(piece))) <= 0.9  # normalized, not clipped
    assert np.array_equal(piece, synthesise(genre, 2.5, seed=3))
    assert not np.array_equal(piece, synthesise(genre, 2.5, seed=4))


@pytest.mark.parametrize("audio_format", ["flac", "ogg", "mp3"])
def test_encoding_is_byte_identical_every_time(tmp_path, audio_format):
    piece = synthesise("Jazz", 1.5, seed=1)
    first, second = tmp_path / f"a.{audio_format}", tmp_path / f"b.{audio_format}"

    encode_audio(first, piece, audio_format)
    encode_audio(second, piece, audio_format)

    assert hashlib.sha256(first.read_bytes()).digest() == (
        hashlib.sha256(second.read_bytes()).digest()
    )
    assert sf.info(first).duration == pytest.approx(1.5, abs=0.1)


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="wav"):
        encode_audio(tmp_path / "a.wav", synthesise("Pop", 1.0, seed=1), "wav")
