"""Stream (mix, stem) magnitude batches from the HDF5 files into Keras.

Only the small ``pairs`` table of a split is held in memory; magnitudes are read batch by
batch, so datasets far larger than RAM train fine.
"""

from __future__ import annotations

import math

import numpy as np

from ..model.cdae import keras
from .hdf5 import MIX_FILE, open_checked, stem_file


def read_rows(dataset, rows):
    """Rows of an HDF5 dataset in the order asked, with one sorted read.

    Parameters
    ----------
    dataset : h5py.Dataset, shape (n, ...)
    rows : np.ndarray of int, shape (b,)
        Any order, repeats allowed (h5py itself needs increasing unique indices).

    Returns
    -------
    np.ndarray, shape (b, ...), float32
    """
    unique, inverse = np.unique(rows, return_inverse=True)
    return dataset[unique].astype(np.float32)[inverse]


class MagnitudeBatches(keras.utils.PyDataset):
    """Batches ``(x, y)`` of shape ``(b, 96, 1948, 1)`` float32 for one stem and split.

    Parameters
    ----------
    data_dir : path-like
        Folder with ``mix.hdf5`` and ``data_<stem>.hdf5``.
    stem : str
    split : {"train", "validation", "test"}
    batch_size : int
    shuffle : bool
        Reshuffle the pairs at every epoch end (training); the order is seeded.
    seed : int

    Raises
    ------
    DatasetError
        If a file is missing or of another format version.
    """

    def __init__(self, data_dir, stem, split, *, batch_size=64, shuffle=False, seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.paths = (stem_file(data_dir, stem), stem_file(data_dir, stem).with_name(MIX_FILE))
        self.split = split
        self.batch_size = int(batch_size)
        with open_checked(self.paths[0]) as f:
            self.pairs = f[split]["pairs"][:]
        open_checked(self.paths[1]).close()
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(self.pairs))
        if shuffle:
            self.rng.shuffle(self.order)
        self._files = None

    def __len__(self):
        return math.ceil(len(self.pairs) / self.batch_size)

    @property
    def n_pairs(self):
        return len(self.pairs)

    def _datasets(self):
        if self._files is None:  # opened lazily, so a worker process opens its own handles
            self._files = tuple(open_checked(p) for p in self.paths)
        stem_f, mix_f = self._files
        return mix_f[self.split]["x"], stem_f[self.split]["y"]

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        x_ds, y_ds = self._datasets()
        pairs = self.pairs[rows]
        return read_rows(x_ds, pairs[:, 0]), read_rows(y_ds, pairs[:, 1])

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)

    def close(self):
        if self._files:
            for f in self._files:
                f.close()
            self._files = None
