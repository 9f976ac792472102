"""Voice-free melodies that sing: bowed strings and winds played with a singer's gestures.

A network that learns "vibrato and portamento in the voice's register mean a voice" sends a
string orchestra's melody to the vocal stem. These pieces give it the counter-examples:
a melody in the range of a human voice, played on a real multisample (violin, cello, flute,
clarinet, saxophone, trumpet, French horn, trombone, bassoon) with

* a vibrato that sets in after the note starts (as players do) and is 15-90 cents deep;
* portamento: a slide from the previous note on many steps of up to a fifth;
* a string section instead of a soloist: 2-6 desks, each late by a few ms, a few cents off,
  with its own vibrato;
* sustained chords beneath (cello, contrabass, organ, harmonium, French horn, bassoon) and
  often a concert-hall reverb.

:func:`melody_piece` renders one; :func:`write_melodies` writes MUSDB-style folders
(``other.wav`` and the mixture, ``synth.json`` says ``"voice": "none"``) that on-the-fly
training mixes draw harmonic stems from (``mixin train melodies``). The bowed-strings
benchmark plays the same kind of piece with other seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DatasetError
from . import sampler
from .resources import SR

#: Instruments that carry the melody, and the MIDI range each plays it in (a voice's range,
#: soprano to bass, folded into the instrument's own).
LEADS = {"violin": (55, 81), "cello": (43, 69), "flute": (60, 84), "clarinet": (50, 77),
         "saxophone": (49, 75), "trumpet": (55, 77), "french-horn": (45, 69),
         "trombone": (40, 65), "bassoon": (38, 62)}
#: Instruments that hold the chords beneath.
PADS = ("cello", "contrabass", "organ", "harmonium", "french-horn", "bassoon")
#: Bowed instruments, which may play as a section.
BOWED = ("violin", "cello")
#: How often each lead is drawn relative to the others: strings most, as a string section is
#: what is most often mistaken for a voice.
LEAD_WEIGHT = {"violin": 3.0, "cello": 3.0}
VIBRATO_CENTS = (15.0, 90.0)
VIBRATO_HZ = (4.5, 7.0)
GLIDE_SECONDS = (0.05, 0.2)


def pitch_curve(rng, n, *, interval, glide_share, vibrato_cents, vibrato_hz, onset_s):
    """Cents of deviation from a note's pitch for its ``n`` frames: a slide from
    ``interval`` semitones away (the previous note; taken with probability ``glide_share``
    when it is at most a fifth), and a vibrato that grows over ``onset_s`` seconds."""
    t = np.arange(n) / SR
    grow = np.clip(t / onset_s, 0.0, 1.0) if onset_s > 0 else 1.0
    cents = vibrato_cents * grow * np.sin(2 * np.pi * vibrato_hz * t + rng.uniform(0, 2 * np.pi))
    if interval and abs(interval) <= 7 and rng.random() < glide_share:
        g = rng.uniform(*GLIDE_SECONDS)
        cents = cents + 100.0 * interval * np.clip(1.0 - t / g, 0.0, 1.0) ** 2
    return cents


def bend(audio, cents):
    """``audio`` (frames, 2) read at a speed that follows ``cents`` (one value per output
    frame, at most ``len(cents)`` frames come out)."""
    speed = 2.0 ** (np.asarray(cents, np.float64) / 1200.0)
    read = np.concatenate([[0.0], np.cumsum(speed[:-1])])
    read = read[: int(np.searchsorted(read, len(audio) - 1))]
    idx = np.arange(len(audio))
    return np.stack([np.interp(read, idx, audio[:, c]) for c in range(audio.shape[1])],
                    axis=1).astype(np.float32)


def expressive_line(rng, name, notes, n_frames, *, glide_share=0.6, vibrato=VIBRATO_CENTS,
                    onset=(0.1, 0.5), detune_cents=0.0):
    """``notes`` ``[(start_s, dur_s, pitch, velocity), ...]`` on multisample ``name`` with a
    singer's pitch gestures (:func:`pitch_curve`); (n_frames, 2) float32."""
    inst = sampler.instrument(name)
    out = np.zeros((n_frames, 2), np.float32)
    hz = rng.uniform(*VIBRATO_HZ)  # a player keeps their vibrato rate
    prev = None
    for start, dur, pitch, vel in notes:
        y = sampler.note_audio(inst, pitch, int(np.clip(vel, 1, 127)), max(dur, 0.02))
        cents = pitch_curve(rng, 2 * len(y), interval=0 if prev is None else prev - pitch,
                            glide_share=glide_share, vibrato_cents=rng.uniform(*vibrato),
                            vibrato_hz=hz * rng.uniform(0.95, 1.05),
                            onset_s=rng.uniform(*onset)) + detune_cents
        sampler.add_at(out, bend(y, cents), start)
        prev = pitch
    return out


