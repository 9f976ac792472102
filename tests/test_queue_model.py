"""The queue model on its own: order, moves, what each column says, drag-and-drop reorder."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QModelIndex, Qt  # noqa: E402
from PySide6.QtTest import QAbstractItemModelTester  # noqa: E402

from mixin_gui.gui.queue_model import COLUMNS, TRACK_ID_ROLE, QueueModel  # noqa: E402
from mixin_gui.gui.tracks import Track  # noqa: E402


@pytest.fixture
def model(qapp):
    m = QueueModel()
    # Qt's own checker: every signal and row count stays consistent through the test
    m.tester = QAbstractItemModelTester(
        m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    for i, name in enumerate(["intro", "verse", "chorus", "outro"], start=1):
        m.add(Track(i, Path(f"/music/{name}.wav")))
    return m


def names(model):
    return [t.name for t in model.tracks()]


def test_rows_follow_the_order_tracks_were_added(model):
    assert model.rowCount() == 4 and model.columnCount() == len(COLUMNS)
    assert names(model) == ["intro", "verse", "chorus", "outro"]
    assert model.index(2, 0).data() == "chorus"
    assert model.index(2, 0).data(TRACK_ID_ROLE) == 3
    assert model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole) == str(Path("/music/chorus.wav"))
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Status"


def test_move_up_down_and_to_a_row(model):
    assert model.move(3, -2) == 0
    assert names(model) == ["chorus", "intro", "verse", "outro"]
    assert model.move(3, -1) == 0                       # already first: stays
    assert model.move(1, 10) == 3                       # past the end: last
    assert names(model) == ["chorus", "verse", "outro", "intro"]
    model.move_to([2, 4], 0)                            # several, keeping their order
    assert names(model) == ["verse", "outro", "chorus", "intro"]
    assert model.move(99, 1) is None


def test_remove_returns_the_track_and_forgets_it(model):
    removed = model.remove(2)
    assert removed.name == "verse" and model.track(2) is None
    assert model.track_ids() == [1, 3, 4] and len(model) == 3
    assert model.remove(2) is None


def test_status_and_mode_columns_say_what_happened(model, qtbot):
    track = model.track(1)
    with qtbot.waitSignal(model.dataChanged) as sig:
        track.status = "done"
        track.stems = {"harmonic": np.zeros((4, 2), np.float32)}
        track.mode = "2 stems (instrumental) · pretrained-models"
        model.changed(1)
    assert sig.args[0].row() == 0 and sig.args[1].column() == len(COLUMNS) - 1
    assert model.index(0, 1).data() == "done"
    assert model.index(0, 2).data() == "2 stems (instrumental) · pretrained-models"
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) is not None
    track.stems = None                                  # released to save memory
    assert model.index(0, 1).data() == "done (stems released)"
    assert model.index(1, 2).data(Qt.ItemDataRole.ToolTipRole) == "Not separated yet"


def test_drag_and_drop_reorders_without_losing_rows(model):
    data = model.mimeData([model.index(3, 0), model.index(3, 1)])   # "outro", two cells
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, 1, 0, QModelIndex())
    # the move happens in the model; False stops the view from also removing the source rows
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 1, 0, QModelIndex()) is False
    assert names(model) == ["intro", "outro", "verse", "chorus"]
    data = model.mimeData([model.index(0, 0)])                      # "intro" onto "chorus"
    model.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, model.index(3, 0))
    assert names(model) == ["outro", "verse", "intro", "chorus"]
    assert model.rowCount() == 4
