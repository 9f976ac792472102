"""MiXiN: harmonic / percussive / vocal separation with Bark-NSGT CDAEs.

Layers (imports flow one way): ``config`` and ``errors`` <- ``dsp`` <- ``audio`` / ``model``
<- ``engine`` <- ``training`` / ``cli`` / ``gui``. Only ``gui`` imports Qt.
"""

__version__ = "0.1.0"
