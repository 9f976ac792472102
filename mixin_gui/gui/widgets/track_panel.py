"""The right-hand side of the window: waveform, spectrogram tabs and the stem mixer."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ... import config
from .mixer import StemMixer
from .spectrogram import SpectrogramView
from .waveform import WaveformView


def placeholder(name):
    """What an empty view says."""
    if name == "mix":
        return "Drop audio files or a folder here, or use File ▸ Open"
    return f"Separate to see the {name} stem"


class TrackPanel(QWidget):
    """Shows one :class:`~mixin_gui.gui.tracks.Track`: its waveform, spectrograms and mixer.

    Every view shares one time axis: the same second is at the same x in all of them.

    Signals
    -------
    seek_requested(float)
        Seconds the user clicked in any view.
    """

    seek_requested = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.waveform = WaveformView()
        self.waveform.setAccessibleName("Waveform")
        self.views = {name: SpectrogramView(placeholder=placeholder(name))
                      for name in ("mix",) + config.STEMS}
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Spectrograms")
        self.tabs.setDocumentMode(True)       # no pane frame: plots line up with the waveform
        for name, view in self.views.items():
            view.setAccessibleName(f"{name.capitalize()} spectrogram")
            self.tabs.addTab(view, name.capitalize())
            view.follow(self.waveform)
            view.seek_requested.connect(self.seek_requested)
        self.waveform.seek_requested.connect(self.seek_requested)
        self.mixer = StemMixer()
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.waveform, 1)
        col.addWidget(self.tabs, 5)
        col.addWidget(self.mixer)

    def show_track(self, track, *, solo=(), mute=()):
        """Draw ``track`` (or nothing for ``None``) and reset the mixer to its sources.

        ``solo`` and ``mute`` set how the mixer starts when the track has stems.
        """
        if track is None or track.audio is None:
            self.show_nothing(loading=track is not None)
            return
        self.waveform.set_envelope(track.envelope, track.duration)
        self.views["mix"].set_spectrogram(track.spectrogram)
        levels = self.views["mix"].colorbar.levels()
        for stem in config.STEMS:
            spec = track.stem_spectrograms.get(stem)
            if spec is not None:
                self.views[stem].set_spectrogram(spec, levels=levels)
            elif track.stems and stem == "vocal":
                self.views[stem].clear_image("No vocal stem in instrumental mode")
            elif track.status == "done" and not track.stems:
                self.views[stem].clear_image("Stems released to save memory: separate "
                                             "again (Ctrl+Enter)")
            else:
                self.views[stem].clear_image(placeholder(stem))
        if track.stems:
            self.mixer.reset(track.sources, solo=solo, mute=mute)
        else:
            self.mixer.reset(track.sources)

    def show_nothing(self, *, loading=False):
        self.mixer.reset(())
        self.waveform.clear_envelope()
        for name, view in self.views.items():
            view.clear_image("Loading…" if loading and name == "mix" else placeholder(name))

    def set_playhead(self, seconds):
        self.waveform.set_playhead(seconds)
        for view in self.views.values():
            view.set_playhead(seconds)

    def fit(self):
        self.waveform.fit()
        for view in self.views.values():
            view.fit()
