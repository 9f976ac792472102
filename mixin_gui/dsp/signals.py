"""Short synthetic signals whose right separation is known: for the demo and for tests.

``demo_stems`` gives three stems a listener would call percussive (kick, snare, hi-hat),
harmonic (a bass line and sustained chords) and vocal (a sung-like voice: a glottal pulse
train with vibrato through vowel formants). All functions are pure and seeded.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from .. import config


def tone(freq, duration, *, sr=config.SAMPLE_RATE, amp=0.5, phase=0.0):
    """A sine of ``freq`` Hz, shape (round(duration * sr),)."""
    t = np.arange(int(round(duration * sr))) / sr
    return (amp * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def chord(freqs, duration, *, sr=config.SAMPLE_RATE, amp=0.3, harmonics=4):
    """A sustained chord of harmonic tones (1/k amplitudes), float32."""
    t = np.arange(int(round(duration * sr))) / sr
    y = np.zeros_like(t)
    for f in freqs:
        for k in range(1, harmonics + 1):
            if f * k < sr / 2:
                y += np.sin(2 * np.pi * f * k * t) / k
    return (amp * y / np.abs(y).max()).astype(np.float32)


def click_train(duration, *, rate=4.0, sr=config.SAMPLE_RATE, amp=0.9, seed=0):
    """Short noise bursts (5 ms, decaying) ``rate`` times a second, float32."""
    n = int(round(duration * sr))
    y = np.zeros(n, dtype=np.float32)
    rng = np.random.default_rng(seed)
    burst = int(0.005 * sr)
    env = np.exp(-np.arange(burst) / (0.001 * sr))
    for start in np.arange(0, n - burst, int(sr / rate)):
        y[start:start + burst] += (amp * rng.standard_normal(burst) * env).astype(np.float32)
    return y


def _drums(n, sr, bpm, rng):
    y = np.zeros(n)
    beat = int(sr * 60 / bpm)
    t = np.arange(int(0.25 * sr)) / sr
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    snare_t = t[: int(0.18 * sr)]
    snare = (rng.standard_normal(len(snare_t)) * 0.6
             + np.sin(2 * np.pi * 190 * snare_t)) * np.exp(-snare_t * 25)
    hat_t = t[: int(0.05 * sr)]
    b, a = scipy.signal.butter(4, 7000, "highpass", fs=sr)
    hat = scipy.signal.lfilter(b, a, rng.standard_normal(len(hat_t))) * np.exp(-hat_t * 80)
    for i, start in enumerate(range(0, n, beat // 2)):
        parts = [(hat, 0.25)]
        if i % 4 == 0:
            parts.append((kick, 0.9))
        if i % 4 == 2:
            parts.append((snare, 0.5))
        for sound, gain in parts:
            m = min(len(sound), n - start)
            y[start:start + m] += gain * sound[:m]
    return y


def _harmonic(n, sr, bpm):
    t = np.arange(n) / sr
    beat = 60 / bpm
    roots = [55.0, 55.0 * 2 ** (5 / 12), 55.0 * 2 ** (7 / 12), 55.0 * 2 ** (3 / 12)]
    bar = (t // (4 * beat)).astype(int) % len(roots)
    f_bass = np.array(roots)[bar]
    bass = np.sin(2 * np.pi * np.cumsum(f_bass) / sr) * 0.5
    pad = np.zeros(n)
    for ratio in (2.0, 2 * 2 ** (4 / 12), 2 * 2 ** (7 / 12), 4.0):
        phase = 2 * np.pi * np.cumsum(f_bass * ratio) / sr
        pad += 0.12 * (np.sin(phase) + 0.3 * np.sin(2 * phase))
    return bass + pad


def _voice(n, sr, rng):
    t = np.arange(n) / sr
    notes = np.array([220.0, 246.9, 261.6, 293.7, 261.6, 246.9])
    note = notes[(t // 0.6).astype(int) % len(notes)]
    f0 = note * (1 + 0.012 * np.sin(2 * np.pi * 5.5 * t))
    phase = np.cumsum(f0) / sr
    pulses = (np.diff(np.floor(phase), prepend=0) > 0).astype(float)
    src = scipy.signal.lfilter([1.0], [1.0, -0.97], pulses)
    src += 0.02 * rng.standard_normal(n)
    vowels = [(700, 1220, 2600), (300, 2300, 3000), (500, 900, 2400)]
    y = np.zeros(n)
    seg = int(0.6 * sr)
    for i, start in enumerate(range(0, n, seg)):
        part = src[start:start + seg]
        out = np.zeros(len(part))
        for fc in vowels[i % len(vowels)]:
            b, a = scipy.signal.iirpeak(fc, 8, fs=sr)
            out += scipy.signal.lfilter(b, a, part)
        env = np.minimum(1, np.minimum(np.arange(len(part)), len(part) - np.arange(len(part)))
                         / (0.03 * sr))
        y[start:start + len(part)] = out * env
    return y / (np.abs(y).max() + 1e-9) * 0.4


def demo_stems(duration=8.0, *, sr=config.SAMPLE_RATE, bpm=110, seed=0):
    """Percussive, harmonic and vocal stems of a short synthetic song.

    Returns
    -------
    dict of str to np.ndarray, each shape (round(duration * sr),), float32
        Keys ``"percussive"``, ``"harmonic"``, ``"vocal"``; their sum peaks below 1.
    """
    n = int(round(duration * sr))
    rng = np.random.default_rng(seed)
    stems = {"percussive": _drums(n, sr, bpm, rng), "harmonic": _harmonic(n, sr, bpm),
             "vocal": _voice(n, sr, rng)}
    peak = np.abs(sum(stems.values())).max()
    return {k: (v * (0.9 / peak)).astype(np.float32) for k, v in stems.items()}
