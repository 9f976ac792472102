"""Drum parts: genre patterns on a sixteenth grid, fills, crashes and a human feel.

A pattern is one bar per kit piece written as 16 characters: ``X`` accent, ``x`` normal,
``o`` soft, ``g`` ghost note, ``.`` rest. :func:`drum_hits` turns a song into a list of
:class:`Hit` in seconds; :mod:`.drumkits` makes them sound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VELOCITY = {"X": 1.0, "x": 0.8, "o": 0.55, "g": 0.28}

#: Per genre, a list of grooves ``{piece: pattern}``; one is drawn per song, a second one
#: (often with the ride or open hats) for high-energy sections.
GROOVES = {
    "rock": [
        {"kick": "x.......x.x.....", "snare": "....X.......X...", "hh_closed": "X.x.X.x.X.x.X.x."},
        {"kick": "x.....x.x.......", "snare": "....X.......X...", "hh_closed": "x.x.x.x.x.x.x.x."},
        {"kick": "x.......x.......", "snare": "....X.......X...", "ride": "x.x.x.x.x.x.x.x."},
        {"kick": "x..x..x.x.......", "snare": "....X.......X...", "hh_open": "x.x.x.x.x.x.x.x."},
    ],
    "metal": [
        {"kick": "xxxxxxxxxxxxxxxx", "snare": "....X.......X...", "ride": "x...x...x...x..."},
        {"kick": "xxxxxxxxxxxxxxxx", "snare": "X...X...X...X...", "china": "x...x...x...x..."},
        {"kick": "x.x.x.x.x.x.x.x.", "snare": "....X.......X...", "hh_closed": "x.x.x.x.x.x.x.x."},
        {"kick": "x.x.x.x.x.x.x.x.", "snare": ".x.x.x.x.x.x.x.x", "crash": "x...x...x...x..."},
    ],
    "pop": [
        {"kick": "x.....x...x.....", "snare": "....X.......X...", "hh_closed": "x.o.x.o.x.o.x.o."},
        {"kick": "x.......x.x.....", "clap": "....X.......X...", "hh_closed": "xoxoxoxoxoxoxoxo"},
        {"kick": "x...x...x...x...", "snare": "....X.......X...", "shaker": "xoxoxoxoxoxoxoxo"},
        {"kick": "x.....x.x.......", "rim": "....x.......x...", "hh_closed": "x.x.x.x.x.x.x.x."},
    ],
    "funk": [
        {"kick": "x..x..x...x..x..", "snare": "....X..g.g..X..g", "hh_closed": "xoxoxoxoXoxoxoxo"},
        {"kick": "x.x....x..x.....", "snare": "..g.X.g..g.gX...",
         "hh_closed": "xoxoxoxoxoxoxo..", "hh_open": "..............x."},
        {"kick": "x......xx.x.....", "snare": "....X..g....X.g.", "hh_closed": "x.xxx.xxx.xxx.xx"},
    ],
    "jazz": [
        {"ride": "x...x.x.x...x.x.", "hh_pedal": "....x.......x...", "kick": "g...g...g...g...",
         "snare": "......g.......g."},
        {"ride": "x...x.x.x...x.x.", "hh_pedal": "....x.......x...", "snare": "..g.....g.g....."},
        {"ride": "x.x.x.x.x.x.x.x.", "hh_pedal": "....x.......x...", "kick": "x.........x....."},
    ],
    "electronic": [
        {"kick": "X...X...X...X...", "clap": "....x.......x...", "hh_open": "..x...x...x...x."},
        {"kick": "X...X...X...X...", "snare": "....x.......x...", "hh_closed": "oxoxoxoxoxoxoxox"},
        {"kick": "X...X...X...X..o", "clap": "....x.......x...", "hh_closed": "..x...x...x...x.",
         "shaker": "xoxoxoxoxoxoxoxo"},
    ],
    "halftime": [
        {"kick": "x.........x.....", "snare": "........X.......", "hh_closed": "x.x.x.x.x.x.x.x."},
        {"kick": "x.....x...x..x..", "snare": "........X.......", "hh_closed": "xoxoxoxoxoxoxoxo"},
        {"kick": "x..x......x.....", "clap": "........X.......", "hh_closed": "x.xxx.x.x.xxx.x."},
    ],
    "ballad": [
        {"kick": "x.......x.......", "rim": "....x.......x...", "hh_closed": "o.o.o.o.o.o.o.o."},
        {"kick": "x.......x.x.....", "snare": "....x.......x...", "hh_closed": "x.o.x.o.x.o.x.o."},
        {"kick": "x.........x.....", "snare": "....x.......x...", "ride": "x.o.x.o.x.o.x.o."},
    ],
    "breakbeat": [
        {"kick": "x.........x.....", "snare": "....X.......X...", "hh_closed": "x.x.x.x.x.x.x.x."},
        {"kick": "x.x.......x.....", "snare": "....X..g.g..X..g", "ride": "x.x.x.x.x.x.x.x."},
        {"kick": "x.........xx....", "snare": "....X.......X...", "hh_closed": "xoxoxoxoxoxoxoxo"},
    ],
}

FILLS = [
    {"snare": "........xxxxxxxx"},
    {"snare": "........xx..", "tom_hi": "..........xx", "tom_mid": "............xx",
     "tom_lo": "..............xx"},
    {"tom_hi": "........xx......", "tom_mid": "..........xx....", "tom_lo": "............xxxx"},
    {"snare": "............xxxx", "kick": "............x..."},
    {"snare": "........x.x.x.x.", "tom_lo": ".........x.x.x.x"},
]


@dataclass
class Hit:
    time: float  # seconds
    piece: str
    velocity: float  # 0-1


@dataclass
class Drummer:
    """How one drummer plays a song: timing spread (s), velocity spread, swing."""

    timing: float
    dynamics: float
    swing: float
    groove: dict
    big_groove: dict


def hire(rng, song):
    grooves = GROOVES[song.genre]
    a = grooves[int(rng.integers(len(grooves)))]
    b = grooves[int(rng.integers(len(grooves)))]
    machine = song.genre == "electronic" or (song.genre == "halftime" and rng.random() < 0.5)
    timing = float(rng.uniform(0.0, 0.002)) if machine else float(rng.uniform(0.004, 0.014))
    return Drummer(timing, 0.03 if machine else float(rng.uniform(0.06, 0.12)),
                   song.swing, a, b)


def _step_time(song, drummer, bar_start_beat, step):
    beat = bar_start_beat + step / 4.0
    if drummer.swing:
        if song.genre == "jazz" and step % 4 == 2:  # swung eighths
            beat += drummer.swing * 0.17
        elif step % 2 == 1:  # swung sixteenths
            beat += drummer.swing * 0.085
    return beat * song.spb


def _bar_groove(rng, drummer, sec, bar, last_bar):
    groove = dict(drummer.big_groove if sec.energy > 0.75 else drummer.groove)
    if sec.energy < 0.35:  # sparse: keep time on hats/ride/rim, kick on one
        keep = {k: v for k, v in groove.items() if k in ("hh_closed", "ride", "rim", "hh_pedal")}
        keep["kick"] = "x" + "." * 15
        groove = keep
    if bar == 0 and sec.energy > 0.45:
        groove["crash"] = "X" + "." * 15
    if last_bar and sec.energy > 0.4 and rng.random() < 0.7:
        fill = FILLS[int(rng.integers(len(FILLS)))]
        cut = min(len(v) - len(v.lstrip(".")) for v in fill.values())  # the fill's first hit
        groove = {k: v[:cut] + "." * (16 - cut) for k, v in groove.items()}
        for k, v in fill.items():
            v = v.ljust(16, ".")
            old = groove.get(k, "." * 16)
            groove[k] = "".join(a if a != "." else b for a, b in zip(v, old))
    return groove


def drum_hits(rng, song, drummer):
    """Every drum hit of ``song`` (sections with drums), humanised. Returns list of Hit."""
    hits = []
    for si, sec in enumerate(song.sections):
        if not sec.drums:
            continue
        next_has_drums = si + 1 < len(song.sections) and song.sections[si + 1].drums
        for bar in range(sec.bars):
            last = bar == sec.bars - 1 and next_has_drums
            groove = _bar_groove(rng, drummer, sec, bar, last)
            bar_start = sec.start + 4 * bar
            for piece, pattern in groove.items():
                for step, ch in enumerate(pattern[:16]):
                    if ch not in VELOCITY:
                        continue
                    v = VELOCITY[ch] * (0.75 + 0.3 * sec.energy)
                    v = float(np.clip(v + rng.normal(0, drummer.dynamics), 0.05, 1.0))
                    t = _step_time(song, drummer, bar_start, step)
                    t = max(0.0, t + float(rng.normal(0, drummer.timing)))
                    hits.append(Hit(t, piece, v))
    hits.sort(key=lambda h: h.time)
    return hits
