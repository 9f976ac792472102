"""Separation speed and memory, measured in one run so the ratios are comparable.

Prints, on ../shared/audio/lets_go_fishin.ogg (133 s, stereo) with the original models:
(a) the engine on the mono mixdown and on stereo, models already loaded;
(b) the whole ``mixin separate`` command (a fresh process, best of two runs: start-up, model
    loading, decode, separation, writing);
(c) the original MiXiN algorithm chunk by chunk (float64 NSGT, three ``predict`` calls and
    three inverses per chunk), as a whole command (best of two runs, like (b));
(d) librosa's median-filtering HPSS on the same mono signal, when librosa is installed;
and the peak RSS of ``mixin separate`` on a 10-minute stereo song.

(e) the peak RSS of the desktop app (offscreen, ``--self-test``) separating and exporting
the 133 s song;
every figure followed by the CPU it was measured on (model, cores, avx2 / avx512f).

Usage: python benchmarks/bench_separate.py [--skip-long] [--skip-gui]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SONG = SHARED / "audio" / "lets_go_fishin.ogg"
MODELS = SHARED / "reference" / "mixin-original-models"


def cpu_tag():
    """``[CPU model, n cores, avx2 yes/no, avx512f yes/no]`` from /proc/cpuinfo."""
    model, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
    except OSError:
        pass
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    have = ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in ("avx2", "avx512f"))
    return f"[{model}, {cores} cores, {have}]"


CPU = cpu_tag()


def say(text):
    print(f"{text}  {CPU}", flush=True)


def timed(fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def per_chunk_original(path, outdir):
    """The original xtract_mixin flow: load models, decode mono, loop chunks, write."""
    import keras
    import soundfile as sf

    from mixin_gui import config
    from mixin_gui.audio.io import read_audio
    from mixin_gui.dsp.nsgt import BarkNSGT

    models = [keras.models.load_model(MODELS / f"model_{s}.h5", compile=False)
              for s in config.STEMS]
    audio, sr = read_audio(path)
    x = audio.mean(axis=1).astype(np.float64)
    nsgt = BarkNSGT()
    size = config.CHUNK_SIZE
    n_chunks = int(np.ceil(len(x) / size))
    x = np.concatenate([x, np.zeros(n_chunks * size - len(x))])
    outs = [np.zeros_like(x) for _ in models]
    for i in range(n_chunks):
        seg = slice(i * size, (i + 1) * size)
        c = nsgt.forward(x[seg])
        mag = np.abs(c)[None, :, :, None]
        est = [m.predict(mag, verbose=0)[0, :, :, 0] for m in models]
        tot = sum(e ** 2 for e in est) + 1e-7
        for o, e in zip(outs, est):
            o[seg] = nsgt.inverse(e ** 2 / tot * c)
    for s, o in zip(config.STEMS, outs):
        sf.write(Path(outdir) / f"orig_{s}.wav", o, sr, subtype="FLOAT")
    return n_chunks


# Runs a command from a small process and prints its peak RSS: a child forked straight from
# this (large) process would count this process's pages in its own maximum.
_MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
            "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_measured(cmd, repeat=2):
    """Wall time (s, the best of ``repeat`` runs: the first may also pay for reading the
    libraries from disk) and peak RSS (MB, the largest) of a whole command."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _MEASURE, *map(str, cmd)], check=True,
                             capture_output=True, text=True).stdout
        best = min(best, time.perf_counter() - t)
        peak = max(peak, int(out.split()[-1]) / 1024)
    return best, peak


