"""Mixing: per-layer effects (pedalboard), panning, levels, and a mastering limiter.

The limiter's gain curve is computed on the mixture and applied to every stem, so the
written stems still add up to the written mixture. Levels are set on the loudness of the
parts where they play (silent stretches do not count), with spreads like those of real mixes.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from .resources import SR

#: Stem loudness relative to the drums (dB): mean and spread.
STEM_LEVELS = {"drums": (0.0, 2.5), "bass": (-3.0, 2.5), "other": (-1.5, 2.5),
               "vocals": (1.0, 2.5)}
#: Part loudness inside the "other" and "vocals" stems (dB): mean and spread.
PART_LEVELS = {"comp": (0.0, 1.5), "comp2": (-3.0, 2.0), "pad": (-6.0, 2.0),
               "arp": (-5.0, 2.0), "counter": (-4.0, 2.0), "melody": (1.0, 1.5),
               "lead": (0.0, 0.0), "harmony": (-6.0, 2.0), "choir": (-8.0, 2.0),
               "double": (-4.0, 2.0), "choir-voices": (0.0, 0.0)}
#: Vocal layers (the lead's chain: high-pass, compressor, presence, delay, reverb).
VOCAL_ROLES = ("lead", "harmony", "double", "choir-voices")


def active_rms(audio, *, block=0.4):
    """RMS over the blocks where ``audio`` (frames, channels) plays (within 40 dB of its
    loudest block); 0 for silence."""
    n = int(block * SR)
    frames = len(audio) // n
    if frames == 0:
        return float(np.sqrt(np.mean(audio ** 2))) if audio.size else 0.0
    power = np.mean(audio[:frames * n].reshape(frames, n, -1) ** 2, axis=(1, 2))
    if power.max() <= 0:
        return 0.0
    return float(np.sqrt(power[power > power.max() * 1e-4].mean()))


def pan(audio, position):
    """Constant-power balance of a stereo signal; ``position`` in [-1, 1]."""
    theta = (float(position) + 1) * np.pi / 4
    gains = np.array([np.cos(theta), np.sin(theta)], np.float32) * np.float32(np.sqrt(2))
    return audio * gains


def _process(board, audio):
    out = board(np.ascontiguousarray(audio.T), SR)
    return np.ascontiguousarray(out.T[:len(audio)], dtype=np.float32)


def _eq(rng, pb):
    centre = float(np.exp(rng.uniform(np.log(200), np.log(6000))))
    return [pb.PeakFilter(cutoff_frequency_hz=centre,
                          gain_db=float(rng.uniform(-4, 4)), q=float(rng.uniform(0.7, 2.0)))]


def _compressor(rng, pb, ratio=(2.0, 5.0), threshold=(-24.0, -12.0)):
    return pb.Compressor(threshold_db=float(rng.uniform(*threshold)),
                         ratio=float(rng.uniform(*ratio)),
                         attack_ms=float(rng.uniform(2, 25)), release_ms=float(rng.uniform(60, 250)))


def _plate(rng, pb, room=(0.88, 0.98), damping=(0.1, 0.35), wet=(0.2, 0.45)):
    """A long, bright plate-like tail (round-5 vocal styles): a large, lightly damped room
    mixed well up."""
    return pb.Reverb(room_size=float(rng.uniform(*room)),
                     damping=float(rng.uniform(*damping)),
                     wet_level=float(rng.uniform(*wet)), dry_level=1.0, width=1.0)


#: Ranges of a vocal layer's chain: high-pass (Hz), compressor ratio and threshold (dB),
#: presence bell (Hz, dB), delay feedback and mix; ``plate``: a long plate tail
#: (:func:`_plate`; its ranges in ``plate_ranges`` where given) in place of the drawn room.
VOCAL_CHAIN = {"hp": (80, 130), "ratio": (3.0, 6.0), "threshold": (-26.0, -16.0),
               "presence_hz": (2500, 5000), "presence_db": (1, 4),
               "feedback": (0.15, 0.35), "mix": (0.08, 0.2), "plate": False}
PLATE_CHAIN = {"hp": (80, 150), "ratio": (4.0, 10.0), "threshold": (-32.0, -20.0),
               "presence_hz": (2500, 6000), "presence_db": (1, 5),
               "feedback": (0.2, 0.45), "mix": (0.1, 0.25), "plate": True}


def _vocal_chain(rng, pb, spb, r):
    fx = [pb.HighpassFilter(cutoff_frequency_hz=float(rng.uniform(*r["hp"]))),
          _compressor(rng, pb, r["ratio"], r["threshold"]),
          pb.PeakFilter(cutoff_frequency_hz=float(rng.uniform(*r["presence_hz"])),
                        gain_db=float(rng.uniform(*r["presence_db"])), q=1.0)]
    if rng.random() < 0.5:
        fx.append(pb.Delay(delay_seconds=float(spb * rng.choice([0.5, 0.75, 1.0])),
                           feedback=float(rng.uniform(*r["feedback"])),
                           mix=float(rng.uniform(*r["mix"]))))
    if r["plate"]:
        fx.append(_plate(rng, pb, **r.get("plate_ranges", {})))
    elif rng.random() < 0.9:
        fx.append(pb.Reverb(room_size=float(rng.uniform(0.3, 0.85)),
                            wet_level=float(rng.uniform(0.08, 0.3)), dry_level=1.0,
                            width=1.0))
    return fx


def part_chain(rng, role, *, distort=False, spb=0.5, plate=False):
    """A pedalboard effect chain for one layer, drawn for the song; ``plate`` (vocal
    layers): a heavier compressor and a long plate tail instead of the drawn reverb."""
    import pedalboard as pb

    fx = []
    if role == "drums":
        fx += [pb.HighpassFilter(cutoff_frequency_hz=float(rng.uniform(25, 45))),
               _compressor(rng, pb, (2.0, 4.5))] + _eq(rng, pb)
        if rng.random() < 0.4:
            fx.append(pb.Reverb(room_size=float(rng.uniform(0.1, 0.35)),
                                wet_level=float(rng.uniform(0.04, 0.12)), dry_level=1.0))
    elif role == "bass":
        if distort or rng.random() < 0.12:
            fx.append(pb.Distortion(drive_db=float(rng.uniform(4, 14))))
        fx += [pb.HighpassFilter(cutoff_frequency_hz=30.0), _compressor(rng, pb, (3.0, 6.0))]
        fx += _eq(rng, pb)
    elif role in VOCAL_ROLES:
        fx += _vocal_chain(rng, pb, spb, PLATE_CHAIN if plate else VOCAL_CHAIN)
    else:  # instruments of the "other" stem and the choir
        if distort:
            fx += [pb.Distortion(drive_db=float(rng.uniform(18, 36))),
                   pb.HighpassFilter(cutoff_frequency_hz=90.0),
                   pb.LowpassFilter(cutoff_frequency_hz=float(rng.uniform(4500, 7500)))]
        elif rng.random() < 0.2:
            fx.append(pb.Chorus(rate_hz=float(rng.uniform(0.5, 2.0)), depth=0.2, mix=0.3))
        fx += [_compressor(rng, pb, (1.5, 3.5))] + _eq(rng, pb)
        if role in ("pad", "counter", "choir", "melody") or rng.random() < 0.3:
            fx.append(pb.Reverb(room_size=float(rng.uniform(0.3, 0.8)),
                                wet_level=float(rng.uniform(0.1, 0.3)), dry_level=1.0))
    return pb.Pedalboard(fx)


def treat(rng, audio, role, *, distort=False, spb=0.5, position=0.0, plate=False):
    """Effects, pan and a drawn level for one layer (level relative to its role's mean)."""
    out = _process(part_chain(rng, role, distort=distort, spb=spb, plate=plate), audio)
    if position:
        out = pan(out, position)
    rms = active_rms(out)
    if rms <= 0:
        return out
    mean, spread = PART_LEVELS.get(role, (0.0, 0.0))
    gain = 10 ** ((mean + rng.uniform(-spread, spread)) / 20) * 0.1 / rms
    return out * np.float32(gain)


def balance(rng, stems):
    """Scale each stem to a drawn loudness relative to the drums (in place-safe: new dict)."""
    out = {}
    for name, audio in stems.items():
        rms = active_rms(audio)
        mean, spread = STEM_LEVELS[name]
        gain = 10 ** ((mean + rng.normal(0, spread / 2)) / 20) * 0.1 / rms if rms > 0 else 1.0
        out[name] = (audio * np.float32(gain)).astype(np.float32)
    return out


def limiter_gain(mix, *, ceiling, window):
    """Gain curve ``(frames,)`` that keeps ``|mix * gain| <= ceiling``.

    A minimum filter of half-width ``window`` frames followed by a moving average of the
    same width: the gain falls smoothly before a peak and recovers after it, and at every
    frame it is at most the gain that frame needs.
    """
    peak = np.abs(mix).max(axis=1).astype(np.float64)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    held = minimum_filter1d(need, size=2 * window + 1, mode="nearest")
    smooth = uniform_filter1d(held, size=2 * window + 1, mode="nearest")
    return np.minimum(smooth, need)


def master(rng, stems):
    """Drive the mix into a limiter; apply the same gain to every stem.

    Returns ``(stems, mixture)``, float32, with ``mixture`` the sum of the returned stems.
    """
    mix = sum(stems.values())
    target = 10 ** (rng.uniform(-16.0, -10.0) / 20)
    drive = target / max(active_rms(mix), 1e-9)
    ceiling = 10 ** (rng.uniform(-1.0, -0.1) / 20)
    window = int(rng.uniform(0.01, 0.06) * SR)
    gain = limiter_gain(mix * drive, ceiling=ceiling, window=window) * drive
    out = {k: (v * gain[:, None]).astype(np.float32) for k, v in stems.items()}
    mixture = np.zeros_like(next(iter(out.values())))
    for k in ("drums", "bass", "other", "vocals"):
        mixture += out[k]
    return out, mixture
