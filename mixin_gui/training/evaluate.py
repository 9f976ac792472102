"""BSSv4 evaluation of model directories and of the HPSS baseline (``mixin evaluate``).

Each track of the stem folders is mixed as prepare-stems mixes it (harmonic = every stem
but drums and vocals, percussive = drums, vocal = vocals, mix = their sum), separated by
every method, and scored with museval's BSS Eval v4 on 1 s windows; a track's score is the
median over its windows, as SiSEC reports them. Windows where a reference is silent give
NaN in BSS Eval and are left out of the median.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import config
from ..config import SeparationOptions
from ..errors import DatasetError
from .multitrack import find_tracks, load_track

METRICS = ("SDR", "SIR", "SAR", "ISR")
#: Scores are clipped to +-this many dB: beyond it BSS Eval measures rounding, and an exact
#: estimate (zero error) would otherwise give an infinite SDR that JSON cannot hold.
DB_LIMIT = 300.0
HPSS = "hpss"


@lru_cache(maxsize=1)
def _bss_eval():
    """museval's BSS Eval v4 function.

    ``museval/metrics.py`` needs only numpy and scipy, but importing the ``museval``
    package also imports musdb and stempeg, which refuse to load without an ffmpeg
    binary. The metrics module is therefore loaded from its file on its own.
    """
    spec = importlib.util.find_spec("museval")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError("Evaluation needs the museval package; install it with "
                           "'pip install museval'.")
    path = Path(spec.submodule_search_locations[0]) / "metrics.py"
    mspec = importlib.util.spec_from_file_location("_mixin_museval_metrics", path)
    module = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(module)
    return module.bss_eval


def bss_scores(references, estimates, *, sr=config.SAMPLE_RATE):
    """Median BSSv4 SDR / SIR / SAR / ISR of each estimated stem.

    Parameters
    ----------
    references, estimates : dict of str to np.ndarray, shape (frames, channels)
        Same keys and shapes; every key is one source of the evaluation.
    sr : int
        Sample rate; windows and hops are one second.

    Returns
    -------
    dict of str to dict of str to float
        ``{stem: {"SDR": dB, "SIR": dB, "SAR": dB, "ISR": dB}}``, within
        +-:data:`DB_LIMIT`; NaN when every window of a stem was silent.
    """
    stems = list(references)
    ref = np.stack([_frames(references[s]) for s in stems]).astype(np.float64)
    est = np.stack([_frames(estimates[s]) for s in stems]).astype(np.float64)
    sdr, isr, sir, sar, _ = _bss_eval()(ref, est, window=sr, hop=sr,
                                        compute_permutation=False,
                                        framewise_filters=False,
                                        bsseval_sources_version=False)
    values = {"SDR": sdr, "SIR": sir, "SAR": sar, "ISR": isr}
    return {s: {m: _median(values[m][i]) for m in METRICS} for i, s in enumerate(stems)}


def _frames(x):
    x = np.asarray(x)
    return x[:, None] if x.ndim == 1 else x


def _median(row):
    row = np.asarray(row, dtype=np.float64)
    row = np.clip(row[~np.isnan(row)], -DB_LIMIT, DB_LIMIT)
    return float(np.median(row)) if row.size else float("nan")


def hpss_estimates(mix, sr, *, kernel_size=31, n_fft=2048):
    """Median-filtering HPSS of librosa (Fitzgerald 2010): the reference row.

    Parameters
    ----------
    mix : np.ndarray, shape (frames, channels) or (frames,)
    kernel_size : int
        Median filter length in frames and bins (librosa's default).

    Returns
    -------
    dict of str to np.ndarray, shaped as ``mix``
        ``harmonic`` and ``percussive``.
    """
    try:
        import librosa
    except ImportError:
        raise DatasetError("The HPSS baseline needs librosa; install it with "
                           "pip install 'mixin-gui[train]'.") from None

    x = _frames(mix)
    out = {"harmonic": np.zeros_like(x), "percussive": np.zeros_like(x)}
    for ch in range(x.shape[1]):
        spec = librosa.stft(x[:, ch], n_fft=n_fft)
        harm, perc = librosa.decompose.hpss(spec, kernel_size=kernel_size)
        out["harmonic"][:, ch] = librosa.istft(harm, length=len(x))
        out["percussive"][:, ch] = librosa.istft(perc, length=len(x))
    return {k: v.reshape(np.shape(mix)) for k, v in out.items()}


class _ModelMethod:
    """Separation with the models of one directory (instrumental if it has no vocal)."""

    def __init__(self, model_dir, wiener_iterations=None):
        from ..engine import Separator
        from ..model.discovery import model_stems

        instrumental = model_stems(model_dir) == config.INSTRUMENTAL_STEMS
        self.options = SeparationOptions(instrumental=instrumental,
                                         wiener_iterations=wiener_iterations)
        self.separator = Separator(model_dir, stems=self.options.stems)
        self.stems = self.options.stems

    def __call__(self, mix, sr):
        stems = self.separator.separate(mix, sr, self.options)
        return {s: stems[s] for s in self.stems}


class _HpssMethod:
    stems = ("harmonic", "percussive")

    def __call__(self, mix, sr):
        return hpss_estimates(mix, sr)


def method_labels(model_dirs, baseline=None):
    """Column labels: each directory's name, or its full path where names repeat."""
    names = [Path(d).name or str(d) for d in model_dirs]
    labels = [str(d) if names.count(n) > 1 else n for d, n in zip(model_dirs, names)]
    return labels + ([HPSS] if baseline == HPSS else [])


def evaluate(stem_dirs, model_dirs, *, baseline=None, track_limit=None, progress=None,
             mono=False, wiener_iterations=None):
    """Score every method on every track.

    Parameters
    ----------
    stem_dirs : list of path-like
        Multitrack folders (the layouts prepare-stems reads).
    model_dirs : list of path-like
        Model directories, compared side by side.
    baseline : {None, "hpss"}
    progress : callable(done, total) or None
        Called after each track.
    mono : bool
        Mix every track down to mono first (references, mix and so the estimates), as
        mono benchmarks score; otherwise the files' channels are kept.
    wiener_iterations : int or None
        Stereo Wiener post-filter steps for every model directory (``None``: each set's
        recommendation; see ``SeparationOptions``).

    Returns
    -------
    dict
        ``{method: {track: {stem: {"SDR": x, "SIR": x, "SAR": x, "ISR": x}}}}``.
    """
    tracks = find_tracks(stem_dirs, track_limit=track_limit)
    methods = [_ModelMethod(d, wiener_iterations) for d in model_dirs]
    if baseline == HPSS:
        methods.append(_HpssMethod())
    elif baseline:
        raise DatasetError(f"Unknown baseline '{baseline}'; the only one is 'hpss'.")
    labels = method_labels(model_dirs, baseline)
    results = {label: {} for label in labels}
    names = _track_names(tracks)
    for done, (track, name) in enumerate(zip(tracks, names), 1):
        refs = load_track(track, channels="mono" if mono else "keep", accompaniment=True)
        has_vocal = bool(track.vocal) and bool(np.any(refs["vocal"]))
        for label, method in zip(labels, methods):
            if track.accompaniment and "vocal" not in method.stems:
                continue  # its accompaniment would be the mix itself: nothing to score
            est = method(refs["mix"], config.SAMPLE_RATE)
            if track.accompaniment:
                refs_, est = _accompaniment_pair(refs, est, method.stems)
            else:
                refs_ = refs
            # a silent reference (no vocal, or an orchestral piece without drums) has no
            # SDR: BSSv4 refuses all-zero sources, so the stem is left out for that track
            stems = [s for s in refs_ if s in est and (s != "vocal" or has_vocal)
                     and np.any(refs_[s])]
            results[label][name] = bss_scores({s: refs_[s] for s in stems},
                                              {s: est[s] for s in stems})
        if progress:
            progress(done, len(tracks))
    return results


def _accompaniment_pair(refs, est, stems):
    """References and estimates of a track with an accompaniment file: ``accompaniment``
    (everything but the vocal; estimated as the sum of the non-vocal stems) and ``vocal``."""
    rest = [s for s in stems if s != "vocal"]
    refs_ = {"accompaniment": refs["harmonic"] + refs["percussive"] + refs["accompaniment"],
             "vocal": refs["vocal"]}
    est_ = {"accompaniment": sum(est[s] for s in rest), "vocal": est["vocal"]}
    return refs_, est_


def _track_names(tracks):
    names = [t.name for t in tracks]
    return [f"{t.path.parent.name}/{t.name}" if names.count(t.name) > 1 else t.name
            for t in tracks]


def median_over_tracks(per_track):
    """``{stem: {metric: median over tracks}}`` of one method's results."""
    out = {}
    for stem in (*config.STEMS, "accompaniment"):
        rows = [scores[stem] for scores in per_track.values() if stem in scores]
        if rows:
            out[stem] = {m: _median([r[m] for r in rows]) for m in METRICS}
    return out


def format_table(results):
    """A plain-text table: one row per track, method and stem, then the medians."""
    head = f"{'track':<28} {'method':<22} {'stem':<11}" + "".join(f"{m:>8}" for m in METRICS)
    lines = [head, "-" * len(head)]

    def row(track, label, stem, scores):
        vals = "".join(f"{scores[m]:8.2f}" for m in METRICS)
        lines.append(f"{track[:28]:<28} {label[:22]:<22} {stem:<11}{vals}")

    tracks = sorted({t for per in results.values() for t in per})
    for track in tracks:
        for label, per in results.items():
            for stem, scores in per.get(track, {}).items():
                row(track, label, stem, scores)
    lines.append("-" * len(head))
    for label, per in results.items():
        for stem, scores in median_over_tracks(per).items():
            row("MEDIAN over tracks", label, stem, scores)
    return "\n".join(lines)


def write_json(results, path):
    """Write ``{track: {stem: {metric: x}}}`` for one method, else keyed by method first.

    NaN is written as ``null`` so the file is strict JSON.
    """
    data = next(iter(results.values())) if len(results) == 1 else results

    def clean(obj):
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        return None if isinstance(obj, float) and not np.isfinite(obj) else obj

    Path(path).write_text(json.dumps(clean(data), indent=2) + "\n", encoding="utf-8")
    return Path(path)
