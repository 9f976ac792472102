"""Bowed strings without a voice: how much of them each model set keeps harmonic.

A stand-in for the string-orchestra check that needs none of the reserved recordings, so a
training round may use it to compare checkpoints: four pieces of 16 s, each a violin melody
over sustained cello chords, played through the real tonejs violin and cello multisamples
(``mixin_gui.synthdata.sampler``) and given a vibrato (5-6.5 Hz, 15-50 cents) after the
fact. ``--section`` plays the melody on four desks instead of one (each a few ms late, a few
cents off, with its own vibrato), as an orchestra's violins are. ``--melodies`` plays eight
pieces of ``mixin_gui.synthdata.melodies`` instead (seed 0; ``mixin train melodies`` writes
training material from other seeds): melodies in a voice's range on bowed and wind samples
with a vibrato that grows into each note, portamento, string sections and hall reverb.

It ranks checkpoints of one network family; its level is not that of a real orchestra (the
round-4b U-Net kept 95.1 % of the solo pieces harmonic and 76.9 % of the real string orchestra,
round 4c 95.7 % and 78.0 %, round 4d 99.6 % and 83.0 %, round 4f 99.9 % and 91.4 %, round 4g
100.0 % and 93.1 %, round 4h 100.0 % and 94.2 % (mask exponent 0.7; 93.9 % at 0.5), round 4k
100.0 % and 94.9 %, round 4l 100.0 % and 94.3 % (mask exponent 0.85), the compact CDAEs
91.5 % and 90.1 %; of the ``--melodies`` round 4c kept 48.0 % harmonic, round 4d 90.9 %, round
4f 96.4 %, round 4g 98.2 %, round 4h 98.9 %, round 4k 99.8 %, round 4l 99.7 %, the CDAEs
40.7 %). Every share is of the sum of the stems' energies (mono, each set with its card's
calibration and Wiener step), as ``real_shares.stem_shares`` computes it.
``benchmarks/voice_free_music.py`` is a check on real music that ranks the sets as the real
orchestra does.

Usage: python benchmarks/bowed_strings.py [--section | --melodies] MODEL_DIR [MODEL_DIR ...]
Needs the tonejs violin and cello samples (``make setup-real``; they are looked for in
``$MIXIN_REAL_DIR``, else ``~/.cache/mixin/real``).
"""

from __future__ import annotations

import sys

import numpy as np

from real_shares import stem_shares   # benchmarks/ is this script's folder

SR = 44100
SECONDS = 16.0
PIECES = 4


def with_vibrato(x, cents, hz, phase):
    """``x`` (frames, channels) read at a speed that swings by ``cents`` at ``hz``."""
    n = len(x)
    t = np.arange(n) / SR
    speed = 2.0 ** (cents / 1200.0 * np.sin(2 * np.pi * hz * t + phase))
    read = np.minimum(np.concatenate([[0.0], np.cumsum(speed[:-1])]), n - 1)
    idx = np.arange(n)
    return np.stack([np.interp(read, idx, x[:, c]) for c in range(x.shape[1])], axis=1)


def piece(seed, *, section=False):
    """One mono piece (float32) of violin melody over cello chords, with vibrato."""
    from mixin_gui.synthdata.sampler import render

    rng = np.random.default_rng(seed)
    n = int(SECONDS * SR)
    scale = np.array([0, 2, 3, 5, 7, 8, 10]) + int(rng.integers(55, 62))  # a minor key
    melody, t, degree = [], 0.0, 7
    while t < SECONDS - 0.5:
        dur = float(rng.choice([0.4, 0.6, 0.8, 1.2, 1.6]))
        degree = int(np.clip(degree + rng.integers(-2, 3), 0, 13))
        pitch = int(scale[degree % 7] + 12 * (degree // 7))
        melody.append((t, dur * 1.02, pitch, int(rng.integers(70, 110))))
        t += dur
    chords = []
    for start in np.arange(0.0, SECONDS, 2.0):
        root = int(scale[rng.integers(0, 7)]) - 24
        chords += [(float(start), 2.05, root + k, 80) for k in (0, 7, 12)]

    def vib(x, lo, hi, hz_lo, hz_hi):
        return with_vibrato(x, rng.uniform(lo, hi), rng.uniform(hz_lo, hz_hi),
                            rng.uniform(0, 2 * np.pi))

    violin = render("violin", melody, n)
    if section:
        desks = [np.roll(violin, int(rng.integers(0, int(0.025 * SR))), axis=0)
                 for _ in range(4)]
        violin = sum(vib(d, 25, 50, 5.0, 6.5) * 2.0 ** (rng.uniform(-8, 8) / 1200)
                     for d in desks)
    else:
        violin = vib(violin, 25, 50, 5.0, 6.5)
    cello = vib(render("cello", chords, n), 15, 35, 4.5, 6.0)
    mix = (0.5 * violin / (np.abs(violin).max() + 1e-9) +
           0.35 * cello / (np.abs(cello).max() + 1e-9))
    return mix.mean(axis=1).astype(np.float32)


def main(argv):
    from mixin_gui.engine import Separator
    from mixin_gui.synthdata.sampler import instrument

    section = "--section" in argv
    sung = "--melodies" in argv
    dirs = [a for a in argv if not a.startswith("--")]
    if not dirs:
        print(__doc__.strip().split("\n\n")[-1])
        return 2
    if instrument("violin") is None or instrument("cello") is None:
        print("The tonejs violin and cello samples are not installed (make setup-real).")
        return 1
    if sung:
        from mixin_gui.synthdata.melodies import melody_piece

        pieces = [melody_piece(np.random.default_rng([0, k, 19]), SECONDS)[0].mean(axis=1)
                  for k in range(2 * PIECES)]
    else:
        pieces = [piece(seed, section=section) for seed in range(PIECES)]
    print(f"{'model set':<44} harmonic percussive  vocal   (vocal per piece)"
          f"{'  section' if section else '  melodies' if sung else ''}")
    for d in dirs:
        sep = Separator(d)
        rows = [stem_shares(sep, x, SR) for x in pieces]
        mean = {s: 100 * np.mean([r[s] for r in rows]) for s in rows[0]}
        each = " ".join(f"{100 * r['vocal']:.1f}" for r in rows)
        print(f"{d:<44} {mean['harmonic']:7.1f}% {mean['percussive']:9.1f}% "
              f"{mean['vocal']:6.1f}%   ({each})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
