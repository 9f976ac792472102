"""The desktop app driven as a user drives it: real window, real models, real playback.

Runs offscreen with a null ALSA device (see :mod:`tests.guikit`). Screenshots of the main
window before and after a separation are written to ``build/screenshots/`` (or
``$MIXIN_SCREENSHOT_DIR``).
"""

import os
import sys
import time

from tests.guikit import (  # noqa: F401  (fixtures: settings, settings_factory, window)
    ALSA_CONF, MODELS, ROOT, SR, GapMeter, drop, needs_models, pace_like_a_sound_card,
    screenshot, separate, settings, settings_factory, wait_loaded, wait_models, window,
    write_song)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402

from mixin_gui import config  # noqa: E402
from mixin_gui.dsp.spectrogram import pool_factor  # noqa: E402
from mixin_gui.gui.app import ErrorReporter, setup_logging  # noqa: E402
from mixin_gui.gui.main_window import MainWindow  # noqa: E402

from mixin_gui.dsp.resample import resample  # noqa: E402

#: Stems sum back to the (band-limited) mix up to the masks' epsilon, chunk crossfades,
#: resampling and 24-bit files, as a relative RMS error (measured: 0.004).
SUM_TOLERANCE = 0.01


# --------------------------------------------------------------------------- tests
@needs_models
def test_window_appears_first_and_models_load_in_background(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.controller.models is None and not w.controller.models_loading
    labels = []                            # what the status bar said, in order
    w.controller.models_changed.connect(lambda: labels.append(w.status.models_label.text()))
    w.show()                               # models start loading once the window is up
    assert w.windowTitle() == "MiXiN"
    assert w.minimumSize().width() >= 800
    # Loading takes a fraction of a second without TensorFlow: look at what was shown.
    qtbot.waitUntil(lambda: "Loading models…" in labels, timeout=5000)
    wait_models(qtbot, w)
    assert w.controller.models.stems == config.STEMS
    assert "harmonic" in w.status.models_label.text()
    w.close()


@pytest.mark.slow
def test_start_up_times_with_margins():
    """Launch to window and to models ready, in a fresh process (goals: 1 s and 3 s on an
    idle machine; asserted with margins for a busy CI runner)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_startup",
                                                  ROOT / "benchmarks" / "bench_startup.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    times = bench.one_run("offscreen")
    print(f"launch to window {times['window']:.2f} s, to models {times['models']:.2f} s")
    assert times["window"] < 2.5
    assert times["models"] < 10.0


@needs_models
def test_whole_flow_drop_see_separate_listen_export(qtbot, window, tmp_path):
    song = write_song(tmp_path / "song.wav", 3.0)
    drop(window, [song])
    wait_loaded(qtbot, window)
    assert window.windowTitle() == "MiXiN — song"
    image = window.views["mix"].image_data
    n_chunks = -(-int(3.0 * config.SAMPLE_RATE) // config.CHUNK_SIZE)
    assert image.shape[0] == config.N_BANDS
    assert image.shape[1] == -(-n_chunks * config.N_COEFS // pool_factor(100))
    assert np.isfinite(image).all()
    wait_models(qtbot, window)
    screenshot(window, "main-window-before-separation.png")

    progress = []
    window.controller.separation.worker.progress.connect(lambda *a: progress.append(a[1:3]))
    with qtbot.waitSignal(window.controller.separation.worker.finished, timeout=60000):
        window.actions_by_name["separate"].trigger()
        assert window.actions_by_name["cancel"].isEnabled()
    qtbot.waitUntil(lambda: window.controller.running is None)
    assert progress and progress[-1][0] == progress[-1][1]
    track = window.controller.current_track()
    assert track.status == "done"

    # the stems written by the automatic export: names, length, rate, channels, sum
    mix, _ = sf.read(song, dtype="float32")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [f"song_{s}.wav" for s in sorted(config.STEMS)]
    total = np.zeros_like(mix)
    for stem in config.STEMS:
        info = sf.info(out / f"song_{stem}.wav")
        assert (info.frames, info.samplerate, info.channels) == (len(mix), SR, 2)
        assert info.subtype == "PCM_24"
        total += sf.read(out / f"song_{stem}.wav", dtype="float32")[0]
    # the models see 44.1 kHz: what the 48 kHz mix holds above 22.05 kHz is in no stem
    limited = resample(resample(mix, SR, config.SAMPLE_RATE), config.SAMPLE_RATE, SR)
    rel = np.sqrt(np.mean((total - limited) ** 2) / np.mean(limited ** 2))
    print(f"stems sum vs band-limited mix: relative RMS error {rel:.4f}")
    assert rel < SUM_TOLERANCE
    assert window.export_banner.isVisible() and str(out) in window.export_banner.text

    # every stem has its spectrogram tab
    for stem in config.STEMS:
        assert window.views[stem].image_data.shape == image.shape
    window.panel.tabs.setCurrentIndex(3)
    screenshot(window, "main-window-after-separation.png")

    # the mixer: stems audible, mix muted; solo and mute change what the player renders
    player = window.player
    block = slice(SR, SR + 4096)
    stems = track.stems
    assert np.allclose(player.render(SR, 4096), sum(stems[s][block] for s in stems),
                       atol=1e-5)
    window.mixer.solo("vocal")
    assert np.allclose(player.render(SR, 4096), stems["vocal"][block], atol=1e-6)
    window.mixer.solo("vocal", False)
    window.mixer.mute("vocal")
    karaoke = stems["harmonic"][block] + stems["percussive"][block]
    assert np.allclose(player.render(SR, 4096), karaoke, atol=1e-5)
    window.mixer.rows["mix"].mute.setChecked(False)
    window.mixer.solo("mix")
    assert np.allclose(player.render(SR, 4096), track.audio[block], atol=1e-6)
    window.mixer.solo("mix", False)
    window.mixer.rows["mix"].mute.setChecked(True)

    # seek by clicking: the player's position follows
    window.seek(1.5)
    assert player.position == pytest.approx(1.5, abs=1e-3)
    assert window.views["mix"].playhead.value() == pytest.approx(1.5, abs=1e-3)

    # real playback through PortAudio (a null ALSA device on CI)
    if player.unavailable:
        assert player.unavailable in window.statusBar().currentMessage()
    else:
        pace_like_a_sound_card(player)
        window.seek(0.0)
        window.actions_by_name["play"].trigger()
        qtbot.waitUntil(lambda: player.frames_played > SR // 2, timeout=10000)
        heard = player.playing_gains
        assert heard["vocal"] == pytest.approx(0.0) and heard["harmonic"] == 1.0
        window.mixer.solo("percussive")            # switched while playing
        qtbot.waitUntil(lambda: player.playing_gains["harmonic"] == 0.0, timeout=2000)
        assert player.is_playing
        assert player.playing_gains == {"mix": 0.0, "harmonic": 0.0, "percussive": 1.0,
                                        "vocal": 0.0}
        window.mixer.solo("percussive", False)     # and back, still playing
        qtbot.waitUntil(lambda: player.playing_gains["harmonic"] == 1.0, timeout=2000)
        assert player.is_playing and player.playing_gains["percussive"] == 1.0
        qtbot.waitUntil(lambda: not player.is_playing, timeout=15000)
        assert player.frames_played >= int(3.0 * SR) - 1

    # export current mix (vocal muted: karaoke), through the worker, atomically
    with qtbot.waitSignal(window.controller.separation.worker.exported, timeout=20000) as sig:
        window.controller.export_mix(window.mixer.gains())
    (written,) = sig.args[1]
    assert written.name == "song_custom-mix.wav"
    data, rate = sf.read(written, dtype="float32")
    assert rate == SR
    expect = stems["harmonic"] + stems["percussive"]
    assert np.abs(data - expect).max() < 1e-4
    assert not list(out.glob(".*"))                 # no temporary files left


@needs_models
def test_cancel_mid_run_writes_nothing_and_returns_to_idle(qtbot, window, tmp_path):
    song = write_song(tmp_path / "long.wav", 20.0, sr=config.SAMPLE_RATE, channels=1)
    window.controller.add_paths([song])
    wait_loaded(qtbot, window)
    wait_models(qtbot, window)
    worker = window.controller.separation.worker
    worker.progress.connect(window.controller.cancel)   # after the first batch, GUI thread
    with qtbot.waitSignal(worker.cancelled, timeout=60000):
        window.controller.separate()
    qtbot.waitUntil(lambda: window.controller.running is None)
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())
    assert window.controller.current_track().status == "cancelled"
    assert window.actions_by_name["separate"].isEnabled()
    assert not window.actions_by_name["cancel"].isEnabled()
    assert not window.status.progress.isVisible()
    assert "no files were written" in window.statusBar().currentMessage()
    assert window.controller.separation.thread.isRunning()      # idle, ready for the next job


def separate_and_watch(qtbot, window, tmp_path):
    """Separate a 10 s song, sampling what the user sees and the GUI thread's longest wait."""
    c = window.controller
    c.add_paths([write_song(tmp_path / "ten.wav", 10.0, sr=config.SAMPLE_RATE)])
    wait_loaded(qtbot, window)
    wait_models(qtbot, window)
    window.settings.auto_export = True
    progress = []
    c.separation.worker.progress.connect(lambda *a: progress.append(a[1:3]))
    labels = set()                       # what the user sees, sampled on the GUI thread
    sample = lambda: labels.add((window.status.progress.format(),  # noqa: E731
                                 window.status.progress_label.text()))
    with GapMeter(sample) as meter:
        separate(qtbot, window, timeout=120000)
    print(f"\nGUI event loop: longest wait of a 10 ms timer during separation "
          f"{meter.max_gap * 1000:.0f} ms ({len(progress)} progress updates)")
    return progress, labels, meter.max_gap


@needs_models
def test_progress_shows_chunks_elapsed_and_left(qtbot, window, tmp_path):
    progress, labels, _ = separate_and_watch(qtbot, window, tmp_path)
    assert len(progress) >= 2 and progress[-1][0] == progress[-1][1]
    shown = [(bar, label) for bar, label in labels if bar.endswith(" chunks")]
    assert any(bar == f"{progress[0][0]}/{progress[0][1]} chunks" for bar, _ in shown)
    assert all("elapsed" in label and "left" in label for _, label in shown)


@pytest.mark.slow
@needs_models
def test_window_stays_responsive_during_a_separation(qtbot, window, tmp_path):
    """Longest gap of the GUI event loop while separating; 100 ms is what a user notices,
    asserted with a margin for a loaded runner."""
    _, _, gap = separate_and_watch(qtbot, window, tmp_path)
    assert gap < 0.25


def test_bad_files_in_a_drop_one_message_each_good_ones_queued(qtbot, window, tmp_path):
    good = write_song(tmp_path / "good.wav", 1.0)
    text = tmp_path / "notes.txt"
    text.write_text("not audio")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    drop(window, [good, text, broken, empty])
    wait_loaded(qtbot, window)
    qtbot.waitUntil(lambda: len(window.controller.rejections) == 3, timeout=10000)
    assert [t.name for t in window.controller.tracks.values()] == ["good"]
    for name in ("notes.txt", "broken.wav", "empty.flac"):
        assert sum(name in m for m in window.controller.rejections) == 1
    assert window.files_banner.isVisible()
    assert window.files_banner.text.count("\n") == 3


def test_queue_reorder_and_remove(qtbot, window, tmp_path):
    paths = [write_song(tmp_path / f"t{i}.wav", 0.5) for i in range(3)]
    folder = tmp_path / "album"
    folder.mkdir()
    write_song(folder / "t3.flac", 0.5)
    window.controller.add_paths(paths + [folder])
    wait_loaded(qtbot, window, 4)
    queue = window.controller.queue
    names = lambda: [t.name for t in queue.tracks()]  # noqa: E731
    assert names() == ["t0", "t1", "t2", "t3"]
    ids = window.controller.queue.track_ids()
    window.controller.queue.move(ids[2], -2)
    assert names() == ["t2", "t0", "t1", "t3"]
    window.controller.remove_tracks([ids[0]])
    assert names() == ["t2", "t1", "t3"]
    assert ids[0] not in window.controller.tracks


def test_settings_survive_a_restart(qtbot, settings_factory, tmp_path):
    first = MainWindow(settings_factory())
    qtbot.addWidget(first)
    o = first.options
    o.instrumental.setChecked(True)
    o.single_model.setChecked(True)
    o.fmt.setCurrentIndex(o.fmt.findData("flac/24"))
    o.on_exists.setCurrentIndex(o.on_exists.findData("skip"))
    o.template.setText("{stem} - {track}")
    o.template.editingFinished.emit()
    o.output_dir.set_path(tmp_path / "stems")
    o.output_dir.changed.emit(str(tmp_path / "stems"))
    o.auto_export.setChecked(False)
    first.mixer.rows["vocal"].export.setChecked(False)
    first.settings.add_recent(tmp_path / "a.wav")
    first.close()

    second = MainWindow(settings_factory())
    qtbot.addWidget(second)
    o = second.options
    assert o.instrumental.isChecked() and o.single_model.isChecked()
    assert o.fmt.currentData() == "flac/24"
    assert second.settings.output_format == ("flac", "24")
    assert o.on_exists.currentData() == "skip"
    assert o.template.text() == "{stem} - {track}"
    assert o.output_dir.edit.text() == str(tmp_path / "stems")
    assert not o.auto_export.isChecked()
    assert second.mixer.export_selection() == ["harmonic", "percussive"]
    assert second.settings.recent_files == [str(tmp_path / "a.wav")]
    second.close()


def test_missing_models_say_so_and_a_folder_can_be_chosen(qtbot, settings, tmp_path):
    empty = tmp_path / "no-models"
    empty.mkdir()
    settings.model_dir = empty
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: bool(w.controller.models_error), timeout=60000)
    assert w.models_banner.isVisible()
    assert "no-models" in w.models_banner.text
    assert w.models_banner.button.text() == "Choose model folder…"
    if MODELS.is_dir():
        w.options.set_model_dir(MODELS)
        wait_models(qtbot, w)
        assert not w.models_banner.isVisible()
    w.close()


