"""The setup scripts: what they say where they cannot do their job."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_apt_install_says_loudly_that_nothing_was_installed_off_debian(tmp_path):
    # A PATH with bash but no dpkg-query: the script's view of a non-Debian system.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "bash").symlink_to(shutil.which("bash"))
    proc = subprocess.run(
        [str(bin_dir / "bash"), str(ROOT / "scripts" / "apt-install.sh"), "training-deps",
         "install fluidsynth by hand.", "fluidsynth", "espeak-ng"],
        env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0                    # make setup goes on
    assert proc.stdout == ""
    err = proc.stderr
    assert "WARNING: not a Debian/Ubuntu system" in err
    assert "NOTHING WAS INSTALLED. Needed: fluidsynth espeak-ng" in err
    assert "install fluidsynth by hand." in err
    assert err.count("training-deps:") == 3


def test_synth_install_hint_names_the_system(monkeypatch):
    for module in ("pyworld", "pedalboard", "mido"):
        pytest.importorskip(module, reason=f"{module} missing: pip install -e '.[synth]'")
    from mixin_gui.synthdata import resources

    if shutil.which("dpkg-query"):
        assert resources.install_hint().startswith("Run scripts/training-deps.sh")

    monkeypatch.setenv("PATH", "/nonexistent")
    assert "not a Debian system" in resources.install_hint()
