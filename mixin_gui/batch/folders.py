"""Inputs to work items: files as given, folders walked for their audio files.

A folder is walked recursively in name order; only files with an extension MiXiN reads are
taken, and hidden files and folders, the output folder and files a manifest names as
outputs are left out. Each item keeps the folder it was found in, relative to the folder
given, so the stems of ``music/a/b/song.wav`` go to ``<outdir>/a/b/`` and two ``song.wav``
never collide.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..audio.io import is_audio_name


@dataclass(frozen=True)
class Item:
    """One input to separate.

    Attributes
    ----------
    path : Path
    subdir : str
        Folder of its stems below the output folder ("" for a file given by name).
    """

    path: Path
    subdir: str = ""


def _inside(path, folder):
    """Whether ``path`` is ``folder`` or below it (both resolved)."""
    try:
        Path(path).resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def walk(folder, *, outdir=None, skip=()):
    """The audio files below ``folder``, as :class:`Item` s in name order.

    Parameters
    ----------
    folder : path-like
    outdir : path-like or None
        The output folder: nothing below it is an input.
    skip : set of str
        Absolute paths left out (a manifest's outputs).
    """
    folder = Path(folder)
    out_resolved = Path(outdir).resolve() if outdir is not None else None
    items = []
    for dirpath, dirnames, filenames in os.walk(folder, onerror=None):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not (out_resolved and _inside(here / d, out_resolved)))
        rel = os.path.relpath(here, folder)
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or not is_audio_name(name):
                continue
            if os.path.abspath(path) in skip:
                continue
            items.append(Item(path, "" if rel == "." else rel))
    return items


def expand(inputs, *, outdir=None, skip=()):
    """Files and folders given to :class:`Item` s: a file as it is (whatever its name), a
    folder by :func:`walk`. Returns ``(items, empty)``: ``empty`` lists the folders that
    held no audio file to separate."""
    items, empty = [], []
    for given in inputs:
        if os.path.isdir(given):
            found = walk(given, outdir=outdir, skip=skip)
            items += found
            if not found:
                empty.append(Path(given))
        else:
            items.append(Item(Path(given)))
    return items, empty
