"""Writing stems atomically: all of a song's files appear together, or none does.

Every output goes to a hidden temporary file beside its final name
(``.mixin-<hash of the name>.<host>-<pid>-<random>.part``: short whatever the final name's
length; ``<host>`` is a hash of this machine's name)
and is published only when every stream is complete. Publishing never replaces a file unless
the caller asks, and a failure while publishing puts back what was there before. A later
writer of the same names removes temporaries that a killed run left behind: only names of
this exact form, written on this machine, whose process is gone (on a folder that several
machines share, a process id means nothing elsewhere), and never an input of the run.

Samples are checked before they are written: a stem with NaN or infinite samples is refused
(nothing is published), and samples beyond full scale in an integer format are clipped and
reported in :attr:`StemWriter.clipped`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import tempfile
import threading
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import AudioWriteError, OutputExistsError
from .checks import os_reason
from .outputs import check_name_lengths, ensure_absent

#: Subtypes for a bit depth per container; MP3 is lossy and has no bit depth.
_SUBTYPES = {
    "wav": {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"},
    "flac": {"16": "PCM_16", "24": "PCM_24"},
    "mp3": {},
}
#: Bit depth used when none is given: float WAV keeps every value the engine computed
#: (as the original MiXiN's float WAVs did); FLAC cannot store floats, so 24-bit.
DEFAULT_BIT_DEPTH = {"wav": "32f", "flac": "24", "mp3": None}
#: Sample rates and channels an MP3 (MPEG-1/2/2.5 layer III, through LAME) can hold.
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def mp3_supported():
    """Whether this system's libsndfile can write MP3 (version 1.1 and later)."""
    return "MP3" in sf.available_formats()


def subtype_for(fmt, bit_depth=None):
    """libsndfile subtype for a container and bit depth (``None``: the default).

    MP3 ignores the bit depth (a lossy stream has none). Raises :class:`AudioWriteError`
    for an unknown container, a depth it cannot store, or MP3 on a system without it.
    """
    fmt = fmt.lower()
    if fmt not in _SUBTYPES:
        raise AudioWriteError(f"Unknown output format '{fmt}'; choose WAV, FLAC or MP3.")
    if fmt == "mp3":
        if not mp3_supported():
            raise AudioWriteError(
                f"This system's sound library (libsndfile {sf.__libsndfile_version__}) "
                f"cannot write MP3; choose WAV or FLAC.")
        return "MPEG_LAYER_III"
    depth = bit_depth or DEFAULT_BIT_DEPTH[fmt]
    if depth not in _SUBTYPES[fmt]:
        allowed = " or ".join(_SUBTYPES[fmt])
        raise AudioWriteError(f"{fmt.upper()} cannot store {depth}-bit samples; use {allowed}.")
    return _SUBTYPES[fmt][depth]


def check_stream(fmt, samplerate, channels):
    """Refuse a sample rate or channel count the container cannot hold (MP3's limits)."""
    if fmt.lower() != "mp3":
        return
    if int(samplerate) not in MP3_RATES:
        raise AudioWriteError(f"MP3 cannot hold {samplerate} Hz audio; choose WAV or FLAC.")
    if int(channels) > 2:
        raise AudioWriteError(f"MP3 cannot hold {channels} channels; choose WAV or FLAC.")


def check_output_dir(outdir):
    """Prove that ``outdir`` exists and takes files, or could be created; create nothing.

    The folder itself is made by :class:`StemWriter` when the first stem is written, so a
    run that fails earlier leaves no empty folder behind.

    Raises
    ------
    AudioWriteError
        With one sentence saying why the folder cannot take the stems: a name too long for
        the system, a file in the way, a symbolic link that leads nowhere or in a loop, no
        permission.
    """
    outdir = Path(outdir)
    check_name_lengths(outdir)
    probe = outdir
    while True:
        try:
            os.stat(probe)
            break
        except FileNotFoundError:
            if os.path.islink(probe):
                raise AudioWriteError(
                    f"Cannot use output folder '{outdir}': '{probe}' is a symbolic link to "
                    f"'{os.readlink(probe)}', which does not exist.") from None
        except NotADirectoryError:
            pass  # a file on the way: said below, where the walk up finds it
        except OSError as exc:
            raise AudioWriteError(
                f"Cannot use output folder '{outdir}': {os_reason(exc, probe)}.") from None
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        where = "it is a file" if probe == outdir else f"'{probe}' is a file"
        raise AudioWriteError(f"Cannot create output folder '{outdir}': {where}.")
    try:
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".mixin-probe-"):
            pass
    except OSError as exc:
        raise AudioWriteError(
            f"Cannot write to output folder '{outdir}': {exc.strerror or exc}.") from None
    return outdir


