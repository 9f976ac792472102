"""``mixin demo``, what ``make run`` starts from, end to end: the demo song, then its stems."""

import subprocess
import sys

import numpy as np
import soundfile as sf

from mixin_gui import config
from mixin_gui.cli import main


def test_demo_mix_only_writes_the_song_without_loading_tensorflow(tmp_path):
    # What `make run` does before it opens the window on demo-output/demo_mix.wav.
    code = ("import sys; from mixin_gui.cli.app import main; "
            f"rc = main(['demo', '--mix-only', '--outdir', {str(tmp_path)!r}]); "
            "print('tensorflow' in sys.modules); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("False")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_mix.wav"]
    info = sf.info(tmp_path / "demo_mix.wav")
    assert (info.samplerate, info.channels) == (config.SAMPLE_RATE, 2)
    assert info.duration == 8.0


def test_demo_separates_its_song_with_the_shipped_models(tmp_path, capsys):
    # No --pretrained-model-dir: the models `mixin demo` and `make run` use by default.
    assert main(["demo", "--outdir", str(tmp_path), "--duration", "3"]) == 0
    out = capsys.readouterr().out
    assert "pretrained-models" in out and "wrote demo_mix_harmonic.wav" in out
    mix, sr = sf.read(tmp_path / "demo_mix.wav", dtype="float32")
    stems = {s: sf.read(tmp_path / f"demo_mix_{s}.wav", dtype="float32") for s in config.STEMS}
    for name, (y, rate) in stems.items():
        assert rate == sr and y.shape == mix.shape, name
    total = sum(y.astype(np.float64) for y, _ in stems.values())
    rms = np.sqrt(np.mean(mix.astype(np.float64) ** 2))
    assert np.sqrt(np.mean((total - mix) ** 2)) < 1e-4 * rms    # the stems share out the mix
    # The drums go to the percussive stem and the chords mostly elsewhere: not silent, and
    # not one stem holding everything.
    energy = {s: float(np.sum(y.astype(np.float64) ** 2)) for s, (y, _) in stems.items()}
    assert energy["percussive"] > 0.05 * sum(energy.values())
    assert energy["harmonic"] > 0.05 * sum(energy.values())
    # A second run replaces its own files (the demo always overwrites its outputs).
    assert main(["demo", "--outdir", str(tmp_path), "--duration", "3"]) == 0
