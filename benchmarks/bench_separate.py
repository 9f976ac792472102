"""Separation speed and memory, measured in one run so the ratios are comparable.

Prints, on ../shared/audio/lets_go_fishin.ogg (133 s, stereo), with the default model set
(or ``--model NAME|DIR``), best of ``--repeat`` runs:

(a) the engine on the mono mixdown and on stereo, models already loaded, beside the
    networks alone on the same chunks (the floor no numpy work can go below), and how close
    the engine is to it;
(b) the whole ``mixin separate`` command, stereo and ``--mono`` (a fresh process: start-up,
    model loading, decode, separation, writing);
with ``--baseline REV``, the same for the code at git revision REV, checked out in a worktree
(``/tmp/mixin-baseline-REV``) and run with the same interpreter and packages but its own code
first on the path (each run checks which code it ran); the two trees' runs alternate, and
the ratios are printed;
(c) the original MiXiN algorithm chunk by chunk (float64 NSGT, three ``predict`` calls and
    three inverses per chunk, the original models), as a whole command, against (b);
(d) librosa's median-filtering HPSS on the same mono signal, when librosa is installed;
and the peak RSS of ``mixin separate`` on a 10-minute stereo song, and (e) of the desktop app
(offscreen, ``--self-test``) separating and exporting the 133 s song. Every run prints the
CPU (model, cores, the instruction sets that matter) and the thread settings.

Usage: python benchmarks/bench_separate.py [--model NAME|DIR] [--baseline REV] [--repeat N]
       [--skip-original] [--skip-long] [--skip-gui]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_probe import best  # noqa: E402  (the same folder)

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
    have = ", ".join(f"{f} {'yes' if f in flags else 'no'}"
                     for f in ("avx2", "fma", "avx512f", "avx512_vnni"))
    return f"[{model}, {cores} cores, {have}]"


CPU = cpu_tag()


def say(text):
    print(f"{text}  {CPU}", flush=True)


def timed(fn, repeat=1):
    """Best of ``repeat`` runs, in seconds (speed_probe's timer: one rule for both trees)."""
    return best(fn, repeat)


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
    fastest, peak = float("inf"), 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _MEASURE, *map(str, cmd)], check=True,
                             capture_output=True, text=True).stdout
        fastest = min(fastest, time.perf_counter() - t)
        peak = max(peak, int(out.split()[-1]) / 1024)
    return fastest, peak


def thread_settings():
    """The thread counts this run uses, in words."""
    import os

    from mixin_gui.dsp import nsgt
    from mixin_gui.model import runtime

    ort = os.environ.get("MIXIN_ORT_THREADS", runtime.DEFAULT_THREADS)
    env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "MKL_NUM_THREADS") if k in os.environ}
    return (f"threads: ONNX Runtime intra-op {ort}, scipy.fft workers {nsgt.FFT_WORKERS}, "
            f"engine pipeline 2 stages" + (f", {env}" if env else ""))


def worktree(rev):
    """A git worktree of ``rev`` in /tmp (made once, reused), its path."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], check=True,
                         capture_output=True, text=True).stdout.strip()
    path = Path(tempfile.gettempdir()) / f"mixin-baseline-{sha}"
    if not (path / "mixin_gui").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force",
                        str(path), sha], check=True, capture_output=True)
    return path


def tree_env(tree):
    import os

    return {**os.environ, "PYTHONPATH": str(tree)}


def probe(tree, seconds, model, repeat=1):
    """The engine's times for the code in ``tree`` (speed_probe.py in a fresh process)."""
    import json

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "speed_probe.py"),
                          str(SONG), str(seconds), model or "-", str(repeat)], check=True,
                         capture_output=True, text=True, cwd=tree, env=tree_env(tree))
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if Path(result["code"]).resolve() != (Path(tree) / "mixin_gui").resolve():
        sys.exit(f"the run for {tree} used the code in {result['code']}")
    return result


