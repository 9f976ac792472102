"""The manifest: one JSON line per input separated or failed, so that a catalogue run can
stop anywhere (even killed) and go on where it was.

Each record holds ``input`` (absolute path), ``size`` and ``mtime`` (of the input when it
was read), ``model`` (the set's fingerprint), ``options`` (what changes the output),
``status`` (``done`` or ``failed``), ``outputs``, ``error`` (one line) and ``seconds``. The
last record of an input decides. A record is appended with one ``write`` on a descriptor
opened for appending and synced, so a run killed meanwhile leaves at most a torn last line,
which :meth:`Manifest.read` ignores.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

#: The manifest's name in the output folder, where no other is given.
MANIFEST_NAME = "mixin-manifest.jsonl"
#: Files of a model set whose bytes make its fingerprint: weights, runtime graphs, cards.
_MODEL_FILES = (".keras", ".h5", ".onnx", ".json")


def model_fingerprint(model_dir):
    """``<set name>:<16 hex digits>``: the folder's name and a hash of its model files'
    names and bytes (weights and cards), so a set retrained at the same path differs."""
    folder = Path(model_dir)
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if path.name.startswith("model_") and path.suffix in _MODEL_FILES and path.is_file():
            digest.update(path.name.encode() + b"\0")
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return f"{folder.resolve().name}:{digest.hexdigest()[:16]}"


def input_key(path):
    """The manifest's name for an input: its absolute path (links not resolved)."""
    return os.path.abspath(os.fspath(path))


def input_state(path):
    """``(size, mtime)`` of an input, as the manifest compares them."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


class Manifest:
    """A JSON Lines manifest at ``path`` (created with the first record)."""

    def __init__(self, path):
        self.path = Path(path)

    def read(self):
        """The last record of every input, ``{input: record}``; unreadable lines (a torn
        last line, a line a person mangled) are left out."""
        last = {}
        try:
            with open(self.path, "rb") as f:
                lines = f.read().split(b"\n")
        except FileNotFoundError:
            return last
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and isinstance(rec.get("input"), str):
                last[rec["input"]] = rec
        return last

    def append(self, record):
        """Add one record (a dict of JSON values) as one line, durably."""
        data = json.dumps(record, sort_keys=True).encode("ascii") + b"\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            size = os.fstat(fd).st_size
            if size and _last_byte(self.path, size) != b"\n":
                data = b"\n" + data          # after a torn line, start a fresh one
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def outputs(self):
        """Every output any record names (absolute paths), so a folder walk skips them."""
        return {os.path.abspath(p) for rec in self.read().values()
                for p in rec.get("outputs") or ()}


def _last_byte(path, size):
    with open(path, "rb") as f:
        f.seek(size - 1)
        return f.read(1)


def is_done(record, *, fingerprint, options, state):
    """Whether ``record`` says its input is separated as asked now: ``done`` with the same
    model fingerprint, options, size and mtime, and every output still there."""
    return (record is not None and record.get("status") == "done"
            and record.get("model") == fingerprint and record.get("options") == options
            and [record.get("size"), record.get("mtime")] == list(state)
            and bool(record.get("outputs"))
            and all(os.path.isfile(p) for p in record["outputs"]))


def make_record(path, *, state, fingerprint, options, status, outputs=(), error=None,
                seconds=0.0):
    """A manifest record (see the module's docstring)."""
    size, mtime = state if state is not None else (None, None)
    return {"input": input_key(path), "size": size, "mtime": mtime, "model": fingerprint,
            "options": options, "status": status,
            "outputs": [os.path.abspath(os.fspath(p)) for p in outputs],
            "error": error, "seconds": round(float(seconds), 3)}
