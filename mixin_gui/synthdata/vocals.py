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
    formant: float = 1.0  # spectral-envelope stretch (above 1: a smaller, brighter vocal tract)


#: Voices kept out of every training song and used only by the vocal dev set
#: (:mod:`.vocal_devset`), so that the dev set does not grade the generator's own voices.
#: Round 4l's songs did sing gcin speaker 3; the round-5 training songs do not.
HELD_OUT_VOICES = (
    Voice("festival", "ked_diphone", False, 0),
    Voice("gcin", "3", False, 0),
    Voice("espeak", "en-us+Annie", True, 150),
    Voice("espeak", "en-gb+Edward", False, 140),
)
#: Festival voices of the training pool besides the default one (Debian festvox-kallpc16k);
#: a choir draws from them where installed.
FESTIVAL_EXTRA = {"kal_diphone": False}


#: Share of singers that are a real voice: gcin-voice syllables (speaker 5 female, 3 male),
#: strung together and re-pitched like the synthesised lines, when the package is installed.
GCIN_SHARE = 0.35
GCIN_SPEAKERS = {"5": True, "3": False}  # speaker -> female


def pick_voice(rng, *, held_out=()):
    """A training voice (never one of :data:`HELD_OUT_VOICES`'s engines and names that
    ``held_out`` lists: a speaker name for gcin, e.g. ``("3",)``)."""
    if rng.random() < GCIN_SHARE:
        speakers = [k for k in GCIN_SPEAKERS if k not in held_out
                    and realsources.gcin_syllables(k)]
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


def _third_above(song, pitch, steps=2):
    """The scale tone ``steps`` degrees above ``pitch`` (2: a diatonic third)."""
    pcs = sorted({(song.key + s) % 12 for s in song.scale()})
    scale = [p for p in range(pitch - 12, pitch + 36) if p % 12 in pcs]
    i = min(range(len(scale)), key=lambda k: abs(scale[k] - pitch))
    return scale[min(i + steps, len(scale) - 1)]


def sing_lines(rng, voice, style, song, phrase, lines, *, jitter=0.0):
    """Sing one phrase's words on each list of MIDI pitches in ``lines`` (one per note):
    returns ``(start_s, [mono float32 at 44.1 kHz per line])``, or ``None`` if nothing was
    voiced. ``jitter`` (seconds): each onset moves by up to that much, as a singer in a
    choir is never exactly on the beat. The voice's ``formant`` stretches its envelope."""
    x, fs = _line(rng, voice, len(phrase))
    x = x.astype(np.float64)
    f0, sp, ap = singing.analyse(x, SR)
    sp, ap = singing.extend_band(sp, ap, SR, fs / 2)
    if voice.formant != 1.0:
        sp = singing.shift_formants(sp, voice.formant)
    origin = phrase[0].start * song.spb - singing.PRE_ROLL
    onsets = [n.start * song.spb - origin for n in phrase]
    if jitter:
        onsets = [max(0.05, o + float(rng.uniform(-jitter, jitter))) for o in onsets]
        onsets = list(np.maximum.accumulate(onsets))
    durs = [n.dur * song.spb for n in phrase]
    src, note = singing.time_map(f0, onsets, durs, legato=style.legato)
    if not (note >= 0).any():
        return None
    out = []
    for pitches in lines:
        curve = singing.pitch_curve(rng, note, pitches, vibrato_depth=style.vibrato_depth,
                                    vibrato_rate=style.vibrato_rate, glide=style.glide)
        out.append(_at_level(singing.synthesise(sp, ap, SR, src, curve).astype(np.float32)))
    return origin, out


def sing_phrase(rng, voice, style, song, phrase, *, harmony):
    """Sing one phrase: returns ``(start_s, lead, second)`` (mono float32 at 44.1 kHz;
    ``second`` is a diatonic third above, or ``None``), or ``None`` if nothing was voiced."""
    lines = [[n.pitch + style.shift for n in phrase]]
    if harmony:
        lines.append([_third_above(song, p) for p in lines[0]])
    sung = sing_lines(rng, voice, style, song, phrase, lines)
    if sung is None:
        return None
    origin, out = sung
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


# ---------------------------------------------------------------- round-5 vocal styles
#: What ``mixin train synth --vocal-styles`` can ask for, one drawn per sung song:
#: ``choir``: 2-8 voices in harmony and no lead (:func:`render_choir_voices`);
#: ``held``: a lead whose phrases are sung as few long notes, most over a second
#: (:func:`hold_notes`), with a deep vibrato; ``produced``: a lead with a double track,
#: heavier compression and a long plate tail (the ``double`` layer and the ``plate`` chain
#: of :mod:`.production`).
VOCAL_STYLES = ("choir", "held", "produced")
#: Hold a note at least this long where the phrase allows (seconds).
HELD_NOTE_S = 1.0


def hold_notes(song, phrase, *, min_s=HELD_NOTE_S):
    """The phrase sung as long notes: consecutive notes merge (the first one's pitch, held
    until the next kept note starts) until each lasts at least ``min_s`` where the phrase is
    long enough; the last note is held to the phrase's end plus a beat."""
    from .score import Note

    kept, start = [], None
    for k, n in enumerate(phrase):
        if start is None:
            start = n
        end = phrase[k + 1].start if k + 1 < len(phrase) else n.start + n.dur + 1.0
        if (end - start.start) * song.spb >= min_s or k + 1 == len(phrase):
            kept.append(Note(start.start, end - start.start, start.pitch, start.vel))
            start = None
    return kept


