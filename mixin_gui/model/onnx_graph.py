"""One ONNX inference graph for every stem's CDAE, built from weights (no framework needed).

The graph takes a batch of mix magnitudes ``(n, 96, 1948)`` and returns every stem's
estimate ``(n, k, 96, 1948)``. The stems' networks run side by side as grouped
convolutions: the first convolution maps the one input channel to the ``k`` networks'
channels stacked, every later one has ``k`` groups, and pooling and up-sampling act on
each channel alone anyway. Channel counts are padded with zero channels to a multiple of
the runtime's channel block (``block``), which lets ONNX Runtime use its blocked (NCHWc)
convolutions: measured on a 2-core AVX-512 Xeon, a batch of 8 chunks and 3 stems takes
0.063 s grouped and padded, 0.099 s as three padded branches, 0.26 s unpadded.

The network ends with a (3, 5) nearest-neighbour up-sampling, a 1x1 ReLU convolution and a
crop. Here the 1x1 convolution runs before the up-sampling: a 1x1 convolution and a ReLU act on
each pixel alone, and the up-sampling only repeats pixels, so the numbers are the same on
15 times fewer pixels, without a (96, 1950, 12) tensor per chunk (training keeps the
original order).
"""

from __future__ import annotations

import numpy as np

from .. import config
from . import onnx_proto as proto
from .files import ARCHITECTURE

#: ONNX operator set and IR version written (ONNX Runtime 1.16 and later run them).
OPSET = 17
IR_VERSION = 8


def same_pads(size, kernel, stride):
    """Padding ``(before, after)`` of Keras' "same" for one axis (TensorFlow's rule: the
    larger half after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def grouped_conv(stem_weights, index, *, block=1):
    """Stack every stem's convolution ``index`` into one ONNX convolution.

    Parameters
    ----------
    stem_weights : list of list of (np.ndarray, np.ndarray)
        Per stem, the ``(kernel (kh, kw, in, out), bias (out,))`` pairs of its network.
    index : int

    Returns
    -------
    weight : np.ndarray, shape (k * out, in, kh, kw), float32
        For the first convolution ``in`` is 1 and the convolution is not grouped; for the
        others stem ``s`` owns output channels ``s * out`` to ``(s + 1) * out`` and reads
        input channels likewise.
    bias : np.ndarray, shape (k * out,), float32
    """
    kernels = [_padded(w[index][0].transpose(3, 2, 0, 1), block, index)
               for w in stem_weights]
    biases = [np.pad(w[index][1], (0, len(kern) - len(w[index][1])))
              for w, kern in zip(stem_weights, kernels)]
    return (np.ascontiguousarray(np.concatenate(kernels), np.float32),
            np.concatenate(biases).astype(np.float32))


def _padded(kernel, block, index):
    """``kernel`` (out, in, kh, kw) with zero channels added: output channels up to a
    multiple of ``block`` (not for the 1-channel output convolution) and input channels to
    what the previous convolution gives. Zero weights and biases give channels of zeros
    after the ReLU, which the next convolution multiplies by zero weights: the same
    numbers, in channel counts that the runtime's blocked (NCHWc) kernels take."""
    out, inp = kernel.shape[:2]
    new_out = out if out == 1 else -(-out // block) * block
    new_in = inp if index == 0 else -(-inp // block) * block
    return np.pad(kernel, ((0, new_out - out), (0, new_in - inp), (0, 0), (0, 0)))


def build_graph(stem_weights, *, grouped=True, block=1, name="mixin_cdae"):
    """The joint inference graph of ``k`` CDAEs, as ONNX model bytes.

    Parameters
    ----------
    stem_weights : list of list of (np.ndarray, np.ndarray)
        Per stem (in output order), the convolution weights read by
        :func:`mixin_gui.model.files.read_weights`.
    grouped : bool
        One grouped convolution per layer for all stems (True), or one branch per stem.
    block : int
        Channel counts are padded with zero channels to a multiple of this.

    Returns
    -------
    bytes
        A serialized ONNX model: input ``magnitude`` (n, 96, 1948) float32, output
        ``estimates`` (n, k, 96, 1948) float32.
    """
    g = _Builder()
    x = g.node("Unsqueeze", ["magnitude", g.const(np.array([1], np.int64))])
    if grouped:
        g.cdae(x, stem_weights, block)
    else:
        g.node("Concat", [g.cdae(x, [w], block) for w in stem_weights], axis=1)
    g.output = "estimates"
    k = len(stem_weights)
    shape = [config.N_BANDS, config.N_COEFS]
    return proto.model(
        g.serialized_nodes(), g.inits,
        [proto.value_info("magnitude", np.float32, ["n", *shape])],
        [proto.value_info("estimates", np.float32, ["n", k, *shape])],
        name=name, opset=OPSET, ir_version=IR_VERSION)


class _Builder:
    """Collects the nodes and initialisers of a graph, naming every value uniquely."""

    def __init__(self):
        self.nodes, self.inits, self.n, self.output = [], [], 0, None

    def const(self, arr):
        self.n += 1
        label = f"const_{self.n}"
        self.inits.append(proto.tensor(label, arr))
        return label

    def node(self, op, inputs, **attrs):
        self.n += 1
        out = f"{op.lower()}_{self.n}"
        self.nodes.append((op, list(inputs), out, attrs))
        return out

    def serialized_nodes(self):
        """The nodes as bytes, the last one's output renamed to :attr:`output`."""
        last = len(self.nodes) - 1
        return [proto.node(op, inputs, [self.output if i == last else out],
                           name=f"n{i}", **attrs)
                for i, (op, inputs, out, attrs) in enumerate(self.nodes)]

    def cdae(self, x, stem_weights, block):
        """The CDAE layers on ``x`` (n, 1, 96, 1948) for the stems of ``stem_weights`` as
        grouped convolutions; returns the value (n, len(stem_weights), 96, 1948)."""
        k, shape, index = len(stem_weights), [config.N_BANDS, config.N_COEFS], 0

        def conv(x):
            nonlocal index
            weight, bias = grouped_conv(stem_weights, index, block=block)
            pad = weight.shape[-1] // 2
            y = self.node("Conv", [x, self.const(weight), self.const(bias)],
                          kernel_shape=list(weight.shape[-2:]), pads=[pad] * 4,
                          group=1 if index == 0 else k)
            index += 1
            return self.node("Relu", [y])

        def upsample(x, size):
            shape[:] = [shape[0] * size[0], shape[1] * size[1]]
            return self.node("Resize", [x, "", self.const(np.array([1, 1, *size],
                                                                   np.float32))],
                             mode="nearest", coordinate_transformation_mode="asymmetric",
                             nearest_mode="floor")

        *body, (_, last_up), _, (_, crop) = ARCHITECTURE   # up-sampling, 1x1 conv, crop
        for cls, setting in body:
            if cls == "Conv2D":
                x = conv(x)
            elif cls == "MaxPooling2D":
                (top, bottom), (left, right) = (same_pads(n, s, s)
                                                for n, s in zip(shape, setting))
                x = self.node("MaxPool", [x], kernel_shape=list(setting),
                              strides=list(setting), pads=[top, left, bottom, right])
                shape[:] = [-(-n // s) for n, s in zip(shape, setting)]
            else:
                x = upsample(x, setting)
        x = upsample(conv(x), last_up)               # 1x1 convolution first (see above)
        (top, bottom), (left, right) = crop
        return self.node("Slice", [
            x, self.const(np.array([top, left], np.int64)),
            self.const(np.array([shape[0] - bottom, shape[1] - right], np.int64)),
            self.const(np.array([2, 3], np.int64))])
