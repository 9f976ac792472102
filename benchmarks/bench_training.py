"""Training pipeline cost: prepare-stems + create-hdf5 per hour of audio, and one epoch.

Generates synthetic MUSDB-style stereo tracks (``demo_stems``), then runs each step as its
own process so its peak RSS is its own (``os.wait4``):

(a) ``mixin train prepare-stems`` (30 s segments) and (b) ``mixin train create-hdf5``: wall
    time, peak RSS and HDF5 size, extrapolated linearly to one hour of source audio (both
    steps stream track by track, so time and size scale with hours and memory does not);
(c) one training epoch of the percussive CDAE over the training pairs (second epoch timed,
    the first includes graph tracing), scaled to 1000 chunks, with its peak RSS.

Usage: python benchmarks/bench_training.py [--tracks 5] [--seconds 60] [--batch-size 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

EPOCH_SCRIPT = """
import json, sys, time
from mixin_gui.model.cdae import build_cdae, compile_cdae, keras
from mixin_gui.training.dataset import MagnitudeBatches

data, batch = sys.argv[1], int(sys.argv[2])
ds = MagnitudeBatches(data, "percussive", "train", batch_size=batch, shuffle=True)
times = []

class Clock(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.t)

model = compile_cdae(build_cdae())
model.fit(ds, epochs=2, verbose=0, callbacks=[Clock()])
print(json.dumps({"pairs": ds.n_pairs, "epoch_s": times[-1], "first_epoch_s": times[0]}))
"""


def make_tracks(root, n_tracks, seconds):
    from mixin_gui.dsp.signals import demo_stems

    for i in range(n_tracks):
        folder = root / f"track{i:02d}"
        folder.mkdir(parents=True)
        s = demo_stems(seconds, seed=i, bpm=80 + 9 * i)
        for name, sig in (("drums", s["percussive"]), ("bass", 0.4 * s["harmonic"]),
                          ("other", 0.6 * s["harmonic"]), ("vocals", s["vocal"])):
            sf.write(folder / f"{name}.wav", np.stack([sig, 0.9 * sig], 1), 44100,
                     subtype="PCM_24")


def run_measured(argv):
    """Run a command; returns (wall seconds, peak RSS in MiB, stdout)."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_maxrss / 1024, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=60.0, help="seconds per track")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--make-tracks", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make_tracks:
        return make_tracks(Path(args.make_tracks), args.tracks, args.seconds)
    mixin = [sys.executable, "-m", "mixin_gui.cli"]
    with tempfile.TemporaryDirectory(prefix="mixin-bench-train-") as tmp:
        tmp = Path(tmp)
        # Generated in a child process: a child forked from a big parent would count the
        # parent's pages in its own peak RSS.
        subprocess.run([sys.executable, __file__, "--make-tracks", str(tmp / "stems"),
                        "--tracks", str(args.tracks), "--seconds", str(args.seconds)],
                       check=True)
        hours = args.tracks * args.seconds / 3600
        data = tmp / "data"
        t_prep, rss_prep, _ = run_measured(mixin + [
            "train", "prepare-stems", "--stem-dirs", str(tmp / "stems"),
            "--data-dir", str(data), "--segment-duration", "30"])
        t_h5, rss_h5, _ = run_measured(mixin + ["train", "create-hdf5", "--data-dir",
                                                str(data)])
        size = sum(p.stat().st_size for p in data.glob("*.hdf5"))
        t_ep, rss_ep, out = run_measured([sys.executable, "-c", EPOCH_SCRIPT, str(data),
                                          str(args.batch_size)])
        epoch = json.loads(out.strip().splitlines()[-1])
    cores = os.cpu_count()
    print(f"audio: {args.tracks} tracks x {args.seconds:.0f} s = {hours * 60:.1f} min "
          f"(stereo, with vocals), {cores} cores")
    print(f"prepare-stems : {t_prep:7.1f} s  -> {t_prep / hours / 60:6.1f} min per hour "
          f"of audio, peak RSS {rss_prep:6.0f} MiB")
    print(f"create-hdf5   : {t_h5:7.1f} s  -> {t_h5 / hours / 60:6.1f} min per hour "
          f"of audio, peak RSS {rss_h5:6.0f} MiB")
    print(f"HDF5 size     : {size / 2**20:7.1f} MiB -> {size / hours / 1e9:6.2f} GB per hour "
          f"of audio (all three stems + mix)")
    per_1000 = epoch["epoch_s"] / epoch["pairs"] * 1000
    print(f"training epoch: {epoch['epoch_s']:7.1f} s for {epoch['pairs']} chunks "
          f"(batch {args.batch_size}) -> {per_1000 / 60:6.1f} min per 1000 chunks, "
          f"peak RSS {rss_ep:6.0f} MiB (first epoch {epoch['first_epoch_s']:.1f} s)")


if __name__ == "__main__":
    main()
