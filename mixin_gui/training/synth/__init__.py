"""Synthetic multitrack songs for training: ``mixin train synth``.

Modules, in the order a track is made: ``composition`` and ``melody`` (the song's plan),
``drums`` and ``drumkits`` (patterns played on recorded kits), ``instruments`` with ``fluid``
(bass and accompaniment on soundfonts), ``vocals`` with ``singing`` (speech re-pitched onto the
melody with WORLD), ``production`` (effects, levels, limiter), ``track`` (one track end to
end) and ``cli``. ``resources`` knows where the system packages put their sounds.
"""

from .track import STEM_NAMES, render_track, write_track

__all__ = ["STEM_NAMES", "render_track", "write_track"]
