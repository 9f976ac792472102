"""Where the generator's sounds live on a Debian system, and how they are loaded.

Everything the generator plays comes from system packages (``scripts/training-deps.sh``
installs them): General MIDI soundfonts rendered by the ``fluidsynth`` program, the sampled
kits of ``hydrogen-drumkits``, ``avldrums.lv2-soundfont``, one-shots and breaks of
``sonic-pi-samples`` and ``lmms-common``, and the speech synthesisers ``festival``
(``festvox-us-slt-hts``) and ``espeak-ng``. :func:`check` names what is missing.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import numpy as np
import soundfile as sf

from .. import config
from ..dsp.resample import resample
from ..errors import DatasetError

SR = config.SAMPLE_RATE

#: General MIDI soundfonts (melodic programs and bank-128 drum kits), by short name.
GM_SOUNDFONTS = {
    "fluidr3": Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    "timgm6mb": Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    "musescore": Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
}
#: Single-kit drum soundfonts (bank 0, preset 0, General MIDI note map).
DRUM_SOUNDFONTS = (
    Path("/usr/share/sounds/sf2/Black_Pearl_4_LV2.sf2"),
    Path("/usr/share/sounds/sf2/Red_Zeppelin_4_LV2.sf2"),
)
HYDROGEN_KITS = Path("/usr/share/hydrogen/data/drumkits")
SONIC_PI_SAMPLES = Path("/usr/share/sonic-pi/samples")
LMMS_SAMPLES = Path("/usr/share/lmms/samples")

#: Programs the generator runs, with the Debian package that provides each.
PROGRAMS = {"fluidsynth": "fluidsynth", "text2wave": "festival", "espeak-ng": "espeak-ng"}
#: Festival voice used for the lead vocal (package festvox-us-slt-hts).
FESTIVAL_VOICE_DIR = Path("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts")


def soundfonts():
    """The installed GM soundfonts, ``{name: path}`` in a fixed order."""
    return {k: p for k, p in GM_SOUNDFONTS.items() if p.is_file()}


def drum_soundfonts():
    return [p for p in DRUM_SOUNDFONTS if p.is_file()]


def missing():
    """Human-readable list of what the generator needs and does not find (empty: ready)."""
    lacks = [f"the '{prog}' program (package {pkg})" for prog, pkg in PROGRAMS.items()
             if shutil.which(prog) is None]
    if not soundfonts():
        lacks.append("a General MIDI soundfont (package fluid-soundfont-gm)")
    if not (HYDROGEN_KITS.is_dir() and any(HYDROGEN_KITS.glob("*/drumkit.xml"))):
        lacks.append(f"Hydrogen drum kits in {HYDROGEN_KITS} (package hydrogen-drumkits)")
    if not FESTIVAL_VOICE_DIR.is_dir():
        lacks.append("the festival voice cmu_us_slt_arctic_hts (package festvox-us-slt-hts)")
    return lacks


def install_hint():
    """How to get what :func:`missing` names, on this system."""
    if shutil.which("dpkg-query") is None:
        return ("This is not a Debian system, so scripts/training-deps.sh cannot install "
                "them: install them with your package manager.")
    return "Run scripts/training-deps.sh to install them."


def check():
    """Raise :class:`DatasetError` naming every missing system dependency."""
    lacks = missing()
    if lacks:
        raise DatasetError(
            "The synthetic data generator needs " + "; ".join(lacks) + ". " + install_hint())


@functools.lru_cache(maxsize=256)
def _load_cached(path):
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    audio = audio[:, :2]
    audio = resample(audio, sr, SR)
    audio.setflags(write=False)
    return audio


def load_sample(path):
    """A sound file as read-only float32 ``(frames, 2)`` at 44.1 kHz, cached per process.

    Leading silence below -60 dBFS is trimmed so that a hit starts where it is placed.
    """
    audio = _load_cached(str(path))
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak == 0.0:
        return audio
    above = np.nonzero(np.abs(audio).max(axis=1) > peak * 1e-3)[0]
    return audio[max(int(above[0]) - 16, 0):]
