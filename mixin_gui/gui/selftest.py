"""``--self-test``: prove a build works end to end, headless, and exit.

Opens the main window with throw-away settings, then drives its
:class:`~mixin_gui.gui.controller.Controller` as the user would: loads the files given, waits
for the models, separates every track with automatic export into ``--export-dir`` and exits 0
when every track is done and its stems are on disk, 1 on any failure or after a time limit.
The frozen bundle's smoke test runs it with ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer


def process_age():
    """Seconds since this process started (Linux), else since this module was imported."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


_IMPORTED = time.monotonic()


def memory_mb():
    """This process's resident memory now and at its peak, in MB (Linux), else ``None``."""
    try:
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)
    except (OSError, KeyError, ValueError):
        return None


def parse(argv):
    """Self-test options from ``argv`` (files, --export-dir, --model-dir, --timeout)."""
    p = argparse.ArgumentParser(prog="MiXiN --self-test")
    p.add_argument("--self-test", action="store_true")
    p.add_argument("--export-dir", type=Path, default=None)
    p.add_argument("--model-dir", type=Path, default=None)
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("files", nargs="+")
    return p.parse_args(argv)


def run(app, argv):
    """Run the self-test in ``app``; returns the exit status."""
    from .main_window import MainWindow
    from .settings import Settings

    opts = parse(argv)
    scratch = Path(tempfile.mkdtemp(prefix="mixin-selftest-"))
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    settings.output_dir = opts.export_dir or scratch / "stems"
    settings.auto_export = True
    settings.on_exists = "rename"
    if opts.model_dir is not None:
        settings.model_dir = opts.model_dir
    window = MainWindow(settings)
    window.show()
    shown_at = process_age()
    models_at = []

    def check(tracks):
        if not models_at:
            models_at.append(process_age())
        if tracks is None:
            return None
        written = [p for t in tracks for p in t.exported]
        if not written or not all(Path(p).is_file() for p in written):
            return 1, "separated but the stems were not written"
        mem = memory_mb()
        held = f"; holds {mem[0]:.0f} MB (peak {mem[1]:.0f} MB)" if mem else ""
        return 0, (f"ok: {len(tracks)} track(s), {len(written)} files in "
                   f"{Path(written[0]).parent}; window shown {shown_at:.1f} s and models "
                   f"ready {models_at[0]:.1f} s after start{held}")

    return drive(app, window, opts.files, timeout=opts.timeout, check=check,
                 label="self-test")


def drive(app, window, files, *, timeout, check, label):
    """Drive ``window`` as a user would until ``check`` says it is over; the exit status.

    Loads ``files``, waits for the models, separates every track, then calls
    ``check(tracks)`` on every poll (10 a second): ``None`` to wait on, or ``(code,
    message)`` to end with ``message`` on stdout (code 0) or stderr. ``check(None)`` is
    called once the models are ready and before the tracks are done. Failures (models,
    rejected files, a failed or cancelled track, ``timeout`` seconds) end with code 1.
    """
    c = window.controller
    c.add_paths([str(f) for f in files])
    started = time.monotonic()
    state = {"separating": False, "code": None}

    def report(code, message):
        print(f"{label}: {message}", file=sys.stderr if code else sys.stdout, flush=True)
        state["code"] = code
        window.close()
        app.exit(code)

    def poll():
        tracks = c.queue.tracks()
        if time.monotonic() - started > timeout:
            return report(1, f"timed out after {timeout:.0f} s")
        if c.models_error:
            return report(1, f"models failed: {c.models_error}")
        if c.rejections:
            return report(1, "rejected: " + "; ".join(map(str, c.rejections)))
        if c.models is not None:
            check(None)
        if c.models is None or not tracks or any(t.status == "loading" for t in tracks):
            return None
        if not state["separating"]:
            state["separating"] = True
            c.separate()
            return None
        failed = [t for t in tracks if t.status in ("failed", "cancelled")]
        if failed:
            return report(1, f"{failed[0].name}: {failed[0].status} {failed[0].message}")
        if c.running is None and all(t.status == "done" for t in tracks):
            verdict = check(tracks)
            if verdict is not None:
                report(*verdict)
        return None

    timer = QTimer(window, interval=100, timeout=poll)
    timer.start()
    code = app.exec()
    return state["code"] if state["code"] is not None else code
