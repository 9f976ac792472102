"""Checks made on an input before and after decoding: files that lie are refused in a sentence.

A header can claim anything: a sample rate of 1 Hz, 1024 channels, 2^36 frames in a few
kilobytes, or a length the file no longer has. libsndfile decodes what it can, so these
checks run first (cheap, from the header and the file size) and after decoding (the decoded
length against the declared one), and memory is checked before a large decode.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import stat
import sys
from pathlib import Path

from ..errors import AudioReadError

#: Sample rates accepted (Hz): telephone quality up to the highest studio rate.
MIN_RATE, MAX_RATE = 8_000, 384_000
#: Channels accepted (more are separated one by one, so more than this is not music).
MAX_CHANNELS = 64
#: Bytes per sample of uncompressed subtypes, to bound the frames a file can hold.
_PCM_BYTES = {"PCM_S8": 1, "PCM_U8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4,
              "DOUBLE": 8, "ULAW": 1, "ALAW": 1}
#: Containers whose samples are stored uncompressed (so frames x size of a frame <= file).
_UNCOMPRESSED = ("WAV", "WAVEX", "AIFF", "AU", "W64", "RF64", "CAF")
#: Most frames a compressed file (FLAC, Vorbis, MP3, ...) can hold per byte. A FLAC block
#: of digital silence (65535 frames in a constant subframe) still takes about 12 bytes, so
#: no real file exceeds this; a header that claims more is damaged or forged.
MAX_FRAMES_PER_BYTE = 8192
#: Bytes of memory a separation needs per decoded sample value (float32 input, the copy
#: resampled to 44.1 kHz, the mixdown or conversion copy), beyond the engine's fixed blocks.
BYTES_PER_SAMPLE = 12
#: Memory the engine and the networks need whatever the song's length.
FIXED_BYTES = 768 << 20


def name_of(path):
    return Path(path).name or str(path)


def seconds(frames, sr):
    return f"{frames / sr:.1f}"


def check_input_path(path):
    """Refuse a path that is missing, a folder, unreadable, or not a regular file.

    Every way :func:`os.stat` can fail (a folder the user may not enter, a loop of symbolic
    links, a link to nothing, a name too long) is one sentence, never a traceback.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise AudioReadError(f"'{path}' is a symbolic link to '{os.readlink(path)}', "
                                 f"which does not exist.") from None
        raise AudioReadError(f"'{path}' does not exist.") from None
    except OSError as exc:
        raise AudioReadError(f"'{path}' cannot be opened: {os_reason(exc)}.") from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioReadError(f"'{path}' is a folder, not an audio file.")
    if not stat.S_ISREG(st.st_mode):
        kind = "a pipe" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise AudioReadError(
            f"'{path}' is {kind}, not a regular file; save the audio to a file first.")
    if not os.access(path, os.R_OK):
        raise AudioReadError(f"'{path}' cannot be read (permission denied).")
    if st.st_size == 0:
        raise AudioReadError(f"'{path}' is empty (0 bytes).")


def os_reason(exc, path=None):
    """An ``OSError`` from reaching a path, in words: a loop of symbolic links, a folder
    that may not be entered, a name too long, a file where a folder should be. ``path``:
    the path named in the words (None: the input itself, "it").

    Used for inputs here and for output folders by :func:`mixin_gui.audio.write.check_output_dir`.
    """
    subject = "it" if path is None else f"'{path}'"
    if exc.errno == errno.ELOOP:
        return f"{subject} is a loop of symbolic links"
    if exc.errno == errno.EACCES:
        where = "its folder (or one above it)" if path is None else \
            f"{subject} or a folder above it"
        return f"permission to enter {where} is denied"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{'its' if path is None else 'the'} name is too long for this system"
    if exc.errno == errno.ENOTDIR:
        return f"a part of {'its path' if path is None else subject} is a file, not a folder"
    text = (exc.strerror or str(exc)).rstrip(".")
    return text[:1].lower() + text[1:]


def flac_length_unknown(path):
    """Whether ``path`` is a FLAC stream whose STREAMINFO gives no length (total samples 0,
    as an encoder writing to a pipe leaves it): the length is then what the data holds."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[:4] != b"fLaC" or head[4] & 0x7F != 0:
        return False
    info = head[8:26]
    return (info[13] & 0x0F) == 0 and info[14:18] == b"\0\0\0\0"


def check_header(path, info, *, length_known=True):
    """Refuse an implausible header: sample rate, channels, or frames the file cannot hold.

    Parameters
    ----------
    path : Path
    info : soundfile._SoundFileInfo
    length_known : bool
        False for a stream whose header gives no length (its frames are not checked).
    """
    name = name_of(path)
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise AudioReadError(
            f"'{name}' claims a sample rate of {info.samplerate} Hz; MiXiN reads "
            f"{MIN_RATE // 1000} kHz to {MAX_RATE // 1000} kHz, so the file is damaged or "
            f"not music.")
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise AudioReadError(
            f"'{name}' claims {info.channels} channels; MiXiN reads 1 to {MAX_CHANNELS}.")
    if not length_known:
        return
    size = os.path.getsize(path)
    per_frame = _PCM_BYTES.get(info.subtype) if info.format in _UNCOMPRESSED else None
    if per_frame and info.frames * info.channels * per_frame > size:
        present = size // (info.channels * per_frame)
        raise AudioReadError(
            f"'{name}' is truncated: at most {seconds(present, info.samplerate)} of "
            f"{seconds(info.frames, info.samplerate)} seconds are in the file.")
    if info.frames > size * MAX_FRAMES_PER_BYTE:
        raise AudioReadError(
            f"'{name}' has a damaged header: it claims "
            f"{seconds(info.frames, info.samplerate)} seconds of audio in {size} bytes.")


#: The size a WAV's ``RIFF`` and ``data`` chunks carry when it was written to a pipe
#: (ffmpeg and others cannot go back to fill them in): "as long as the file".
STREAMED_SIZE = 0xFFFFFFFF


def check_riff_length(path):
    """Refuse a WAV whose ``data`` chunk claims more bytes than the file has.

    libsndfile quietly decodes what is there, so a download cut short would otherwise be
    separated as if it were the whole song. A streamed WAV (``RIFF`` and ``data`` sizes both
    :data:`STREAMED_SIZE`) is complete by definition: its data runs to the end of the file.
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
                streamed = (length == STREAMED_SIZE
                            and int.from_bytes(head[4:8], order) == STREAMED_SIZE)
                if not streamed and f.tell() + length > size:
                    raise AudioReadError(
                        f"'{name_of(path)}' is truncated: it ends {f.tell() + length - size} "
                        f"bytes before the end of its audio data.")
                return
            f.seek(length + (length & 1), os.SEEK_CUR)


