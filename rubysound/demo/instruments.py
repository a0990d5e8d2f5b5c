"""The instruments of a demo piece: notes, chords, bass, melody and drums, bar by bar.

Each ``play_*`` function adds one bar of its part through ``place(signal, at, gain)``, which
mixes a signal into the piece at ``at`` seconds; ``style`` is the genre's ``Style``.
"""

import functools

import numpy as np


def semitones(scale: tuple[int, ...], degree: int) -> int:
    """Semitones above the key of a scale degree (degrees past the scale climb octaves)."""
    octave, index = divmod(degree, len(scale))
    return 12 * octave + scale[index]


def hz(midi: float) -> float:
    """The frequency of a MIDI note number."""
    return 440.0 * 2 ** ((midi - 69) / 12)


def _tone(freq: float, seconds: float, sample_rate: int, kind: str) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate), dtype=np.float32) / sample_rate
    phase = 2 * np.pi * freq * t
    if kind == "sine":
        wave = np.sin(phase)
    elif kind == "square":
        wave = np.tanh(4 * np.sin(phase)) * 0.6
    elif kind == "saw":
        wave = sum(np.sin(k * phase) / k for k in range(1, 7)) * 0.55
    elif kind == "pluck":
        wave = sum(np.sin(k * phase) * np.exp(-t * 3 * k) / k for k in range(1, 6))
    elif kind == "keys":
        wave = np.sin(phase) + 0.4 * np.sin(2 * phase) + 0.15 * np.sin(3 * phase)
    elif kind == "strings":
        vibrato = 0.004 * np.sin(2 * np.pi * 5.5 * t)
        wave = sum(np.sin(k * phase * (1 + vibrato)) / (k * k) for k in range(1, 5))
    else:
        wave = np.sin(phase)
    return wave.astype(np.float32)


