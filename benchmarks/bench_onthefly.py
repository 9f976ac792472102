"""How fast the on-the-fly mixer (``training.onthefly.OnTheFlyMixes``) makes training batches.

Prints chunks (one model chunk, about 1 s of audio, each) per second over a number of
batches, with and without the background prefetch thread, and the process's CPU time over
wall time (2.0 means both cores of a 2-core machine busy).

Usage: python benchmarks/bench_onthefly.py STEM_DIR [STEM_DIR ...] [--batches 20]
       [--batch-size 8] [--real-extras]
"""

from __future__ import annotations

import argparse
import os
import time

from mixin_gui.training.onthefly import OnTheFlyMixes


def measure(mixes):
    wall, cpu = time.perf_counter(), time.process_time()
    n = sum(len(mix) for mix, _ in mixes)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return n / wall, cpu / wall


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stem_dirs", nargs="+")
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--real-extras", action="store_true",
                   help="add synthdata.realsources.training_extras() (real guitar stems)")
    args = p.parse_args()
    extra = None
    if args.real_extras:
        from mixin_gui.synthdata.realsources import training_extras
        extra = training_extras()
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} before the run")
    for prefetch in (0, 1):
        mixes = OnTheFlyMixes(args.stem_dirs, seed=0, batch_size=args.batch_size,
                              steps=args.batches, prefetch=prefetch, extra=extra)
        rate, busy = measure(mixes)
        print(f"prefetch={prefetch}: {rate:6.1f} chunks/s, CPU time / wall time {busy:.2f}")


if __name__ == "__main__":
    main()
