"""Before Qt opens a window on X11: are the system libraries of its platform plugin there?

Qt's own failure is an abort with a message that names the wrong package
(``libxcb-cursor0``) whichever library is missing. Here the xcb plugin is loaded with the
system's dynamic loader first, so a missing library is named, with the Debian package that
provides it, in one sentence.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

#: Loaded by Qt at run time (``dlopen``), so ``ldd`` of the plugin does not list it.
RUNTIME_LIBRARIES = ("libxcb-cursor.so.0",)

_CANNOT_OPEN = re.compile(r"([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")


def debian_package(soname):
    """Debian's package name for a library soname.

    ``libxcb-icccm.so.4`` -> ``libxcb-icccm4``; a name that ends in a digit gets a hyphen:
    ``libfoo2.so.0`` -> ``libfoo2-0`` (Debian policy 8.1).
    """
    base, _, version = soname.partition(".so")
    major = version.lstrip(".").split(".")[0]
    if not major:
        return base
    return f"{base}-{major}" if base[-1:].isdigit() else f"{base}{major}"


def missing_library(plugin):
    """The first shared library that the dynamic loader cannot find for ``plugin``.

    Parameters
    ----------
    plugin : path-like
        A shared object, e.g. Qt's ``libqxcb.so``.

    Returns
    -------
    str or None
        The soname, or ``None`` when ``plugin`` and all it needs load.
    """
    for name in (str(plugin), *RUNTIME_LIBRARIES):
        try:
            ctypes.CDLL(name, mode=os.RTLD_LAZY)
        except OSError as exc:
            found = _CANNOT_OPEN.search(str(exc))
            return found.group(1) if found else Path(name).name
    return None


def uses_xcb(environ=None):
    """Whether Qt will open its windows through X11 (xcb) in this environment."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return False
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def xcb_plugin(environ=None):
    """Path of the xcb platform plugin Qt will load: from ``QT_QPA_PLATFORM_PLUGIN_PATH``
    when set (as Qt does), else the PySide6 in use (source install or bundle)."""
    env = os.environ if environ is None else environ
    folder = env.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if folder:
        return Path(folder) / "libqxcb.so"
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    return plugins / "platforms" / "libqxcb.so"


def platform_problem(environ=None, plugin=None):
    """One sentence saying which system library the window needs and is missing, or None.

    Parameters
    ----------
    environ : mapping or None
        Environment to judge (default ``os.environ``).
    plugin : path-like or None
        The xcb plugin to check (default: PySide6's own).
    """
    if not uses_xcb(environ):
        return None
    plugin = Path(plugin) if plugin is not None else xcb_plugin(environ)
    if not plugin.is_file():
        return None              # Qt reports a missing plugin itself, clearly
    lib = missing_library(plugin)
    if lib is None:
        return None
    return (f"MiXiN cannot open its window because the system library {lib} is missing; "
            f"install it (on Debian or Ubuntu: sudo apt install {debian_package(lib)}).")
