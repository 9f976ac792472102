"""The vocal dev set (``mixin train vocal-devset --out DIR``): where a vocal stem fails.

Three groups of MUSDB-layout folders, one per condition in which round 4l's vocal stem
goes to the harmonic stem on real songs:

* ``produced-*``: a lead vocal with a double track, heavy compression, a bright presence
  lift, a long feedback delay and a plate, 5 to 9 dB under a real produced band (a
  vocal-free Frets on Fire song, guitar and band: ``accompaniment.wav``);
* ``held-*``: a lead sung as long held notes with a deep vibrato, 1.5 to 4.5 dB under a
  string section played on real violin, cello and double-bass multisamples (tonejs) in a
  hall (``other.wav``; ``drums.wav`` is silent);
* ``choir-*``: three or four voices in harmony, no lead, 0 to 3 dB under a piano trio:
  the Salamander piano, a walking tonejs double bass and a recorded drum loop
  (``other.wav``, ``bass.wav``, ``drums.wav``).

What is held out, so that the set does not grade the generator's own material:

* **voices**: only :data:`.vocals.HELD_OUT_VOICES` sing here (festival ``ked_diphone``,
  gcin-voice speaker 3, espeak-ng ``en-us+Annie`` and ``en-gb+Edward``); round-5 training
  songs never use them;
* **effects**: the vocal chains are drawn from :data:`DEV_LEAD_CHAIN` and
  :data:`DEV_CHOIR_CHAIN`, whose ranges lie outside the training chains' (harder
  compression, higher presence, longer delays, bigger rooms), with the set's own seed;
* **accompaniment**: real recordings only, none of them reserved for judging.

``benchmarks/vocal_conditions.py`` scores model sets on it per group, mono and stereo.
"""

from __future__ import annotations

from dataclasses import replace
import numpy as np

from ..errors import DatasetError
from . import composition, drumkits, instruments, production, realsources, sampler, vocals
from .devset import _excerpt, _finish, _loops, refuse_taken
from .resources import SR
from .track import write_track

GROUPS = ("produced", "held", "choir")
SEED = 7001
#: Active level of every accompaniment (dBFS) before the vocal is set under it.
ACCOMPANIMENT_DBFS = -18.0
#: How far under its accompaniment the vocal sits, per group (dB, drawn uniformly).
UNDER_DB = {"produced": (5.0, 9.0), "held": (1.5, 4.5), "choir": (0.0, 3.0)}
#: The dev set's vocal chains (keys as :data:`.production.VOCAL_CHAIN`): ranges outside
#: the training chains' so that no dev vocal was processed as a training one was.
DEV_LEAD_CHAIN = {"hp": (150, 220), "ratio": (10.0, 16.0), "threshold": (-40.0, -32.0),
                  "presence_hz": (6000, 9000), "presence_db": (5, 8),
                  "feedback": (0.45, 0.6), "mix": (0.25, 0.35), "plate": True,
                  "plate_ranges": {"room": (0.985, 0.995), "damping": (0.02, 0.1),
                                   "wet": (0.45, 0.6)}}
DEV_CHOIR_CHAIN = {"hp": (60, 80), "ratio": (1.5, 2.5), "threshold": (-14.0, -10.0),
                   "presence_hz": (1500, 2500), "presence_db": (0, 1),
                   "feedback": (0.05, 0.1), "mix": (0.0, 0.05), "plate": True,
                   "plate_ranges": {"room": (0.985, 0.995), "damping": (0.4, 0.6),
                                    "wet": (0.5, 0.7)}}


def _at_active(audio, db):
    """``audio`` scaled so that its active RMS (pauses left out) is ``db`` dBFS."""
    rms = production.active_rms(audio)
    return audio * np.float32(10 ** (db / 20) / rms) if rms > 0 else audio


def _chain(rng, audio, spb, ranges):
    import pedalboard as pb

    return production._process(pb.Pedalboard(production._vocal_chain(rng, pb, spb, ranges)),
                               audio)


def _voice(rng, k):
    """Held-out voice ``k`` (in turn), with a formant stretch near 1."""
    voice = replace(vocals.HELD_OUT_VOICES[k % len(vocals.HELD_OUT_VOICES)])
    voice.formant = float(rng.uniform(0.94, 1.06))
    return voice


def _song(rng, seconds, bpm=None):
    song = composition.compose(rng, duration=seconds + 4, vocals=True)
    if bpm:
        song.bpm = bpm
    song.swing = 0.0
    return song


def _strings(rng, song, n):
    """Sustained chords on violins, celli and double basses in a hall."""
    import pedalboard as pb

    chords = instruments.part_notes(rng, song, "pad", "sustain")
    out = np.zeros((n, 2), np.float32)
    for name, lo, hi, pan in (("violin", 67, 96, -0.4), ("cello", 48, 72, 0.35)):
        notes = [(s, d, sampler.fold(p, lo, hi), v) for s, d, p, v in chords]
        out += production.pan(sampler.render(name, notes, n), pan)
    bass = instruments.part_notes(rng, song, "bass", "sustain")
    out += 0.7 * sampler.render("contrabass", bass, n)
    hall = pb.Pedalboard([pb.Reverb(room_size=float(rng.uniform(0.7, 0.85)),
                                    wet_level=0.3, dry_level=0.9, width=1.0)])
    return production._process(hall, out)


