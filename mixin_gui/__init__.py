"""MiXiN: harmonic / percussive / vocal separation with Bark-NSGT CDAEs.

Floors (imports flow one way, down; ``tests/test_layering.py`` checks it): ``config``,
``errors``, ``paths`` <- ``dsp`` <- ``audio`` <- ``model`` <- ``engine`` <- ``training`` /
``synthdata`` <- ``cli``; nothing imports ``gui``. Only ``gui`` imports Qt.
"""

__version__ = "0.1.0"
