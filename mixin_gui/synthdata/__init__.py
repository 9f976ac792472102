"""Synthetic multitrack songs for training (``mixin train synth``, in ``cli/synth.py``).

A package of its own beside ``training``: it writes MUSDB-layout folders (``mixture.wav``,
``drums.wav``, ``bass.wav``, ``other.wav``, ``vocals.wav``) that ``mixin train prepare-stems``
reads like any other stems, and imports only ``config``, ``errors``, ``dsp`` and ``audio``.
Modules, in the order a track is made: ``score`` (the types a song's plan is written in),
``composition`` and ``melody`` (the plan), ``drums`` and ``drumkits`` (patterns played on
recorded kits), ``instruments`` with ``fluid`` (bass and accompaniment on soundfonts),
``vocals`` with ``singing`` (speech re-pitched onto the melody with WORLD), ``production``
(effects, levels, limiter), ``track`` (one track end to end) and ``batch`` (many, in
parallel). ``resources`` knows where the system packages put their sounds; ``realsources``
where the real recordings of ``scripts/real-material.sh`` live, with their licences (the
table for model cards); ``sampler`` plays parts on those real multisamples (piano, tonejs
instruments, guitar strums); ``devset`` builds the real dev set (``mixin train devset``).
"""

from .track import STEM_NAMES, render_track, write_track

__all__ = ["STEM_NAMES", "render_track", "write_track"]
