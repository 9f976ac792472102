"""Reading what a saved Keras network declares, without Keras: one layer's settings checked
against what an architecture expects, and the convolution weights of a Keras 3 weights file.

Both network families (the CDAE in :mod:`.files`, the U-Net in :mod:`.unet_arch`) use these,
so a saved file is judged by one set of rules; nothing from the file is ever run.
"""

from __future__ import annotations

import re

import numpy as np


def check_layer(c, name, cls, setting, error):
    """Raise ``error(message)`` when one layer's saved settings differ from the expected.

    Parameters
    ----------
    c : dict
        The layer's saved ``config``.
    name : str
        The layer's name, for the message.
    cls : str
        Expected class: ``Conv2D`` ``(filters, (kh, kw), activation[, (dh, dw)])`` (the
        dilation, 1 by default), ``MaxPooling2D``
        ``((ph, pw), padding)``, ``UpSampling2D`` ``(sh, sw)``, ``Cropping2D`` or
        ``ZeroPadding2D`` ``((top, bottom), (left, right))``, ``Reshape`` (target shape without
        the batch axis) or ``Softmax`` (over the last axis; ``setting`` is unused).
    setting : tuple
    error : type of Exception
    """
    def want(key, value, default=None):
        got = c.get(key, default)
        if isinstance(got, (list, tuple)):
            got = [list(g) if isinstance(g, (list, tuple)) else g for g in got]
        if got != value:
            raise error(f"layer {name} has {key}={got!r}, expected {value!r}")

    if c.get("data_format", "channels_last") != "channels_last":
        raise error(f"layer {name} is not channels_last")
    if cls == "Conv2D":
        filters, size, activation = setting[:3]
        dilation = list(setting[3]) if len(setting) > 3 else [1, 1]
        want("filters", filters)
        want("kernel_size", list(size))
        want("strides", [1, 1], [1, 1])
        want("dilation_rate", dilation, [1, 1])
        want("padding", "same")
        want("activation", activation)
        want("use_bias", True, True)
        want("groups", 1, 1)
    elif cls == "MaxPooling2D":
        pool, padding = setting
        want("pool_size", list(pool))
        if c.get("strides") is not None:
            want("strides", list(pool))
        want("padding", padding)
    elif cls == "UpSampling2D":
        want("size", list(setting))
        want("interpolation", "nearest", "nearest")
    elif cls in ("ZeroPadding2D", "Cropping2D"):
        want("padding" if cls == "ZeroPadding2D" else "cropping", [list(p) for p in setting])
    elif cls == "Reshape":
        want("target_shape", list(setting))
    elif cls == "Softmax":
        axis = c.get("axis", -1)
        if axis not in (-1, 3, [-1], [3]):
            raise error(f"layer {name} has a softmax over axis {axis}, not the stems")


def keras3_conv_weights(f, layers):
    """Convolution weights of a Keras 3 ``model.weights.h5``, in layer order.

    A layer's variables are stored under ``layers/<class name in snake case>[_<n>]/vars/<i>``,
    numbered by class in order.

    Parameters
    ----------
    f : h5py.File
    layers : list of dict
        The saved layers (``class_name``, ``config``), input layer excluded.

    Returns
    -------
    list of (str, np.ndarray, np.ndarray)
        Layer name, kernel ``(kh, kw, in, out)`` and bias ``(out,)``, float32.
    """
    seen, out = {}, []
    for layer in layers:
        cls = layer["class_name"]
        key = re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower().replace("2_d", "2d")
        n = seen.get(key, 0)
        seen[key] = n + 1
        if cls == "Conv2D":
            group = f["layers"][key if n == 0 else f"{key}_{n}"]["vars"]
            name = layer.get("name") or layer["config"]["name"]
            out.append((name, np.asarray(group["0"], np.float32),
                        np.asarray(group["1"], np.float32)))
    return out
