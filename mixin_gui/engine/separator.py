"""`Separator`: audio in, harmonic / percussive / vocal stems out.

Pipeline per batch of chunks (all channels of a few consecutive chunks together):
Bark NSGT forward (float32) -> magnitudes -> the set's networks in one ONNX Runtime call
(the default U-Net gives every stem's mask at once, a softmax over the stems; a CDAE set
gives one magnitude per stem, made into soft masks) -> the card's mask calibration ->
masks on the mix's coefficients (or, for CDAEs, network magnitude + mix phase) -> the
card's stereo Wiener steps -> one batched inverse for all stems -> crossfaded overlap-add.
Work happens in blocks, so memory stays bounded for any song length; progress is reported
and cancellation checked between batches.
"""

from __future__ import annotations

import ctypes
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import config
from ..config import DEFAULT_OVERLAP, SeparationOptions  # noqa: F401 - DEFAULT_OVERLAP re-exported
from ..dsp.chunking import ChunkPlan, OverlapAdd
from ..dsp.masks import (apply_masks, apply_single_model, calibrate_masks, soft_masks,
                         wiener_em)
from ..dsp.nsgt import get_nsgt
from ..dsp.resample import StreamResampler, resample
from ..errors import Cancelled, MixinError
from ..model.discovery import (recommended_mask_calibration, recommended_wiener_iterations,
                               resolve_model_dir, set_card)
from ..paths import default_model_dir  # noqa: F401 - re-exported by engine


