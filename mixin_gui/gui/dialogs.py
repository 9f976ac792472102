"""Small dialogs of the main window: "files exist" and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from .. import __version__
from .about import about_html


def ask_exists(parent, paths):
    """Ask what to do with existing files: "overwrite", "skip", "rename" or None (cancel)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Files exist",
                      f"{len(paths)} output file(s) already exist in {paths[0].parent}:\n"
                      + "\n".join(p.name for p in paths[:8]), parent=parent)
    role = QMessageBox.ButtonRole
    buttons = {box.addButton("Overwrite", role.DestructiveRole): "overwrite",
               box.addButton("Skip", role.AcceptRole): "skip",
               box.addButton("Keep both", role.AcceptRole): "rename"}
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return buttons.get(box.clickedButton())


def about_box(parent, models):
    """Open (non-modal) and return the About box for the ``models`` in use (or None)."""
    box = QMessageBox(parent)
    box.setWindowTitle("About MiXiN")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html(__version__, models))
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.open()
    return box
