"""A real dev set from the installed real recordings (``mixin train devset --out DIR``).

Three kinds of track, each a MUSDB-layout folder (stems and ``mixture.wav``, 44.1 kHz stereo
float) that ``mixin evaluate --stem-dirs DIR`` scores:

Only the Frets on Fire songs whose band holds no voice are used (the Sectoid pack; see
:data:`.realsources.FOF_PACKS_WITH_VOICE`).

* ``fof-<song>``: a Frets on Fire guitar (``other.wav``) over its own band
  (``accompaniment.wav``: drums, bass and keys in one file, so not split into harmonic and
  percussive). The evaluator scores the *accompaniment* (everything but the vocal): what a
  model wrongly moves into its vocal stem.
* ``speech-fof-<song>``: real speech (gcin-voice syllables strung into lines,
  ``vocals.wav``) over a Frets on Fire song, guitar included (``accompaniment.wav``):
  vocal and accompaniment scores.
* ``piano-<loop>`` and ``speech-piano-<loop>``: the Salamander piano playing composed chords
  (``other.wav``) over a recorded drum loop (``drums.wav``) at its tempo, some with real
  speech: harmonic, percussive (and vocal) scores.

Nothing reserved for judging is used (no MUSDB18, iKala, vocadito, csoundqt or audioflux
singing, nothing from ``../shared/audio``). The set is fixed by its seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from ..dsp.resample import resample
from ..errors import DatasetError
from . import composition, drumkits, instruments, realsources, sampler, vocals
from .resources import SR, load_sample
from .track import write_track

ACTIVE_DBFS = -20.0  # RMS every stem is brought to before the mix offsets


def _excerpt(path, start_s, seconds):
    """``seconds`` of a file from ``start_s`` (earlier if the file is short), stereo 44.1 kHz."""
    info = sf.info(str(path))
    n = int(seconds * info.samplerate)
    start = int(max(0, min(start_s * info.samplerate, info.frames - n)))
    audio, sr = sf.read(str(path), start=start, frames=n, dtype="float32", always_2d=True)
    audio = np.repeat(audio, 2, axis=1) if audio.shape[1] == 1 else audio[:, :2]
    if sr != SR:
        audio = resample(audio, sr, SR)
    out = np.zeros((int(seconds * SR), 2), np.float32)
    out[:min(len(out), len(audio))] = audio[:len(out)]
    return out


def _at_db(audio, db):
    rms = float(np.sqrt(np.mean(audio ** 2)))
    return audio * np.float32(10 ** (db / 20) / rms) if rms > 0 else audio


def speech(rng, n_frames, speaker):
    """Lines of real gcin-voice syllables with pauses between them, (n_frames, 2) float32."""
    voice = vocals.Voice("gcin", speaker, vocals.GCIN_SPEAKERS[speaker], 0)
    out = np.zeros(n_frames, np.float32)
    pos = int(rng.uniform(0.2, 1.0) * SR)
    while pos < n_frames:
        line, _ = vocals.gcin_line(rng, voice, int(rng.integers(5, 13)))
        m = min(len(line), n_frames - pos)
        out[pos:pos + m] = line[:m]
        pos += len(line) + int(rng.uniform(0.3, 1.2) * SR)
    return np.repeat(out[:, None], 2, axis=1)


def piano_over_loop(rng, seconds, loop):
    """Composed piano chords at a drum loop's tempo, and the loop: ``(piano, drums)``."""
    where, name, beats = loop
    audio = load_sample(drumkits._break_path(where, name))
    bpm = beats * 60.0 * SR / len(audio)
    while bpm < 70:
        bpm *= 2
    while bpm > 170:
        bpm /= 2
    song = composition.compose(rng, duration=seconds + 4, vocals=False)
    song.bpm, song.swing = bpm, 0.0
    style = str(rng.choice(["sustain", "quarters", "broken", "eighths"]))
    n = int(seconds * SR)
    notes = [(s, d, p, v) for s, d, p, v in instruments.part_notes(rng, song, "comp", style)
             if s < seconds]
    piano = sampler.render("salamander", notes, n)
    loop_audio = np.asarray(audio, np.float32)  # the tempo follows the loop, unchanged
    drums = np.zeros((n, 2), np.float32)
    for pos in range(0, n, len(loop_audio)):
        m = min(len(loop_audio), n - pos)
        drums[pos:pos + m] = loop_audio[:m]
    return piano, drums


