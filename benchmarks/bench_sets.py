"""Speed of every bundled model set, with and without the stereo Wiener post-filter.

Separates the first 60 s of ../shared/audio/lets_go_fishin.ogg (stereo) through the engine
with models already loaded, best of 3 per row, and prints seconds and the real-time factor,
followed by the CPU it ran on. The Wiener row uses one step (what the U-Net's card
recommends); each set's default is marked. The last row of each set runs its default with
the card's mask calibration turned off, to show what the calibration costs.

Usage: python benchmarks/bench_sets.py [SECONDS]
"""

from __future__ import annotations

import sys
import time

from bench_separate import SONG, say


def main(argv):
    from mixin_gui.audio.io import read_audio
    from mixin_gui.config import SeparationOptions
    from mixin_gui.engine import Separator
    from mixin_gui.model.discovery import model_sets

    seconds = float(argv[0]) if argv else 60.0
    if not SONG.is_file():
        sys.exit(f"{SONG} is missing (../shared absent)")
    audio, sr = read_audio(SONG)
    audio = audio[: int(seconds * sr)]
    for name, folder in model_sets().items():
        sep = Separator(folder)
        sep.separate(audio[: 5 * sr], sr)               # warm-up
        calibration = sep.mask_calibration
        rows = [(steps, calibration) for steps in (0, 1)] + [(sep.wiener_iterations, ({}, {}))]
        for steps, cal in rows:
            sep.mask_calibration = cal
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                sep.separate(audio, sr, SeparationOptions(wiener_iterations=steps))
                best = min(best, time.perf_counter() - start)
            if cal != calibration:
                mark = " without mask calibration"
            else:
                mark = " (the set's default)" if steps == sep.wiener_iterations else ""
            say(f"{name:<6} Wiener steps {steps}{mark}: {seconds:.0f} s of stereo in "
                f"{best:.2f} s = {seconds / best:.1f}x real time")


if __name__ == "__main__":
    main(sys.argv[1:])