def _cause(folder, exc, sndfile=None):
    """Why writing into ``folder`` failed, in words (no space, size limit, or the OS's)."""
    detail = str(exc)
    if sndfile is not None:
        try:
            detail = sf._ffi.string(sf._snd.sf_strerror(sndfile._file)).decode() or detail
        except Exception:  # the handle may already be gone
            pass
    code = getattr(exc, "errno", None)
    try:
        full = shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        full = False
    if code == errno.ENOSPC or "No space" in detail or full:
        return "no space left on the device"
    if code == errno.EFBIG or "too large" in detail:
        return "the file grew larger than this system allows"
    text = (getattr(exc, "strerror", None) or detail.split(":")[-1]).strip().rstrip(".")
    return text[:1].lower() + text[1:] if text else type(exc).__name__


def _write_error(folder, exc, sndfile=None):
    return AudioWriteError(f"Writing stems to '{folder}' failed: {_cause(folder, exc, sndfile)}.")


class StemWriter:
    """Writes several output files block by block and publishes them all at the end.

    Use as a context manager. Every target gets a hidden temporary file beside it; on a
    clean exit the temporaries are published together (see :func:`publish`), on an
    exception (failure, cancel, interrupt) they are deleted.

    Parameters
    ----------
    paths : sequence of path-like
        Final file names, one per stream. Their folders are created on entry.
    samplerate, channels : int
    fmt : {"wav", "flac", "mp3"}
    bit_depth : {"16", "24", "32f"} or None
    overwrite : bool
        Replace existing files. Without it, an existing target raises
        :class:`OutputExistsError` before anything is written.
    """

    def __init__(self, paths, *, samplerate, channels, fmt="wav", bit_depth=None,
                 overwrite=False, protected=()):
        self.paths = [Path(p) for p in paths]
        self.subtype = subtype_for(fmt, bit_depth)
        check_stream(fmt, samplerate, channels)
        self.format = fmt.upper()
        self.samplerate = int(samplerate)
        self.channels = int(channels)
        self.overwrite = overwrite
        for p in self.paths:
            check_name_lengths(p)
            if p.is_dir() and not p.is_symlink():
                raise AudioWriteError(f"'{p}' is a folder; a stem cannot replace it.")
        if not overwrite:
            ensure_absent(self.paths)
        #: Files (``(st_dev, st_ino)``) that stale-temporary clean-up never removes.
        self._protected = file_ids(protected)
        #: ``{path: peak}`` of the streams clipped to full scale (integer formats only).
        self.clipped = {}
        self._integer = self.subtype.startswith("PCM")
        self._peaks = [0.0] * len(self.paths)
        self._files = []
        self._made = []
        # Every temporary's name is known before it exists, so an interrupt landing between
        # creating one and recording it still leaves nothing behind.
        self._token = f"{HOST}-{os.getpid()}-{secrets.token_hex(4)}"
        self._tmps = [_temp_name(p, self._token) for p in self.paths]

    def __enter__(self):
        folder = self.paths[0].parent
        try:
            for i, (p, tmp) in enumerate(zip(self.paths, self._tmps)):
                folder = p.parent
                self._made += _make_folders(folder)
                remove_stale_parts(p, protected=self._protected)
                try:
                    fd = _create_temp(tmp)
                except AudioWriteError:
                    del self._tmps[i:]  # not ours: never delete it
                    raise
                except OSError:
                    del self._tmps[i:]  # never created
                    raise
                self._files.append(sf.SoundFile(fd, "w", samplerate=self.samplerate,
                                                channels=self.channels, closefd=True,
                                                subtype=self.subtype, format=self.format))
        except (OSError, sf.LibsndfileError) as exc:
            self._discard()
            raise _write_error(folder, exc) from None
        except BaseException:
            self._discard()
            raise
        return self

    def write(self, blocks):
        """Append one block per stream, each ``(frames, channels)`` float.

        Raises
        ------
        AudioWriteError
            A block holds NaN or infinite samples (nothing of the song is then published),
            or the file system refused the data.
        """
        for i, (f, path, block) in enumerate(zip(self._files, self.paths, blocks)):
            block = np.asarray(block, dtype=np.float32)
            if not np.isfinite(block).all():
                raise AudioWriteError(
                    f"The separation gave NaN or infinite samples for '{path.name}', so no "
                    f"stem of this song was written.")
            if self._integer and block.size:
                peak = float(np.abs(block).max())
                if peak > 1.0:
                    self._peaks[i] = max(self._peaks[i], peak)
                    block = np.clip(block, -1.0, 1.0)
            try:
                f.write(block)
            except (OSError, sf.LibsndfileError) as exc:
                raise _write_error(path.parent, exc, f) from None

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._discard()
            return False
        try:
            for f, path in zip(self._files, self.paths):
                try:
                    f.close()
                except (OSError, sf.LibsndfileError) as err:
                    raise _write_error(path.parent, err) from None
            with _signals_deferred():
                publish(self._tmps, self.paths, overwrite=self.overwrite)
            self._made = []  # the folders now hold the stems
            self.clipped = {p: peak for p, peak in zip(self.paths, self._peaks) if peak > 1}
        finally:
            self._discard()
        return False

    def _discard(self):
        """Close and delete every temporary, and remove the folders made for them (when
        still empty); never raises, so the error that brought us here is the one reported."""
        for f in self._files:
            if not f.closed:
                try:
                    f.close()
                except (OSError, sf.LibsndfileError, RuntimeError):
                    pass
        for t in self._tmps:
            try:
                t.unlink(missing_ok=True)
            except OSError:
                pass
        for folder in reversed(self._made):
            try:
                folder.rmdir()
            except OSError:
                pass
        self._made = []


