"""How much of real music without a voice each model set puts into its vocal stem.

The pieces are those ``scripts/voice-free-music.sh DIR`` keeps out of training
(``DIR/check``: seven orchestral and band pieces of The Battle for Wesnoth's soundtrack, over
60 s each). Two windows of 30 s per piece (a quarter and three fifths into it) are separated
in mono; the vocal stem's share of the stems' summed energy should be near 0. A stand-in for
the string-orchestra check that is real music and needs none of the reserved recordings. It
ranks the sets as that check does: the original MiXiN models put 1.5 % of these windows into
the vocal stem (they keep 98.1 % of the string orchestra harmonic), the compact CDAEs 4.6 %
(90.8 %), the round-4d U-Net 7.3 % (83.0 %), round 4f 2.4 % (91.4 %), round 4g 2.2 % (93.1 %),
round 4h 1.9 % (94.2 % with mask exponent 0.7, 93.9 % with 0.5), round 4k 1.6 % (94.9 %),
round 4l 1.8 % (94.3 %, mask exponent 0.85).

Usage: python benchmarks/voice_free_music.py CHECK_DIR MODEL_DIR [MODEL_DIR ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from real_shares import stem_shares   # benchmarks/ is this script's folder

WINDOW_S = 30.0
AT = (0.25, 0.6)


def windows(check_dir):
    """``(name, mono float32 window)`` for every piece of over 60 s in ``check_dir``."""
    from mixin_gui.audio.io import read_audio

    for path in sorted(Path(check_dir).glob("*.wav")):
        audio, sr = read_audio(path)
        if sr != 44100 or len(audio) < 2 * WINDOW_S * sr:
            continue
        x = audio.mean(axis=1)
        n = int(WINDOW_S * sr)
        for at in AT:
            start = int(at * (len(x) - n))
            yield f"{path.stem}@{at:.2f}", x[start:start + n]


def main(argv):
    from mixin_gui.engine import Separator

    if len(argv) < 2:
        sys.exit(__doc__)
    found = list(windows(argv[0]))
    if not found:
        sys.exit(f"no piece of over 60 s at 44.1 kHz in {argv[0]} "
                 "(run scripts/voice-free-music.sh DIR first)")
    print(f"{'models':<40}{'vocal':>7}  per window (vocal share)")
    for model_dir in argv[1:]:
        sep = Separator(model_dir)
        v = [stem_shares(sep, x, 44100)["vocal"] for _, x in found]
        print(f"{model_dir:<40}{np.mean(v):>7.1%}  " + " ".join(f"{s:.0%}" for s in v),
              flush=True)
    print(f"{len(found)} windows of {WINDOW_S:.0f} s: " + ", ".join(n for n, _ in found))


if __name__ == "__main__":
    main(sys.argv[1:])
