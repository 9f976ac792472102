"""The app as a musician meets it (issue 13): what the window shows and says, not the maths.

Real window (offscreen), real models from ../shared where a test needs them, real files.
"""

import numpy as np
import pytest
import soundfile as sf

from tests.guikit import (MODELS, drop, needs_models, screenshot, separate,  # noqa: F401
                          settings, settings_factory, wait_loaded, wait_models, window,
                          write_song)

from PySide6.QtCore import QObject, QPoint, QPointF, Qt, QUrl, Slot  # noqa: E402
from PySide6.QtGui import QColor, QDesktopServices, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView,  # noqa: E402
                               QAbstractSlider, QApplication, QComboBox, QLineEdit)

from mixin_gui import config  # noqa: E402
from mixin_gui.gui.presets import PRESETS  # noqa: E402
from mixin_gui.gui.widgets.timeplot import AXIS_COLOUR  # noqa: E402


def current_name(window):
    track = window.controller.current_track()
    return track.name if track is not None else None


# -- 2: the mixer starts afresh for every track ------------------------------------------
@needs_models
def test_mixer_state_does_not_leak_into_an_instrumental_track(qtbot, window, tmp_path):
    c, mixer = window.controller, window.mixer
    window.settings.auto_export = False
    (full,) = c.add_paths([write_song(tmp_path / "full.wav", 0.6)])
    wait_loaded(qtbot, window)
    wait_models(qtbot, window)
    separate(qtbot, window)
    mixer.solo("vocal")                                 # the user listens to the voice...
    mixer.mute("harmonic")
    mixer.rows["percussive"].slider.setValue(-12)
    window.options.instrumental.setChecked(True)        # ...then switches mode
    (inst,) = c.add_paths([write_song(tmp_path / "inst.wav", 0.6)])
    wait_loaded(qtbot, window, 1)
    qtbot.waitUntil(lambda: not c.models_loading, timeout=60000)
    assert c.models is not None and c.options().stems == config.INSTRUMENTAL_STEMS
    separate(qtbot, window)
    assert current_name(window) == "inst"
    rows = mixer.rows
    assert not any(r.solo.isChecked() for r in rows.values())      # no stale yellow S
    assert not rows["vocal"].available and not rows["vocal"].solo.isEnabled()
    assert not rows["harmonic"].mute.isChecked() and rows["mix"].mute.isChecked()
    assert rows["percussive"].slider.value() == 0
    assert window.player.gains == {"mix": 0.0, "harmonic": 1.0, "percussive": 1.0}
    assert not rows["vocal"].label.isEnabled() and not rows["mix"].label.isEnabled()
    assert rows["harmonic"].label.isEnabled()
    screenshot(window, "mixer-after-instrumental-run.png")
    mixer.solo("percussive")                            # a solo greys out what it silences
    assert rows["percussive"].label.isEnabled()
    assert not rows["harmonic"].label.isEnabled() and not rows["mix"].label.isEnabled()
    assert window.player.gains == {"mix": 0.0, "harmonic": 0.0, "percussive": 1.0}
    c.set_current(full)                                 # and back: that track starts afresh
    assert not rows["vocal"].solo.isChecked() and rows["vocal"].label.isEnabled()
    assert window.player.gains["vocal"] == 1.0


# -- 3: modes in plain words, which mode a track used, presets ---------------------------
def test_modes_explain_themselves_in_plain_words(window):
    o = window.options
    assert "phase" not in o.single_model.text() and "magnitude" not in o.single_model.text()
    assert "add up" in o.single_model.text() and "add up" in o.single_model.toolTip()
    assert "vocal" in o.instrumental.toolTip() and "drums" in o.instrumental.toolTip()
    labels = [o.preset.itemText(i) for i in range(o.preset.count())]
    assert labels == ["All stems", "Karaoke (no vocals)", "Drums only", "No drums"]
    tips = [o.preset.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(len(labels))]
    assert all(tips) and "one file" in tips[1]
    header = window.queue.model().headerData(2, Qt.Orientation.Horizontal)
    assert header == "Separated with"


def test_karaoke_needs_the_vocal_model(window):
    o = window.options
    o.instrumental.setChecked(True)
    o.preset.setCurrentIndex(o.preset.findData("karaoke"))
    assert not o.instrumental.isChecked() and window.settings.preset == "karaoke"
    o.instrumental.setChecked(True)
    assert o.preset.currentData() == "stems" and window.settings.instrumental


