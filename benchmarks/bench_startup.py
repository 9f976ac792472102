"""Start-up of the desktop app: launch to window shown, and launch to models ready.

Starts a fresh Python process per run that launches the app as ``main.py`` does
(``mixin_gui.gui.app.main``) with throw-away settings and the bundled models, and reports
the process's age (from the kernel's start time, so interpreter start-up counts) when the
main window is first exposed and when the models are loaded. Prints the median of the runs.

Usage: python benchmarks/bench_startup.py [--runs 5] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The app as main.py starts it; a 20 ms timer on the GUI thread notes when the window is
#: exposed and when the controller has models. Only names are looked at (no extra imports).
DRIVER = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from mixin_gui.gui.selftest import process_age
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, sys.argv[1])
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
seen = {}

def poll():
    for w in QApplication.topLevelWidgets():
        if type(w).__name__ != "MainWindow":
            continue
        if "window" not in seen and w.isVisible() and w.windowHandle() is not None \
                and w.windowHandle().isExposed():
            seen["window"] = process_age()
            print(f"WINDOW: {seen['window']:.3f}", flush=True)
        c = getattr(w, "controller", None)
        if c is not None and c.models is not None and "models" not in seen:
            seen["models"] = process_age()
            print(f"MODELS: {seen['models']:.3f}", flush=True)
        if c is not None and c.models_error:
            print(f"ERROR: {c.models_error}", flush=True)
            QApplication.instance().quit()
        if len(seen) == 2:
            w.close()
            QApplication.instance().quit()

app = QApplication(sys.argv[:1])
timer = QTimer(interval=20, timeout=poll)
timer.start()
QTimer.singleShot(120000, app.quit)
from mixin_gui.gui import app as app_module
sys.exit(app_module.main(["mixin-gui"]))
"""


def one_run(platform):
    """``{"window": s, "models": s}`` of one fresh launch."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM=platform, HOME=tmp,
                   XDG_CONFIG_HOME=tmp, XDG_STATE_HOME=tmp, XDG_CACHE_HOME=tmp)
        out = subprocess.run([sys.executable, "-c", DRIVER, tmp, str(ROOT)], env=env,
                             capture_output=True, text=True, timeout=180)
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    if "ERROR" in lines or "MODELS" not in lines:
        raise SystemExit(f"start-up run failed: {lines.get('ERROR', out.stderr[-1500:])}")
    return {"window": float(lines["WINDOW"]), "models": float(lines["MODELS"])}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = p.parse_args(argv)
    runs = [one_run(args.platform) for _ in range(args.runs)]
    for i, r in enumerate(runs, 1):
        print(f"run {i}: window {r['window']:.2f} s, models ready {r['models']:.2f} s")
    print(f"median of {len(runs)} ({args.platform}, {os.cpu_count()} CPUs): launch to window "
          f"{statistics.median(r['window'] for r in runs):.2f} s, launch to models ready "
          f"{statistics.median(r['models'] for r in runs):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
