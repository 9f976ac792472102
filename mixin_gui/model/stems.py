"""A model directory: one CDAE per stem, run together in one compiled call per batch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import config
from ..errors import ModelLoadError
from .cdae import INPUT_SHAPE, apply_for_inference, find_model_file, load_cdae, read_card


@dataclass
class ModelSet:
    """The networks of one model directory, ready for inference.

    Attributes
    ----------
    model_dir : Path
    stems : tuple of str
        Stems in the order :meth:`predict` returns them.
    files : dict of str to Path
    cards : dict of str to dict
        Model cards (stem, architecture, training data, scores).
    """

    model_dir: Path
    stems: tuple
    files: dict
    cards: dict
    models: dict = field(repr=False)

    def __post_init__(self):
        import keras
        import tensorflow as tf

        inp = keras.Input(shape=INPUT_SHAPE)
        joint = keras.Model(inp, [apply_for_inference(self.models[s], inp)
                                  for s in self.stems])

        def run(mag):
            outs = joint(mag[..., None], training=False)
            return tf.stack([o[..., 0] for o in outs])

        # One traced graph for any batch size: all stems in one call, no per-chunk predict.
        self._call = tf.function(run, input_signature=[
            tf.TensorSpec((None, *INPUT_SHAPE[:2]), tf.float32)])
        self._warm = None

    def trace_in_background(self):
        """Trace and optimise the graph (over half a second) on a thread of its own, so that it
        overlaps whatever the caller does before the first :meth:`predict` (which waits for
        it). For a command-line run that reads and transforms audio meanwhile; a process that
        may exit before its first predict() should not ask for it: ending the interpreter
        while the thread is inside TensorFlow's C++ code aborts the process."""
        if self._warm is None:
            self._warm = threading.Thread(target=self._warm_up, name="mixin-trace")
            self._warm.start()

    def _warm_up(self):
        try:
            self._call(np.zeros((1, *INPUT_SHAPE[:2]), np.float32))
        except Exception:  # noqa: BLE001 - the first real call raises it again, where it counts
            pass

    def predict(self, magnitude):
        """Stem magnitude estimates for a batch of mix magnitudes.

        Parameters
        ----------
        magnitude : np.ndarray, shape (n, 96, 1948), float32

        Returns
        -------
        np.ndarray, shape (len(stems), n, 96, 1948), float32
        """
        x = np.ascontiguousarray(magnitude, dtype=np.float32)
        if self._warm is not None:
            self._warm.join()
        return self._call(x).numpy()


def load_model_dir(model_dir, stems=config.STEMS):
    """Load the models for ``stems`` from ``model_dir``.

    Raises
    ------
    ModelLoadError
        A model is missing, unreadable or of the wrong shape (the message names it).
    """
    model_dir = Path(model_dir)
    files, models = {}, {}
    for s in stems:  # stem by stem, so the first problem reported is the first stem's
        files[s] = find_model_file(model_dir, s)
        models[s] = load_cdae(files[s], s)
    cards = {s: read_card(files[s]) for s in stems}
    return ModelSet(model_dir, tuple(stems), files, cards, models)


def inspect_model_dir(model_dir, stems=config.STEMS):
    """Validate every model of a directory without stopping at the first problem.

    Returns
    -------
    list of dict
        One entry per stem: ``stem``, ``file`` (or None), ``ok``, ``error`` and ``card``.
    """
    rows = []
    for s in stems:
        row = {"stem": s, "file": None, "ok": False, "error": None, "card": None}
        try:
            path = find_model_file(model_dir, s)
            row["file"] = path
            model = load_cdae(path, s)
            row["params"] = int(model.count_params())
            row["card"] = read_card(path)
            row["ok"] = True
        except ModelLoadError as exc:
            row["error"] = str(exc)
        rows.append(row)
    return rows
