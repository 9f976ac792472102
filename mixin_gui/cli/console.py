"""The terminal as an output channel that can never stop the work.

A user may close standard output (``mixin separate a.wav >&-``), point it at a full disk
(``> /dev/full``), pipe it into a reader that leaves early (``| head -1``) or run under a
locale that cannot spell a file's name. None of that may cost a separation or print a
traceback: :func:`guard_std_streams` makes ``sys.stdout`` and ``sys.stderr`` streams whose
failures are swallowed (the stream then goes quiet), that write unencodable characters as
backslash escapes, and that sit on open descriptors.
"""

from __future__ import annotations

import os
import sys


class QuietStream:
    """A text stream over ``stream`` that never raises: after its first failure (a closed
    pipe, a full disk, a closed descriptor) everything written to it is dropped, and its
    descriptor is pointed at the null device so the interpreter's last flush is silent.

    Parameters
    ----------
    stream : io.TextIOBase or None
        ``None`` (the descriptor was closed when Python started) gives a silent stream.
    """

    def __init__(self, stream):
        self._stream = stream
        self.failed = stream is None

    def write(self, text):
        if self.failed:
            return len(text)
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            self._give_up()
            return len(text)

    def flush(self):
        if self.failed:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError):
            self._give_up()

    def isatty(self):
        try:
            return not self.failed and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name):  # encoding, fileno, buffer ... of the real stream
        return getattr(self._stream, name)

    def _give_up(self):
        self.failed = True
        try:
            fd = self._stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
            self._stream.flush()   # what was buffered now goes to the null device
        except (OSError, ValueError, AttributeError):
            pass


def _open_missing_descriptors():
    """Put the null device on descriptors 0-2 where they are closed, so that no file we
    open later becomes "standard output" (a C library printing there would write into a
    stem)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                got = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if got != fd:
                os.dup2(got, fd)
                os.close(got)


def guard_std_streams():
    """Make ``sys.stdout`` and ``sys.stderr`` :class:`QuietStream` s writing with
    ``errors="backslashreplace"``; idempotent."""
    _open_missing_descriptors()
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, QuietStream):
            continue
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass
        setattr(sys, name, QuietStream(stream))
