"""The app names a missing X11 library in one sentence instead of Qt's abort."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mixin_gui.gui.platform_check import debian_package, platform_problem, uses_xcb, xcb_plugin

ROOT = Path(__file__).resolve().parents[1]


def test_debian_package_names_follow_policy():
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxcb-keysyms.so.1") == "libxcb-keysyms1"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"


def test_xcb_is_judged_from_the_environment():
    if not sys.platform.startswith("linux"):
        pytest.skip("X11 check is Linux-only")
    assert uses_xcb({"DISPLAY": ":0"})
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"})
    assert not uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"})
    assert not uses_xcb({})


def test_the_installed_plugin_has_every_library():
    """`make` installed what `ldd` of the xcb plugin needs (scripts/qt-deps.sh)."""
    plugin = xcb_plugin({})
    if not plugin.is_file():
        pytest.skip("PySide6 has no xcb plugin on this platform")
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    assert "not found" not in out, out
    assert platform_problem({"QT_QPA_PLATFORM": "xcb"}) is None


@pytest.fixture
def broken_plugin(tmp_path):
    """A copy of the real xcb plugin that needs a library no system has."""
    real = xcb_plugin({})
    if not real.is_file():
        pytest.skip("PySide6 has no xcb plugin on this platform")
    folder = tmp_path / "plugins" / "platforms"
    folder.mkdir(parents=True)
    (tmp_path / "lib").symlink_to(real.parents[2] / "lib")   # for its $ORIGIN/../../lib
    data = real.read_bytes()
    assert b"libxcb-icccm.so.4\0" in data
    (folder / "libqxcb.so").write_bytes(
        data.replace(b"libxcb-icccm.so.4\0", b"libxcb-iccXm.so.4\0"))
    return folder


def test_app_names_the_missing_library_and_its_package(broken_plugin):
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", QT_QPA_PLATFORM_PLUGIN_PATH=str(broken_plugin),
               DISPLAY=":93")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines == ["MiXiN cannot open its window because the system library "
                     "libxcb-iccXm.so.4 is missing; install it (on Debian or Ubuntu: "
                     "sudo apt install libxcb-iccXm4)."]


@pytest.mark.skipif(not shutil.which("Xvfb") or not shutil.which("xwininfo"),
                    reason="needs Xvfb and xwininfo (CI installs them: .ci/run)")
def test_window_opens_on_a_real_x_server():
    """`mixin-gui` (what `make run` runs) shows a window titled MiXiN under Xvfb."""
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "window-check.sh"), "60",
                           sys.executable, str(ROOT / "main.py")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "a MiXiN window appeared" in proc.stdout


@pytest.mark.skipif(not shutil.which("Xvfb") or not shutil.which("xwininfo"),
                    reason="needs Xvfb and xwininfo (CI installs them: .ci/run)")
def test_window_check_fails_when_no_window_comes():
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "window-check.sh"), "20",
                           sys.executable, "-c", "print('no window here')"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "exited before opening a window" in proc.stderr and "no window here" in proc.stderr
