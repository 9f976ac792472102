"""Smoke test of the frozen PyInstaller bundle (its own lane: `make smoke`).

Runs what a user of the unpacked folder would: the CLI's version, models and separate
commands, and the GUI executable headless with --self-test (open the window, load a file,
separate it, export the stems, exit 0). Any import or Qt-plugin failure in the output fails
the test even when the exit status is 0.
"""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixin_gui import __version__, config
from mixin_gui.dsp.signals import demo_stems

pytestmark = pytest.mark.bundle

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "MiXiN"
CLI = BUNDLE / "mixin-cli"
GUI = BUNDLE / "MiXiN"
ORIGINAL = ROOT.parent / "shared" / "reference" / "mixin-original-models"
BAD_MARKERS = ("ImportError", "ModuleNotFoundError", "Traceback",
               "Could not find the Qt platform plugin", "could not load the Qt platform plugin")


@pytest.fixture(scope="module", autouse=True)
def bundle():
    if not CLI.is_file() or not GUI.is_file():
        pytest.skip("no bundle in dist/MiXiN: run `make dist` first")


def run(cmd, **kw):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=600, env=env, **kw)
    out = proc.stdout + proc.stderr
    for marker in BAD_MARKERS:
        assert marker not in out, out[-3000:]
    return proc


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    path = tmp_path_factory.mktemp("bundle") / "smoke song.wav"
    mix = sum(demo_stems(3.0).values())
    sf.write(path, np.stack([mix, mix], 1), 44100)
    return path


def model_dir():
    bundled = BUNDLE / "_internal" / "pretrained-models"
    if len(list(bundled.glob("model_*.keras"))) == len(config.STEMS):
        return None
    if not ORIGINAL.is_dir():
        pytest.skip("no bundled models and no ../shared original models")
    return ORIGINAL


def test_cli_version():
    proc = run([CLI, "--version"])
    assert proc.returncode == 0 and proc.stdout.strip() == f"mixin {__version__}"


def test_cli_models():
    models = model_dir()
    if models is None:          # the bundled set: listed by name, then validated by name
        listing = run([CLI, "models"])
        assert listing.returncode == 0, listing.stdout + listing.stderr
        from mixin_gui.model.discovery import DEFAULT_SET, TOP_SET, model_sets

        default = DEFAULT_SET if DEFAULT_SET in model_sets() else TOP_SET
        assert f"{default} (default): ok" in listing.stdout
    proc = run([CLI, "models", models or "cdae"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all models ok" in proc.stdout


def test_cli_separate(song, tmp_path):
    models = model_dir()
    extra = ["--pretrained-model-dir", models] if models else []
    proc = run([CLI, "separate", song, "--outdir", tmp_path, *extra])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_three_stems(tmp_path, song)


def assert_three_stems(folder, song):
    """Every stem of ``song`` is in ``folder``: the input's length and channels, not silent."""
    want = sf.info(song)
    for stem in config.STEMS:
        (path,) = folder.glob(f"smoke song*{stem}.*")
        y, sr = sf.read(path, dtype="float32")
        assert y.shape == (want.frames, want.channels) and sr == want.samplerate, stem
        assert np.sqrt(np.mean(y ** 2)) > 1e-4, f"{stem} stem is silent"


def test_cli_train_says_training_needs_the_python_install():
    proc = run([CLI, "train", "fit", "--data-dir", "nowhere"])
    assert proc.returncode == 1
    message = proc.stderr.strip()
    assert "Python install" in message and len(message.splitlines()) == 1


def test_gui_self_test(song, tmp_path):
    models = model_dir()
    extra = ["--model-dir", models] if models else []
    proc = run([GUI, "--self-test", "--export-dir", tmp_path, *extra, song])
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert_three_stems(tmp_path, song)
