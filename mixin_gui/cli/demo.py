"""``mixin demo``: make a short synthetic song and separate it, to try MiXiN at once."""

from __future__ import annotations

import argparse

import numpy as np

from .. import config
from ..audio.io import check_output_dir, write_audio
from ..model.discovery import resolve_model_dir
from . import separate


def register(sub):
    p = sub.add_parser("demo", help="separate a generated demo song",
                       description="Write demo_mix.wav (synthetic drums, bass, chords and a "
                                   "sung-like voice) and separate it.")
    p.add_argument("--outdir", default="demo-output", help="folder for the demo files")
    p.add_argument("--model", "--pretrained-model-dir", dest="pretrained_model_dir",
                   metavar="NAME|DIR", default=None,
                   help="models to use (default: bundled models, else the original MiXiN "
                        "models in ../shared/reference when present)")
    p.add_argument("--duration", type=float, default=8.0, help="seconds of demo song")
    p.add_argument("--mix-only", action="store_true",
                   help="only write the demo song (e.g. to open it in the app)")
    p.set_defaults(func=run_demo)


def run_demo(args):
    outdir = check_output_dir(args.outdir)
    from ..dsp.signals import demo_stems   # scipy.signal: half a second, only for the demo

    stems = demo_stems(args.duration)
    mix = sum(stems.values())
    mix_path = write_audio(outdir / "demo_mix.wav", np.stack([mix, mix], 1),
                           config.SAMPLE_RATE, overwrite=True)
    print(f"wrote {mix_path} ({args.duration:.0f} s: drums, bass + chords, sung-like voice)")
    if args.mix_only:
        return 0
    model_dir = resolve_model_dir(args.pretrained_model_dir)
    print(f"separating with the models in {model_dir}")
    return separate.run_separate(_separate_args(mix_path, outdir, model_dir))


def _separate_args(mix_path, outdir, model_dir):
    """``mixin separate``'s options for the demo: its own defaults, then ours.

    Taken from the separate command's parser, so an option added there gets its default
    here too; nothing goes back through the ``mixin`` dispatcher.
    """
    sub = argparse.ArgumentParser(add_help=False).add_subparsers()
    separate.register(sub)
    args = sub.choices["separate"].parse_args([str(mix_path)])
    args.outdir, args.overwrite, args.no_manifest = str(outdir), True, True
    args.pretrained_model_dir = str(model_dir)
    return args