#: Largest input peak separated as it is (full scale is 1.0): beyond it the stereo Wiener
#: step's powers would overflow float32, so the level is brought down (joint sets) or the
#: input refused (CDAEs), see :meth:`Separator._level`.
MAX_PEAK = 1e6


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
    """Separates audio with the networks of one model directory (a joint U-Net or CDAEs).

    The networks are loaded once; how each track is separated (instrumental or not, masks
    or single-model, chunk overlap, batch size) is a :class:`SeparationOptions` passed to
    every call, so one loaded Separator serves any mix of options.

    Parameters
    ----------
    model_dir : path-like or None
        Folder with a joint network (``model_joint.keras`` and its card) or with
        ``model_harmonic``, ``model_percussive`` and ``model_vocal`` (``.keras`` with a
        model card, or the original ``.h5``);
        ``None`` uses the default bundled set (``model.discovery.resolve_model_dir``).
    stems : tuple of str
        The networks to load (``SeparationOptions.stems`` of the calls to come); an
        instrumental-only caller loads no vocal network.
    threads : int or None
        ONNX Runtime's threads (None: ``model.runtime.DEFAULT_THREADS``).
    device : {"cpu", "cuda"}
        Where the networks run (``model.runtime.choose_device`` resolves "auto").

    Raises
    ------
    ModelLoadError
        If a model is missing or is not an architecture MiXiN knows.
    """

    def __init__(self, model_dir=None, *, stems=config.STEMS, threads=None, device="cpu"):
        from ..model.stems import load_model_dir

        self.model_dir = (Path(model_dir) if model_dir is not None
                          else resolve_model_dir(required=False))
        self.stems = tuple(stems)
        self.models = load_model_dir(self.model_dir, self.stems, threads=threads,
                                     device=device)
        card = set_card(self.model_dir)
        #: Wiener post-filter steps the set's card recommends (``options`` may override)
        self.wiener_iterations = recommended_wiener_iterations(card)
        #: Mask calibration the engine applies, as the card recommends it: ``({stem:
        #: exponent}, {stem: weight})``; none where the graph applies it already (one
        #: exponent for every stem of a joint set: ``self.models.logit_scale``).
        self.mask_calibration = (({}, {}) if getattr(self.models, "logit_scale", 1.0) != 1.0
                                 else recommended_mask_calibration(card))
        self.nsgt = get_nsgt()
        keep_freed_memory()

    def supports(self, options):
        """Whether the loaded networks cover ``options.stems``."""
        return set(options.stems) <= set(self.stems)

    # ----------------------------------------------------------------- public
    def separate(self, audio, sr, options=None, *, progress=None, cancel=None):
        """Separate a whole signal held in memory.

        Parameters
        ----------
        audio : np.ndarray, shape (frames,) or (frames, channels)
            Any sample rate; resampled to 44.1 kHz for the models and back.
        sr : int
        options : SeparationOptions or None
            ``None``: the default options (all three stems, soft masks, crossfaded chunks).
        progress : callable(done, total) or None
            Called after every batch with chunks done and chunks in all.
        cancel : threading.Event or None
            When set, :class:`Cancelled` is raised before the next batch.

        Returns
        -------
        Stems
        """
        options = self._check(options)
        audio = np.asarray(audio)
        parts = {s: [] for s in options.stems}
        for block in self.iter_blocks(audio, sr, options, progress=progress, cancel=cancel):
            for s, b in zip(options.stems, block):
                parts[s].append(b)
        out = {}
        for s in options.stems:
            y = np.concatenate(parts.pop(s), axis=0)
            out[s] = y[:, 0] if audio.ndim == 1 else y
        release_freed_memory()          # the blocks, now copied into whole stems
        return Stems(out, sr)

    def iter_blocks(self, audio, sr, options=None, *, progress=None, cancel=None):
        """Separate block by block, for writing long songs without holding them.

        Parameters are those of :meth:`separate`.

        Yields
        ------
        list of np.ndarray, one per stem of ``options.stems``, each shape (m, channels) float32
            Consecutive blocks at the input's sample rate; together they have exactly the
            input's number of frames.
        """
        options = self._check(options)
        stems = options.stems
        x = _as_frames(audio)
        x, level = self._level(x)
        n_frames = x.shape[0]
        x = resample(x, sr, config.SAMPLE_RATE)
        plan = ChunkPlan(x.shape[0], config.CHUNK_SIZE, options.overlap)
        n_ch = x.shape[1]
        total = plan.n_chunks * n_ch
        per_batch = max(1, options.batch_size // n_ch)
        ola = OverlapAdd(plan, (len(stems), n_ch))
        pending = StreamResampler(sr, n_frames, n_ch, len(stems))
        starts = list(range(0, plan.n_chunks, per_batch))

        def analyse(start):
            stop = min(start + per_batch, plan.n_chunks)
            chunks = plan.chunks(x.T, start, stop)           # (k, ch, size)
            return self._estimate(chunks.reshape(-1, plan.size), stems)

        # Two-stage pipeline: the forward transform and the networks run on batch i + 1
        # (ONNX Runtime, model.runtime.DEFAULT_THREADS threads) while this thread masks and
        # inverts batch i (numpy and scipy's FFT, one core). On 2 cores the two stages take
        # about as long as each other (batch of 8: 0.02 s + 0.08-0.12 s against 0.03 s +
        # 0.08 s); two runtime threads beat one (62x against 50x real time, mono).
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
                y = self._synthesise(coefs, est, options, n_ch)
                y = y.reshape(len(stems), stop - start, n_ch, plan.size)
                block = ola.add(start, y.transpose(0, 2, 1, 3))     # (stems, ch, m)
                done += (stop - start) * n_ch
                if progress is not None:
                    progress(done, total)
                out = pending.push(block, last=stop == plan.n_chunks)
                if out is not None:
                    yield [b.T * level if level != 1 else b.T for b in out]
        finally:
            # After a cancel or an error the batch in flight finishes on its own thread;
            # nobody waits for it.
            pool.shutdown(wait=False, cancel_futures=True)
            release_freed_memory()

    def _level(self, x):
        """``x`` brought to a level the float32 arithmetic cannot overflow at, and the
        factor that takes the stems back: 1 for any signal peaking at :data:`MAX_PEAK` or
        less. The joint networks' features do not depend on the level, so their stems are
        the same, scaled; the CDAEs' do, so such input is refused.

        Raises
        ------
        MixinError
            The set is not a joint network and ``x`` peaks above :data:`MAX_PEAK`.
        """
        peak = max(float(x.max()), -float(x.min()))    # no copy of a long song
        if peak <= MAX_PEAK:
            return x, 1
        if not self.models.joint:
            raise MixinError(
                f"The audio peaks at {peak:.3g}, far beyond full scale (1.0), and the CDAE "
                f"models only separate audio near full scale; normalise it first or use "
                f"the default U-Net set.")
        level = np.float32(2.0 ** np.floor(np.log2(peak)))  # a power of 2: exact both ways
        return x / level, level

    def separate_chunks(self, chunks, options=None):
        """Stems of a batch of 44.1 kHz chunks.

        Parameters
        ----------
        chunks : np.ndarray, shape (n, 44032)
        options : SeparationOptions or None
            Only ``stems`` and ``single_model`` matter here.

        Returns
        -------
        np.ndarray, shape (len(options.stems), n, 44032), float32
        """
        options = self._check(options)
        coefs, est = self._estimate(chunks, options.stems)
        return self._synthesise(coefs, est, options, 1)

    def _check(self, options):
        options = SeparationOptions() if options is None else options
        if not self.supports(options):
            missing = ", ".join(s for s in options.stems if s not in self.stems)
            raise MixinError(f"The {missing} model was not loaded for this separation.")
        return options

    def _estimate(self, chunks, stems):
        """Mix coefficients ``(n, 96, 1948)`` and stem magnitudes ``(k, n, 96, 1948)``."""
        coefs = self.nsgt.forward(chunks, dtype=np.float32)     # complex64
        return coefs, self.models.predict(np.abs(coefs), stems)

    def _synthesise(self, coefs, est, options, channels):
        """Stem signals ``(k, n, 44032)`` from mix coefficients and stem magnitudes (or, from
        a joint network, masks: the masked mix is each stem's magnitude with the mix's phase,
        so ``single_model`` changes nothing there). Masks are reshaped as the card's
        ``mask_calibration`` says (:func:`calibrate_masks`). ``channels``: how many consecutive
        chunks of the batch are the channels of one stretch (the Wiener post-filter
        models them together)."""
        if not self.models.joint and options.single_model:
            stem_coefs = apply_single_model(est, coefs)
        else:
            masks = est if self.models.joint else soft_masks(est)
            exponents, weights = self.mask_calibration
            masks = calibrate_masks(masks, [exponents.get(s, 1.0) for s in options.stems],
                                    [weights.get(s, 1.0) for s in options.stems])
            stem_coefs = apply_masks(masks, coefs)
        steps = (self.wiener_iterations if options.wiener_iterations is None
                 else options.wiener_iterations)
        if steps and (self.models.joint or not options.single_model):
            stem_coefs = wiener_em(stem_coefs, coefs, steps, channels=channels)
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


def release_freed_memory():
    """Give the heap's free pages back to the kernel once a separation is over.

    :func:`keep_freed_memory` keeps up to the trim threshold of freed batch buffers for the
    next batch; a long-lived process (the desktop app) would otherwise hold them while it
    sits idle between songs. glibc only; a no-op elsewhere.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
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
