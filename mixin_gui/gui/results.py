"""What the workers hand back to the controller: typed, plain values (no Qt, no widgets).

The analysis worker returns an :class:`Analysis`, the separation worker a
:class:`ModelsInfo` when models load and a :class:`SeparationResult` per track; a
:class:`SeparationJob` carries one track's work to the worker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import SeparationOptions


@dataclass(frozen=True)
class Analysis:
    """A decoded file and what the window draws of it.

    Attributes
    ----------
    audio : np.ndarray, shape (frames, channels), float32
    sr : int
    spectrogram : BarkSpectrogram
        Of the mix, for the spectrogram view.
    envelope : np.ndarray, shape (2, points)
        Minimum and maximum of the mono mix per display point.
    """

    audio: np.ndarray
    sr: int
    spectrogram: object
    envelope: np.ndarray


@dataclass(frozen=True)
class ModelsInfo:
    """The networks the separation worker holds.

    Attributes
    ----------
    model_dir : Path
    stems : tuple of str
    cards : dict of str to dict
        Model card per stem (see :mod:`mixin_gui.modelcard`).
    files : dict of str to Path
    """

    model_dir: Path
    stems: tuple
    cards: dict
    files: dict


@dataclass
class SeparationJob:
    """Everything the worker needs for one track, as plain values.

    Attributes
    ----------
    track_id : int
    audio : np.ndarray, shape (frames, channels)
    sr : int
    model_dir : Path
    options : SeparationOptions
        Passed to the engine per call; the cached engine is never changed.
    export : ExportPlan or None
        Written after separating when given.
    cancel : threading.Event
    """

    track_id: int
    audio: np.ndarray
    sr: int
    model_dir: Path
    options: SeparationOptions = field(default_factory=SeparationOptions)
    export: object = None
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class SeparationResult:
    """One separated track.

    Attributes
    ----------
    stems : dict of str to np.ndarray, shape (frames, channels)
    spectrograms : dict of str to BarkSpectrogram
    written : tuple of Path
        Files the automatic export wrote (empty without one).
    seconds : float
        Wall-clock time of the separation.
    options : SeparationOptions
    model_dir : Path
    """

    stems: dict
    spectrograms: dict
    written: tuple
    seconds: float
    options: SeparationOptions
    model_dir: Path
