"""Where the project's own files are, from a source checkout or a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def project_root():
    """Folder that holds ``pretrained-models/`` and ``resources/``.

    In a PyInstaller bundle that is ``sys._MEIPASS``; from source it is the checkout's top.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def default_model_dir():
    """The bundled ``pretrained-models/`` folder."""
    return project_root() / "pretrained-models"


def resource(name):
    """Path of a file in ``resources/``."""
    return project_root() / "resources" / name


def has_models(folder):
    """Whether ``folder`` holds any model file."""
    return any(Path(folder).glob("model_*.keras")) or any(Path(folder).glob("model_*.h5"))


def usable_model_dir():
    """The bundled models when there are any, else (in a source checkout beside the
    project's shared data) the original MiXiN models, else the bundled folder anyway."""
    bundled = default_model_dir()
    if has_models(bundled):
        return bundled
    original = project_root().parent / "shared" / "reference" / "mixin-original-models"
    return original if has_models(original) else bundled
