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

:func:`orchestra_piece` renders the harder case, a string orchestra: four or five sections
(first and second violins, violas, cellos, basses), each of several desks with its own
vibrato, moving in harmony under the melody, often with short, accented bows and always in
a hall.

:func:`melody_piece` renders one melody; :func:`write_melodies` writes MUSDB-style folders
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


def _hall(rng, audio, desc, always=False):
    """A concert-hall reverb on 70 % of the pieces (every one if ``always``), where
    pedalboard is installed; noted in ``desc["reverb"]``. float32 (frames, 2)."""
    draw = rng.random()
    if always or draw < 0.7:
        try:
            import pedalboard as pb
        except ImportError:
            pb = None
        if pb is not None:
            room, wet = float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.1, 0.4))
            audio = pb.Pedalboard([pb.Reverb(room_size=room,
                                             damping=float(rng.uniform(0.2, 0.6)),
                                             wet_level=wet, dry_level=1.0, width=1.0)])(
                np.ascontiguousarray(audio.T), SR).T
            desc["reverb"] = {"room_size": round(room, 2), "wet": round(wet, 2)}
    return np.asarray(audio, np.float32)


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
    out = _hall(rng, out, desc)
    peak = float(np.abs(out).max())
    return (out * np.float32(0.8 / peak) if peak > 0 else out), desc


#: The orchestra's sections below the first violins: instrument, MIDI range, and where the
#: section sits in the chord (0: the melody's nearest chord tone below, ... ; "root": the
#: chord's root). Violas are violins in their lowest fifth (tonejs has no viola).
SECTIONS = (("violin", (55, 76), 1), ("violin", (55, 67), 2), ("cello", (36, 60), "root"),
            ("contrabass", (28, 43), "root"))


def _chord_tone_below(pitch, chord, steps, lo, hi):
    """The ``steps``-th tone of ``chord`` (pitch classes) below ``pitch``, kept in
    ``[lo, hi]`` by octaves."""
    below = [q for q in range(pitch - 1, pitch - 25, -1) if q % 12 in chord]
    q = below[min(steps, len(below)) - 1]
    while q < lo:
        q += 12
    while q > hi:
        q -= 12
    return q


def _stopped(notes, share, rng):
    """Short bows: ``share`` of the notes sound for 35-60 % of their length, and a quarter
    of all notes get an accent (velocity +25)."""
    out = []
    for t, d, p, v in notes:
        if rng.random() < share:
            d *= rng.uniform(0.35, 0.6)
        if rng.random() < 0.25:
            v = min(127, v + 25)
        out.append((t, d, p, v))
    return out


def _section(rng, name, notes, n, desks, *, glide_share, vibrato):
    """``desks`` players of ``name`` on the same notes, each a little late and off pitch."""
    out = np.zeros((n, 2), np.float32)
    for _ in range(desks):
        part = expressive_line(rng, name, notes, n, glide_share=glide_share, vibrato=vibrato,
                               detune_cents=rng.uniform(-10, 10))
        out += np.roll(part, int(rng.integers(0, int(0.035 * SR))), axis=0)
    return out


def orchestra_piece(rng, seconds=30.0):
    """A voice-free string orchestra: ``(audio (frames, 2) float32, description dict)``.

    The first violins play a melody (:func:`_melody`, a voice's range); the second violins
    and violas take chord tones below each melody note; cellos and basses hold the chord's
    root through each bar. Every section is 3-8 desks with a vibrato of 15-70 cents (inner
    parts less portamento than the lead); in about half the pieces most notes are short,
    accented bows. A hall reverb always.

    Raises
    ------
    DatasetError
        When the tonejs violin is not installed.
    """
    if sampler.instrument("violin") is None:
        raise DatasetError("The tonejs violin is not installed for the orchestra pieces; "
                           "run scripts/real-material.sh (make setup-real).")
    n = int(seconds * SR)
    base = int(rng.integers(62, 70))
    fast = rng.random() < 0.5
    notes, tonic, mode = _melody(rng, base, base + int(rng.integers(10, 17)), seconds, fast)
    stopped = float(rng.uniform(0.5, 0.9)) if rng.random() < 0.5 else 0.0
    bar = float(rng.choice([1.0, 1.5, 2.0]))
    # a diatonic triad per bar, on the first, fourth, fifth or sixth degree
    degrees = [int(rng.choice([0, 3, 4, 5])) for _ in range(int(seconds / bar) + 2)]
    roots = [tonic + mode[d] for d in degrees]

    def chord_at(t):
        d = degrees[int(t / bar)]
        return {(tonic + mode[(d + k) % 7]) % 12 for k in (0, 2, 4)}

    parts = {"violin I": notes}
    for k, (name, (lo, hi), where) in enumerate(SECTIONS):
        if sampler.instrument(name) is None:
            continue
        if where == "root":
            part = []
            for b in range(int(np.ceil(seconds / bar))):
                q = roots[b] - 24 - 12 * (name == "contrabass")
                while q < lo:
                    q += 12
                part.append((b * bar, bar * 1.02, q, int(rng.integers(70, 105))))
        else:
            part = [(t, d, _chord_tone_below(p, chord_at(t), where, lo, hi), v)
                    for t, d, p, v in notes]
        parts[("violin II", "viola", "cello", "contrabass")[k]] = part
    mix = np.zeros((n, 2), np.float32)
    desks = {}
    for label, part in parts.items():
        name = "contrabass" if label == "contrabass" else "cello" if label == "cello" \
            else "violin"
        desks[label] = int(rng.integers(3, 9))
        lead = label == "violin I"
        if stopped:
            part = _stopped(part, stopped, rng)
        audio = _section(rng, name, part, n, desks[label],
                         glide_share=float(rng.uniform(0.2, 0.8)) if lead else 0.1,
                         vibrato=(25.0, 70.0) if lead else (15.0, 50.0))
        level = 0.5 if lead else float(rng.uniform(0.2, 0.4))
        mix += level * audio / (np.abs(audio).max() + 1e-9)
    desc = {"voice": "none", "kind": "orchestra", "desks": desks, "stopped_share":
            round(stopped, 2), "range": [base, max(p for _, _, p, _ in notes)]}
    out = _hall(rng, mix, desc, always=True)
    peak = float(np.abs(out).max())
    return (out * np.float32(0.8 / peak) if peak > 0 else out), desc


#: What :func:`write_melodies` writes: the piece function and the folders' name prefix.
KINDS = {"melody": melody_piece, "orchestra": orchestra_piece}


def write_melodies(out, *, count, seed=0, seconds=30.0, overwrite=False, progress=None,
                   kind="melody"):
    """Write ``count`` folders ``<kind>-<seed>-<k>`` (``other.wav``, the mixture,
    ``synth.json``) into ``out``; ``kind`` is ``"melody"`` (:func:`melody_piece`) or
    ``"orchestra"`` (:func:`orchestra_piece`). Returns the folders' names."""
    from .track import write_track

    out = Path(out)
    piece = KINDS[kind]
    names = [f"{kind}-{seed}-{k:04d}" for k in range(count)]
    taken = [out / name for name in names if (out / name).exists()]
    if taken and not overwrite:
        raise DatasetError(f"'{taken[0]}' already exists; use --overwrite to replace it.")
    for k, name in enumerate(names):
        audio, desc = piece(np.random.default_rng([int(seed), k, 19]), seconds)
        write_track(out / name, {"other": audio}, audio, dict(desc, seed=seed, index=k),
                    names=("other",), overwrite=overwrite)
        if progress:
            progress(k + 1, count)
    return names
