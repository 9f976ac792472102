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
