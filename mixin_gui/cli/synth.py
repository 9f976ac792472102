"""``mixin train synth``: hours of synthetic multitrack songs for training."""

from __future__ import annotations

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
    p.set_defaults(func=run_synth)


def register_devset(steps):
    """Add ``devset`` to the ``mixin train`` step parsers."""
    p = steps.add_parser("devset", help="write the real dev set (real recordings)",
                         description="Write MUSDB-style folders built from the real "
                                     "recordings scripts/real-material.sh installs: Frets on "
                                     "Fire guitars over their bands, real speech over real "
                                     "backings, the Salamander piano over recorded drum loops. "
                                     "Score models on it with mixin evaluate --stem-dirs OUT.")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--seconds", type=float, default=20.0,
                   help="length of each track (default 20)")
    p.add_argument("--overwrite", action="store_true", help="replace existing track folders")
    p.set_defaults(func=run_devset)


def register_melodies(steps):
    """Add ``melodies`` to the ``mixin train`` step parsers."""
    p = steps.add_parser("melodies", help="write voice-free melodies played like singing",
                         description="Write MUSDB-style folders (other.wav, mixture.wav, "
                                     "synth.json) of melodies in a voice's range on real "
                                     "bowed and wind multisamples, with vibrato, portamento, "
                                     "string sections and hall reverb, but no voice: harmonic "
                                     "material for mixin train fit --arch unet --stem-dirs.")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--count", type=int, default=100, help="pieces to write (default 100)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--seconds", type=float, default=30.0,
                   help="length of each piece (default 30)")
    p.add_argument("--overwrite", action="store_true", help="replace existing folders")
    p.set_defaults(func=run_melodies)


def run_melodies(args):
    from ..synthdata.melodies import write_melodies

    bar = ProgressBar("melodies", unit="pieces")
    names = write_melodies(args.out, count=args.count, seed=args.seed, seconds=args.seconds,
                           overwrite=args.overwrite, progress=bar)
    bar.finish()
    print(f"{len(names)} pieces in {args.out}", file=sys.stderr)
    return 0


def run_devset(args):
    from ..synthdata.devset import build_devset

    bar = ProgressBar("devset", unit="tracks")
    names = build_devset(args.out, seed=args.seed, seconds=args.seconds,
                         overwrite=args.overwrite, progress=bar)
    bar.finish()
    print(f"{len(names)} tracks in {args.out}", file=sys.stderr)
    return 0


def run_synth(args):
    from ..synthdata.batch import render_tracks

    bar = ProgressBar("synth", unit="tracks")
    planned, rendered = render_tracks(
        args.out, hours=args.hours, seed=args.seed, jobs=args.jobs, duration=args.duration,
        overwrite=args.overwrite, progress=lambda done, total, _sec: bar(done, total))
    bar.finish()
    print(f"{planned} tracks in {args.out} ({planned - rendered} already there)",
          file=sys.stderr)
    return 0
