"""Importing Keras (and its backend) once: without optional extras, optionally without noise.

Only training and its tools use Keras; separation runs the networks with ONNX Runtime.
Without the ``train`` extra installed, :func:`import_keras` raises a one-sentence
:class:`TrainingBackendMissing` saying what to install.
"""

from __future__ import annotations

import contextlib
import os
import sys

from ..errors import MixinError


class TrainingBackendMissing(MixinError):
    """TensorFlow / Keras are not installed (separation does not need them; training does)."""

#: Libraries that TensorFlow and Keras import at start-up only to offer optional integrations
#: (scikit-learn wrappers, pandas inputs, matplotlib image galleries), each behind
#: ``try: import ... except ImportError``. MiXiN uses none of those integrations, and where
#: the libraries are installed (the training and benchmark extras bring them) they cost over a
#: second of every command's start-up, more than a third of the TensorFlow import.
OPTIONAL_EXTRAS = ("sklearn", "pandas", "matplotlib")


@contextlib.contextmanager
def _without(names):
    """Make ``import name`` fail with ImportError inside the block, for the names not yet
    imported; afterwards they import normally again (the training plots use matplotlib)."""
    blocked = [n for n in names if n not in sys.modules]
    for n in blocked:
        sys.modules[n] = None
    try:
        yield
    finally:
        for n in blocked:
            if sys.modules.get(n, 0) is None:
                del sys.modules[n]


def import_keras(*, quiet=False):
    """Import and return ``keras``.

    The optional integrations in :data:`OPTIONAL_EXTRAS` are kept out of the import (another
    thread importing one of them during those seconds would get ImportError; the GUI does
    not).

    TensorFlow prints INFO lines (oneDNN, CPU features) from C++ while importing, whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says. With ``quiet=True`` standard error is pointed at
    /dev/null for the import only; that silences every thread of the process meanwhile, so
    only a command-line front end with nothing else running should ask for it (the GUI
    imports Keras in a worker thread and must not). ``MIXIN_TF_LOGS=1`` keeps the lines.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        return _import(quiet)
    except ImportError as exc:
        raise TrainingBackendMissing(training_needs()) from exc


def training_needs():
    """The sentence telling a user what to install for training."""
    if getattr(sys, "frozen", False):
        return ("Training and evaluation need the Python install of MiXiN (pip install "
                "'mixin-gui[train]' or make setup-train); this packaged app only separates.")
    return ("Training needs TensorFlow and Keras, which are not installed: "
            "pip install 'mixin-gui[train]' (or make setup-train) installs them.")


def _import(quiet):
    if "keras" in sys.modules:
        import keras
        return keras
    with _without(OPTIONAL_EXTRAS):
        if not quiet or os.environ.get("MIXIN_TF_LOGS") == "1":
            import keras
            return keras
        saved = os.dup(2)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 2)
                import keras
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return keras
