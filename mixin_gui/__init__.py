"""MiXiN: split songs into harmonic, percussive and vocal stems.

By default one U-Net (``mixin-unet-3``) gives every stem a softmax mask on a 96-band Bark
NSGT, refined by a stereo Wiener step; the compact CDAE set (one small network per stem) is
the faster alternative.

Floors (imports flow one way, down; ``tests/test_layering.py`` checks it): ``config``,
``errors``, ``paths`` <- ``dsp`` <- ``audio`` <- ``model`` <- ``engine`` <- ``training`` /
``synthdata`` / ``batch`` <- ``api`` <- ``cli``; nothing imports ``gui``. Only ``gui``
imports Qt.

The package's face is the Python API (:mod:`mixin_gui.api`): ``separate``,
``separate_file``, ``Separator``, ``Stems`` and the errors, imported on first use, so
``import mixin_gui`` stays instant (no numpy, no ONNX Runtime).
"""

__version__ = "0.2.0"

#: Names this package exports, and the module each is read from on first use.
_LAZY = {"separate": "api", "separate_file": "api", "Separator": "api", "Stems": "api",
         "MixinError": "errors", "AudioReadError": "errors", "AudioWriteError": "errors",
         "OutputExistsError": "errors", "ModelLoadError": "errors", "Cancelled": "errors"}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'mixin_gui' has no attribute '{name}'")
    if _LAZY[name] == "api":
        from . import api as module
    else:
        from . import errors as module
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