def _melody(rng, lo, hi, seconds, fast):
    """A stepwise melody in a minor or major mode between MIDI ``lo`` and ``hi``."""
    mode = [0, 2, 3, 5, 7, 8, 10] if rng.random() < 0.6 else [0, 2, 4, 5, 7, 9, 11]
    tonic = int(rng.integers(lo, lo + 12))
    pitches = [tonic + 12 * o + s for o in range(-1, 4) for s in mode]
    pitches = [p for p in pitches if lo <= p <= hi]
    durs = [0.15, 0.25, 0.3, 0.5, 0.75, 1.2] if fast else [0.4, 0.6, 0.9, 1.2, 1.8, 2.5]
    notes, t, k = [], float(rng.uniform(0, 0.5)), len(pitches) // 2
    while t < seconds - 0.3:
        dur = float(rng.choice(durs))
        k = int(np.clip(k + rng.choice([-3, -2, -1, -1, 0, 1, 1, 2, 3]), 0, len(pitches) - 1))
        notes.append((t, dur * rng.uniform(0.95, 1.05), pitches[k], int(rng.integers(60, 115))))
        t += dur + (float(rng.uniform(0.1, 0.6)) if rng.random() < 0.1 else 0.0)  # breaths
    return notes, tonic, mode


def melody_piece(rng, seconds=30.0):
    """One voice-free piece: ``(audio (frames, 2) float32, description dict)``.

    Raises
    ------
    DatasetError
        When none of the lead instruments is installed.
    """
    leads = [k for k in LEADS if sampler.instrument(k) is not None]
    pads = [k for k in PADS if sampler.instrument(k) is not None]
    if not leads:
        raise DatasetError("No tonejs instrument is installed for the melodies; run "
                           "scripts/real-material.sh (make setup-real).")
    n = int(seconds * SR)
    w = np.array([LEAD_WEIGHT.get(k, 1.0) for k in leads])
    lead = str(rng.choice(leads, p=w / w.sum()))
    lo, hi = LEADS[lead]
    span = int(rng.integers(7, 19))
    base = int(rng.integers(lo, max(lo + 1, hi - span)))
    notes, tonic, mode = _melody(rng, base, base + span, seconds, rng.random() < 0.35)
    desks = int(rng.integers(2, 7)) if lead in BOWED and rng.random() < 0.6 else 1
    glide = float(rng.uniform(0.2, 0.9))
    line = np.zeros((n, 2), np.float32)
    for _ in range(desks):
        part = expressive_line(rng, lead, notes, n, glide_share=glide,
                               detune_cents=rng.uniform(-8, 8) if desks > 1 else 0.0)
        line += np.roll(part, int(rng.integers(0, int(0.03 * SR))) if desks > 1 else 0, axis=0)
    out = 0.5 * line / (np.abs(line).max() + 1e-9)
    desc = {"voice": "none", "kind": "melody", "lead": lead, "desks": desks,
            "glide_share": round(glide, 2), "range": [base, base + span]}
    if pads and rng.random() < 0.85:
        pad = str(rng.choice(pads))
        chords, step = [], float(rng.choice([1.5, 2.0, 3.0]))
        for start in np.arange(0.0, seconds, step):
            root = tonic - 12 + mode[int(rng.choice([0, 3, 4, 5]))]
            chords += [(float(start), step + 0.1, root + k, 75) for k in (-12, 0, 7, 12, 15)]
        bed = expressive_line(rng, pad, chords, n, glide_share=0.0, vibrato=(5.0, 30.0))
        out = out + rng.uniform(0.15, 0.4) * bed / (np.abs(bed).max() + 1e-9)
        desc["pad"] = pad
    if rng.random() < 0.7:
        try:
            import pedalboard as pb
        except ImportError:
            pb = None
        if pb is not None:
            room, wet = float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.1, 0.4))
            out = pb.Pedalboard([pb.Reverb(room_size=room, damping=float(rng.uniform(0.2, 0.6)),
                                           wet_level=wet, dry_level=1.0, width=1.0)])(
                np.ascontiguousarray(out.T), SR).T
            desc["reverb"] = {"room_size": round(room, 2), "wet": round(wet, 2)}
    out = np.asarray(out, np.float32)
    peak = float(np.abs(out).max())
    return (out * np.float32(0.8 / peak) if peak > 0 else out), desc


def write_melodies(out, *, count, seed=0, seconds=30.0, overwrite=False, progress=None):
    """Write ``count`` folders ``melody-<seed>-<k>`` (``other.wav``, the mixture,
    ``synth.json``) into ``out``; returns their names."""
    from .track import write_track

    out = Path(out)
    names = [f"melody-{seed}-{k:04d}" for k in range(count)]
    taken = [out / name for name in names if (out / name).exists()]
    if taken and not overwrite:
        raise DatasetError(f"'{taken[0]}' already exists; use --overwrite to replace it.")
    for k, name in enumerate(names):
        audio, desc = melody_piece(np.random.default_rng([int(seed), k, 19]), seconds)
        write_track(out / name, {"other": audio}, audio, dict(desc, seed=seed, index=k),
                    names=("other",), overwrite=overwrite)
        if progress:
            progress(k + 1, count)
    return names
