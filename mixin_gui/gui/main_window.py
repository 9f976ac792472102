"""The main window: builds the layout and wires widgets, workers and the player together.

The queue logic (separate, cancel, export) lives in :class:`~mixin_gui.gui.session.Session`
mixed into the window; heavy work happens in :mod:`~mixin_gui.gui.workers`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QIcon, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressBar,
                               QSplitter, QTabWidget, QToolBar, QVBoxLayout, QWidget)

from .. import __version__, config
from ..audio.io import is_audio_name
from ..paths import default_model_dir, resource
from .about import about_html
from .player import Player
from .session import Session
from .settings import Settings
from .tracks import Track, new_track_id
from .widgets.banner import Banner
from .widgets.mixer import StemMixer
from .widgets.options import OptionsPanel
from .widgets.queue import QueueView
from .widgets.spectrogram import SpectrogramView
from .widgets.timeplot import format_time
from .widgets.waveform import WaveformView
from .workers import AnalysisWorker, SeparationWorker, WorkerThread

APP_NAME = "MiXiN"
#: File dialog filter of every extension MiXiN reads.
OPEN_FILTER = "Audio files ({})".format(" ".join(f"*{e}" for e in config.READ_EXTENSIONS))


class MainWindow(Session, QMainWindow):
    """Load, see, separate, listen, export.

    Parameters
    ----------
    settings : Settings or None
        Persistent options (tests pass one backed by a temporary file).
    """

    def __init__(self, settings=None):
        super().__init__()
        self.settings = settings or Settings()
        self.tracks = {}
        self.current_id = 0
        self.rejections = []
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
        self._start_workers()
        self.init_session()
        self._tick = QTimer(self, interval=33, timeout=self._update_playhead)
        self._tick.start()
        if self.player.unavailable:
            self.statusBar().showMessage(self.player.unavailable, 0)
        geometry = self.settings.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)

    # -- construction -------------------------------------------------------
    def _build_views(self):
        self.models_banner = Banner(kind="warning")
        self.files_banner = Banner(kind="error")
        self.export_banner = Banner(kind="info")
        self.queue = QueueView()
        self.options = OptionsPanel(self.settings)
        self.waveform = WaveformView()
        self.views = {name: SpectrogramView(placeholder=self._placeholder(name))
                      for name in ("mix",) + config.STEMS}
        self.tabs = QTabWidget()
        for name, view in self.views.items():
            self.tabs.addTab(view, name.capitalize())
            view.follow(self.waveform)
            view.seek_requested.connect(self.seek)
        self.waveform.seek_requested.connect(self.seek)
        self.mixer = StemMixer()
        self.mixer.set_export_selection(self.settings.export_stems)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.queue)
        left.addWidget(self.options)
        left.setStretchFactor(0, 1)
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.waveform, 1)
        col.addWidget(self.tabs, 5)
        col.addWidget(self.mixer)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 950])
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        for banner in (self.models_banner, self.files_banner, self.export_banner):
            outer.addWidget(banner)
        outer.addWidget(split, 1)
        self.setCentralWidget(central)

        self.progress = QProgressBar(maximumWidth=220, textVisible=True)
        self.progress.hide()
        self.progress_label = QLabel()
        self.models_label = QLabel("Models: not loaded")
        self.time_label = QLabel("0:00.0 / 0:00.0")
        for w in (self.progress_label, self.progress, self.models_label):
            self.statusBar().addPermanentWidget(w)

    def _action(self, text, slot, shortcut=None, tip=None):
        action = QAction(text, self)
        action.triggered.connect(slot)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip or text.replace("…", ""))
        self.addAction(action)
        return action

    def _build_actions(self):
        a = self.actions_by_name = {
            "open": self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open),
            "models": self._action("Choose &model folder…", self.choose_model_dir),
            "separate": self._action("&Separate", self.separate, "Ctrl+Return",
                                     "Separate the waiting tracks (Ctrl+Enter)"),
            "cancel": self._action("&Cancel", self.cancel, "Esc", "Cancel the separation (Esc)"),
            "play": self._action("Play", self.player.toggle, "Space",
                                 "Play / pause (Space)"),
            "stop": self._action("Stop", self.stop_playback, "Ctrl+.", "Stop (Ctrl+.)"),
            "export": self._action("&Export stems", self.export_stems, "Ctrl+E",
                                   "Write the chosen stems (Ctrl+E)"),
            "export_mix": self._action("Export current &mix", self.export_mix,
                                       "Ctrl+Shift+E",
                                       "Write what the mixer plays, e.g. a karaoke track"),
            "remove": self._action("&Remove from queue",
                                   lambda: self.remove_tracks(self.queue.selected_ids())),
            "up": self._action("Move &up", lambda: self.queue.move(self.current_id, -1),
                               "Ctrl+Up"),
            "down": self._action("Move &down", lambda: self.queue.move(self.current_id, 1),
                                 "Ctrl+Down"),
            "fit": self._action("Zoom to &fit", self.zoom_to_fit, "Ctrl+0",
                                "Show the whole track (Ctrl+0)"),
            "quit": self._action("&Quit", self.close, QKeySequence.StandardKey.Quit),
            "about": self._action("&About MiXiN", self.show_about, "F1"),
        }
        a["cancel"].setEnabled(False)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(a["open"])
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        menu.addAction(a["models"])
        menu.addSeparator()
        menu.addActions([a["export"], a["export_mix"]])
        menu.addSeparator()
        menu.addAction(a["quit"])
        menu = self.menuBar().addMenu("&Track")
        menu.addActions([a["separate"], a["cancel"], a["remove"], a["up"], a["down"]])
        menu = self.menuBar().addMenu("&Playback")
        menu.addActions([a["play"], a["stop"]])
        self.menuBar().addMenu("&View").addAction(a["fit"])
        self.menuBar().addMenu("&Help").addAction(a["about"])
        bar = QToolBar("Main", movable=False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addActions([a["open"], a["separate"], a["cancel"]])
        bar.addSeparator()
        bar.addActions([a["play"], a["stop"]])
        bar.addWidget(self.time_label)
        bar.addSeparator()
        bar.addActions([a["export"], a["export_mix"]])
        self.addToolBar(bar)
        self.player.state_changed.connect(
            lambda playing: a["play"].setText("Pause" if playing else "Play"))
        self.player.error.connect(lambda msg: self.statusBar().showMessage(msg, 8000))

    def _start_workers(self):
        self.analysis = WorkerThread(AnalysisWorker(), "mixin-analysis")
        self.separation = WorkerThread(SeparationWorker(), "mixin-separation")
        self.analysis.worker.loaded.connect(self._track_loaded)
        self.analysis.worker.failed.connect(self._track_rejected)
        self.queue.current_changed.connect(self.show_track)
        self.queue.remove_requested.connect(self.remove_tracks)
        self.mixer.changed.connect(lambda: self.player.set_gains(self.mixer.gains()))
        self.mixer.export_changed.connect(
            lambda: setattr(self.settings, "export_stems", self.mixer.export_selection()))
        self.models_banner.action_clicked.connect(self.choose_model_dir)
        self.export_banner.action_clicked.connect(self.open_output_folder)
        self.files_banner.close_button.clicked.connect(self.rejections.clear)

    # -- loading files ------------------------------------------------------
    def open_dialog(self):
        paths, _ = QFileDialog.getOpenFileNames(self, "Open audio files", "", OPEN_FILTER)
        self.add_paths(paths)

    def _fill_recent(self):
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            self.recent_menu.addAction(path, lambda p=path: self.add_paths([p]))
        self.recent_menu.setEnabled(bool(self.settings.recent_files))

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def add_paths(self, paths):
        """Queue files and the audio files inside folders; reject the rest with a message."""
        for path in map(Path, paths):
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file() and is_audio_name(p))
                if not found:
                    self.reject(f"'{path.name}' is a folder without audio files.")
                for p in found:
                    self._add_file(p)
            elif not path.exists():
                self.reject(f"'{path.name}' does not exist.")
            elif not is_audio_name(path):
                self.reject(f"'{path.name}' is not a supported audio file "
                            f"(MiXiN reads {', '.join(config.READ_EXTENSIONS)}).")
            else:
                self._add_file(path)

    def _add_file(self, path):
        track = Track(new_track_id(), Path(path).resolve())
        self.tracks[track.id] = track
        self.queue.add(track)
        self.analysis.worker.submit(track.id, str(track.path))

    def _track_loaded(self, track_id, data):
        track = self.tracks.get(track_id)
        if track is None:
            return
        track.audio, track.sr = data["audio"], data["sr"]
        track.spectrogram, track.envelope = data["spectrogram"], data["envelope"]
        track.status = "waiting"
        self.queue.set_status(track)
        self.settings.add_recent(track.path)
        if track_id == self.current_id or self.current_id == 0:
            self.show_track(track_id)

    def _track_rejected(self, track_id, message):
        track = self.tracks.pop(track_id, None)
        if track is not None:
            self.queue.remove(track_id)
        self.reject(message)

    def reject(self, message):
        """Add one line naming a file and the reason to the rejected-files banner."""
        self.rejections.append(message)
        n = len(self.rejections)
        head = "This file could not be loaded:" if n == 1 else f"{n} files could not be loaded:"
        self.files_banner.show_message("\n".join([head] + self.rejections))

    def remove_tracks(self, ids):
        for track_id in ids:
            if self.running is not None and self.running.track_id == track_id:
                continue                     # cancel it first
            self.tracks.pop(track_id, None)
            self.queue.remove(track_id)

    # -- showing a track ----------------------------------------------------
    def show_track(self, track_id):
        track = self.tracks.get(track_id)
        self.current_id = track_id if track is not None else 0
        if track is None:
            self._show_nothing()
        if track is None or track.audio is None:
            return
        self.setWindowTitle(f"{APP_NAME} — {track.name}")
        self.waveform.set_envelope(track.envelope, track.duration)
        self.views["mix"].set_spectrogram(track.spectrogram)
        levels = self.views["mix"].colorbar.levels()
        for stem in config.STEMS:
            spec = track.stem_spectrograms.get(stem)
            if spec is not None:
                self.views[stem].set_spectrogram(spec, levels=levels)
            else:
                if track.stems and stem == "vocal":
                    why = "No vocal stem in instrumental mode"
                elif track.status == "done" and not track.stems:
                    why = "Stems released to save memory: separate again (Ctrl+Enter)"
                else:
                    why = self._placeholder(stem)
                self.views[stem].clear_image(why)
        self.player.set_sources(track.sources, track.sr)
        self.mixer.set_available(track.sources)
        self.player.set_gains(self.mixer.gains())
        self._update_playhead(force=True)

    def _show_nothing(self):
        self.setWindowTitle(APP_NAME)
        self.player.set_sources({}, self.player.sr)
        self.mixer.set_available(())
        self.waveform.clear_envelope()
        for name, view in self.views.items():
            view.clear_image(self._placeholder(name))

    @staticmethod
    def _placeholder(name):
        if name == "mix":
            return "Drop audio files or a folder here, or use File ▸ Open"
        return f"Separate to see the {name} stem"

    def current_track(self):
        return self.tracks.get(self.current_id)

    # -- playback -----------------------------------------------------------
    def zoom_to_fit(self):
        self.waveform.fit()
        for view in self.views.values():
            view.fit()

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
        self.waveform.set_playhead(pos)
        for view in self.views.values():
            view.set_playhead(pos)
        track = self.current_track()
        total = track.duration if track is not None else 0.0
        self.time_label.setText(f" {format_time(pos, decimals=1)} / "
                                f"{format_time(total, decimals=1)} ")

    # -- models, folders, about ---------------------------------------------
    def choose_model_dir(self):
        start = str(self.settings.model_dir)
        folder = QFileDialog.getExistingDirectory(self, "Choose the model folder", start)
        if folder:
            self.options.set_model_dir(folder)

    def no_models_text(self, error):
        if Path(self.settings.model_dir).resolve() == default_model_dir().resolve():
            return ("No models are bundled with this copy of MiXiN (pretrained-models/ is "
                    "empty). Choose a model folder to separate — the original MiXiN .h5 "
                    "models work.")
        return f"{error} Choose another model folder to separate."

    def open_output_folder(self):
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_export_dir)))

    def show_about(self):
        box = QMessageBox(self)
        box.setWindowTitle("About MiXiN")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(about_html(__version__, self.models))
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.open()
        self.about_box = box
        return box

    def closeEvent(self, event):
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self):
        """Stop playback, cancel work and end the worker threads."""
        self._tick.stop()
        self.player.stop()
        if self.running is not None:
            self.running.cancel.set()
        self.analysis.stop()
        self.separation.stop()
