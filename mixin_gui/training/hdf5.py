"""Prepared segments to HDF5 magnitude datasets (``mixin train create-hdf5``).

Layout in the data directory (format :data:`FORMAT_VERSION`):

``mix.hdf5``
    Groups ``train``, ``validation``, ``test``, each with ``x``, the mix magnitudes, shape
    ``(n, 96, 1948, 1)`` float16, and ``track``, shape ``(n,)``, the track of every row.
    Stored once for all stems.
``data_<stem>.hdf5`` (harmonic, percussive, vocal)
    Same groups, each with ``y``, the stem magnitudes ``(m, 96, 1948, 1)`` float16,
    ``track`` ``(m,)`` and ``pairs`` ``(p, 2)`` int64: rows ``(x_row, y_row)`` pairing a mix
    row of ``mix.hdf5`` (same split) with a stem row. A stem chunk is stored once and
    paired with every mix of its segment that contains it.

Every network sees every mix, with a target of zeros where its stem is not in that mix
(zero rows cost next to nothing once compressed). A segment gives up to three mixes:

* ``v``, the full mix (harmonic + percussive + vocal), for tracks with vocals;
* ``nov``, harmonic + percussive only, for every segment;
* ``a``, the vocal alone ("a cappella"), for a seeded share of the segments with vocals.

The original MiXiN paired the vocal network only with mixes that hold vocals, so it never
learned to stay silent: on a string orchestra it claimed the violins as voice. The ``a``
mixes teach the harmonic and percussive networks the opposite, to leave a voice without
accompaniment (speech, a cappella) to the vocal stem.

Splits are by track (80/10/10 of the tracks, shuffled with a fixed seed), so no song is in
two splits. Rows are chunked one per HDF5 chunk and compressed with gzip level 1 after
byte shuffling: float16 halves the size and compression takes about a third off the rest,
and reading a row costs about 2 ms, far below a training step.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from .. import config
from ..audio.io import read_audio
from ..dsp.nsgt import get_nsgt
from ..dsp.resample import to_mono
from ..errors import DatasetError
from .multitrack import list_segments

#: Version of the layout above; files of any other version are refused.
FORMAT_VERSION = 2
SPLITS = ("train", "validation", "test")
MIX_FILE = "mix.hdf5"
ROW_SHAPE = (config.N_BANDS, config.N_COEFS, 1)
_STORAGE = dict(dtype="float16", chunks=(1, *ROW_SHAPE), compression="gzip",
                compression_opts=1, shuffle=True)


def stem_file(data_dir, stem):
    """Path of the HDF5 file of ``stem`` in ``data_dir``."""
    return Path(data_dir) / f"data_{stem}.hdf5"


def split_tracks(tracks, *, seed=42, fractions=(0.8, 0.1, 0.1)):
    """Assign whole tracks to train / validation / test.

    Parameters
    ----------
    tracks : sequence of int
        Track numbers.
    seed : int
        Shuffle seed, fixed so that re-running gives the same split.

    Returns
    -------
    dict of str to list of int
        Validation and test get ``round(fraction * n)`` tracks but at least one each.

    Raises
    ------
    DatasetError
        With fewer than three tracks (each split needs one).
    """
    tracks = sorted(tracks)
    if len(tracks) < 3:
        raise DatasetError(f"Splitting by track needs at least 3 tracks (train, validation, "
                           f"test), but the data has {len(tracks)}.")
    order = np.random.default_rng(seed).permutation(tracks).tolist()
    n_val = max(1, round(fractions[1] * len(tracks)))
    n_test = max(1, round(fractions[2] * len(tracks)))
    n_train = len(tracks) - n_val - n_test
    return {"train": sorted(order[:n_train]),
            "validation": sorted(order[n_train:n_train + n_val]),
            "test": sorted(order[n_train + n_val:])}


def magnitudes(path):
    """Bark-NSGT magnitudes of the whole chunks of a mono segment file.

    Returns
    -------
    np.ndarray, shape (n_chunks, 96, 1948, 1), float16
        One transform call for all chunks; a partial last chunk is dropped.
    """
    audio, _ = read_audio(path)
    x = to_mono(audio)
    n = len(x) // config.CHUNK_SIZE
    if n == 0:
        raise DatasetError(f"Segment file '{path}' is shorter than one model chunk.")
    coefs = get_nsgt().forward(x[:n * config.CHUNK_SIZE].reshape(n, config.CHUNK_SIZE),
                               dtype=np.float32)
    return np.abs(coefs).astype(np.float16)[..., None]


class _Split:
    """Growable datasets of one split in the open HDF5 files."""

    def __init__(self, files, name):
        self.groups = {k: f.require_group(name) for k, f in files.items()}
        for key, group in self.groups.items():
            data = "x" if key == "mix" else "y"
            group.create_dataset(data, shape=(0, *ROW_SHAPE), maxshape=(None, *ROW_SHAPE),
                                 **_STORAGE)
            group.create_dataset("track", shape=(0,), maxshape=(None,), dtype="int32")
            if key != "mix":
                group.create_dataset("pairs", shape=(0, 2), maxshape=(None, 2),
                                     dtype="int64")

    def append(self, key, rows, track):
        """Append ``rows`` (n, 96, 1948, 1) to file ``key``; returns their row numbers."""
        group = self.groups[key]
        data = group["x" if key == "mix" else "y"]
        start = data.shape[0]
        data.resize(start + len(rows), axis=0)
        data[start:] = rows
        group["track"].resize(start + len(rows), axis=0)
        group["track"][start:] = track
        return np.arange(start, start + len(rows))

    def pair(self, key, x_rows, y_rows):
        pairs = self.groups[key]["pairs"]
        start = pairs.shape[0]
        pairs.resize(start + len(x_rows), axis=0)
        pairs[start:] = np.stack([x_rows, y_rows], axis=1)


#: Which stems each mix kind of a segment holds (see the module notes).
MIX_CONTENTS = {"v": ("harmonic", "percussive", "vocal"), "nov": ("harmonic", "percussive"),
                "a": ("vocal",)}


def _add_segment(split, track, kinds, *, a_cappella):
    """Transform one segment (its ``v`` and/or ``nov`` folders) and append its rows.

    ``a_cappella``: whether the segment's vocal alone is also stored as a mix.
    """
    base = kinds.get("v") or kinds["nov"]
    stems = {stem: magnitudes(base / f"{stem}.wav") for stem in ("harmonic", "percussive")}
    mixes = {k: magnitudes(kinds[k] / "mix.wav") for k in ("v", "nov") if k in kinds}
    if "v" in kinds:
        stems["vocal"] = magnitudes(kinds["v"] / "vocal.wav")
        if a_cappella:
            mixes["a"] = stems["vocal"]
    mix_rows = {k: split.append("mix", rows, track) for k, rows in mixes.items()}
    n_chunks = len(next(iter(mixes.values())))
    for stem in config.STEMS:
        y_rows, zero_rows = None, None
        for kind, x_rows in mix_rows.items():
            if stem in MIX_CONTENTS[kind]:
                if y_rows is None:
                    y_rows = split.append(stem, stems[stem], track)
                split.pair(stem, x_rows, y_rows)
            else:
                if zero_rows is None:
                    zero_rows = split.append(stem, np.zeros((n_chunks, *ROW_SHAPE),
                                                            np.float16), track)
                split.pair(stem, x_rows, zero_rows)


def _gives_a_cappella(seed, track, number, share):
    """Seeded draw: does segment ``number`` of ``track`` also give an a cappella mix?"""
    return np.random.default_rng([seed, track, number]).random() < share


def create_hdf5(data_dir, *, seed=42, a_cappella_share=config.A_CAPPELLA_SHARE,
                progress=None):
    """Write ``mix.hdf5`` and ``data_<stem>.hdf5`` from the segment folders of ``data_dir``.

    ``a_cappella_share`` (0 to 1) of the segments with vocals also give their vocal alone
    as a mix; the draw is seeded by ``seed``, the track and the segment.

    Files are written under temporary names and renamed when complete.
    ``progress(done, total)`` is called after each track.

    Returns
    -------
    dict of str to dict of str to tuple
        ``{stem: {split: (n_pairs, 96, 1948, 1)}}``, the shapes of every split.
    """
    data_dir = Path(data_dir)
    segments = list_segments(data_dir)
    splits = split_tracks(segments, seed=seed)
    names = {"mix": data_dir / MIX_FILE, **{s: stem_file(data_dir, s) for s in config.STEMS}}
    tmp = {k: p.with_name(p.name + ".tmp") for k, p in names.items()}
    files = {k: h5py.File(p, "w") for k, p in tmp.items()}
    try:
        for key, f in files.items():
            f.attrs.update(format_version=FORMAT_VERSION, kind=key, mix_file=MIX_FILE,
                           sample_rate=config.SAMPLE_RATE, chunk_size=config.CHUNK_SIZE,
                           a_cappella_share=float(a_cappella_share))
        done = 0
        for split_name in SPLITS:
            split = _Split(files, split_name)
            for track in splits[split_name]:
                for number in sorted(segments[track]):
                    _add_segment(split, track, segments[track][number],
                                 a_cappella=_gives_a_cappella(seed, track, number,
                                                              a_cappella_share))
                done += 1
                if progress:
                    progress(done, len(segments))
        shapes = {s: {n: (files[s][n]["pairs"].shape[0], *ROW_SHAPE) for n in SPLITS}
                  for s in config.STEMS}
    except BaseException:
        for key, f in files.items():
            f.close()
            tmp[key].unlink(missing_ok=True)
        raise
    for f in files.values():
        f.close()
    for key in names:
        tmp[key].replace(names[key])
    return shapes


def open_checked(path):
    """Open an HDF5 file of this project for reading, refusing other format versions.

    Raises
    ------
    DatasetError
        If the file is missing, unreadable or of another format version.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"'{path}' does not exist; run 'mixin train create-hdf5' first.")
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise DatasetError(f"'{path}' is not a readable HDF5 file.") from None
    version = f.attrs.get("format_version")
    if version != FORMAT_VERSION:
        f.close()
        raise DatasetError(
            f"'{path.name}' was written by another version of MiXiN (data format "
            f"{version if version is not None else 'unknown'}, this one reads format "
            f"{FORMAT_VERSION}); recreate it with 'mixin train create-hdf5'.")
    return f


def describe_data(data_dir, stem):
    """Counts of a stem's data: ``{split: {"pairs": n, "tracks": [..]}}``."""
    with open_checked(stem_file(data_dir, stem)) as f:
        return {s: {"pairs": int(f[s]["pairs"].shape[0]),
                    "tracks": sorted(set(int(t) for t in f[s]["track"][:]))}
                for s in SPLITS}