def file_ids(paths):
    """``{(st_dev, st_ino)}`` of those of ``paths`` that exist (symbolic links followed)."""
    ids = set()
    for p in paths:
        try:
            st = os.stat(p)
        except (OSError, ValueError):
            continue
        ids.add((st.st_dev, st.st_ino))
    return ids


def _make_folders(folder):
    """Create ``folder`` and missing parents; returns those created, innermost last."""
    missing = []
    probe = Path(folder)
    while not os.path.lexists(probe) and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    made = []
    try:
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:
                continue
            made.append(path)
    except OSError:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
    return made


def _host_hash():
    """8 hex digits naming this machine in temporaries' names."""
    return hashlib.blake2s(socket.gethostname().encode("utf-8", "replace"),
                           digest_size=4).hexdigest()


#: This machine, as temporaries' names carry it.
HOST = _host_hash()


def _name_hash(final):
    """12 hex digits naming ``final``'s temporaries (so they stay short and findable)."""
    return hashlib.blake2s(os.fsencode(Path(final).name), digest_size=6).hexdigest()


def _part_pattern(final):
    return re.compile(r"\.mixin-" + _name_hash(final) + r"\.([0-9a-f]{8})-(\d+)-[0-9a-f]{8}"
                      r"\.part\Z")


def _temp_name(final, token):
    """The hidden temporary beside ``final``: ``.mixin-<hash>.<host>-<pid>-<random>.part``."""
    return final.parent / f".mixin-{_name_hash(final)}.{token}.part"


