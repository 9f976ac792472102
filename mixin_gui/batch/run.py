"""A catalogue run: which inputs are still to do, what each gave, and the in-process runner.

:class:`Catalogue` turns items into :class:`Task` s (skipping what the manifest says is
done as asked now), checks each before any model loads, and records every result in the
manifest. :func:`run_local` separates the tasks one after another in this process;
:mod:`.cluster` runs the same tasks on Dask workers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import MixinError
from .job import check_file, plan_file, separate_to_files
from .manifest import (Manifest, input_key, input_state, is_done, make_record,
                       model_fingerprint)


@dataclass
class Task:
    """One input to separate, planned: its stem files and whether they may be replaced."""

    item: object
    paths: list
    overwrite: bool = False
    state: tuple = (None, None)


@dataclass
class Outcome:
    """What one task gave: its manifest record, and the result (or error) behind it."""

    task: Task
    record: dict
    result: object = None
    error: BaseException | None = None


@dataclass
class Catalogue:
    """The inputs of one run and how they are separated.

    Attributes
    ----------
    spec : mixin_gui.batch.job.OutputSpec
    options : mixin_gui.config.SeparationOptions
    model_dir : Path
    mono : bool
    manifest : Manifest or None
    force : bool
        Redo inputs the manifest says are done, replacing the outputs it names.
    """

    spec: object
    options: object
    model_dir: object
    mono: bool = False
    manifest: Manifest | None = None
    force: bool = False
    fingerprint: str = field(init=False)
    _held: list = field(init=False, default_factory=list)

    def __post_init__(self):
        self.fingerprint = model_fingerprint(self.model_dir)

    def options_key(self):
        """What changes the stems of a file, as the manifest records it."""
        o = self.options
        return {"instrumental": o.instrumental, "single_model": o.single_model,
                "wiener": o.wiener_iterations, "mono": self.mono, **self.spec.options()}

    def plan(self, items):
        """Tasks for ``items``; returns ``(tasks, skipped, refused)``: ``skipped`` counts
        inputs done as asked now, ``refused`` lists ``(item, error)`` of inputs whose
        checks failed (they are separated by nobody)."""
        done = self.manifest.read() if self.manifest is not None else {}
        key = self.options_key()
        tasks, skipped, refused = [], 0, []
        for item in items:
            try:
                state = input_state(item.path)
            except OSError:
                state = (None, None)
            record = done.get(input_key(item.path))
            if not self.force and is_done(record, fingerprint=self.fingerprint,
                                          options=key, state=state):
                skipped += 1
                continue
            paths = plan_file(item.path, self.spec, self.options.stems, item.subdir)
            ours = set(record.get("outputs") or ()) if (record and self.force) else set()
            overwrite = self.spec.exists == "overwrite" or (
                bool(ours) and all(os.path.abspath(p) in ours or not os.path.lexists(p)
                                   for p in paths))
            try:
                check_file(item.path, paths, overwrite=overwrite)
            except (MixinError, MemoryError) as exc:
                refused.append((item, exc))
                continue
            tasks.append(Task(item, paths, overwrite, state))
        return tasks, skipped, refused

    def record(self, task, *, result=None, error=None, seconds=None):
        """The manifest record of a finished task (appended to the manifest, if any)."""
        if error is None:
            record = make_record(task.item.path, state=task.state,
                                 fingerprint=self.fingerprint, options=self.options_key(),
                                 status="done", outputs=result.outputs,
                                 seconds=result.seconds)
        else:
            record = make_record(task.item.path, state=task.state,
                                 fingerprint=self.fingerprint, options=self.options_key(),
                                 status="failed", error=one_line(error),
                                 seconds=seconds or 0.0)
        self._keep(record)
        return record

    def _keep(self, record):
        """Append ``record`` to the manifest. Failures wait in memory until the manifest
        exists or a file is done, so a run that separates nothing leaves no manifest (nor an
        output folder made only for it); they would be retried by a rerun either way."""
        if self.manifest is None:
            return
        if record["status"] != "done" and not self.manifest.path.exists():
            self._held.append(record)
            return
        for held in self._held:
            self.manifest.append(held)
        self._held = []
        self.manifest.append(record)

    def refused_record(self, item, error):
        """Record an input refused by its checks (nothing was separated)."""
        task = Task(item, [])
        try:
            task.state = input_state(item.path)
        except OSError:
            pass
        return self.record(task, error=error)


def one_line(error):
    """An error as one line for the manifest."""
    if isinstance(error, MemoryError):
        return "not enough memory to separate this file"
    text = str(error) or type(error).__name__
    return " ".join(text.split())


def run_local(catalogue, tasks, separator, *, protected=(), progress_for=None, on_done=None,
              timeout=None):
    """Separate ``tasks`` one after another in this process.

    Parameters
    ----------
    catalogue : Catalogue
    tasks : list of Task
    separator : mixin_gui.engine.Separator
    protected : iterable of path-like
        Files no clean-up may remove (every input of the run).
    progress_for : callable(Task) -> callable(done, total) or None
        A per-file progress callback (its ``finish()``, where it has one, is called when
        the file is written).
    on_done : callable(Outcome) or None
        Called after each task, its record already in the manifest.
    timeout : float or None
        Seconds each file may take.

    Returns
    -------
    list of Outcome
    """
    outcomes = []
    for task in tasks:
        progress = progress_for(task) if progress_for is not None else None
        try:
            result = separate_to_files(
                separator, catalogue.options, task.item.path, task.paths,
                fmt=catalogue.spec.fmt, bit_depth=catalogue.spec.bit_depth,
                overwrite=task.overwrite, mono=catalogue.mono, protected=protected,
                progress=progress, timeout=timeout)
        except (MixinError, MemoryError) as exc:
            outcome = Outcome(task, catalogue.record(task, error=exc), error=exc)
        else:
            if hasattr(progress, "finish"):
                progress.finish()            # the per-file bar's last line
            outcome = Outcome(task, catalogue.record(task, result=result), result=result)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes
