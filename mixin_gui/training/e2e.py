"""The end-to-end check of the training pipeline (``mixin train e2e``).

Runs what the original MiXiN's ``test_e2e.py`` ran, in process and on the user's stems:
model layers and dimensions, stem preparation, the segments' audio properties, HDF5
creation and its shapes and splits, brief training of the three networks, the checkpoint
and model files, and finally a separation with the freshly trained models.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import config
from ..audio.io import describe
from ..errors import DatasetError
from .hdf5 import MIX_FILE, ROW_SHAPE, SPLITS, create_hdf5, open_checked, stem_file
from .multitrack import NOVOCAL_FILES, VOCAL_FILES, list_segments, prepare_stems

#: Layers of the MiXiN CDAE (5 encoder, 4 bottleneck, 4 decoder incl. the crop).
N_LAYERS = 13


@dataclass
class E2EOptions:
    """Sizes of the check: small enough to finish in minutes on a laptop.

    ``track_limit`` must be at least 3 (one track per split).
    """

    segment_duration: float = 10.0
    segment_offset: int = 1
    segment_limit: int = 2
    track_limit: int = 3
    epochs: int = 1
    batch_size: int = 8


class _Steps:
    def __init__(self, report):
        self.report = report
        self.step = ""

    def __call__(self, text):
        self.step = text
        self.report(f"[e2e] {text}")

    def ok(self, detail="good"):
        self.report(f"[e2e]   {detail}")


def check_model(report):
    """Layer count, parameter count and an input-equals-output-shape pass of the CDAE."""
    from ..model.cdae import N_PARAMS, build_cdae

    model = build_cdae()
    if len(model.layers) != N_LAYERS or model.count_params() != N_PARAMS:
        raise DatasetError(f"the CDAE has {len(model.layers)} layers and "
                           f"{model.count_params()} parameters, expected {N_LAYERS} "
                           f"and {N_PARAMS}")
    y = np.asarray(model(np.ones((2, *ROW_SHAPE), np.float32)))
    if y.shape != (2, *ROW_SHAPE):
        raise DatasetError(f"the CDAE maps {(2, *ROW_SHAPE)} to {y.shape}")
    report(f"[e2e]   {len(model.layers)} layers, {N_PARAMS} parameters, {ROW_SHAPE} in and out")


def check_segments(data_dir, opts):
    """Every segment folder has its files, at 44.1 kHz and the segment's length."""
    segments = list_segments(data_dir)
    want = int(round(opts.segment_duration * config.SAMPLE_RATE))
    n_files = 0
    for track in segments.values():
        for kinds in track.values():
            for kind, folder in kinds.items():
                for name in (VOCAL_FILES if kind == "v" else NOVOCAL_FILES):
                    info = describe(folder / name)
                    if info.samplerate != config.SAMPLE_RATE or info.frames != want:
                        raise DatasetError(f"'{folder / name}' has {info.frames} frames at "
                                           f"{info.samplerate} Hz, expected {want} at 44100")
                    n_files += 1
    return len(segments), n_files


def check_hdf5(data_dir):
    """Shapes of every split of every stem, and no track in two splits."""
    lines = []
    with open_checked(Path(data_dir) / MIX_FILE) as mix:
        tracks = [set(mix[s]["track"][:].tolist()) for s in SPLITS]
        for s in SPLITS:
            if mix[s]["x"].shape[1:] != ROW_SHAPE:
                raise DatasetError(f"mix {s} rows have shape {mix[s]['x'].shape[1:]}")
    if any(a & b for i, a in enumerate(tracks) for b in tracks[i + 1:]):
        raise DatasetError("a track appears in more than one split")
    for stem in config.STEMS:
        with open_checked(stem_file(data_dir, stem)) as f:
            shapes = {s: f[s]["y"].shape for s in SPLITS}
            if any(v[1:] != ROW_SHAPE for v in shapes.values()):
                raise DatasetError(f"{stem} rows have shapes {shapes}")
            lines.append(f"{stem}: " + ", ".join(
                f"{s} {f[s]['pairs'].shape[0]} pairs" for s in SPLITS))
    return lines


def check_training_outputs(model_dir, checkpoint_dir):
    from .fit import checkpoint_paths

    missing = [p for stem in config.STEMS
               for p in (*checkpoint_paths(checkpoint_dir, stem).values(),
                         Path(model_dir) / f"model_{stem}.keras",
                         Path(model_dir) / f"model_{stem}.json")
               if not p.is_file()]
    if missing:
        raise DatasetError(f"training did not write {', '.join(map(str, missing))}")


def check_separation(stem_dirs, model_dir):
    from ..engine import Separator
    from .multitrack import find_tracks, load_track

    stems = load_track(find_tracks(stem_dirs, track_limit=1)[0])
    mix = stems["mix"][: 5 * config.SAMPLE_RATE]
    out = Separator(model_dir).separate(mix, config.SAMPLE_RATE)
    for stem in config.STEMS:
        if out[stem].shape != mix.shape or not np.isfinite(out[stem]).all():
            raise DatasetError(f"the {stem} estimate has shape {out[stem].shape} "
                               f"or non-finite samples")
    return len(mix) / config.SAMPLE_RATE


def _clear(dirs, delete, report):
    existing = [d for d in dirs if Path(d).exists()]
    if existing and not delete:
        raise DatasetError(f"{', '.join(map(str, existing))} already exist; delete them or "
                           f"pass --delete, so no training of yours is overwritten.")
    for d in existing:
        report(f"[e2e] deleting {d}")
        shutil.rmtree(d)


def run_e2e(stem_dirs, *, data_dir="data", model_dir="model", checkpoint_dir="logdir",
            delete=False, opts=None, report=print):
    """Run every check in order; raises :class:`DatasetError` naming the failed step."""
    from .fit import FitOptions, train_all

    opts = opts or E2EOptions()
    step = _Steps(report)
    try:
        step("model layers and dimensions")
        check_model(report)
        step("clean data, model and checkpoint folders")
        _clear((data_dir, model_dir, checkpoint_dir), delete, report)
        step.ok("none left over")
        step("preparing stems")
        summary = prepare_stems(stem_dirs, data_dir, segment_duration=opts.segment_duration,
                                segment_offset=opts.segment_offset,
                                track_limit=opts.track_limit, segment_limit=opts.segment_limit)
        step.ok(f"{summary['segments']} segment folders from {summary['tracks']} tracks")
        step("verifying prepared segments")
        n_tracks, n_files = check_segments(data_dir, opts)
        step.ok(f"{n_files} files of {opts.segment_duration} s at 44.1 kHz, {n_tracks} tracks")
        step("creating HDF5 files")
        create_hdf5(data_dir)
        step("verifying HDF5 dimensions and splits")
        for line in check_hdf5(data_dir):
            step.ok(line)
        step(f"training the three networks for {opts.epochs} epoch(s)")
        train_all(data_dir, model_dir, checkpoint_dir,
                  opts=FitOptions(epochs=opts.epochs, batch_size=opts.batch_size),
                  verbose=0, report=step.ok)
        step("verifying checkpoint and model files")
        check_training_outputs(model_dir, checkpoint_dir)
        step.ok()
        step("separating with the trained models")
        seconds = check_separation(stem_dirs, model_dir)
        step.ok(f"{seconds:.1f} s separated into {', '.join(config.STEMS)}")
    except DatasetError as exc:
        raise DatasetError(f"e2e check failed at '{step.step}': {exc}") from None
    report("[e2e] finished: every step passed")
