"""Train the CDAEs from the HDF5 datasets (``mixin train fit``).

MAE loss and Adam as MiXiN trained, early stopping on validation loss, the best model kept,
and a resumable checkpoint after every epoch: the model with its optimizer state and a small
JSON state (epochs done, early-stopping counters), so ``resume=True`` continues an
interrupted run where it stopped. Files per stem in the checkpoint directory:

``model_<stem>.best.keras``   best model by validation loss
``model_<stem>.last.keras``   model + optimizer after the last finished epoch
``model_<stem>.state.json``   epochs done, best validation loss, patience used
``model_<stem>.csv``          one line per epoch: loss, mae, val_loss, val_mae
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import config
from ..errors import DatasetError
from ..model.cdae import build_cdae, compile_cdae, keras, save_cdae
from .dataset import MagnitudeBatches
from .hdf5 import FORMAT_VERSION, describe_data


@dataclass
class FitOptions:
    """How the networks are trained (defaults as the original MiXiN's recipe).

    Attributes
    ----------
    epochs : int
        Upper bound; early stopping usually ends sooner.
    batch_size : int
        Chunks per step (global over replicas under a distribution strategy).
    patience : int
        Epochs without a better validation loss before stopping.
    learning_rate : float
        Adam's step size (Keras' default, which MiXiN used).
    resume : bool
        Continue from the checkpoint directory's last epoch.
    restart : bool
        Start over even where the checkpoint directory holds an earlier run.
    plot : bool
        Write loss and MAE plots (PNG) beside the models.
    strategy : {None, "mirrored", "multiworker"}
        ``tf.distribute`` strategy (TensorFlow backend only).
    seed : int
        Seeds weights and shuffling, so a run is reproducible.
    """

    epochs: int = 100
    batch_size: int = 64
    patience: int = 10
    learning_rate: float = 1e-3
    resume: bool = False
    restart: bool = False
    plot: bool = False
    strategy: str | None = None
    seed: int = 42


def checkpoint_paths(checkpoint_dir, stem):
    """The checkpoint files of ``stem`` (see the module docstring)."""
    d = Path(checkpoint_dir)
    return {"best": d / f"model_{stem}.best.keras", "last": d / f"model_{stem}.last.keras",
            "state": d / f"model_{stem}.state.json", "csv": d / f"model_{stem}.csv"}


def _write_json(path, data):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping whose best value and patience counter survive a restart."""

    def __init__(self, *, best=None, wait=0, **kwargs):
        super().__init__(**kwargs)
        self._resume = (best, wait)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        best, wait = self._resume
        if best is not None:
            self.best, self.wait = best, wait


class EpochCheckpoint(keras.callbacks.Callback):
    """After every epoch, save model + optimizer and the run's state, atomically."""

    def __init__(self, paths, stopper):
        super().__init__()
        self.paths = paths
        self.stopper = stopper

    def on_epoch_end(self, epoch, logs=None):
        tmp = self.paths["last"].with_name(".tmp." + self.paths["last"].name)
        self.model.save(tmp)
        os.replace(tmp, self.paths["last"])
        best = self.stopper.best
        _write_json(self.paths["state"], {
            "epoch": epoch + 1, "best": None if best is None else float(best),
            "wait": int(self.stopper.wait)})


def get_strategy(name):
    """A ``tf.distribute`` strategy by name, or ``None`` (no distribution).

    ``"mirrored"`` replicates over every GPU of this host, or over every logical CPU
    device when there is no GPU (TensorFlow's own default would take one CPU only; several
    logical CPUs are what tests configure). ``"multiworker"`` reads the cluster from
    ``TF_CONFIG``.
    """
    if not name:
        return None
    if keras.backend.backend() != "tensorflow":
        raise DatasetError(f"--strategy {name} needs the TensorFlow Keras backend, not "
                           f"{keras.backend.backend()}.")
    import tensorflow as tf

    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or \
            tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise DatasetError(f"Unknown strategy '{name}'; use mirrored or multiworker.")


def _read_state(paths, opts):
    """Epochs done and early-stopping counters to start from.

    A fresh run refuses to overwrite the checkpoint of an earlier one unless told to
    (``restart``): a forgotten ``--resume`` must not cost hours of training.
    """
    if not opts.resume:
        if paths["last"].is_file() and not opts.restart:
            stem = paths["last"].name.split(".")[0].removeprefix("model_")
            raise DatasetError(
                f"'{paths['last'].parent}' holds the checkpoint of an earlier {stem} run; "
                f"pass --resume to continue it or --restart to start over.")
        for p in paths.values():
            p.unlink(missing_ok=True)
        return {"epoch": 0, "best": None, "wait": 0}
    if not (paths["state"].is_file() and paths["last"].is_file()):
        raise DatasetError(f"Nothing to resume: no checkpoint '{paths['last'].name}' in "
                           f"'{paths['last'].parent}'.")
    return json.loads(paths["state"].read_text(encoding="utf-8"))


def _make_model(stem, paths, state, opts):
    if state["epoch"] > 0:
        return keras.models.load_model(paths["last"])
    return compile_cdae(build_cdae(name=f"cdae_{stem}"), learning_rate=opts.learning_rate)


