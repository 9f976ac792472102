"""``mixin train synth``: hours of synthetic multitrack songs for training."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from pathlib import Path

from .progress import ProgressBar

DESCRIPTION = ("Write MUSDB-style folders (drums, bass, other, vocals, mixture .wav, 44.1 kHz "
               "stereo float) of procedurally composed songs played with sampled drum kits, "
               "soundfont instruments and re-pitched synthetic voices. Needs the packages "
               "that scripts/training-deps.sh installs and pip install -e '.[synth]'.")


def register(steps):
    """Add ``synth`` to the ``mixin train`` step parsers."""
    p = steps.add_parser("synth", help="generate synthetic multitrack training data",
                         description=DESCRIPTION)
    p.add_argument("--hours", type=float, required=True,
                   help="total length of audio to write (tracks are 30-90 s each)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--jobs", type=int, default=max(1, multiprocessing.cpu_count()),
                   help="tracks rendered in parallel (default: one per CPU core)")
    p.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                   help="fixed track length instead of drawn 30-90 s (quick tests)")
    p.add_argument("--overwrite", action="store_true",
                   help="re-render tracks whose folders are already complete")
    p.add_argument("--vocal-styles", type=_styles, default=None, metavar="S[,S...]",
                   help="sing every voiced track in one of these styles, drawn per track: "
                        "choir (2-8 voices in harmony, no lead), held (long notes, deep "
                        "vibrato), produced (a doubled lead, heavy compression, a long "
                        "plate); default: the lead singer as before")
    p.set_defaults(func=run_synth)


def _styles(text):
    from ..synthdata.vocals import VOCAL_STYLES

    styles = tuple(s.strip() for s in text.split(",") if s.strip())
    bad = [s for s in styles if s not in VOCAL_STYLES]
    if bad or not styles:
        raise argparse.ArgumentTypeError(
            f"unknown vocal style {', '.join(bad) or repr(text)}; use {', '.join(VOCAL_STYLES)}")
    return styles


def _folder_options(p, *, seconds, unit, seed=0):
    """--out, --seed, --seconds and --overwrite of a command that writes track folders."""
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    p.add_argument("--seconds", type=float, default=seconds,
                   help=f"length of each {unit} (default {seconds:g})")
    p.add_argument("--overwrite", action="store_true", help=f"replace existing {unit} folders")


def register_devset(steps):
    """Add ``devset`` to the ``mixin train`` step parsers."""
    p = steps.add_parser("devset", help="write the real dev set (real recordings)",
                         description="Write MUSDB-style folders built from the real "
                                     "recordings scripts/real-material.sh installs: Frets on "
                                     "Fire guitars over their bands, real speech over real "
                                     "backings, the Salamander piano over recorded drum loops. "
                                     "Score models on it with mixin evaluate --stem-dirs OUT.")
    _folder_options(p, seconds=20.0, unit="track")
    p.set_defaults(func=run_devset)


def register_vocal_devset(steps):
    """Add ``vocal-devset`` to the ``mixin train`` step parsers."""
    p = steps.add_parser("vocal-devset", help="write the vocal dev set (held-out voices)",
                         description="Write MUSDB-style folders in three groups where vocal "
                                     "stems fail: a produced lead well under a real band, "
                                     "held notes over real strings, a choir over a piano trio; "
                                     "sung only by voices no training song uses, with effect "
                                     "ranges of their own. Score model sets on it with "
                                     "benchmarks/vocal_conditions.py.")
    _folder_options(p, seconds=20.0, unit="track", seed=7001)
    p.set_defaults(func=run_vocal_devset)


def register_melodies(steps):
    """Add ``melodies`` to the ``mixin train`` step parsers."""
    p = steps.add_parser("melodies", help="write voice-free melodies played like singing",
                         description="Write MUSDB-style folders (other.wav, mixture.wav, "
                                     "synth.json) of melodies in a voice's range on real "
                                     "bowed and wind multisamples, with vibrato, portamento, "
                                     "string sections and hall reverb, but no voice: harmonic "
                                     "material for mixin train fit --arch unet --stem-dirs.")
    p.add_argument("--count", type=int, default=100, help="pieces to write (default 100)")
    _folder_options(p, seconds=30.0, unit="piece")
    p.set_defaults(func=run_melodies)


def _write_folders(name, unit, write, args, **extra):
    """Run ``write`` (devset's or melodies' writer) with a progress bar; say what it wrote."""
    bar = ProgressBar(name, unit=unit)
    names = write(args.out, seed=args.seed, seconds=args.seconds, overwrite=args.overwrite,
                  progress=bar, **extra)
    bar.finish()
    print(f"{len(names)} {unit} in {args.out}", file=sys.stderr)
    return 0


def run_melodies(args):
    from ..synthdata.melodies import write_melodies

    return _write_folders("melodies", "pieces", write_melodies, args, count=args.count)


def run_vocal_devset(args):
    from ..synthdata.vocal_devset import build_vocal_devset

    return _write_folders("vocal-devset", "tracks", build_vocal_devset, args)


def run_devset(args):
    from ..synthdata.devset import build_devset

    return _write_folders("devset", "tracks", build_devset, args)


def run_synth(args):
    from ..synthdata.batch import render_tracks

    bar = ProgressBar("synth", unit="tracks")
    planned, rendered = render_tracks(
        args.out, hours=args.hours, seed=args.seed, jobs=args.jobs, duration=args.duration,
        overwrite=args.overwrite, progress=lambda done, total, _sec: bar(done, total),
        vocal_styles=args.vocal_styles)
    bar.finish()
    print(f"{planned} tracks in {args.out} ({planned - rendered} already there)",
          file=sys.stderr)
    return 0
