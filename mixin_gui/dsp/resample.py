"""Resampling and mono mix-down, whole-signal and streaming (soxr, high quality).

The models work at 44.1 kHz; every other rate is brought there and back with these, so the
engine, the spectrogram view and the training data all resample the same way.
"""

from __future__ import annotations

import numpy as np

from .. import config


def resample(audio, sr_in, sr_out):
    """Resample a whole signal.

    Parameters
    ----------
    audio : np.ndarray, shape (frames, channels), float32
    sr_in, sr_out : int

    Returns
    -------
    np.ndarray, shape (about frames * sr_out / sr_in, channels), float32
        The input itself when the rates are equal.
    """
    if sr_in == sr_out:
        return audio
    import soxr

    out = soxr.resample(np.ascontiguousarray(audio), sr_in, sr_out, quality="HQ")
    return np.asarray(out, dtype=np.float32).reshape(-1, audio.shape[1])


def to_mono(audio):
    """Mean of the channels.

    Parameters
    ----------
    audio : np.ndarray, shape (frames,) or (frames, channels)

    Returns
    -------
    np.ndarray, shape (frames,), float32
    """
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 2:
        return x
    # Summed in float64: channels near float32's largest value must not overflow to inf.
    return x.mean(axis=1, dtype=np.float64).astype(np.float32)


def to_mono_44k(audio, sr):
    """Mono float32 signal at the models' rate.

    Parameters
    ----------
    audio : np.ndarray, shape (frames,) or (frames, channels)
    sr : int

    Returns
    -------
    np.ndarray, shape (frames * 44100 / sr,), float32, contiguous
    """
    x = resample(to_mono(audio)[:, None], sr, config.SAMPLE_RATE)[:, 0]
    return np.ascontiguousarray(x, dtype=np.float32)


class StreamResampler:
    """Brings 44.1 kHz blocks of several parallel signals back to ``sr`` at an exact length.

    One soxr stream per signal keeps the filter state between blocks, so the result equals
    resampling each whole signal at once while only one block is held.

    Parameters
    ----------
    sr : int
        Output rate.
    n_frames : int
        Exact output length; the tail is cut or zero-padded to it.
    n_ch : int
        Channels of every signal.
    n_signals : int
        Parallel signals (e.g. stems), each with its own stream.
    """

    def __init__(self, sr, n_frames, n_ch, n_signals):
        self.sr, self.n_frames, self.emitted = sr, n_frames, 0
        self.streams = None
        if sr != config.SAMPLE_RATE:
            import soxr

            self.streams = [soxr.ResampleStream(config.SAMPLE_RATE, sr, n_ch,
                                                dtype="float32", quality="HQ")
                            for _ in range(n_signals)]

    def push(self, block, *, last):
        """Resample one block.

        Parameters
        ----------
        block : np.ndarray, shape (n_signals, channels, m)
        last : bool
            Whether this is the final block (flushes the filters).

        Returns
        -------
        np.ndarray, shape (n_signals, channels, m') or None
            ``None`` when nothing is ready yet.
        """
        if self.streams is None:
            return block
        outs = [st.resample_chunk(np.ascontiguousarray(b.T), last=last).T
                for st, b in zip(self.streams, block)]
        out = np.stack(outs)[..., :self.n_frames - self.emitted]
        if last and self.emitted + out.shape[-1] < self.n_frames:
            pad = self.n_frames - self.emitted - out.shape[-1]
            out = np.pad(out, ((0, 0), (0, 0), (0, pad)))
        self.emitted += out.shape[-1]
        return out if out.shape[-1] else None
