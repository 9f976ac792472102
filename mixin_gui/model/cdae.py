"""The MiXiN Convolutional Denoising Autoencoder in Keras, for training and saving.

Separation does not use this module (it runs the networks with ONNX Runtime, see
``runtime``); it is imported, with Keras, only by training, evaluation tools and tests.

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
from .backend import import_keras
from .files import (  # noqa: F401 - re-exported for the training side
    INPUT_SHAPE, MODEL_EXTENSIONS, N_PARAMS, find_model_file, read_card, read_weights)

keras = import_keras()


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


def compile_cdae(model, *, learning_rate=1e-3):
    """Compile for training as MiXiN did: MAE loss, Adam, MAE metric."""
    model.compile(loss="mae", optimizer=keras.optimizers.Adam(learning_rate),
                  metrics=["mae"])
    return model


def load_cdae(path, stem="model"):
    """Load a CDAE from a ``.keras`` or original ``.h5`` file into our architecture.

    The weights are read and the file validated by :func:`files.read_weights` (h5py only;
    nothing from the file is run or rebuilt), then set on a freshly built :func:`build_cdae`
    network, so every loaded model is the same Keras graph whatever wrote it.

    Raises
    ------
    ModelLoadError
        If the file cannot be read or its network is not the MiXiN CDAE.
    """
    model = build_cdae(name=f"cdae_{stem}")
    model.set_weights([w for pair in read_weights(path) for w in pair])
    return model


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
