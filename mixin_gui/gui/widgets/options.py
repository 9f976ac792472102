"""Separation and export options, bound to :class:`~mixin_gui.gui.settings.Settings`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLineEdit, QToolButton, QWidget)

from ...model.discovery import is_joint, model_sets, set_card, set_name
from ...modelcard import summary_line
from ..presets import PRESETS, preset
from ..settings import ON_EXISTS, OUTPUT_FORMATS

INSTRUMENTAL_TIP = ("For music without singing: only the harmonic (tonal instruments) and "
                    "percussive (drums) stems are made, so nothing is mistaken for a voice. "
                    "Faster, and needs no vocal model.")
SINGLE_MODEL_TIP = ("Each stem is exactly what its network hears, instead of sharing the "
                    "mix out between the stems. A stem can sound fuller, but the stems no "
                    "longer add up to the song (measured: 67 % error, against under 2 % "
                    "normally), so a mix of them differs from the original.")
JOINT_TIP = ("This model set's one network shares the mix out between the stems itself, so "
             "there is no raw output per stem: its stems always add up to the song.")


class _FolderField(QWidget):
    """A line edit with a "…" button that picks a folder."""

    changed = Signal(str)

    def __init__(self, title, parent=None):
        super().__init__(parent)
        self.title = title
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.button = QToolButton(text="…", toolTip=title)
        self.button.setAccessibleName(title)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self.browse)
        self.edit.editingFinished.connect(lambda: self.changed.emit(self.edit.text()))

    def browse(self):
        folder = QFileDialog.getExistingDirectory(self, self.title, self.edit.text())
        if folder:
            self.set_path(folder)
            self.changed.emit(folder)

    def set_path(self, path):
        self.edit.setText(str(path))
        self.edit.setCursorPosition(0)


class OptionsPanel(QWidget):
    """Form of the user's choices; every edit is saved at once.

    Signals
    -------
    models_changed()
        The model directory or the instrumental mode changed (models must be reloaded).
    """

    models_changed = Signal()

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        form = QFormLayout(self)
        form.setContentsMargins(4, 4, 4, 4)
        self.preset = QComboBox(toolTip="What to listen to and write after separating")
        for p in PRESETS:
            self.preset.addItem(p.label, p.key)
            self.preset.setItemData(self.preset.count() - 1, p.tip,
                                    Qt.ItemDataRole.ToolTipRole)
        self.instrumental = QCheckBox("Instrumental: no vocal model (2 stems)",
                                      toolTip=INSTRUMENTAL_TIP)
        self.single_model = QCheckBox("Raw network output (stems don't add up to the mix)",
                                      toolTip=SINGLE_MODEL_TIP)
        self.model_set = QComboBox(toolTip="The bundled model sets; the folder below may "
                                           "also be any other model folder")
        for name, folder in model_sets().items():
            self.model_set.addItem(name, str(folder))
            self.model_set.setItemData(self.model_set.count() - 1,
                                       summary_line(set_card(folder)),
                                       Qt.ItemDataRole.ToolTipRole)
        self.model_dir = _FolderField("Choose the model folder")
        self.output_dir = _FolderField("Choose the output folder")
        self.fmt = QComboBox()
        for fmt, depth, label in OUTPUT_FORMATS:
            self.fmt.addItem(label, f"{fmt}/{depth}")
        self.template = QLineEdit(placeholderText="{track}_{stem}",
                                  toolTip="File name: {track} and {stem} are replaced")
        self.on_exists = QComboBox()
        for policy in ON_EXISTS:
            self.on_exists.addItem(policy.capitalize(), policy)
        self.auto_export = QCheckBox("Export when a track is separated",
                                     toolTip="Write the preset's files as soon as each "
                                             "track is separated")
        for widget, name in ((self.preset, "Preset"), (self.model_set, "Model set"),
                             (self.instrumental, "Instrumental"),
                             (self.single_model, "Raw network output"),
                             (self.model_dir.edit, "Model folder"),
                             (self.output_dir.edit, "Output folder"),
                             (self.fmt, "Output format"), (self.template, "File names"),
                             (self.on_exists, "If a file exists"),
                             (self.auto_export, "Export when separated")):
            widget.setAccessibleName(name)
        form.addRow("Preset", self.preset)
        form.addRow(self.instrumental)
        form.addRow(self.single_model)
        if self.model_set.count():
            form.addRow("Model set", self.model_set)
        form.addRow("Models", self.model_dir)
        form.addRow("Output", self.output_dir)
        form.addRow("Format", self.fmt)
        form.addRow("Names", self.template)
        form.addRow("If a file exists", self.on_exists)
        form.addRow(self.auto_export)
        self.load()
        self.preset.currentIndexChanged.connect(self._preset)
        self.instrumental.toggled.connect(self._instrumental)
        self.single_model.toggled.connect(lambda v: setattr(settings, "single_model", v))
        self.model_dir.changed.connect(self._model_dir)
        self.model_set.activated.connect(
            lambda i: self.set_model_dir(self.model_set.itemData(i)))
        self.output_dir.changed.connect(lambda p: setattr(settings, "output_dir", p))
        self.fmt.currentIndexChanged.connect(
            lambda _i: setattr(settings, "output_format", self.fmt.currentData().split("/")))
        self.template.editingFinished.connect(
            lambda: setattr(settings, "template", self.template.text()))
        self.on_exists.currentIndexChanged.connect(
            lambda _i: setattr(settings, "on_exists", self.on_exists.currentData()))
        self.auto_export.toggled.connect(lambda v: setattr(settings, "auto_export", v))

    def load(self):
        """Show the stored values."""
        s = self.settings
        self.preset.setCurrentIndex(max(0, self.preset.findData(s.preset)))
        self.instrumental.setChecked(s.instrumental)
        self.single_model.setChecked(s.single_model)
        self.model_dir.set_path(s.model_dir)
        self._show_set(s.model_dir)
        self.output_dir.set_path(s.output_dir)
        self.fmt.setCurrentIndex(max(0, self.fmt.findData("/".join(s.output_format))))
        self.template.setText(s.template)
        self.on_exists.setCurrentIndex(max(0, self.on_exists.findData(s.on_exists)))
        self.auto_export.setChecked(s.auto_export)

    def set_model_dir(self, path):
        self.model_dir.set_path(path)
        self._model_dir(str(path))            # shows the set too

    def _show_set(self, path):
        """Select the bundled set held in ``path`` (none when it is another folder), and
        show that set's card in one line as the picker's tooltip."""
        name = set_name(path)
        i = self.model_set.findText(name) if name else -1
        self.model_set.setCurrentIndex(i)
        self.model_set.setToolTip(self.model_set.itemData(i, Qt.ItemDataRole.ToolTipRole)
                                  if i >= 0 else "Another model folder (below)")
        joint = is_joint(path)
        self.single_model.setEnabled(not joint)
        self.single_model.setToolTip(JOINT_TIP if joint else SINGLE_MODEL_TIP)

    def _model_dir(self, path):
        if path:
            self._show_set(path)
        if path and Path(path) != self.settings.model_dir:
            self.settings.model_dir = path
            self.models_changed.emit()

    def _instrumental(self, value):
        self.settings.instrumental = value
        if value and preset(self.settings.preset).needs_vocal:
            self.preset.setCurrentIndex(0)        # karaoke needs the vocal model
        self.models_changed.emit()

    def _preset(self, _index):
        self.settings.preset = self.preset.currentData()
        self.preset.setToolTip(preset(self.settings.preset).tip)
        if preset(self.settings.preset).needs_vocal and self.instrumental.isChecked():
            self.instrumental.setChecked(False)
