"""The MiXiN U-Net (``mixin-unet-1``) in Keras, for training and saving.

Separation does not use this module (ONNX Runtime runs the network, see ``onnx_unet``);
training, evaluation tools and tests import it, with Keras. The layers are those of
:data:`unet_arch.LAYERS`, built from that one description.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .backend import import_keras
from .unet_arch import ARCH, FILE_STEM, INPUT_SHAPE, LAYERS, STEMS, read_unet_weights

keras = import_keras()


def build_unet(name="mixin_unet"):
    """An untrained U-Net: features ``(b, 96, 1948, 1)`` to masks ``(b, 96, 1948, 3)``."""
    L = keras.layers
    x = keras.Input(shape=INPUT_SHAPE, name="magnitude")
    values = {"magnitude": x}
    for lname, cls, setting, inputs in LAYERS:
        if cls == "Conv2D":
            filters, size, activation = setting
            layer = L.Conv2D(filters, size, padding="same", activation=activation, name=lname)
        elif cls == "MaxPooling2D":
            layer = L.MaxPooling2D(pool_size=setting, padding="valid", name=lname)
        elif cls == "UpSampling2D":
            layer = L.UpSampling2D(size=setting, name=lname)
        elif cls == "ZeroPadding2D":
            layer = L.ZeroPadding2D(padding=setting, name=lname)
        elif cls == "Cropping2D":
            layer = L.Cropping2D(cropping=setting, name=lname)
        elif cls == "Softmax":
            layer = L.Softmax(axis=setting, name=lname)
        elif cls == "Reshape":
            layer = L.Reshape(setting, name=lname)
        else:
            layer = L.Add(name=lname)
        args = [values[i] for i in inputs]
        values[lname] = layer(args if len(args) > 1 else args[0])
    return keras.Model(x, values[LAYERS[-1][0]], name=name)


def load_unet(path):
    """A U-Net with the weights of ``path`` (validated and read by h5py, see
    :func:`unet_arch.read_unet_weights`), set on a freshly built network."""
    weights = read_unet_weights(path)
    model = build_unet()
    for lname, (kernel, bias) in weights.items():
        model.get_layer(lname).set_weights([kernel, bias])
    return model


def save_unet(model, model_dir, card=None):
    """Save ``model`` as ``model_joint.keras`` with its card ``model_joint.json``
    (temporary names first, then renamed). Returns the ``.keras`` path."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / f"model_{FILE_STEM}.keras"
    tmp = model_dir / f".model_{FILE_STEM}.tmp.keras"
    final = build_unet()
    final.set_weights(model.get_weights())
    final.save(tmp)
    full = {"stems": list(STEMS), "architecture": ARCH,
            "parameters": int(final.count_params())}
    full.update(card or {})
    card_tmp = model_dir / f".model_{FILE_STEM}.json.tmp"
    card_tmp.write_text(json.dumps(full, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    os.replace(card_tmp, model_dir / f"model_{FILE_STEM}.json")
    return path
