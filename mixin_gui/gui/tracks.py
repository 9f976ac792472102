"""A track in the queue: its file, decoded audio, display data, stems and status.

Plain data: the analysis worker fills it, the separation worker adds stems, widgets read it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Queue states and their labels.
STATUS_TEXT = {
    "loading": "loading…",
    "waiting": "waiting",
    "separating": "separating",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
}

_ids = itertools.count(1)


def new_track_id():
    return next(_ids)


@dataclass
class Track:
    """One file in the queue.

    Attributes
    ----------
    id : int
    path : Path
    status : str
        A key of :data:`STATUS_TEXT`.
    message : str
        Why it failed, or where its stems went.
    audio : np.ndarray, shape (frames, channels), float32, or None
    sr : int
    spectrogram : BarkSpectrogram or None
        Of the mix.
    envelope : np.ndarray, shape (2, points), or None
        Minimum and maximum of the mono mix per display point.
    stems : dict of str to np.ndarray, shape (frames, channels), or None
    stem_spectrograms : dict of str to BarkSpectrogram
    exported : list of Path
    mode : str
        How a finished track was separated, in words (e.g. "3 stems · pretrained-models").
    """

    id: int
    path: Path
    status: str = "loading"
    message: str = ""
    audio: np.ndarray | None = None
    sr: int = 44100
    spectrogram: object = None
    envelope: np.ndarray | None = None
    stems: dict | None = None
    stem_spectrograms: dict = field(default_factory=dict)
    exported: list = field(default_factory=list)
    mode: str = ""

    @property
    def name(self):
        return self.path.stem

    @property
    def duration(self):
        return 0.0 if self.audio is None else self.audio.shape[0] / float(self.sr)

    @property
    def sources(self):
        """``"mix"`` and every stem, each ``(frames, channels)``."""
        out = {} if self.audio is None else {"mix": self.audio}
        out.update(self.stems or {})
        return out


def envelope(audio, sr, *, points_per_second=200):
    """Minimum and maximum of the mono mix in windows, for a waveform overview.

    Parameters
    ----------
    audio : np.ndarray, shape (frames, channels)
    sr : int
    points_per_second : float

    Returns
    -------
    np.ndarray, shape (2, n_points), float32
    """
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    step = max(1, int(sr / points_per_second))
    n = -(-len(mono) // step)
    padded = np.zeros(n * step, dtype=np.float32)
    padded[:len(mono)] = mono
    frames = padded.reshape(n, step)
    return np.stack([frames.min(axis=1), frames.max(axis=1)]).astype(np.float32)
