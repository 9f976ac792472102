"""Whole-track Bark NSGT spectrogram in dB, for display.

It uses the engine's own transform (:func:`mixin_gui.dsp.nsgt.get_nsgt`): the track is mixed
down to mono, resampled to 44.1 kHz, cut into back-to-back chunks of 44032 samples, transformed
in batches, and each band's magnitude is pooled over time (the maximum of each group of
columns, so short transients stay visible) before conversion to dB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import config
from ..errors import Cancelled
from .chunking import ChunkPlan
from .nsgt import get_nsgt
from .resample import to_mono_44k

#: Peak coefficient magnitude of a full-scale sine (measured: 8.1 at 1 kHz, 9.4 at 8 kHz,
#: 10.4 at 100 Hz); dividing by it puts such a sine at 0 dB within about 1 dB.
FULL_SCALE_SINE = 9.0
#: Floor of the dB scale relative to the loudest coefficient; quieter values are clipped.
DEFAULT_RANGE_DB = 90.0


@dataclass(frozen=True)
class BarkSpectrogram:
    """A display-ready Bark spectrogram.

    Attributes
    ----------
    db : np.ndarray, shape (n_bands, n_cols), float32
        Level in dB relative to full scale (a full-scale sine's coefficient peak is about
        0 dB), clipped to ``[top - range_db, top]``.
    frqs : np.ndarray, shape (n_bands,)
        Band centre frequencies in Hz, rising (row 0 is the lowest band).
    hop : float
        Seconds per column.
    duration : float
        Seconds of audio analysed (columns past it are zero padding).
    """

    db: np.ndarray
    frqs: np.ndarray
    hop: float
    duration: float

    @property
    def n_cols(self):
        return self.db.shape[1]


def pool_factor(cols_per_second):
    """Transform columns pooled into one display column to get about ``cols_per_second``."""
    native = config.N_COEFS * config.SAMPLE_RATE / config.CHUNK_SIZE   # about 1951 per second
    return max(1, int(round(native / float(cols_per_second))))


def bark_spectrogram(audio, sr, *, cols_per_second=100.0, range_db=DEFAULT_RANGE_DB,
                     batch=8, cancel=None):
    """Bark NSGT magnitude of a whole track in dB.

    Parameters
    ----------
    audio : np.ndarray, shape (frames,) or (frames, channels)
        Any sample rate; channels are averaged (a display of the mix, not of each side).
    sr : int
    cols_per_second : float
        Time resolution of the result. The transform yields about 1951 columns a second;
        100 keeps a four-minute song at 24,000 columns, which an image item draws at once.
    range_db : float
        Dynamic range shown below the loudest value; 90 dB is about what 16-bit audio holds.
    batch : int
        Chunks transformed together (bounds memory: about 1.5 MB a chunk in complex64).
    cancel : threading.Event or None
        When set, :class:`~mixin_gui.errors.Cancelled` is raised before the next batch.

    Returns
    -------
    BarkSpectrogram
    """
    x = to_mono_44k(audio, sr)
    nsgt = get_nsgt()
    size = config.CHUNK_SIZE
    plan = ChunkPlan(len(x), size)          # back-to-back chunks, the last zero-padded
    factor = pool_factor(cols_per_second)
    mags = []
    for start in range(0, plan.n_chunks, batch):
        if cancel is not None and cancel.is_set():
            raise Cancelled("Spectrogram cancelled.")
        stop = min(start + batch, plan.n_chunks)
        chunks = plan.chunks(x[None], start, stop)[:, 0]                # (k, size)
        c = nsgt.forward(chunks, dtype=np.float32)                       # (k, bands, coefs)
        mags.append(np.abs(c).transpose(1, 0, 2).reshape(config.N_BANDS, -1))
    mag = np.concatenate(mags, axis=1)
    mag = _max_pool(mag, factor)
    db = _to_db(mag, range_db)
    hop = factor * size / config.N_COEFS / config.SAMPLE_RATE
    return BarkSpectrogram(db, np.asarray(nsgt.frqs, dtype=np.float64), hop,
                           len(audio) / float(sr))


def _max_pool(mag, factor):
    """Maximum over groups of ``factor`` columns of ``(bands, cols)``; the tail is padded."""
    if factor == 1:
        return mag
    bands, cols = mag.shape
    n = -(-cols // factor)
    padded = np.zeros((bands, n * factor), dtype=mag.dtype)
    padded[:, :cols] = mag
    return padded.reshape(bands, n, factor).max(axis=2)


def _to_db(mag, range_db):
    """dB of magnitudes, normalised so a full-scale sine's peak is near 0 dB."""
    db = 20.0 * np.log10(np.maximum(mag / FULL_SCALE_SINE, 1e-12))
    top = float(db.max()) if db.size else 0.0
    return np.clip(db, top - range_db, top).astype(np.float32)