@needs_models
def test_karaoke_preset_mutes_the_voice_and_writes_one_file(qtbot, window, tmp_path):
    window.options.preset.setCurrentIndex(window.options.preset.findData("karaoke"))
    window.controller.add_paths([write_song(tmp_path / "sing.wav", 0.6)])
    wait_loaded(qtbot, window)
    wait_models(qtbot, window)
    separate(qtbot, window)
    qtbot.waitUntil(lambda: window.export_banner.isVisible(), timeout=10000)
    assert window.export_banner.text.startswith("Wrote sing_karaoke.wav to ")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["sing_karaoke.wav"]
    assert window.mixer.rows["vocal"].mute.isChecked()
    assert window.player.gains["vocal"] == 0.0 and window.player.gains["harmonic"] == 1.0
    row = window.queue.model().row_of(window.controller.current_id)
    assert window.queue.model().index(row, 2).data() == "3 stems · mixin-original-models"


# -- 4: one time axis ----------------------------------------------------------------------
def x_in_window(window, view, seconds):
    vb = view.getPlotItem().getViewBox()
    point = view.mapFromScene(vb.mapViewToScene(QPointF(seconds, 0.0)))
    return view.viewport().mapTo(window, point).x()


def wheel(view, notches):
    vb = view.getPlotItem().getViewBox()
    centre = view.mapFromScene(vb.sceneBoundingRect().center())
    pos = QPointF(centre)
    event = QWheelEvent(pos, QPointF(view.viewport().mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_waveform_and_spectrograms_share_one_time_axis(qtbot, window, tmp_path):
    sr = 8000
    t = np.arange(70 * sr) / sr
    sf.write(tmp_path / "long.wav", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr)
    window.resize(1600, 900)
    window.controller.add_paths([tmp_path / "long.wav"])
    wait_loaded(qtbot, window)
    qtbot.wait(50)                                     # one layout pass at the new size
    panel = window.panel
    for view in (panel.views["mix"], panel.views["vocal"]):
        panel.tabs.setCurrentWidget(view)
        qtbot.wait(20)
        for second in (0.0, 30.0, 60.0):
            assert abs(x_in_window(window, view, second)
                       - x_in_window(window, panel.waveform, second)) <= 1
    view = panel.views["mix"]
    panel.tabs.setCurrentWidget(view)
    vb = view.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    wheel(view, 6)                                     # zoom in: time only
    (zx0, zx1), (zy0, zy1) = vb.viewRange()
    assert zx1 - zx0 < 0.5 * (x1 - x0)
    assert (zy0, zy1) == (y0, y1) == (0.0, float(config.N_BANDS))
    ticks = view.bark_axis.tickValues(zy0, zy1, 400)[0][1]
    assert len(ticks) >= 6                             # every Hz label still there
    assert panel.waveform.getPlotItem().getViewBox().viewRange()[0] == [zx0, zx1]


# -- 6: feedback that stays ------------------------------------------------------------------
def test_separate_and_export_without_a_track_say_why(qtbot, window):
    window.actions_by_name["separate"].trigger()
    assert "add a track first" in window.statusBar().currentMessage()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.statusBar().currentMessage().startswith("Nothing to export")


def test_open_folder_says_where_the_files_are_when_no_file_manager_opens(qtbot, window,
                                                                         tmp_path):
    window.controller.last_export_dir = tmp_path
    window.open_output_folder()                        # offscreen Qt has no file manager
    assert window.export_banner.isVisible()
    assert f"the files are in {tmp_path}" in window.export_banner.text

    opened = []

    class FileManager(QObject):                        # a file manager that is there
        @Slot(QUrl)
        def open(self, url):
            opened.append(url.toLocalFile())

    manager = FileManager()
    QDesktopServices.setUrlHandler("file", manager, "open")
    try:
        window.export_banner.hide()
        window.open_output_folder()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened == [str(tmp_path)] and not window.export_banner.isVisible()


# -- 7: new tracks are shown -----------------------------------------------------------------
def test_a_dropped_track_is_selected_and_shown(qtbot, window, tmp_path):
    window.controller.add_paths([write_song(tmp_path / "old.wav", 0.5)])
    wait_loaded(qtbot, window)
    assert window.windowTitle() == "MiXiN — old"
    drop(window, [write_song(tmp_path / "new.wav", 0.5), write_song(tmp_path / "z.wav", 0.5)])
    wait_loaded(qtbot, window, 3)
    assert window.windowTitle() == "MiXiN — new"      # the first file of the newest drop
    assert window.queue.currentIndex().data() == "new"
    assert window.views["mix"].image_data is not None
    assert window.player.frames == int(0.5 * 48000)


# -- 8: smaller things -----------------------------------------------------------------------
def relative_luminance(colour):
    def channel(v):
        v /= 255.0
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green())
            + 0.0722 * channel(colour.blue()))