def _finish(stems):
    """Stems brought to a shared peak below full scale, and their mixture."""
    mixture = sum(stems.values())
    peak = float(np.abs(mixture).max())
    g = np.float32(0.9 / peak) if peak > 0.9 else np.float32(1.0)
    stems = {k: v * g for k, v in stems.items()}
    return stems, sum(stems.values())


def _loops():
    return [b for b in drumkits.BREAKS if drumkits._break_path(b[0], b[1]).is_file()]


def plan(seed=0):
    """``[(name, kind, source), ...]`` of the tracks the installed material allows."""
    songs, loops = realsources.fof_songs(), _loops()
    have_piano = sampler.instrument("salamander") is not None
    have_voice = bool(realsources.gcin_syllables("5") or realsources.gcin_syllables("3"))
    out = [(f"fof-{s[0]}", "fof", s) for s in songs]
    if have_voice:
        out += [(f"speech-fof-{s[0]}", "speech-fof", s) for s in songs]
    if have_piano:
        out += [(f"piano-{l[1].split('/')[-1].rsplit('.', 1)[0]}", "piano", l) for l in loops]
        if have_voice:
            out += [(f"speech-piano-{l[1].split('/')[-1].rsplit('.', 1)[0]}", "speech-piano", l)
                    for l in loops[1::3]]
    return [(name.replace(" ", "_").lower(), kind, src) for name, kind, src in out]


def render(seed, index, kind, source, seconds):
    """The stems of one dev track: ``{file stem: (frames, 2) float32}``."""
    rng = np.random.default_rng([int(seed), int(index), 15])
    n = int(seconds * SR)
    speaker = str(rng.choice(["5", "3"]))
    if kind == "fof":
        _, guitar, song = source
        start = float(rng.uniform(30, 60))
        return {"other": _excerpt(guitar, start, seconds),
                "accompaniment": _excerpt(song, start, seconds)}
    if kind == "speech-fof":
        _, guitar, song = source
        start = float(rng.uniform(70, 110))
        band = _excerpt(guitar, start, seconds) + _excerpt(song, start, seconds)
        band = _at_db(band, ACTIVE_DBFS)
        voice = _at_db(speech(rng, n, speaker), ACTIVE_DBFS + rng.uniform(-3, 3))
        return {"vocals": voice, "accompaniment": band}
    piano, drums = piano_over_loop(rng, seconds, source)
    stems = {"other": _at_db(piano, ACTIVE_DBFS),
             "drums": _at_db(drums, ACTIVE_DBFS + rng.uniform(-4, 2))}
    if kind == "speech-piano":
        stems["vocals"] = _at_db(speech(rng, n, speaker), ACTIVE_DBFS + rng.uniform(-3, 3))
    return stems


def refuse_taken(out, names, overwrite):
    """``Path(out)``; raises :class:`DatasetError` where a folder of ``names`` is there
    already and ``overwrite`` is false (nothing of a user's is replaced unasked)."""
    out = Path(out)
    taken = [out / name for name in names if (out / name).exists()]
    if taken and not overwrite:
        raise DatasetError(f"'{taken[0]}' already exists; use --overwrite to replace it.")
    return out


def build_devset(out, *, seed=0, seconds=20.0, overwrite=False, progress=None):
    """Write the dev set's track folders into ``out``; returns their names.

    Raises
    ------
    DatasetError
        When none of the real material is installed.
    """
    tracks = plan(seed)
    if not tracks:
        raise DatasetError("No real material is installed for the dev set; run "
                           "scripts/real-material.sh (make setup-real).")
    out = refuse_taken(out, [name for name, _, _ in tracks], overwrite)
    for k, (name, kind, source) in enumerate(tracks):
        folder = out / name
        stems, mixture = _finish(render(seed, k, kind, source, seconds))
        write_track(folder, stems, mixture, {"kind": kind, "seed": seed, "seconds": seconds},
                    names=tuple(stems), overwrite=overwrite)
        if progress:
            progress(k + 1, len(tracks))
    return [t[0] for t in tracks]
