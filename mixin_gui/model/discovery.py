"""Which model folder to use: the one place that decides, for the CLI, the GUI and evaluation.

The order is: the folder the user chose; else the bundled ``pretrained-models/`` when it
holds models; else, in a source checkout beside the project's shared data, the original
MiXiN models. Nothing here loads a network or imports Keras.
"""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..errors import NoModelsError
from ..paths import default_model_dir, project_root

#: Extensions a model file may have, in the order they are looked for (as
#: ``cdae.MODEL_EXTENSIONS``; not imported from there, as ``cdae`` imports Keras).
MODEL_EXTENSIONS = (".keras", ".h5")


def reference_model_dir():
    """The original MiXiN models beside a source checkout (``../shared/reference/...``)."""
    return project_root().parent / "shared" / "reference" / "mixin-original-models"


def has_model(folder, stem):
    """Whether ``folder`` holds ``model_<stem>`` in a form we load."""
    return any((Path(folder) / f"model_{stem}{ext}").is_file() for ext in MODEL_EXTENSIONS)


def has_models(folder):
    """Whether ``folder`` holds any model file."""
    return any(has_model(folder, s) for s in config.STEMS)


def model_stems(folder):
    """The stems ``folder`` can separate: all three, or harmonic and percussive without a
    vocal model (then separation is instrumental)."""
    return config.STEMS if has_model(folder, "vocal") else config.INSTRUMENTAL_STEMS


def resolve_model_dir(folder=None, *, required=True):
    """The model folder to use.

    Parameters
    ----------
    folder : path-like or None
        The user's choice; returned as given (its models are checked when loaded).
    required : bool
        When no folder is given and none with models is found: raise (``True``) or return
        the bundled folder anyway (``False``, for a settings default shown to the user).

    Returns
    -------
    Path

    Raises
    ------
    NoModelsError
        No folder given and neither the bundled nor the reference folder holds models;
        ``folder`` of the error is the bundled folder.
    """
    if folder:
        return Path(folder)
    bundled = default_model_dir()
    for candidate in (bundled, reference_model_dir()):
        if has_models(candidate):
            return candidate
    if not required:
        return bundled
    raise NoModelsError(f"No models are bundled in '{bundled}' yet; choose a model folder "
                        f"(for example the original MiXiN models).", folder=bundled)
