"""A pyqtgraph plot with time in seconds on x: mm:ss axis, a playhead, click to seek."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

#: Width in pixels of every time plot's left axis and of the column right of the plot area
#: (the spectrogram's colour bar, an empty gutter elsewhere): with both fixed, the plot areas
#: of views placed one above the other are equally wide, so a second sits at the same x.
LEFT_AXIS_WIDTH = 72
RIGHT_GUTTER = 64
#: Axis text and ticks: #555 on the light theme's #EFEFEF is 6.4:1 (WCAG AA asks 4.5:1).
AXIS_COLOUR = "#555555"


def format_time(seconds, *, decimals=0):
    """``m:ss`` (or ``m:ss.d``) of a non-negative number of seconds."""
    seconds = max(0.0, float(seconds))
    minutes, rest = divmod(seconds, 60.0)
    if decimals:
        width = 3 + decimals
        return f"{int(minutes)}:{rest:0{width}.{decimals}f}"
    return f"{int(minutes)}:{int(rest):02d}"


class TimeAxis(pg.AxisItem):
    """Bottom axis labelled ``m:ss`` (tenths when zoomed in below two-second spacing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):
        # tenths only where a tick falls between whole seconds, so that major and minor
        # ticks read alike ("0:02", "0:03", not "0:02" and "0:03.0")
        whole = all(abs(v - round(v)) < 1e-6 for v in values)
        decimals = 0 if whole and spacing >= 1 else 1
        return [format_time(v, decimals=decimals) if v >= 0 else "" for v in values]


class TimePlot(pg.PlotWidget):
    """Plot whose x axis is time; emits :attr:`seek_requested` on a click.

    Dragging pans and the wheel zooms (in x only); a click without a drag seeks.
    """

    seek_requested = Signal(float)

    def __init__(self, parent=None, *, left_axis=None):
        axes = {"bottom": TimeAxis("bottom")}
        if left_axis is not None:
            axes["left"] = left_axis
        super().__init__(parent, axisItems=axes)
        self.setBackground(None)
        self.setMouseEnabled(x=True, y=False)
        self.setMenuEnabled(False)
        self.hideButtons()
        item = self.getPlotItem()
        item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        for name in ("left", "bottom"):
            item.getAxis(name).setPen(AXIS_COLOUR)
            item.getAxis(name).setTextPen(AXIS_COLOUR)
        self.gutter = pg.GraphicsWidget()
        self.gutter.setFixedWidth(RIGHT_GUTTER)
        item.layout.addItem(self.gutter, 2, 5)
        item.layout.setColumnFixedWidth(4, 5)
        item.getViewBox().setDefaultPadding(0.0)
        self.duration = 0.0
        pen = pg.mkPen(color=(40, 200, 255), width=2)
        self.playhead = pg.InfiniteLine(pos=0.0, angle=90, pen=pen, movable=False)
        self.playhead.setZValue(10)
        self.addItem(self.playhead)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.getPlotItem().getViewBox().setXRange(0.0, 10.0, padding=0.0)   # empty: 10 s

    def set_duration(self, seconds):
        """Limit panning to the track and show all of it."""
        self.duration = max(float(seconds), 1e-3)
        vb = self.getPlotItem().getViewBox()
        vb.setLimits(xMin=0.0, xMax=self.duration, minXRange=min(0.05, self.duration))
        vb.setXRange(0.0, self.duration, padding=0.0)

    def fit(self):
        """Show the whole track."""
        self.getPlotItem().getViewBox().setXRange(0.0, self.duration, padding=0.0)

    def follow(self, other):
        """Show the same time range as ``other`` (both ways), whatever the widths."""
        mine, theirs = self.getPlotItem().getViewBox(), other.getPlotItem().getViewBox()

        def copy(source, target):
            def apply(_vb, rng):
                if tuple(target.viewRange()[0]) != tuple(rng):
                    target.setXRange(*rng, padding=0.0)
            source.sigXRangeChanged.connect(apply)

        copy(mine, theirs)
        copy(theirs, mine)

    def set_playhead(self, seconds):
        self.playhead.setValue(float(seconds))

    def _clicked(self, event):
        if event.button() != Qt.MouseButton.LeftButton or self.duration <= 0:
            return
        vb = self.getPlotItem().getViewBox()
        pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        seconds = vb.mapSceneToView(pos).x()
        self.seek_requested.emit(min(max(0.0, seconds), self.duration))
