"""Catalogue runs on a real Dask cluster: a ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, started here, and ``mixin separate --scheduler`` / ``--jobs``.

Skipped where Dask is not installed (``pip install -e '.[cluster]'``; ``make setup`` does it).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("distributed", reason="Dask is not installed: pip install -e '.[cluster]'")

from mixin_gui.batch.manifest import MANIFEST_NAME  # noqa: E402
from mixin_gui.dsp.signals import demo_stems  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).parent / "dask"
CLI = [sys.executable, "-m", "mixin_gui.cli", "separate"]
STEMS = ("harmonic", "percussive", "vocal")
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}


def _start_worker(scheduler_file, name):
    return subprocess.Popen([str(DASK), "worker", "--scheduler-file", str(scheduler_file),
                             "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
                             "--no-dashboard", "--name", name],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)


def _wait_workers(address, n, timeout=90):
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A real scheduler and two single-threaded workers, on the loopback only."""
    work = tmp_path_factory.mktemp("dask")
    sched_file = work / "scheduler.json"
    scheduler = subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(sched_file)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    deadline = time.monotonic() + 60
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.2)
    address = json.loads(sched_file.read_text())["address"]
    assert address.startswith("tcp://127.0.0.1:")
    state = {"address": address, "file": sched_file,
             "workers": [_start_worker(sched_file, f"w{i}") for i in range(2)]}
    _wait_workers(address, 2)
    yield state
    for p in [*state["workers"], scheduler]:
        p.send_signal(signal.SIGTERM)
    for p in [*state["workers"], scheduler]:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def _songs(folder, n, seconds):
    mixes = {}
    for i in range(n):
        mix = sum(demo_stems(seconds).values()).astype(np.float32) * (0.3 + 0.1 * i)
        path = folder / f"song{i}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, np.stack([mix, 0.8 * mix], 1), 44100, subtype="FLOAT")
        mixes[f"song{i}"] = np.stack([mix, 0.8 * mix], 1)
    return mixes


def _records(out):
    return [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()]


def test_a_folder_on_the_cluster_one_file_corrupt(cluster, tmp_path, original_models):
    music = tmp_path / "music"
    mixes = _songs(music, 5, 2.0)
    (music / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(64))
    out = tmp_path / "out"
    proc = subprocess.run([*CLI, str(music), "--outdir", str(out), "--model",
                           str(original_models), "--scheduler", cluster["address"]],
                          capture_output=True, text=True, timeout=180, env=ENV)
    assert proc.returncode == 1, proc.stderr
    assert "corrupt.wav" in proc.stderr and "Traceback" not in proc.stderr
    status = {Path(r["input"]).name: r for r in _records(out)}
    assert sorted(n for n, r in status.items() if r["status"] == "done") == [
        f"song{i}.wav" for i in range(5)]
    assert status["corrupt.wav"]["status"] == "failed"
    assert "corrupt.wav" in status["corrupt.wav"]["error"]
    for name, mix in mixes.items():
        total = sum(sf.read(out / f"{name}_{s}.wav", dtype="float32")[0] for s in STEMS)
        assert total.shape == mix.shape
        assert np.sqrt(np.mean((total - mix) ** 2) / np.mean(mix ** 2)) < 0.05
    # a rerun separates nothing (the corrupt file is retried and fails again)
    again = subprocess.run([*CLI, str(music), "--outdir", str(out), "--model",
                            str(original_models), "--scheduler", cluster["address"]],
                           capture_output=True, text=True, timeout=180, env=ENV)
    assert "skipped 5 inputs" in again.stderr and again.stdout == ""
    assert len(_records(out)) == 6 + 1


def test_a_worker_killed_mid_run_loses_no_file(cluster, tmp_path, original_models):
    music = tmp_path / "music"
    _songs(music, 5, 12.0)
    out = tmp_path / "out"
    proc = subprocess.Popen([*CLI, str(music), "--outdir", str(out), "--model",
                             str(original_models), "--scheduler", cluster["address"]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / MANIFEST_NAME).exists() and _records(out):
            break
        time.sleep(0.05)
    victim = cluster["workers"].pop(0)
    victim.send_signal(signal.SIGKILL)            # mid-file: its task must be rescheduled
    victim.wait(timeout=20)
    stdout, stderr = proc.communicate(timeout=240)
    cluster["workers"].append(_start_worker(cluster["file"], "w-new"))
    assert proc.returncode == 0, stderr
    assert sorted(Path(r["input"]).name for r in _records(out) if r["status"] == "done") == [
        f"song{i}.wav" for i in range(5)]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    _wait_workers(cluster["address"], 2)


def test_local_jobs_give_the_in_process_stems(tmp_path, original_models):
    music = tmp_path / "music"
    _songs(music, 2, 2.0)
    runs = {}
    for label, extra in (("inproc", []), ("jobs", ["--jobs", "2"])):
        out = tmp_path / label
        proc = subprocess.run([*CLI, str(music), "--outdir", str(out), "--model",
                               str(original_models), *extra],
                              capture_output=True, text=True, timeout=180, env=ENV)
        assert proc.returncode == 0, proc.stderr
        runs[label] = out
    for i in range(2):
        for s in STEMS:
            a = sf.read(runs["inproc"] / f"song{i}_{s}.wav", dtype="float32")[0]
            b = sf.read(runs["jobs"] / f"song{i}_{s}.wav", dtype="float32")[0]
            np.testing.assert_allclose(a, b, atol=1e-5)
