"""Multitrack folders in, training segments out (``mixin train prepare-stems``).

A *track* is a folder holding one audio file per instrument. File names decide the role of
each file, as the original MiXiN did: a name containing ``drum`` is percussive, ``vocal`` is
vocal, ``mix`` is a provided mixture (ignored: we mix ourselves), ``accomp`` is an
accompaniment not split into stems (evaluation only), anything else is harmonic.
This covers MUSDB18-HQ (``mixture/drums/bass/other/vocals.wav``), the synthetic tracks of
``mixin train synth`` (same names) and folders of named instrument files.

Each track is cut into segments; every segment gives two folders in the data directory:

* ``TTTSSSSv``: ``harmonic.wav``, ``percussive.wav``, ``vocal.wav``, ``mix.wav`` (their sum);
* ``TTTSSSSnov``: ``harmonic.wav``, ``percussive.wav``, ``mix.wav`` (no vocals);

where ``TTT`` is the track number and ``SSSS`` the segment number, mono, 44.1 kHz, float WAV.
A track without a vocal file gives only ``nov`` folders.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import config
from ..audio.io import is_audio_name, read_audio, write_audio
from ..dsp.resample import resample, to_mono
from ..errors import AudioReadError, DatasetError

#: Files written in a segment folder with vocals, and without.
VOCAL_FILES = ("harmonic.wav", "percussive.wav", "vocal.wav", "mix.wav")
NOVOCAL_FILES = ("harmonic.wav", "percussive.wav", "mix.wav")
#: ``<track><segment><v|nov>``: track number (3 digits or more), segment number (4 digits).
SEGMENT_RE = re.compile(r"^(?P<track>\d{3,})(?P<segment>\d{4})(?P<kind>v|nov)$")


@dataclass
class StemTrack:
    """One multitrack folder and the role of each of its files."""

    path: Path
    percussive: list = field(default_factory=list)
    harmonic: list = field(default_factory=list)
    vocal: list = field(default_factory=list)
    mixture: list = field(default_factory=list)
    accompaniment: list = field(default_factory=list)

    @property
    def name(self):
        return self.path.name


def role_of(filename):
    """Role of an instrument file from its name: percussive, vocal, mixture or harmonic."""
    name = Path(filename).stem.lower()
    if "accomp" in name:
        return "accompaniment"
    if "drum" in name:
        return "percussive"
    if "vocal" in name:
        return "vocal"
    if "mix" in name:
        return "mixture"
    return "harmonic"


def find_tracks(stem_dirs, *, track_limit=None):
    """Every folder under ``stem_dirs`` that directly holds audio files, sorted by path.

    Raises
    ------
    DatasetError
        If a folder does not exist or no track is found in any of them.
    """
    tracks = []
    for root in map(Path, stem_dirs):
        if not root.is_dir():
            raise DatasetError(f"Stem folder '{root}' does not exist.")
        for folder, _, files in sorted(os.walk(root)):
            audio = sorted(f for f in files if is_audio_name(f))
            if not audio:
                continue
            track = StemTrack(Path(folder))
            for f in audio:
                getattr(track, role_of(f)).append(Path(folder) / f)
            tracks.append(track)
    if not tracks:
        raise DatasetError(
            f"No audio files were found in {', '.join(map(str, stem_dirs))}; each track "
            f"must be a folder of instrument files (drums, vocals, bass, ...).")
    return tracks[:track_limit] if track_limit and track_limit > 0 else tracks


def fingerprint(tracks):
    """A short hex digest of a set of tracks: their names, files' names and files' bytes.

    Two folders give the same fingerprint only if they hold the same audio, so a figure
    measured on a generated set (whose output can change with the installed packages) can
    be compared with a later one only where the fingerprints agree.
    """
    digest = hashlib.sha256()
    for track in sorted(tracks, key=lambda t: t.name):
        files = sorted(track.percussive + track.harmonic + track.vocal + track.mixture
                       + track.accompaniment, key=lambda p: p.name)
        for path in files:
            digest.update(f"{track.name}/{path.name}\0".encode("utf-8"))
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def load_track(track, *, channels="mono", accompaniment=False):
    """Decode a track's files and sum them by role.

    Parameters
    ----------
    track : StemTrack
    channels : {"mono", "keep"}
        ``"mono"`` averages channels (training); ``"keep"`` keeps the files' channels
        (evaluation), which must then agree.
    accompaniment : bool
        Accept an ``accompaniment`` file (everything but the vocal, not split into
        harmonic and percussive; evaluation only): it is returned as ``accompaniment`` and
        is part of ``mix``, and the track needs no drums or harmonic file.

    Returns
    -------
    dict of str to np.ndarray, each shape (frames,) or (frames, channels), float32
        ``harmonic``, ``percussive``, ``vocal`` (zeros when the track has no vocal file)
        at 44.1 kHz, and ``mix``, their sum (a provided mixture file is ignored).

    Raises
    ------
    DatasetError
        No drums, no harmonic instrument, or files of different lengths, rates or channels.
    """
    roles = ("harmonic", "percussive", "vocal")
    if track.accompaniment:
        if not accompaniment:
            raise DatasetError(f"Track '{track.name}' has an accompaniment file, which is not "
                               f"split into harmonic and percussive, so it cannot train.")
        roles += ("accompaniment",)
    elif not track.percussive:
        raise DatasetError(f"Track '{track.name}' has no drums file (a name containing "
                           f"'drum'), so it has no percussive stem.")
    elif not track.harmonic:
        raise DatasetError(f"Track '{track.name}' has no harmonic instrument file "
                           f"(anything but drums, vocals and the mixture).")
    decoded = {}
    for role in roles:
        for path in getattr(track, role):
            decoded[path] = _read(track, path, channels)
    shapes = {(a.shape, sr) for a, sr in decoded.values()}
    if len(shapes) > 1:
        detail = ", ".join(f"{p.name}: {a.shape[0]} frames at {sr} Hz"
                           for p, (a, sr) in decoded.items())
        raise DatasetError(f"Track '{track.name}' has stems of different lengths, rates or "
                           f"channel counts ({detail}).")
    (shape, sr), = shapes
    out = {}
    for role in roles:
        parts = [decoded[p][0] for p in getattr(track, role)]
        total = np.sum(parts, axis=0) if parts else np.zeros(shape, np.float32)
        out[role] = _to_model_rate(total, sr)
    out["mix"] = sum(out[role] for role in roles)
    return out


def _read(track, path, channels):
    try:
        audio, sr = read_audio(path)
    except AudioReadError as exc:
        raise DatasetError(f"Track '{track.name}': {exc}") from None
    return (to_mono(audio) if channels == "mono" else audio), sr


def _to_model_rate(x, sr):
    if sr == config.SAMPLE_RATE:
        return x.astype(np.float32, copy=False)
    y = resample(x.reshape(len(x), -1), sr, config.SAMPLE_RATE)
    return y[:, 0] if x.ndim == 1 else y


def segment_bounds(n_frames, *, duration, offset=0, limit=None):
    """Start and stop samples of the whole segments of a signal.

    Parameters
    ----------
    n_frames : int
        Length of the track in samples at 44.1 kHz.
    duration : float
        Segment length in seconds.
    offset : int
        Segments to skip at the start (intros are often quiet).
    limit : int or None
        At most this many segments per track.

    Returns
    -------
    list of (int, int, int)
        ``(segment_number, start, stop)``; a partial last segment is dropped.
    """
    seg = int(round(duration * config.SAMPLE_RATE))
    if seg < config.CHUNK_SIZE:
        raise DatasetError(f"Segments of {duration} s are shorter than one model chunk "
                           f"({config.CHUNK_SIZE / config.SAMPLE_RATE:.2f} s).")
    numbers = range(offset, n_frames // seg)
    if limit is not None and limit > 0:
        numbers = numbers[:limit]
    return [(i, i * seg, (i + 1) * seg) for i in numbers]


def segment_name(track_number, segment_number, vocal):
    """Folder name of a segment: ``TTTSSSSv`` or ``TTTSSSSnov``."""
    return f"{track_number:03d}{segment_number:04d}{'v' if vocal else 'nov'}"


def write_segments(stems, data_dir, track_number, bounds, *, has_vocal):
    """Write the segment folders of one track; returns the folder names written."""
    written = []
    nov_mix = stems["harmonic"] + stems["percussive"]
    for number, start, stop in bounds:
        piece = {k: v[start:stop] for k, v in stems.items()}
        kinds = [(True, piece["mix"]), (False, nov_mix[start:stop])] if has_vocal \
            else [(False, nov_mix[start:stop])]
        for vocal, mix in kinds:
            folder = Path(data_dir) / segment_name(track_number, number, vocal)
            folder.mkdir(parents=True, exist_ok=True)
            files = {"harmonic.wav": piece["harmonic"], "percussive.wav": piece["percussive"],
                     "mix.wav": mix}
            if vocal:
                files["vocal.wav"] = piece["vocal"]
            for name, signal in files.items():
                write_audio(folder / name, signal, config.SAMPLE_RATE, overwrite=True)
            written.append(folder.name)
    return written


def prepare_stems(stem_dirs, data_dir, *, segment_duration=30.0, segment_offset=0,
                  track_limit=None, segment_limit=None, jobs=None, progress=None):
    """Cut multitrack folders into vocal / no-vocal segment folders in ``data_dir``.

    Tracks are processed in parallel threads (decoding, resampling and writing release the
    GIL). ``progress(done, total)`` is called after each track.

    Returns
    -------
    dict
        ``{"tracks": n_tracks, "segments": n_folders, "skipped": [track names too short]}``.

    Raises
    ------
    DatasetError
        Empty or missing stem folders, a track without drums, stems that do not line up,
        or a data directory that already holds segments.
    """
    tracks = find_tracks(stem_dirs, track_limit=track_limit)
    data_dir = Path(data_dir)
    if data_dir.is_dir() and any(SEGMENT_RE.match(p.name) for p in data_dir.iterdir()):
        raise DatasetError(f"Data folder '{data_dir}' already holds prepared segments; "
                           f"delete it or choose another --data-dir.")
    data_dir.mkdir(parents=True, exist_ok=True)

    def one(numbered):
        number, track = numbered
        stems = load_track(track)
        bounds = segment_bounds(len(stems["mix"]), duration=segment_duration,
                                offset=segment_offset, limit=segment_limit)
        has_vocal = bool(track.vocal) and bool(np.any(stems["vocal"]))
        return track.name, write_segments(stems, data_dir, number, bounds,
                                          has_vocal=has_vocal)

    done, folders, skipped = 0, 0, []
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        for name, written in pool.map(one, enumerate(tracks)):
            done += 1
            folders += len(written)
            if not written:
                skipped.append(name)
            if progress:
                progress(done, len(tracks))
    return {"tracks": len(tracks), "segments": folders, "skipped": skipped}


def list_segments(data_dir):
    """Prepared segment folders grouped by track.

    Returns
    -------
    dict of int to dict of int to dict of str to Path
        ``{track: {segment: {"v": folder, "nov": folder}}}`` (either kind may be absent).

    Raises
    ------
    DatasetError
        If ``data_dir`` holds no segment folders, or a folder lacks one of its files.
    """
    data_dir = Path(data_dir)
    found = {}
    for p in sorted(data_dir.iterdir()) if data_dir.is_dir() else []:
        m = SEGMENT_RE.match(p.name)
        if not (m and p.is_dir()):
            continue
        needed = VOCAL_FILES if m["kind"] == "v" else NOVOCAL_FILES
        missing = [f for f in needed if not (p / f).is_file()]
        if missing:
            raise DatasetError(f"Segment folder '{p}' lacks {', '.join(missing)}; "
                               f"run prepare-stems again.")
        found.setdefault(int(m["track"]), {}).setdefault(int(m["segment"]), {})[
            m["kind"]] = p
    if not found:
        raise DatasetError(f"No prepared segments in '{data_dir}'; run "
                           f"'mixin train prepare-stems' first.")
    return found