def check_aiff_length(path, info):
    """Refuse an AIFF whose ``COMM`` chunk promises more frames than its ``SSND`` holds.

    Like a WAV's, libsndfile shortens such a file's length silently.
    """
    per_frame = _PCM_BYTES.get(info.subtype)
    if info.format != "AIFF" or not per_frame:
        return
    promised = start = None
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
            return
        size = os.fstat(f.fileno()).st_size
        while promised is None or start is None:
            hdr = f.read(8)
            if len(hdr) < 8:
                return
            length = int.from_bytes(hdr[4:], "big")
            if hdr[:4] == b"COMM":
                promised = int.from_bytes(f.read(6)[2:], "big")
                f.seek(length - 6 + (length & 1), os.SEEK_CUR)
            elif hdr[:4] == b"SSND":
                start = f.tell() + 8 + int.from_bytes(f.read(4), "big")
                break
            else:
                f.seek(length + (length & 1), os.SEEK_CUR)
    if promised is not None and start is not None:
        present = max(0, size - start) // (info.channels * per_frame)
        if present < promised:
            raise AudioReadError(
                f"'{name_of(path)}' is truncated: at most "
                f"{seconds(present, info.samplerate)} of "
                f"{seconds(promised, info.samplerate)} seconds are in the file.")


def ogg_end(path):
    """Scan an Ogg file's pages: whether its last page ends the stream, and where it ends.

    Returns
    -------
    complete : bool
        The file ends exactly after a page flagged end-of-stream.
    granule : int
        Granule position (samples; for Opus at 48 kHz) of the last complete page.
    rate : int or None
        48000 for Opus (its granules count 48 kHz samples), else ``None``.
    """
    complete, granule, rate = False, 0, None
    with open(path, "rb") as f:
        first = True
        while True:
            head = f.read(27)
            if len(head) == 0:
                return complete, granule, rate
            if len(head) < 27 or head[:4] != b"OggS":
                return False, granule, rate
            lacing = f.read(head[26])
            body = sum(lacing)
            if len(lacing) < head[26]:
                return False, granule, rate
            if first:
                rate = 48000 if f.read(8) == b"OpusHead" else None
                f.seek(-8, os.SEEK_CUR)
                first = False
            here = f.tell()
            f.seek(0, os.SEEK_END)
            if f.tell() < here + body:
                return False, granule, rate
            f.seek(here + body)
            pos = int.from_bytes(head[6:14], "little", signed=True)
            granule = pos if pos >= 0 else granule
            complete = bool(head[5] & 0x04)


def check_ogg_complete(path, sr):
    """Refuse an Ogg file that stops before its end-of-stream page."""
    with open(path, "rb") as f:
        if f.read(4) != b"OggS":
            return
    complete, granule, rate = ogg_end(path)
    if not complete:
        raise AudioReadError(
            f"'{name_of(path)}' is truncated: it stops after "
            f"{seconds(granule, rate or sr)} seconds, before the end of its stream.")


def available_memory():
    """Bytes this process can still allocate: free RAM, a container's or rlimit's cap.

    Returns ``None`` where it cannot be told (then nothing is refused for memory).
    """
    limits = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    for cap, used in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),):
        try:
            with open(cap) as a, open(used) as b:
                text = a.read().strip()
                if text != "max":
                    limits.append(int(text) - int(b.read()))
        except (OSError, ValueError):
            pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft - _virtual_size())
    return max(0, min(limits)) if limits else None


def _virtual_size():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def max_frames_in_memory(channels):
    """Most frames of ``channels`` samples that can be decoded and separated now, or None
    where the memory available cannot be told."""
    free = available_memory()
    if free is None:
        return None
    return max(0, free - FIXED_BYTES) // (BYTES_PER_SAMPLE * max(1, int(channels)))


def memory_needed(frames, channels):
    """Bytes that decoding and separating ``frames`` x ``channels`` samples needs."""
    return FIXED_BYTES + BYTES_PER_SAMPLE * int(frames) * int(channels)


def check_memory(path, frames, channels, sr):
    """Refuse a file that cannot be decoded and separated in the memory available."""
    need = memory_needed(frames, channels)
    free = available_memory()
    if free is not None and need > free:
        raise AudioReadError(
            f"'{name_of(path)}' is too long for the memory available: its "
            f"{seconds(frames, sr)} seconds need about {need / 2**30:.1f} GB and "
            f"{free / 2**30:.1f} GB are free; split it or close other programs.")


@contextlib.contextmanager
def quiet_stderr():
    """Silence what C libraries print on file descriptor 2 (libmpg123's warnings).

    Process-wide while it lasts, so it wraps only short calls into the decoder.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
