"""Background work: decoding and analysing files, loading models, separating, exporting.

Each worker is a QObject living in its own QThread. The GUI thread calls its ``submit_*``
methods, which emit a private signal; because the worker lives in another thread, Qt queues
the call and the slot runs there. Workers receive plain values (arrays, paths, a
``threading.Event`` for cancel) and report through Signals; they never touch a widget.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..errors import Cancelled, MixinError, ModelLoadError
from .results import Analysis, ModelsInfo, SeparationResult

log = logging.getLogger(__name__)


class AnalysisWorker(QObject):
    """Decodes a file and computes its waveform overview and Bark spectrogram."""

    loaded = Signal(int, object)     # track id, Analysis
    failed = Signal(int, str)        # track id, one-sentence reason naming the file
    _request = Signal(int, str)

    def __init__(self):
        super().__init__()
        self._request.connect(self._analyse)

    def submit(self, track_id, path):
        self._request.emit(track_id, str(path))

    @Slot(int, str)
    def _analyse(self, track_id, path):
        from ..audio.io import read_audio
        from ..dsp.spectrogram import bark_spectrogram
        from .tracks import envelope

        try:
            audio, sr = read_audio(path)
            result = Analysis(audio, sr, bark_spectrogram(audio, sr), envelope(audio, sr))
        except MixinError as exc:
            self.failed.emit(track_id, str(exc))
            return
        except Exception as exc:  # a decoder bug must not end the worker thread
            log.exception("analysing %s failed", path)
            self.failed.emit(track_id, f"'{Path(path).name}' could not be analysed: {exc}")
            return
        self.loaded.emit(track_id, result)


class SeparationWorker(QObject):
    """Owns the loaded models (ONNX Runtime is imported here, off the GUI thread)."""

    models_loading = Signal(str)              # model dir
    models_ready = Signal(object)             # ModelsInfo
    models_failed = Signal(str)
    progress = Signal(int, int, int, float)   # track id, chunks done, total, seconds elapsed
    finished = Signal(int, object)            # track id, SeparationResult
    failed = Signal(int, str)
    cancelled = Signal(int)
    exported = Signal(int, object)            # track id, list of written paths
    export_failed = Signal(int, str)
    _load = Signal(object)                    # (model dir, stems)
    _separate = Signal(object)
    _export = Signal(int, object, object, int)

    def __init__(self):
        super().__init__()
        self._cache = {}
        self._load.connect(self._load_models)
        self._separate.connect(self._run_job)
        self._export.connect(self._run_export)

    # -- called from the GUI thread ---------------------------------------
    def submit_load(self, model_dir, stems):
        """Load the networks of ``stems`` from ``model_dir`` (unless they are loaded)."""
        self._load.emit((str(model_dir), tuple(stems)))

    def submit_separation(self, job):
        self._separate.emit(job)

    def submit_export(self, track_id, plan, sources, sr):
        self._export.emit(track_id, plan, sources, sr)

    # -- worker thread ------------------------------------------------------
    def _separator(self, model_dir, stems):
        """The loaded engine of ``model_dir``, (re)loading when it lacks one of ``stems``.

        The engine is only read: options travel with every call, never as its state.
        """
        sep = self._held(model_dir, stems)
        if sep is None:
            self.models_loading.emit(str(model_dir))
            from ..engine import Separator

            self._cache.clear()          # one set of networks in memory at a time
            sep = Separator(model_dir, stems=tuple(stems))
            self._cache[str(Path(model_dir).resolve())] = sep
            self._ready(model_dir, sep)
        return sep

    def _held(self, model_dir, stems):
        """The engine in memory when it has the networks of ``stems``, else None."""
        sep = self._cache.get(str(Path(model_dir).resolve()))
        return sep if sep is not None and set(stems) <= set(sep.stems) else None

    def _ready(self, model_dir, sep):
        models = sep.models
        self.models_ready.emit(ModelsInfo(Path(model_dir), tuple(models.stems),
                                          dict(models.cards), dict(models.files)))

    @Slot(object)
    def _load_models(self, request):
        model_dir, stems = request
        try:
            held = self._held(model_dir, stems)
            if held is not None:                 # already in memory: say so again
                self._ready(model_dir, held)
            else:
                self._separator(model_dir, stems)
        except MixinError as exc:
            self.models_failed.emit(str(exc))
        except Exception as exc:
            log.exception("loading models from %s failed", model_dir)
            self.models_failed.emit(f"Models in '{model_dir}' could not be loaded: {exc}")

    @Slot(object)
    def _run_job(self, job):
        try:
            result = self._separate_job(job)
        except Cancelled:
            self.cancelled.emit(job.track_id)
            return
        except MixinError as exc:
            if isinstance(exc, ModelLoadError):
                self.models_failed.emit(str(exc))
            self.failed.emit(job.track_id, str(exc))
            return
        except Exception as exc:
            log.exception("separating track %s failed", job.track_id)
            self.failed.emit(job.track_id, f"Separation failed: {exc}")
            return
        self.finished.emit(job.track_id, result)

    def _separate_job(self, job):
        from ..dsp.spectrogram import bark_spectrogram

        sep = self._separator(job.model_dir, job.options.stems)
        start = time.monotonic()

        def progress(done, total):
            self.progress.emit(job.track_id, done, total, time.monotonic() - start)

        if job.cancel.is_set():
            raise Cancelled("Separation cancelled.")
        stems = dict(sep.separate(job.audio, job.sr, job.options, progress=progress,
                                  cancel=job.cancel).audio)
        spectrograms = {name: bark_spectrogram(audio, job.sr, cancel=job.cancel)
                        for name, audio in stems.items()}     # raises Cancelled
        written = []
        if job.export is not None:
            from .export import write_outputs

            sources = dict(stems, mix=job.audio)
            written = write_outputs(job.export, sources, job.sr, cancel=job.cancel)
        return SeparationResult(stems, spectrograms, tuple(written), time.monotonic() - start,
                                job.options, Path(job.model_dir))

    @Slot(int, object, object, int)
    def _run_export(self, track_id, plan, sources, sr):
        from .export import write_outputs

        try:
            written = write_outputs(plan, sources, sr)
        except MixinError as exc:
            self.export_failed.emit(track_id, str(exc))
            return
        except Exception as exc:
            log.exception("export failed")
            self.export_failed.emit(track_id, f"Export failed: {exc}")
            return
        self.exported.emit(track_id, written)


class _PythonThread(QThread):
    """A QThread whose event loop runs inside a Python ``run``.

    With a plain QThread, PySide creates a fresh Python thread state for every queued slot
    call and destroys it afterwards. Libraries that keep per-thread Python state crash the
    process when imported in one slot call and used in a later one (a segmentation fault,
    seen with TensorFlow 2.x and PySide6 6.12, when the worker still ran TensorFlow).
    Running ``exec()`` from Python keeps one thread state for the thread's whole life.
    """

    def run(self):
        self.exec()


class WorkerThread:
    """A worker moved into its own started QThread, with an orderly shutdown."""

    def __init__(self, worker, name):
        self.worker = worker
        self.thread = _PythonThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self, timeout_ms=30000):
        """Ask the thread's event loop to end after its current task, and wait."""
        self.thread.quit()
        return self.thread.wait(timeout_ms)
