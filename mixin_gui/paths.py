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