def _callbacks(paths, state, opts):
    stopper = ResumableEarlyStopping(monitor="val_loss", patience=opts.patience,
                                     best=state["best"], wait=state["wait"])
    best = keras.callbacks.ModelCheckpoint(
        str(paths["best"]), monitor="val_loss", save_best_only=True,
        initial_value_threshold=state["best"])
    csv = keras.callbacks.CSVLogger(str(paths["csv"]), append=state["epoch"] > 0)
    return [stopper, best, csv, EpochCheckpoint(paths, stopper)]


def _datasets(data_dir, stem, opts):
    sets = {s: MagnitudeBatches(data_dir, stem, s, batch_size=opts.batch_size,
                                shuffle=(s == "train"), seed=opts.seed)
            for s in ("train", "validation", "test")}
    for s in ("train", "validation"):
        if sets[s].n_pairs == 0:
            raise DatasetError(f"The {stem} data has no {s} chunks; prepare more tracks "
                               f"(with vocals, for the vocal model).")
    return sets


def train_stem(data_dir, stem, model_dir, checkpoint_dir, opts=None, *, strategy=None,
               verbose=1):
    """Train (or resume training) the CDAE of one stem and save it with its model card.

    ``strategy`` is a ``tf.distribute`` strategy made once per process by
    :func:`get_strategy` (``None``: built from ``opts.strategy``).

    Returns
    -------
    dict
        ``{"epochs": n, "scores": {"train_mae": x, "validation_mae": x, "test_mae": x},
        "history": {metric: [per epoch]}, "model": Path}``.
    """
    opts = opts or FitOptions()
    keras.utils.set_random_seed(opts.seed)
    Path(checkpoint_dir).mkdir(parents=True, exist_ok=True)
    paths = checkpoint_paths(checkpoint_dir, stem)
    state = _read_state(paths, opts)
    sets = _datasets(data_dir, stem, opts)
    strategy = strategy or get_strategy(opts.strategy)
    scope = strategy.scope() if strategy else contextlib.nullcontext()
    with scope:
        model = _make_model(stem, paths, state, opts)
    history = {}
    if state["epoch"] < opts.epochs and state.get("wait", 0) < opts.patience:
        result = model.fit(sets["train"], validation_data=sets["validation"],
                           epochs=opts.epochs, initial_epoch=state["epoch"],
                           callbacks=_callbacks(paths, state, opts), verbose=verbose)
        history = result.history
    if paths["best"].is_file():
        model.set_weights(keras.models.load_model(paths["best"], compile=False).get_weights())
    scores = {f"{s}_mae": _score(model, sets[s]) for s in sets}
    done = json.loads(paths["state"].read_text())["epoch"] if paths["state"].is_file() else 0
    card = _card(data_dir, stem, opts, done, scores)
    final = build_cdae(name=f"cdae_{stem}")
    final.set_weights(model.get_weights())
    saved = save_cdae(final, model_dir, stem, card=card)
    for ds in sets.values():
        ds.close()
    if opts.plot:
        from .plots import plot_history

        plot_history(paths["csv"], model_dir, stem)
    return {"epochs": done, "scores": scores, "history": history, "model": saved}


def _score(model, dataset):
    if dataset.n_pairs == 0:
        return None
    return float(model.evaluate(dataset, verbose=0, return_dict=True)["loss"])


def _card(data_dir, stem, opts, epochs, scores):
    data = describe_data(data_dir, stem)
    return {
        "training_data": {
            "data_dir": str(Path(data_dir).resolve()), "hdf5_format": FORMAT_VERSION,
            "tracks": {s: len(v["tracks"]) for s, v in data.items()},
            "chunks": {s: v["pairs"] for s, v in data.items()},
            "seconds_per_chunk": config.CHUNK_SIZE / config.SAMPLE_RATE},
        "epochs": epochs,
        "recipe": {"loss": "mae", "optimizer": "adam",
                   **{k: v for k, v in asdict(opts).items()
                      if k not in ("resume", "restart", "plot")}},
        "scores": scores,
        "keras_backend": keras.backend.backend(),
        "trained": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def train_all(data_dir, model_dir, checkpoint_dir, stems=config.STEMS, opts=None, *,
              verbose=1, report=print):
    """Train every stem in turn; ``report`` gets one summary line per stem."""
    unknown = [s for s in stems if s not in config.STEMS]
    if unknown:
        raise DatasetError(f"Unknown stem '{unknown[0]}'; use {', '.join(config.STEMS)}.")
    opts = opts or FitOptions()
    strategy = get_strategy(opts.strategy)  # once: a multi-worker strategy must be unique
    results = {}
    for stem in stems:
        report(f"training the {stem} model")
        results[stem] = res = train_stem(data_dir, stem, model_dir, checkpoint_dir, opts,
                                         strategy=strategy, verbose=verbose)
        report(f"{stem}: {res['epochs']} epochs, " + ", ".join(
            f"{k} {'n/a' if v is None else f'{v:.5f}'}" for k, v in res["scores"].items())
            + f", saved {res['model']}")
    return results
