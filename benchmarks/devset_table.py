"""Median SDR per kind of track of the real dev set (``mixin train devset``), per method.

The dev set's kinds score different things (see ``synthdata/devset.py``): ``fof`` only the
accompaniment (what a model wrongly moves into its vocal stem), ``speech-fof`` vocal and
accompaniment, ``piano`` harmonic and percussive, ``speech-piano`` all three. An overall
median over kinds would mix those, so this prints them apart, then the medians of each stem
over every track that scores it.

Usage: python benchmarks/devset_table.py scores.json   (from mixin evaluate --json)
"""

from __future__ import annotations

import json
import sys

import numpy as np

KINDS = ("speech-piano", "speech-fof", "piano", "fof")  # longest prefix first


def kind_of(track):
    return next((k for k in KINDS if track.startswith(k)), "other")


def table(results):
    rows = {}
    for method, per in results.items():
        for track, stems in per.items():
            for stem, scores in stems.items():
                if scores["SDR"] is not None:
                    rows.setdefault((kind_of(track), stem), {}).setdefault(method, []).append(
                        scores["SDR"])
                    rows.setdefault(("all", stem), {}).setdefault(method, []).append(
                        scores["SDR"])
    methods = list(results)
    lines = [f"{'kind':<13} {'stem':<14}" + "".join(f"{m[:22]:>24}" for m in methods)]
    for (kind, stem), per in sorted(rows.items()):
        cells = "".join(f"{np.median(per[m]):>17.2f} (n={len(per[m]):2d})" if m in per
                        else f"{'-':>24}" for m in methods)
        lines.append(f"{kind:<13} {stem:<14}{cells}")
    return "\n".join(lines)


if __name__ == "__main__":
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    if not all(isinstance(v, dict) and all(isinstance(x, dict) for x in v.values())
               for v in data.values()) or "SDR" in next(iter(next(iter(data.values())).values())):
        data = {"model": data}  # one method: {track: {stem: scores}}
    print(table(data))
