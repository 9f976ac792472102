"""Writing an ONNX model file's bytes (protocol buffers) without the ``onnx`` package.

The ``onnx`` package costs most of a second of start-up (it imports ``ml_dtypes``) and
ships a 20 MB extension, for what is here a few dozen lines: the handful of messages of
``onnx.proto`` that an inference graph needs, in the protocol-buffer wire format. The tests
check the bytes with ``onnx.checker`` and run them with ONNX Runtime.

Field numbers are those of ``onnx/onnx.proto`` (proto2): ``ModelProto`` (ir_version 1,
producer_name 2, graph 7, opset_import 8), ``GraphProto`` (node 1, name 2, initializer 5,
input 11, output 12), ``NodeProto`` (input 1, output 2, name 3, op_type 4, attribute 5),
``AttributeProto`` (name 1, f 2, i 3, ints 8, type 20), ``TensorProto`` (dims 1, data_type 2,
name 8, raw_data 9), ``ValueInfoProto`` (name 1, type 2), ``TypeProto`` (tensor_type 1),
``TypeProto.Tensor`` (elem_type 1, shape 2), ``TensorShapeProto`` (dim 1) and its
``Dimension`` (dim_value 1, dim_param 2), ``OperatorSetIdProto`` (domain 1, version 2).
"""

from __future__ import annotations

import struct

import numpy as np

#: ``TensorProto.DataType`` codes of the element types used.
DATA_TYPES = {np.dtype(np.float32): 1, np.dtype(np.int64): 7}
#: ``AttributeProto.AttributeType`` codes.
_FLOAT, _INT, _STRING, _INTS = 1, 2, 3, 7


def _varint(value):
    value &= (1 << 64) - 1          # negative int64s as ten-byte two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field, value):
    return _varint(field << 3) + _varint(int(value))


def _bytes(field, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def attribute(name, value):
    """An ``AttributeProto``: an int, a float, a string or a list of ints."""
    out = _bytes(1, name)
    if isinstance(value, (list, tuple)):
        out += b"".join(_int(8, v) for v in value) + _int(20, _INTS)
    elif isinstance(value, float):
        out += _varint(2 << 3 | 5) + struct.pack("<f", value) + _int(20, _FLOAT)
    elif isinstance(value, str):
        out += _bytes(4, value) + _int(20, _STRING)
    else:
        out += _int(3, value) + _int(20, _INT)
    return out


def node(op_type, inputs, outputs, name="", **attrs):
    """A ``NodeProto`` of the default domain; ``""`` in ``inputs`` is an omitted input."""
    out = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    out += _bytes(3, name) + _bytes(4, op_type)
    return out + b"".join(_bytes(5, attribute(k, v)) for k, v in sorted(attrs.items()))


def tensor(name, array):
    """A ``TensorProto`` holding ``array`` (float32 or int64) as little-endian raw data."""
    array = np.asarray(array)
    code = DATA_TYPES[array.dtype]
    out = b"".join(_int(1, d) for d in array.shape) + _int(2, code) + _bytes(8, name)
    return out + _bytes(9, np.ascontiguousarray(array, array.dtype.newbyteorder("<")).tobytes())


def value_info(name, elem_type, shape):
    """A ``ValueInfoProto`` of a tensor; a ``str`` in ``shape`` is a named (free) axis."""
    dims = b"".join(_bytes(1, _bytes(2, d) if isinstance(d, str) else _int(1, d))
                    for d in shape)
    tensor_type = _int(1, DATA_TYPES[np.dtype(elem_type)]) + _bytes(2, dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(nodes, initializers, inputs, outputs, *, name, opset, ir_version,
          producer="mixin"):
    """A serialized ``ModelProto``.

    Parameters
    ----------
    nodes : list of bytes
        From :func:`node`, in topological order.
    initializers : list of bytes
        From :func:`tensor`.
    inputs, outputs : list of bytes
        From :func:`value_info`.
    name : str
    opset, ir_version : int
        The default domain's operator set and the IR version.

    Returns
    -------
    bytes
        What ``onnxruntime.InferenceSession`` takes (or a ``.onnx`` file holds).
    """
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, name)
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, v) for v in inputs) + b"".join(_bytes(12, v) for v in outputs)
    opset_id = _bytes(1, "") + _int(2, opset)
    return (_int(1, ir_version) + _bytes(2, producer) + _bytes(7, graph)
            + _bytes(8, opset_id))
