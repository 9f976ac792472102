"""The MiXiN U-Nets (``mixin-unet-1``, ``-2``, ``-3``) as data: their layers, their input
features, and reading
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

``mixin-unet-2`` adds time context at the bottleneck. There one step is 16 ms, and the
network above sees only about 100 ms around a bin: too little to tell a voice from a bowed
string by how its pitch and timbre move (one vibrato cycle is 150-250 ms). Three residual
blocks after ``mid2``, ``x + conv1x1(relu(conv3x3(x)))`` with the 3x3 convolution dilated
along time by 2, 4 and 8 steps (64 channels), widen that to about +-0.3 s for 0.36 GFLOP
and 246,336 parameters more. Their last convolutions start at zero, so a ``mixin-unet-2``
built from ``mixin-unet-1`` weights (:func:`unet.widen`) starts as that network.

``mixin-unet-3`` adds a fourth such block, dilated by 16 steps, for about +-0.5 s of
context (the bottleneck of a chunk is 61 steps wide): 0.12 GFLOP and 82,112 parameters
more, its last convolution again starting at zero (:func:`unet.widen` from
``mixin-unet-2``).

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

#: Time context blocks of ``mixin-unet-2`` after the bottleneck: one per dilation along
#: time, each a residual ``x + conv1x1(relu(conv3x3 dilated(x)))``.
CONTEXT_DILATIONS = (2, 4, 8)
CONTEXT_WIDTH = 64


def _layers(context):
    """The layer list of the U-Net with time context blocks of dilations ``context``.

    (name, Keras class, setting, inputs). Conv2D setting: (filters, (kh, kw), activation)
    or (filters, (kh, kw), activation, (dh, dw)) with a dilation; Reshape: the target shape
    without the batch axis.
    """
    h, w = config.N_BANDS, config.N_COEFS + PAD
    out = [("pad", "ZeroPadding2D", ((0, 0), (0, PAD)), ["magnitude"]),
           ("fold", "Reshape", (h, w // FOLD, FOLD), ["pad"])]
    prev = "fold"
    for i, width in enumerate(ENCODER, 1):
        out.append((f"enc{i}", "Conv2D", (width, (3, 3), "relu"), [prev]))
        out.append((f"pool{i}", "MaxPooling2D", (2, 2), [f"enc{i}"]))
        prev = f"pool{i}"
    out.append(("mid1", "Conv2D", (BOTTLENECK, (3, 3), "relu"), [prev]))
    out.append(("mid2", "Conv2D", (BOTTLENECK, (3, 3), "relu"), ["mid1"]))
    prev = "mid2"
    for k, d in enumerate(context, 1):
        out.append((f"ctx{k}a", "Conv2D", (CONTEXT_WIDTH, (3, 3), "relu", (1, d)), [prev]))
        out.append((f"ctx{k}b", "Conv2D", (BOTTLENECK, (1, 1), "linear"), [f"ctx{k}a"]))
        out.append((f"ctx{k}", "Add", None, [prev, f"ctx{k}b"]))
        prev = f"ctx{k}"
    out.append(("proj", "Conv2D", (ENCODER[-1], (1, 1), "linear"), [prev]))
    prev = "proj"
    for i in reversed(range(1, len(ENCODER) + 1)):
        out.append((f"up{i}", "UpSampling2D", (2, 2), [prev]))
        out.append((f"skip{i}", "Add", None, [f"up{i}", f"enc{i}"]))
        if i > 1:
            out.append((f"dec{i}", "Conv2D", (ENCODER[i - 2], (3, 3), "relu"), [f"skip{i}"]))
            prev = f"dec{i}"
    out.append(("logits", "Conv2D", (FOLD * len(STEMS), (3, 3), "linear"), ["skip1"]))
    out.append(("unfold", "Reshape", (h, w, len(STEMS)), ["logits"]))
    out.append(("crop", "Cropping2D", ((0, 0), (0, PAD)), ["unfold"]))
    out.append(("masks", "Softmax", -1, ["crop"]))
    return tuple(out)


#: Second architecture: ``mixin-unet-1`` with time context at the bottleneck (see the notes).
ARCH2 = "mixin-unet-2"
#: Third architecture: ``mixin-unet-2`` with a fourth context block (see the notes).
ARCH3 = "mixin-unet-3"
#: Each architecture's layers, in the order Keras lists (and saves) them.
ARCHS = {ARCH: _layers(()), ARCH2: _layers(CONTEXT_DILATIONS),
         ARCH3: _layers(CONTEXT_DILATIONS + (16,))}
#: The first architecture's layers (the default).
LAYERS = ARCHS[ARCH]


def conv_setting(setting):
    """``(filters, (kh, kw), activation, (dh, dw))`` of a Conv2D setting (no dilation:
    ``(1, 1)``)."""
    return (*setting[:3], tuple(setting[3]) if len(setting) > 3 else (1, 1))


def arch_of(conv_names):
    """The architecture whose convolutions are named exactly ``conv_names`` (the keys of
    :func:`read_unet_weights`' result, a Keras model's Conv2D layers), else None."""
    names = set(conv_names)
    return next((arch for arch in ARCHS if set(conv_shapes(arch)) == names), None)


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


def conv_shapes(arch=ARCH):
    """Kernel shapes ``(kh, kw, in, out)`` (Keras' layout) of each convolution, by name."""
    channels, shapes = {"magnitude": 1}, {}
    for name, cls, setting, inputs in ARCHS[arch]:
        c = channels[inputs[0]]
        if cls == "Conv2D":
            filters, (kh, kw) = setting[:2]
            shapes[name] = (kh, kw, c, filters)
            c = filters
        elif cls == "Reshape":
            c = setting[2]
        channels[name] = c
    return shapes


def n_params(arch=ARCH):
    """Parameter count of the network."""
    return int(sum(np.prod(s) + s[3] for s in conv_shapes(arch).values()))


def flops_per_chunk(arch=ARCH):
    """Multiply-adds x 2 of the convolutions for one chunk (the rest is negligible)."""
    size = {"magnitude": (config.N_BANDS, config.N_COEFS)}
    total = 0
    shapes = conv_shapes(arch)
    for name, cls, setting, inputs in ARCHS[arch]:
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


def read_unet_weights(path, arch=None):
    """Validate a U-Net ``.keras`` file of architecture ``arch`` (None: the one whose layers
    the file lists, else the first) and read its weights.

    The saved configuration is parsed as JSON and compared, layer by layer (class,
    settings and inputs), with ``ARCHS[arch]``; only arrays of the expected shapes are read.

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
            saved = json.loads(archive.read("config.json"))
            arch = arch or _listed_arch(saved)
            layers = _check_config(path, saved, arch)
            import h5py

            with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
                weights = _read(f, layers)
    except ModelLoadError:
        raise
    except NotUnet as exc:
        raise ModelLoadError(f"Model file '{path}' is not the MiXiN U-Net ({arch}): "
                             f"{exc}") from None
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        text = str(exc).strip().splitlines()
        raise ModelLoadError(f"Cannot read model file '{path}': "
                             f"{text[0] if text else type(exc).__name__}") from None
    shapes = conv_shapes(arch)
    for name, (kernel, bias) in weights.items():
        if kernel.shape != shapes[name] or bias.shape != (shapes[name][3],):
            raise ModelLoadError(f"Model file '{path}' is not the MiXiN U-Net ({arch}): "
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


def _listed_arch(saved):
    """The architecture whose convolutions a saved configuration lists (:func:`arch_of`),
    else :data:`ARCH` (whose check then says what differs)."""
    try:
        convs = [x.get("name") or x["config"]["name"] for x in saved["config"]["layers"]
                 if x.get("class_name") == "Conv2D"]
    except (KeyError, TypeError, AttributeError):
        return ARCH
    return arch_of(convs) or ARCH


def _check_config(path, saved, arch):
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
    want = [(name, cls) for name, cls, _, _ in ARCHS[arch]]
    if got != want:
        raise NotUnet("its layers are " + ", ".join(f"{n} ({c})" for n, c in got))
    for layer, (name, cls, setting, ins) in zip(layers, ARCHS[arch]):
        feeds = [input_name if i == "magnitude" else i for i in ins]
        if _inbound(layer) != feeds:
            raise NotUnet(f"layer {name} reads {_inbound(layer)}, expected {feeds}")
        _check_layer(layer.get("config") or {}, name, cls, setting)
    return layers


def _check_layer(c, name, cls, setting):
    if cls == "MaxPooling2D":
        setting = (setting, "valid")
    elif cls == "Conv2D":
        setting = conv_setting(setting)
    check_layer(c, name, cls, setting, NotUnet)


def _read(f, layers):
    """The convolutions' ``(kernel, bias)`` of a Keras 3 weights file, by layer name."""
    return {name: (kernel, bias) for name, kernel, bias in keras3_conv_weights(f, layers)}

