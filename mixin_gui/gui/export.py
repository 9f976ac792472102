"""Where exported stems go: the GUI's use of the core output plans (:mod:`mixin_gui.audio.outputs`).

No Qt here: the main window resolves the names (asking the user when the policy is "ask"),
and the separation worker writes them with :func:`write_outputs`, which refuses any target
that is an input file, whatever the policy says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..audio.outputs import (apply_policy, check_collisions, existing, expand_template,
                             free_name, plan_targets, safe_name)
from ..audio.write import StemWriter
from ..errors import Cancelled

#: The plan helpers live in the core; the GUI keeps importing them from here.
__all__ = ["ExportPlan", "apply_policy", "existing", "expand_template", "free_name",
           "plan_targets", "render_mix", "safe_name", "write_outputs"]


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
    inputs : tuple of Path
        Files no target may be (the track's own file, and any other the caller protects).
    """

    targets: dict
    fmt: str = "wav"
    bit_depth: str = "24"
    overwrite: bool = False
    skipped: list = field(default_factory=list)
    gains: dict | None = None
    inputs: tuple = ()


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
    inputs = [Path(p) for p in plan.inputs]
    check_collisions([(inputs[0] if inputs else None, paths)], protected=inputs)
    if cancel is not None and cancel.is_set():
        raise Cancelled("Export cancelled.")
    with StemWriter(paths, samplerate=sr, channels=arrays[0].shape[1], fmt=plan.fmt,
                    bit_depth=plan.bit_depth, overwrite=plan.overwrite,
                    protected=inputs) as writer:
        writer.write(arrays)
    return paths
