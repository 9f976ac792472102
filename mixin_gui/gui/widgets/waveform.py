"""Waveform overview: the minimum and maximum of the mix over time."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .timeplot import TimePlot


class WaveformView(TimePlot):
    """Filled min/max envelope of a track."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setLabel("left", "Level")
        self.getPlotItem().getAxis("left").setTicks([[(-1, "-1"), (0, "0"), (1, "1")]])
        pen = pg.mkPen(color=(90, 160, 230), width=1)
        self.lower = pg.PlotDataItem(pen=pen)
        self.upper = pg.PlotDataItem(pen=pen)
        self.fill = pg.FillBetweenItem(self.lower, self.upper, brush=pg.mkBrush(90, 160, 230, 150))
        for item in (self.lower, self.upper, self.fill):
            self.addItem(item)
        self.getPlotItem().getViewBox().setYRange(-1.0, 1.0, padding=0.05)
        self.setMinimumHeight(70)

    def set_envelope(self, env, duration):
        """Show ``env`` (shape (2, points): minimum and maximum) spread over ``duration`` s."""
        t = np.linspace(0.0, duration, env.shape[1], dtype=np.float64)
        self.lower.setData(t, env[0])
        self.upper.setData(t, env[1])
        self.set_duration(duration)

    def clear_envelope(self):
        self.lower.setData([], [])
        self.upper.setData([], [])
