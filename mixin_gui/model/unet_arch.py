"""The MiXiN U-Net (``mixin-unet-1``) as data: its layers, its input features, and reading
and validating its file with h5py (no deep-learning framework, no code from the file).

One network predicts all three stems' masks jointly from a mix chunk's Bark NSGT
magnitude ``(96, 1948)``. Its output is a softmax over the stems at every bin: the stems
compete for each bin and their masks sum to 1, so the masked stems sum to the mix by
construction (sigmoid masks would each be free, and the engine would have to renormalise
them, turning a network trained on one thing into another at inference).

Layout (time axis padded 1948 -> 1952 = 2^5 * 61, so every pooling divides exactly)::

    features (96, 1952, 1), folded: 4 neighbouring time steps as channels -> (96, 488, 4)
    enc1 3x3 conv 24   ── pool (2, 2) ─► 48 x 244
    enc2 3x3 conv 48   ── pool (2, 2) ─► 24 x 122
    enc3 3x3 conv 96   ── pool (2, 2) ─► 12 x 61
    mid1, mid2 3x3 conv 128, proj 1x1 conv 96 (linear)
    decoder: nearest up-sampling (2, 2), + the encoder's output of that level (additive
    skip), 3x3 conv to the next level's width (48, 24); at 96 x 488 a 3x3 conv to 12
    logits = 3 stems x 4 time steps, unfolded to (96, 1952, 3), cropped to 1948, softmax
    over the 3 stems.

Folding time into channels (rather than convolving at full resolution) keeps every layer
at 96 x 488 or less: a first version with a 16-channel convolution and the last one at
full resolution took 71 ms a chunk in ONNX Runtime, this one about 45 ms (2-core Xeon, under
load) for 1.69 GFLOP and 378,076 parameters.

The skips add rather than concatenate: a concatenation doubles the channels the next 3x3
convolution reads at each level, and the decoder's convolutions were most of the cost.

The network reads features, not raw magnitudes: :func:`features` divides each chunk by its
mean magnitude (the masks then do not depend on the song's level) and compresses with
``log1p``. Training computes them with numpy; the ONNX graph computes them itself.
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

#: Architecture version written in (and required of) the model card.
ARCH = "mixin-unet-1"
#: Model file (and card) names of a joint network: ``model_joint.keras`` / ``.json``.
FILE_STEM = "joint"
#: The stems, in the order of the network's output channels.
STEMS = config.STEMS
#: Input shape of the Keras network (features of one chunk, one channel).
INPUT_SHAPE = (config.N_BANDS, config.N_COEFS, 1)
#: Columns added on the right so that every pooling divides the time axis exactly.
PAD = 4
#: Added to a chunk's mean magnitude before dividing by it (a silent chunk stays 0).
FEATURE_EPS = 1e-8

#: Time steps folded into channels at the input (and unfolded from the logits).
FOLD = 4
#: Encoder widths; a (2, 2) max-pooling follows each encoder convolution.
ENCODER = (24, 48, 96)
BOTTLENECK = 128

# (name, Keras class, setting, inputs). Conv2D setting: (filters, (kh, kw), activation);
# Reshape: the target shape without the batch axis.
_H, _W = config.N_BANDS, config.N_COEFS + PAD
_L = [("pad", "ZeroPadding2D", ((0, 0), (0, PAD)), ["magnitude"]),
      ("fold", "Reshape", (_H, _W // FOLD, FOLD), ["pad"])]
_prev = "fold"
for _i, _w in enumerate(ENCODER, 1):
    _L.append((f"enc{_i}", "Conv2D", (_w, (3, 3), "relu"), [_prev]))
    _L.append((f"pool{_i}", "MaxPooling2D", (2, 2), [f"enc{_i}"]))
    _prev = f"pool{_i}"
_L.append(("mid1", "Conv2D", (BOTTLENECK, (3, 3), "relu"), [_prev]))
_L.append(("mid2", "Conv2D", (BOTTLENECK, (3, 3), "relu"), ["mid1"]))
_L.append(("proj", "Conv2D", (ENCODER[-1], (1, 1), "linear"), ["mid2"]))
_prev = "proj"
for _i in reversed(range(1, len(ENCODER) + 1)):
    _L.append((f"up{_i}", "UpSampling2D", (2, 2), [_prev]))
    _L.append((f"skip{_i}", "Add", None, [f"up{_i}", f"enc{_i}"]))
    if _i > 1:
        _L.append((f"dec{_i}", "Conv2D", (ENCODER[_i - 2], (3, 3), "relu"), [f"skip{_i}"]))
        _prev = f"dec{_i}"
_L.append(("logits", "Conv2D", (FOLD * len(STEMS), (3, 3), "linear"), ["skip1"]))
_L.append(("unfold", "Reshape", (_H, _W, len(STEMS)), ["logits"]))
_L.append(("crop", "Cropping2D", ((0, 0), (0, PAD)), ["unfold"]))
_L.append(("masks", "Softmax", -1, ["crop"]))
#: The network, layer by layer, in the order Keras lists (and saves) them.
LAYERS = tuple(_L)
del _L, _prev, _i, _w, _H, _W


def features(magnitude):
    """The network's input: ``log1p(|X| / (mean |X| of the chunk + eps))``.

    Parameters
    ----------
    magnitude : np.ndarray, shape (n, 96, 1948)

    Returns
    -------
    np.ndarray, shape (n, 96, 1948), float32
    """
    m = np.asarray(magnitude, np.float32)
    mean = m.mean(axis=(1, 2), keepdims=True, dtype=np.float64).astype(np.float32)
    return np.log1p(m / (mean + np.float32(FEATURE_EPS)))


def conv_shapes():
    """Kernel shapes ``(kh, kw, in, out)`` (Keras' layout) of each convolution, by name."""
    channels, shapes = {"magnitude": 1}, {}
    for name, cls, setting, inputs in LAYERS:
        c = channels[inputs[0]]
        if cls == "Conv2D":
            filters, (kh, kw), _ = setting
            shapes[name] = (kh, kw, c, filters)
            c = filters
        elif cls == "Reshape":
            c = setting[2]
        channels[name] = c
    return shapes


def n_params():
    """Parameter count of the network."""
    return int(sum(np.prod(s) + s[3] for s in conv_shapes().values()))


def flops_per_chunk():
    """Multiply-adds x 2 of the convolutions for one chunk (the rest is negligible)."""
    size = {"magnitude": (config.N_BANDS, config.N_COEFS)}
    total = 0
    shapes = conv_shapes()
    for name, cls, setting, inputs in LAYERS:
        h, w = size[inputs[0]]
        if cls == "ZeroPadding2D":
            w += PAD
        elif cls == "Cropping2D":
            w -= PAD
        elif cls == "MaxPooling2D":
            h, w = h // setting[0], w // setting[1]
        elif cls == "UpSampling2D":
            h, w = h * setting[0], w * setting[1]
        elif cls == "Reshape":
            h, w = setting[:2]
        elif cls == "Conv2D":
            kh, kw, cin, cout = shapes[name]
            total += 2 * h * w * kh * kw * cin * cout
        size[name] = (h, w)
    return total


class NotUnet(Exception):
    """The file is readable but holds another network (message: what differs)."""


def read_unet_weights(path):
    """Validate a ``mixin-unet-1`` ``.keras`` file and read its weights.

    The saved configuration is parsed as JSON and compared, layer by layer (class,
    settings and inputs), with :data:`LAYERS`; only arrays of the expected shapes are read.

    Returns
    -------
    dict of str to (np.ndarray, np.ndarray)
        Per convolution name, ``(kernel (kh, kw, in, out), bias (out,))`` float32.

    Raises
    ------
    ModelLoadError
        If the file cannot be read or does not hold this network (the message says why).
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            layers = _check_config(path, json.loads(archive.read("config.json")))
            import h5py

            with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
                weights = _read(f, layers)
    except ModelLoadError:
        raise
    except NotUnet as exc:
        raise ModelLoadError(f"Model file '{path}' is not the MiXiN U-Net ({ARCH}): "
                             f"{exc}") from None
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        text = str(exc).strip().splitlines()
        raise ModelLoadError(f"Cannot read model file '{path}': "
                             f"{text[0] if text else type(exc).__name__}") from None
    shapes = conv_shapes()
    for name, (kernel, bias) in weights.items():
        if kernel.shape != shapes[name] or bias.shape != (shapes[name][3],):
            raise ModelLoadError(f"Model file '{path}' is not the MiXiN U-Net ({ARCH}): "
                                 f"layer {name} has weights {kernel.shape}, expected "
                                 f"{shapes[name]}.")
        if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
            raise ModelLoadError(f"Model file '{path}' holds NaN or infinite weights.")
    return weights


def _inbound(layer):
    """Names of the layers feeding ``layer`` in a Keras 3 functional configuration."""
    names = []

    def walk(obj):
        if isinstance(obj, dict):
            hist = (obj.get("config") or {}).get("keras_history") \
                if isinstance(obj.get("config"), dict) else None
            if hist:
                names.append(hist[0])
                return
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(layer.get("inbound_nodes", []))
    return names


def _check_config(path, saved):
    cfg = saved.get("config") if isinstance(saved, dict) else None
    if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list):
        raise ValueError("no network configuration in the file")
    layers = [x for x in cfg["layers"] if isinstance(x, dict)]
    inputs = [x for x in layers if x.get("class_name") == "InputLayer"]
    if len(inputs) != 1:
        raise NotUnet(f"it has {len(inputs)} inputs")
    shape = tuple((inputs[0].get("config") or {}).get("batch_shape") or ())[1:]
    if shape != INPUT_SHAPE:
        raise ModelLoadError(f"Model file '{path}' has input {shape}; the MiXiN U-Net "
                             f"needs {INPUT_SHAPE}.")
    input_name = inputs[0].get("name") or inputs[0]["config"].get("name")
    layers = [x for x in layers if x.get("class_name") != "InputLayer"]
    got = [(x.get("name") or (x.get("config") or {}).get("name"), x.get("class_name"))
           for x in layers]
    want = [(name, cls) for name, cls, _, _ in LAYERS]
    if got != want:
        raise NotUnet("its layers are " + ", ".join(f"{n} ({c})" for n, c in got))
    for layer, (name, cls, setting, ins) in zip(layers, LAYERS):
        feeds = [input_name if i == "magnitude" else i for i in ins]
        if _inbound(layer) != feeds:
            raise NotUnet(f"layer {name} reads {_inbound(layer)}, expected {feeds}")
        _check_layer(layer.get("config") or {}, name, cls, setting)
    return layers


def _check_layer(c, name, cls, setting):
    if cls == "MaxPooling2D":
        setting = (setting, "valid")
    check_layer(c, name, cls, setting, NotUnet)


def _read(f, layers):
    """The convolutions' ``(kernel, bias)`` of a Keras 3 weights file, by layer name."""
    return {name: (kernel, bias) for name, kernel, bias in keras3_conv_weights(f, layers)}

