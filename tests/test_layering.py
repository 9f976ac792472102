"""Imports flow one way: the core never pulls in Qt, and dsp never pulls in TensorFlow."""

import subprocess
import sys

import pytest


def modules_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300).stdout
    return set(out.split())


@pytest.mark.parametrize("module", ["mixin_gui.engine", "mixin_gui.cli",
                                    "mixin_gui.cli.app", "mixin_gui.model.stems"])
def test_core_does_not_import_qt(module):
    mods = modules_after(f"import {module}; import mixin_gui.cli.app as m; m.build_parser()")
    assert not {m for m in mods if m.startswith(("PySide6", "pyqtgraph", "shiboken6"))}


def test_dsp_and_audio_do_not_import_tensorflow():
    mods = modules_after("import mixin_gui.dsp, mixin_gui.audio, mixin_gui.dsp.synth")
    assert not {m for m in mods if m.split(".")[0] in ("tensorflow", "keras")}
    assert "mixin_gui.dsp" in mods


def test_cli_version_does_not_load_tensorflow():
    mods = modules_after("import mixin_gui.cli.app as m; m.build_parser()")
    assert "tensorflow" not in mods
