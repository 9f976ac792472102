"""One input file separated into stem files: where they go, what is checked first, how they
are written. The CLI, the Python API and both batch runners share it.

Nothing here prints: results and refusals are values and :class:`~mixin_gui.errors.MixinError`
sentences that every front end shows its own way.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..audio.io import describe, read_audio
from ..audio.outputs import (DEFAULT_TEMPLATE, apply_policy, check_name_lengths,
                             check_template, ensure_absent, plan_targets, track_name)
from ..audio.write import StemWriter, subtype_for
from ..dsp.resample import to_mono
from ..errors import AudioWriteError, Cancelled, MixinError

#: What to do with a stem file that exists already: refuse (the default), replace it, leave
#: the whole song alone, or write ``name (2).wav``.
EXISTS = ("error", "overwrite", "skip", "rename")


@dataclass(frozen=True)
class OutputSpec:
    """Where and how a song's stems are written.

    Attributes
    ----------
    outdir : Path
    template : str
        File name without extension, from ``{track}`` and ``{stem}``.
    fmt : {"wav", "flac", "mp3"}
    bit_depth : {"16", "24", "32f"} or None
        None: the container's default (32-bit float WAV, 24-bit FLAC).
    first_prefix : bool
        ``{track}`` is the input's name up to its first underscore.
    exists : str
        One of :data:`EXISTS`.
    """

    outdir: Path
    template: str = DEFAULT_TEMPLATE
    fmt: str = "wav"
    bit_depth: str | None = None
    first_prefix: bool = False
    exists: str = "error"

    def check(self, stems):
        """Refuse a spec that cannot work for ``stems``, before any work."""
        if self.exists not in EXISTS:
            raise MixinError(f"Unknown exists policy '{self.exists}'; choose one of "
                             f"{', '.join(EXISTS)}.")
        if self.fmt == "mp3" and self.bit_depth:
            raise AudioWriteError("MP3 has no bit depth; leave the bit depth out.")
        subtype_for(self.fmt, self.bit_depth)
        check_template(self.template, stems)

    def options(self):
        """What of the spec changes the files written (for the manifest)."""
        return {"format": self.fmt, "bit_depth": self.bit_depth, "template": self.template,
                "first_prefix": self.first_prefix}


def plan_file(path, spec, stems, subdir=""):
    """The stem files of ``path``: ``<outdir>/<subdir>/<template>.<fmt>``, one per stem."""
    track = track_name(path, first_prefix=spec.first_prefix)
    folder = Path(spec.outdir) / subdir if subdir else Path(spec.outdir)
    return list(plan_targets(folder, spec.template, track, stems, spec.fmt).values())


def check_file(path, paths, *, overwrite=False):
    """The cheap checks of one input before any model loads: its header, its outputs'
    names, and (without ``overwrite``) that none of them exists.

    Raises
    ------
    AudioReadError, AudioWriteError, OutputExistsError
    """
    describe(path)
    for p in paths:
        check_name_lengths(p)
    if not overwrite:
        ensure_absent(paths)


def resolve_exists(paths, policy):
    """``(paths, overwrite)`` after the exists policy; ``(None, False)`` when the song is to
    be left alone (policy ``"skip"`` and a stem file exists)."""
    if policy == "error":
        return list(paths), False
    targets = dict(enumerate(paths))
    kept, overwrite, skipped = apply_policy(targets, policy)
    if skipped:
        return None, False
    return [kept[i] for i in range(len(paths))], overwrite


@dataclass
class FileResult:
    """What separating one file gave.

    Attributes
    ----------
    outputs : list of Path
        The stem files written, in stem order.
    clipped : dict of Path to float
        Stem files whose samples went beyond full scale in an integer format: their peak.
    seconds : float
        Wall time of the separation and writing.
    duration : float
        The input's length in seconds.
    """

    outputs: list
    clipped: dict = field(default_factory=dict)
    seconds: float = 0.0
    duration: float = 0.0


def separate_to_files(separator, options, path, paths, *, fmt="wav", bit_depth=None,
                      overwrite=False, mono=False, protected=(), progress=None, cancel=None,
                      timeout=None):
    """Separate ``path`` and write its stems to ``paths`` atomically (all or none).

    Parameters
    ----------
    separator : mixin_gui.engine.Separator
    options : mixin_gui.config.SeparationOptions
    path : path-like
    paths : list of Path
        One per stem of ``options.stems``.
    fmt, bit_depth, overwrite :
        As :class:`~mixin_gui.audio.write.StemWriter` takes them.
    mono : bool
        Mix down to one channel first.
    protected : iterable of path-like
        Files no clean-up may remove (the run's inputs).
    progress : callable(done, total) or None
    cancel : threading.Event or None
    timeout : float or None
        Seconds the separation may take; past them it stops between two batches and
        :class:`Cancelled` says so.

    Returns
    -------
    FileResult
    """
    started = time.perf_counter()
    audio, sr = read_audio(path)
    if mono:
        audio = to_mono(audio)[:, None]
    stop = cancel if cancel is not None else threading.Event()
    expired = []

    def expire():
        expired.append(True)
        stop.set()

    timer = None
    if timeout:
        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
    try:
        with StemWriter(paths, samplerate=sr, channels=audio.shape[1], fmt=fmt,
                        bit_depth=bit_depth, overwrite=overwrite,
                        protected=protected) as writer:
            for block in separator.iter_blocks(audio, sr, options, progress=progress,
                                               cancel=stop):
                writer.write(block)
    except Cancelled:
        if expired:
            raise Cancelled(f"'{Path(path).name}' took longer than the limit of "
                            f"{timeout:g} s per file, so it was stopped.") from None
        raise
    finally:
        if timer is not None:
            timer.cancel()
    return FileResult(list(paths), writer.clipped, time.perf_counter() - started,
                      audio.shape[0] / sr)


def input_identity(path):
    """What makes two spellings of an input one file: its device and inode where it can be
    read, else its absolute path with symbolic links resolved."""
    try:
        st = os.stat(path)
        return (st.st_dev, st.st_ino)
    except (OSError, ValueError):
        return os.path.normcase(os.path.realpath(path))
