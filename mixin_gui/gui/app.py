"""Entry point of the desktop app: QApplication, logging, the global excepthook.

``main(argv)`` shows the window at once and loads files named on the command line; models
load in the background. An uncaught exception anywhere (GUI thread or a worker thread) is
logged with its traceback to a rotating file in the platform's log folder and shown in a
dialog; the app keeps running.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox


log = logging.getLogger("mixin_gui")


def log_dir():
    """The platform's log folder for MiXiN (created if needed)."""
    from platformdirs import user_log_dir

    path = Path(user_log_dir("MiXiN", "MiXiN"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup_logging(folder=None):
    """Log to ``mixin.log`` (1 MB, 3 backups) in ``folder``; returns the file's path."""
    folder = Path(folder) if folder is not None else log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mixin.log"
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_mixin", False):
            root.removeHandler(h)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler._mixin = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


class ErrorReporter(QObject):
    """Logs uncaught exceptions and shows them in a dialog on the GUI thread."""

    _show = Signal(str)

    def __init__(self, log_path, parent=None):
        super().__init__(parent)
        self.log_path = log_path
        self.dialogs = []
        self._show.connect(self._dialog, Qt.ConnectionType.QueuedConnection)

    def install(self):
        sys.excepthook = self.excepthook
        threading.excepthook = lambda args: self.excepthook(
            args.exc_type, args.exc_value, args.exc_traceback)

    def excepthook(self, exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("uncaught exception:\n%s", text)
        sys.stderr.write(text)          # for whoever started the app from a terminal
        self._show.emit(f"{exc_type.__name__}: {exc}")

    @Slot(str)
    def _dialog(self, summary):
        if self.dialogs and self.dialogs[-1].isVisible():
            return                  # one dialog at a time: a repeating error is only logged
        box = QMessageBox(QMessageBox.Icon.Critical, "MiXiN: unexpected error",
                          f"Something went wrong, but MiXiN is still running.\n\n{summary}\n\n"
                          f"Details were written to {self.log_path}.")
        box.open()
        self.dialogs = [box]


def main(argv=None):
    """Run the app; ``argv[1:]`` are files or folders to load. Returns the exit code.

    ``--self-test [--export-dir DIR] [--model-dir DIR] FILE...`` separates and exports the
    files headless and exits (see :mod:`mixin_gui.gui.selftest`).
    """
    argv = list(sys.argv if argv is None else argv)
    app = QApplication.instance()
    if app is None:
        from .platform_check import platform_problem

        problem = platform_problem()
        if problem:                     # instead of Qt's abort naming the wrong package
            print(problem, file=sys.stderr)
            return 1
        app = QApplication(argv)
        argv = [argv[0]] + app.arguments()[1:]         # without Qt's own options
    app.setOrganizationName("MiXiN")
    app.setApplicationName("MiXiN")
    from .. import __version__

    app.setApplicationVersion(__version__)
    log_path = setup_logging()
    reporter = ErrorReporter(log_path, app)
    reporter.install()
    if "--self-test" in argv:
        from . import selftest

        return selftest.run(app, argv[1:])
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    files = [a for a in argv[1:] if not a.startswith("-")]
    if files:
        window.controller.add_paths(files)
    log.info("MiXiN %s started (log: %s)", __version__, log_path)
    return app.exec()
