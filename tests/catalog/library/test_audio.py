"""Waveform peaks: ~200 integers 0..255 that follow the loudness of the music."""

import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from rubysound.catalog.library.audio import PEAK_COUNT, compute_peaks
from tests.catalog.conftest import build_m4a, tone, write_audio


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus", "mp3", "wav"])
def test_peaks_are_200_integers_from_0_to_255(tmp_path, fmt):
    path = write_audio(tmp_path / f"a.{fmt}", seconds=2)

    waveform = compute_peaks(path, audio_format=fmt)

    assert waveform.problem == ""
    assert len(waveform.peaks) == PEAK_COUNT
    assert all(isinstance(peak, int) and 0 <= peak <= 255 for peak in waveform.peaks)
    assert max(waveform.peaks) == 255  # normalised to the loudest slice


def test_peaks_follow_the_loudness_of_the_music(tmp_path):
    path = write_audio(tmp_path / "build.flac", samples=tone(4, 8000, loud_second_half=True))

    peaks = compute_peaks(path).peaks

    quiet, loud = peaks[:95], peaks[105:]
    assert max(quiet) < 40
    assert min(loud) > 200


def test_silence_gives_flat_zero_peaks(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(16000, dtype=np.float32), 8000)
    assert compute_peaks(path).peaks == [0] * PEAK_COUNT


def test_a_very_short_file_gives_as_many_peaks_as_it_has_samples(tmp_path):
    path = tmp_path / "blip.wav"
    sf.write(path, np.linspace(0, 0.5, 50, dtype=np.float32), 8000)
    peaks = compute_peaks(path).peaks
    assert len(peaks) == 50
    assert peaks[-1] == 255


def test_m4a_is_not_decodable_and_says_so(tmp_path):
    path = tmp_path / "a.m4a"
    path.write_bytes(build_m4a())

    waveform = compute_peaks(path, audio_format="m4a")

    assert waveform.peaks is None
    assert "m4a cannot be decoded" in waveform.problem


def test_garbage_gives_no_peaks_and_a_reason(tmp_path):
    path = tmp_path / "noise.flac"
    path.write_bytes(b"\x00garbage" * 100)
    waveform = compute_peaks(path)
    assert waveform.peaks is None
    assert waveform.problem.startswith("waveform unavailable")


def test_a_truncated_flac_keeps_the_decoded_part_and_reports_the_rest(tmp_path):
    source = write_audio(tmp_path / "whole.flac", samples=tone(8, 8000) + 0.01)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(source.read_bytes()[: source.stat().st_size // 2])

    waveform = compute_peaks(cut)

    assert "ends early" in waveform.problem
    assert len(waveform.peaks) == PEAK_COUNT
    assert waveform.peaks[10] > 200  # the beginning is there
    assert waveform.peaks[-1] == 0  # the missing end is drawn silent


def test_long_files_are_decoded_block_by_block_not_whole(tmp_path):
    """A minute of 44.1 kHz stereo is 21 MB as float32; decoding must stay far below that."""
    samples = np.tile(tone(1, 44100), 60)
    path = tmp_path / "long.wav"
    sf.write(path, np.stack([samples, samples], axis=1), 44100, subtype="PCM_16")
    del samples

    tracemalloc.start()
    try:
        waveform = compute_peaks(path)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(waveform.peaks) == PEAK_COUNT
    assert peak_bytes < 4 * 1024 * 1024


def test_small_blocks_give_the_same_peaks_as_large_ones(tmp_path):
    path = write_audio(tmp_path / "a.flac", samples=tone(3, 8000, loud_second_half=True))
    assert compute_peaks(path, block_frames=777).peaks == compute_peaks(path).peaks
