"""What the GUI tests share: a null audio device, settings, a window, drops, waits.

Import this module before anything opens PortAudio or Qt. It runs Qt offscreen and, on Linux
without a sound card, points ALSA at a configuration whose default PCM is ``{ type null }``
(unless ``ALSA_CONFIG_PATH`` is already set, or ``MIXIN_TEST_REAL_AUDIO=1`` asks for the
machine's own device), so playback goes through PortAudio for real.
"""

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
if (sys.platform.startswith("linux") and "ALSA_CONFIG_PATH" not in os.environ
        and not os.environ.get("MIXIN_TEST_REAL_AUDIO") and ALSA_CONF.is_file()):
    _conf = Path(tempfile.mkdtemp(prefix="mixin-alsa-")) / "asound.conf"
    _conf.write_text(f"<{ALSA_CONF}>\npcm.!default {{ type null }}\n")
    os.environ["ALSA_CONFIG_PATH"] = str(_conf)      # read when PortAudio initialises

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402

pytest.importorskip("pytestqt")
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mixin_gui.dsp.signals import demo_stems  # noqa: E402
from mixin_gui.gui.main_window import MainWindow  # noqa: E402
from mixin_gui.gui.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT.parent / "shared" / "reference" / "mixin-original-models"
SCREENSHOTS = Path(os.environ.get("MIXIN_SCREENSHOT_DIR", ROOT / "build" / "screenshots"))
SR = 48000                 # not the models' rate: the app must resample there and back

needs_models = pytest.mark.skipif(not (MODELS / "model_harmonic.h5").is_file(),
                                  reason=f"original MiXiN models not found in {MODELS} "
                                         "(../shared absent)")


def write_song(path, seconds, *, sr=SR, channels=2):
    """A generated song (drums, bass and chords, a voice) as a WAV file."""
    stems = demo_stems(seconds, sr=sr)
    mix = sum(stems.values()).astype(np.float32)
    audio = np.stack([mix, 0.8 * mix], axis=1) if channels == 2 else mix
    sf.write(path, audio, sr, subtype="FLOAT" if str(path).endswith(".wav") else "PCM_24")
    return path


@pytest.fixture
def settings_factory(tmp_path):
    """Settings under a temporary organisation name, stored below ``tmp_path``."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "config"))
    org = f"MiXiN-test-{uuid.uuid4().hex[:8]}"

    def make():
        return Settings(QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                  org, "MiXiN"))
    return make


@pytest.fixture
def settings(settings_factory, tmp_path):
    s = settings_factory()
    s.model_dir = MODELS
    s.output_dir = tmp_path / "out"
    s.output_format = ("wav", "24")
    s.on_exists = "rename"
    return s


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def drop(window, paths):
    """A real drag of file URLs onto the window (enter, move, drop), as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = window.centralWidget()
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    for event in (QDragEnterEvent(QPoint(300, 300), *args),
                  QDragMoveEvent(QPoint(310, 300), *args),
                  QDropEvent(QPointF(310, 300), *args)):
        QApplication.sendEvent(target, event)
        assert event.isAccepted(), event.type()


def wait_loaded(qtbot, window, n=1, timeout=20000):
    tracks = window.controller.queue.tracks
    qtbot.waitUntil(lambda: sum(t.status == "waiting" for t in tracks()) >= n,
                    timeout=timeout)


def wait_models(qtbot, window, timeout=60000):
    c = window.controller
    qtbot.waitUntil(lambda: c.models is not None or bool(c.models_error), timeout=timeout)
    assert not c.models_error, c.models_error


def separate(qtbot, window, timeout=60000):
    """Separate the waiting tracks through the Separate action and wait for the queue."""
    c = window.controller
    with qtbot.waitSignal(c.busy_changed, timeout=timeout,
                          check_params_cb=lambda busy: not busy):
        window.actions_by_name["separate"].trigger()
    assert c.running is None


class GapMeter:
    """A 10 ms QTimer on the GUI thread recording the longest wait between its ticks."""

    def __init__(self, sample=None):
        self.sample = sample
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._tick)
        self.last = None
        self.max_gap = 0.0

    def _tick(self):
        now = time.perf_counter()
        if self.last is not None:
            self.max_gap = max(self.max_gap, now - self.last)
        self.last = now
        if self.sample is not None:
            self.sample()

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()


def screenshot(widget, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    assert widget.grab().save(str(path))
    return path


def pace_like_a_sound_card(player):
    """Make the null ALSA device take blocks at the real rate, as a sound card does.

    The null device accepts audio as fast as the callback renders it (about 100 times real
    time), so a 3 s track would end before a test could switch the mixer while it plays.
    The player's own callback still renders every block; this only waits the block's
    duration after it.
    """
    render = player._callback

    def paced(outdata, frames, time_info, status):
        try:
            render(outdata, frames, time_info, status)
        finally:
            time.sleep(frames / float(player.sr))

    player._callback = paced
