"""A sampler: composed parts played through real multisampled instruments.

Each note plays the recorded sample nearest its pitch (the Salamander Grand Piano also picks
the velocity layer nearest its velocity), re-pitched by resampling: at most
:data:`MAX_SHIFT` semitones, because notes outside an instrument's recorded range are moved by
octaves into it. A note sounds for its length, then fades over the instrument's release
time, or stops earlier where the recording ends. Acoustic guitar chords can instead be
strummed with the recorded GuitarStrums (:func:`render_strums`).

Levels: a single-layer instrument (tonejs) plays each sample normalised to a peak of
:data:`FULL_SCALE` at velocity 127 and ``FULL_SCALE * (velocity / 127) ** VELOCITY_EXPONENT``
below; the piano keeps the recorded level differences between its layers, scaled so that its
loudest C4 peaks at :data:`FULL_SCALE`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from ..dsp.resample import resample
from . import realsources
from .resources import SR

#: Largest re-pitch of a sample, in semitones.
MAX_SHIFT = 4
#: Peak of a note at full velocity.
FULL_SCALE = 0.5
VELOCITY_EXPONENT = 1.6
#: Longest stretch of a sample ever played, in seconds (bounds memory and time).
MAX_SECONDS = 8.0

#: General MIDI programs with a real instrument, and the tonejs instruments (or
#: ``"salamander"``) that can play them; the one whose range fits the notes best is used.
PROGRAM_INSTRUMENTS = {
    0: ["salamander", "piano"], 1: ["salamander", "piano"], 2: ["salamander"],
    3: ["salamander"], 13: ["xylophone"],
    16: ["organ"], 17: ["organ"], 18: ["organ"], 19: ["organ"], 20: ["harmonium"],
    21: ["harmonium"], 24: ["guitar-nylon"], 25: ["guitar-acoustic"],
    26: ["guitar-electric"], 27: ["guitar-electric"], 28: ["guitar-electric"],
    29: ["guitar-electric"], 30: ["guitar-electric"],
    32: ["contrabass", "bass-electric"], 33: ["bass-electric"], 34: ["bass-electric"],
    35: ["bass-electric"], 36: ["bass-electric"], 37: ["bass-electric"],
    40: ["violin"], 41: ["violin", "cello"], 42: ["cello"], 43: ["contrabass"], 46: ["harp"],
    48: ["violin", "cello"], 49: ["violin", "cello"], 56: ["trumpet"], 57: ["trombone"],
    58: ["tuba"], 60: ["french-horn"], 61: ["trumpet", "trombone"],
    64: ["saxophone"], 65: ["saxophone"], 66: ["saxophone"], 67: ["saxophone"],
    70: ["bassoon"], 71: ["clarinet"], 72: ["flute"], 73: ["flute"],
}
#: Seconds of fade after a note's end, per instrument (default 0.2).
RELEASE = {"salamander": 0.35, "piano": 0.35, "harp": 0.6, "xylophone": 0.5,
           "guitar-acoustic": 0.4, "guitar-nylon": 0.4, "organ": 0.08, "harmonium": 0.1}


@dataclass(frozen=True)
class Multisample:
    """A sampled instrument: ``layers[k]`` maps pitch to file for velocity layer ``k``
    (layers in increasing loudness; one layer for tonejs instruments)."""

    name: str
    layers: tuple  # of dict pitch -> Path
    normalise: bool  # each sample to FULL_SCALE (tonejs) or one gain for all (piano)

    @property
    def pitches(self):
        return sorted(set().union(*self.layers))

    @property
    def range(self):
        p = self.pitches
        return p[0] - MAX_SHIFT, p[-1] + MAX_SHIFT


@functools.lru_cache(maxsize=None)
def instrument(name):
    """The installed :class:`Multisample` called ``name`` (``"salamander"`` or a tonejs
    instrument), or ``None`` when it is not installed."""
    if name == "salamander":
        layers = realsources.salamander_layers()
        if not layers:
            return None
        return Multisample(name, tuple(layers[k] for k in sorted(layers)), False)
    samples = realsources.tonejs_samples(name)
    return Multisample(name, (samples,), True) if samples else None


@functools.lru_cache(maxsize=160)
def _sample(path):
    """A sample as float32 ``(frames, 2)`` at 44.1 kHz, onset-trimmed, at most MAX_SECONDS."""
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True,
                        frames=int(MAX_SECONDS * 100_000))
    audio = np.repeat(audio, 2, axis=1) if audio.shape[1] == 1 else audio[:, :2]
    audio = resample(audio, sr, SR)[:int(MAX_SECONDS * SR)]
    env = np.abs(audio).max(axis=1)
    peak = float(env.max()) if len(env) else 0.0
    if peak > 0:
        audio = audio[max(int(np.nonzero(env > peak * 1e-3)[0][0]) - 16, 0):]
    audio = np.ascontiguousarray(audio)
    audio.setflags(write=False)
    return audio, peak


@functools.lru_cache(maxsize=None)
def _piano_gain(name):
    inst = instrument(name)
    top = inst.layers[-1]
    ref = min(top, key=lambda p: abs(p - 60))
    return FULL_SCALE / max(_sample(top[ref])[1], 1e-6)


def fold(pitch, lo, hi):
    """``pitch`` moved by octaves into ``[lo, hi]`` (unchanged when it lies there)."""
    while pitch < lo:
        pitch += 12
    while pitch > hi:
        pitch -= 12
    return pitch


def choose(program, notes):
    """Name of the installed instrument that plays GM ``program`` over ``notes`` best
    (fewest notes outside its range), or ``None`` when there is none."""
    best, best_out = None, None
    for name in PROGRAM_INSTRUMENTS.get(int(program), []):
        inst = instrument(name)
        if inst is None:
            continue
        lo, hi = inst.range
        out = sum(1 for n in notes if not lo <= n[2] <= hi)
        if best is None or out < best_out:
            best, best_out = name, out
    return best


def _layer(inst, velocity):
    k = int(np.clip(np.ceil(velocity / 127 * len(inst.layers)), 1, len(inst.layers)))
    return inst.layers[k - 1]


def repitch(audio, semitones, n_out):
    """``audio`` (frames, 2) played ``semitones`` higher (resampled by linear interpolation),
    at most ``n_out`` frames long."""
    ratio = 2.0 ** (semitones / 12.0)
    if abs(semitones) < 1e-9:
        return audio[:n_out]
    n = min(n_out, int((len(audio) - 1) / ratio))
    t = np.arange(n) * ratio
    i = t.astype(np.int64)
    frac = (t - i).astype(np.float32)[:, None]
    return audio[i] * (1 - frac) + audio[i + 1] * frac


def note_audio(inst, pitch, velocity, seconds):
    """One note of ``inst`` as float32 ``(frames, 2)``: sample, re-pitch, level, release."""
    lo, hi = inst.range
    pitch = fold(int(pitch), lo, hi)
    layer = _layer(inst, velocity)
    src = min(layer, key=lambda p: (abs(p - pitch), p))
    audio, peak = _sample(layer[src])
    release = RELEASE.get(inst.name, 0.2)
    n_on, n_rel = int(seconds * SR), int(release * SR)
    y = repitch(audio, pitch - src, n_on + n_rel)
    if inst.normalise:
        gain = FULL_SCALE * (velocity / 127.0) ** VELOCITY_EXPONENT / max(peak, 1e-6)
    else:
        gain = _piano_gain(inst.name)
    y = y * np.float32(gain)
    if len(y) > n_on:
        fade = np.cos(np.linspace(0, np.pi / 2, len(y) - n_on, dtype=np.float32)) ** 2
        y[n_on:] *= fade[:, None]
    tail = min(len(y), 64)  # no click where a recording ends early
    y[len(y) - tail:] *= np.linspace(1, 0, tail, dtype=np.float32)[:, None]
    return y


def add_at(out, y, start):
    """Add ``y`` into ``out`` from ``start`` seconds on, cut to what fits."""
    a = int(round(start * SR))
    if a >= len(out):
        return
    if a < 0:
        y, a = y[-a:], 0
    m = min(len(y), len(out) - a)
    out[a:a + m] += y[:m]


def render(name, notes, n_frames):
    """Play ``notes`` ``[(start_s, dur_s, pitch, velocity), ...]`` on instrument ``name``.

    Returns
    -------
    np.ndarray, shape (n_frames, 2), float32
    """
    inst = instrument(name)
    out = np.zeros((n_frames, 2), np.float32)
    for start, dur, pitch, vel in notes:
        add_at(out, note_audio(inst, pitch, int(np.clip(vel, 1, 127)), max(dur, 0.02)), start)
    return out


def chord_quality(pcs, root):
    """``"major"``, ``"minor"`` or ``"m7b5"`` for a chord's pitch classes."""
    pcs = {p % 12 for p in pcs}
    if (root + 4) % 12 in pcs:
        return "major"
    if (root + 6) % 12 in pcs and (root + 7) % 12 not in pcs:
        return "m7b5"
    return "minor"


