"""The MiXiN U-Nets (``mixin-unet-1``, ``-2``, ``-3``) in Keras, for training and saving.

Separation does not use this module (ONNX Runtime runs the network, see ``onnx_unet``);
training, evaluation tools and tests import it, with Keras. The layers are those of
:data:`unet_arch.ARCHS`, built from that one description.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .backend import import_keras
from .unet_arch import (ARCH, ARCHS, FILE_STEM, INPUT_SHAPE, STEMS, arch_of, conv_setting,
                        read_unet_weights)

keras = import_keras()


def build_unet(name="mixin_unet", arch=ARCH):
    """An untrained U-Net of ``arch``: features ``(b, 96, 1948, 1)`` to masks
    ``(b, 96, 1948, 3)``. The last convolution of each residual context block starts at
    zero, so the block starts as the identity."""
    L = keras.layers
    x = keras.Input(shape=INPUT_SHAPE, name="magnitude")
    values = {"magnitude": x}
    layers = ARCHS[arch]
    residual = {ins[1] for _, cls, _, ins in layers if cls == "Add" and ins[1].startswith("ctx")}
    for lname, cls, setting, inputs in layers:
        if cls == "Conv2D":
            filters, size, activation, dilation = conv_setting(setting)
            init = "zeros" if lname in residual else "glorot_uniform"
            layer = L.Conv2D(filters, size, padding="same", activation=activation,
                             dilation_rate=dilation, kernel_initializer=init, name=lname)
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
    return keras.Model(x, values[layers[-1][0]], name=name)


def model_arch(model):
    """The architecture of a Keras U-Net, from its convolutions' names (None: not one)."""
    return arch_of(layer.name for layer in model.layers
                   if type(layer).__name__ == "Conv2D")


def load_unet(path, arch=None):
    """A U-Net with the weights of ``path`` (validated and read by h5py, see
    :func:`unet_arch.read_unet_weights`), set on a freshly built network; ``arch`` None:
    the one the file lists."""
    weights = read_unet_weights(path, arch)
    arch = arch_of(weights)
    model = build_unet(arch=arch)
    for lname, (kernel, bias) in weights.items():
        model.get_layer(lname).set_weights([kernel, bias])
    return model


def widen(model, arch):
    """A U-Net of ``arch`` holding ``model``'s weights in the layers both have (by name); the
    others as :func:`build_unet` starts them (a ``mixin-unet-1`` widened to
    ``mixin-unet-2``, or a ``mixin-unet-2`` to ``mixin-unet-3``, computes the same masks
    until it is trained)."""
    wide = build_unet(arch=arch)
    for layer in model.layers:
        if layer.weights:
            wide.get_layer(layer.name).set_weights(layer.get_weights())
    return wide


def save_unet(model, model_dir, card=None):
    """Save ``model`` as ``model_joint.keras`` with its card ``model_joint.json``
    (temporary names first, then renamed). Returns the ``.keras`` path."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / f"model_{FILE_STEM}.keras"
    tmp = model_dir / f".model_{FILE_STEM}.tmp.keras"
    arch = model_arch(model)
    if arch is None:
        raise ValueError("the model is not a MiXiN U-Net")
    final = build_unet(arch=arch)
    final.set_weights(model.get_weights())
    final.save(tmp)
    # what the network is comes from the network, whatever a reused card says
    full = {**(card or {}), "stems": list(STEMS), "architecture": arch,
            "parameters": int(final.count_params())}
    card_tmp = model_dir / f".model_{FILE_STEM}.json.tmp"
    card_tmp.write_text(json.dumps(full, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    os.replace(card_tmp, model_dir / f"model_{FILE_STEM}.json")
    return path
