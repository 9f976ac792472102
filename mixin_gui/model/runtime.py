"""Running the networks in one ONNX Runtime session (no TensorFlow): the joint U-Net
(``mixin-unet-1``, ``-2`` or ``-3``, the default set's), which gives every stem's mask at
once, or every stem's CDAE side by side."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .. import config
from ..dsp.masks import subset_masks
from ..errors import ModelLoadError
from .onnx_graph import build_graph
from .onnx_unet import build_unet_graph
from .unet_arch import STEMS as UNET_STEMS

#: Threads ONNX Runtime may use inside one network call. The engine masks and inverts the
#: previous batch on its own thread meanwhile (numpy, mostly one core); on two cores two
#: runtime threads measured fastest overall (see benchmarks/bench_separate.py).
DEFAULT_THREADS = 2
#: Chunks per session run. The runtime keeps its largest intermediate tensors (the first
#: convolution's output, 48 channels of 96 x 1948 floats a chunk) in its memory arena, so
#: this bounds its memory: a process running batches of 8 chunks peaked at 584 MB running
#: them 8 at a time, 295 MB 2 at a time and 216 MB one at a time. One at a time was also
#: the fastest (engine, 40 s mono, best of 5, interleaved: 70.8x real time at 1, 63.3x at
#: 2, 56.5x at 8 on a 2-core Xeon with AVX-512): the tensors stay in the caches.
RUN_CHUNKS = 1


def nchwc_block():
    """Channel block of ONNX Runtime's fastest CPU convolutions (NCHWc): 16 floats with
    AVX-512, else 8. Read from ``/proc/cpuinfo`` where there is one; 16 otherwise (a multiple
    of 8, so those kernels are used either way)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return 16 if " avx512f" in line else 8
    except OSError:
        pass
    return 16


#: Where the networks may run: ``auto`` (CUDA where ONNX Runtime has it, else the CPU).
DEVICES = ("auto", "cpu", "cuda")


def choose_device(device="auto"):
    """The device the networks run on, and a note for the user where ``auto`` fell back.

    CUDA needs the ``onnxruntime-gpu`` build (it replaces ``onnxruntime``: the two are one
    module and cannot both be installed).

    Returns
    -------
    device : {"cpu", "cuda"}
    note : str or None

    Raises
    ------
    ModelLoadError
        ``cuda`` was asked for and this ONNX Runtime has no CUDA provider.
    """
    if device not in DEVICES:
        raise ModelLoadError(f"Unknown device '{device}'; choose auto, cpu or cuda.")
    if device == "cpu":
        return "cpu", None
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        return "cuda", None
    if device == "cuda":
        raise ModelLoadError("This ONNX Runtime cannot use a GPU (no CUDA provider); install "
                             "onnxruntime-gpu in place of onnxruntime, or run on the CPU.")
    return "cpu", "no CUDA GPU is available to ONNX Runtime here, so the networks run on the CPU"


def _providers(device):
    return (["CUDAExecutionProvider", "CPUExecutionProvider"] if device == "cuda"
            else ["CPUExecutionProvider"])


class Runtime:
    """One ONNX Runtime session running ``k`` CDAEs side by side.

    Parameters
    ----------
    stem_weights : list of list of (np.ndarray, np.ndarray), or dict
        Per stem, its convolution weights (:func:`mixin_gui.model.files.read_weights`);
        with ``joint=True`` the U-Net's weights by layer
        (:func:`mixin_gui.model.unet_arch.read_unet_weights`).
    threads : int or None
        Intra-op threads; None uses :data:`DEFAULT_THREADS` (or ``MIXIN_ORT_THREADS``).
    joint : bool
        The weights are the U-Net's: the session gives masks of :data:`UNET_STEMS`.
    device : {"cpu", "cuda"}
        Where the session runs (see :func:`choose_device`).
    logit_scale : float
        For the U-Net: its logits multiplied by this inside the graph (one mask exponent
        for every stem, see :func:`onnx_unet.build_unet_graph`).
    graph : bytes or None
        A serialized ONNX graph to run instead of the one built from the weights (a set's
        shipped runtime file, e.g. a quantized one); ``logit_scale`` does not apply to it.
    """

    def __init__(self, stem_weights, *, threads=None, joint=False, device="cpu",
                 logit_scale=1.0, graph=None):
        import onnxruntime as ort

        if threads is None:
            threads = int(os.environ.get("MIXIN_ORT_THREADS", DEFAULT_THREADS))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Waiting threads sleep instead of spinning: the engine's numpy stage needs the core.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        if graph is not None:
            pass
        elif joint:
            graph = build_unet_graph(stem_weights, block=nchwc_block(),
                                     logit_scale=logit_scale)
        else:
            graph = build_graph(stem_weights, block=nchwc_block())
        try:
            self.session = ort.InferenceSession(graph, opts, providers=_providers(device))
        except Exception as exc:  # noqa: BLE001 - the runtime's own error types vary
            raise ModelLoadError(f"The networks could not be prepared to run: {exc}") from None
        self.n_stems = len(UNET_STEMS) if joint else len(stem_weights)

    def __call__(self, magnitude):
        """Stem estimates ``(k, n, 96, 1948)`` (a view) of magnitudes ``(n, 96, 1948)``:
        magnitudes of the CDAEs, masks of the joint U-Net.

        The session runs :data:`RUN_CHUNKS` chunks at a time: its largest tensor, the first
        convolution's output, takes about 36 MB a chunk.
        """
        x = np.ascontiguousarray(magnitude, dtype=np.float32)
        out = np.empty((x.shape[0], self.n_stems, *x.shape[1:]), np.float32)
        for i in range(0, x.shape[0], RUN_CHUNKS):
            (out[i:i + RUN_CHUNKS],) = self.session.run(None, {"magnitude": x[i:i + RUN_CHUNKS]})
        return np.moveaxis(out, 1, 0)


