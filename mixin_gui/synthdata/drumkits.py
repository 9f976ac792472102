"""Drum kits that make :class:`~.drums.Hit` lists sound, from real recordings.

Four sources, drawn per song: the multi-sampled kits of ``hydrogen-drumkits`` (velocity
layers read from each ``drumkit.xml``; most songs), the AVL drum soundfonts, a kit assembled
from ``sonic-pi-samples`` and ``lmms-common`` one-shots, and, as a minority, the GM soundfonts'
drum banks. Breakbeat and electronic songs may also get a recorded break under the kit.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from ..dsp.resample import resample
from . import fluid, resources
from .resources import SR, load_sample

ACOUSTIC_KITS = ["The Black Pearl 1.0", "ForzeeStereo", "BJA_Pacific", "ColomboAcousticDrumkit",
                 "Millo_MultiLayered2", "Millo_MultiLayered3", "Millo-Drums_v.1", "Audiophob",
                 "rumpf_kit_z01_h2", "VariBreaks"]
ELECTRONIC_KITS = ["ElectricEmpireKit", "HardElectro1"]
HAND_PERCUSSION = "Gimme A Hand 1.0"

#: Kit piece → name patterns (regular expressions on lower-case instrument names).
PIECE_NAMES = [
    ("hh_pedal", r"(hat|hh).*(pedal|foot|pd)|pedal.*(hat|hh)"),
    ("hh_open", r"(hat|hh).*(open|op\b|opened)|open.*(hat|hh)"),
    ("hh_closed", r"(hat|hh).*(clos|cl\b)|clos.*(hat|hh)|hat light"),
    ("ride_bell", r"ride.*(bell|cup)|paiste bell"),
    ("ride", r"ride"),
    ("china", r"china"),
    ("crash", r"crash|splash"),
    ("rim", r"stick|rim click"),
    ("clap", r"clap"),
    ("snare", r"snare(?!.*roll)"),
    ("kick", r"kick|bass ?drum|bassdrum"),
    ("tom_lo", r"tom.*(low|floor|lo\b)|low tom|floor"),
    ("tom_mid", r"tom.*(mid|2)|middle tom"),
    ("tom_hi", r"tom.*(hi|high|1)|high tom"),
    ("shaker", r"maraca|shake"),
    ("tamb", r"tambourine(?!.*pedal)"),
    ("cowbell", r"cowbell"),
]
FALLBACK = {"hh_pedal": ["hh_closed"], "hh_open": ["hh_closed"], "china": ["crash"],
            "ride": ["hh_open", "crash", "hh_closed"], "ride_bell": ["ride", "cowbell"],
            "crash": ["ride", "hh_open"], "rim": ["snare"], "clap": ["snare"],
            "tom_hi": ["tom_mid", "snare"], "tom_mid": ["tom_hi", "tom_lo", "snare"],
            "tom_lo": ["tom_mid", "tom_hi", "kick"]}
GM_NOTES = {"kick": 36, "rim": 37, "snare": 38, "clap": 39, "tom_lo": 43, "hh_closed": 42,
            "tom_mid": 47, "hh_pedal": 44, "tom_hi": 50, "hh_open": 46, "crash": 49,
            "ride": 51, "china": 52, "ride_bell": 53, "tamb": 54, "cowbell": 56, "shaker": 70}
PAN = {"kick": 0.0, "snare": 0.02, "rim": 0.02, "clap": 0.0, "hh_closed": -0.3,
       "hh_open": -0.3, "hh_pedal": -0.3, "ride": 0.35, "ride_bell": 0.35, "crash": -0.45,
       "china": 0.5, "tom_hi": -0.2, "tom_mid": 0.1, "tom_lo": 0.35, "shaker": 0.4,
       "tamb": -0.4, "cowbell": 0.25}
MAX_HIT_SECONDS = 3.0


@dataclass
class SampleKit:
    """Piece → velocity layers ``[(v_min, v_max, gain, path), ...]``."""

    name: str
    layers: dict = field(default_factory=dict)

    def resolve(self, piece):
        for p in [piece] + FALLBACK.get(piece, []):
            if self.layers.get(p):
                return self.layers[p]
        return None


def _text(node, tag, ns):
    found = node.find(ns + tag)
    return found.text if found is not None else None


def parse_hydrogen_kit(folder, rng=None):
    """Read a Hydrogen ``drumkit.xml`` into a :class:`SampleKit` (pieces found by name).

    Where a kit has several instruments for one piece (a dozen kicks, say), ``rng`` draws
    one of them; without it the first is taken.
    """
    folder = Path(folder)
    root = ET.parse(folder / "drumkit.xml").getroot()
    ns = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    kit = SampleKit(folder.name)
    candidates = {}
    for inst in root.iter(ns + "instrument"):
        name = (_text(inst, "name", ns) or "").lower()
        piece = next((p for p, rx in PIECE_NAMES if re.search(rx, name)), None)
        if piece is None:
            continue
        layers = []
        for layer in inst.iter(ns + "layer"):
            fn = _text(layer, "filename", ns)
            if fn and (folder / fn).is_file():
                layers.append((float(_text(layer, "min", ns) or 0),
                               float(_text(layer, "max", ns) or 1),
                               float(_text(layer, "gain", ns) or 1), folder / fn))
        fn = _text(inst, "filename", ns)
        if not layers and fn and (folder / fn).is_file():
            layers.append((0.0, 1.0, 1.0, folder / fn))
        if layers:
            candidates.setdefault(piece, []).append(layers)
    for piece, options in candidates.items():
        kit.layers[piece] = options[int(rng.integers(len(options)))] if rng else options[0]
    return kit


@functools.lru_cache(maxsize=None)
def readable(path):
    """Whether libsndfile opens ``path`` (a few packaged one-shots, e.g. LMMS's
    ``kick04.ogg``, are WAV files with a malformed header)."""
    try:
        sf.info(str(path))
        return True
    except (RuntimeError, sf.LibsndfileError):
        return False


def _globbed(patterns):
    files = []
    for base, pattern in patterns:
        files += [p for p in sorted(Path(base).glob(pattern)) if readable(p)]
    return files


def one_shot_kit(rng):
    """A kit assembled from sonic-pi and LMMS one-shots (one sample drawn per piece)."""
    sp, lm = resources.SONIC_PI_SAMPLES, resources.LMMS_SAMPLES / "drums"
    choices = {
        "kick": [(sp, "bd_*.flac"), (sp, "drum_heavy_kick.flac"), (sp, "drum_bass_hard.flac"),
                 (lm, "kick*.ogg"), (lm, "bassdrum*.ogg")],
        "snare": [(sp, "sn_*.flac"), (sp, "drum_snare_hard.flac"), (lm, "snare*.ogg")],
        "hh_closed": [(sp, "drum_cymbal_closed.flac"), (lm, "hihat_closed*.ogg")],
        "hh_open": [(sp, "drum_cymbal_open.flac"), (lm, "hihat_opened*.ogg")],
        "hh_pedal": [(sp, "drum_cymbal_pedal.flac"), (lm, "hihat_foot_pedal*.ogg")],
        "crash": [(sp, "drum_splash_hard.flac"), (sp, "drum_cymbal_hard.flac"), (lm, "crash*.ogg")],
        "ride": [(lm, "ride*.ogg"), (sp, "drum_cymbal_soft.flac")],
        "tom_hi": [(sp, "drum_tom_hi_hard.flac")], "tom_mid": [(sp, "drum_tom_mid_hard.flac")],
        "tom_lo": [(sp, "drum_tom_lo_hard.flac")], "clap": [(lm, "clap*.ogg")],
        "rim": [(lm, "sidestick*.ogg"), (lm, "rim01.ogg")], "shaker": [(lm, "shaker*.ogg")],
        "cowbell": [(sp, "drum_cowbell.flac")],
    }
    kit = SampleKit("one-shots")
    for piece, patterns in choices.items():
        files = _globbed(patterns)
        if files:
            kit.layers[piece] = [(0.0, 1.0, 1.0, files[int(rng.integers(len(files)))])]
    return kit


def _pick_layer(rng, layers, v):
    fitting = [l for l in layers if l[0] <= v <= l[1]] or \
        [min(layers, key=lambda l: min(abs(v - l[0]), abs(v - l[1])))]
    return fitting[int(rng.integers(len(fitting)))]


def _place(out, sound, start, gain, pan):
    n = min(len(sound), len(out) - start, int(MAX_HIT_SECONDS * SR))
    if n <= 0:
        return
    seg = sound[:n] * gain
    if n == int(MAX_HIT_SECONDS * SR):
        seg = seg * np.linspace(1, 0, n, dtype=np.float32)[:, None] ** 2
    theta = (pan + 1) * np.pi / 4
    out[start:start + n, 0] += seg[:, 0] * np.float32(np.cos(theta) * 1.41)
    out[start:start + n, 1] += seg[:, 1] * np.float32(np.sin(theta) * 1.41)


def _choke_times(hits):
    """For each open hi-hat hit, the time of the next closed/pedal hat (it stops the ring)."""
    closes = [h.time for h in hits if h.piece in ("hh_closed", "hh_pedal")]
    out, j = {}, 0
    for i, h in enumerate(hits):
        if h.piece != "hh_open":
            continue
        while j < len(closes) and closes[j] <= h.time:
            j += 1
        out[i] = closes[j] if j < len(closes) else None
    return out


def render_sample_kit(rng, kit, hits, n_frames, *, mirror=False):
    """Mix a sample kit's hits into float32 ``(n_frames, 2)``."""
    out = np.zeros((n_frames, 2), np.float32)
    chokes = _choke_times(hits)
    for i, h in enumerate(hits):
        layers = kit.resolve(h.piece)
        if not layers:
            continue
        lo, hi, gain, path = _pick_layer(rng, layers, h.velocity)
        sound = load_sample(path)
        stop = chokes.get(i)
        if stop is not None:
            keep = max(int((stop - h.time) * SR), 64)
            if keep < len(sound):
                fade = np.ones((len(sound[:keep + 441]), 1), np.float32)
                fade[keep:] = np.linspace(1, 0, len(fade) - keep, dtype=np.float32)[:, None]
                sound = sound[:keep + 441] * fade
        amp = gain * h.velocity ** (1.2 if len(layers) > 1 else 1.7)
        pan = PAN.get(h.piece, 0.0) * (-1 if mirror else 1)
        _place(out, sound, int(round(h.time * SR)), amp, pan)
    return out


