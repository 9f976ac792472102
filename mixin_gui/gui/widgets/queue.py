"""The queue's view: a table over :class:`~mixin_gui.gui.queue_model.QueueModel`.

Reorder by dragging, remove with Delete; long names are elided in the middle (the full path
is the tooltip).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

from ..queue_model import TRACK_ID_ROLE


class QueueView(QTreeView):
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

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAccessibleName("Track queue")
        header = self.header()
        header.setAccessibleName("Queue columns")
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 110)        # elided; the tooltip has it all
        self._shown = 0
        self.selectionModel().currentRowChanged.connect(self._current)
        model.modelReset.connect(lambda: self.select(self._shown))

    def select(self, track_id):
        """Make ``track_id`` the current, selected row (nothing when it is not queued)."""
        row = self.model().row_of(track_id)
        if row is None:
            return
        self._shown = track_id
        index = self.model().index(row, 0)
        if self.currentIndex().row() != row:
            self.setCurrentIndex(index)
        self.scrollTo(index)

    def selected_ids(self):
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.model().track_at(r).id for r in rows]

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected_ids():
            self.remove_requested.emit(self.selected_ids())
            return
        super().keyPressEvent(event)

    def _current(self, current, _previous):
        track_id = current.data(TRACK_ID_ROLE) if current.isValid() else 0
        self._shown = track_id or 0
        self.current_changed.emit(self._shown)
