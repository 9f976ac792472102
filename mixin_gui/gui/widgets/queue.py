"""The track queue: name and status per track, reorder by dragging, remove with Delete."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from ..tracks import STATUS_TEXT

_ID = Qt.ItemDataRole.UserRole
_COLOURS = {"done": QColor(60, 170, 90), "failed": QColor(215, 70, 60),
            "separating": QColor(40, 150, 230), "cancelled": QColor(200, 140, 40)}


class QueueView(QTreeWidget):
    """Tracks in processing order.

    Signals
    -------
    current_changed(int)
        The selected track's id (0 when none).
    remove_requested(list)
        Ids the user asked to remove (Delete key).
    """

    current_changed = Signal(int)
    remove_requested = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderLabels(["Track", "Status"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setColumnWidth(0, 190)
        self.currentItemChanged.connect(self._current)

    def add(self, track):
        item = QTreeWidgetItem([track.name, ""])
        item.setData(0, _ID, track.id)
        item.setToolTip(0, str(track.path))
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
        self.addTopLevelItem(item)
        self.set_status(track)
        if self.currentItem() is None:
            self.setCurrentItem(item)
        return item

    def _item(self, track_id):
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item.data(0, _ID) == track_id:
                return item
        return None

    def set_status(self, track, detail=""):
        item = self._item(track.id)
        if item is None:
            return
        text = STATUS_TEXT.get(track.status, track.status)
        item.setText(1, f"{text} {detail}".strip())
        item.setToolTip(1, track.message or text)
        colour = _COLOURS.get(track.status)
        item.setForeground(1, QBrush(colour) if colour else QBrush())

    def remove(self, track_id):
        item = self._item(track_id)
        if item is not None:
            self.takeTopLevelItem(self.indexOfTopLevelItem(item))

    def select(self, track_id):
        item = self._item(track_id)
        if item is not None:
            self.setCurrentItem(item)

    def track_ids(self):
        """Ids in queue order (as the user arranged them)."""
        return [self.topLevelItem(i).data(0, _ID) for i in range(self.topLevelItemCount())]

    def selected_ids(self):
        return [it.data(0, _ID) for it in self.selectedItems()]

    def move(self, track_id, offset):
        """Move a track up (negative) or down (positive) the queue."""
        item = self._item(track_id)
        if item is None:
            return
        index = self.indexOfTopLevelItem(item)
        target = max(0, min(self.topLevelItemCount() - 1, index + offset))
        if target != index:
            self.takeTopLevelItem(index)
            self.insertTopLevelItem(target, item)
            self.setCurrentItem(item)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.remove_requested.emit(self.selected_ids())
            return
        super().keyPressEvent(event)

    def _current(self, current, _previous):
        self.current_changed.emit(current.data(0, _ID) if current is not None else 0)
