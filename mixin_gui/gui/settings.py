"""The user's choices, kept between runs in QSettings.

Every value has a typed property with a default, so the rest of the GUI never sees QSettings'
strings ("true", "1") and a damaged settings file falls back to defaults.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from .. import config
from ..audio.outputs import DEFAULT_TEMPLATE
from ..model.discovery import resolve_model_dir

ORGANISATION = "MiXiN"
APPLICATION = "MiXiN"
#: What to do when an output file exists.
ON_EXISTS = ("ask", "overwrite", "skip", "rename")
#: Bit depths offered per container; a container not named here (a lossy one such as MP3)
#: is offered once, with its writer's default.
_DEPTHS = {"wav": ("16", "24", "32f"), "flac": ("16", "24"), "aiff": ("16", "24")}
_DEPTH_LABEL = {"16": "16-bit", "24": "24-bit", "32f": "32-bit float"}


def _output_formats():
    """(format, bit depth, label) for every format in :data:`config.WRITE_FORMATS`."""
    out = []
    for fmt in config.WRITE_FORMATS:
        for depth in _DEPTHS.get(fmt, ("",)):
            out.append((fmt, depth, f"{fmt.upper()} {_DEPTH_LABEL.get(depth, '')}".strip()))
    return tuple(out)


#: Output formats offered: (format, bit depth, label); bit depth "" is the format's default.
OUTPUT_FORMATS = _output_formats()
MAX_RECENT = 10


def _as_bool(value, default):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return default if value is None else bool(value)


class _Bool:
    """A boolean option stored under ``key`` (a descriptor of :class:`Settings`)."""

    def __init__(self, key, default):
        self.key, self.default = key, default

    def __get__(self, obj, objtype=None):
        return _as_bool(obj._get(self.key, self.default), self.default)

    def __set__(self, obj, value):
        obj._set(self.key, bool(value))


class _Path:
    """A folder option stored as text; ``fallback()`` gives the default."""

    def __init__(self, key, fallback):
        self.key, self.fallback = key, fallback

    def __get__(self, obj, objtype=None):
        return Path(str(obj._get(self.key, "") or self.fallback()))

    def __set__(self, obj, value):
        obj._set(self.key, str(value))


class Settings:
    """Typed access to the persistent options.

    Parameters
    ----------
    qsettings : QSettings or None
        Storage; ``None`` uses the native store of organisation and application "MiXiN".
    """

    def __init__(self, qsettings=None):
        self.store = qsettings or QSettings(ORGANISATION, APPLICATION)

    def _get(self, key, default):
        value = self.store.value(key, default)
        return default if value is None else value

    def _set(self, key, value):
        self.store.setValue(key, value)

    def sync(self):
        self.store.sync()

    # -- separation --------------------------------------------------------
    instrumental = _Bool("separation/instrumental", False)
    single_model = _Bool("separation/single_model", False)

    model_dir = _Path("separation/model_dir", lambda: resolve_model_dir(required=False))

    @property
    def preset(self):
        """Key of a :data:`~mixin_gui.gui.presets.PRESETS` entry."""
        from .presets import BY_KEY, DEFAULT

        value = str(self._get("separation/preset", DEFAULT))
        return value if value in BY_KEY else DEFAULT

    @preset.setter
    def preset(self, value):
        self._set("separation/preset", str(value))

    # -- export ------------------------------------------------------------
    output_dir = _Path("export/output_dir", lambda: Path.home() / "Music" / "MiXiN")

    @property
    def output_format(self):
        """``(fmt, bit_depth)``, one of :data:`OUTPUT_FORMATS`."""
        fmt = str(self._get("export/format", "wav"))
        depth = str(self._get("export/bit_depth", "24"))
        if (fmt, depth) not in {(f, d) for f, d, _ in OUTPUT_FORMATS}:
            return "wav", "24"
        return fmt, depth

    @output_format.setter
    def output_format(self, value):
        fmt, depth = value
        self._set("export/format", fmt)
        self._set("export/bit_depth", depth)

    @property
    def template(self):
        return str(self._get("export/template", DEFAULT_TEMPLATE)) or DEFAULT_TEMPLATE

    @template.setter
    def template(self, value):
        self._set("export/template", str(value) or DEFAULT_TEMPLATE)

    @property
    def on_exists(self):
        value = str(self._get("export/on_exists", "ask"))
        return value if value in ON_EXISTS else "ask"

    @on_exists.setter
    def on_exists(self, value):
        if value not in ON_EXISTS:
            raise ValueError(f"on_exists must be one of {ON_EXISTS}")
        self._set("export/on_exists", value)

    auto_export = _Bool("export/auto", True)

    @property
    def export_stems(self):
        """Stems written by an export (the mixer's export boxes)."""
        value = self._get("export/stems", list(config.STEMS))
        if isinstance(value, str):
            value = [value] if value else []
        return [s for s in value if s in config.STEMS]

    @export_stems.setter
    def export_stems(self, stems):
        self._set("export/stems", list(stems))

    # -- history and window ------------------------------------------------
    @property
    def recent_files(self):
        value = self._get("history/recent", [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in value][:MAX_RECENT]

    def add_recent(self, path):
        path = str(Path(path))
        items = [p for p in self.recent_files if p != path]
        self._set("history/recent", [path] + items[:MAX_RECENT - 1])

    #: Where File ▸ Open starts: the folder of the last file opened, else ~/Music (or ~).
    open_dir = _Path("history/open_dir",
                     lambda: next((p for p in (Path.home() / "Music", Path.home())
                                   if p.is_dir()), Path.home()))

    def clear_recent(self):
        self._set("history/recent", [])

    @property
    def geometry(self):
        return self._get("window/geometry", None)

    @geometry.setter
    def geometry(self, value):
        self._set("window/geometry", value)
