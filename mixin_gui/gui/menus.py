"""The main window's menu bar and tool bar, from its actions by name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar


def build_menus(menubar, a):
    """Fill ``menubar`` with the actions ``a`` (name to QAction); returns the recent menu."""
    menu = menubar.addMenu("&File")
    menu.addAction(a["open"])
    recent = menu.addMenu("Open &recent")
    for item in (a["models"], None, a["export"], a["export_mix"], None, a["quit"]):
        menu.addAction(item) if item is not None else menu.addSeparator()
    menubar.addMenu("&Track").addActions(
        [a["separate"], a["cancel"], a["remove"], a["up"], a["down"]])
    menubar.addMenu("&Playback").addActions([a["play"], a["stop"]])
    menubar.addMenu("&View").addAction(a["fit"])
    menubar.addMenu("&Help").addAction(a["about"])
    return recent


def build_toolbar(a, time_label):
    """The main tool bar: open, separate, cancel | play, stop, position | export."""
    bar = QToolBar("Main", movable=False)
    bar.setAccessibleName("Main tool bar")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    bar.addActions([a["open"], a["separate"], a["cancel"]])
    bar.addSeparator()
    bar.addActions([a["play"], a["stop"]])
    bar.addWidget(time_label)
    bar.addSeparator()
    bar.addActions([a["export"], a["export_mix"]])
    return bar
