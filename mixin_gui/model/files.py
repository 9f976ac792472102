"""Model files read without a deep-learning framework: finding them, validating them and
reading their weights with h5py.

Two file forms hold a MiXiN CDAE:

* the original MiXiN Keras 2 HDF5 files (``model_<stem>.h5``: the network's configuration as
  JSON in an attribute, the weights under ``model_weights/<layer>/``);
* this project's form, ``model_<stem>.keras`` (a zip of ``config.json`` and
  ``model.weights.h5``, weights under ``layers/<layer>/vars/``) with a model card
  ``model_<stem>.json`` beside it.

Loading a file never runs code from it: the configuration is parsed as JSON and compared
with the architecture below, and only arrays of the expected shapes are read.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from .. import config
from ..errors import ModelLoadError
from .keras_config import check_layer, keras3_conv_weights
from .unet_arch import ARCHS as UNET_ARCHS

#: Input (and output) shape of every CDAE: one chunk's magnitude, one channel.
INPUT_SHAPE = (config.N_BANDS, config.N_COEFS, 1)
#: Parameter count of the MiXiN CDAE; anything else is not this architecture.
N_PARAMS = 37005
#: Extensions a model file may have, in the order they are looked for.
MODEL_EXTENSIONS = (".keras", ".h5")
#: Architecture names a CDAE's model card may declare: the original release and ours.
KNOWN_ARCHITECTURES = ("mixin-original", config.ARCH_VERSION)
#: Every architecture this version reads (the joint U-Nets: ``unet_arch.ARCHS``).
ALL_ARCHITECTURES = (*KNOWN_ARCHITECTURES, *UNET_ARCHS)


def unknown_architecture(path, arch):
    """The one-sentence refusal of a model whose card names an architecture we do not read."""
    return ModelLoadError(
        f"Model file '{path}' is of architecture '{arch}', which this version of MiXiN "
        f"does not know (it reads {', '.join(ALL_ARCHITECTURES[:-1])} and "
        f"{ALL_ARCHITECTURES[-1]}).")

#: The MiXiN CDAE, layer by layer: (Keras class, its defining setting). Conv2D: (filters,
#: kernel size), ReLU and "same" padding; pools and up-samplings: their size; the crop:
#: columns removed at the right.
ARCHITECTURE = (
    ("Conv2D", (12, 3)), ("MaxPooling2D", (3, 5)), ("Conv2D", (20, 3)),
    ("MaxPooling2D", (1, 5)), ("Conv2D", (30, 3)), ("Conv2D", (40, 3)), ("Conv2D", (30, 3)),
    ("Conv2D", (20, 3)), ("UpSampling2D", (1, 5)), ("Conv2D", (12, 3)),
    ("UpSampling2D", (3, 5)), ("Conv2D", (1, 1)), ("Cropping2D", ((0, 0), (0, 2))),
)


def conv_shapes():
    """Kernel shapes ``(kh, kw, in, out)`` (Keras' layout) of the CDAE's convolutions."""
    shapes, channels = [], INPUT_SHAPE[2]
    for cls, (filters, size) in (a for a in ARCHITECTURE if a[0] == "Conv2D"):
        shapes.append((size, size, channels, filters))
        channels = filters
    return shapes


def find_model_file(model_dir, stem):
    """Path of ``model_<stem>`` in ``model_dir`` (``.keras`` preferred over ``.h5``).

    Raises
    ------
    ModelLoadError
        If the directory does not exist or holds no model for ``stem``.
    """
    model_dir = Path(model_dir)
    if model_dir.is_file():
        raise ModelLoadError(f"'{model_dir}' is a file; a model set is the folder that holds "
                             f"its model files (here '{model_dir.parent}').")
    if not model_dir.is_dir():
        raise ModelLoadError(f"Model directory '{model_dir}' does not exist.")
    for ext in MODEL_EXTENSIONS:
        path = model_dir / f"model_{stem}{ext}"
        if path.is_file():
            return path
    raise ModelLoadError(
        f"Model directory '{model_dir}' has no {stem} model "
        f"(expected model_{stem}.keras or model_{stem}.h5).")


def read_card(model_path):
    """The model card next to a model file, or a minimal one for a file without a card (the
    original ``.h5`` models have none).

    Raises
    ------
    ModelLoadError
        The card exists but cannot be read, is not JSON, or is not a JSON object (the
        message names the card file and what is wrong with it).
    """
    model_path = Path(model_path)
    card_path = model_path.with_suffix(".json")
    stem = model_path.stem.removeprefix("model_")
    if not card_path.is_file():
        return {"stem": stem, "architecture": "mixin-original",
                "training_data": "unknown (original MiXiN release)"}
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelLoadError(f"Model card '{card_path}' cannot be read: "
                             f"{(exc.strerror or str(exc)).lower()}.") from None
    except UnicodeDecodeError:
        raise ModelLoadError(f"Model card '{card_path}' is not text (it must be JSON in "
                             f"UTF-8).") from None
    except ValueError as exc:
        where = (f" (line {exc.lineno}, column {exc.colno}: {exc.msg.lower()})"
                 if isinstance(exc, json.JSONDecodeError) else "")
        raise ModelLoadError(f"Model card '{card_path}' is not valid JSON{where}.") from None
    if not isinstance(card, dict):
        raise ModelLoadError(f"Model card '{card_path}' holds a JSON {type(card).__name__}, "
                             f"not the object with the model's architecture and data.")
    return card


def read_weights(path):
    """Validate a model file and read its convolution weights.

    Parameters
    ----------
    path : path-like
        A ``.keras`` archive or an original MiXiN ``.h5`` file.

    Returns
    -------
    list of (np.ndarray, np.ndarray)
        One ``(kernel, bias)`` pair per convolution in network order; kernels in Keras'
        layout ``(kh, kw, in, out)``, float32; shapes as :func:`conv_shapes` says.

    Raises
    ------
    ModelLoadError
        If the file cannot be read, declares an unknown architecture version, or its network
        is not the MiXiN CDAE (the message says which).
    """
    path = Path(path)
    arch = read_card(path).get("architecture", "mixin-original")
    if arch not in KNOWN_ARCHITECTURES:
        if arch in ALL_ARCHITECTURES:
            raise ModelLoadError(f"Model file '{path}' says it is a {arch} network, which "
                                 f"is one file for all stems (model_joint.keras), not one "
                                 f"per stem.")
        raise unknown_architecture(path, arch)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                layers = _layers(path, json.loads(archive.read("config.json")))
                import h5py

                data = io.BytesIO(archive.read("model.weights.h5"))
                with h5py.File(data, "r") as f:
                    weights = _keras3_weights(f, layers)
        else:
            import h5py

            with h5py.File(path, "r") as f:
                text = f.attrs.get("model_config")
                if text is None:
                    raise ValueError("no model configuration in the file")
                text = text if isinstance(text, str) else text.decode("utf-8")
                layers = _layers(path, json.loads(text))
                weights = _keras2_weights(f, layers)
    except ModelLoadError:
        raise
    except _NotCdae as exc:
        raise _not_cdae(path, exc) from None
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"Cannot read model file '{path}': {_first_line(exc)}") from None
    _check_shapes(path, weights)
    return weights


class _NotCdae(Exception):
    """The file is readable but holds another network (message: what differs)."""


def _not_cdae(path, why):
    return ModelLoadError(
        f"Model file '{path}' is not the MiXiN CDAE architecture "
        f"(expected {N_PARAMS} parameters): {why}")


def _layers(path, saved):
    """The saved network's layers (list of dicts with ``class_name`` and ``config``),
    without its input layer, after checking them against :data:`ARCHITECTURE`."""
    cfg = saved.get("config") if isinstance(saved, dict) else None
    if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list):
        raise ValueError("no network configuration in the file")
    layers = [layer for layer in cfg["layers"] if isinstance(layer, dict)]
    shape = _declared_input_shape(cfg, layers)
    if shape is not None and shape != INPUT_SHAPE:
        raise ModelLoadError(
            f"Model file '{path}' has input {shape}; a MiXiN model needs {INPUT_SHAPE}.")
    layers = [layer for layer in layers if layer.get("class_name") != "InputLayer"]
    classes = [layer.get("class_name") for layer in layers]
    if classes != [cls for cls, _ in ARCHITECTURE]:
        raise _NotCdae(f"its layers are {', '.join(map(str, classes))}")
    for layer, (cls, setting) in zip(layers, ARCHITECTURE):
        _check_layer(layer.get("config") or {}, cls, setting)
    return layers


def _declared_input_shape(cfg, layers):
    """Input shape (without the batch axis) that a saved network declares, or None."""
    for layer in layers:
        c = layer.get("config") or {}
        shape = c.get("batch_shape") or c.get("batch_input_shape")
        if shape:
            return tuple(shape[1:])
    shape = cfg.get("build_input_shape")
    return tuple(shape[1:]) if shape else None


def _check_layer(c, cls, setting):
    """Raise :class:`_NotCdae` when one layer's settings differ from the CDAE's."""
    if cls == "Conv2D":
        filters, size = setting
        setting = (filters, (size, size), "relu")
    elif cls == "MaxPooling2D":
        setting = (setting, "same")
    check_layer(c, c.get("name", cls), cls, setting, _NotCdae)


def _keras3_weights(f, layers):
    """The convolutions' ``(kernel, bias)`` of a Keras 3 weights file, in order."""
    return [(kernel, bias) for _, kernel, bias in keras3_conv_weights(f, layers)]


def _keras2_weights(f, layers):
    """Weights of a Keras HDF5 file: ``model_weights/<layer name>/`` lists its arrays in
    the attribute ``weight_names`` (kernel first, then bias)."""
    root = f["model_weights"]
    out = []
    for layer in layers:
        if layer["class_name"] != "Conv2D":
            continue
        group = root[layer["config"]["name"]]
        names = [n.decode("utf-8") if isinstance(n, bytes) else str(n)
                 for n in group.attrs.get("weight_names", [])]
        if len(names) != 2:
            raise _NotCdae(f"layer {layer['config']['name']} has {len(names)} weight arrays")
        kernel, bias = (np.asarray(group[n], np.float32) for n in names)
        out.append((kernel, bias))
    return out


def _check_shapes(path, weights):
    for (kernel, bias), shape in zip(weights, conv_shapes()):
        if kernel.shape != shape or bias.shape != (shape[3],):
            raise _not_cdae(path, f"a convolution has weights {kernel.shape} and "
                                  f"{bias.shape}, expected {shape} and {(shape[3],)}")
    n = sum(k.size + b.size for k, b in weights)
    if len(weights) != len(conv_shapes()) or n != N_PARAMS:
        raise _not_cdae(path, f"it has {n} parameters")
    if not all(np.isfinite(k).all() and np.isfinite(b).all() for k, b in weights):
        raise ModelLoadError(f"Model file '{path}' holds NaN or infinite weights.")


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
