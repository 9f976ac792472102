"""The MiXiN Convolutional Denoising Autoencoder and its saved forms.

One CDAE per stem maps the magnitude of a mix chunk's Bark NSGT, shape ``(96, 1948, 1)``, to
the magnitude of that stem. The architecture is the original MiXiN network exactly (37,005
parameters), written with Keras 3 APIs only so that it trains on any Keras backend.

Two file forms are read:

* the original MiXiN Keras HDF5 files (``model_<stem>.h5``);
* this project's own form, ``model_<stem>.keras`` with a model card ``model_<stem>.json``
  beside it (stem, architecture version, training data, scores).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import config
from ..errors import ModelLoadError
from .backend import import_keras



keras = import_keras()

#: Input (and output) shape of every CDAE: one chunk's magnitude, one channel.
INPUT_SHAPE = (config.N_BANDS, config.N_COEFS, 1)
#: Parameter count of the MiXiN CDAE; anything else is not this architecture.
N_PARAMS = 37005
#: Extensions a model file may have, in the order they are looked for.
MODEL_EXTENSIONS = (".keras", ".h5")


def build_cdae(name="cdae"):
    """Build an untrained (uncompiled) MiXiN CDAE.

    Layer order follows the MiXiN paper's encoder/decoder: two pooling stages, ((3, 5) then
    (1, 5)), four convolutions at the bottleneck, two up-sampling stages, a 1x1 ReLU output
    and a crop of the two columns the (3, 5) up-sampling adds (1950 -> 1948).
    """
    def conv(filters, size=3):
        return keras.layers.Conv2D(filters, size, activation="relu", padding="same")

    return keras.Sequential([
        keras.Input(shape=INPUT_SHAPE),
        conv(12),
        keras.layers.MaxPooling2D(pool_size=(3, 5), padding="same"),
        conv(20),
        keras.layers.MaxPooling2D(pool_size=(1, 5), padding="same"),
        conv(30), conv(40), conv(30), conv(20),
        keras.layers.UpSampling2D(size=(1, 5)),
        conv(12),
        keras.layers.UpSampling2D(size=(3, 5)),
        conv(1, size=1),
        keras.layers.Cropping2D(cropping=((0, 0), (0, 2))),
    ], name=name)


def apply_for_inference(model, x):
    """Apply a :func:`build_cdae` network to ``x`` with its last two stages swapped.

    The network ends with nearest-neighbour up-sampling (3, 5), a 1x1 ReLU convolution and
    a crop. A 1x1 convolution and a ReLU act on every pixel alone, and nearest-neighbour
    up-sampling only repeats pixels, so the convolution gives the same numbers (bit for bit:
    the same dot products) before the up-sampling as after it, on 15 times fewer pixels and
    without the (96, 1950, 12) tensor per chunk. Inference is about twice as fast and
    needs far less memory; training keeps the original order.

    Parameters
    ----------
    model : keras.Sequential
        A network built by :func:`build_cdae` (as every loaded model is).
    x : KerasTensor, shape (None, 96, 1948, 1)

    Returns
    -------
    KerasTensor, shape (None, 96, 1948, 1)
    """
    *body, upsample, pointwise, crop = model.layers
    for layer in body:
        x = layer(x)
    return crop(upsample(pointwise(x)))


def compile_cdae(model, *, learning_rate=1e-3):
    """Compile for training as MiXiN did: MAE loss, Adam, MAE metric."""
    model.compile(loss="mae", optimizer=keras.optimizers.Adam(learning_rate),
                  metrics=["mae"])
    return model


def find_model_file(model_dir, stem):
    """Path of ``model_<stem>`` in ``model_dir`` (``.keras`` preferred over ``.h5``).

    Raises
    ------
    ModelLoadError
        If the directory does not exist or holds no model for ``stem``.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelLoadError(f"Model directory '{model_dir}' does not exist.")
    for ext in MODEL_EXTENSIONS:
        path = model_dir / f"model_{stem}{ext}"
        if path.is_file():
            return path
    raise ModelLoadError(
        f"Model directory '{model_dir}' has no {stem} model "
        f"(expected model_{stem}.keras or model_{stem}.h5).")


def load_cdae(path, stem="model"):
    """Load a CDAE from a ``.keras`` or original ``.h5`` file into our architecture.

    The file's weights are read into a freshly built :func:`build_cdae` network, so every
    loaded model is the same Keras graph whatever wrote it, and a file of another
    architecture is refused. The file's own network is never rebuilt (that took three times
    as long as building ours and reading the weights): its saved configuration is read only
    for the input shape it declares.

    Raises
    ------
    ModelLoadError
        If the file cannot be read or its network is not the MiXiN CDAE.
    """
    path = Path(path)
    in_shape = _declared_input_shape(path)
    if in_shape is not None and in_shape != INPUT_SHAPE:
        raise ModelLoadError(
            f"Model file '{path}' has input {in_shape}; a MiXiN model needs {INPUT_SHAPE}.")
    model = build_cdae(name=f"cdae_{stem}")
    try:
        model.load_weights(path)
    except Exception as exc:  # Keras raises ValueError and others for foreign layouts
        raise ModelLoadError(
            f"Model file '{path}' is not the MiXiN CDAE architecture "
            f"(expected {N_PARAMS} parameters): {_first_line(exc)}") from None
    return model


def _saved_config(path):
    """The model configuration saved in a ``.keras`` archive or a Keras HDF5 file (dict)."""
    import zipfile

    import h5py

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("config.json"))
        with h5py.File(path, "r") as f:
            text = f.attrs.get("model_config")
            if text is None:
                raise ValueError("no model configuration in the file")
            return json.loads(text if isinstance(text, str) else text.decode("utf-8"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"Cannot read model file '{path}': {_first_line(exc)}") from None


def _declared_input_shape(path):
    """Input shape (without the batch axis) that a saved model declares, or None."""
    config_ = _saved_config(path).get("config")
    if not isinstance(config_, dict):
        return None
    for layer in config_.get("layers", []):
        if layer.get("class_name") == "InputLayer":
            cfg = layer.get("config", {})
            shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            if shape:
                return tuple(shape[1:])
    shape = config_.get("build_input_shape")
    return tuple(shape[1:]) if shape else None


def save_cdae(model, model_dir, stem, card=None):
    """Save ``model`` as ``model_<stem>.keras`` with its model card ``model_<stem>.json``.

    Both files are written to temporary names first and renamed, so a crash never leaves a
    half-written model where a loader would find it.

    Returns
    -------
    Path
        The ``.keras`` file written.
    """
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / f"model_{stem}.keras"
    tmp = model_dir / f".model_{stem}.tmp.keras"
    model.save(tmp)
    full_card = {"stem": stem, "architecture": config.ARCH_VERSION,
                 "parameters": int(model.count_params())}
    full_card.update(card or {})
    card_path = model_dir / f"model_{stem}.json"
    card_tmp = model_dir / f".model_{stem}.json.tmp"
    card_tmp.write_text(json.dumps(full_card, indent=2, sort_keys=True) + "\n",
                        encoding="utf-8")
    os.replace(tmp, path)
    os.replace(card_tmp, card_path)
    return path


def read_card(model_path):
    """The model card next to a model file, or a minimal one for original ``.h5`` models."""
    model_path = Path(model_path)
    card_path = model_path.with_suffix(".json")
    stem = model_path.stem.removeprefix("model_")
    if card_path.is_file():
        try:
            return json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"stem": stem, "note": "model card unreadable"}
    return {"stem": stem, "architecture": "mixin-original",
            "training_data": "unknown (original MiXiN release)"}


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