def render_soundfont_kit(hits, n_frames, *, soundfont, kit_program, on_drum_channel):
    """Render hits through a drum soundfont (GM note map)."""
    notes = [(h.time, 0.3, GM_NOTES[h.piece], int(20 + 107 * h.velocity))
             for h in hits if h.piece in GM_NOTES]
    channel = fluid.DRUM_CHANNEL if on_drum_channel else 0
    return fluid.render(notes, n_frames, soundfont=soundfont, program=kit_program,
                        channel=channel, gain=0.6)


#: Recorded loops with the number of beats each holds (its tempo follows from its length).
BREAKS = [("sonic", "loop_amen.flac", 4), ("sonic", "loop_amen_full.flac", 16),
          ("sonic", "loop_breakbeat.flac", 4), ("sonic", "loop_compus.flac", 16),
          ("sonic", "loop_mika.flac", 16), ("sonic", "loop_safari.flac", 16),
          ("lmms", "beats/break01.ogg", 4), ("lmms", "beats/break02.ogg", 4),
          ("lmms", "beats/break03.ogg", 4), ("lmms", "beats/jungle01.ogg", 8),
          ("lmms", "beats/909beat01.ogg", 8), ("lmms", "beats/house_loop01.ogg", 4),
          ("lmms", "beats/electro_beat01.ogg", 8), ("lmms", "beats/electro_beat02.ogg", 4)]
