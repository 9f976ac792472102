"""How much of a song's voice a model set's vocal stem keeps, by kind of voice.

For each generated song (a folder from ``mixin train synth``, with ``synth.json``) that has a
voice, the mono mix is separated and the vocal stem compared with the true vocal:

* gain: the projection ``<est, ref> / <ref, ref>`` (1 when all of the voice is there, at its
  level; well below 1 when the stem keeps only part of it);
* corr: the correlation of the two signals (how alike they are, whatever the level).

Then the median gain per voice engine (festival / espeak / gcin) and delivery (sung or
spoken). A low gain with a fair correlation means the stem is right but too quiet: the
network gives the voice too small a share of the bins it sits in.

Usage: python benchmarks/vocal_recall.py MODEL_DIR SONG_DIR [SONG_DIR ...]
       (a SONG_DIR holding song folders is searched one level down)
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np


def songs(paths):
    for p in map(Path, paths):
        if (p / "synth.json").is_file():
            yield p
        else:
            yield from sorted(q for q in p.iterdir() if (q / "synth.json").is_file())


def voice_kind(voice):
    """``'festival sung'``, ``'espeak spoken'``, ...; None for a song without a voice."""
    if not voice or voice == "none":
        return None
    return f"{voice.split(':')[0]} {'spoken' if voice.endswith(':spoken') else 'sung'}"


def recall(separator, song):
    import soundfile as sf

    mix, sr = sf.read(str(song / "mixture.wav"), dtype="float32", always_2d=True)
    ref, _ = sf.read(str(song / "vocals.wav"), dtype="float32", always_2d=True)
    est = separator.separate(mix.mean(axis=1), sr)["vocal"]
    ref = ref.mean(axis=1).astype(np.float64)
    n = min(len(est), len(ref))
    est, ref = est[:n].astype(np.float64), ref[:n]
    gain = float(np.dot(est, ref) / max(np.dot(ref, ref), 1e-20))
    corr = float(np.dot(est, ref) / max(np.linalg.norm(est) * np.linalg.norm(ref), 1e-20))
    return gain, corr


def main(argv):
    from mixin_gui.engine import Separator

    if len(argv) < 2:
        sys.exit(__doc__)
    separator = Separator(argv[0])
    by_kind = defaultdict(list)
    for song in songs(argv[1:]):
        meta = json.loads((song / "synth.json").read_text())
        kind = voice_kind(meta.get("voice"))
        if kind is None:
            continue
        gain, corr = recall(separator, song)
        by_kind[kind].append(gain)
        layers = "+".join(meta.get("vocal_layers", []))
        print(f"{song.name:<28}{meta['voice']:<40}{layers:<22}gain {gain:5.2f}  corr {corr:5.2f}",
              flush=True)
    print()
    for kind, gains in sorted(by_kind.items()):
        print(f"{kind:<20} {len(gains):3d} songs  median gain {np.median(gains):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