def training_voice(rng, *, formant=(1.0, 1.0)):
    """A voice for the round-5 styles: any training engine (never :data:`HELD_OUT_VOICES`),
    the extra festival voices where installed, with a formant stretch drawn in ``formant``."""
    extra = [n for n in FESTIVAL_EXTRA if _festival_has(n)]
    if extra and rng.random() < 0.2:
        name = extra[int(rng.integers(len(extra)))]
        voice = Voice("festival", name, FESTIVAL_EXTRA[name], 0)
    else:
        voice = pick_voice(rng, held_out=tuple(v.name for v in HELD_OUT_VOICES
                                                if v.engine == "gcin"))
    voice.formant = float(rng.uniform(*formant))
    return voice


def _festival_has(name):
    from pathlib import Path as _P

    return any(_P(d).is_dir() for d in (f"/usr/share/festival/voices/english/{name}",
                                         f"/usr/share/festival/voices/us/{name}"))


def render_lead(rng, song, n_frames, *, voice, kind, level_db=0.0):
    """A lead sung in style ``kind`` (``"held"`` or ``"produced"``) by ``voice``.

    Returns ``(layers, description, note_lengths_s)``: layers as :func:`render_vocals`
    (``lead`` and, for ``produced``, ``double``: the same melody sung again by the same
    voice with its own timing and pitch drift, panned apart).
    """
    style = _style(rng, voice)
    if kind == "held":
        style.vibrato_depth = float(rng.uniform(35, 80))
        style.legato = float(rng.uniform(0.93, 0.99))
    lead = np.zeros((n_frames, 2), np.float32)
    double = np.zeros((n_frames, 2), np.float32)
    lengths = []
    side = float(rng.choice([-1.0, 1.0]))
    for phrase in song.melody:
        notes = hold_notes(song, phrase) if kind == "held" else phrase
        pitches = [[n.pitch + style.shift for n in notes]]
        sung = sing_lines(rng, voice, style, song, notes, pitches)
        if sung is None:
            continue
        origin, (y,) = sung
        lengths += [n.dur * song.spb for n in notes]
        g = np.float32(10 ** (level_db / 20) * rng.uniform(0.85, 1.15))
        _place(lead, y * g, origin, (1.0, 1.0))
        if kind == "produced":
            again = sing_lines(rng, voice, style, song, notes, pitches, jitter=0.03)
            if again is not None:
                o2, (y2,) = again
                _place(double, y2 * g * np.float32(rng.uniform(0.5, 0.8)), o2,
                       (1.0, 0.35) if side > 0 else (0.35, 1.0))
    layers = [("lead", lead)]
    if np.any(double):
        layers.append(("double", double))
    return layers, f"{voice.engine}:{voice.name}:{kind}", lengths


def choir_parts(song, pitch, count):
    """The pitches ``count`` choir voices sing for a melody note: the melody, the third and
    the fifth above it (diatonic), and the octave below, in turn."""
    stack = [pitch, _third_above(song, pitch, 2), _third_above(song, pitch, 4), pitch - 12]
    return [stack[k % len(stack)] - (12 if k >= len(stack) else 0) for k in range(count)]


def render_choir_voices(rng, song, n_frames, *, voices=None, count=None, jitter=0.04):
    """A choir as the vocal stem: ``count`` (2-8) voices, each its own registry voice with
    its own formant stretch, timing jitter, drift and vibrato, singing the melody's words in
    harmony (:func:`choir_parts`), spread across the stereo field; no lead.

    ``voices`` (a list of :class:`Voice`) replaces the drawn ones (the dev set's held-out
    voices). Returns ``(layers, description, note_lengths_s)``.
    """
    if voices is None:
        count = int(rng.integers(2, 9)) if count is None else int(count)
        voices = []
        for _ in range(count):  # different voices where the pool allows
            for _try in range(4):
                v = training_voice(rng, formant=(0.88, 1.14))
                if all((v.engine, v.name) != (u.engine, u.name) for u in voices):
                    break
            voices.append(v)
    count = len(voices)
    out = np.zeros((n_frames, 2), np.float32)
    lengths = []
    positions = np.linspace(-0.8, 0.8, count) if count > 1 else np.zeros(1)
    positions = positions[rng.permutation(count)]
    for k, voice in enumerate(voices):
        style = _style(rng, voice)
        style.vibrato_depth *= float(rng.uniform(0.4, 1.0))  # a choir's vibrato is shallower
        level = float(rng.uniform(0.7, 1.0))
        theta = (positions[k] + 1) * np.pi / 4
        gains = (np.cos(theta) * np.sqrt(2), np.sin(theta) * np.sqrt(2))
        for phrase in song.melody:
            # every voice sings in its own range (a male one an octave under the written
            # line), but no part under the melody is taken down a second octave
            part = [q + style.shift + (12 if style.shift < 0 and q < n.pitch else 0)
                    for n, q in ((n, choir_parts(song, n.pitch, count)[k]) for n in phrase)]
            sung = sing_lines(rng, voice, style, song, phrase, [part], jitter=jitter)
            if sung is None:
                continue
            origin, (y,) = sung
            if k == 0:
                lengths += [n.dur * song.spb for n in phrase]
            _place(out, y * np.float32(level / np.sqrt(count)), origin, gains)
    names = ",".join(f"{v.engine}:{v.name}" for v in voices)
    return [("choir-voices", out)], f"choir[{count}]:{names}", lengths


def render_styled(rng, song, n_frames, kind):
    """The vocal layers of a song in round-5 style ``kind`` (one of :data:`VOCAL_STYLES`):
    ``(layers, description, note_lengths_s)``; nothing for a song without a melody."""
    if not song.has_vocals or not song.melody:
        return [], "none", []
    if kind == "choir":
        return render_choir_voices(rng, song, n_frames)
    return render_lead(rng, song, n_frames, voice=training_voice(rng, formant=(0.95, 1.05)),
                       kind=kind)