class ModelSet:
    """The networks of one model directory, ready for inference.

    Attributes
    ----------
    model_dir : Path
    stems : tuple of str
        Stems in the order :meth:`predict` returns them.
    files : dict of str to Path
    cards : dict of str to dict
        Model cards (stem, architecture, training data, scores).
    weights : dict of str to list of (np.ndarray, np.ndarray)
        Each stem's convolution weights, as read from its file; for a joint network one
        entry, ``"joint"``, the U-Net's weights by layer.
    joint : bool
        One network (the U-Net) gives every stem's mask: :meth:`predict` returns masks
        that sum to 1 over :attr:`stems`, to be applied as they are.
    logit_scale : float
        The joint network's mask calibration, when it is one exponent for every stem,
        applied inside the graph (1: none there).
    graph : bytes or None
        The joint network's runtime graph as shipped (card key ``runtime_graph``), run
        instead of the graph built from its weights.
    """

    def __init__(self, model_dir, stems, files, cards, weights, *, threads=None,
                 joint=False, device="cpu", logit_scale=1.0, graph=None):
        self.model_dir = Path(model_dir)
        self.stems = tuple(stems)
        self.files, self.cards, self.weights = dict(files), dict(cards), dict(weights)
        self.joint = bool(joint)
        self.device = device
        #: The joint network's logits are multiplied by this in the graph (1: not at all).
        self.logit_scale = float(logit_scale) if joint and graph is None else 1.0
        if joint:
            self.runtime = Runtime(self.weights["joint"], threads=threads, joint=True,
                                   device=device, logit_scale=self.logit_scale, graph=graph)
        else:
            self.runtime = Runtime([self.weights[s] for s in self.stems], threads=threads,
                                   device=device)
        self._warm = None
        self._threads = threads
        self._subsets = {}                  # stems -> Runtime of those CDAEs alone
        self._lock = threading.Lock()

    def warm_up_in_background(self):
        """Run a first, small batch on a thread of its own (the runtime prepares its kernels
        and memory on the first call), overlapping whatever the caller does before the first
        :meth:`predict`, which waits for it."""
        if self._warm is None:
            self._warm = threading.Thread(target=self._warm_up, name="mixin-warm-up",
                                          daemon=True)
            self._warm.start()

    def _warm_up(self):
        try:
            self.runtime(np.zeros((1, config.N_BANDS, config.N_COEFS), np.float32))
        except Exception:  # noqa: BLE001 - the first real call raises it again, where it counts
            pass

    def predict(self, magnitude, stems=None):
        """Stem magnitude estimates for a batch of mix magnitudes.

        Parameters
        ----------
        magnitude : np.ndarray, shape (n, 96, 1948), float32
        stems : sequence of str or None
            The stems wanted, a subset of :attr:`stems` (None: all of them). The CDAEs of
            the others are not run: a subset gets a session of its own, built on its first
            use (an instrumental separation with a three-network set runs two networks).

        Returns
        -------
        np.ndarray, shape (len(stems), n, 96, 1948), float32
            A writable view (stem axis first) of the runtime's output: magnitudes, or for a
            joint network masks summing to 1 over ``stems`` (:func:`subset_masks`).
        """
        stems = self.stems if stems is None else tuple(stems)
        unknown = [s for s in stems if s not in self.stems]
        if unknown:
            raise ModelLoadError(f"The {', '.join(unknown)} model is not in this set.")
        if self._warm is not None:
            self._warm.join()
        if self.joint:
            return subset_masks(self.runtime(magnitude), [UNET_STEMS.index(s) for s in stems])
        return self._runtime_for(stems)(magnitude)

    def _runtime_for(self, stems):
        """The session running the CDAEs of ``stems`` (all of them: :attr:`runtime`)."""
        if stems == self.stems:
            return self.runtime
        with self._lock:
            if stems not in self._subsets:
                self._subsets[stems] = Runtime([self.weights[s] for s in stems],
                                               threads=self._threads, device=self.device)
            return self._subsets[stems]
