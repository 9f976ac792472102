"""``mixin evaluate``: BSSv4 scores of model directories, side by side."""

from __future__ import annotations

import sys

from .. import config
from .progress import ProgressBar
from .train import needs_python_install


def register(sub):
    p = sub.add_parser("evaluate", help="score models with BSS Eval v4 (museval)",
                       description="Mix each track of the stem folders, separate it with "
                                   "every model directory and report the median BSSv4 "
                                   "SDR / SIR / SAR / ISR over 1 s windows per stem.")
    p.add_argument("--stem-dirs", nargs="+", required=True, metavar="DIR",
                   help="folders of tracks (the layouts prepare-stems reads)")
    p.add_argument("--pretrained-model-dir", nargs="+", required=True, metavar="M",
                   dest="model_dirs", help="one or more model directories to compare")
    p.add_argument("--baseline", choices=("hpss",), default=None,
                   help="add librosa's median-filtering HPSS as a reference row")
    p.add_argument("--mono", action="store_true",
                   help="mix every track down to mono before separating and scoring")
    p.add_argument("--wiener", type=int, default=None, metavar="N",
                   choices=range(config.MAX_WIENER_ITERATIONS + 1),
                   help="stereo Wiener post-filter steps for every model directory "
                        "(default: each set's recommendation)")
    p.add_argument("--track-limit", type=int, default=None, help="use at most N tracks")
    p.add_argument("--json", metavar="PATH", default=None,
                   help="also write the scores as JSON ({track: {stem: {metric: dB}}}, "
                        "keyed by method first when several are compared)")
    p.set_defaults(func=needs_python_install if getattr(sys, "frozen", False) else run_evaluate)


def run_evaluate(args):
    from ..training.evaluate import evaluate, format_table, write_json
    from ..training.multitrack import find_tracks, fingerprint

    bar = ProgressBar("evaluate", unit="tracks")
    results = evaluate(args.stem_dirs, args.model_dirs, baseline=args.baseline,
                       track_limit=args.track_limit, progress=bar, mono=args.mono,
                       wiener_iterations=args.wiener)
    bar.finish()
    print(format_table(results))
    tracks = find_tracks(args.stem_dirs, track_limit=args.track_limit)
    n = len(tracks)
    print(f"set: {n} track{'' if n == 1 else 's'}, fingerprint {fingerprint(tracks)} "
          f"(the same only for the same audio)")
    if args.json:
        print(f"wrote {write_json(results, args.json)}")
    return 0
