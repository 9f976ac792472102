"""Energy shares of the stems on real recordings (no ground truth): a sanity check of direction.

For each recording in ../shared/audio, the first 30 s are separated (mono mixdown) with each
model directory given, and the share of the stems' summed energy that each stem gets is
printed. Expected directions: a string orchestra mostly harmonic, a drum-and-bass track
little vocal, read speech mostly vocal.

Usage: python benchmarks/real_shares.py [--seconds S] MODEL_DIR [MODEL_DIR ...]
(S: how much of each recording's start, 30 by default; the slow tests check 10)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT.parent / "shared" / "audio"
FILES = ("hungarian_dance_5_strings.ogg", "choice_drum_bass.ogg",
         "speech_librispeech_198-209-0000.ogg", "lets_go_fishin.ogg")


def stem_shares(separator, x, sr):
    """Each stem's share of the stems' summed energy when ``separator`` splits ``x``."""
    stems = separator.separate(x, sr)
    energy = {s: float(np.sum(stems[s].astype(np.float64) ** 2)) for s in stems}
    total = sum(energy.values()) or 1.0
    return {s: e / total for s, e in energy.items()}


def shares(separator, path, seconds=30.0):
    from mixin_gui.audio.io import read_audio

    audio, sr = read_audio(path)
    return stem_shares(separator, audio[: int(seconds * sr)].mean(axis=1), sr)


def main(argv):
    from mixin_gui.engine import Separator

    p = argparse.ArgumentParser(description="Energy shares of the stems on real recordings.")
    p.add_argument("--seconds", type=float, default=30.0,
                   help="how much of each recording's start to separate (default 30)")
    p.add_argument("model_dirs", nargs="+", metavar="MODEL_DIR")
    args = p.parse_args(argv)
    print(f"{'recording':<38}{'models':<28}{'harmonic':>9}{'percussive':>11}{'vocal':>7}")
    for model_dir in args.model_dirs:
        sep = Separator(model_dir)
        for name in FILES:
            sh = shares(sep, AUDIO / name, args.seconds)
            print(f"{name:<38}{Path(model_dir).name:<28}{sh['harmonic']:>8.1%}"
                  f"{sh['percussive']:>11.1%}{sh['vocal']:>7.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
