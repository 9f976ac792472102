"""Vocal SDR and where the voice goes, per group of the vocal dev set, model sets side by side.

The vocal dev set (``mixin train vocal-devset --out DIR``) has three groups: ``produced``
(a lead well under a produced band), ``held`` (held notes over strings) and ``choir`` (voices
in harmony over a piano trio), sung by held-out voices. Each track is separated mono (the
mix's mean) and stereo (each set's recommended Wiener steps, as the CLI runs it) and scored:

* ``vocal SDR``: BSSv4, median over 1 s windows (``mixin evaluate``'s scoring), and the
  other stems the track has (harmonic, percussive, or the accompaniment);
* ``->vocal`` / ``->harmonic``: the projection ``<est_stem, ref_vocal> / <ref_vocal,
  ref_vocal>`` of the true vocal on that estimated stem (1 when all of the voice is there).

Per group and mode the table shows the mean over the group's tracks, then the mean over the
three groups (the issue's acceptance figure), and each set's difference from the first.

Usage: python benchmarks/vocal_conditions.py DEVSET_DIR MODEL_DIR [MODEL_DIR ...]
       [--modes mono,stereo] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def score_track(method, track, mono):
    from mixin_gui import config
    from mixin_gui.training.evaluate import _accompaniment_pair, bss_scores
    from mixin_gui.training.multitrack import load_track

    refs = load_track(track, channels="mono" if mono else "keep", accompaniment=True)
    est = method(refs["mix"], config.SAMPLE_RATE)
    voc = refs["vocal"].astype(np.float64)
    energy = max(float(np.sum(voc * voc)), 1e-20)
    shares = {f"->{s}": float(np.sum(est[s].astype(np.float64) * voc) / energy) for s in est}
    if track.accompaniment:
        refs_, est_ = _accompaniment_pair(refs, est, method.stems)
    else:
        refs_, est_ = refs, est
    stems = [s for s in refs_ if s in est_ and s != "mix" and np.any(refs_[s])]
    sdr = bss_scores({s: refs_[s] for s in stems}, {s: est_[s] for s in stems})
    return {**{f"{s} SDR": sdr[s]["SDR"] for s in stems}, **shares}


def group_of(name):
    return name.split("-")[0]


def run(devset, model_dirs, modes):
    from mixin_gui.training.evaluate import _ModelMethod, method_labels
    from mixin_gui.training.multitrack import find_tracks

    tracks = find_tracks([devset])
    labels = method_labels(model_dirs)
    results = {}
    for label, model_dir in zip(labels, model_dirs):
        method = _ModelMethod(model_dir)
        for mode in modes:
            t0 = time.perf_counter()
            for track in tracks:
                results.setdefault(label, {}).setdefault(mode, {})[track.name] = score_track(
                    method, track, mode == "mono")
            print(f"# {label} {mode}: {len(tracks)} tracks in {time.perf_counter() - t0:.0f} s",
                  flush=True)
    return results


def table(results):
    labels = list(results)
    modes = list(results[labels[0]])
    lines = []
    metrics = ["vocal SDR", "->vocal", "->harmonic", "harmonic SDR", "percussive SDR",
               "accompaniment SDR"]
    head = f"{'group':<10}{'mode':<8}{'metric':<19}" + "".join(f"{l[:14]:>15}" for l in labels)
    head += "".join(f"{'d ' + l[:12]:>15}" for l in labels[1:])
    lines.append(head)
    for mode in modes:
        per_group = {}
        for metric in metrics:
            for group in ("produced", "held", "choir", "mean"):
                vals = []
                for label in labels:
                    rows = results[label][mode]
                    if group == "mean":
                        gs = [np.mean([r[metric] for n, r in rows.items()
                                       if group_of(n) == g and metric in r])
                              for g in ("produced", "held", "choir")
                              if any(group_of(n) == g and metric in r for n, r in rows.items())]
                        vals.append(float(np.mean(gs)) if len(gs) == 3 else None)
                    else:
                        v = [r[metric] for n, r in rows.items()
                             if group_of(n) == group and metric in r]
                        vals.append(float(np.mean(v)) if v else None)
                if vals[0] is None:
                    continue
                per_group[(group, metric)] = vals
                cells = "".join(f"{v:>15.2f}" for v in vals)
                cells += "".join(f"{v - vals[0]:>+15.2f}" for v in vals[1:])
                lines.append(f"{group:<10}{mode:<8}{metric:<19}{cells}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("devset", type=Path)
    ap.add_argument("model_dirs", nargs="+")
    ap.add_argument("--modes", default="mono,stereo")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    results = run(args.devset, args.model_dirs, args.modes.split(","))
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
