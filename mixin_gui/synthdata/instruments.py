"""Bass and accompaniment parts, written as notes and rendered with soundfonts.

Every part draws its General MIDI program from a genre-dependent list and its soundfont from
those installed, so the same role sounds different from song to song. Parts: ``bass`` (the
bass stem) and ``comp``, ``comp2``, ``pad``, ``arp``, ``counter`` and, in some songs without
vocals, ``melody``, an instrument playing the lead line (the "other" stem).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fluid, resources, sampler

PROGRAMS = {
    "bass": {"rock": [33, 34, 33], "metal": [34, 33], "pop": [33, 34, 38], "funk": [36, 37, 33],
             "jazz": [32, 32, 33], "electronic": [38, 39, 87], "halftime": [38, 39, 33],
             "ballad": [33, 35, 32], "breakbeat": [38, 39, 33], "orchestral": [43, 42, 43, 32]},
    "comp": {"rock": [29, 30, 27, 25, 0, 18], "metal": [30, 29, 30], "pop": [0, 4, 25, 27, 1],
             "funk": [28, 27, 4, 7, 16], "jazz": [0, 4, 26, 11], "electronic": [81, 80, 90, 4],
             "halftime": [4, 0, 5, 89], "ballad": [0, 1, 25, 4, 24], "breakbeat": [81, 90, 4],
             "orchestral": [48, 49, 48, 44, 45, 46, 0]},
    "comp2": {"rock": [16, 18, 0, 27], "metal": [29, 48], "pop": [27, 24, 5, 61],
              "funk": [61, 62, 16, 5], "jazz": [26, 11, 65], "electronic": [90, 62, 81],
              "halftime": [24, 5, 80], "ballad": [24, 46, 5], "breakbeat": [62, 90],
              "orchestral": [40, 41, 42, 60, 61, 71, 68, 73, 57, 58, 70]},
    "pad": [48, 49, 50, 88, 89, 92, 95, 16, 19],
    "arp": [46, 11, 12, 81, 80, 24, 25, 8, 108],
    "counter": [48, 40, 73, 56, 61, 65, 71, 68, 81, 42],
    # an instrument playing the melody of a song without vocals
    "melody": {"orchestral": [40, 40, 41, 42, 73, 68, 71, 60, 56],
               "*": [40, 73, 68, 71, 65, 66, 56, 27, 29, 80, 81, 11, 0, 22, 61, 64, 74, 26]},
}
GUITARS = {24, 25, 26, 27, 28, 29, 30}
DISTORTED = {29, 30}


@dataclass
class Part:
    name: str
    program: int
    soundfont: str
    audio: np.ndarray  # (frames, 2) float32
    distort: bool = False


def _bass_pitch(pc):
    return 28 + (pc - 4) % 12  # E1 .. D#2


def _voicing(pcs, centre):
    """Close-position voicing of pitch classes around ``centre`` (MIDI)."""
    notes = sorted(centre - 6 + (pc - (centre - 6)) % 12 for pc in pcs)
    return notes


def _bass_notes(rng, song, sec, style):
    out = []
    for c in sec.chords:
        r = _bass_pitch(c.root)
        fifth = r + 7
        n_beats = int(c.dur)
        if style == "eighths":
            out += [(c.start + 0.5 * k, 0.45, r, 100 if k % 2 == 0 else 85)
                    for k in range(2 * n_beats)]
        elif style == "pump":
            for b, p in ((0, r), (1.5, r), (2, fifth), (3, r + 12)):
                if b < c.dur:
                    out.append((c.start + b, 0.9, p, 95))
        elif style == "funk":
            for k in range(4 * n_beats):
                if rng.random() < (0.9 if k % 4 == 0 else 0.35):
                    p = r + 12 if rng.random() < 0.25 else r
                    out.append((c.start + k / 4, 0.2, p, 110 if k % 4 == 0 else 70))
        elif style == "walk":
            nxt = _bass_pitch(song.chord_at(c.start + c.dur).root)
            tones = [r, r + (c.pcs[1] - c.root) % 12, fifth]
            for b in range(n_beats):
                p = tones[b] if b < n_beats - 1 and b < 3 else nxt + int(rng.choice([-1, 1]))
                out.append((c.start + b, 0.95, p, 90))
        elif style == "offbeat":
            out += [(c.start + b + 0.5, 0.4, r, 100) for b in range(n_beats)]
        elif style == "halftime":
            out += [(c.start, 1.4, r, 100)] + ([(c.start + 2.5, 1.0, r, 85)] if c.dur >= 4 else [])
        else:  # sustain
            out.append((c.start, c.dur * 0.95, r, 95))
    return out


BASS_STYLES = {"rock": ["eighths", "pump", "eighths"], "metal": ["eighths"],
               "pop": ["pump", "sustain", "eighths"], "funk": ["funk"], "jazz": ["walk"],
               "electronic": ["offbeat", "sustain"], "halftime": ["halftime", "sustain"],
               "ballad": ["sustain", "pump"], "breakbeat": ["sustain", "halftime"],
               "orchestral": ["sustain", "halftime", "walk"]}


def _comp_notes(rng, song, sec, style, centre):
    out = []
    for c in sec.chords:
        voice = _voicing(c.pcs, centre)
        hits = {"sustain": [(0, c.dur)], "quarters": [(b, 0.9) for b in range(int(c.dur))],
                "eighths": [(b / 2, 0.45) for b in range(int(2 * c.dur))],
                "stabs": [(b / 4, 0.18) for b in range(int(4 * c.dur)) if b % 4 in (1, 3)
                          and rng.random() < 0.6],
                "charleston": [(0, 0.6), (1.5, 0.4)] + ([(2, 0.6), (3.5, 0.4)] if c.dur >= 4
                                                        else []),
                "broken": [(b / 2, 0.5) for b in range(int(2 * c.dur))]}[style]
        for k, (t, d) in enumerate(hits):
            if t >= c.dur:
                continue
            vel = int(np.clip(60 + 45 * sec.energy + rng.normal(0, 6), 30, 127))
            if style == "broken":
                out.append((c.start + t, d * 1.5, voice[k % len(voice)], vel))
                continue
            if style == "eighths" and len(voice) > 3 and k % 2:
                vel -= 12
            for j, p in enumerate(voice):
                out.append((c.start + t + 0.012 * j * (style == "eighths"), d, p, vel))
    return out


COMP_STYLES = {"rock": ["eighths", "sustain", "quarters"], "metal": ["eighths"],
               "pop": ["quarters", "broken", "sustain", "eighths"], "funk": ["stabs"],
               "jazz": ["charleston"], "electronic": ["stabs", "sustain", "broken"],
               "halftime": ["sustain", "broken"], "ballad": ["broken", "sustain"],
               "breakbeat": ["sustain", "stabs"], "orchestral": ["sustain", "broken", "quarters"]}


def _arp_notes(rng, sec, rate):
    out = []
    for c in sec.chords:
        tones = _voicing(c.pcs, 70)
        tones = tones + [p + 12 for p in tones]
        order = tones if rng.random() < 0.5 else tones[::-1]
        for k in range(int(c.dur / rate)):
            out.append((c.start + k * rate, rate * 0.9, order[k % len(order)],
                        int(70 + 30 * sec.energy)))
    return out


def _counter_notes(rng, sec):
    out, prev = [], 76
    for c in sec.chords:
        split = c.dur >= 4 and rng.random() < 0.5
        for t in ((0.0, 2.0) if split else (0.0,)):
            cands = [p for p in range(67, 88) if p % 12 in c.pcs]
            prev = min(cands, key=lambda p: abs(p - prev) + rng.random() * 3)
            out.append((c.start + t, (2.0 if split else c.dur) * 0.95, prev, 80))
    return out


def _melody_notes(rng, song):
    """The song's melody for an instrument, moved by octaves into a range it plays well."""
    shift = int(rng.choice([0, 0, 12, -12]))
    out = []
    for phrase in song.melody:
        for n in phrase:
            vel = int(np.clip(n.vel + rng.normal(0, 6), 40, 120))
            out.append((n.start, n.dur * 0.95, n.pitch + shift, vel))
    return out


