"""One synthetic track from a seed: compose, play every part, mix, master, write.

Each concern draws from its own random stream (``[seed, index, stream]``), so a track is
fixed by ``(seed, index)`` alone and does not depend on which worker renders it or on
the other tracks.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import OutputExistsError
from . import composition, drumkits, drums, instruments, production, resources
from . import vocals as singer
from .resources import SR

STEM_NAMES = ("drums", "bass", "other", "vocals")
STREAMS = {"song": 1, "drums": 2, "kit": 3, "parts": 4, "vocals": 5, "mix": 6, "real": 7,
           "style": 8}
TAIL_SECONDS = 1.0  # reverb and release after the last bar
SFC_SET_ADD_PEAK_CHUNK = 0x1050  # libsndfile command


def stream(seed, index, name):
    """The random generator of one concern of one track."""
    return np.random.default_rng([int(seed), int(index), STREAMS[name]])


def plan(seed, index, *, duration=None, vocals=None):
    """The composed song of track ``index`` (cheap: no audio)."""
    return composition.compose(stream(seed, index, "song"), duration=duration, vocals=vocals)


def track_name(seed, index, song):
    return f"synth-{seed}-{index:05d}-{song.genre}"


def _other_stem(rng, song, parts, n):
    other = np.zeros((n, 2), np.float32)
    positions = {"comp": rng.uniform(-0.6, 0.6), "pad": 0.0, "arp": rng.uniform(-0.7, 0.7),
                 "counter": rng.uniform(-0.4, 0.4), "melody": rng.uniform(-0.25, 0.25)}
    positions["comp2"] = -np.sign(positions["comp"] or 1) * rng.uniform(0.3, 0.8)
    for part in parts[1:]:
        other += production.treat(rng, part.audio, part.name, distort=part.distort,
                                  spb=song.spb, position=positions[part.name])
    return other


def render_track(seed, index, *, duration=None, vocals=None, vocal_styles=None):
    """Render track ``index`` of ``seed``.

    Parameters
    ----------
    duration : float or None
        Length in seconds (rounded to whole bars, plus a one-second tail); ``None`` draws
        30-90 s. Short values make quick test tracks.
    vocals : bool or None
        Force a sung lead on or off; ``None`` lets the seed decide (80 % of tracks sing).
    vocal_styles : sequence of str or None
        Round-5 vocal styles (:data:`.vocals.VOCAL_STYLES`), one drawn per sung track: a
        choir with no lead, held notes, or a doubled lead with a long plate. ``None``: the
        lead as before (the same seed gives the same songs as without the option).

    Returns
    -------
    stems : dict of str -> ndarray (frames, 2) float32
        ``drums``, ``bass``, ``other``, ``vocals`` (zeros when the track has no vocals).
    mixture : ndarray (frames, 2) float32
        Their sum.
    info : dict
        What was drawn: genre, tempo, key, kit, voice, programs, sections.
    """
    resources.check()
    song = plan(seed, index, duration=duration, vocals=vocals)
    n = int(round((song.duration + TAIL_SECONDS) * SR))
    if any(s.drums for s in song.sections):
        drng = stream(seed, index, "drums")
        hits = drums.drum_hits(drng, song, drums.hire(drng, song))
        drum_audio, kit = drumkits.render_drums(stream(seed, index, "kit"), song, hits, n)
    else:  # an orchestral piece
        drum_audio, kit = np.zeros((n, 2), np.float32), "none"
    parts = instruments.render_parts(stream(seed, index, "parts"), song, n,
                                     real_rng=stream(seed, index, "real"))
    vrng = stream(seed, index, "vocals")
    kind = None
    if vocal_styles and song.has_vocals and song.melody:
        srng = stream(seed, index, "style")
        kind = str(vocal_styles[int(srng.integers(len(vocal_styles)))])
        layers, voice, sung = singer.render_styled(vrng, song, n, kind)
    else:
        layers, voice = singer.render_vocals(vrng, song, n)
        sung = [] if voice.endswith(":spoken") else [
            n_.dur * song.spb for ph in (song.melody if song.has_vocals else []) for n_ in ph]
    if kind in (None, "produced"):
        choir = singer.render_choir(vrng, song, n)
        if choir is not None:
            layers.append(("choir", choir))

    mrng = stream(seed, index, "mix")
    stems = {
        "drums": production.treat(mrng, drum_audio, "drums", spb=song.spb),
        "bass": production.treat(mrng, parts[0].audio, "bass", distort=parts[0].distort,
                                 spb=song.spb),
        "other": _other_stem(mrng, song, parts, n),
        "vocals": np.zeros((n, 2), np.float32),
    }
    for name, audio in layers:
        stems["vocals"] += production.treat(mrng, audio, name, spb=song.spb,
                                            plate=kind is not None and name != "choir")
    stems = production.balance(mrng, stems)
    stems, mixture = production.master(mrng, stems)
    info = {"seed": int(seed), "index": int(index), "genre": song.genre,
            "bpm": round(song.bpm, 2), "key": song.key, "minor": song.minor,
            "duration": round(n / SR, 3), "drums": kit, "voice": voice,
            "vocal_layers": [name for name, _ in layers],
            **({"vocal_style": kind} if kind else {}),
            "sung_notes_s": [round(float(d), 3) for d in sung],
            "parts": [{"role": p.name, "program": p.program, "soundfont": p.soundfont,
                       "distorted": p.distort} for p in parts],
            "sections": [{"name": s.name, "bars": s.bars, "drums": s.drums, "bass": s.bass,
                          "parts": list(s.parts), "lead": s.lead} for s in song.sections]}
    return stems, mixture, info


def _write_float_wav(path, audio):
    """Float WAV without libsndfile's PEAK chunk, whose time stamp would make two renders of
    the same track differ in bytes."""
    with sf.SoundFile(str(path), "w", samplerate=SR, channels=audio.shape[1], subtype="FLOAT",
                      format="WAV") as f:
        try:
            sf._snd.sf_command(f._file, SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
        except AttributeError:  # another soundfile layout: the file is only less reproducible
            pass
        f.write(np.ascontiguousarray(audio, dtype=np.float32))


def write_track(folder, stems, mixture, info, *, overwrite=False, names=STEM_NAMES):
    """Write a MUSDB-style folder: the stems ``names`` (four by default), ``mixture.wav``
    (float WAV) and synth.json.

    The folder is written under a hidden name beside it and renamed into place when complete,
    so an interrupted run never leaves a partial track.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise OutputExistsError(f"'{folder}' already exists; use --overwrite to replace it.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for name in names:
            _write_float_wav(tmp / f"{name}.wav", stems[name])
        _write_float_wav(tmp / "mixture.wav", mixture)
        (tmp / "synth.json").write_text(json.dumps(info, indent=1) + "\n")
        tmp.chmod(0o755)  # mkdtemp makes it private; a data set folder is not
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
