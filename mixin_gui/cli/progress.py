"""A one-line progress bar on stderr: ``name  ████░░░░ 12/133 chunks  1.2 s``."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Callable ``(done, total)`` that redraws one line; plain final line when not a TTY."""

    def __init__(self, label, *, unit="chunks", width=24, stream=None):
        self.label = label
        self.unit = unit
        self.width = width
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last = (0, 0)

    def line(self, done, total):
        filled = int(self.width * done / total) if total else self.width
        bar = "█" * filled + "░" * (self.width - filled)
        return f"{self.label}  {bar} {done}/{total} {self.unit}  {self.elapsed():.1f} s"

    def elapsed(self):
        return time.perf_counter() - self.start

    def __call__(self, done, total):
        self.last = (done, total)
        if self.tty:
            self.stream.write("\r" + self.line(done, total))
            self.stream.flush()

    def finish(self):
        text = self.line(*self.last)
        self.stream.write(("\r" + text if self.tty else text) + "\n")
        self.stream.flush()


class BatchProgress:
    """The whole run in one line on stderr after each file, beside the per-file bar:
    ``files 3/10  0.21 h of audio  elapsed 2 min  ETA 5 min`` (runs of one file: none)."""

    def __init__(self, total, *, stream=None):
        self.total = int(total)
        self.done = 0
        self.audio_seconds = 0.0
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def line(self):
        elapsed = time.perf_counter() - self.start
        left = self.total - self.done
        eta = elapsed / self.done * left if self.done else float("nan")
        return (f"files {self.done}/{self.total}  {self.audio_seconds / 3600:.2f} h of audio"
                f"  elapsed {_duration(elapsed)}  ETA {_duration(eta) if left else 'done'}")

    def file_done(self, audio_seconds=0.0):
        self.done += 1
        self.audio_seconds += float(audio_seconds or 0.0)
        if self.total > 1:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self):
        """Nothing more to say: each file's line already told the whole run's state."""


def _duration(seconds):
    if seconds != seconds:  # NaN: not known yet
        return "?"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
