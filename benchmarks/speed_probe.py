"""One timing run of the engine, for ``bench_separate.py``: run with a tree's code first on
``sys.path`` (that is how ``--baseline`` times another revision), prints one JSON line.

Usage: python speed_probe.py SONG SECONDS MODEL|- REPEAT
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np


def best(fn, repeat):
    out = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def network_alone(sep, audio, sr):
    """Seconds the networks alone take on the chunks the engine gives them, batch by batch
    as the engine sends them (the floor of a separation)."""
    from mixin_gui import config
    from mixin_gui.config import SeparationOptions
    from mixin_gui.dsp.chunking import ChunkPlan
    from mixin_gui.dsp.resample import resample

    options = SeparationOptions()
    x = resample(np.asarray(audio, np.float32).reshape(len(audio), -1), sr, config.SAMPLE_RATE)
    plan = ChunkPlan(x.shape[0], config.CHUNK_SIZE, options.overlap)
    per_batch = max(1, options.batch_size // x.shape[1])
    mags = []
    for start in range(0, plan.n_chunks, per_batch):
        chunks = plan.chunks(x.T, start, min(start + per_batch, plan.n_chunks))
        mags.append(np.abs(sep.nsgt.forward(chunks.reshape(-1, plan.size), dtype=np.float32)))
    stems = options.stems

    def run():
        for m in mags:
            sep.models.predict(m, stems)
    return run


def main(argv):
    song, seconds, model, repeat = argv[0], float(argv[1]), argv[2], int(argv[3])
    from mixin_gui.audio.io import read_audio
    from mixin_gui.engine import Separator
    from mixin_gui.model.discovery import resolve_model_dir
    import mixin_gui

    audio, sr = read_audio(song)
    audio = audio[: int(seconds * sr)]
    mono = audio.mean(axis=1)
    sep = Separator(resolve_model_dir(None if model == "-" else model))
    sep.separate(audio[: 3 * sr], sr)                       # warm-up
    floor_mono, floor_stereo = network_alone(sep, mono, sr), network_alone(sep, audio, sr)
    out = {"code": os.path.dirname(mixin_gui.__file__), "model": str(sep.model_dir),
           "seconds": len(audio) / sr,
           "engine_mono": best(lambda: sep.separate(mono, sr), repeat),
           "engine_stereo": best(lambda: sep.separate(audio, sr), repeat),
           "network_mono": best(floor_mono, repeat),
           "network_stereo": best(floor_stereo, repeat)}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