def _swung(song, beat):
    frac = beat % 1.0
    if song.swing and abs(frac - 0.5) < 1e-6:
        return beat + song.swing * 0.17
    return beat


def _section_notes(rng, song, sec, role, style, centre, rate):
    """Notes (in beats) of one accompaniment role in one section; none where it rests."""
    if role == "bass":
        return _bass_notes(rng, song, sec, style) if sec.bass else []
    if role not in sec.parts:
        return []
    if role in ("comp", "comp2"):
        return _comp_notes(rng, song, sec, style, centre + (7 if role == "comp2" else 0))
    if role == "pad":
        return _comp_notes(rng, song, sec, "sustain", centre)
    if role == "arp":
        return _arp_notes(rng, sec, rate)
    return _counter_notes(rng, sec)


def part_notes(rng, song, role, style):
    """All notes of a role over the sections that use it, as (start_s, dur_s, pitch, vel)."""
    notes, centre = [], int(rng.integers(57, 66))
    rate = float(rng.choice([0.25, 0.5])) if song.bpm < 150 else 0.5
    if role == "melody":
        notes = _melody_notes(rng, song)
    else:
        for sec in song.sections:
            notes += _section_notes(rng, song, sec, role, style, centre, rate)
    spb = song.spb
    return [(_swung(song, s) * spb, d * spb, p, v) for s, d, p, v in notes]


