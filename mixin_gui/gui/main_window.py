"""The main window: builds the layout and wires the controller, the widgets and the player.

State and work live in :class:`~mixin_gui.gui.controller.Controller`; the window only shows
them and turns the user's actions into controller calls.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QIcon, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QMainWindow, QSplitter, QVBoxLayout,
                               QWidget)

from .. import config
from ..paths import resource
from .controller import Controller
from .dialogs import about_box, ask_exists
from .menus import build_menus, build_toolbar
from .player import Player
from .presets import preset
from .settings import Settings
from .widgets.banner import Banner
from .widgets.options import OptionsPanel
from .widgets.queue import QueueView
from .widgets.status import StatusParts, export_text, no_models_text, rejections_text
from .widgets.timeplot import format_time
from .widgets.track_panel import TrackPanel

APP_NAME = "MiXiN"
#: File dialog filter of every extension MiXiN reads.
OPEN_FILTER = "Audio files ({})".format(" ".join(f"*{e}" for e in config.READ_EXTENSIONS))


class MainWindow(QMainWindow):
    """Load, see, separate, listen, export.

    Parameters
    ----------
    settings : Settings or None
        Persistent options (tests pass one backed by a temporary file).
    """

    def __init__(self, settings=None):
        super().__init__()
        self.settings = settings or Settings()
        self.controller = Controller(self.settings, self)
        self.controller.ask_exists = lambda paths: ask_exists(self, paths)
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QIcon(str(resource("mixin.png"))))   # PNG: no SVG plugin needed
        self.setMinimumSize(960, 640)
        qss = resource("mixin.qss")
        if qss.is_file():                  # palette roles only: fits light and dark themes
            self.setStyleSheet(qss.read_text(encoding="utf-8"))
        self.setAcceptDrops(True)
        self.player = Player(self)
        self._build_views()
        self._build_actions()
        self._wire()
        self._tick = QTimer(self, interval=33, timeout=self._update_playhead)
        self._tick.start()
        self._show_audio_state()
        geometry = self.settings.geometry
        self.restoreGeometry(geometry) if geometry is not None else self.resize(1280, 800)
        self._started = False

    def showEvent(self, event):
        """Load the models once the window is up (importing ONNX Runtime and numpy's heavier parts must not delay it)."""
        super().showEvent(event)
        if not self._started:
            self._started = True
            QTimer.singleShot(0, self.controller.load_models)

    # -- construction -------------------------------------------------------
    def _build_views(self):
        self.models_banner = Banner(kind="warning")
        self.files_banner = Banner(kind="error")
        self.export_banner = Banner(kind="info")
        self.queue = QueueView(self.controller.queue)
        self.options = OptionsPanel(self.settings)
        self.panel = TrackPanel()
        self.views, self.mixer, self.waveform = (self.panel.views, self.panel.mixer,
                                                 self.panel.waveform)
        self.mixer.set_export_selection(self.settings.export_stems)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.queue)
        left.addWidget(self.options)
        left.setStretchFactor(0, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.panel)
        split.setStretchFactor(1, 1)
        split.setSizes([360, 920])
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        for banner in (self.models_banner, self.files_banner, self.export_banner):
            outer.addWidget(banner)
        outer.addWidget(split, 1)
        self.setCentralWidget(central)
        self.status = StatusParts(self.statusBar())
        self.time_label = QLabel("0:00.0 / 0:00.0")
        self.time_label.setAccessibleName("Playback position")

    def _action(self, text, slot, shortcut=None, tip=None):
        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip or text.replace("…", "").replace("&", ""))
        self.addAction(action)
        return action

    def _build_actions(self):
        c = self.controller
        a = self.actions_by_name = {
            "open": self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open),
            "models": self._action("Choose &model folder…", self.choose_model_dir),
            "separate": self._action("&Separate", c.separate, "Ctrl+Return",
                                     "Separate the waiting tracks (Ctrl+Enter)"),
            "cancel": self._action("&Cancel", c.cancel, "Esc", "Cancel the separation (Esc)"),
            "play": self._action("Play", self.player.toggle, "Space", "Play / pause (Space)"),
            "stop": self._action("Stop", self.stop_playback, "Ctrl+.", "Stop (Ctrl+.)"),
            "export": self._action("&Export stems",
                                   lambda: c.export_stems(self.mixer.export_selection()),
                                   "Ctrl+E",
                                   "Write the stems ticked in the mixer (Ctrl+E)"),
            "export_mix": self._action("Export current &mix",
                                       lambda: c.export_mix(self.mixer.gains()),
                                       "Ctrl+Shift+E",
                                       "Write what the mixer plays, e.g. a karaoke track"),
            "remove": self._action("&Remove from queue",
                                   lambda: c.remove_tracks(self.queue.selected_ids())),
            "up": self._action("Move &up", lambda: c.queue.move(c.current_id, -1), "Ctrl+Up"),
            "down": self._action("Move &down", lambda: c.queue.move(c.current_id, 1),
                                 "Ctrl+Down"),
            "fit": self._action("Zoom to &fit", self.panel.fit, "Ctrl+0",
                                "Show the whole track (Ctrl+0)"),
            "quit": self._action("&Quit", self.close, QKeySequence.StandardKey.Quit),
            "about": self._action("&About MiXiN", self.show_about, "F1"),
        }
        a["cancel"].setEnabled(False)
        self.recent_menu = build_menus(self.menuBar(), a)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.addToolBar(build_toolbar(a, self.time_label))

    def _wire(self):
        c, a, status = self.controller, self.actions_by_name, self.statusBar()
        c.current_changed.connect(self.show_track)
        c.models_changed.connect(self._show_models)
        c.busy_changed.connect(self._set_busy)
        c.progress.connect(self._progress)
        c.message.connect(status.showMessage)
        c.rejections_changed.connect(self._show_rejections)
        c.exported.connect(self._exported)
        c.export_failed.connect(lambda msg: self.export_banner.show_message(
            f"Export failed: {msg}", kind="error"))
        self.queue.current_changed.connect(c.set_current)
        self.queue.remove_requested.connect(c.remove_tracks)
        self.options.models_changed.connect(c.load_models)
        self.panel.seek_requested.connect(self.seek)
        self.mixer.changed.connect(lambda: self.player.set_gains(self.mixer.gains()))
        self.mixer.export_changed.connect(
            lambda: setattr(self.settings, "export_stems", self.mixer.export_selection()))
        self.models_banner.action_clicked.connect(self.choose_model_dir)
        self.export_banner.action_clicked.connect(self.open_output_folder)
        self.files_banner.close_button.clicked.connect(c.clear_rejections)
        self.player.state_changed.connect(
            lambda playing: a["play"].setText("Pause" if playing else "Play"))
        self.player.error.connect(lambda msg: status.showMessage(msg, 8000))

    # -- showing the controller's state --------------------------------------
    def show_track(self, track_id):
        track = self.controller.track(track_id)
        self.queue.select(track_id)
        self.setWindowTitle(f"{APP_NAME} — {track.name}" if track is not None else APP_NAME)
        chosen = preset(self.settings.preset)
        self.panel.show_track(track, solo=chosen.solo, mute=chosen.mute)
        ready = track is not None and track.audio is not None
        self.player.set_sources(track.sources if ready else {}, track.sr if ready else 44100)
        self.player.set_gains(self.mixer.gains())
        self._update_playhead(force=True)

    def _show_models(self):
        c = self.controller
        self.status.show_models(c)
        if c.models is not None:
            self.models_banner.hide()
        elif c.models_error:
            self.models_banner.show_message(no_models_text(self.settings.model_dir,
                                                           c.models_error),
                                            action="Choose model folder…")

    def _show_audio_state(self):
        """Without an output device: a lasting note and a disabled Play saying why."""
        why = self.player.unavailable
        self.status.show_audio(why)
        self.actions_by_name["play"].setEnabled(not why)
        self.actions_by_name["play"].setToolTip(why or "Play / pause (Space)")

    def _set_busy(self, busy):
        a = self.actions_by_name
        a["cancel"].setEnabled(busy)
        a["separate"].setEnabled(not busy)
        self.options.setEnabled(not busy)
        track = self.controller.track(self.controller.running.track_id) if busy else None
        self.status.show_busy(track.name if track is not None else None)

    def _progress(self, track_id, done, total, elapsed):
        self.status.show_progress(self.controller.track(track_id).name, done, total, elapsed)

    def _show_rejections(self):
        self.files_banner.show_message(rejections_text(self.controller.rejections))

    def _exported(self, paths):
        self.export_banner.show_message(export_text(paths), kind="info",
                                        action="Open folder" if paths else None)

    # -- user actions -------------------------------------------------------
    def open_dialog(self):
        paths, _ = QFileDialog.getOpenFileNames(self, "Open audio files",
                                                str(self.settings.open_dir), OPEN_FILTER)
        if paths:
            self.settings.open_dir = Path(paths[0]).parent
        self.controller.add_paths(paths)

    def _fill_recent(self):
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            self.recent_menu.addAction(path, lambda p=path: self.controller.add_paths([p]))
        self.recent_menu.setEnabled(bool(self.settings.recent_files))

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    dragMoveEvent = dragEnterEvent

    def dropEvent(self, event):
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.controller.add_paths(paths)

    def seek(self, seconds):
        self.player.seek(seconds)
        self._update_playhead(force=True)

    def stop_playback(self):
        self.player.stop()
        self._update_playhead(force=True)

    def _update_playhead(self, force=False):
        if not (force or self.player.is_playing):
            return
        pos = self.player.position
        self.panel.set_playhead(pos)
        track = self.controller.current_track()
        total = track.duration if track is not None else 0.0
        self.time_label.setText(f" {format_time(pos, decimals=1)} / "
                                f"{format_time(total, decimals=1)} ")

    def choose_model_dir(self):
        folder = QFileDialog.getExistingDirectory(self, "Choose the model folder",
                                                  str(self.settings.model_dir))
        if folder:
            self.options.set_model_dir(folder)

    def open_output_folder(self):
        folder = self.controller.last_export_dir
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.export_banner.show_message(f"No file manager could be opened; the files "
                                            f"are in {folder}", kind="warning")

    def show_about(self):
        self.about_box = about_box(self, self.controller.models)
        return self.about_box

    def closeEvent(self, event):
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self):
        """Stop playback, cancel work and end the worker threads."""
        self._tick.stop()
        self.player.stop()
        self.controller.shutdown()
