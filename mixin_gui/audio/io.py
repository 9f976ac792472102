"""Audio files in and out.

Reading goes through libsndfile (soundfile): WAV, FLAC, OGG/Vorbis, MP3, AIFF. Samples come
back as float32 ``(frames, channels)``. Writing is atomic: every output goes to a hidden
temporary file in the destination folder and is renamed into place only when it is complete,
so a failed or cancelled run never leaves a half-written stem, and an existing file is never
replaced unless the caller asks.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from .. import config
from ..errors import AudioReadError, AudioWriteError, OutputExistsError

#: Subtypes for ``--bit-depth`` per container.
_SUBTYPES = {
    "wav": {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"},
    "flac": {"16": "PCM_16", "24": "PCM_24"},
}
#: Bit depth used when none is given: float WAV keeps every value the engine computed
#: (as the original MiXiN's float WAVs did); FLAC cannot store floats, so 24-bit.
DEFAULT_BIT_DEPTH = {"wav": "32f", "flac": "24"}


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, without decoding it."""

    path: Path
    samplerate: int
    channels: int
    frames: int
    format: str

    @property
    def duration(self) -> float:
        return self.frames / self.samplerate


def _name(path):
    return Path(path).name or str(path)


def describe(path):
    """:class:`AudioInfo` of ``path``; raises :class:`AudioReadError` if it is not audio."""
    path = Path(path)
    _check_input_path(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise AudioReadError(
            f"'{_name(path)}' is not an audio file MiXiN can read (not WAV, FLAC, OGG, MP3 "
            f"or AIFF, or damaged).") from None
    _check_riff_length(path)
    return AudioInfo(path, int(info.samplerate), int(info.channels), int(info.frames),
                     str(info.format))


def _check_input_path(path):
    if not path.exists():
        raise AudioReadError(f"'{path}' does not exist.")
    if path.is_dir():
        raise AudioReadError(f"'{path}' is a folder, not an audio file.")
    if not os.access(path, os.R_OK):
        raise AudioReadError(f"'{path}' cannot be read (permission denied).")


def _check_riff_length(path):
    """Refuse a WAV whose ``data`` chunk claims more bytes than the file has.

    libsndfile quietly decodes what is there, so a download cut short would otherwise be
    separated as if it were the whole song.
    """
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return
        size = os.fstat(f.fileno()).st_size
        order = "little" if head[:4] == b"RIFF" else "big"
        while True:
            hdr = f.read(8)
            if len(hdr) < 8:
                return
            length = int.from_bytes(hdr[4:], order)
            if hdr[:4] == b"data":
                if f.tell() + length > size:
                    raise AudioReadError(
                        f"'{_name(path)}' is truncated: it ends {f.tell() + length - size} "
                        f"bytes before the end of its audio data.")
                return
            f.seek(length + (length & 1), os.SEEK_CUR)


def _sf_reason(exc):
    text = str(exc).split(":")[-1].strip() or type(exc).__name__
    text = text.rstrip(".")
    return text[0].lower() + text[1:] if text else text


def read_audio(path):
    """Decode ``path`` to float32 samples.

    Returns
    -------
    audio : np.ndarray, shape (frames, channels), float32
    sr : int
        The file's sample rate (no resampling here; see :mod:`mixin_gui.dsp.resample`).

    Raises
    ------
    AudioReadError
        Missing file, folder, not audio, corrupt or truncated, no samples, or samples that
        are NaN or infinite (a float file can hold them; we refuse rather than guess).
    """
    info = describe(path)
    try:
        audio, sr = sf.read(str(info.path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise AudioReadError(
            f"'{_name(path)}' is damaged and cannot be decoded ({_sf_reason(exc)}).") from None
    if audio.shape[0] == 0:
        raise AudioReadError(f"'{_name(path)}' contains no audio (0 samples).")
    if info.frames > 0 and audio.shape[0] < info.frames:
        raise AudioReadError(
            f"'{_name(path)}' is truncated: its header promises {info.frames} frames "
            f"but only {audio.shape[0]} could be decoded.")
    if not np.isfinite(audio).all():
        raise AudioReadError(
            f"'{_name(path)}' contains NaN or infinite samples; repair or re-export it.")
    return audio, int(sr)


def subtype_for(fmt, bit_depth=None):
    """libsndfile subtype for a container and bit depth (``None``: the default)."""
    fmt = fmt.lower()
    if fmt not in _SUBTYPES:
        raise AudioWriteError(f"Unknown output format '{fmt}'; use wav or flac.")
    depth = bit_depth or DEFAULT_BIT_DEPTH[fmt]
    if depth not in _SUBTYPES[fmt]:
        allowed = " or ".join(_SUBTYPES[fmt])
        raise AudioWriteError(f"{fmt.upper()} cannot store {depth}-bit samples; use {allowed}.")
    return _SUBTYPES[fmt][depth]


def check_output_dir(outdir):
    """Create ``outdir`` if needed and prove a file can be written there.

    Raises
    ------
    AudioWriteError
        With one sentence saying why the folder cannot take the stems.
    """
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AudioWriteError(
            f"Cannot create output folder '{outdir}': {exc.strerror or exc}.") from None
    try:
        with tempfile.NamedTemporaryFile(dir=outdir, prefix=".mixin-probe-"):
            pass
    except OSError as exc:
        raise AudioWriteError(
            f"Cannot write to output folder '{outdir}': {exc.strerror or exc}.") from None
    return outdir


class StemWriter:
    """Writes several output files block by block and publishes them all at the end.

    Use as a context manager. Every target gets a hidden temporary file beside it; on a
    clean exit the temporaries are renamed into place (without replacing existing files
    unless ``overwrite``), on an exception (failure, cancel) they are deleted.

    Parameters
    ----------
    paths : sequence of path-like
        Final file names, one per stream.
    samplerate, channels : int
    fmt : {"wav", "flac"}
    bit_depth : {"16", "24", "32f"} or None
    overwrite : bool
        Replace existing files. Without it, an existing target raises
        :class:`OutputExistsError` before anything is written.
    """

    def __init__(self, paths, *, samplerate, channels, fmt="wav", bit_depth=None,
                 overwrite=False):
        self.paths = [Path(p) for p in paths]
        self.subtype = subtype_for(fmt, bit_depth)
        self.format = fmt.upper()
        self.samplerate = int(samplerate)
        self.channels = int(channels)
        self.overwrite = overwrite
        if not overwrite:
            ensure_absent(self.paths)
        self._files = []
        self._tmps = []

    def __enter__(self):
        try:
            for p in self.paths:
                tmp = _create_temp(p)
                self._tmps.append(tmp)
                self._files.append(sf.SoundFile(tmp, "w", samplerate=self.samplerate,
                                                channels=self.channels,
                                                subtype=self.subtype, format=self.format))
        except (OSError, sf.LibsndfileError) as exc:
            self._discard()
            raise AudioWriteError(f"Cannot write to '{self.paths[0].parent}': {exc}.") from None
        return self

    def write(self, blocks):
        """Append one block per stream, each ``(frames, channels)`` float."""
        try:
            for f, block in zip(self._files, blocks):
                f.write(np.asarray(block, dtype=np.float32))
        except (OSError, sf.LibsndfileError) as exc:
            raise AudioWriteError(f"Writing stems failed: {exc}.") from None

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._discard()
            return False
        for f in self._files:
            f.close()
        try:
            _publish(self._tmps, self.paths, self.overwrite)
        finally:
            self._discard()
        return False

    def _discard(self):
        for f in self._files:
            if not f.closed:
                f.close()
        for t in self._tmps:
            t.unlink(missing_ok=True)


def _create_temp(final):
    """Create an empty hidden file beside ``final`` (mode from the umask, like any file)."""
    for _ in range(100):
        tmp = final.parent / f".{final.stem}.{secrets.token_hex(4)}.part{final.suffix}"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise AudioWriteError(f"Cannot create a temporary file in '{final.parent}'.")


def ensure_absent(paths):
    """Raise :class:`OutputExistsError` naming the first of ``paths`` that exists."""
    for p in paths:
        if os.path.lexists(p):
            raise OutputExistsError(
                f"'{p}' already exists; use --overwrite to replace it "
                f"or choose another output folder.")


def _publish(tmps, paths, overwrite):
    """Rename finished temporaries into place (all checked first, then all renamed)."""
    if not overwrite:
        ensure_absent(paths)
    for tmp, final in zip(tmps, paths):
        if overwrite:
            os.replace(tmp, final)
            continue
        try:  # link + unlink never replaces a file that appeared meanwhile
            os.link(tmp, final)
        except FileExistsError:
            raise OutputExistsError(f"'{final}' already exists; use --overwrite to replace it.")
        except OSError:  # file systems without hard links
            os.replace(tmp, final)


def write_audio(path, audio, samplerate, *, fmt=None, bit_depth=None, overwrite=False):
    """Write one ``(frames, channels)`` (or 1-D) signal atomically.

    ``fmt`` defaults to the file's extension (``.wav`` or ``.flac``).
    """
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower() or "wav"
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    with StemWriter([path], samplerate=samplerate, channels=audio.shape[1], fmt=fmt,
                    bit_depth=bit_depth, overwrite=overwrite) as w:
        w.write([audio])
    return path


def is_audio_name(path):
    """Whether a file name has an extension MiXiN reads."""
    return Path(path).suffix.lower() in config.READ_EXTENSIONS
