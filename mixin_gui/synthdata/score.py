"""The score types a song's plan is written in: notes, chords, sections and the song.

:mod:`.composition` draws them and :mod:`.melody` writes the lead line into them; both import
this module and neither imports the other's types. Times are in beats (quarter notes) from
the start of the song.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Scale steps in semitones from the tonic.
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)


@dataclass
class Note:
    """One note: ``start`` and ``dur`` in beats, ``pitch`` MIDI, ``vel`` 1-127."""

    start: float
    dur: float
    pitch: int
    vel: int = 90


@dataclass
class Chord:
    """A chord from ``start`` for ``dur`` beats: root pitch class and pitch classes."""

    start: float
    dur: float
    root: int
    pcs: tuple


@dataclass
class Section:
    name: str
    start: float  # beats
    bars: int
    energy: float
    chords: list = field(default_factory=list)
    drums: bool = True
    bass: bool = True
    parts: tuple = ()
    lead: bool = False  # the lead melody (sung, or played by an instrument) is in this section

    @property
    def end(self):
        return self.start + 4 * self.bars


@dataclass
class Song:
    genre: str
    bpm: float
    key: int  # tonic pitch class
    minor: bool
    swing: float
    sections: list
    melody: list  # list of phrases, each a list of Note
    has_vocals: bool
    instrument_lead: bool = False  # the melody is played by an instrument, not sung

    @property
    def spb(self):
        """Seconds per beat."""
        return 60.0 / self.bpm

    @property
    def beats(self):
        return self.sections[-1].end

    @property
    def duration(self):
        return self.beats * self.spb

    def scale(self):
        return MINOR if self.minor else MAJOR

    def chord_at(self, beat):
        for sec in self.sections:
            for c in sec.chords:
                if c.start <= beat < c.start + c.dur:
                    return c
        return self.sections[-1].chords[-1]
