"""Catalogue runs on Dask distributed: a local cluster of worker processes (``--jobs N``)
or an existing scheduler (``--scheduler tcp://HOST:PORT``) whose workers see the same paths.

The client plans the tasks and is the only writer of the manifest; a worker separates one
file per task and writes its stems atomically. Each worker process loads the models once
and keeps them for every later file of the run (:func:`_separator`). A worker that dies
mid-file has its file rescheduled by the scheduler (its ``allowed-failures``, 3 by
default); a file that keeps killing workers is recorded ``failed`` with "worker died".

This is the only module that imports ``dask.distributed``, and only when a run asks for it.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from ..errors import MixinError
from .job import FileResult, separate_to_files
from .run import Outcome, one_line

#: Separators loaded in this worker process: (model folder, stems, threads, device) to one.
_LOADED = {}


def _separator(model_dir, stems, threads, device):
    key = (str(model_dir), tuple(stems), int(threads), device)
    if key not in _LOADED:
        from ..engine import Separator

        _LOADED.clear()                      # one set at a time: a worker's memory is bounded
        _LOADED[key] = Separator(model_dir, stems=stems, threads=threads, device=device)
    return _LOADED[key]


def work(job):
    """Separate one file on a worker; returns a plain dict (``status`` ``done`` with
    ``outputs``, ``clipped``, ``seconds``, ``duration``; or ``failed`` with ``error``).

    Errors a user can cause come back as ``failed``; anything else (a crash) is the
    scheduler's to retry elsewhere.
    """
    from ..config import SeparationOptions

    started = time.perf_counter()
    threads = _threads(job)
    try:
        options = SeparationOptions(**job["options"])
        sep = _separator(job["model_dir"], options.stems, threads, job["device"])
        result = separate_to_files(sep, options, job["input"], job["paths"],
                                   fmt=job["fmt"], bit_depth=job["bit_depth"],
                                   overwrite=job["overwrite"], mono=job["mono"],
                                   protected=job["protected"], timeout=job["timeout"])
    except (MixinError, MemoryError) as exc:
        return {"status": "failed", "error": one_line(exc),
                "seconds": time.perf_counter() - started}
    return {"status": "done", "outputs": [str(p) for p in result.outputs],
            "clipped": {str(p): v for p, v in result.clipped.items()},
            "seconds": result.seconds, "duration": result.duration}


def workers_per_host(client):
    """How many worker processes each host (by address) runs, from the scheduler."""
    counts = {}
    for w in client.scheduler_info()["workers"].values():
        counts[w["host"]] = counts.get(w["host"], 0) + 1
    return counts


def _threads(job):
    """Runtime threads for this worker: ``job["threads"]`` if given, else this machine's
    cores shared among the worker processes on it (at least 1)."""
    if job["threads"]:
        return int(job["threads"])
    from distributed import get_worker

    host = get_worker().address.rpartition(":")[0].rpartition("/")[2]
    return max(1, (os.cpu_count() or 1) // job["workers"].get(host, 1))


def _jobs(catalogue, tasks, threads, workers, protected, timeout, device):
    o = catalogue.options
    options = {"instrumental": o.instrumental, "single_model": o.single_model,
               "overlap": o.overlap, "batch_size": o.batch_size,
               "wiener_iterations": o.wiener_iterations}
    return [{"input": str(t.item.path), "paths": [str(p) for p in t.paths],
             "overwrite": t.overwrite, "model_dir": str(catalogue.model_dir),
             "options": options, "fmt": catalogue.spec.fmt,
             "bit_depth": catalogue.spec.bit_depth, "mono": catalogue.mono,
             "protected": [str(p) for p in protected], "timeout": timeout,
             "threads": threads, "workers": workers, "device": device} for t in tasks]


def open_client(*, scheduler=None, jobs=None):
    """A Dask client: of the scheduler at ``scheduler``, or of a new local cluster of
    ``jobs`` single-threaded worker processes on 127.0.0.1. Returns ``(client, close)``."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise MixinError("Parallel and cluster runs need Dask: pip install "
                         "'mixin-gui[cluster]' (make setup installs it).") from None
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise MixinError(f"Cannot reach the Dask scheduler at '{scheduler}': "
                             f"{one_line(exc)}.") from None
        return client, client.close
    with dask.config.set({"distributed.scheduler.allowed-failures": 3}):
        cluster = LocalCluster(n_workers=int(jobs), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
    client = Client(cluster)

    def close():
        client.close()
        cluster.close()
    return client, close


def run_dask(catalogue, tasks, *, scheduler=None, jobs=None, protected=(), on_done=None,
             timeout=None, device="cpu", threads=None):
    """Separate ``tasks`` on Dask workers; the manifest is written here, as each finishes.

    Parameters are those of :func:`mixin_gui.batch.run.run_local`, and ``scheduler`` (an
    address) or ``jobs`` (local worker processes), ``device`` and ``threads`` (runtime
    threads per worker; None: a host's cores shared among its workers).

    Returns
    -------
    list of Outcome
    """
    if not tasks:
        return []
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    client, close = open_client(scheduler=scheduler, jobs=jobs)
    futures = []
    try:
        jobs_ = _jobs(catalogue, tasks, threads, workers_per_host(client), protected,
                      timeout, device)
        futures = [client.submit(work, job, pure=False, key=f"mixin-{i}-{os.getpid()}-"
                                 f"{time.monotonic_ns()}") for i, job in enumerate(jobs_)]
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        outcomes = []
        for future in as_completed(futures):
            task = by_key[future.key]
            try:
                answer = future.result()
            except KilledWorker:
                answer = {"status": "failed", "seconds": 0.0,
                          "error": "worker died while separating it, on every try"}
            except Exception as exc:  # noqa: BLE001 - a worker's crash, in one line
                answer = {"status": "failed", "seconds": 0.0, "error": one_line(exc)}
            if answer["status"] == "done":
                result = FileResult([Path(p) for p in answer["outputs"]],
                                    {Path(p): v for p, v in answer["clipped"].items()},
                                    answer["seconds"], answer["duration"])
                outcome = Outcome(task, catalogue.record(task, result=result), result=result)
            else:
                err = MixinError(answer["error"])
                outcome = Outcome(task, catalogue.record(task, error=err,
                                                         seconds=answer["seconds"]),
                                  error=err)
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
        return outcomes
    finally:
        for f in futures:
            f.cancel()
        close()