def cli_time(tree, extra, model):
    """``mixin separate`` of the song by the code in ``tree``, a fresh output folder: s."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "mixin_gui.cli", "separate", str(SONG), "--outdir", tmp,
               *extra, *(["--model", model] if model else [])]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=tree, env=tree_env(tree))
        return time.perf_counter() - t


def compare_trees(trees, model, repeat, seconds):
    """Runs of every tree, alternating, best of ``repeat``: ``{label: {measure: s}}``."""
    best = {label: {} for label in trees}
    for _ in range(repeat):
        for label, tree in trees.items():
            row = probe(tree, seconds, model)
            row["cli_stereo"] = cli_time(tree, [], model)
            row["cli_mono"] = cli_time(tree, ["--mono"], model)
            for key, value in row.items():
                if isinstance(value, float) and key != "seconds":
                    best[label][key] = min(best[label].get(key, float("inf")), value)
            best[label]["seconds"] = row["seconds"]
    return best


def report_trees(best, song_seconds):
    for label, b in best.items():
        dur = b["seconds"]
        say(f"[{label}] (a) engine mono   {b['engine_mono']:6.2f} s = "
            f"{dur / b['engine_mono']:5.1f}x real time; networks alone "
            f"{b['network_mono']:5.2f} s = {dur / b['network_mono']:5.1f}x "
            f"(the engine takes {b['engine_mono'] / b['network_mono']:4.2f}x the floor)")
        say(f"[{label}] (a) engine stereo {b['engine_stereo']:6.2f} s = "
            f"{dur / b['engine_stereo']:5.1f}x real time; networks alone "
            f"{b['network_stereo']:5.2f} s = {dur / b['network_stereo']:5.1f}x "
            f"(the engine takes {b['engine_stereo'] / b['network_stereo']:4.2f}x the floor)")
        say(f"[{label}] (b) mixin separate stereo {b['cli_stereo']:6.2f} s = "
            f"{song_seconds / b['cli_stereo']:5.1f}x real time; --mono {b['cli_mono']:6.2f} s "
            f"= {song_seconds / b['cli_mono']:5.1f}x")
    if len(best) == 2:
        (a, ta), (b, tb) = best.items()
        for key, words in (("cli_stereo", "mixin separate stereo"),
                           ("cli_mono", "mixin separate --mono"),
                           ("engine_stereo", "engine stereo"), ("engine_mono", "engine mono"),
                           ("network_stereo", "networks alone, stereo")):
            say(f"    {words}: {a} is {tb[key] / ta[key]:4.2f}x as fast as {b}")


def compare_original(audio, sr, ours):
    """(c) and (d): the original per-chunk algorithm and librosa's HPSS against ``ours``
    (this tree's best times)."""
    t_cli_mono, t_mono = ours["cli_mono"], ours["engine_mono"]
    mono = audio.mean(axis=1)
    with tempfile.TemporaryDirectory() as tmp:
        t_orig, rss_orig = run_measured([sys.executable, __file__, "--original", SONG, tmp])
        t0 = time.perf_counter()
        n_chunks = per_chunk_original(SONG, tmp)
        t_orig_loop = time.perf_counter() - t0
    say(f"(c) per-chunk original as a command, mono, {n_chunks} chunks {t_orig:6.2f} s, "
        f"peak RSS {rss_orig:5.0f} MB")
    say(f"(c) per-chunk original, models loaded, in process {t_orig_loop:6.2f} s")
    say(f"    ratio original / mixin --mono   {t_orig / t_cli_mono:5.1f}x (target 8x)")
    say(f"    ratio original loop / engine mono {t_orig_loop / t_mono:5.1f}x")
    try:
        import librosa
    except ImportError:
        say("(d) librosa not installed: HPSS baseline skipped")
    else:
        t_hpss = timed(lambda: librosa.effects.hpss(mono), repeat=1)
        say(f"(d) librosa.effects.hpss mono      {t_hpss:6.2f} s "
              f"(engine mono is {t_hpss / t_mono:4.1f}x faster)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="model set name or folder (default set)")
    ap.add_argument("--baseline", metavar="REV", default=None,
                    help="also time the code at this git revision, alternating runs")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measure (best is kept)")
    ap.add_argument("--skip-original", action="store_true",
                    help="skip the per-chunk original and librosa's HPSS")
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

    import soundfile as sf

    song_seconds = sf.info(str(SONG)).duration
    print(f"song: {SONG.name}, {song_seconds:.1f} s; CPU: {CPU}; {thread_settings()}",
          flush=True)
    trees = {"this tree": ROOT}
    if args.baseline:
        trees[f"baseline {args.baseline}"] = worktree(args.baseline)
    best = compare_trees(trees, args.model, args.repeat, song_seconds)
    report_trees(best, song_seconds)
    from mixin_gui.audio.io import read_audio

    audio, sr = read_audio(SONG)
    if not args.skip_original:
        compare_original(audio, sr, best["this tree"])
    if not args.skip_long:
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:
            long = Path(tmp) / "ten_minutes.flac"
            reps = int(np.ceil(600 * sr / len(audio)))
            sf.write(long, np.tile(audio, (reps, 1))[: 600 * sr], sr)
            t_long, peak = run_measured(
                [sys.executable, "-m", "mixin_gui.cli", "separate", long, "--outdir", tmp,
                 *(["--model", args.model] if args.model else [])], repeat=1)
        say(f"10-minute stereo song: mixin separate {t_long:6.1f} s, peak RSS "
            f"{peak:6.0f} MB (target 800 MB)")

    if not args.skip_gui:
        import os

        from mixin_gui.model.discovery import resolve_model_dir

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        with tempfile.TemporaryDirectory() as tmp:
            line = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), "--self-test",
                 "--model-dir", resolve_model_dir(args.model),
                 "--export-dir", tmp, SONG], check=True, capture_output=True,
                text=True).stdout.strip().splitlines()[-1]
        # e.g. "self-test: ok: ...; holds 685 MB (peak 878 MB)": the app reads its own RSS
        # once the song is separated, its stems exported and kept for listening.
        say(f"(e) desktop app, offscreen self-test on {SONG.name}: "
            f"{line.rsplit(';', 1)[-1].strip()} (target: holds at most 900 MB after one song)")


if __name__ == "__main__":
    main()
