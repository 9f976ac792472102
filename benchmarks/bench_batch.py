"""Catalogue throughput: audio seconds separated per wall second, in one run, four ways.

On generated songs (``--files`` of ``--seconds`` each, stereo, 44.1 kHz; never the reserved
recordings), with the whole ``mixin separate`` command on a folder, each way in a fresh
output folder (so nothing is skipped):

1. in-process (no cluster);
2. ``--jobs 1`` (a local Dask cluster of one worker process);
3. ``--jobs 2``;
4. ``--scheduler`` on a scheduler and two ``dask worker`` processes started here
   (127.0.0.1 only).

Each is printed as audio s / wall s and as a ratio to in-process, with the per-file overhead
(how much longer a file takes than in-process, from the difference in wall time); then the
CPU it ran on. On 2 cores ``--jobs 2`` is near 1x: the engine already uses both cores.

Usage: python benchmarks/bench_batch.py [--files 20] [--seconds 30] [--model NAME|DIR]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_separate import cpu_tag  # noqa: E402

CLI = [sys.executable, "-m", "mixin_gui.cli", "separate"]
DASK = Path(sys.executable).parent / "dask"


def make_songs(folder, n, seconds):
    from mixin_gui.dsp.signals import demo_stems

    for i in range(n):
        mix = sum(demo_stems(seconds, seed=i).values()).astype(np.float32)
        sf.write(folder / f"song{i:02d}.wav", np.stack([mix, 0.9 * mix], 1), 44100)


def timed(argv):
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(argv)}\n{proc.stderr}")
    return time.perf_counter() - start


def start_cluster(work):
    sched_file = work / "scheduler.json"
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not sched_file.exists():
        time.sleep(0.1)
    time.sleep(0.3)
    for i in range(2):
        procs.append(subprocess.Popen([str(DASK), "worker", "--scheduler-file",
                                       str(sched_file), "--nthreads", "1", "--host",
                                       "127.0.0.1", "--no-dashboard", "--name", f"w{i}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    address = json.loads(sched_file.read_text())["address"]
    from distributed import Client

    with Client(address) as c:
        c.wait_for_workers(2, timeout=60)
    return address, procs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--model", default=None, help="model set name or folder (default set)")
    args = ap.parse_args()
    model = ["--model", args.model] if args.model else []
    with tempfile.TemporaryDirectory(prefix="mixin-bench-batch-") as tmp:
        work = Path(tmp)
        music = work / "music"
        music.mkdir()
        make_songs(music, args.files, args.seconds)
        audio = args.files * args.seconds
        address, procs = start_cluster(work)
        try:
            ways = [("in-process", []), ("--jobs 1", ["--jobs", "1"]),
                    ("--jobs 2", ["--jobs", "2"]), ("--scheduler, 2 workers",
                                                   ["--scheduler", address])]
            results = {}
            for label, extra in ways:
                out = work / f"out-{len(results)}"
                results[label] = timed([*CLI, str(music), "--outdir", str(out), *model,
                                        *extra])
        finally:
            for p in procs:
                p.terminate()
    base = results["in-process"]
    print(f"{args.files} files of {args.seconds:g} s, stereo ({audio / 60:.1f} min of audio)")
    for label, wall in results.items():
        overhead = (wall - base) / args.files
        print(f"  {label:<24} {wall:7.1f} s  {audio / wall:5.1f} audio s / s  "
              f"{base / wall:4.2f}x in-process  {overhead:+.2f} s per file")
    per_core_rate = audio / base / max(1, os.cpu_count())
    need = 10_000 * 240 / (8 * 3600) / per_core_rate
    print(f"projection: 10,000 songs of 4 min in one 8-hour night need about {need:.0f} cores "
          f"at this machine's {per_core_rate:.1f} audio s / s per core")
    print("CPU:", cpu_tag())


if __name__ == "__main__":
    main()
