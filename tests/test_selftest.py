"""The app's --self-test from source: what the frozen bundle's smoke test runs."""

import os
import subprocess
import sys

import numpy as np
import soundfile as sf

from mixin_gui.dsp.signals import demo_stems
from tests.conftest import ROOT


def test_self_test_separates_and_exports(tmp_path, original_models):
    song = tmp_path / "self test.wav"
    mix = sum(demo_stems(2.0).values())
    sf.write(song, np.stack([mix, mix], 1), 44100)
    out = tmp_path / "stems"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--self-test",
                           "--export-dir", str(out), "--model-dir", str(original_models),
                           str(song)], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "self-test: ok" in proc.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["self test_harmonic.wav", "self test_percussive.wav",
                     "self test_vocal.wav"]
    assert sf.info(out / names[0]).frames == len(mix)


def test_self_test_fails_on_a_broken_file(tmp_path, original_models):
    bad = tmp_path / "broken.wav"
    bad.write_text("not audio")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--self-test",
                           "--model-dir", str(original_models), str(bad)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 1 and "broken.wav" in proc.stderr
