"""The sung lead: speech synthesised from lyrics, re-pitched onto the melody with WORLD.

Per phrase: a line of words with one syllable per note is spoken by festival (the
``cmu_us_slt_arctic_hts`` voice) or espeak-ng; WORLD (pyworld) analyses it into F0, spectral
envelope and aperiodicity. The voiced stretches (vowels with their voiced consonants) are
matched one-to-one with the notes; unvoiced consonants keep their natural length and lead
into each note, the vowel is stretched to the note's length, and F0 is replaced by the
melody with portamento, vibrato and drift. Envelope and aperiodicity are kept, so the
formants, and with them the words, stay those of the voice. A quarter of the singers
speak their lines instead (rap, spoken word), with the voice's own intonation. Some singers
are real voices: recorded gcin-voice syllables strung into a line take the synthesiser's
place (:func:`gcin_line`).
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ..dsp.resample import resample
from ..errors import DatasetError
from . import fluid, realsources, resources, singing
from .resources import SR

WORDS = {
    1: ["love", "heart", "night", "light", "fire", "rain", "day", "way", "home", "road", "sky",
        "eyes", "time", "mind", "soul", "dream", "run", "fall", "stay", "go", "know", "feel",
        "hold", "burn", "cold", "gold", "sun", "moon", "stars", "sea", "wind", "free", "stone",
        "blue", "down", "now", "here", "there", "you", "me", "we", "all", "see", "be", "take",
        "my", "your", "the", "in", "on", "of", "and", "to", "oh", "hey", "yeah", "low", "high"],
    2: ["away", "tonight", "never", "river", "morning", "shadow", "alive", "again", "believe",
        "inside", "maybe", "golden", "falling", "dancing", "flying", "burning", "hollow",
        "over", "under", "city", "silver", "ocean", "heaven", "darling", "broken", "open"],
    3: ["forever", "together", "remember", "believing", "beautiful", "yesterday"],
}
ESPEAK_VOICES = ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-us+f3", "en-us+f2",
                 "en+f4", "en-us+m3", "en+m1", "en-gb+f5"]


@dataclass
class Voice:
    engine: str  # "festival", "espeak" or "gcin" (recorded syllables)
    name: str
    female: bool
    speed: int


#: Share of singers that are a real voice: gcin-voice syllables (speaker 5 female, 3 male),
#: strung together and re-pitched like the synthesised lines, when the package is installed.
GCIN_SHARE = 0.35
GCIN_SPEAKERS = {"5": True, "3": False}  # speaker -> female


def pick_voice(rng):
    if rng.random() < GCIN_SHARE:
        speakers = [k for k in GCIN_SPEAKERS if realsources.gcin_syllables(k)]
        if speakers:
            name = speakers[int(rng.integers(len(speakers)))]
            return Voice("gcin", name, GCIN_SPEAKERS[name], 0)
    if rng.random() < 0.5:
        return Voice("festival", "cmu_us_slt_arctic_hts", True, 0)
    name = ESPEAK_VOICES[int(rng.integers(len(ESPEAK_VOICES)))]
    female = "+f" in name
    return Voice("espeak", name, female, int(rng.integers(120, 170)))


def lyric_line(rng, syllables):
    """Words whose syllable counts add up to ``syllables``."""
    words, left = [], syllables
    while left > 0:
        n = int(rng.choice([1, 1, 1, 2, 2, 3])) if left >= 3 else min(left, int(rng.choice([1, 2])))
        pool = WORDS[n]
        words.append(pool[int(rng.integers(len(pool)))])
        left -= n
    return " ".join(words)


def speak(voice, text):
    """Synthesise ``text``; returns (mono float64 signal, sample rate)."""
    with tempfile.TemporaryDirectory(prefix="mixin-voice-") as tmp:
        wav = Path(tmp) / "line.wav"
        if voice.engine == "festival":
            txt = Path(tmp) / "line.txt"
            txt.write_text(text + "\n")
            cmd = ["text2wave", "-eval", f"(voice_{voice.name})", str(txt), "-o", str(wav)]
        else:
            cmd = ["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-w", str(wav), text]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
        except FileNotFoundError:
            raise DatasetError(f"{cmd[0]} is not installed (run scripts/training-deps.sh).") \
                from None
        if proc.returncode != 0 or not wav.is_file():
            raise DatasetError(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace')[-200:]}")
        x, fs = sf.read(str(wav), dtype="float64")
    if x.ndim > 1:
        x = x.mean(axis=1)
    return x, int(fs)


def _spoken(voice, text):
    """``text`` spoken by ``voice``: (mono float32 at 44.1 kHz, the synthesiser's own rate,
    which bounds the band that holds speech)."""
    x, fs = speak(voice, text)
    return resample(x.astype(np.float32)[:, None], fs, SR)[:, 0], fs


def _syllable(path):
    """One recorded syllable, mono float32, with its silences trimmed."""
    y = resources.load_sample(path)[:, 0]
    env = np.abs(y)
    loud = np.nonzero(env > max(float(env.max()), 1e-9) * 1e-2)[0]
    return y[:loud[-1] + 1] if len(loud) else y


def gcin_line(rng, voice, n):
    """``n`` random recorded syllables of gcin-voice speaker ``voice.name``, joined by short
    gaps: (mono float32 at 44.1 kHz, 44100)."""
    paths = realsources.gcin_syllables(voice.name)
    pieces = []
    for k in range(n):
        pieces.append(_syllable(paths[int(rng.integers(len(paths)))]))
        pieces.append(np.zeros(int(SR * rng.uniform(0.02, 0.09)), np.float32))
    return np.concatenate(pieces), SR


def _line(rng, voice, syllables):
    """A spoken line of ``syllables`` syllables: (mono float32 at 44.1 kHz, source rate)."""
    if voice.engine == "gcin":
        return gcin_line(rng, voice, syllables)
    return _spoken(voice, lyric_line(rng, syllables))


def _at_level(y):
    """``y`` (float32) scaled to an RMS of 0.1, the level every vocal line starts from."""
    rms = float(np.sqrt(np.mean(y ** 2)))
    return y * np.float32(0.1 / rms) if rms > 0 else y


@dataclass
class Style:
    """How one singer sings a song."""

    vibrato_depth: float  # cents
    vibrato_rate: float  # Hz
    glide: float  # seconds
    legato: float
    shift: int  # semitones (octaves) from the written melody to the voice's range


def _style(rng, voice):
    return Style(float(rng.uniform(15, 60)), float(rng.uniform(4.8, 6.5)),
                 float(rng.uniform(0.04, 0.12)), float(rng.uniform(0.8, 0.97)),
                 0 if voice.female else -12)


def _third_above(song, pitch):
    pcs = sorted({(song.key + s) % 12 for s in song.scale()})
    scale = [p for p in range(pitch - 12, pitch + 24) if p % 12 in pcs]
    i = min(range(len(scale)), key=lambda k: abs(scale[k] - pitch))
    return scale[min(i + 2, len(scale) - 1)]


def sing_phrase(rng, voice, style, song, phrase, *, harmony):
    """Sing one phrase: returns ``(start_s, lead, second)`` (mono float32 at 44.1 kHz;
    ``second`` is a diatonic third above, or ``None``), or ``None`` if nothing was voiced."""
    x, fs = _line(rng, voice, len(phrase))
    x = x.astype(np.float64)
    f0, sp, ap = singing.analyse(x, SR)
    sp, ap = singing.extend_band(sp, ap, SR, fs / 2)
    origin = phrase[0].start * song.spb - singing.PRE_ROLL
    onsets = [n.start * song.spb - origin for n in phrase]
    durs = [n.dur * song.spb for n in phrase]
    src, note = singing.time_map(f0, onsets, durs, legato=style.legato)
    if not (note >= 0).any():
        return None
    lines = [[n.pitch + style.shift for n in phrase]]
    if harmony:
        lines.append([_third_above(song, p) for p in lines[0]])
    out = []
    for pitches in lines:
        curve = singing.pitch_curve(rng, note, pitches, vibrato_depth=style.vibrato_depth,
                                    vibrato_rate=style.vibrato_rate, glide=style.glide)
        out.append(_at_level(singing.synthesise(sp, ap, SR, src, curve).astype(np.float32)))
    return origin, out[0], (out[1] if harmony else None)


#: Share of vocal songs delivered as speech (rap, spoken word): the voice keeps its own
#: intonation instead of being moved onto the melody.
SPOKEN_SHARE = 0.25


def speak_phrase(rng, voice, song, phrase):
    """Speak one phrase's line with the voice's natural intonation (rap, spoken word):
    returns ``(start_s, mono float32 at 44.1 kHz)``."""
    y, _ = _line(rng, voice, len(phrase) + int(rng.integers(0, 4)))
    return phrase[0].start * song.spb, _at_level(y)


def _place(track, y, start, gains):
    start = int(round(start * SR))
    if start < 0:
        y, start = y[-start:], 0
    m = max(0, min(len(y), len(track) - start))
    for ch, g in enumerate(gains):
        track[start:start + m, ch] += np.float32(g) * y[:m]


def render_vocals(rng, song, n_frames):
    """Lead (and maybe harmony) vocal layers of the song.

    Returns ``(layers, description)`` where layers is a list of ``(name, (n_frames, 2)
    float32)``; empty when the song has no vocals.
    """
    if not song.has_vocals or not song.melody:
        return [], "none"
    voice = pick_voice(rng)
    style = _style(rng, voice)
    lead = np.zeros((n_frames, 2), np.float32)
    second = np.zeros((n_frames, 2), np.float32)
    spoken = rng.random() < SPOKEN_SHARE
    harmonise = not spoken and rng.random() < 0.5
    chorus_starts = {s.start for s in song.sections if s.name in ("chorus", "drop")}
    chorus = [(s.start, s.end) for s in song.sections if s.start in chorus_starts]
    side = 1
    for phrase in song.melody:
        in_chorus = any(a <= phrase[0].start < b for a, b in chorus)
        if spoken:
            origin, y = speak_phrase(rng, voice, song, phrase)
            _place(lead, y * np.float32(rng.uniform(0.85, 1.15)), origin, (1.0, 1.0))
            continue
        sung = sing_phrase(rng, voice, style, song, phrase, harmony=harmonise and in_chorus)
        if sung is None:
            continue
        origin, y, third = sung
        level = float(rng.uniform(0.85, 1.15)) * (1.0 if in_chorus else 0.85)
        _place(lead, y * np.float32(level), origin, (1.0, 1.0))
        if third is not None:
            side = -side
            _place(second, third * np.float32(0.45 * level), origin,
                   (0.9, 0.4) if side > 0 else (0.4, 0.9))
    layers = [("lead", lead)]
    if harmonise and np.any(second):
        layers.append(("harmony", second))
    return layers, f"{voice.engine}:{voice.name}" + (":spoken" if spoken else "")


def render_choir(rng, song, n_frames):
    """Sampled choir "aahs"/"oohs" holding the chords of the choruses (some songs), or None."""
    fonts = resources.soundfonts()
    if not song.has_vocals or not fonts or rng.random() >= 0.35:
        return None
    notes = []
    for sec in song.sections:
        if sec.name not in ("chorus", "drop"):
            continue
        for c in sec.chords:
            for pc in c.pcs[:3]:
                notes.append((c.start * song.spb, c.dur * song.spb * 0.97,
                              60 + (pc - 60) % 12, 70))
    if not notes:
        return None
    name = list(fonts)[int(rng.integers(len(fonts)))]
    program = int(rng.choice([52, 53, 54]))
    return fluid.render(notes, n_frames, soundfont=fonts[name], program=program)
