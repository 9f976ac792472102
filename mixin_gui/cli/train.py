"""``mixin train``: prepare-stems, create-hdf5, fit and e2e (the original train_util.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import config
from ..errors import DatasetError
from . import synth
from .progress import ProgressBar

#: ``--arch`` names of the joint U-Nets and the architecture (``unet_arch.ARCHS``) each trains.
UNET_ARCHS = {"unet": "mixin-unet-1", "unet2": "mixin-unet-2", "unet3": "mixin-unet-3"}


def register(sub):
    p = sub.add_parser("train", help="prepare data and train your own models",
                       description="Train MiXiN models: prepare-stems, then create-hdf5, "
                                   "then fit; e2e checks the whole pipeline.")
    steps = p.add_subparsers(dest="train_command", metavar="STEP")
    _register_prepare(steps)
    _register_hdf5(steps)
    _register_fit(steps)
    _register_e2e(steps)
    _register_average(steps)
    synth.register(steps)
    synth.register_devset(steps)
    synth.register_vocal_devset(steps)
    synth.register_melodies(steps)
    p.set_defaults(func=lambda args: p.print_help() or 2)
    if getattr(sys, "frozen", False):   # the packaged app leaves TensorFlow out
        for parser in (p, *steps.choices.values()):
            parser.set_defaults(func=needs_python_install, needs_backend=False)


def needs_python_install(args):
    """What the packaged app's training and evaluation commands do: say, in one sentence,
    that they need the Python install (the bundle holds neither TensorFlow nor the
    training package)."""
    from ..model.backend import TrainingBackendMissing, training_needs

    raise TrainingBackendMissing(training_needs())


def _stem_dirs(p):
    p.add_argument("--stem-dirs", nargs="+", required=True, metavar="DIR",
                   help="folders of tracks (MUSDB18-HQ layout, or folders of instrument "
                        "files whose names contain drum / vocal / mix)")


def _register_prepare(steps):
    p = steps.add_parser("prepare-stems", help="cut multitrack folders into segments",
                         description="Write vocal and no-vocal segment folders "
                                     "(harmonic, percussive, [vocal,] mix .wav).")
    _stem_dirs(p)
    p.add_argument("--segment-duration", type=float, default=30.0,
                   help="segment length in seconds (default: 30)")
    p.add_argument("--segment-offset", type=int, default=0,
                   help="segments to skip at the start of each track (default: 0)")
    p.add_argument("--track-limit", type=int, default=None, help="use at most N tracks")
    p.add_argument("--segment-limit", type=int, default=None,
                   help="at most N segments per track")
    p.add_argument("--data-dir", default="data", help="output folder (default: data)")
    p.add_argument("--jobs", type=int, default=os.cpu_count(),
                   help="tracks prepared in parallel (default: all cores)")
    p.set_defaults(func=run_prepare)


def run_prepare(args):
    from ..training.multitrack import prepare_stems

    bar = ProgressBar("prepare-stems", unit="tracks")
    summary = prepare_stems(args.stem_dirs, args.data_dir,
                            segment_duration=args.segment_duration,
                            segment_offset=args.segment_offset, track_limit=args.track_limit,
                            segment_limit=args.segment_limit, jobs=args.jobs, progress=bar)
    bar.finish()
    for name in summary["skipped"]:
        print(f"mixin: track '{name}' is too short for one segment after the offset; skipped")
    print(f"wrote {summary['segments']} segment folders from {summary['tracks']} tracks "
          f"to {args.data_dir}")
    return 0


def _unit_number(text, *, ends, what):
    """``text`` as a number from 0 to 1 (``ends``: 0 and 1 included), else argparse's error
    saying it is not ``what``."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")   # fails both comparisons below
    if not (0.0 <= value <= 1.0 if ends else 0.0 < value < 1.0):
        raise argparse.ArgumentTypeError(f"'{text}' is not {what}")
    return value


def _share(text):
    """argparse type: a number from 0 to 1."""
    return _unit_number(text, ends=True, what="a share from 0 to 1")


def _quantile(text):
    """argparse type: a number strictly between 0 and 1."""
    return _unit_number(text, ends=False, what="a quantile between 0 and 1")


