"""The ONNX inference graph of a MiXiN U-Net (``mixin-unet-1``, ``-2`` or ``-3``), built
from its weights.

Input ``magnitude`` (n, 96, 1948) float32; output ``masks`` (n, 3, 96, 1948): one mask per
stem (in :data:`unet_arch.STEMS` order), each in (0, 1), summing to 1 at every bin. The
graph computes the network's features itself (:func:`unet_arch.features`), then runs the
layers of its architecture (:data:`unet_arch.ARCHS`) in NCHW order. Convolution channel
counts are padded with zero channels to the runtime's channel block as in :mod:`onnx_graph`.
"""

from __future__ import annotations

import numpy as np

from .. import config
from . import onnx_proto as proto
from .onnx_graph import IR_VERSION, OPSET, _Builder
from .unet_arch import ARCHS, FEATURE_EPS, STEMS, arch_of, conv_setting


def _conv_arrays(name, kernel, bias, in_channels, block):
    """ONNX weight ``(out', in', kh, kw)`` and bias ``(out',)``: Keras' kernel transposed,
    output channels zero-padded to a multiple of ``block`` (not the logits), input channels
    to what the layer before gives."""
    w = kernel.transpose(3, 2, 0, 1)
    out, inp = w.shape[:2]
    new_out = out if name == "logits" else -(-out // block) * block
    w = np.pad(w, ((0, new_out - out), (0, in_channels - inp), (0, 0), (0, 0)))
    return (np.ascontiguousarray(w, np.float32),
            np.pad(bias, (0, new_out - out)).astype(np.float32))


def _reshape(g, x, channels, target):
    """Keras' channels-last Reshape of ``(h, w, c)`` to ``target`` ``(h', w', c')`` on an
    NCHW value with ``channels`` channels: as channels-last, reshape, back to NCHW."""
    x = g.node("Transpose", [x], perm=[0, 2, 3, 1])
    x = g.node("Reshape", [x, g.const(np.array([0, *target], np.int64))])
    return g.node("Transpose", [x], perm=[0, 3, 1, 2])


def build_unet_graph(weights, *, block=1, name="mixin_unet", logit_scale=1.0):
    """Serialized ONNX model of the U-Net.

    Parameters
    ----------
    weights : dict of str to (np.ndarray, np.ndarray)
        From :func:`unet_arch.read_unet_weights` (the architecture is the one whose
        convolutions they are).
    block : int
        Convolution channel counts are padded with zero channels to a multiple of this.
    logit_scale : float
        The softmax's logits multiplied by this (one ``Mul``): ``softmax(a z)`` is the masks
        calibrated with one exponent ``a`` for every stem
        (:func:`mixin_gui.dsp.masks.calibrate_masks`), for almost nothing. (Folding ``a``
        into the last convolution's weights instead rounds them: 2.4e-6 off, measured.)

    Returns
    -------
    bytes
    """
    g = _Builder()
    x = g.node("Unsqueeze", ["magnitude", g.const(np.array([1], np.int64))])
    mean = g.node("ReduceMean", [x], axes=[2, 3], keepdims=1)
    mean = g.node("Add", [mean, g.const(np.array(FEATURE_EPS, np.float32))])
    x = g.node("Div", [x, mean])
    x = g.node("Log", [g.node("Add", [x, g.const(np.array(1.0, np.float32))])])
    values, channels = {"magnitude": x}, {"magnitude": 1}
    for lname, cls, setting, inputs in ARCHS[arch_of(weights)]:
        src = [values[i] for i in inputs]
        c = channels[inputs[0]]
        if cls == "Conv2D":
            weight, bias = _conv_arrays(lname, *weights[lname], c, block)

            kh, kw = weight.shape[-2:]
            dh, dw = conv_setting(setting)[3]
            ph, pw = dh * (kh // 2), dw * (kw // 2)
            y = g.node("Conv", [src[0], g.const(weight), g.const(bias)],
                       kernel_shape=[kh, kw], dilations=[dh, dw], pads=[ph, pw, ph, pw])
            y = g.node("Relu", [y]) if setting[2] == "relu" else y
            c = weight.shape[0]
        elif cls == "MaxPooling2D":
            y = g.node("MaxPool", src, kernel_shape=list(setting), strides=list(setting))
        elif cls == "UpSampling2D":
            y = g.node("Resize", [src[0], "", g.const(np.array([1, 1, *setting], np.float32))],
                       mode="nearest", coordinate_transformation_mode="asymmetric",
                       nearest_mode="floor")
        elif cls == "ZeroPadding2D":
            (top, bottom), (left, right) = setting
            y = g.node("Pad", [src[0], g.const(np.array([0, 0, top, left, 0, 0, bottom, right],
                                                        np.int64))], mode="constant")
        elif cls == "Cropping2D":
            (top, _), (left, _) = setting
            y = g.node("Slice", [src[0], g.const(np.array([top, left], np.int64)),
                                 g.const(np.array([top + config.N_BANDS,
                                                   left + config.N_COEFS], np.int64)),
                                 g.const(np.array([2, 3], np.int64))])
        elif cls == "Softmax":
            z = src[0]
            if logit_scale != 1.0:
                z = g.node("Mul", [z, g.const(np.array(logit_scale, np.float32))])
            y = g.node("Softmax", [z], axis=1)
        elif cls == "Reshape":
            y, c = _reshape(g, src[0], c, setting), setting[2]
        else:
            y = g.node("Add", src)
        values[lname], channels[lname] = y, c
    g.output = "masks"
    shape = [config.N_BANDS, config.N_COEFS]
    return proto.model(
        g.serialized_nodes(), g.inits,
        [proto.value_info("magnitude", np.float32, ["n", *shape])],
        [proto.value_info("masks", np.float32, ["n", len(STEMS), *shape])],
        name=name, opset=OPSET, ir_version=IR_VERSION)