def cli_run(args, tmp):
    """``mixin separate`` as a fresh process: (seconds, peak RSS MB)."""
    return run_measured([sys.executable, "-m", "mixin_gui.cli", "separate", *map(str, args),
                         "--outdir", tmp, "--overwrite", "--pretrained-model-dir", MODELS])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-long", action="store_true", help="skip the 10-minute RSS run")
    ap.add_argument("--skip-gui", action="store_true", help="skip the desktop app's RSS run")
    ap.add_argument("--original", nargs=2, metavar=("SONG", "OUTDIR"),
                    help="only run the per-chunk original on SONG (used as a subprocess)")
    args = ap.parse_args()
    if args.original:
        per_chunk_original(*args.original)
        return
    if not SONG.is_file() or not MODELS.is_dir():
        sys.exit("needs ../shared/audio and ../shared/reference beside the checkout")

    from mixin_gui.audio.io import read_audio
    from mixin_gui.engine import Separator

    audio, sr = read_audio(SONG)
    dur = len(audio) / sr
    mono = audio.mean(axis=1)
    sep = Separator(MODELS)
    sep.separate(mono[: sr * 3], sr)  # warm-up: the runtime prepares its kernels
    t_mono = timed(lambda: sep.separate(mono, sr), repeat=2)
    t_stereo = timed(lambda: sep.separate(audio, sr), repeat=2)
    print(f"song: {SONG.name}, {dur:.1f} s, {audio.shape[1]} channels; CPU: {CPU}")
    say(f"(a) engine mono   {t_mono:6.2f} s  = {dur / t_mono:5.1f}x real time (target 30x)")
    say(f"(a) engine stereo {t_stereo:6.2f} s  = {dur / t_stereo:5.1f}x real time (target 15x)")

    with tempfile.TemporaryDirectory() as tmp:
        t_cli, rss_cli = cli_run([SONG], tmp)
        t_cli_mono, _ = cli_run([SONG, "--mono"], tmp)
        t_orig, rss_orig = run_measured([sys.executable, __file__, "--original", SONG, tmp])
        t0 = time.perf_counter()
        n_chunks = per_chunk_original(SONG, tmp)
        t_orig_loop = time.perf_counter() - t0
    say(f"(b) mixin separate (stereo stems)  {t_cli:6.2f} s, peak RSS {rss_cli:5.0f} MB")
    say(f"(b) mixin separate --mono          {t_cli_mono:6.2f} s")
    say(f"(c) per-chunk original as a command, mono, {n_chunks} chunks {t_orig:6.2f} s, "
          f"peak RSS {rss_orig:5.0f} MB")
    say(f"(c) per-chunk original, models loaded, in process {t_orig_loop:6.2f} s")
    say(f"    ratio original / mixin --mono   {t_orig / t_cli_mono:5.1f}x (target 8x)")
    say(f"    ratio original / mixin stereo   {t_orig / t_cli:5.1f}x")
    say(f"    ratio original loop / engine mono {t_orig_loop / t_mono:5.1f}x")
    try:
        import librosa
    except ImportError:
        say("(d) librosa not installed: HPSS baseline skipped")
    else:
        t_hpss = timed(lambda: librosa.effects.hpss(mono), repeat=1)
        say(f"(d) librosa.effects.hpss mono      {t_hpss:6.2f} s "
              f"(engine mono is {t_hpss / t_mono:4.1f}x faster)")

    if not args.skip_long:
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:
            long = Path(tmp) / "ten_minutes.flac"
            reps = int(np.ceil(600 * sr / len(audio)))
            sf.write(long, np.tile(audio, (reps, 1))[: 600 * sr], sr)
            t_long, peak = run_measured(
                [sys.executable, "-m", "mixin_gui.cli", "separate", long, "--outdir", tmp,
                 "--pretrained-model-dir", MODELS], repeat=1)
        say(f"10-minute stereo song: mixin separate {t_long:6.1f} s, peak RSS "
            f"{peak:6.0f} MB (target 800 MB)")

    if not args.skip_gui:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        with tempfile.TemporaryDirectory() as tmp:
            line = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "--self-test", "--model-dir",
                 MODELS, "--export-dir", tmp, SONG], check=True, capture_output=True,
                text=True).stdout.strip().splitlines()[-1]
        # e.g. "self-test: ok: ...; holds 685 MB (peak 878 MB)": the app reads its own RSS
        # once the song is separated, its stems exported and kept for listening.
        say(f"(e) desktop app, offscreen self-test on {SONG.name}: "
            f"{line.rsplit(';', 1)[-1].strip()} (target: holds at most 900 MB after one song)")


if __name__ == "__main__":
    main()
