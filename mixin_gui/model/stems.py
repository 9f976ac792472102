"""A model directory: one CDAE per stem, loaded without any deep-learning framework."""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..errors import ModelLoadError
from .files import find_model_file, read_card, read_weights
from .runtime import ModelSet


def load_model_dir(model_dir, stems=config.STEMS, *, threads=None):
    """Load the models for ``stems`` from ``model_dir`` into one ONNX Runtime session.

    Parameters
    ----------
    model_dir : path-like
    stems : sequence of str
    threads : int or None
        The runtime's intra-op threads (None: :data:`runtime.DEFAULT_THREADS`).

    Returns
    -------
    ModelSet

    Raises
    ------
    ModelLoadError
        A model is missing, unreadable or of the wrong shape (the message names it).
    """
    model_dir = Path(model_dir)
    files, weights = {}, {}
    for s in stems:  # stem by stem, so the first problem reported is the first stem's
        files[s] = find_model_file(model_dir, s)
        weights[s] = read_weights(files[s])
    cards = {s: read_card(files[s]) for s in stems}
    return ModelSet(model_dir, stems, files, cards, weights, threads=threads)


def inspect_model_dir(model_dir, stems=config.STEMS):
    """Validate every model of a directory without stopping at the first problem.

    Returns
    -------
    list of dict
        One entry per stem: ``stem``, ``file`` (or None), ``ok``, ``error``, ``card`` and,
        when ok, ``params``.
    """
    rows = []
    for s in stems:
        row = {"stem": s, "file": None, "ok": False, "error": None, "card": None}
        try:
            path = find_model_file(model_dir, s)
            row["file"] = path
            weights = read_weights(path)
            row["params"] = int(sum(k.size + b.size for k, b in weights))
            row["card"] = read_card(path)
            row["ok"] = True
        except ModelLoadError as exc:
            row["error"] = str(exc)
        rows.append(row)
    return rows
