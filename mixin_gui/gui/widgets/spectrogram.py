"""The Bark NSGT spectrogram: an image with a dB colour bar, a Hz axis on the Bark scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from .timeplot import AXIS_COLOUR, RIGHT_GUTTER, TimePlot

#: Frequencies labelled on the axis (Hz).
HZ_TICKS = (100, 300, 1000, 2000, 5000, 10000, 20000)
COLORMAP = "inferno"


def _hz_label(hz):
    return f"{hz // 1000:g}k" if hz >= 1000 else f"{hz:g}"


class BarkAxis(pg.AxisItem):
    """Left axis for an image whose row ``i`` is Bark band ``i``, labelled in Hz."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frqs = None

    def set_bands(self, frqs):
        self.frqs = np.asarray(frqs, dtype=np.float64)
        self.picture = None
        self.update()

    def band_position(self, hz):
        """y coordinate of ``hz``: band centres sit in the middle of their rows."""
        from ...dsp.nsgt import hz_to_bark      # scipy: not needed to show the window

        barks = hz_to_bark(self.frqs)
        return float(np.interp(hz_to_bark(hz), barks, np.arange(len(barks)))) + 0.5

    def tickValues(self, minVal, maxVal, size):
        if self.frqs is None:
            return super().tickValues(minVal, maxVal, size)
        major = [(self.band_position(hz), _hz_label(hz)) for hz in HZ_TICKS
                 if hz <= self.frqs[-1]]
        self._labels = dict(major)
        return [(1.0, [p for p, _ in major if minVal <= p <= maxVal])]

    def tickStrings(self, values, scale, spacing):
        labels = getattr(self, "_labels", {})
        return [labels.get(v, "") for v in values]


class SpectrogramView(TimePlot):
    """Shows a :class:`~mixin_gui.dsp.spectrogram.BarkSpectrogram`."""

    def __init__(self, parent=None, *, placeholder="No track loaded"):
        self.bark_axis = BarkAxis("left")
        super().__init__(parent, left_axis=self.bark_axis)
        self.setLabel("left", "Frequency (Hz, Bark scale)")
        # the wheel zooms time only: every band and its Hz label stay in view
        self.setMouseEnabled(x=True, y=False)
        self.setLabel("bottom", "Time")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(-90.0, 0.0), colorMap=COLORMAP, label="dB",
                                        interactive=False, width=14)
        self.getPlotItem().layout.removeItem(self.gutter)     # the colour bar takes its place
        self.colorbar.setImageItem(self.image, insert_in=self.getPlotItem())
        self.colorbar.setFixedWidth(RIGHT_GUTTER)
        self.colorbar.getAxis("right").setPen(AXIS_COLOUR)
        self.colorbar.getAxis("right").setTextPen(AXIS_COLOUR)
        self.placeholder = pg.TextItem(placeholder, anchor=(0.5, 0.5), color=(150, 150, 150))
        self.addItem(self.placeholder)
        self.spectrogram = None
        self.getPlotItem().getViewBox().sigXRangeChanged.connect(self._centre_placeholder)
        self.clear_image()

    def clear_image(self, placeholder=None):
        """Remove the image and show ``placeholder`` text instead."""
        self.spectrogram = None
        self.image.clear()
        if placeholder is not None:
            self.placeholder.setText(placeholder)
        vb = self.getPlotItem().getViewBox()
        vb.setLimits(yMin=None, yMax=None, minYRange=None)
        vb.setYRange(0.0, 1.0, padding=0.0)
        self.placeholder.show()
        self._centre_placeholder()

    def _centre_placeholder(self):
        (x0, x1), _ = self.getPlotItem().getViewBox().viewRange()
        self.placeholder.setPos((x0 + x1) / 2.0, 0.5)

    def set_spectrogram(self, spec, *, levels=None):
        """Display ``spec`` (``db`` of shape (bands, columns)) over its duration.

        ``levels`` (low, high) in dB fixes the colour scale, e.g. to the mix's so that
        stems compare with it; by default the spectrogram's own range.
        """
        self.spectrogram = spec
        self.placeholder.hide()
        n_bands, n_cols = spec.db.shape
        low, top = levels if levels is not None else (float(spec.db.min()),
                                                      float(spec.db.max()))
        self.image.setImage(spec.db, autoLevels=False, levels=(low, top))
        self.image.setRect(QRectF(0.0, 0.0, n_cols * spec.hop, float(n_bands)))
        self.colorbar.setLevels((low, top))
        self.bark_axis.set_bands(spec.frqs)
        vb = self.getPlotItem().getViewBox()
        vb.setLimits(yMin=0.0, yMax=float(n_bands), minYRange=4.0)
        vb.setYRange(0.0, float(n_bands), padding=0.0)
        self.set_duration(spec.duration)

    def fit(self):
        """Show the whole track and every band."""
        if self.spectrogram is not None:
            vb = self.getPlotItem().getViewBox()
            vb.setYRange(0.0, float(self.spectrogram.db.shape[0]), padding=0.0)
        super().fit()

    @property
    def image_data(self):
        """The displayed dB array, or ``None``."""
        return self.image.image
