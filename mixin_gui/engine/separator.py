"""`Separator`: audio in, harmonic / percussive / vocal stems out.

Pipeline per batch of chunks (all channels of a few consecutive chunks together):
Bark NSGT forward (float32) -> magnitudes -> every stem's CDAE in one compiled call ->
soft masks on the mix's coefficients (or network magnitude + mix phase) -> one batched
inverse for all stems -> crossfaded overlap-add. Work happens in blocks, so memory stays
bounded for any song length; progress is reported and cancellation checked between
batches.
"""

from __future__ import annotations

import ctypes
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import config
from ..audio.io import resample
from ..dsp.chunking import ChunkPlan, OverlapAdd
from ..dsp.masks import apply_masks, apply_single_model, soft_masks
from ..dsp.nsgt import get_nsgt
from ..errors import Cancelled, MixinError
from ..paths import default_model_dir

#: Crossfade between neighbouring chunks, in samples at 44.1 kHz (about 93 ms). Longer
#: than the time support of the lowest Bark bands' atoms (about 1,600 samples), so what a
#: chunk's circular transform wraps around from one edge to the other is faded out.
DEFAULT_OVERLAP = 2048


@dataclass
class Stems:
    """Separated stems, each with the input's shape and sample rate.

    Attributes
    ----------
    audio : dict of str to np.ndarray
        Stem name to float32 samples, shape as the input (``(frames,)`` or
        ``(frames, channels)``).
    sr : int
    """

    audio: dict
    sr: int

    def __getitem__(self, stem):
        return self.audio[stem]

    def __iter__(self):
        return iter(self.audio)

    @property
    def names(self):
        return tuple(self.audio)


