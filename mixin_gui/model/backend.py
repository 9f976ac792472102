"""Importing Keras (and its backend) once, optionally without the backend's start-up noise."""

from __future__ import annotations

import os
import sys


def import_keras(*, quiet=False):
    """Import and return ``keras``.

    TensorFlow prints INFO lines (oneDNN, CPU features) from C++ while importing, whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says. With ``quiet=True`` standard error is pointed at
    /dev/null for the import only; that silences every thread of the process meanwhile, so
    only a command-line front end with nothing else running should ask for it (the GUI
    imports Keras in a worker thread and must not). ``MIXIN_TF_LOGS=1`` keeps the lines.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not quiet or "keras" in sys.modules or os.environ.get("MIXIN_TF_LOGS") == "1":
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