BREAK_CHANCE = {"breakbeat": 0.8, "electronic": 0.35, "halftime": 0.35}


def _break_path(where, name):
    base = resources.SONIC_PI_SAMPLES if where == "sonic" else resources.LMMS_SAMPLES
    return base / name


def render_break(rng, song, n_frames):
    """A recorded break, varispeeded to the song's tempo, under the busiest sections.

    Returns float32 ``(n_frames, 2)`` or ``None`` when the song gets no break.
    """
    if rng.random() >= BREAK_CHANCE.get(song.genre, 0.0):
        return None
    options = [b for b in BREAKS if _break_path(b[0], b[1]).is_file()]
    if not options:
        return None
    where, name, beats = options[int(rng.integers(len(options)))]
    loop = load_sample(_break_path(where, name))
    native_bpm = beats * 60.0 * SR / len(loop)
    # play it as 1/2, 1 or 2 loops per its length so the varispeed stays small
    scale = min((0.5, 1.0, 2.0), key=lambda s: abs(np.log(native_bpm * s / song.bpm)))
    target = int(round(beats / scale * song.spb * SR))
    loop = resample(np.ascontiguousarray(loop), len(loop), target)[:target]
    out = np.zeros((n_frames, 2), np.float32)
    gain = float(rng.uniform(0.5, 1.0))
    for sec in song.sections:
        if not sec.drums or sec.energy < 0.5:
            continue
        start, end = int(sec.start * song.spb * SR), min(int(sec.end * song.spb * SR), n_frames)
        for pos in range(start, end, len(loop)):
            m = min(len(loop), end - pos)
            out[pos:pos + m] += gain * loop[:m]
    return out


