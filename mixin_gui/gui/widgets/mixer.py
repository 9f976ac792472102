"""Stem mixer: mix, harmonic, percussive and vocal, each with solo, mute, gain and export.

The mixer starts afresh for every track shown (:meth:`StemMixer.reset`): solo, mute and gain
do not carry over from one track to the next, so what plays is always what the rows show.
A row that makes no sound (muted, silenced by another row's solo, or not separated) is
greyed out; its buttons stay usable.
"""

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
        self.solo.setAccessibleName(f"Solo {name}")
        self.mute.setAccessibleName(f"Mute {name}")
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=MIN_DB, maximum=MAX_DB,
                              value=0, toolTip=f"{name.capitalize()} gain (dB)")
        self.slider.setMinimumWidth(90)
        self.slider.setAccessibleName(f"{name.capitalize()} gain")
        self.value = QLabel("0 dB", minimumWidth=48)
        self.export = QCheckBox("export", toolTip=f"Write the {name} stem on export")
        self.export.setAccessibleName(f"Export {name}")
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
        for w in (self.solo, self.mute, self.slider):
            w.setEnabled(available)

    def set_audible(self, audible):
        """Grey the name and level out when the row makes no sound."""
        self.label.setEnabled(audible)
        self.value.setEnabled(audible)

    def clear(self):
        for button in (self.solo, self.mute):
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
        self.slider.blockSignals(True)
        self.slider.setValue(0)
        self.slider.blockSignals(False)


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
        self.setAccessibleName("Stem mixer")
        self.reset(())

    def _changed(self):
        gains = self.gains()
        for name, row in self.rows.items():
            v = row.slider.value()
            row.value.setText("−∞ dB" if v <= MIN_DB else f"{v:+d} dB" if v else "0 dB")
            row.set_audible(gains[name] > 0.0)
        self.changed.emit()

    def reset(self, names, *, solo=(), mute=()):
        """Start afresh for a track whose sources are ``names``.

        Every row's solo, mute and gain are cleared; with stems present the mix starts
        muted; ``solo`` and ``mute`` (e.g. a preset's) are applied where available.
        """
        names = set(names)
        for name, row in self.rows.items():
            row.clear()
            row.set_available(name in names)
        has_stems = bool(names - {"mix"})
        for name in set(mute) | ({"mix"} if has_stems else set()):
            if name in names:
                self.rows[name].mute.blockSignals(True)
                self.rows[name].mute.setChecked(True)
                self.rows[name].mute.blockSignals(False)
        for name in solo:
            if name in names:
                self.rows[name].solo.blockSignals(True)
                self.rows[name].solo.setChecked(True)
                self.rows[name].solo.blockSignals(False)
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