def _create_temp(tmp):
    """Create the empty file ``tmp`` (mode from the umask, like any file), never reusing
    one; returns its descriptor, open for reading and writing."""
    try:
        return os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
    except FileExistsError:
        raise AudioWriteError(f"Cannot create a temporary file in '{tmp.parent}'.") from None


@contextlib.contextmanager
def _signals_deferred():
    """Hold Ctrl-C, ``SIGTERM``, ``SIGHUP`` and ``SIGQUIT`` back while files are renamed into place.

    A signal arriving meanwhile is delivered again right after, to the handler that was
    there, so publishing is never cut between two renames (main thread only; elsewhere
    Python runs no signal handlers anyway).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught, saved = [], {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) not in (signal.SIG_IGN, None):
            saved[sig] = signal.signal(sig, lambda s, _f: caught.append(s))
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_parts(final, *, protected=()):
    """Delete temporaries of ``final`` left by a run that was killed.

    Only names of the writer's own form (``.mixin-<hash of final's name>.<host>-<pid>-
    <random>.part``) written on this machine by a process that is gone are removed; another
    machine's temporaries never are, nor a file whose ``(st_dev, st_ino)`` is in
    ``protected`` (an input of the run), whatever its name.

    Returns
    -------
    list of Path
        The files removed.
    """
    final = Path(final)
    pattern = _part_pattern(final)
    removed = []
    try:
        names = os.listdir(final.parent)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if not m or m.group(1) != HOST or _alive(int(m.group(2))):
            continue
        path = final.parent / name
        try:
            st = os.lstat(path)
            if (st.st_dev, st.st_ino) in protected or not os.path.isfile(path):
                continue
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def _place(tmp, final):
    """Give ``tmp``'s file the name ``final``, never replacing a file that exists."""
    try:  # link never replaces a file that appeared meanwhile
        os.link(tmp, final)
    except FileExistsError:
        raise OutputExistsError(f"'{final}' already exists.", path=final) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK,
                             errno.EXDEV, errno.ENOSYS):
            raise
        # File systems without hard links (FAT, some network shares): check, then rename.
        if os.path.lexists(final):
            raise OutputExistsError(f"'{final}' already exists.", path=final) from None
        os.rename(tmp, final)


def publish(tmps, paths, *, overwrite=False):
    """Rename finished temporaries into place: all of them, or none.

    With ``overwrite`` each existing target is first moved aside; if any step fails the
    files already placed are removed and the originals put back, so a user never ends up
    with half a song's stems or loses the files being replaced.

    Raises
    ------
    OutputExistsError
        A target exists (or appeared meanwhile) and ``overwrite`` is false.
    AudioWriteError
        A rename failed (for example the folder vanished).
    """
    if not overwrite:
        ensure_absent(paths)
    placed, aside = [], []
    try:
        for tmp, final in zip(tmps, paths):
            if overwrite and os.path.lexists(final):
                backup = final.parent / (f".mixin-{_name_hash(final)}.{HOST}-{os.getpid()}-"
                                         f"{secrets.token_hex(4)}.old")
                os.rename(final, backup)
                aside.append((final, backup))
            _place(tmp, final)
            placed.append(final)
    except BaseException as exc:
        for final in placed:
            final.unlink(missing_ok=True)
        for final, backup in aside:
            os.replace(backup, final)
        if isinstance(exc, OSError):
            raise _write_error(Path(paths[len(placed)]).parent, exc) from None
        raise
    for _, backup in aside:
        backup.unlink(missing_ok=True)


def write_audio(path, audio, samplerate, *, fmt=None, bit_depth=None, overwrite=False,
                protected=()):
    """Write one ``(frames, channels)`` (or 1-D) signal atomically.

    ``fmt`` defaults to the file's extension (``.wav``, ``.flac`` or ``.mp3``).
    """
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower() or "wav"
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    with StemWriter([path], samplerate=samplerate, channels=audio.shape[1], fmt=fmt,
                    bit_depth=bit_depth, overwrite=overwrite, protected=protected) as w:
        w.write([audio])
    return path
