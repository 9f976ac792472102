"""Train the joint U-Net (``mixin train fit --arch unet``).

The network predicts three masks (softmax over the stems); the loss is on the masked
mixture: mean ``|mask_s * |X| - |S_s||`` over stems and bins (L1), each chunk divided by its
mean mix magnitude so that loud and quiet chunks weigh alike; ``voice_free_weight`` adds that
weight times the vocal stem's mean masked magnitude in the chunks that hold no voice (its
target is silent), which the plain loss counts once among three stems: it teaches the
network to keep an instrument that only resembles a voice (bowed strings with vibrato)
out of the vocal stem. Batches come from any
source with ``batch(epoch, index) -> (mix_mag (b, 96, 1948), targets (b, 3, 96, 1948))``
and ``len()`` (the on-the-fly mixes of ``training.onthefly``); validation uses a fixed
epoch of its own source, so its loss is comparable across epochs.

Checkpoint files (outside the repository), as :mod:`fit` writes them for stem ``joint``:
``model_joint.best.keras``, ``model_joint.last.keras`` (with the optimizer),
``model_joint.state.json``, ``model_joint.csv``; ``resume=True`` continues a run.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import config
from ..errors import DatasetError
from ..model.files import read_card
from ..model.unet import build_unet, keras, load_unet, model_arch, save_unet
from ..model.unet_arch import ARCH, FEATURE_EPS, FILE_STEM, STEMS, features
from .fit import FitOptions, _callbacks, _read_state, checkpoint_paths


@keras.saving.register_keras_serializable(package="mixin")
def masked_mixture_l1(y_true, y_pred):
    """L1 loss on the masked mixture.

    ``y_true`` (b, 96, 1948, 4): the three target magnitudes then the mix magnitude, each
    chunk divided by its mean mix magnitude; ``y_pred`` (b, 96, 1948, 3): the masks.

    Where the percussive target is negative (``onthefly.UNSPLIT``: the accompaniment is one
    recording whose harmonic / percussive split is unknown, and the harmonic target holds
    all of it), the harmonic and percussive terms give way to one term on their sum:
    ``|(m_h + m_p) * |X| - |A||``; the vocal term stays.
    """
    ops = keras.ops
    per_stem = ops.abs(y_pred * y_true[..., 3:] - y_true[..., :3])
    split = ops.sum(per_stem, axis=-1)
    together = (ops.abs((y_pred[..., 0] + y_pred[..., 1]) * y_true[..., 3] - y_true[..., 0])
                + per_stem[..., 2])
    loss = ops.where(y_true[..., 1] < 0, together, split) / 3.0
    return ops.mean(loss, axis=(1, 2))


#: A chunk counts as voice-free when its vocal target's summed magnitude (chunk-normalised)
#: is at most this: the on-the-fly mixes leave the voice out as exact zeros.
VOICE_FREE_BELOW = 1e-6


@keras.saving.register_keras_serializable(package="mixin")
class MaskedMixtureL1(keras.losses.Loss):
    """:func:`masked_mixture_l1`, plus ``voice_free_weight`` times the vocal stem's mean
    masked magnitude in the chunks whose vocal target is silent (see the module notes).

    ``vocal_quantile`` (0 < q < 1) makes the vocal stem's term asymmetric: twice the
    pinball loss, ``2 * (q * max(d, 0) + (1 - q) * max(-d, 0))`` with ``d`` the target
    minus the estimate, so a voice left out costs ``q / (1 - q)`` times as much as the same
    magnitude given to the voice in excess. At 0.5 it is the plain L1 (whose best mask is
    the median of what the voice might be, which leaves an uncertain voice quiet); above
    0.5 the network learns a higher quantile, that is, a fuller vocal stem where a voice
    may be, without raising it where none can be (unlike a global gain on its mask)."""

    def __init__(self, voice_free_weight=0.0, vocal_quantile=0.5, name="masked_mixture_l1",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.voice_free_weight = float(voice_free_weight)
        self.vocal_quantile = float(vocal_quantile)
        if not 0.0 < self.vocal_quantile < 1.0:
            raise ValueError(f"vocal_quantile must lie between 0 and 1, "
                             f"not {self.vocal_quantile}")

    def call(self, y_true, y_pred):
        loss = masked_mixture_l1(y_true, y_pred)
        ops = keras.ops
        v = STEMS.index("vocal")
        if self.vocal_quantile != 0.5:
            # the vocal term, |d| in the mean over stems, becomes the pinball term; their
            # difference is linear: 2 (q relu(d) + (1 - q) relu(-d)) - |d| = (2q - 1) d
            d = y_true[..., v] - y_pred[..., v] * y_true[..., len(STEMS)]
            loss = loss + (2.0 * self.vocal_quantile - 1.0) * ops.mean(d, axis=(1, 2)) \
                / len(STEMS)
        if not self.voice_free_weight:
            return loss
        free = ops.cast(ops.sum(y_true[..., v], axis=(1, 2)) <= VOICE_FREE_BELOW, loss.dtype)
        leak = ops.mean(y_pred[..., v] * y_true[..., len(STEMS)], axis=(1, 2))
        return loss + self.voice_free_weight * free * leak

    def get_config(self):
        return {**super().get_config(), "voice_free_weight": self.voice_free_weight,
                "vocal_quantile": self.vocal_quantile}


def training_pair(mix, targets):
    """Network input and loss target of one batch.

    Parameters
    ----------
    mix : np.ndarray, shape (b, 96, 1948)
    targets : np.ndarray, shape (b, 3, 96, 1948)

    Returns
    -------
    x : np.ndarray, shape (b, 96, 1948, 1)
        :func:`unet_arch.features` of the mix.
    y : np.ndarray, shape (b, 96, 1948, 4)
        Targets then mix, divided by each chunk's mean mix magnitude.
    """
    mix = np.asarray(mix, np.float32)
    scale = mix.mean(axis=(1, 2), keepdims=True) + np.float32(FEATURE_EPS)
    y = np.concatenate([np.moveaxis(targets, 1, -1), mix[..., None]], axis=-1)
    return features(mix)[..., None], (y / scale[..., None]).astype(np.float32)


class TrackChunks:
    """A plain batch source: chunks of whole songs (stems as recorded, mono), each drawn
    by ``(seed, epoch, index)`` from a random song at a random offset.

    The tracks are decoded once and held in memory, so this suits small sets (tests, a
    first run); the on-the-fly mixes of ``training.onthefly`` remix stems of different
    songs and read them from disk.

    Parameters
    ----------
    tracks : list of StemTrack
        From :func:`multitrack.find_tracks`.
    seed, batch_size, steps : int
    """

    def __init__(self, tracks, *, seed=0, batch_size=4, steps=100):
        from ..dsp.nsgt import get_nsgt
        from .multitrack import load_track

        self.seed, self.batch_size, self.steps = seed, int(batch_size), int(steps)
        self.songs = []
        for track in tracks:
            t = load_track(track)
            if len(t["mix"]) >= config.CHUNK_SIZE:
                self.songs.append(np.stack([t[s] for s in STEMS]))   # (3, frames)
        if not self.songs:
            raise DatasetError("No track is as long as one chunk "
                               f"({config.CHUNK_SIZE / config.SAMPLE_RATE:.1f} s).")
        self.nsgt = get_nsgt()

    def __len__(self):
        return self.steps

    def batch(self, epoch, index):
        """``(mix_mag (b, 96, 1948), targets (b, 3, 96, 1948))`` float32."""
        rng = np.random.default_rng([self.seed, epoch, index])
        chunks = []
        for _ in range(self.batch_size):
            song = self.songs[rng.integers(len(self.songs))]
            start = rng.integers(song.shape[1] - config.CHUNK_SIZE + 1)
            chunks.append(song[:, start:start + config.CHUNK_SIZE])
        c = self.nsgt.forward(np.concatenate(chunks), dtype=np.float32)
        c = c.reshape(self.batch_size, len(STEMS), *c.shape[1:])
        return np.abs(c.sum(axis=1)), np.abs(c)


class JointBatches(keras.utils.PyDataset):
    """A batch source as a Keras dataset: epoch ``start + e`` at the e-th pass, or always
    ``fixed_epoch`` (validation)."""

    def __init__(self, source, *, start_epoch=0, fixed_epoch=None, steps=None, **kwargs):
        super().__init__(**kwargs)
        self.source, self.epoch, self.fixed = source, start_epoch, fixed_epoch
        self.steps = len(source) if steps is None else min(int(steps), len(source))

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        epoch = self.epoch if self.fixed is None else self.fixed
        return training_pair(*self.source.batch(epoch, index))

    def on_epoch_end(self):
        self.epoch += 1


def compile_unet(model, *, learning_rate=1e-3, voice_free_weight=0.0, vocal_quantile=0.5):
    """Adam on :class:`MaskedMixtureL1`."""
    model.compile(loss=MaskedMixtureL1(voice_free_weight, vocal_quantile),
                  optimizer=keras.optimizers.Adam(learning_rate))
    return model


class Snapshots(keras.callbacks.Callback):
    """The weights after every ``every``-th epoch, as ``snapshots/epoch-NNNN.weights.h5`` in
    the checkpoint folder: a run's later snapshots averaged (:func:`average_snapshots`) make
    steadier weights than any one checkpoint."""

    def __init__(self, folder, every):
        super().__init__()
        self.folder, self.every = Path(folder), int(every)

    def on_epoch_end(self, epoch, logs=None):
        if self.every > 0 and (epoch + 1) % self.every == 0:
            self.folder.mkdir(parents=True, exist_ok=True)
            final = self.folder / f"epoch-{epoch + 1:04d}.weights.h5"
            tmp = final.with_name(".tmp-" + final.name)
            self.model.save_weights(tmp)
            tmp.replace(final)


#: Card keys a fine-tune (``init_from``) takes from its start set: how the set is run.
INHERITED = ("mask_calibration", "wiener_iterations")


def average_snapshots(paths, model_dir, *, card=None):
    """The mean of the snapshot weight files ``paths`` (one architecture, see
    :class:`Snapshots`), saved as a model set in ``model_dir`` with ``card``."""
    if not paths:
        raise DatasetError("No snapshot to average.")
    model = None
    total = None
    for path in paths:
        if model is None:
            # the architecture from the file's layer names: try each until one loads
            from ..model.unet_arch import ARCHS
            for arch in reversed(list(ARCHS)):
                try:
                    model = build_unet(arch=arch)
                    model.load_weights(path)
                    break
                except (ValueError, KeyError):
                    model = None
            if model is None:
                raise DatasetError(f"'{path}' is not the weights of a MiXiN U-Net.")
        else:
            model.load_weights(path)
        w = [np.asarray(a, np.float64) for a in model.get_weights()]
        total = w if total is None else [t + a for t, a in zip(total, w)]
    model.set_weights([(t / len(paths)).astype(np.float32) for t in total])
    return save_unet(model, model_dir, card=card)


def train_unet(train_source, val_source, model_dir, checkpoint_dir, opts=None, *,
               val_steps=8, data_note=None, verbose=2, voice_free_weight=0.0,
               vocal_quantile=0.5, arch=ARCH, init_from=None, snapshot_every=0):
    """Train (or resume) the joint U-Net; save the best as ``model_joint.keras`` + card.

    Parameters
    ----------
    train_source, val_source
        Batch sources (see the module notes); ``val_source`` should draw other songs.
    model_dir, checkpoint_dir : path-like
    opts : FitOptions
        ``epochs``, ``patience``, ``learning_rate``, ``resume``, ``restart``, ``seed``.
    val_steps : int
        Validation batches per epoch.
    data_note : dict or None
        What the training data is, for the card.
    voice_free_weight : float
        Extra weight on vocal output in voice-free chunks (:class:`MaskedMixtureL1`); a
        resumed run trains on the loss asked for now, with Adam's moments kept.
    vocal_quantile : float
        The quantile the vocal stem's term aims at (:class:`MaskedMixtureL1`); 0.5 is L1.
    arch : str
        The architecture of a new run (``unet_arch.ARCHS``); a resumed run keeps its own.
    init_from : path-like or None
        A new run starts from these weights (a ``model_joint.keras`` file or a model-set
        folder holding one; its own architecture) instead of random ones: a fine-tune.
    snapshot_every : int
        Keep the weights after every N-th epoch (:class:`Snapshots`); 0: none.

    Returns
    -------
    dict
        ``{"epochs": n, "best_val_loss": x, "model": Path}``.
    """
    opts = opts or FitOptions()
    keras.utils.set_random_seed(opts.seed)
    Path(checkpoint_dir).mkdir(parents=True, exist_ok=True)
    paths = checkpoint_paths(checkpoint_dir, FILE_STEM)
    state = _read_state(paths, opts)
    if state["epoch"] > 0:
        model = keras.models.load_model(paths["last"])
        # a resumed run goes on at the learning rate and loss asked for now (e.g. a lower
        # rate to settle a noisy run); Adam's moments carry over
        model.optimizer.learning_rate.assign(opts.learning_rate)
        model.compile(loss=MaskedMixtureL1(voice_free_weight, vocal_quantile),
                      optimizer=model.optimizer)
    else:
        if init_from is not None:
            init = Path(init_from)
            start = load_unet(init / f"model_{FILE_STEM}.keras" if init.is_dir() else init)
        else:
            start = build_unet(arch=arch)
        model = compile_unet(start, learning_rate=opts.learning_rate,
                             voice_free_weight=voice_free_weight,
                             vocal_quantile=vocal_quantile)
    train = JointBatches(train_source, start_epoch=state["epoch"], workers=1)
    val = JointBatches(val_source, fixed_epoch=0, steps=val_steps)
    if state["epoch"] < opts.epochs and state.get("wait", 0) < opts.patience:
        model.fit(train, validation_data=val, epochs=opts.epochs,
                  initial_epoch=state["epoch"],
                  callbacks=[*_callbacks(paths, state, opts),
                             Snapshots(Path(checkpoint_dir) / "snapshots", snapshot_every)],
                  verbose=verbose)
    done = json.loads(paths["state"].read_text())
    if paths["best"].is_file():
        model = keras.models.load_model(paths["best"])
    card = {
        "training_data": data_note or {}, "epochs": done["epoch"],
        "steps_per_epoch": len(train), "batch_size": getattr(train_source, "batch_size", None),
        "recipe": {"loss": "L1 on the masked mixture, per-chunk normalised",
                   **({"from": str(init_from)} if init_from is not None else {}),
                   "voice_free_weight": float(voice_free_weight),
                   "vocal_quantile": float(vocal_quantile),
                   "optimizer": "adam", "architecture": model_arch(model),
                   **{k: v for k, v in asdict(opts).items()
                      if k not in ("resume", "restart", "plot", "strategy")}},
        "scores": {"validation_loss": done["best"]},
        "keras_backend": keras.backend.backend(),
        "trained": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if init_from is not None:
        # a fine-tune runs as its start set was tuned to run, until it is tuned itself
        init = Path(init_from)
        parent = read_card(init / f"model_{FILE_STEM}.keras" if init.is_dir() else init)
        card.update({k: parent[k] for k in INHERITED if k in parent})
    saved = save_unet(model, model_dir, card=card)
    return {"epochs": done["epoch"], "best_val_loss": done["best"], "model": saved}
