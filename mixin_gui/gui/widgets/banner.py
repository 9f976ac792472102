"""A dismissable message strip with an optional action button (not a modal dialog)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton


class Banner(QFrame):
    """Message plus action, e.g. "No models bundled … [Choose model folder…]".

    ``kind`` ("info", "warning", "error") is exposed as a property for the style sheet.
    """

    action_clicked = Signal()

    def __init__(self, parent=None, *, kind="info"):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", kind)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel(wordWrap=True)
        self.label.setTextFormat(self.label.textFormat().PlainText)
        self.button = QPushButton()
        self.button.clicked.connect(self.action_clicked)
        self.close_button = QToolButton(text="✕", toolTip="Dismiss", autoRaise=True)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, text, *, action=None, kind=None):
        if kind is not None:
            self.setProperty("kind", kind)
            self.style().unpolish(self)
            self.style().polish(self)
        self.label.setText(text)
        self.button.setVisible(bool(action))
        self.button.setText(action or "")
        self.show()

    @property
    def text(self):
        return self.label.text() if self.isVisible() else ""
