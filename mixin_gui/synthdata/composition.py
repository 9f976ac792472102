"""A song's plan: genre, tempo, key, sections, chords and the sung melody.

Everything is drawn from one ``numpy.random.Generator``, so a seed fixes the song. Times are
in beats (quarter notes) from the start of the song; :attr:`Song.spb` converts to seconds.
The score types (``Note``, ``Chord``, ``Section``, ``Song``) live in :mod:`.score`.
Only 4/4 is written (with optional swing); the drum, instrument and vocal modules read the
plan and never draw its structure again.
"""

from __future__ import annotations

import numpy as np

from .melody import write_melody
from .score import MAJOR, MINOR, Chord, Section, Song


#: Genres with their draw weight, tempo range (BPM) and swing amount (0: straight).
GENRES = {
    "rock": (0.20, (88, 168), 0.0),
    "pop": (0.18, (78, 132), 0.0),
    "metal": (0.08, (100, 200), 0.0),
    "funk": (0.10, (84, 120), 0.15),
    "jazz": (0.08, (60, 200), 0.6),
    "electronic": (0.14, (118, 140), 0.0),
    "halftime": (0.08, (64, 92), 0.1),
    "ballad": (0.07, (60, 84), 0.0),
    "breakbeat": (0.07, (160, 178), 0.0),
    "orchestral": (0.12, (60, 132), 0.0),
}
#: Genres played without a drum kit.
NO_DRUMS = {"orchestral"}
#: Share of songs with a sung lead, by genre (others: 80 %); an instrumental song may give its
#: melody to an instrument instead (violin, flute, sax, lead synth ...).
VOCAL_SHARE = {"orchestral": 0.3}
INSTRUMENT_LEAD_SHARE = 0.6
#: Share of songs with vocals where one sung section is a cappella (voice alone). Not
#: ``config.A_CAPPELLA_SHARE``, the share of training segments given as a bare vocal mix.
A_CAPPELLA_SECTION_SHARE = 0.2

#: Chord progressions as scale degrees (0 = tonic), one chord per entry.
PROGRESSIONS = {
    False: [(0, 4, 5, 3), (5, 3, 0, 4), (0, 3, 4, 3), (0, 5, 3, 4), (0, 3, 0, 4),
            (3, 0, 4, 5), (0, 0, 3, 4), (0, 2, 3, 4), (1, 4, 0, 5), (0, 4, 3, 3)],
    True: [(0, 5, 2, 6), (0, 3, 4, 0), (0, 6, 5, 6), (0, 5, 6, 0), (0, 3, 6, 2),
           (5, 6, 0, 0), (0, 2, 3, 4), (0, 0, 5, 4)],
}
JAZZ_PROGRESSIONS = [(1, 4, 0, 0), (0, 5, 1, 4), (2, 5, 1, 4), (0, 3, 2, 5)]

#: Section forms; the song takes sections in order until its length is reached.
FORMS = [
    ["intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"],
    ["intro", "verse", "pre", "chorus", "verse", "pre", "chorus", "outro"],
    ["verse", "chorus", "verse", "chorus", "bridge", "chorus", "chorus"],
    ["intro", "verse", "verse", "chorus", "breakdown", "chorus", "outro"],
]
ELECTRONIC_FORM = ["intro", "build", "drop", "breakdown", "build", "drop", "outro"]
SECTION_BARS = {"intro": (2, 4), "verse": (4, 8), "pre": (2, 4), "chorus": (4, 8),
                "bridge": (4, 4), "breakdown": (2, 4), "outro": (2, 4), "build": (2, 4),
                "drop": (4, 8)}
SECTION_ENERGY = {"intro": 0.3, "verse": 0.55, "pre": 0.65, "chorus": 0.9, "bridge": 0.6,
                  "breakdown": 0.25, "outro": 0.4, "build": 0.6, "drop": 1.0}
SUNG = {"verse", "pre", "chorus", "bridge", "drop"}


def _pick(rng, items, p=None):
    return items[int(rng.choice(len(items), p=p))]


def diatonic_chord(scale, key, degree, *, seventh=False):
    """Root pitch class and pitch classes of the triad (or seventh) on a scale degree."""
    steps = (0, 2, 4, 6) if seventh else (0, 2, 4)
    pcs = tuple((key + scale[(degree + s) % 7]) % 12 for s in steps)
    return pcs[0], pcs


def _section_names(rng, genre, bars_wanted, bpm):
    if bars_wanted < 8:
        return [("chorus", bars_wanted)]
    form = ELECTRONIC_FORM if genre in ("electronic", "breakbeat") else _pick(rng, FORMS)
    out, total, i = [], 0, 0
    while total < bars_wanted:
        name = form[i % len(form)] if i < len(form) else _pick(rng, ["verse", "chorus"])
        lo, hi = SECTION_BARS[name]
        bars = int(rng.choice([b for b in (2, 4, 6, 8) if lo <= b <= hi] or [lo]))
        left = bars_wanted - total
        bars = left if left - bars < 2 else bars  # no one-bar section at the end
        out.append((name, bars))
        total += bars
        i += 1
    return out