class Separator:
    """Separates audio with the MiXiN CDAEs of one model directory.

    Parameters
    ----------
    model_dir : path-like or None
        Folder with ``model_harmonic``, ``model_percussive`` and ``model_vocal``
        (``.keras`` with a model card, or the original ``.h5``); ``None`` uses the
        bundled ``pretrained-models/``.
    instrumental : bool
        No vocal model: the mix is shared between harmonic and percussive.
    single_model : bool
        Each network's magnitude with the mix's phase instead of soft masks.
    overlap : int
        Crossfade between chunks in samples; 0 gives the original back-to-back chunks.
    batch_size : int
        Chunks (over all channels) per network call; bounds memory (about 25 MB a chunk).

    Raises
    ------
    ModelLoadError
        If a model is missing or is not the MiXiN CDAE.
    """

    def __init__(self, model_dir=None, *, instrumental=False, single_model=False,
                 overlap=DEFAULT_OVERLAP, batch_size=8):
        from ..model.stems import load_model_dir

        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        self.instrumental = instrumental
        self.single_model = single_model
        self.overlap = int(overlap)
        self.batch_size = max(1, int(batch_size))
        self.stems = config.INSTRUMENTAL_STEMS if instrumental else config.STEMS
        self.models = load_model_dir(self.model_dir, self.stems)
        self.nsgt = get_nsgt()
        keep_freed_memory()

    # ----------------------------------------------------------------- public
    def separate(self, audio, sr, *, progress=None, cancel=None):
        """Separate a whole signal held in memory.

        Parameters
        ----------
        audio : np.ndarray, shape (frames,) or (frames, channels)
            Any sample rate; resampled to 44.1 kHz for the models and back.
        sr : int
        progress : callable(done, total) or None
            Called after every batch with chunks done and chunks in all.
        cancel : threading.Event or None
            When set, :class:`Cancelled` is raised before the next batch.

        Returns
        -------
        Stems
        """
        audio = np.asarray(audio)
        parts = {s: [] for s in self.stems}
        for block in self.iter_blocks(audio, sr, progress=progress, cancel=cancel):
            for s, b in zip(self.stems, block):
                parts[s].append(b)
        out = {}
        for s in self.stems:
            y = np.concatenate(parts[s], axis=0)
            out[s] = y[:, 0] if audio.ndim == 1 else y
        return Stems(out, sr)

    def iter_blocks(self, audio, sr, *, progress=None, cancel=None):
        """Separate block by block, for writing long songs without holding them.

        Yields
        ------
        list of np.ndarray, one per stem, each shape (m, channels) float32
            Consecutive blocks at the input's sample rate; together they have exactly the
            input's number of frames.
        """
        x = _as_frames(audio)
        n_frames = x.shape[0]
        if sr != config.SAMPLE_RATE:
            x = resample(x, sr, config.SAMPLE_RATE)
        plan = ChunkPlan(x.shape[0], config.CHUNK_SIZE, self.overlap)
        n_ch = x.shape[1]
        total = plan.n_chunks * n_ch
        per_batch = max(1, self.batch_size // n_ch)
        ola = OverlapAdd(plan, (len(self.stems), n_ch))
        pending = _Resampler(sr, n_frames, n_ch, len(self.stems))
        starts = list(range(0, plan.n_chunks, per_batch))

        def analyse(start):
            stop = min(start + per_batch, plan.n_chunks)
            chunks = plan.chunks(x.T, start, stop)           # (k, ch, size)
            return self._estimate(chunks.reshape(-1, plan.size))

        # Two-stage pipeline: the networks run on batch i + 1 (TensorFlow's threads) while
        # this thread masks and inverts batch i (numpy, mostly one core).
        done = 0
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mixin-nn")
        try:
            future = pool.submit(analyse, starts[0])
            for i, start in enumerate(starts):
                _check(cancel)          # before waiting, so a cancel never waits for a batch
                coefs, est = future.result()
                if i + 1 < len(starts):
                    future = pool.submit(analyse, starts[i + 1])
                stop = min(start + per_batch, plan.n_chunks)
                y = self._synthesise(coefs, est)
                y = y.reshape(len(self.stems), stop - start, n_ch, plan.size)
                block = ola.add(start, y.transpose(0, 2, 1, 3))     # (stems, ch, m)
                done += (stop - start) * n_ch
                if progress is not None:
                    progress(done, total)
                out = pending.push(block, last=stop == plan.n_chunks)
                if out is not None:
                    yield [b.T for b in out]
        finally:
            # After a cancel or an error the batch in flight finishes on its own thread;
            # nobody waits for it.
            pool.shutdown(wait=False, cancel_futures=True)

    def separate_chunks(self, chunks):
        """Stems of a batch of 44.1 kHz chunks.

        Parameters
        ----------
        chunks : np.ndarray, shape (n, 44032)

        Returns
        -------
        np.ndarray, shape (len(stems), n, 44032), float32
        """
        return self._synthesise(*self._estimate(chunks))

    def _estimate(self, chunks):
        """Mix coefficients ``(n, 96, 1948)`` and stem magnitudes ``(k, n, 96, 1948)``."""
        coefs = self.nsgt.forward(chunks, dtype=np.float32)     # complex64
        return coefs, self.models.predict(np.abs(coefs))

    def _synthesise(self, coefs, est):
        """Stem signals ``(k, n, 44032)`` from mix coefficients and stem magnitudes."""
        if self.single_model:
            stem_coefs = apply_single_model(est, coefs)
        else:
            stem_coefs = apply_masks(soft_masks(est), coefs)
        del est
        k, n = stem_coefs.shape[:2]
        y = self.nsgt.inverse(stem_coefs.reshape(k * n, *coefs.shape[1:]))
        return y.reshape(k, n, -1)


def keep_freed_memory():
    """Let glibc keep freed blocks instead of returning them to the kernel.

    Every batch allocates and frees arrays of tens of MB; by default glibc serves those
    with fresh ``mmap`` pages, and faulting them in again on every batch cost about a
    quarter of the separation time (measured: 133 s mono song 4.1 s -> 3.2 s). Raising the
    mmap and trim thresholds keeps those pages in the heap for reuse. The memory held is
    bounded by the largest batch. No effect (and no error) on other C libraries.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 * 1024 * 1024)   # M_MMAP_THRESHOLD
        libc.mallopt(-1, 512 * 1024 * 1024)   # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def _as_frames(audio):
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0:
        raise MixinError("Audio must have at least one sample, shaped (frames, channels).")
    if not np.isfinite(x).all():
        raise MixinError("Audio contains NaN or infinite samples.")
    return x


def _check(cancel):
    if cancel is not None and cancel.is_set():
        raise Cancelled("Separation cancelled.")


class _Resampler:
    """Brings 44.1 kHz blocks back to the input's rate and exact length, streaming.

    One soxr stream per stem keeps the filter state between blocks, so the result equals
    resampling the whole stem at once while only one block is held.
    """

    def __init__(self, sr, n_frames, n_ch, n_stems):
        self.sr, self.n_frames, self.emitted = sr, n_frames, 0
        self.streams = None
        if sr != config.SAMPLE_RATE:
            import soxr

            self.streams = [soxr.ResampleStream(config.SAMPLE_RATE, sr, n_ch,
                                                dtype="float32", quality="HQ")
                            for _ in range(n_stems)]

    def push(self, block, *, last):
        """Resample ``block`` (stems, channels, m); ``None`` when nothing is ready yet."""
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