def _program(rng, role, genre):
    table = PROGRAMS[role]
    pool = table.get(genre, table.get("*")) if isinstance(table, dict) else table
    return int(pool[int(rng.integers(len(pool)))])


#: Share of parts played on a real sampled instrument when one is installed for their
#: program (the rest stay on soundfonts); strummed share of acoustic-guitar chord parts.
REAL_SHARE = 0.7
STRUM_SHARE = 0.5
ACOUSTIC_GUITARS = {24, 25}


def _strum_hits(song, notes):
    """Chord hits of a comp part for the GuitarStrums: notes starting together (within
    30 ms) make one hit, on the song's chord at that time."""
    hits, last = [], None
    for start, dur, _, vel in sorted(notes):
        if last is not None and start - last < 0.03:
            continue
        last = start
        c = song.chord_at(start / song.spb + 1e-6)
        hits.append((start, dur, c.root, c.pcs, vel))
    return hits


def _play(real_rng, song, role, program, notes, n_frames, font):
    """Render one part: a real instrument (drawn with ``real_rng``) or the soundfont.

    Returns ``(audio, source name)``.
    """
    if real_rng is not None and real_rng.random() < REAL_SHARE:
        if role in ("comp", "comp2") and program in ACOUSTIC_GUITARS and \
                real_rng.random() < STRUM_SHARE:
            audio = sampler.render_strums(real_rng, _strum_hits(song, notes), n_frames)
            if audio is not None:
                return audio, "real:guitar-strums"
        name = sampler.choose(program, notes)
        if name is not None:
            return sampler.render(name, notes, n_frames), f"real:{name}"
    fonts = resources.soundfonts()
    return fluid.render(notes, n_frames, soundfont=fonts[font], program=program), font


def render_parts(rng, song, n_frames, real_rng=None):
    """Write and render the bass and every accompaniment role the song uses.

    ``real_rng`` (its own random stream) decides which parts a real sampled instrument
    plays (:mod:`.sampler`); ``None`` keeps every part on the soundfonts.

    Returns a list of :class:`Part`; the first is the bass.
    """
    fonts = resources.soundfonts()
    names = list(fonts)
    roles = ["bass"] + [r for r in ("comp", "comp2", "pad", "arp", "counter")
                        if any(r in s.parts for s in song.sections)]
    if song.instrument_lead and song.melody:
        roles.append("melody")
    parts = []
    for role in roles:
        program = _program(rng, role, song.genre)
        if role == "bass":
            styles = BASS_STYLES[song.genre]
        elif role in ("comp", "comp2"):
            styles = ["eighths", "sustain"] if program in DISTORTED else COMP_STYLES[song.genre]
        else:
            styles = ["-"]
        style = styles[int(rng.integers(len(styles)))]
        notes = part_notes(rng, song, role, style)
        font = names[int(rng.integers(len(names)))]
        audio, source = _play(real_rng, song, role, program, notes, n_frames, font)
        distort = program in DISTORTED or (program in GUITARS and song.genre in ("rock", "metal")
                                           and rng.random() < 0.5)
        parts.append(Part(role, program, source, audio, distort))
    return parts
