"""Training curves as PNG files (matplotlib's Agg backend: files only, never a window)."""

from __future__ import annotations

import csv
from pathlib import Path


def read_log(csv_path):
    """Columns of a Keras CSV log as ``{name: [float per epoch]}``."""
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows] for k in (rows[0] if rows else {})}


def plot_history(csv_path, out_dir, stem):
    """Write ``<stem>_train_loss.png`` and ``<stem>_train_mae.png`` into ``out_dir``.

    Returns
    -------
    list of Path
        The files written (none when the log is empty).
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    log = read_log(csv_path)
    if not log.get("epoch"):
        return []
    epochs = [e + 1 for e in log["epoch"]]
    written = []
    for metric in ("loss", "mae"):
        fig = Figure(figsize=(6, 4), dpi=100)
        ax = fig.add_subplot()
        for key, label in ((metric, "train"), (f"val_{metric}", "validation")):
            if key in log:
                ax.plot(epochs, log[key], marker="o", label=label)
        ax.set(title=f"{stem} model {metric.upper()}", xlabel="epoch", ylabel=metric)
        ax.grid(alpha=0.3)
        ax.legend()
        path = Path(out_dir) / f"{stem}_train_{metric}.png"
        fig.savefig(path)
        written.append(path)
    return written
