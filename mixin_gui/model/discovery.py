"""Which model folder to use: the one place that decides, for the CLI, the GUI and evaluation.

The order is: the folder the user chose; else the bundled ``pretrained-models/`` when it
holds models; else, in a source checkout beside the project's shared data, the original
MiXiN models. Nothing here loads a network or imports Keras.
"""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..errors import ModelLoadError, NoModelsError
from ..paths import default_model_dir, project_root
from .files import MODEL_EXTENSIONS


def reference_model_dir():
    """The original MiXiN models beside a source checkout (``../shared/reference/...``)."""
    return project_root().parent / "shared" / "reference" / "mixin-original-models"


#: The file of a joint network (one for every stem; ``unet_arch.FILE_STEM``).
JOINT_FILE = "model_joint.keras"


def is_joint(folder):
    """Whether ``folder`` holds a joint network (one file for every stem)."""
    return (Path(folder) / JOINT_FILE).is_file()


def has_model(folder, stem):
    """Whether ``folder`` holds ``model_<stem>`` in a form we load, or a joint network."""
    folder = Path(folder)
    return is_joint(folder) or \
        any((folder / f"model_{stem}{ext}").is_file() for ext in MODEL_EXTENSIONS)


def has_models(folder):
    """Whether ``folder`` holds any model file."""
    return any(has_model(folder, s) for s in config.STEMS)


def model_stems(folder):
    """The stems ``folder`` can separate: all three, or harmonic and percussive without a
    vocal model (then separation is instrumental)."""
    return config.STEMS if has_model(folder, "vocal") else config.INSTRUMENTAL_STEMS


#: Name of the model set held directly in ``pretrained-models/`` (the compact CDAEs); each
#: sub-folder holding models is a set named after the folder (``pretrained-models/unet``).
TOP_SET = "cdae"


def model_sets(root=None):
    """The bundled model sets by name, in the order offered.

    Parameters
    ----------
    root : path-like or None
        The bundled folder (default: ``pretrained-models/``).

    Returns
    -------
    dict of str to Path
        :data:`TOP_SET` for the models in ``root`` itself (when it holds any), then each
        sub-folder holding models, by name.
    """
    root = Path(root) if root is not None else default_model_dir()
    sets = {TOP_SET: root} if has_models(root) else {}
    if root.is_dir():
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if sub.name not in sets and has_models(sub):
                sets[sub.name] = sub
    return sets


def set_name(folder, root=None):
    """The bundled set's name when ``folder`` is one (compared as resolved paths), else
    ``None``."""
    try:
        target = Path(folder).resolve()
        return next((n for n, f in model_sets(root).items() if f.resolve() == target), None)
    except OSError:
        return None


def set_label(folder):
    """What to call a model folder on screen: its set name when bundled, else its name."""
    return set_name(folder) or Path(folder).name


#: The set used when none is chosen, where it is bundled (else :data:`TOP_SET`): the one
#: that wins on the criteria of ``pretrained-models/README.md``. The U-Net set (``unet``,
#: round 4l) since it keeps a string orchestra 94 % harmonic (the goal is 90 %) and meets the
#: other real-recording goals, scoring higher than the compact CDAEs on every stem of the
#: synthetic held-out set and on the real dev set's harmonic, percussive and vocal stems.
DEFAULT_SET = "unet"


def default_set_dir(root=None):
    """The folder of the default model set: :data:`DEFAULT_SET` when ``root`` (default:
    ``pretrained-models/``) holds it, else ``root`` itself."""
    root = Path(root) if root is not None else default_model_dir()
    return model_sets(root).get(DEFAULT_SET, root)


def set_card(folder):
    """The model card that describes a set (the joint network's, else the first stem's),
    read as JSON only; ``{}`` when there is none or it is unreadable."""
    import json

    folder = Path(folder)
    for name in ["model_joint.json"] + [f"model_{s}.json" for s in config.STEMS]:
        path = folder / name
        if path.is_file():
            try:
                card = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return card if isinstance(card, dict) else {}
    return {"architecture": "mixin-original"} if has_models(folder) else {}


def recommended_wiener_iterations(card):
    """The Wiener post-filter steps a set's card (as :func:`set_card` reads it) recommends
    (``wiener_iterations``: the number its scores were measured best with), 0 when it says
    nothing or is odd."""
    value = card.get("wiener_iterations", 0)
    return value if isinstance(value, int) and 0 <= value <= config.MAX_WIENER_ITERATIONS \
        else 0


def recommended_mask_calibration(card):
    """The mask calibration a set's card (as :func:`set_card` reads it) recommends
    (``mask_calibration``: per-stem ``exponents`` and ``weights``, see
    :func:`mixin_gui.dsp.masks.calibrate_masks`), as ``({stem: exponent}, {stem: weight})``;
    stems it does not name keep 1. ``({}, {})`` (no change) when it says nothing or anything
    odd."""
    import math

    value = card.get("mask_calibration")
    if not isinstance(value, dict):
        return {}, {}

    def positive(x):
        return (isinstance(x, (int, float)) and not isinstance(x, bool)
                and math.isfinite(x) and 0 < x <= 100)

    out = []
    for key in ("exponents", "weights"):
        part = value.get(key, {})
        if not isinstance(part, dict) \
                or not all(s in config.STEMS and positive(x) for s, x in part.items()):
            return {}, {}
        out.append({s: float(x) for s, x in part.items()})
    return tuple(out)


def resolve_model_dir(folder=None, *, required=True):
    """The model folder to use.

    Parameters
    ----------
    folder : path-like or None
        The user's choice: the name of a bundled set (:func:`model_sets`) unless a folder
        of that name exists here, else a folder, returned as given (its models are
        checked when loaded).
    required : bool
        When no folder is given and none with models is found: raise (``True``) or return
        the bundled folder anyway (``False``, for a settings default shown to the user).

    Returns
    -------
    Path

    Raises
    ------
    ModelLoadError
        ``folder`` is a bare name that is neither a bundled set nor a folder here.
    NoModelsError
        No folder given and neither the bundled nor the reference folder holds models;
        ``folder`` of the error is the bundled folder.
    """
    if folder:
        name = str(folder)
        if "/" not in name and "\\" not in name and not Path(name).exists():
            sets = model_sets()
            if name in sets:
                return sets[name]
            raise ModelLoadError(
                f"There is no model set or folder named '{name}'; the bundled sets are "
                f"{', '.join(sets) or 'none'}.")
        if Path(folder).is_file():
            raise ModelLoadError(
                f"'{folder}' is a file; a model set is the folder that holds its model files "
                f"(here '{Path(folder).parent}') or a bundled set's name.")
        return Path(folder)
    bundled = default_model_dir()
    for candidate in (default_set_dir(bundled), bundled, reference_model_dir()):
        if has_models(candidate):
            return candidate
    if not required:
        return bundled
    raise NoModelsError(f"No models are bundled in '{bundled}' yet; choose a model folder "
                        f"(for example the original MiXiN models).", folder=bundled)