def strum_for(rng, strums, root, quality):
    """``(path, semitones)``: a recorded strum of the chord, re-pitched from the nearest root
    of that quality (``None`` when none lies within MAX_SHIFT)."""
    best = None
    for (pc, q), paths in strums.items():
        if q != quality:
            continue
        shift = (root - pc + 6) % 12 - 6
        if abs(shift) <= MAX_SHIFT and (best is None or abs(shift) < abs(best[1])):
            best = (paths, shift)
    if best is None:
        return None
    paths, shift = best
    return paths[int(rng.integers(len(paths)))], shift


def render_strums(rng, hits, n_frames):
    """Strum recorded chords: ``hits`` is ``[(start_s, dur_s, root_pc, pcs, velocity), ...]``.

    Returns float32 ``(n_frames, 2)``, or ``None`` when the GuitarStrums are not installed.
    """
    strums = realsources.guitar_strums()
    if not strums:
        return None
    out = np.zeros((n_frames, 2), np.float32)
    for start, dur, root, pcs, vel in hits:
        pick = strum_for(rng, strums, root, chord_quality(pcs, root))
        if pick is None:
            continue
        audio, peak = _sample(pick[0])
        n_on, n_rel = int(max(dur, 0.05) * SR), int(0.25 * SR)
        y = repitch(audio, pick[1], n_on + n_rel)
        y = y * np.float32(FULL_SCALE * (vel / 127.0) ** VELOCITY_EXPONENT / max(peak, 1e-6))
        if len(y) > n_on:
            y[n_on:] *= np.linspace(1, 0, len(y) - n_on, dtype=np.float32)[:, None] ** 2
        add_at(out, y, start)
    return out