def _register_hdf5(steps):
    p = steps.add_parser("create-hdf5", help="transform segments into HDF5 datasets",
                         description="Write mix.hdf5 and data_<stem>.hdf5 with train / "
                                     "validation / test splits (80/10/10, by track).")
    p.add_argument("--data-dir", default="data", help="prepared data folder (default: data)")
    p.add_argument("--a-cappella-share", type=_share, default=config.A_CAPPELLA_SHARE,
                   metavar="S", help="share (0 to 1) of the segments with vocals that also "
                                     "give their vocal alone as a training mix "
                                     "(default: %(default)s)")
    p.set_defaults(func=run_hdf5)


def run_hdf5(args):
    from ..training.hdf5 import create_hdf5

    bar = ProgressBar("create-hdf5", unit="tracks")
    shapes = create_hdf5(args.data_dir, a_cappella_share=args.a_cappella_share, progress=bar)
    bar.finish()
    for stem, splits in shapes.items():
        print(f"{stem}:")
        for split, shape in splits.items():
            print(f"  {split:<10} x {shape}  y {shape}")
    return 0


def _register_fit(steps):
    p = steps.add_parser("fit", help="train the networks from the HDF5 datasets",
                         description="Train with MAE loss and Adam, early stopping on "
                                     "validation loss; resumable after an interruption.")
    p.add_argument("--stems", default=",".join(config.STEMS),
                   help="comma-separated stems to train (default: all three)")
    p.add_argument("--epochs", type=int, default=100, help="at most N epochs (default: 100)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="chunks per step (default: 64 for cdae, 4 for unet)")
    p.add_argument("--patience", type=int, default=10,
                   help="epochs without validation improvement before stopping (default: 10)")
    p.add_argument("--data-dir", default="data", help="folder with the HDF5 files")
    p.add_argument("--model-dir", default="model", help="where trained models go")
    p.add_argument("--checkpoint-dir", default="logdir",
                   help="checkpoints and CSV logs (default: logdir)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="continue from the checkpoints of an interrupted run")
    again.add_argument("--restart", action="store_true",
                       help="start over, discarding the checkpoints of an earlier run")
    p.add_argument("--plot-training", action="store_true",
                   help="write loss and MAE plots (PNG) into the model folder")
    p.add_argument("--strategy", choices=("mirrored", "multiworker"), default=None,
                   help="tf.distribute strategy: several GPUs (mirrored) or a cluster "
                        "configured by TF_CONFIG (multiworker)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    p.add_argument("--learning-rate", type=float, default=1e-3,
                   help="(unet) Adam's learning rate; a resumed run continues at this rate "
                        "(default: %(default)s)")
    p.add_argument("--arch", choices=("cdae", *UNET_ARCHS), default="cdae",
                   help="cdae: one network per stem from the HDF5 files (default); unet: "
                        "one joint network (mixin-unet-1) from the songs of --stem-dirs; "
                        "unet2: the same with about 0.6 s of time context (mixin-unet-2); "
                        "unet3: about 1 s (mixin-unet-3)")
    p.add_argument("--stem-dirs", nargs="+", metavar="DIR", default=None,
                   help="(unet) folders of tracks; the last tenth of the songs validates")
    p.add_argument("--steps", type=int, default=100,
                   help="(unet) batches per epoch (default: 100)")
    p.add_argument("--voice-free-weight", type=float, default=0.0, metavar="W",
                   help="(unet) extra loss weight on the vocal stem's output in mixes that "
                        "hold no voice, to keep voice-like instruments out of it "
                        "(default: 0)")
    p.add_argument("--vocal-quantile", type=_quantile, default=0.5, metavar="Q",
                   help="(unet) above 0.5, a voice left out of the vocal stem costs "
                        "Q/(1-Q) times what the same excess costs, for a fuller vocal "
                        "stem; 0.5 is plain L1 (default: 0.5)")
    p.add_argument("--voice-free-music", nargs="+", metavar="DIR", default=None,
                   help="(unet) folders of recordings without a voice (WAV, FLAC, OGG; "
                        "not split into stems): a share of the mixes plays one of them as "
                        "the whole accompaniment, and the loss then asks only that it stay "
                        "out of the vocal stem")
    p.add_argument("--voice-free-share", type=_share, default=0.2, metavar="S",
                   help="(unet) share of the mixes that do so, with --voice-free-music "
                        "(default: %(default)s)")
    p.add_argument("--coherent-share", type=_share, default=0.0, metavar="S",
                   help="share of the mixes whose stems all come from one song at one "
                        "offset, as composed (default 0: every stem from its own song)")
    p.add_argument("--vocal-share", type=_share, default=0.75, metavar="S",
                   help="(unet) share of the mixes that hold a voice (default: %(default)s)")
    p.add_argument("--vibrato-share", type=_share, default=0.3, metavar="S",
                   help="(unet) share of the harmonic stems played with a vibrato "
                        "(default: %(default)s)")
    p.add_argument("--quiet-vocal-share", type=_share, default=0.0, metavar="S",
                   help="(unet) share of the mixes with a voice whose voice is set "
                        "--quiet-vocal-db under the accompaniment (default 0)")
    p.add_argument("--quiet-vocal-db", type=float, nargs=2, default=(6.0, 15.0),
                   metavar=("LO", "HI"),
                   help="(unet) how far under, in dB (default: 6 15)")
    p.add_argument("--init-from", type=Path, default=None, metavar="DIR",
                   help="(unet) start a new run from this model set's weights (a fine-tune)")
    p.add_argument("--snapshot-every", type=int, default=0, metavar="N",
                   help="(unet) keep the weights after every N-th epoch in "
                        "CHECKPOINT_DIR/snapshots, for mixin train average (default 0: none)")
    p.add_argument("--nice", type=int, default=0,
                   help="lower this process's priority by N first (default: 0)")
    p.set_defaults(func=run_fit, needs_backend=True)


#: Recordings ``--voice-free-music`` takes from its folders.
MUSIC_SUFFIXES = (".wav", ".flac", ".ogg")


def voice_free_music(dirs):
    """The audio files under ``dirs`` (sorted), for ``--voice-free-music``."""
    files = []
    for d in map(Path, dirs):
        if not d.is_dir():
            raise DatasetError(f"--voice-free-music: '{d}' is not a folder.")
        files += sorted(f for f in d.rglob("*") if f.suffix.lower() in MUSIC_SUFFIXES)
    if not files:
        raise DatasetError(f"--voice-free-music: no WAV, FLAC or OGG file in "
                           f"{', '.join(map(str, dirs))}.")
    return files


def run_fit_unet(args):
    """``mixin train fit --arch unet``: the joint U-Net from songs, mixed on the fly where
    ``training.onthefly`` is installed, else chunks of the songs as recorded."""
    from ..training.fit import FitOptions
    from ..training.multitrack import find_tracks
    from ..training.unet_fit import TrackChunks, train_unet

    if not args.stem_dirs:
        raise DatasetError("--arch unet trains from songs: pass --stem-dirs DIR.")
    tracks = find_tracks(args.stem_dirs)
    if len(tracks) < 2:
        raise DatasetError("--arch unet needs at least two songs (one validates).")
    n_val = max(1, len(tracks) // 10)
    train_t, val_t = tracks[:-n_val], tracks[-n_val:]
    try:
        from ..training.onthefly import OnTheFlyMixes
    except ImportError:
        OnTheFlyMixes = None
    if OnTheFlyMixes is not None:
        from ..synthdata.realsources import training_extras

        extras = training_extras()  # real guitar stems, where scripts/real-material.sh ran
        share = 0.0
        if args.voice_free_music:
            extras["accompaniment"] = voice_free_music(args.voice_free_music)
            share = args.voice_free_share

        def make(ts, seed, steps, extra=None):
            return OnTheFlyMixes([t.path for t in ts], seed=seed, batch_size=args.batch_size,
                                 steps=steps, prefetch=0, extra=extra,
                                 accompaniment_share=share if extra else 0.0,
                                 coherent_share=args.coherent_share if extra else 0.0,
                                 quiet_vocal_share=args.quiet_vocal_share if extra else 0.0,
                                 quiet_vocal_db=args.quiet_vocal_db,
                                 vocal_share=args.vocal_share,
                                 vibrato_share=args.vibrato_share)
        how = ("mixed on the fly (stems of different songs, random gains, EQ, speed, "
               f"vibrato on harmonic stems; {len(extras['harmonic'])} real guitar stems)")
        if share:
            how += (f"; {share:.0%} of the mixes over one of "
                    f"{len(extras['accompaniment'])} voice-free recordings, unsplit")
    else:
        extras = None

        def make(ts, seed, steps, extra=None):   # songs as recorded: no extra sources
            return TrackChunks(ts, seed=seed, batch_size=args.batch_size, steps=steps)
        how = "chunks of the songs as recorded"
    opts = FitOptions(epochs=args.epochs, batch_size=args.batch_size, patience=args.patience,
                      resume=args.resume, restart=args.restart, seed=args.seed,
                      learning_rate=args.learning_rate)
    note = {"stem_dirs": [str(d) for d in args.stem_dirs], "songs": len(train_t),
            "validation_songs": len(val_t), "mixing": how}
    res = train_unet(make(train_t, args.seed, args.steps, extras),
                     make(val_t, args.seed + 1000, 8),
                     args.model_dir, args.checkpoint_dir, opts, data_note=note,
                     voice_free_weight=args.voice_free_weight,
                     vocal_quantile=args.vocal_quantile,
                     arch=UNET_ARCHS[args.arch], init_from=args.init_from,
                     snapshot_every=args.snapshot_every)
    print(f"unet: {res['epochs']} epochs, best validation loss {res['best_val_loss']:.5f}, "
          f"saved {res['model']}")
    return 0


def run_fit(args):
    from ..training.fit import FitOptions, train_all

    if args.nice:
        os.nice(args.nice)
    if args.batch_size is None:
        args.batch_size = 4 if args.arch in UNET_ARCHS else 64
    if args.arch in UNET_ARCHS:
        return run_fit_unet(args)

    stems = [s.strip() for s in args.stems.split(",") if s.strip()]
    if not stems:
        raise DatasetError(f"--stems names no stem; use {', '.join(config.STEMS)}.")
    opts = FitOptions(epochs=args.epochs, batch_size=args.batch_size, patience=args.patience,
                      resume=args.resume, restart=args.restart, plot=args.plot_training,
                      strategy=args.strategy,
                      seed=args.seed)
    results = train_all(args.data_dir, args.model_dir, args.checkpoint_dir, stems, opts,
                        verbose=2)
    print("\nfinal MAE (best model)")
    print(f"  {'stem':<11}{'train':>10}{'validation':>12}{'test':>10}")
    for stem, res in results.items():
        vals = [res["scores"][f"{s}_mae"] for s in ("train", "validation", "test")]
        print(f"  {stem:<11}" + "".join(
            f"{'n/a' if v is None else f'{v:.5f}':>{w}}" for v, w in zip(vals, (10, 12, 10))))
    return 0


def _register_average(steps):
    p = steps.add_parser("average", help="average U-Net snapshots into a model set",
                         description="The mean of snapshot weight files (fit "
                                     "--snapshot-every) saved as a model set, with the card "
                                     "of another set.")
    p.add_argument("snapshots", nargs="+", type=Path, help="epoch-NNNN.weights.h5 files")
    p.add_argument("--card-from", type=Path, required=True, metavar="DIR",
                   help="the model set whose card the new one starts from (its run's)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the new model set")
    p.set_defaults(func=run_average, needs_backend=True)


def run_average(args):
    from ..model.files import read_card
    from ..training.unet_fit import average_snapshots

    if not (args.card_from / "model_joint.json").is_file():
        raise DatasetError(f"'{args.card_from}' holds no U-Net model card (model_joint.json) "
                           f"to give the averaged set; name a model set's folder.")
    card = read_card(args.card_from / "model_joint.keras")
    card["weights"] = (f"the mean of {len(args.snapshots)} snapshots: "
                       + ", ".join(p.name for p in args.snapshots))
    saved = average_snapshots([str(p) for p in args.snapshots], args.out, card=card)
    print(f"saved {saved}")
    return 0


def _register_e2e(steps):
    p = steps.add_parser("e2e", help="check the whole pipeline on a few tracks",
                         description="Prepare, transform, train briefly and separate with "
                                     "a few tracks of DIR, checking every step.")
    _stem_dirs(p)
    p.add_argument("--delete", action="store_true",
                   help="delete the data, model and checkpoint folders first")
    p.add_argument("--data-dir", default="data")
    p.add_argument("--model-dir", default="model")
    p.add_argument("--checkpoint-dir", default="logdir")
    p.add_argument("--segment-duration", type=float, default=10.0,
                   help="segment length in seconds (default: 10)")
    p.add_argument("--epochs", type=int, default=1, help="training epochs (default: 1)")
    p.set_defaults(func=run_e2e, needs_backend=True)


def run_e2e(args):
    from ..training.e2e import E2EOptions, run_e2e as e2e

    e2e(args.stem_dirs, data_dir=args.data_dir, model_dir=args.model_dir,
        checkpoint_dir=args.checkpoint_dir, delete=args.delete,
        opts=E2EOptions(segment_duration=args.segment_duration, epochs=args.epochs))
    return 0
