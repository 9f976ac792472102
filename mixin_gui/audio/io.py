"""Audio files in: any supported input decoded to float32, with its header checked first.

Reading goes through libsndfile (soundfile): WAV, FLAC, OGG/Vorbis, MP3, AIFF. Samples come
back as float32 ``(frames, channels)``. A file that lies (a header claiming an absurd rate,
channel count or length, a length the file no longer has) is refused in one sentence before
it costs memory; see :mod:`.checks`. Writing lives in :mod:`.write` and output plans in
:mod:`.outputs`; their public names are re-exported here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from .. import config
from ..errors import AudioReadError
from . import checks
from .outputs import ensure_absent
from .write import (DEFAULT_BIT_DEPTH, StemWriter, check_output_dir, mp3_supported,
                    subtype_for, write_audio)

#: Reading is defined here; the writing and planning names are re-exported for callers
#: that import everything file-related from one place.
__all__ = ["AudioInfo", "DEFAULT_BIT_DEPTH", "StemWriter", "check_output_dir", "describe",
           "ensure_absent", "is_audio_name", "mp3_supported", "read_audio", "subtype_for",
           "write_audio"]


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, without decoding it."""

    path: Path
    samplerate: int
    channels: int
    frames: int
    format: str
    #: False for a stream whose header gives no length (``frames`` is then 0 until decoded).
    length_known: bool = True

    @property
    def duration(self) -> float:
        return self.frames / self.samplerate


def _name(path):
    return checks.name_of(path)


def native(path):
    """``path`` as libsndfile must get it: bytes on POSIX, so that a name which is not valid
    UTF-8 (an old Latin-1 archive, a Windows share) opens like any other."""
    return str(path) if os.name == "nt" else os.fsencode(path)


def _is_mpeg(path):
    """Whether ``path`` looks like MPEG audio (by name, ID3 tag or frame sync)."""
    if Path(path).suffix.lower() in (".mp3", ".mp2", ".mpga"):
        return True
    with open(path, "rb") as f:
        head = f.read(2)
    return head[:2] == b"ID" or (len(head) == 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _sf_info(path):
    if _is_mpeg(path):
        with checks.quiet_stderr():  # libmpg123 warns on stderr about damaged streams
            return sf.info(native(path))
    return sf.info(native(path))


def describe(path):
    """:class:`AudioInfo` of ``path``, its header checked; nothing is decoded.

    Raises
    ------
    AudioReadError
        Missing, a folder, a pipe or device, unreadable, not audio, or a header that lies
        (sample rate outside 8-384 kHz, more than 64 channels, more frames than the file
        can hold).
    """
    path = Path(path)
    checks.check_input_path(path)
    try:
        info = _sf_info(path)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        raise AudioReadError(
            f"'{_name(path)}' is not an audio file MiXiN can read (not WAV, FLAC, OGG, MP3 "
            f"or AIFF, or damaged).") from None
    known = not (info.format == "FLAC" and checks.flac_length_unknown(path))
    checks.check_header(path, info, length_known=known)
    checks.check_riff_length(path)
    checks.check_aiff_length(path, info)
    if info.format == "OGG":
        checks.check_ogg_complete(path, info.samplerate)
    return AudioInfo(path, int(info.samplerate), int(info.channels),
                     int(info.frames) if known else 0, str(info.format), known)


def _sf_reason(exc):
    text = str(exc).split(":")[-1].strip() or type(exc).__name__
    text = text.rstrip(".")
    return text[0].lower() + text[1:] if text else text


def _read_stream(info, block=1 << 16):
    """Decode a stream of unknown length block by block, refusing it in one sentence as soon
    as it outgrows the memory available (so memory is bounded by the file, not the header).

    libsndfile cannot seek in such a stream, and soundfile's ``read`` seeks after every
    block, so the blocks are read with libsndfile's own ``sf_readf_float``.
    """
    limit = checks.max_frames_in_memory(info.channels)
    parts, total = [], 0
    with sf.SoundFile(native(info.path)) as f:
        while True:
            buf = np.empty((block, info.channels), dtype=np.float32)
            got = sf._snd.sf_readf_float(f._file, sf._ffi.cast("float *", buf.ctypes.data),
                                         block)
            if got <= 0:
                break
            parts.append(buf[:got].copy() if got < block else buf)
            total += got
            if limit is not None and total > limit:
                raise MemoryError
    if not parts:
        return np.zeros((0, info.channels), dtype=np.float32), info.samplerate
    return np.concatenate(parts), info.samplerate


def _decode(info):
    try:
        if not info.length_known:
            return _read_stream(info)
        if _is_mpeg(info.path):
            with checks.quiet_stderr():
                return sf.read(native(info.path), dtype="float32", always_2d=True)
        return sf.read(native(info.path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise AudioReadError(
            f"'{_name(info.path)}' is damaged and cannot be decoded ({_sf_reason(exc)}).") \
            from None
    except MemoryError:
        raise AudioReadError(
            f"'{_name(info.path)}' is too long to decode in the memory available; "
            f"split it or close other programs.") from None


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
        Everything :func:`describe` refuses; a job too large for the memory available;
        corrupt or truncated data ("... is truncated: N of M seconds decoded"); no samples;
        samples that are NaN or infinite (a float file can hold them; we refuse rather
        than guess).
    """
    info = describe(path)
    if info.length_known:
        checks.check_memory(info.path, info.frames, info.channels, info.samplerate)
    audio, sr = _decode(info)
    if audio.shape[0] == 0:
        raise AudioReadError(f"'{_name(path)}' contains no audio (0 samples).")
    if info.frames > 0 and audio.shape[0] < info.frames:
        raise AudioReadError(
            f"'{_name(path)}' is truncated: {checks.seconds(audio.shape[0], sr)} of "
            f"{checks.seconds(info.frames, sr)} seconds decoded.")
    if not np.isfinite(audio).all():
        raise AudioReadError(
            f"'{_name(path)}' contains NaN or infinite samples; repair or re-export it.")
    return audio, int(sr)


def is_audio_name(path):
    """Whether a file name has an extension MiXiN reads."""
    return Path(path).suffix.lower() in config.READ_EXTENSIONS