def _hydrogen_kit(rng, names):
    base = resources.HYDROGEN_KITS
    names = [n for n in names if (base / n / "drumkit.xml").is_file()]
    rng.shuffle(names)
    for name in names:
        kit = parse_hydrogen_kit(base / name, rng)
        if kit.layers.get("kick") and kit.layers.get("snare") or name in ELECTRONIC_KITS:
            if (kit.resolve("hh_closed") or kit.resolve("ride")) and kit.resolve("kick"):
                hands = base / HAND_PERCUSSION
                if (hands / "drumkit.xml").is_file():
                    extra = parse_hydrogen_kit(hands)
                    for piece in ("shaker", "tamb", "clap", "cowbell"):
                        kit.layers.setdefault(piece, extra.layers.get(piece, []))
                return kit
    return None


def render_drums(rng, song, hits, n_frames):
    """Choose a kit for the song and render its hits (plus maybe a break).

    Returns ``(audio (n_frames, 2) float32, description str)``.
    """
    electronic = song.genre in ("electronic", "breakbeat", "halftime")
    source = ["hydrogen", "avl", "oneshots", "gm"][int(rng.choice(
        4, p=[0.5, 0.1, 0.25, 0.15] if electronic else [0.55, 0.2, 0.12, 0.13]))]
    avl, gm = resources.drum_soundfonts(), resources.soundfonts()
    if source == "avl" and not avl or source == "gm" and not gm:
        source = "hydrogen"
    audio, name = None, source
    if source == "hydrogen":
        pool = ELECTRONIC_KITS + ACOUSTIC_KITS[:3] if electronic else ACOUSTIC_KITS
        kit = _hydrogen_kit(rng, list(pool))
        if kit is not None:
            audio = render_sample_kit(rng, kit, hits, n_frames, mirror=rng.random() < 0.5)
            name = f"hydrogen:{kit.name}"
    if source == "avl":
        sf2 = avl[int(rng.integers(len(avl)))]
        audio = render_soundfont_kit(hits, n_frames, soundfont=sf2, kit_program=0,
                                     on_drum_channel=False)
        name = f"avl:{sf2.stem}"
    if source == "gm":
        sf_name = list(gm)[int(rng.integers(len(gm)))]
        kits = [32, 40] if song.genre == "jazz" else [24, 25] if electronic else [0, 8, 16]
        program = kits[int(rng.integers(len(kits)))]
        audio = render_soundfont_kit(hits, n_frames, soundfont=gm[sf_name],
                                     kit_program=program, on_drum_channel=True)
        name = f"gm:{sf_name}:{program}"
    if audio is None:
        kit = one_shot_kit(rng)
        audio = render_sample_kit(rng, kit, hits, n_frames, mirror=rng.random() < 0.5)
        name = "one-shots"
    brk = render_break(rng, song, n_frames)
    if brk is not None:
        level = np.sqrt(np.mean(audio ** 2)) / max(np.sqrt(np.mean(brk ** 2)), 1e-9)
        audio = audio + brk * np.float32(level * rng.uniform(0.5, 1.2))
        name += "+break"
    return audio, name
