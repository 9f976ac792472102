"""The app's state and work, without widgets: the queue, the models, the running job.

:class:`Controller` owns the worker threads, the model-loading state, the job in progress and
the stems kept in memory. The window calls its methods and listens to its signals; tests and
``--self-test`` drive it the same way, without a window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from .. import config
from ..config import SeparationOptions
from ..model.discovery import set_label
from .presets import preset
from .queue_model import QueueModel
from .results import SeparationJob
from .tracks import Track, new_track_id
from .workers import AnalysisWorker, SeparationWorker, WorkerThread

#: Tracks whose stems stay in memory (a four-minute stereo song's stems take about 250 MB);
#: older ones are released, the one on screen never.
KEEP_STEMS = 3


def mode_text(options, model_dir):
    """How a track was separated, in words, e.g. ``"3 stems · unet"``: the bundled set's
    name, else the model folder's."""
    parts = ["2 stems (instrumental)" if options.instrumental else "3 stems"]
    if options.single_model:
        parts.append("raw network output")
    return " · ".join(parts + [set_label(model_dir)])


class Controller(QObject):
    """Queue, models, separation and export of the desktop app.

    Parameters
    ----------
    settings : Settings
    parent : QObject or None

    Signals
    -------
    current_changed(int)
        The track on screen changed, or its data did (loaded, separated, stems released).
    models_changed()
        :attr:`models`, :attr:`models_error` or :attr:`models_loading` changed.
    busy_changed(bool)
        A separation started or the queue ran out.
    progress(int, int, int, float)
        Track id, chunks done, chunks in all, seconds elapsed.
    message(str, int)
        A status line and how long it shows (ms).
    rejections_changed()
        :attr:`rejections` changed (files that could not be queued).
    exported(object)
        The list of paths an export wrote.
    export_failed(str)
    """

    current_changed = Signal(int)
    models_changed = Signal()
    busy_changed = Signal(bool)
    progress = Signal(int, int, int, float)
    message = Signal(str, int)
    rejections_changed = Signal()
    exported = Signal(object)
    export_failed = Signal(str)

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.queue = QueueModel(self)
        self.current_id = 0
        self.rejections = []
        self.running = None
        self.models = None
        self.models_error = ""
        self.models_loading = False
        self.last_export_dir = settings.output_dir
        self.last_written = []
        self.with_stems = []             # ids of tracks holding stems, oldest first
        #: Asked when an output exists and the policy is "ask": paths -> "overwrite",
        #: "skip", "rename" or None (cancel). The window sets a dialog here.
        self.ask_exists = lambda paths: "rename"
        self.analysis = WorkerThread(AnalysisWorker(), "mixin-analysis")
        self.separation = WorkerThread(SeparationWorker(), "mixin-separation")
        self.analysis.worker.loaded.connect(self._track_loaded)
        self.analysis.worker.failed.connect(self._track_rejected)
        w = self.separation.worker
        w.models_loading.connect(self._models_loading)
        w.models_ready.connect(self._models_ready)
        w.models_failed.connect(self._models_failed)
        w.progress.connect(self._progress)
        w.finished.connect(self._separated)
        w.failed.connect(self._separation_failed)
        w.cancelled.connect(self._cancelled)
        w.exported.connect(lambda _id, paths: self._exported(paths))
        w.export_failed.connect(lambda _id, msg: self.export_failed.emit(msg))
        # an app that quits with the window still open (a script's app.exit(), a session
        # ending) must not destroy running threads: Qt aborts the process if it does
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- tracks -------------------------------------------------------------
    @property
    def tracks(self):
        """Track id to :class:`Track`, in queue order."""
        return {t.id: t for t in self.queue.tracks()}

    def track(self, track_id):
        return self.queue.track(track_id)

    def current_track(self):
        return self.queue.track(self.current_id)

    def set_current(self, track_id):
        """Show ``track_id`` (0: nothing)."""
        track_id = track_id if self.queue.track(track_id) is not None else 0
        if track_id != self.current_id:
            self.current_id = track_id
            self.current_changed.emit(track_id)

    def add_paths(self, paths):
        """Queue files and the audio files inside folders; reject the rest with a message.

        The first file queued becomes the current track (shown once it is analysed).
        Returns the ids queued.
        """
        from ..audio.io import is_audio_name     # soundfile: not needed to show the window

        added = []
        for path in map(Path, paths):
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file() and is_audio_name(p))
                if not found:
                    self.reject(f"'{path.name}' is a folder without audio files.")
                added += [self._add_file(p) for p in found]
            elif not path.exists():
                self.reject(f"'{path.name}' does not exist.")
            elif not is_audio_name(path):
                self.reject(f"'{path.name}' is not a supported audio file "
                            f"(MiXiN reads {', '.join(config.READ_EXTENSIONS)}).")
            else:
                added.append(self._add_file(path))
        if added:
            self.set_current(added[0])
        return added

    def _add_file(self, path):
        track = Track(new_track_id(), Path(path).resolve())
        self.queue.add(track)
        self.analysis.worker.submit(track.id, str(track.path))
        return track.id

    def _track_loaded(self, track_id, analysis):
        track = self.queue.track(track_id)
        if track is None:
            return
        track.audio, track.sr = analysis.audio, analysis.sr
        track.spectrogram, track.envelope = analysis.spectrogram, analysis.envelope
        track.status = "waiting"
        self.queue.changed(track_id)
        self.settings.add_recent(track.path)
        if track_id == self.current_id:
            self.current_changed.emit(track_id)

    def _track_rejected(self, track_id, message):
        if self.queue.remove(track_id) is not None and track_id == self.current_id:
            self._show_first()
        self.reject(message)

    def reject(self, message):
        """Remember one line naming a file and why it was not queued."""
        self.rejections.append(message)
        self.rejections_changed.emit()

    def clear_rejections(self):
        self.rejections.clear()

    def remove_tracks(self, ids):
        """Remove tracks from the queue (not the one being separated: cancel it first)."""
        for track_id in ids:
            if self.running is not None and self.running.track_id == track_id:
                continue
            self.queue.remove(track_id)
            self.with_stems = [i for i in self.with_stems if i != track_id]
        if self.queue.track(self.current_id) is None:
            self._show_first()

    def _show_first(self):
        """The current track left the queue: show the first one (or nothing)."""
        ids = self.queue.track_ids()
        self.current_id = ids[0] if ids else 0
        self.current_changed.emit(self.current_id)

    # -- models -------------------------------------------------------------
    def options(self):
        """The :class:`SeparationOptions` the settings ask for."""
        return SeparationOptions(instrumental=self.settings.instrumental,
                                 single_model=self.settings.single_model)

    def load_models(self):
        """Load the chosen models in the background (ONNX Runtime and the networks, off the GUI thread)."""
        self.models_error, self.models_loading = "", True
        self.models_changed.emit()
        self.separation.worker.submit_load(self.settings.model_dir, self.options().stems)

    def _models_loading(self, _model_dir):
        self.models_loading = True
        self.models_changed.emit()

    def _models_ready(self, info):
        self.models, self.models_error, self.models_loading = info, "", False
        self.models_changed.emit()

    def _models_failed(self, message):
        self.models, self.models_error, self.models_loading = None, message, False
        self.models_changed.emit()

    # -- separation ---------------------------------------------------------
    def separate(self):
        """Separate every waiting track in queue order (or the current one again).

        Returns ``False`` with a message when there is nothing to do or no models.
        """
        if self.running is not None:
            return False
        if self.models_error:
            self.message.emit(f"No models to separate with: {self.models_error}", 10000)
            return False
        if not len(self.queue):
            self.message.emit("Nothing to separate: add a track first (drop audio files "
                              "here or use File ▸ Open).", 8000)
            return False
        waiting = [t for t in self.queue.tracks() if t.status == "waiting"]
        track = self.current_track()
        if not waiting and track is not None and track.status in ("done", "cancelled",
                                                                  "failed"):
            track.status = "waiting"
            self.queue.changed(track.id)
            waiting = [track]
        if not waiting:
            self.message.emit("Every track is still loading or already separated.", 6000)
            return False
        return self._start_next()

    def _start_next(self):
        waiting = [t for t in self.queue.tracks() if t.status == "waiting"]
        if not waiting:
            self._set_running(None)
            return False
        track, options = waiting[0], self.options()
        plan = None
        if self.settings.auto_export:
            plan = self.make_plan(track, self._auto_outputs(options),
                                  gains=preset(self.settings.preset).gains or None)
            if plan is None:                # the user cancelled the "file exists" question
                self._set_running(None)
                return False
        job = SeparationJob(track.id, track.audio, track.sr, self.settings.model_dir,
                            options, export=plan)
        track.status, track.message = "separating", ""
        self.queue.changed(track.id)
        self._set_running(job)
        self.separation.worker.submit_separation(job)
        return True

    def _auto_outputs(self, options):
        """Output names of the automatic export: the preset's one file or chosen stems."""
        chosen = preset(self.settings.preset)
        if chosen.output is not None and (options.stems == config.STEMS
                                          or not chosen.needs_vocal):
            return [chosen.output]
        names = [n for n in self.settings.export_stems if n in options.stems]
        return names or list(options.stems)

    def _set_running(self, job):
        was = self.running is not None
        self.running = job
        if was != (job is not None):
            self.busy_changed.emit(job is not None)

    def cancel(self):
        """Ask the running separation to stop between two batches."""
        if self.running is not None:
            self.running.cancel.set()
            self.message.emit("Cancelling…", 0)

    def _progress(self, track_id, done, total, elapsed):
        if self.running is not None and track_id == self.running.track_id:
            self.progress.emit(track_id, done, total, elapsed)

    def _separated(self, track_id, result):
        track = self.queue.track(track_id)
        if track is not None:
            track.stems = result.stems
            track.stem_spectrograms = result.spectrograms
            track.status = "done"
            track.exported = list(result.written)
            track.mode = mode_text(result.options, result.model_dir)
            track.message = f"separated in {result.seconds:.1f} s ({track.mode})"
            self.queue.changed(track_id)
            self._keep_stems(track_id)
            if track.exported:
                self._exported(track.exported)
            if track_id == self.current_id:
                self.current_changed.emit(track_id)
        self._start_next()

    def _keep_stems(self, track_id):
        """Remember ``track_id`` holds stems; release the oldest beyond :data:`KEEP_STEMS`."""
        self.with_stems = [i for i in self.with_stems if i != track_id] + [track_id]
        for old in list(self.with_stems[:-KEEP_STEMS]):
            if old == self.current_id:
                continue
            self.with_stems.remove(old)
            track = self.queue.track(old)
            if track is not None:
                track.stems, track.stem_spectrograms = None, {}
                track.message = "stems released to save memory; separate again to listen"
                self.queue.changed(old)

    def _separation_failed(self, track_id, message):
        track = self.queue.track(track_id)
        if track is not None:
            track.status, track.message = "failed", message
            self.queue.changed(track_id)
        self.message.emit(message, 10000)
        self._start_next()

    def _cancelled(self, track_id):
        track = self.queue.track(track_id)
        if track is not None:
            track.status, track.message = "cancelled", "cancelled by the user"
            self.queue.changed(track_id)
        self.message.emit("Separation cancelled; no files were written.", 8000)
        self._set_running(None)

    # -- export -------------------------------------------------------------
    def make_plan(self, track, names, *, gains=None):
        """Target files of ``names`` for ``track``, with the "file exists" policy applied.

        Returns ``None`` when the user cancels the question about existing files.
        """
        from .export import ExportPlan, apply_policy, existing, plan_targets

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
        loaded = tuple(t.path for t in self.queue.tracks() if t is not track)
        return ExportPlan(targets, fmt, depth or None, overwrite, skipped, gains,
                          inputs=(track.path, *loaded))   # no export may replace these

    def export(self, names, gains=None):
        """Write ``names`` of the current track in the background; returns the plan."""
        track = self.current_track()
        if track is None:
            self.message.emit("Nothing to export: open a track and separate it first.", 8000)
            return None
        if not track.stems:
            self.message.emit(f"Separate '{track.name}' before exporting (Ctrl+Enter).", 8000)
            return None
        plan = self.make_plan(track, names, gains=gains)
        if plan is not None:
            self.separation.worker.submit_export(track.id, plan, track.sources, track.sr)
        return plan

    def export_stems(self, selection):
        """Write the stems in ``selection`` (every stem when none of them was made)."""
        track = self.current_track()
        stems = (track.stems or {}) if track is not None else {}
        return self.export([n for n in selection if n in stems] or list(stems))

    def export_mix(self, gains):
        """Write what the mixer plays, mixed by ``gains``, as one file."""
        return self.export(["custom-mix"], gains=dict(gains))

    def _exported(self, paths):
        self.last_written = [Path(p) for p in paths]
        if paths:
            self.last_export_dir = Path(paths[0]).parent
        self.exported.emit(list(self.last_written))

    # -- the end ------------------------------------------------------------
    def shutdown(self):
        """Cancel work and end the worker threads."""
        if self.running is not None:
            self.running.cancel.set()
        self.analysis.stop()
        self.separation.stop()
