"""Queue processing for the main window: models, separate, cancel, progress, export.

A mixin of :class:`~mixin_gui.gui.main_window.MainWindow` (it uses the window's widgets,
workers, settings and tracks), kept apart so the window module stays about layout.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from ..config import SeparationOptions
from .export import ExportPlan, apply_policy, existing, plan_targets
from .widgets.timeplot import format_time
from .workers import SeparationJob


#: Tracks whose stems stay in memory (a four-minute stereo song's stems take about 250 MB);
#: older ones are released, the one on screen never.
KEEP_STEMS = 3


class Session:
    """Separation and export state: ``running`` job, loaded ``models``, queue order."""

    def init_session(self):
        self.running = None
        self.models = None
        self.models_error = ""
        self.models_loading = False
        self.last_export_dir = self.settings.output_dir
        self.last_written = []
        self.with_stems = []             # ids of tracks holding stems, oldest first
        w = self.separation.worker
        w.models_loading.connect(self._models_loading)
        w.models_ready.connect(self._models_ready)
        w.models_failed.connect(self._models_failed)
        w.progress.connect(self._progress)
        w.finished.connect(self._separated)
        w.failed.connect(self._separation_failed)
        w.cancelled.connect(self._cancelled)
        w.exported.connect(self._exported)
        w.export_failed.connect(self._export_failed)
        self.options.models_changed.connect(self.load_models)
        self.load_models()

    def separation_options(self):
        """The options the user chose, as the engine takes them."""
        return SeparationOptions(instrumental=self.settings.instrumental,
                                 single_model=self.settings.single_model)

    # -- models -------------------------------------------------------------
    def load_models(self):
        """Load the chosen models in the background (imports TensorFlow the first time)."""
        self.models_error = ""
        self.models_loading = True
        self.models_label.setText("Loading models…")
        self.separation.worker.submit_load(self.settings.model_dir, self.separation_options())

    def _models_loading(self, model_dir):
        self.models_loading = True
        self.models_label.setText("Loading models…")

    def _models_ready(self, info):
        self.models, self.models_error, self.models_loading = info, "", False
        self.models_banner.hide()
        self.models_label.setText(f"Models: {info['model_dir'].name} "
                                  f"({', '.join(info['stems'])})")

    def _models_failed(self, message):
        self.models, self.models_error, self.models_loading = None, message, False
        self.models_label.setText("Models: none")
        self.models_banner.show_message(self.no_models_text(message),
                                        action="Choose model folder…")

    # -- separation ---------------------------------------------------------
    def separate(self):
        """Separate every waiting track in queue order (or the selected one again)."""
        if self.running is not None:
            return
        if self.models_error:
            self.models_banner.show_message(self.no_models_text(self.models_error),
                                            action="Choose model folder…")
            return
        waiting = [i for i in self.queue.track_ids() if self.tracks[i].status == "waiting"]
        track = self.current_track()
        if not waiting and track is not None and track.status in ("done", "cancelled",
                                                                  "failed"):
            track.status = "waiting"
            self.queue.set_status(track)
        self._start_next()

    def _start_next(self):
        ids = [i for i in self.queue.track_ids() if self.tracks[i].status == "waiting"]
        if not ids:
            self._set_busy(False)
            return
        track = self.tracks[ids[0]]
        plan = None
        if self.settings.auto_export:
            stems = self.separation_options().stems
            names = [n for n in self.mixer.export_selection() if n in stems] or list(stems)
            plan = self.make_plan(track, names)
            if plan is None:                # the user cancelled the "file exists" question
                self._set_busy(False)
                return
        job = SeparationJob(track.id, track.audio, track.sr, self.settings.model_dir,
                            options=self.separation_options(), export=plan)
        self.running = job
        self._job_started = time.monotonic()
        track.status, track.message = "separating", ""
        self.queue.set_status(track)
        self._set_busy(True)
        self.progress.setRange(0, 0)            # busy until the first batch reports
        self.progress_label.setText(f"Separating {track.name}…")
        self.separation.worker.submit_separation(job)

    def cancel(self):
        if self.running is not None:
            self.running.cancel.set()
            self.progress_label.setText("Cancelling…")

    def _set_busy(self, busy):
        a = self.actions_by_name
        a["cancel"].setEnabled(busy)
        a["separate"].setEnabled(not busy)
        self.options.setEnabled(not busy)
        self.progress.setVisible(busy)
        if not busy:
            self.running = None
            self.progress_label.setText("")

    def _progress(self, track_id, done, total, elapsed):
        if self.running is None or track_id != self.running.track_id:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total} chunks")
        left = elapsed / done * (total - done) if done else 0.0
        self.progress_label.setText(f"{self.tracks[track_id].name}: "
                                    f"{format_time(elapsed)} elapsed, "
                                    f"{format_time(left)} left")

    def _separated(self, track_id, result):
        track = self.tracks.get(track_id)
        if track is not None:
            track.stems = result["stems"]
            track.stem_spectrograms = result["spectrograms"]
            track.status = "done"
            track.exported = list(result["written"])
            track.message = f"separated in {result['seconds']:.1f} s"
            self.queue.set_status(track)
            self._keep_stems(track_id)
            if track.exported:
                self._exported(track_id, track.exported)
            if track_id == self.current_id:
                self.show_track(track_id)
        self.running = None
        self._start_next()

    def _keep_stems(self, track_id):
        """Remember ``track_id`` holds stems; release the oldest beyond :data:`KEEP_STEMS`."""
        self.with_stems = [i for i in self.with_stems if i != track_id] + [track_id]
        for old in list(self.with_stems[:-KEEP_STEMS]):
            track = self.tracks.get(old)
            if old == self.current_id:
                continue
            self.with_stems.remove(old)
            if track is not None:
                track.stems, track.stem_spectrograms = None, {}
                track.message = "stems released to save memory; separate again to listen"
                self.queue.set_status(track, "(stems released)")

    def _separation_failed(self, track_id, message):
        track = self.tracks.get(track_id)
        if track is not None:
            track.status, track.message = "failed", message
            self.queue.set_status(track, f"— {message}")
        self.statusBar().showMessage(message, 10000)
        self.running = None
        self._start_next()

    def _cancelled(self, track_id):
        track = self.tracks.get(track_id)
        if track is not None:
            track.status, track.message = "cancelled", "cancelled by the user"
            self.queue.set_status(track)
        self.statusBar().showMessage("Separation cancelled; no files were written.", 8000)
        self._set_busy(False)

    # -- export -------------------------------------------------------------
    def make_plan(self, track, names, *, gains=None):
        """Target files of ``names`` for ``track``, with the "file exists" policy applied.

        Returns ``None`` when the user cancels the question about existing files.
        """
        fmt, depth = self.settings.output_format
        targets = plan_targets(self.settings.output_dir, self.settings.template, track.name,
                               names, fmt)
        policy = self.settings.on_exists
        clash = existing(targets)
        if policy == "ask" and clash:
            policy = self.ask_exists(clash)
            if policy is None:
                return None
        targets, overwrite, skipped = apply_policy(targets, policy)
        return ExportPlan(targets, fmt, depth, overwrite, skipped, gains)

    def ask_exists(self, paths):
        """Ask what to do with existing files: "overwrite", "skip", "rename" or None."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Files exist")
        names = "\n".join(p.name for p in paths[:8])
        box.setText(f"{len(paths)} output file(s) already exist in {paths[0].parent}:\n{names}")
        buttons = {box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole):
                   "overwrite",
                   box.addButton("Skip", QMessageBox.ButtonRole.AcceptRole): "skip",
                   box.addButton("Keep both", QMessageBox.ButtonRole.AcceptRole): "rename"}
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return buttons.get(box.clickedButton())

    def _export(self, names, gains=None):
        track = self.current_track()
        if track is None or not track.stems:
            self.statusBar().showMessage("Separate the track before exporting.", 6000)
            return None
        plan = self.make_plan(track, names, gains=gains)
        if plan is not None:
            self.separation.worker.submit_export(track.id, plan, track.sources, track.sr)
        return plan

    def export_stems(self):
        """Write the stems ticked in the mixer (all stems when none is ticked)."""
        track = self.current_track()
        stems = (track.stems or {}) if track is not None else {}
        names = [n for n in self.mixer.export_selection() if n in stems] or list(stems)
        return self._export(names)

    def export_mix(self):
        """Write what the mixer plays now (e.g. vocal muted: a karaoke track)."""
        return self._export(["custom-mix"], gains=self.mixer.gains())

    def _exported(self, track_id, paths):
        self.last_written = [Path(p) for p in paths]
        if not paths:
            self.export_banner.show_message("Nothing written: every file existed and was "
                                            "skipped.", kind="info")
            return
        self.last_export_dir = Path(paths[0]).parent
        self.export_banner.show_message(
            f"{len(paths)} file(s) written to {self.last_export_dir}", action="Open folder",
            kind="info")

    def _export_failed(self, track_id, message):
        self.export_banner.show_message(f"Export failed: {message}", kind="error")