def test_axis_labels_are_readable(window):
    background = window.palette().window().color()
    light, dark = sorted([relative_luminance(QColor(AXIS_COLOUR)),
                          relative_luminance(background)])
    assert (dark + 0.05) / (light + 0.05) >= 4.5      # WCAG AA for text
    axis = window.views["mix"].getPlotItem().getAxis("left")
    assert axis.textPen().color().name() == QColor(AXIS_COLOUR).name()


def test_long_names_elide_in_the_middle_with_the_path_as_tooltip(qtbot, window, tmp_path):
    name = "a very long track name from a live recording session, take 12 of the day"
    window.controller.add_paths([write_song(tmp_path / f"{name}.wav", 0.3)])
    wait_loaded(qtbot, window)
    assert window.queue.textElideMode() == Qt.TextElideMode.ElideMiddle
    index = window.queue.model().index(0, 0)
    assert index.data(Qt.ItemDataRole.ToolTipRole).endswith(f"{name}.wav")


def test_every_control_has_an_accessible_name(window):
    controls = [w for kind in (QAbstractButton, QAbstractSlider, QComboBox, QLineEdit,
                               QAbstractItemView)
                for w in window.findChildren(kind) if w.isVisibleTo(window)]
    assert len(controls) > 30
    nameless = [w for w in controls
                if not (w.accessibleName() or (isinstance(w, QAbstractButton) and w.text()))]
    assert not nameless, [type(w).__name__ for w in nameless]


def test_open_starts_in_the_music_folder_then_the_last_one(window, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "Music").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert window.settings.open_dir == home / "Music"
    window.settings.open_dir = tmp_path
    assert window.settings.open_dir == tmp_path


# -- issue 16: what a user sees of a known tone ------------------------------------------
def test_a_known_tone_shows_at_its_band_and_level(qtbot, window, tmp_path):
    sr = 44100
    t = np.arange(3 * sr) / sr
    tone = 0.25 * np.sin(2 * np.pi * 1000.0 * t)       # -12 dB re full scale, at 1 kHz
    sf.write(tmp_path / "tone.wav", tone.astype(np.float32), sr, subtype="FLOAT")
    window.controller.add_paths([tmp_path / "tone.wav"])
    wait_loaded(qtbot, window)
    view = window.views["mix"]
    image = view.image_data                            # (bands, columns) in dB
    level = np.median(image[:, 10:-10], axis=1)        # away from the edges
    loudest = int(np.argmax(level))
    # the row the "1k" label points at is the brightest one...
    assert abs(view.bark_axis.band_position(1000.0) - (loudest + 0.5)) <= 1.0
    # ...at the tone's level (a full-scale sine's peak is 0 dB within about 1 dB)...
    assert level[loudest] == pytest.approx(-12.0, abs=1.5)
    assert view.colorbar.levels()[1] == pytest.approx(image.max())
    # ...and an octave away the picture is far darker
    for hz in (500.0, 2000.0):
        row = int(view.bark_axis.band_position(hz))
        assert level[row] < level[loudest] - 20.0


def test_every_write_format_is_offered(window, monkeypatch):
    combo = window.options.fmt
    offered = {combo.itemData(i).split("/")[0] for i in range(combo.count())}
    assert offered == set(config.WRITE_FORMATS)
    assert combo.findText("WAV 32-bit float") >= 0 and combo.findText("FLAC 24-bit") >= 0
    from mixin_gui.gui import settings as settings_module

    monkeypatch.setattr(config, "WRITE_FORMATS", config.WRITE_FORMATS + ("mp3",))
    formats = settings_module._output_formats()
    assert ("mp3", "", "MP3") in formats                 # a lossy format: offered once


# -- 1: start-up (timed in benchmarks/bench_startup.py and the slow lane) -----------------
def test_the_window_needs_nothing_heavy(tmp_path):
    """Building and showing the window imports no TensorFlow, SciPy, soundfile or soxr:
    those load behind the shown window (analysis and model threads)."""
    import subprocess
    import sys

    code = ("import sys, tempfile\n"
            "from PySide6.QtCore import QSettings\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from mixin_gui.gui.main_window import MainWindow\n"
            "from mixin_gui.gui.settings import Settings\n"
            "s = Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat))\n"
            "w = MainWindow(s)\n"
            "w.show()\n"
            "print(' '.join(sorted(sys.modules)))\n"
            "w.close()\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.ini")],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    heavy = {m.split(".")[0] for m in out.split()} & {"tensorflow", "keras", "scipy",
                                                       "soundfile", "soxr", "onnxruntime"}
    assert not heavy
