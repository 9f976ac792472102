"""The queue as a Qt item model: the tracks, their order and their state.

:class:`QueueModel` is the one place the queue's order lives; views show it and the
controller changes it. Rows are tracks; columns are the name, the status and how a finished
track was separated.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QByteArray, QMimeData, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from .tracks import STATUS_TEXT

#: Role giving a row's track id.
TRACK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Track", "Status", "Separated with")
_MIME = "application/x-mixin-track-ids"
_COLOURS = {"done": QColor(40, 140, 70), "failed": QColor(200, 50, 40),
            "separating": QColor(20, 120, 200), "cancelled": QColor(170, 110, 20)}


class QueueModel(QAbstractTableModel):
    """Tracks in processing order.

    Holds :class:`~mixin_gui.gui.tracks.Track` objects; call :meth:`changed` after editing a
    track so that views repaint its row.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._tracks = []

    # -- the queue's own API --------------------------------------------------
    def add(self, track):
        row = len(self._tracks)
        self.beginInsertRows(QModelIndex(), row, row)
        self._tracks.append(track)
        self.endInsertRows()

    def remove(self, track_id):
        row = self.row_of(track_id)
        if row is None:
            return None
        self.beginRemoveRows(QModelIndex(), row, row)
        track = self._tracks.pop(row)
        self.endRemoveRows()
        return track

    def move(self, track_id, offset):
        """Move a track up (negative ``offset``) or down the queue; returns its new row."""
        row = self.row_of(track_id)
        if row is None:
            return None
        return self.move_to([track_id], max(0, min(len(self._tracks) - 1, row + offset)))

    def move_to(self, track_ids, row):
        """Move ``track_ids`` (in queue order) so that the first lands at ``row``."""
        moving = [t for t in self._tracks if t.id in set(track_ids)]
        if not moving:
            return None
        self.beginResetModel()
        rest = [t for t in self._tracks if t.id not in set(track_ids)]
        row = max(0, min(len(rest), row))
        self._tracks = rest[:row] + moving + rest[row:]
        self.endResetModel()
        return row

    def changed(self, track_id):
        """Tell views that the track's status or mode changed."""
        row = self.row_of(track_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def row_of(self, track_id):
        for row, track in enumerate(self._tracks):
            if track.id == track_id:
                return row
        return None

    def track(self, track_id):
        row = self.row_of(track_id)
        return None if row is None else self._tracks[row]

    def track_at(self, row):
        return self._tracks[row] if 0 <= row < len(self._tracks) else None

    def track_ids(self):
        """Ids in queue order (as the user arranged them)."""
        return [t.id for t in self._tracks]

    def tracks(self):
        return list(self._tracks)

    def __len__(self):
        return len(self._tracks)

    # -- QAbstractItemModel -------------------------------------------------
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._tracks)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        track = self.track_at(index.row()) if index.isValid() else None
        if track is None:
            return None
        col = index.column()
        if role == TRACK_ID_ROLE:
            return track.id
        if role == Qt.ItemDataRole.DisplayRole:
            return (track.name, self.status_text(track), track.mode)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (str(track.path), track.message or self.status_text(track),
                    track.mode or "Not separated yet")[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            colour = _COLOURS.get(track.status)
            return QBrush(colour) if colour is not None else None
        return None

    @staticmethod
    def status_text(track):
        text = STATUS_TEXT.get(track.status, track.status)
        if track.status == "done" and not track.stems:
            text += " (stems released)"
        return text

    def flags(self, index):
        base = super().flags(index)
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self):
        return Qt.DropAction.MoveAction

    def mimeTypes(self):
        return [_MIME]

    def mimeData(self, indexes):
        ids = sorted({self._tracks[i.row()].id for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(_MIME, QByteArray(",".join(map(str, ids)).encode()))
        return data

    def dropMimeData(self, data, action, row, column, parent):
        """Reorder by drag and drop.

        The move happens here; ``False`` is returned so that the view does not also
        remove the dragged rows (Qt's default for a move between two models).
        """
        if not data.hasFormat(_MIME):
            return False
        ids = [int(i) for i in bytes(data.data(_MIME)).decode().split(",") if i]
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._tracks)
        before = sum(1 for t in self._tracks[:row] if t.id in ids)
        self.move_to(ids, row - before)
        return False
