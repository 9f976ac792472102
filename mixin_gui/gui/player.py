"""Playback of the mix and the stems through sounddevice (PortAudio).

All sources of a track are stacked once into one prepared buffer ``(sources, frames, 2)``.
The audio callback does no allocation of its own state, takes no lock and never touches
Qt: it reads the current gain vector (replaced whole by the GUI thread, an atomic reference
swap), takes the buffer's next block, and writes the gain-weighted sum of the sources. A
gain change is ramped over one block, so solo, mute and sliders switch without a gap or a
click. Seeks are handed over the same way, as a ``(serial, frame)`` pair.

Without PortAudio or an output device the player says why in :attr:`unavailable` and every
method is a harmless no-op, so the rest of the app keeps working.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


def _open_sounddevice():
    """``(module, None)`` when an output device exists, else ``(None, reason)``."""
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:     # PortAudio library missing
        return None, f"No audio output: PortAudio is not available ({exc})."
    try:
        sd.query_devices(kind="output")
    except (sd.PortAudioError, ValueError):
        return None, "No audio output device: playback is off, everything else works."
    return sd, None


class Player(QObject):
    """Plays a set of equally long sources with per-source gains.

    Signals
    -------
    state_changed(bool)
        Playing or not (also emitted when the end of the track is reached).
    error(str)
        The output stream could not be opened or failed.
    """

    state_changed = Signal(bool)
    error = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._sd, self.unavailable = _open_sounddevice()
        self.names = ()
        self.sr = 44100
        self._sources = ()                         # (frames, channels) float32 each
        self._frames = 0
        self._gains = np.zeros(0, np.float32)      # wanted, replaced whole
        self._applied = self._gains                # what the last block ended with
        self._pos = 0
        self._seek = (0, 0)
        self._seek_done = 0
        self.frames_played = 0
        self._stream = None
        self._playing = False
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._check_stream)

    # -- sources and gains ------------------------------------------------
    def set_sources(self, sources, sr):
        """Play ``{name: (frames, channels) float32}``, all one length.

        The arrays are kept as they are, not copied (a song's mix and stems are hundreds of
        MB); each audio block is mixed from slices of them.
        """
        self.stop()
        self.names = tuple(sources)
        self.sr = int(sr)
        self._sources = tuple(np.asarray(a, dtype=np.float32) for a in sources.values())
        self._frames = self._sources[0].shape[0] if self._sources else 0
        self._gains = np.zeros(len(self.names), np.float32)
        self._applied = self._gains
        self._pos = 0

    def set_gains(self, gains):
        """Gains by source name (missing names are silent); takes effect within a block."""
        self._gains = np.array([float(gains.get(n, 0.0)) for n in self.names], np.float32)

    @property
    def gains(self):
        return dict(zip(self.names, self._gains.tolist()))

    @property
    def playing_gains(self):
        """Gains the audio callback used for its last block (what is heard now)."""
        return dict(zip(self.names, np.asarray(self._applied).tolist()))

    # -- transport -----------------------------------------------------------
    @property
    def frames(self):
        return self._frames

    @property
    def position(self):
        """Playback position in seconds."""
        return self._pos / float(self.sr)

    @property
    def is_playing(self):
        return self._playing

    def seek(self, seconds):
        frame = int(np.clip(round(seconds * self.sr), 0, max(0, self.frames - 1)))
        self._seek = (self._seek[0] + 1, frame)
        if not self._playing:
            self._apply_seek()

    def play(self):
        if self.unavailable or self.frames == 0 or self._playing:
            return
        if self._pos >= self.frames - 1:
            self._pos = 0
        try:
            if self._stream is None:
                channels = min(2, int(self._sd.query_devices(kind="output")
                                      ["max_output_channels"]))
                self._channels = max(1, channels)
                self._stream = self._sd.OutputStream(
                    samplerate=self.sr, channels=self._channels, dtype="float32",
                    callback=self._callback)
            self._stream.start()
        except (self._sd.PortAudioError, ValueError) as exc:
            self._close()
            self.error.emit(f"Playback failed: {exc}")
            return
        self._set_playing(True)
        self._poll.start()

    def pause(self):
        if self._stream is not None and self._playing:
            self._stream.stop()
        self._set_playing(False)

    def toggle(self):
        self.pause() if self._playing else self.play()

    def stop(self):
        self._close()
        self._pos = 0
        self._set_playing(False)

    # -- rendering (audio thread) ------------------------------------------
    def render(self, start, frames, old_gains=None, gains=None):
        """The output block of ``frames`` from ``start``: ``(n, 2)`` float32, n <= frames.

        With ``old_gains`` differing from ``gains`` the gains ramp linearly across the block.
        """
        gains = self._gains if gains is None else gains
        block = np.stack([_stereo(a[start:start + frames]) for a in self._sources]) \
            if self._sources else np.zeros((0, 0, 2), np.float32)
        if old_gains is None or old_gains is gains or np.array_equal(old_gains, gains):
            return np.tensordot(gains, block, axes=1)
        ramp = np.linspace(0.0, 1.0, block.shape[1], dtype=np.float32)
        g = old_gains[:, None] + (gains - old_gains)[:, None] * ramp[None, :]
        return np.einsum("sn,snc->nc", g, block)

    def _callback(self, outdata, frames, time_info, status):
        self._apply_seek()
        pos, gains = self._pos, self._gains
        out = self.render(pos, frames, self._applied, gains)
        self._applied = gains
        n = out.shape[0]
        outdata[:n] = out[:, :outdata.shape[1]]
        outdata[n:] = 0
        self._pos = pos + n
        self.frames_played += n
        if n < frames:
            raise self._sd.CallbackStop

    def _apply_seek(self):
        serial, frame = self._seek
        if serial != self._seek_done:
            self._seek_done = serial
            self._pos = frame

    # -- housekeeping (GUI thread) -----------------------------------------
    def _check_stream(self):
        if self._stream is not None and self._playing and not self._stream.active:
            self._close()
            self._set_playing(False)

    def _close(self):
        self._poll.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except self._sd.PortAudioError as exc:
                log.warning("closing the output stream: %s", exc)

    def _set_playing(self, playing):
        if playing != self._playing:
            self._playing = playing
            self.state_changed.emit(playing)


def _stereo(audio):
    """``(frames, 2)`` float32 from mono or stereo (more channels: the first two)."""
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[1] == 1:
        return np.repeat(a, 2, axis=1)
    return a[:, :2]
