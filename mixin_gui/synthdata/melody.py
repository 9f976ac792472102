"""The sung melody: two-bar phrases over the chords, with motifs that come back.

Pitches are written in a neutral range around A3-E5; the vocal renderer moves them by octaves
into the range of the voice that sings them. Strong beats land on chord tones, the rest move
mostly by step, as singable lines do. Each phrase is one breath: the vocal renderer gives it
one line of lyrics with a syllable per note.
"""

from __future__ import annotations

import numpy as np

from .score import Note

LOW, HIGH = 57, 77
#: Rhythm cells of one bar (durations in beats, negative = rest), singable at most tempi.
CELLS = [
    (1, 1, 1, 1), (1, 0.5, 0.5, 1, 1), (0.5, 0.5, 1, 2), (1.5, 0.5, 1, 1), (2, 1, 1),
    (1, 1, 2), (0.5, 0.5, 0.5, 0.5, 1, 1), (-1, 1, 1, 1), (-0.5, 0.5, 1, 1, 1),
    (1, 1, 1, -1), (3, -1), (0.5, 1, 0.5, 1, 1), (-1, 0.5, 0.5, 1, 1),
]
END_CELLS = [(2, -2), (1, 1, -2), (3, -1), (1.5, 0.5, -2), (1, 2, -1)]


def _scale_pitches(song):
    pcs = {(song.key + s) % 12 for s in song.scale()}
    return [p for p in range(LOW - 5, HIGH + 5) if p % 12 in pcs]


def _rhythm(rng, bars, bpm):
    """Onsets and durations of one phrase: ``[(start, dur), ...]`` in beats from its start."""
    fast = bpm > 150
    cells = [c for c in CELLS if not fast or min(abs(x) for x in c) >= 1] or CELLS
    out, t = [], 0.0
    for b in range(bars):
        pool = END_CELLS if b == bars - 1 else cells
        cell = pool[int(rng.integers(len(pool)))]
        for d in cell:
            if d > 0:
                out.append((t, float(d)))
            t += abs(d)
    return out


def _pitch_line(rng, song, times, start_beat, centre):
    scale = _scale_pitches(song)
    idx = int(np.argmin([abs(p - centre) for p in scale]))
    notes = []
    for t, d in times:
        beat = start_beat + t
        chord = song.chord_at(beat)
        strong = abs(beat - round(beat)) < 1e-6 and int(round(beat)) % 2 == 0
        step = int(rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3],
                              p=[.1, .2, .2, .08, .2, .12, .05, .025, .025]))
        idx = int(np.clip(idx + step, 0, len(scale) - 1))
        if scale[idx] > centre + 7:
            idx -= 2
        if scale[idx] < centre - 7:
            idx += 2
        idx = int(np.clip(idx, 0, len(scale) - 1))
        if strong or d >= 2:  # pull to the nearest chord tone
            near = [i for i in range(len(scale)) if scale[i] % 12 in chord.pcs]
            if near:
                idx = min(near, key=lambda i: abs(i - idx))
        vel = int(np.clip(rng.normal(90 if strong else 78, 8), 40, 127))
        notes.append(Note(beat, d, scale[idx], vel))
    return notes


def _vary(rng, phrase, song):
    """A motif repeated with its last notes moved (how choruses and verses recur)."""
    out = [Note(n.start, n.dur, n.pitch, n.vel) for n in phrase]
    scale = _scale_pitches(song)
    for n in out[-2:]:
        if rng.random() < 0.6:
            i = min(range(len(scale)), key=lambda k: abs(scale[k] - n.pitch))
            n.pitch = scale[int(np.clip(i + rng.choice([-2, -1, 1, 2]), 0, len(scale) - 1))]
    return out


def write_melody(rng, song):
    """Phrases (lists of :class:`Note`) over every section of ``song`` that has the lead."""
    phrases = []
    motifs = {}
    for sec in song.sections:
        if not sec.lead:
            continue
        plen = 2 if sec.bars >= 2 else 1
        centre = 67 if sec.name in ("chorus", "drop") else 63
        centre += int(rng.integers(-2, 3))
        for k in range(sec.bars // plen):
            start = sec.start + 4 * plen * k
            slot = (sec.name, k % 2)
            if slot in motifs and rng.random() < 0.75:
                base, base_start = motifs[slot]
                shifted = [Note(n.start - base_start + start, n.dur, n.pitch, n.vel)
                           for n in base]
                phrase = _vary(rng, shifted, song)
            else:
                phrase = _pitch_line(rng, song, _rhythm(rng, plen, song.bpm), start, centre)
                motifs[slot] = (phrase, start)
            if phrase:
                phrases.append(phrase)
    return phrases
