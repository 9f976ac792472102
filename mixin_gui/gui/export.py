"""Where exported stems go: file-name templates, the "file exists" policy, atomic writing.

No Qt here: the main window resolves the names (asking the user when the policy is "ask"),
and the separation worker writes them with :func:`write_outputs`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..audio.io import StemWriter
from ..errors import AudioWriteError, Cancelled

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(text):
    """``text`` usable as a file name on every platform (separators and controls replaced)."""
    cleaned = _UNSAFE.sub("_", str(text)).strip(" .")
    return cleaned or "untitled"


def expand_template(template, *, track, stem):
    """File name (without extension) from a template with ``{track}`` and ``{stem}``.

    Raises
    ------
    AudioWriteError
        If the template names another field or is malformed.
    """
    try:
        name = template.format(track=track, stem=stem)
    except (KeyError, IndexError, ValueError) as exc:
        raise AudioWriteError(
            f"File-name template '{template}' is invalid ({exc}); "
            f"use {{track}} and {{stem}}, e.g. '{{track}}_{{stem}}'.") from None
    return safe_name(name)


def free_name(path, taken=()):
    """``path`` or the first ``name (2).ext``, ``name (3).ext`` ... that does not exist."""
    path = Path(path)
    candidate, n = path, 2
    while candidate.exists() or candidate in taken:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    return candidate


@dataclass
class ExportPlan:
    """Files to write for one track, decided on the GUI thread, written by the worker.

    Attributes
    ----------
    targets : dict of str to Path
        Output name to final path; names are stems or ``"mix"``. Skipped outputs are absent.
    fmt, bit_depth : str
    overwrite : bool
    skipped : list of Path
        Existing files left alone (policy "skip").
    gains : dict of str to float or None
        For a custom mix: source name to linear gain (the ``"mix"`` target is rendered
        from these sources).
    """

    targets: dict
    fmt: str = "wav"
    bit_depth: str = "24"
    overwrite: bool = False
    skipped: list = field(default_factory=list)
    gains: dict | None = None


def plan_targets(outdir, template, track, names, fmt):
    """Final paths for ``names`` of one track, before any "exists" policy."""
    return {n: Path(outdir) / f"{expand_template(template, track=track, stem=n)}.{fmt}"
            for n in names}


def existing(targets):
    """The paths of ``targets`` that already exist."""
    return [p for p in targets.values() if p.exists()]


def apply_policy(targets, policy):
    """Resolve existing files by ``policy`` ("overwrite", "skip" or "rename").

    Returns
    -------
    targets : dict of str to Path
    overwrite : bool
    skipped : list of Path
    """
    if policy == "overwrite":
        return dict(targets), True, []
    if policy == "skip":
        keep = {n: p for n, p in targets.items() if not p.exists()}
        return keep, False, [p for p in targets.values() if p.exists()]
    if policy == "rename":
        out, taken = {}, set()
        for n, p in targets.items():
            out[n] = free_name(p, taken)
            taken.add(out[n])
        return out, False, []
    return dict(targets), False, []


def render_mix(sources, gains):
    """Weighted sum of ``sources`` (name to ``(frames, channels)`` float32) by ``gains``."""
    names = [n for n, g in gains.items() if g and n in sources]
    if not names:
        first = next(iter(sources.values()))
        return np.zeros_like(first)
    out = np.zeros_like(sources[names[0]], dtype=np.float32)
    for n in names:
        out += np.float32(gains[n]) * sources[n]
    return out


def write_outputs(plan, sources, sr, *, cancel=None):
    """Write the files of ``plan`` atomically (all or none).

    Parameters
    ----------
    plan : ExportPlan
    sources : dict of str to np.ndarray, shape (frames, channels)
        ``"mix"`` and the stems.
    sr : int
    cancel : threading.Event or None
        Checked between files; a cancel deletes every temporary file.

    Returns
    -------
    list of Path
        Files written.
    """
    if not plan.targets:
        return []
    arrays = []
    for name in plan.targets:
        if name not in sources and plan.gains is not None:
            arrays.append(render_mix(sources, plan.gains))
        else:
            arrays.append(sources[name])
    paths = list(plan.targets.values())
    Path(paths[0]).parent.mkdir(parents=True, exist_ok=True)
    if cancel is not None and cancel.is_set():
        raise Cancelled("Export cancelled.")
    with StemWriter(paths, samplerate=sr, channels=arrays[0].shape[1], fmt=plan.fmt,
                    bit_depth=plan.bit_depth, overwrite=plan.overwrite) as writer:
        writer.write(arrays)
    return paths