def _trio(rng, seconds, loop):
    """A song at a drum loop's tempo, its piano and walking bass, and the loop."""
    from .resources import load_sample

    where, name, beats = loop
    audio = np.asarray(load_sample(drumkits._break_path(where, name)), np.float32)
    bpm = beats * 60.0 * SR / len(audio)
    while bpm < 70:
        bpm *= 2
    while bpm > 170:
        bpm /= 2
    song = _song(rng, seconds, bpm)
    n = int(seconds * SR)
    piano = sampler.render("salamander",
                           instruments.part_notes(rng, song, "comp", "quarters"), n)
    bass = sampler.render("contrabass", instruments.part_notes(rng, song, "bass", "walk"), n)
    drums = np.zeros((n, 2), np.float32)
    for pos in range(0, n, len(audio)):
        m = min(len(audio), n - pos)
        drums[pos:pos + m] = audio[:m]
    return song, piano, bass, drums


def plan():
    """``[(name, group, source), ...]``: four tracks per group the installed material allows."""
    bands = realsources.fof_songs()
    loops = _loops()
    strings = all(sampler.instrument(n) is not None for n in ("violin", "cello", "contrabass"))
    trio = sampler.instrument("salamander") is not None and \
        sampler.instrument("contrabass") is not None and bool(loops)
    out = []
    for k in range(4):
        if bands:
            out.append((f"produced-{k + 1}", "produced", bands[k % len(bands)]))
        if strings:
            out.append((f"held-{k + 1}", "held", None))
        if trio:
            out.append((f"choir-{k + 1}", "choir", loops[(3 * k) % len(loops)]))
    return sorted(out, key=lambda t: (GROUPS.index(t[1]), t[0]))


def render(seed, index, group, source, seconds):
    """The stems and a description of one dev track: ``({file stem: audio}, info)``."""
    rng = np.random.default_rng([int(seed), int(index), 31])
    n = int(seconds * SR)
    under = float(rng.uniform(*UNDER_DB[group]))
    if group == "produced":
        _, guitar, band = source
        start = float(rng.uniform(30, 90))
        backing = {"accompaniment": _excerpt(guitar, start, seconds)
                   + _excerpt(band, start, seconds)}
        song = _song(rng, seconds)
        layers, desc, _ = vocals.render_lead(rng, song, n, voice=_voice(rng, index),
                                             kind="produced")
        voice = sum(_chain(rng, a, song.spb, DEV_LEAD_CHAIN) for _, a in layers)
    elif group == "held":
        song = _song(rng, seconds)
        # an orchestra has no percussive stem: a silent drums file, which scoring leaves out
        backing = {"other": _strings(rng, song, n), "drums": np.zeros((n, 2), np.float32)}
        layers, desc, _ = vocals.render_lead(rng, song, n, voice=_voice(rng, index),
                                             kind="held")
        voice = sum(_chain(rng, a, song.spb, DEV_LEAD_CHAIN) for _, a in layers)
    else:
        song, piano, bass, drums = _trio(rng, seconds, source)
        backing = {"other": piano, "bass": bass, "drums": drums}
        count = 3 + index % 2
        first = int(rng.integers(len(vocals.HELD_OUT_VOICES)))
        layers, desc, _ = vocals.render_choir_voices(
            rng, song, n, voices=[_voice(rng, first + k) for k in range(count)], jitter=0.05)
        voice = _chain(rng, layers[0][1], song.spb, DEV_CHOIR_CHAIN)
    scale = 10 ** (ACCOMPANIMENT_DBFS / 20) / max(
        production.active_rms(sum(backing.values())), 1e-9)
    stems = {k: v * np.float32(scale) for k, v in backing.items()}
    stems["vocals"] = _at_active(voice, ACCOMPANIMENT_DBFS - under)
    info = {"group": group, "seed": int(seed), "seconds": seconds, "voice": desc,
            "vocal_under_db": round(under, 2)}
    return stems, info


def build_vocal_devset(out, *, seed=SEED, seconds=20.0, overwrite=False, progress=None):
    """Write the vocal dev set's track folders into ``out``; returns their names.

    Raises
    ------
    DatasetError
        When the real material or a held-out voice is not installed.
    """
    tracks = plan()
    if not tracks:
        raise DatasetError("No real material is installed for the vocal dev set; run "
                           "scripts/real-material.sh (make setup-real).")
    if not vocals._festival_has("ked_diphone"):
        raise DatasetError("The held-out festival voice ked_diphone is not installed; run "
                           "scripts/training-deps.sh (make setup-train).")
    out = refuse_taken(out, [name for name, _, _ in tracks], overwrite)
    for k, (name, group, source) in enumerate(tracks):
        stems, info = render(seed, k, group, source, seconds)
        stems, mixture = _finish(stems)
        write_track(out / name, stems, mixture, info, names=tuple(stems), overwrite=overwrite)
        if progress:
            progress(k + 1, len(tracks))
    return [t[0] for t in tracks]
