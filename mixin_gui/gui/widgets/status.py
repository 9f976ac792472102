"""The status bar's lasting parts: separation progress, the models, the audio output."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QProgressBar, QStyle

from ...model.discovery import set_label
from ...paths import default_model_dir
from .timeplot import format_time


def no_models_text(model_dir, error):
    """The models banner's text when ``model_dir`` gave no usable models."""
    if Path(model_dir).resolve() == default_model_dir().resolve():
        return ("No models are bundled with this copy of MiXiN (pretrained-models/ is "
                "empty). Choose a model folder to separate — the original MiXiN .h5 "
                "models work.")
    return f"{error} Choose another model folder to separate."


def rejections_text(lines):
    """The rejected-files banner's text: a heading and one line per file."""
    head = ("This file could not be loaded:" if len(lines) == 1
            else f"{len(lines)} files could not be loaded:")
    return "\n".join([head] + list(lines))


def export_text(paths):
    """The export banner's text, naming every file written."""
    if not paths:
        return "Nothing written: every file existed and was skipped."
    names = ", ".join(Path(p).name for p in paths)
    return f"Wrote {names} to {Path(paths[0]).parent}"


class StatusParts:
    """Permanent widgets of a status bar, and how they show the app's state.

    Parameters
    ----------
    bar : QStatusBar
    """

    def __init__(self, bar):
        self.progress = QProgressBar(maximumWidth=220, textVisible=True)
        self.progress.hide()
        self.progress_label = QLabel()
        self.models_label = QLabel("Models: not loaded")
        self.audio_label = QLabel()
        self.audio_label.hide()
        self.audio_icon = QLabel()
        self.audio_icon.hide()
        self.progress.setAccessibleName("Separation progress")
        for w in (self.progress_label, self.progress, self.audio_icon, self.audio_label,
                  self.models_label):
            bar.addPermanentWidget(w)

    def show_models(self, controller):
        """"Loading models…", the set (or folder) and stems in use, or "none"."""
        c = controller
        if c.models_loading:
            self.models_label.setText("Loading models…")
        elif c.models is not None:
            self.models_label.setText(f"Models: {set_label(c.models.model_dir)} "
                                      f"({', '.join(c.models.stems)})")
        else:
            self.models_label.setText("Models: none")

    def show_audio(self, unavailable):
        """A lasting "no audio output" note (the reason as its tooltip) when playback is off."""
        icon = self.audio_icon.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolumeMuted)
        self.audio_icon.setPixmap(icon.pixmap(16, 16))
        for label in (self.audio_icon, self.audio_label):
            label.setVisible(bool(unavailable))
            label.setToolTip(unavailable or "")
        self.audio_label.setText("No audio output" if unavailable else "")

    def show_busy(self, track_name):
        """Separating ``track_name`` (busy bar until the first batch), or idle for None."""
        self.progress.setVisible(track_name is not None)
        self.progress.setRange(0, 0)
        self.progress.setFormat("")      # no last job's "n/n chunks" left behind
        self.progress_label.setText(f"Separating {track_name}…" if track_name else "")

    def show_progress(self, name, done, total, elapsed):
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{done}/{total} chunks")
        left = elapsed / done * (total - done) if done else 0.0
        self.progress_label.setText(f"{name}: {format_time(elapsed)} elapsed, "
                                    f"{format_time(left)} left")