def _envelope(length: int, sample_rate: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(length, dtype=np.float32) / sample_rate
    rise = np.clip(t / max(attack, 1e-4), 0, 1)
    return rise * np.exp(-t / max(decay, 1e-3))


@functools.lru_cache(maxsize=256)
def _note(midi: float, seconds: float, sample_rate: int, kind: str, attack: float, decay: float):
    """One enveloped note; cached, as a piece repeats the same notes many times (read-only)."""
    wave = _tone(hz(midi), seconds, sample_rate, kind)
    note = wave * _envelope(len(wave), sample_rate, attack, decay)
    note.flags.writeable = False
    return note


def play_chords(place, style, chord, at, beat, bar, gain, sample_rate, rng) -> None:
    voiced = [note + 12 for note in chord]
    if style.chords == "power":
        notes = [voiced[0], voiced[0] + 7, voiced[0] + 12]
        for step in range(8):
            if rng.random() < 0.85:
                for note in notes:
                    place(
                        _note(note, beat, sample_rate, "saw", 0.005, beat),
                        at + step * beat / 2,
                        0.09 * gain,
                    )
    elif style.chords == "arp":
        pattern = [*voiced, voiced[1] + 12]
        for step in range(16):
            note = pattern[step % len(pattern)] + 12
            place(
                _note(note, beat / 2, sample_rate, style.lead, 0.003, beat / 3),
                at + step * beat / 4,
                0.12 * gain,
            )
    elif style.chords == "pad":
        for note in voiced:
            place(
                _note(note, bar * 1.1, sample_rate, "strings", bar / 3, bar * 1.5), at, 0.13 * gain
            )
        for step in range(8):  # a piano-like arpeggio above the strings
            note = voiced[step % len(voiced)] + 12
            place(
                _note(note, beat * 1.5, sample_rate, "keys", 0.002, beat / 1.5),
                at + step * beat / 2,
                0.12 * gain,
            )
    else:  # triads and sevenths: comping hits on the beat (jazz: on and off the beat)
        hits = [0, 1.5, 2, 3.5] if style.swing else [0, 1, 2, 3]
        for hit in hits:
            for note in voiced:
                place(
                    _note(note, beat * 0.9, sample_rate, "keys", 0.004, beat / 2),
                    at + hit * beat,
                    0.08 * gain,
                )


def play_bass(place, style, root, chord, at, beat, gain, sample_rate, rng) -> None:
    if style.drums == "none":
        place(_note(root - 12, beat * 4, sample_rate, "sine", 0.2, beat * 3), at, 0.25 * gain)
        return
    if style.drums == "swing":  # walking bass: a chord tone or passing note every beat
        for step in range(4):
            note = chord[int(rng.integers(0, len(chord)))] - 12 + int(rng.choice([0, 0, 2, -1]))
            place(
                _note(note, beat, sample_rate, "sine", 0.01, beat / 1.5),
                at + step * beat,
                0.35 * gain,
            )
        return
    steps = 8 if style.drums in {"four", "double", "backbeat"} else 4
    for step in range(steps):
        if style.drums == "boombap" and step in (1, 3) and rng.random() < 0.6:
            continue
        note = root - 12 + (12 if style.drums == "four" and step % 2 else 0)
        kind = "sine" if style.drums == "boombap" else "saw"
        length = 4 * beat / steps
        place(_note(note, length, sample_rate, kind, 0.005, length), at + step * length, 0.3 * gain)


def play_melody(
    place, style, key, scale, motif, bar_index, at, beat, gain, sample_rate, rng
) -> None:
    repeat = bar_index % 4 < 2  # the first half of each phrase repeats the motif
    position = 0.0
    index = 0
    while position < 4 - 1e-6:
        length = (
            float(rng.choice([0.5, 0.5, 1.0, 1.0, 1.5])) if not repeat else 0.5 + (index % 2) * 0.5
        )
        length = min(length, 4 - position)
        degree = motif[index % len(motif)] if repeat else int(rng.integers(0, 9))
        if rng.random() < 0.85:
            note = key + 24 + semitones(scale, degree)
            offset = style.swing * beat if style.swing and (position % 1) == 0.5 else 0.0
            seconds = length * beat
            place(
                _note(note, seconds * 1.2, sample_rate, style.lead, 0.01, seconds * 0.8),
                at + position * beat + offset,
                0.16 * gain,
            )
        position += length
        index += 1


class DrumKit:
    def __init__(self, sample_rate: int, rng: np.random.Generator):
        t = np.arange(int(0.35 * sample_rate), dtype=np.float32) / sample_rate
        sweep = 2 * np.pi * (50 * t + 90 * (1 - np.exp(-t * 25)) / 25)
        self.kick = (np.sin(sweep) * np.exp(-t * 9)).astype(np.float32)
        noise = rng.uniform(-1, 1, len(t)).astype(np.float32)
        self.snare = (
            noise * np.exp(-t * 18) * 0.7 + np.sin(2 * np.pi * 185 * t) * np.exp(-t * 25) * 0.5
        ).astype(np.float32)
        bright = np.diff(noise, prepend=0.0).astype(np.float32)
        self.hat = (bright * np.exp(-t * 70) * 0.35).astype(np.float32)
        self.ride = (bright * np.exp(-t * 12) * 0.18).astype(np.float32)


def play_drums(place, style, kit: DrumKit, at, beat, gain, bar_index, rng) -> None:
    if style.drums == "none" or gain < 0.34:
        return
    eighth = beat / 2
    if style.drums == "four":
        for step in range(4):
            place(kit.kick, at + step * beat, 0.9 * gain)
            place(kit.hat, at + step * beat + eighth, 0.8 * gain)
        place(kit.snare, at + beat, 0.5 * gain)
        place(kit.snare, at + 3 * beat, 0.5 * gain)
    elif style.drums == "double":
        for step in range(16):
            place(kit.kick, at + step * beat / 4, 0.6 * gain)
        for step in (1, 3):
            place(kit.snare, at + step * beat, 0.9 * gain)
        for step in range(8):
            place(kit.hat, at + step * eighth, 0.6 * gain)
    elif style.drums == "boombap":
        for hit in (0, 1.75, 2.5):
            place(kit.kick, at + hit * beat, 1.0 * gain)
        for hit in (1, 3):
            place(kit.snare, at + hit * beat, 0.9 * gain)
        for step in range(8):
            swing = style.swing * beat if step % 2 else 0.0
            place(kit.hat, at + step * eighth + swing, 0.5 * gain)
    elif style.drums == "swing":
        for step in range(4):
            place(kit.ride, at + step * beat, 0.8 * gain)
            if step % 2:
                place(kit.ride, at + step * beat + beat * (2 / 3), 0.5 * gain)
        place(kit.kick, at, 0.35 * gain)
        if rng.random() < 0.5:
            place(kit.snare, at + 3.66 * beat, 0.25 * gain)
    else:  # backbeat and light
        light = style.drums == "light"
        for hit in (0, 2) if not light else (0, 2.5):
            place(kit.kick, at + hit * beat, (0.6 if light else 0.95) * gain)
        for hit in (1, 3):
            place(kit.snare, at + hit * beat, (0.45 if light else 0.85) * gain)
        for step in range(8):
            place(kit.hat, at + step * eighth, 0.5 * gain)
        if bar_index % 4 == 3:  # a fill into the next phrase
            for step in range(4):
                place(kit.snare, at + 3 * beat + step * beat / 4, 0.4 * gain)
