"""Rendering many synthetic tracks into a folder, in parallel, resumably.

Tracks are numbered from 0; track ``i`` of seed ``S`` is always the same song, so a second
run with more hours keeps the folders already written and adds the rest.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from ..errors import MixinError
from . import resources, track


def plan_tracks(seed, hours, duration=None):
    """``[(index, name, seconds), ...]`` until the planned songs reach ``hours``."""
    out, total, index = [], 0.0, 0
    while total < hours * 3600.0:
        song = track.plan(seed, index, duration=duration)
        seconds = song.duration + track.TAIL_SECONDS
        out.append((index, track.track_name(seed, index, song), seconds))
        total += seconds
        index += 1
    return out


def is_complete(folder):
    """Whether ``folder`` holds every stem, the mixture and the song description."""
    return all((folder / f"{n}.wav").is_file() for n in (*track.STEM_NAMES, "mixture")) and \
        (folder / "synth.json").is_file()


def _render_one(job):
    seed, index, folder, duration, overwrite, styles = job
    stems, mixture, info = track.render_track(seed, index, duration=duration,
                                              vocal_styles=styles)
    track.write_track(folder, stems, mixture, info, overwrite=overwrite)
    return info["duration"]


def render_tracks(out, *, hours, seed=0, jobs=1, duration=None, overwrite=False,
                  progress=None, vocal_styles=None):
    """Write MUSDB-style track folders into ``out`` until they hold ``hours`` of audio.

    Parameters
    ----------
    out : path-like
    hours : float
    seed : int
    jobs : int
        Tracks rendered at once (separate processes).
    duration : float or None
        Fixed track length in seconds instead of one drawn per song (quick tests).
    overwrite : bool
        Render again tracks whose folders are already complete.
    progress : callable(done, total, seconds_of_audio) or None
    vocal_styles : sequence of str or None
        Round-5 vocal styles drawn per sung track (``track.render_track``).

    Returns
    -------
    planned, rendered : int
        Tracks in the plan, and tracks rendered by this call (the rest were there).
    """
    if hours <= 0:
        raise MixinError("--hours must be positive.")
    resources.check()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    planned = plan_tracks(seed, hours, duration)
    styles = tuple(vocal_styles) if vocal_styles else None
    todo = [(seed, i, out / name, duration, overwrite, styles) for i, name, _ in planned
            if overwrite or not is_complete(out / name)]
    seconds = 0.0
    if progress:
        progress(0, len(todo), seconds)
    if todo and jobs > 1:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(min(jobs, len(todo))) as pool:
            results = pool.imap_unordered(_render_one, todo)
            for k, dur in enumerate(results, 1):
                seconds += dur
                if progress:
                    progress(k, len(todo), seconds)
    else:
        for k, job in enumerate(todo, 1):
            seconds += _render_one(job)
            if progress:
                progress(k, len(todo), seconds)
    return len(planned), len(todo)
