"""Stem mixer: mix, harmonic, percussive and vocal, each with solo, mute, gain and export."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QLabel, QSlider, QToolButton,
                               QWidget)

from ... import config

SOURCES = ("mix",) + config.STEMS
#: Gain slider range in dB; the bottom position means silence.
MIN_DB, MAX_DB = -30, 6


def effective_gains(rows):
    """Linear gain per source from ``{name: (available, db, solo, mute)}``.

    A muted or unavailable source is silent; when any available source is soloed only
    the soloed ones sound. ``db`` at :data:`MIN_DB` is silence.
    """
    soloed = any(avail and solo for avail, _, solo, _ in rows.values())
    gains = {}
    for name, (avail, db, solo, mute) in rows.items():
        audible = avail and not mute and (solo or not soloed)
        gains[name] = 0.0 if not audible or db <= MIN_DB else 10.0 ** (db / 20.0)
    return gains


class _Row:
    def __init__(self, mixer, grid, row, name):
        self.name = name
        self.label = QLabel(name.capitalize())
        self.solo = QToolButton(text="S", checkable=True, toolTip=f"Solo {name}")
        self.mute = QToolButton(text="M", checkable=True, toolTip=f"Mute {name}")
        self.solo.setObjectName("solo")
        self.mute.setObjectName("mute")
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=MIN_DB, maximum=MAX_DB,
                              value=0, toolTip=f"{name.capitalize()} gain (dB)")
        self.slider.setMinimumWidth(90)
        self.value = QLabel("0 dB", minimumWidth=48)
        self.export = QCheckBox("export", toolTip=f"Write the {name} stem on export")
        self.export.setVisible(name != "mix")
        for col, w in enumerate((self.label, self.solo, self.mute, self.slider, self.value,
                                 self.export)):
            grid.addWidget(w, row, col)
        for sig in (self.solo.toggled, self.mute.toggled, self.slider.valueChanged):
            sig.connect(mixer._changed)
        self.export.toggled.connect(mixer.export_changed)
        self.available = False

    def state(self):
        return self.available, self.slider.value(), self.solo.isChecked(), self.mute.isChecked()

    def set_available(self, available):
        self.available = available
        for w in (self.label, self.solo, self.mute, self.slider, self.value):
            w.setEnabled(available)


class StemMixer(QWidget):
    """Rows of solo / mute / gain per source; :attr:`changed` after every edit."""

    changed = Signal()
    export_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(3, 1)
        self.rows = {n: _Row(self, grid, i, n) for i, n in enumerate(SOURCES)}
        self.set_available(())

    def _changed(self):
        for row in self.rows.values():
            v = row.slider.value()
            row.value.setText("−∞ dB" if v <= MIN_DB else f"{v:+d} dB" if v else "0 dB")
        self.changed.emit()

    def set_available(self, names):
        """Enable the rows of ``names``; with stems present the mix starts muted."""
        names = set(names)
        for name, row in self.rows.items():
            row.set_available(name in names)
        has_stems = bool(names - {"mix"})
        self.rows["mix"].mute.setChecked(has_stems)
        self._changed()

    def gains(self):
        """Linear gain per source as the player and "export current mix" use it."""
        return effective_gains({n: r.state() for n, r in self.rows.items()})

    def solo(self, name, on=True):
        self.rows[name].solo.setChecked(on)

    def mute(self, name, on=True):
        self.rows[name].mute.setChecked(on)

    def export_selection(self):
        return [n for n, r in self.rows.items() if n != "mix" and r.export.isChecked()]

    def set_export_selection(self, stems):
        for n, r in self.rows.items():
            if n != "mix":
                r.export.blockSignals(True)
                r.export.setChecked(n in stems)
                r.export.blockSignals(False)