@needs_models
def test_model_set_picker_names_the_sets_with_their_summaries(qtbot, settings, tmp_path):
    """The picker offers the bundled sets by name, each with its card's one line; picking
    one sets the model folder, another folder leaves the picker blank."""
    from mixin_gui.model.discovery import model_sets

    w = MainWindow(settings)
    qtbot.addWidget(w)
    picker = w.options.model_set
    sets = model_sets()
    assert [picker.itemText(i) for i in range(picker.count())] == list(sets)
    tip = picker.itemData(0, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("compact CDAEs, one per stem (mixin-cdae-1).") and "\n" not in tip
    w.options.set_model_dir(tmp_path)
    assert picker.currentIndex() == -1
    picker.activated.emit(0)
    assert w.settings.model_dir == sets["cdae"] and picker.currentIndex() == 0
    assert picker.toolTip() == tip
    assert w.options.single_model.isEnabled()
    joint = tmp_path / "joint"
    joint.mkdir()
    (joint / "model_joint.keras").write_bytes(b"")
    w.options.set_model_dir(joint)       # a joint network has no raw output per stem
    assert not w.options.single_model.isEnabled()
    assert "always add up" in w.options.single_model.toolTip()
    picker.activated.emit(0)
    assert w.options.single_model.isEnabled()
    relative = os.path.relpath(sets["cdae"])      # the same folder by another spelling
    w.options.set_model_dir(relative)
    assert picker.currentIndex() == 0
    w.close()


@needs_models
def test_about_shows_readable_model_cards_and_licences(qtbot, window):
    from mixin_gui import __version__

    wait_models(qtbot, window)
    box = window.show_about()
    assert box.isVisible()
    text = box.text()
    assert __version__ in text and "Licences" in text and "MIT" in text
    for stem in config.STEMS:
        assert f"<b>{stem} (model_{stem}.h5)</b>" in text
    assert "original MiXiN release" in text          # what the .h5 models' card says
    assert "{" not in text and "'" not in text.replace("&#x27;", "")  # no Python dicts
    box.close()


def test_space_toggles_playback_both_ways(qtbot, window, tmp_path):
    window.controller.add_paths([write_song(tmp_path / "short.wav", 3.0)])
    wait_loaded(qtbot, window)
    player = window.player
    if player.unavailable:
        pytest.skip(player.unavailable)
    pace_like_a_sound_card(player)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.frames_played > SR // 10, timeout=5000)
    assert player.is_playing and window.actions_by_name["play"].text() == "Pause"
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not player.is_playing and window.actions_by_name["play"].text() == "Play"
    stopped_at = player.frames_played
    qtbot.wait(300)
    assert player.frames_played == stopped_at          # paused: nothing more is played
    paused_at = player.position
    assert paused_at > 0.0
    qtbot.keyClick(window, Qt.Key.Key_Space)            # resumes where it paused
    qtbot.waitUntil(lambda: player.frames_played > stopped_at + SR // 10, timeout=5000)
    assert player.is_playing and player.position >= paused_at
    window.stop_playback()


MAIN_SCRIPT = """
import sys
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from mixin_gui.gui import app as app_module
from mixin_gui.gui.main_window import MainWindow

QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, sys.argv[1])
app_module.log_dir = lambda: __import__("pathlib").Path(sys.argv[1]) / "logs"

def check():
    for w in QApplication.topLevelWidgets():
        tracks = w.controller.tracks.values() if isinstance(w, MainWindow) else ()
        if any(t.status == "waiting" for t in tracks):
            print("TITLE:", w.windowTitle())
            w.close()
            QApplication.instance().quit()

app = QApplication(sys.argv[:1])
poll = QTimer(interval=50, timeout=check)
poll.start()
QTimer.singleShot(60000, app.quit)
sys.exit(app_module.main(["mixin-gui", sys.argv[2]]))
"""


def run_script(script, *args, env=None):
    import subprocess

    out = subprocess.run([sys.executable, "-c", script, *map(str, args)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)


def test_main_loads_files_named_on_the_command_line(tmp_path):
    song = write_song(tmp_path / "cli song.wav", 0.5)
    lines = run_script(MAIN_SCRIPT, tmp_path, song)
    assert lines["TITLE"] == "MiXiN — cli song"
    assert (tmp_path / "logs" / "mixin.log").is_file()


NO_DEVICE_SCRIPT = """
import sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from mixin_gui.gui.main_window import MainWindow
from mixin_gui.gui.settings import Settings
s = Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat))
s.model_dir = sys.argv[2]
w = MainWindow(s)
w.show()
w.controller.add_paths([sys.argv[3]])
w.player.play()                       # harmless without a device
w.statusBar().showMessage("a later message", 0)
label = w.status.audio_label
print("UNAVAILABLE:", w.player.unavailable)
print("LABEL:", label.text() if label.isVisible() else "")
print("LABEL_TIP:", label.toolTip())
print("PLAY_ENABLED:", w.actions_by_name["play"].isEnabled())
print("PLAY_TIP:", w.actions_by_name["play"].toolTip())
print("PLAYING:", w.player.is_playing)
w.close()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA set-up is Linux only")
def test_without_an_output_device_the_app_says_so_and_keeps_working(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ALSA_CONFIG_PATH"}
    env["ALSA_CONFIG_PATH"] = str(tmp_path / "asound.conf")
    # a default PCM that cannot open: PortAudio lists no output device
    (tmp_path / "asound.conf").write_text(f"<{ALSA_CONF}>\npcm.!default {{ type hw card 9 }}\n")
    song = write_song(tmp_path / "s.wav", 0.3)
    lines = run_script(NO_DEVICE_SCRIPT, tmp_path / "s.ini", tmp_path, song, env=env)
    if lines.get("UNAVAILABLE") == "None":
        pytest.skip("this machine has a real output device")
    assert "No audio output" in lines["UNAVAILABLE"]
    # still said after a later status message: a lasting note, and Play says why it is off
    assert "No audio output" in lines["LABEL"]
    assert lines["LABEL_TIP"] == lines["UNAVAILABLE"] == lines["PLAY_TIP"]
    assert lines["PLAY_ENABLED"] == "False" and lines["PLAYING"] == "False"


def test_excepthook_logs_to_file_and_shows_a_dialog(qtbot, tmp_path):
    log_path = setup_logging(tmp_path / "logs")
    reporter = ErrorReporter(log_path)
    try:
        raise ValueError("boom from a test")
    except ValueError as exc:
        reporter.excepthook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: bool(reporter.dialogs), timeout=2000)
    assert reporter.dialogs[-1].isVisible()
    assert "boom from a test" in reporter.dialogs[-1].text()
    text = log_path.read_text(encoding="utf-8")
    assert "ValueError: boom from a test" in text and "Traceback" in text
    reporter.dialogs[-1].close()


def test_export_names_templates_and_exists_policies(tmp_path):
    from mixin_gui.errors import AudioWriteError
    from mixin_gui.gui.export import apply_policy, expand_template, plan_targets

    assert expand_template("{track}_{stem}", track="a/b: c", stem="vocal") == "a_b_ c_vocal"
    with pytest.raises(AudioWriteError, match="template"):
        expand_template("{song}", track="x", stem="vocal")
    targets = plan_targets(tmp_path, "{stem} of {track}", "song", ["harmonic", "vocal"], "flac")
    assert targets["vocal"] == tmp_path / "vocal of song.flac"
    targets["vocal"].write_bytes(b"x")
    kept, overwrite, skipped = apply_policy(targets, "skip")
    assert list(kept) == ["harmonic"] and skipped == [targets["vocal"]] and not overwrite
    renamed, _, _ = apply_policy(targets, "rename")
    assert renamed["vocal"].name == "vocal of song (2).flac"
    assert apply_policy(targets, "overwrite")[1] is True


def test_removing_the_last_track_clears_the_window(qtbot, window, tmp_path):
    window.controller.add_paths([write_song(tmp_path / "gone.wav", 0.5)])
    wait_loaded(qtbot, window)
    assert window.windowTitle() == "MiXiN — gone"
    window.queue.setFocus()
    window.queue.selectAll()
    qtbot.keyClick(window.queue, Qt.Key.Key_Delete)
    assert not window.controller.tracks and window.windowTitle() == "MiXiN"
    assert window.views["mix"].image_data is None
    assert window.player.frames == 0


@needs_models
def test_queue_separates_in_order_and_releases_old_stems(qtbot, window, tmp_path):
    from mixin_gui.gui import controller

    window.settings.auto_export = False
    paths = [write_song(tmp_path / f"q{i}.wav", 0.4, channels=1)
             for i in range(controller.KEEP_STEMS + 1)]
    window.controller.add_paths(paths)
    wait_loaded(qtbot, window, len(paths))
    wait_models(qtbot, window)
    ids = window.controller.queue.track_ids()
    window.controller.queue.move(ids[-1], -len(ids))             # last file first
    window.controller.set_current(ids[1])             # the track on screen keeps its stems
    order = []
    window.controller.separation.worker.finished.connect(lambda i, _r: order.append(i))
    window.controller.separate()
    qtbot.waitUntil(lambda: len(order) == len(paths), timeout=60000)
    qtbot.waitUntil(lambda: window.controller.running is None)
    assert order == [ids[-1]] + ids[:-1]
    assert all(window.controller.tracks[i].status == "done" for i in ids)
    holding = [i for i in ids if window.controller.tracks[i].stems]
    assert holding == ids[:-1]                        # the first separated was released
    assert "released" in window.controller.tracks[ids[-1]].message
    assert not (tmp_path / "out").exists()           # auto-export off: nothing written


def test_clicking_the_spectrogram_or_waveform_seeks(qtbot, window, tmp_path):
    window.controller.add_paths([write_song(tmp_path / "seek.wav", 4.0)])
    wait_loaded(qtbot, window)
    for view, fraction in ((window.views["mix"], 0.5), (window.waveform, 0.25)):
        vb = view.getPlotItem().getViewBox()
        rect = vb.sceneBoundingRect()
        scene_point = QPointF(rect.left() + fraction * rect.width(), rect.center().y())
        point = view.mapFromScene(scene_point)
        with qtbot.waitSignal(view.seek_requested, timeout=2000) as sig:
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert sig.args[0] == pytest.approx(4.0 * fraction, abs=0.05)
        assert window.player.position == pytest.approx(4.0 * fraction, abs=0.05)
        assert view.playhead.value() == pytest.approx(4.0 * fraction, abs=0.05)
