"""An app that quits with its window still open (a script's ``app.exit()``, a session that
ends) first ends its worker threads: Qt aborts the whole process when it destroys a thread
that is still running, which would lose the exit code and any message."""

import os
import subprocess
import sys

import numpy as np
import soundfile as sf

SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from mixin_gui.gui.main_window import MainWindow
from mixin_gui.gui.settings import Settings
settings = Settings(QSettings(str(Path(sys.argv[2]) / "s.ini"), QSettings.Format.IniFormat))
window = MainWindow(settings)
window.show()
window.controller.add_paths([sys.argv[1]])      # the window loads it and its models
QTimer.singleShot(300, lambda: app.exit(0))
code = app.exec()
print("left the event loop", code, flush=True)
sys.exit(code)
"""


def test_quitting_with_the_window_open_ends_the_threads_first(tmp_path):
    song = tmp_path / "song.wav"
    rng = np.random.default_rng(0)
    sf.write(song, (0.1 * rng.standard_normal((20 * 44100, 2))).astype(np.float32), 44100)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(song), str(tmp_path)],
                         capture_output=True, text=True, timeout=180, env=env,
                         cwd=tmp_path)
    assert "left the event loop 0" in run.stdout, run.stderr[-2000:]
    assert "Destroyed while thread" not in run.stderr
    assert run.returncode == 0, run.stderr[-2000:]
