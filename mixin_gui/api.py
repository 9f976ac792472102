"""The Python API: a few functions over the engine, for scripts and notebooks.

>>> import mixin_gui
>>> stems = mixin_gui.separate("song.wav")                # doctest: +SKIP
>>> stems["vocal"].shape, stems.sr                        # doctest: +SKIP
((5864448, 2), 44100)
>>> mixin_gui.separate_file("song.wav", "stems/")         # doctest: +SKIP
[PosixPath('stems/song_harmonic.wav'), PosixPath('stems/song_percussive.wav'), ...]

Both load the default model set unless told otherwise, and every refusal is a
:class:`~mixin_gui.errors.MixinError` with a one-sentence message. Loading a set takes about
a second; to separate many songs, load it once (``Separator()``) and pass it as
``separator=``. Nothing is cached behind the caller's back.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .audio.io import read_audio
from .audio.outputs import DEFAULT_TEMPLATE
from .batch.job import OutputSpec, check_file, plan_file, resolve_exists, separate_to_files
from .config import SeparationOptions
from .dsp.resample import to_mono
from .engine import Separator, Stems
from .errors import MixinError
from .model.discovery import resolve_model_dir

__all__ = ["Separator", "Stems", "separate", "separate_file"]


def _options(instrumental, single_model, wiener):
    if wiener is not None and not (isinstance(wiener, int) and 0 <= wiener <= 10):
        raise MixinError(f"wiener must be a whole number of steps from 0 to 10, not {wiener!r}.")
    return SeparationOptions(instrumental=bool(instrumental), single_model=bool(single_model),
                             wiener_iterations=wiener)


def _separator(model, separator, options):
    if separator is not None:
        if model is not None:
            raise MixinError("Give a model or a separator, not both: the separator's "
                             "models are used.")
        if not separator.supports(options):
            raise MixinError("This separator has no vocal model; load it with every stem or "
                             "separate instrumental.")
        return separator
    return Separator(resolve_model_dir(model), stems=options.stems)


def separate(audio, sr=None, *, model=None, instrumental=False, single_model=False,
             wiener=None, mono=False, progress=None, cancel=None, separator=None):
    """Separate a song into its stems.

    Parameters
    ----------
    audio : path-like or np.ndarray, shape (frames,) or (frames, channels)
        A file (any format MiXiN reads) or samples (full scale 1.0, any rate).
    sr : int or None
        The samples' rate; required for an array, refused for a file (its own rate is used).
    model : str, path-like or None
        A bundled set's name (``"unet"``, ``"cdae"``; see ``mixin models``) or a model
        folder; None: the default set.
    instrumental : bool
        Harmonic and percussive only (no vocal stem).
    single_model : bool
        Each network's own estimate with the mix's phase, not masks (the CDAE sets).
    wiener : int or None
        Steps of stereo Wiener filtering; None: what the set recommends.
    mono : bool
        Mix down to one channel first.
    progress : callable(done, total) or None
        Called after every batch of chunks.
    cancel : threading.Event or None
        Set it to stop; :class:`~mixin_gui.errors.Cancelled` is raised.
    separator : Separator or None
        Loaded models to reuse (then ``model`` must be None).

    Returns
    -------
    Stems
        ``stems["vocal"]`` etc., each shaped like the (mixed-down) input, float32;
        ``stems.sr`` is the rate.
    """
    if isinstance(audio, (str, os.PathLike)):
        if sr is not None:
            raise MixinError("A file's sample rate is read from the file; leave sr out.")
        audio, sr = read_audio(audio)
        audio = audio[:, 0] if audio.shape[1] == 1 else audio
    else:
        if sr is None:
            raise MixinError("Samples need their sample rate: pass sr=, e.g. sr=44100.")
        audio = np.asarray(audio)
    if mono and audio.ndim == 2:
        audio = to_mono(audio)
    options = _options(instrumental, single_model, wiener)
    sep = _separator(model, separator, options)
    return sep.separate(audio, int(sr), options, progress=progress, cancel=cancel)


def separate_file(path, outdir, *, template=DEFAULT_TEMPLATE, format="wav", bit_depth=None,
                  exists="error", first_prefix=False, model=None, instrumental=False,
                  single_model=False, wiener=None, mono=False, progress=None, cancel=None,
                  separator=None):
    """Separate a file and write its stems, as ``mixin separate`` does.

    Parameters
    ----------
    path : path-like
    outdir : path-like
        Made when the first stem is written.
    template : str
        File name without extension from ``{track}`` and ``{stem}``.
    format : {"wav", "flac", "mp3"}
    bit_depth : {"16", "24", "32f"} or None
        None: 32-bit float WAV, 24-bit FLAC.
    exists : {"error", "overwrite", "skip", "rename"}
        When a stem file exists: refuse (:class:`~mixin_gui.errors.OutputExistsError`),
        replace it, leave this song alone (returns ``[]``), or write ``name (2).wav``.
    first_prefix : bool
        ``{track}`` is the file's name up to its first underscore.
    model, instrumental, single_model, wiener, mono, progress, cancel, separator :
        As for :func:`separate`.

    Returns
    -------
    list of Path
        The stem files written, all or none of them (atomically); an output is never an
        input and never replaces a file unless ``exists="overwrite"``.
    """
    spec = OutputSpec(Path(outdir), template=template, fmt=str(format).lower(),
                      bit_depth=bit_depth, first_prefix=first_prefix, exists=exists)
    options = _options(instrumental, single_model, wiener)
    spec.check(options.stems)
    from .audio.outputs import check_collisions
    from .audio.write import check_output_dir

    check_output_dir(spec.outdir)
    paths, overwrite = resolve_exists(plan_file(path, spec, options.stems), exists)
    if paths is None:
        return []
    check_collisions([(Path(path), paths)])
    check_file(path, paths, overwrite=overwrite)
    sep = _separator(model, separator, options)
    result = separate_to_files(sep, options, path, paths, fmt=spec.fmt,
                               bit_depth=spec.bit_depth, overwrite=overwrite, mono=mono,
                               protected=[path], progress=progress, cancel=cancel)
    return result.outputs
