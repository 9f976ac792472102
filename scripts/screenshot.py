"""The README's screenshot: the real window with the demo song separated (``make screenshot``).

Run it on an X server, e.g. ``xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python
scripts/screenshot.py``: it writes the generated demo song (``mixin demo --mix-only``, never a
song whose licence forbids committing it), opens :class:`MainWindow` with throw-away
settings and the default model set, separates the song, shows one stem's spectrogram and
saves ``widget.grab()`` as an 8-bit palette PNG under 200 KB (narrower only if it must be).
Exit status 0 on success, 1 with a one-line reason otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 200_000


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    p.add_argument("--width", type=int, default=1280, help="largest width of the saved image (px)")
    p.add_argument("--stem", default="vocal", help="whose spectrogram tab to show")
    p.add_argument("--timeout", type=float, default=300.0)
    return p.parse_args(argv)


def demo_song(folder):
    """Write the generated demo mix into ``folder``; its path."""
    subprocess.run([sys.executable, "-m", "mixin_gui.cli", "demo", "--mix-only",
                    "--outdir", str(folder)], check=True, stdout=subprocess.DEVNULL)
    song = Path(folder) / "demo_mix.wav"
    if not song.is_file():
        raise SystemExit(f"screenshot: mixin demo wrote no {song}")
    return song


def save_small(image, path, width):
    """Save a QImage as a PNG of at most :data:`MAX_BYTES`: scaled to ``width`` px, reduced to
    an 8-bit palette (no dithering, which compresses badly) and narrowed further only if
    that is still too large. Returns the file's size."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    path.parent.mkdir(parents=True, exist_ok=True)
    flags = Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither
    while True:
        scaled = image if image.width() <= width else image.scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation)
        scaled.convertToFormat(QImage.Format.Format_Indexed8, flags).save(str(path), "PNG")
        size = path.stat().st_size
        if size <= MAX_BYTES or width < 600:
            return size
        width = int(width * 0.9)


def main(argv=None):
    opts = parse(sys.argv[1:] if argv is None else argv)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from mixin_gui.gui.main_window import MainWindow
    from mixin_gui.gui.selftest import drive
    from mixin_gui.gui.settings import Settings

    scratch = Path(tempfile.mkdtemp(prefix="mixin-screenshot-"))
    song = demo_song(scratch)
    app = QApplication(["MiXiN"])
    app.setOrganizationName("MiXiN")
    app.setApplicationName("MiXiN")
    settings = Settings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    settings.auto_export = False       # nothing written; the output folder is the default
    window = MainWindow(settings)      # the default model set (settings.model_dir unset)
    window.resize(1280, 800)
    window.show()
    shown_at = []

    def check(tracks):
        if tracks is None:
            return None
        if not shown_at:                           # let the stem tabs draw once first
            stems = list(window.views)
            tab = stems.index(opts.stem) if opts.stem in stems else len(stems) - 1
            window.panel.tabs.setCurrentIndex(tab)
            shown_at.append(time.monotonic())
            return None
        if time.monotonic() - shown_at[0] < 1.0:
            return None
        size = save_small(window.grab().toImage(), opts.out, opts.width)
        if size > MAX_BYTES:
            return 1, f"{opts.out} is {size:,} bytes, over {MAX_BYTES:,}"
        return 0, f"wrote {opts.out} ({size:,} bytes)"

    code = drive(app, window, [song], timeout=opts.timeout, check=check, label="screenshot")
    shutil.rmtree(scratch, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