def _chords_for(rng, song_key, minor, genre, sec_start, bars, prog):
    scale = MINOR if minor else MAJOR
    per_bar = 2 if (genre == "jazz" or (genre == "pop" and rng.random() < 0.2)) else 1
    seventh = genre in ("jazz", "funk") or rng.random() < 0.15
    chords = []
    n = bars * per_bar
    for k in range(n):
        degree = prog[k % len(prog)]
        root, pcs = diatonic_chord(scale, song_key, degree, seventh=seventh)
        if minor and degree == 4 and rng.random() < 0.5:  # harmonic-minor dominant
            pcs = (pcs[0], (pcs[1] + 1) % 12) + pcs[2:]
        if genre == "metal" and rng.random() < 0.5:
            pcs = (pcs[0], (pcs[0] + 7) % 12)  # power chord
        dur = 4.0 / per_bar
        chords.append(Chord(sec_start + k * dur, dur, root, pcs))
    return chords


def _arrange(rng, sec, genre, is_peak):
    """Decide which layers play in a section (the loudest section always has all)."""
    e = sec.energy
    sec.drums = (is_peak or rng.random() < (0.97 if e > 0.4 else 0.6)) and genre not in NO_DRUMS
    sec.bass = is_peak or rng.random() < (0.97 if e > 0.3 else 0.7)
    parts = ["comp"]
    for name, p in (("pad", 0.35 + 0.3 * e), ("arp", 0.15 + 0.35 * e),
                    ("counter", 0.1 + 0.4 * e), ("comp2", 0.1 + 0.5 * e)):
        if rng.random() < p:
            parts.append(name)
    if genre == "jazz":
        parts = [p for p in parts if p != "arp"]
    sec.parts = tuple(parts)


def compose(rng, *, duration=None, vocals=None):
    """Draw a song.

    Parameters
    ----------
    rng : numpy.random.Generator
    duration : float or None
        Target length in seconds (the song ends on a bar line near it); ``None`` draws 30-90 s.
    vocals : bool or None
        Whether the song has a sung lead; ``None`` draws it (80 % of songs do, 30 % of
        orchestral ones).
    """
    names = list(GENRES)
    weights = np.array([GENRES[g][0] for g in names])
    genre = _pick(rng, names, weights / weights.sum())
    lo, hi = GENRES[genre][1]
    bpm = float(rng.uniform(lo, hi))
    swing = GENRES[genre][2] * float(rng.uniform(0.5, 1.0)) if GENRES[genre][2] else 0.0
    key = int(rng.integers(12))
    minor = bool(rng.random() < (0.75 if genre in ("metal", "electronic", "breakbeat") else 0.4))
    target = float(rng.uniform(30, 90)) if duration is None else float(duration)
    bars_wanted = max(1, int(round(target * bpm / 240.0)))
    share = VOCAL_SHARE.get(genre, 0.8)
    has_vocals = bool(rng.random() < share) if vocals is None else bool(vocals)
    instrument_lead = not has_vocals and bool(rng.random() < INSTRUMENT_LEAD_SHARE)
    has_lead = has_vocals or instrument_lead

    progs = JAZZ_PROGRESSIONS if genre == "jazz" else PROGRESSIONS[minor]
    by_name, sections, beat = {}, [], 0.0
    for name, bars in _section_names(rng, genre, bars_wanted, bpm):
        if name not in by_name:
            by_name[name] = _pick(rng, progs)
        energy = float(np.clip(SECTION_ENERGY[name] + rng.normal(0, 0.08), 0.1, 1.0))
        sec = Section(name, beat, bars, energy, lead=has_lead and name in SUNG)
        sec.chords = _chords_for(rng, key, minor, genre, beat, bars, by_name[name])
        sections.append(sec)
        beat = sec.end
    peak = max(range(len(sections)), key=lambda i: sections[i].energy)
    if has_lead and not any(s.lead for s in sections):
        sections[peak].lead = True
    for i, sec in enumerate(sections):
        _arrange(rng, sec, genre, i == peak)
    sung = [i for i, s in enumerate(sections) if s.lead and i != peak]
    if has_vocals and sung and rng.random() < A_CAPPELLA_SECTION_SHARE:
        alone = sections[sung[int(rng.integers(len(sung)))]]
        alone.drums, alone.bass, alone.parts = False, False, ()
    song = Song(genre, bpm, key, minor, swing, sections, [], has_vocals, instrument_lead)
    if has_lead:
        song.melody = write_melody(rng, song)
    return song
