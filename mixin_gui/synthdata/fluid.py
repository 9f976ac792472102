"""Render notes with a soundfont: a MIDI file written with mido, played by the fluidsynth CLI.

Each call renders one instrument (one channel) so that every part can get its own effects and
level. Reverb and chorus of fluidsynth are off (production adds its own) and the output is
float, so nothing clips here; fluidsynth renders the same samples for the same input.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import DatasetError
from .resources import SR

TICKS_PER_SECOND = 1920  # 960 ticks per beat at the MIDI default of 120 BPM
DRUM_CHANNEL = 9


def write_midi(path, notes, *, program=0, channel=0, end=None, controls=()):
    """Write a one-channel MIDI file.

    Parameters
    ----------
    notes : iterable of (start_s, dur_s, pitch, velocity)
    program : int
        General MIDI program (on the drum channel: the drum kit number).
    end : float or None
        Seconds; a silent event there keeps the file (and the rendering) at least that long.
    controls : iterable of (controller, value)
        Sent at time 0, e.g. ``(7, 100)`` for channel volume.
    """
    import mido

    events = []
    for start, dur, pitch, vel in notes:
        on = int(round(start * TICKS_PER_SECOND))
        off = max(on + 1, int(round((start + dur) * TICKS_PER_SECOND)))
        p, v = int(np.clip(pitch, 0, 127)), int(np.clip(vel, 1, 127))
        events.append((on, 1, mido.Message("note_on", channel=channel, note=p, velocity=v)))
        events.append((off, 0, mido.Message("note_off", channel=channel, note=p, velocity=0)))
    if end is not None:
        events.append((int(round(end * TICKS_PER_SECOND)), 2,
                       mido.Message("control_change", channel=channel, control=110, value=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(ticks_per_beat=960)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.Message("control_change", channel=channel, control=0, value=0, time=0))
    for cc, value in controls:
        track.append(mido.Message("control_change", channel=channel, control=cc, value=value))
    track.append(mido.Message("program_change", channel=channel, program=program, time=0))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    mid.save(str(path))


def render(notes, n_frames, *, soundfont, program=0, channel=0, controls=(), gain=0.5):
    """Render notes to float32 ``(n_frames, 2)`` at 44.1 kHz (tails past the end are cut)."""
    with tempfile.TemporaryDirectory(prefix="mixin-synth-") as tmp:
        mid, wav = Path(tmp) / "part.mid", Path(tmp) / "part.wav"
        write_midi(mid, notes, program=program, channel=channel, end=n_frames / SR,
                   controls=controls)
        cmd = ["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", str(gain),
               "-r", str(SR), "-O", "float", "-T", "wav", "-F", str(wav),
               "-o", "synth.dynamic-sample-loading=1", "-o", "synth.cpu-cores=1",
               str(soundfont), str(mid)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
        except FileNotFoundError:
            raise DatasetError("fluidsynth is not installed (run scripts/training-deps.sh).") \
                from None
        if proc.returncode != 0 or not wav.is_file():
            raise DatasetError(f"fluidsynth failed on {Path(soundfont).name}: "
                               f"{proc.stderr.decode(errors='replace').strip()[-300:]}")
        audio, _ = sf.read(str(wav), dtype="float32", always_2d=True)
    out = np.zeros((n_frames, 2), np.float32)
    m = min(n_frames, len(audio))
    out[:m] = audio[:m, :2]
    return out
