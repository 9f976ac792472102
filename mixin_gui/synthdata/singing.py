"""WORLD re-synthesis of a spoken line as a sung phrase (see :mod:`.vocals`).

:func:`analyse` splits speech into F0, spectral envelope and aperiodicity; :func:`time_map`
decides which source frame sounds at each output frame; :func:`pitch_curve` draws the sung
F0 (notes, portamento, vibrato, drift); :func:`synthesise` puts them back together.
"""

from __future__ import annotations

import numpy as np


FRAME = 0.005  # WORLD frame period, seconds
CONSONANT_MAX = 24  # frames (120 ms) of unvoiced sound kept before a vowel
PRE_ROLL = 0.2  # seconds of output before the first note (room for its consonant)


def voiced_runs(f0, n_notes):
    """Voiced stretches ``[(a, b), ...]`` (frame indices), merged or split to ``n_notes``."""
    v = f0 > 0
    runs, k = [], 0
    while k < len(v):
        if v[k]:
            j = k
            while j < len(v) and v[j]:
                j += 1
            runs.append([k, j])
            k = j
        else:
            k += 1
    merged = []
    for r in runs:  # bridge gaps under 30 ms, drop blips under 30 ms
        if merged and r[0] - merged[-1][1] < 6:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    runs = [r for r in merged if r[1] - r[0] >= 6]
    if not runs:
        return []
    while len(runs) > n_notes:
        gaps = [runs[i + 1][0] - runs[i][1] for i in range(len(runs) - 1)]
        i = int(np.argmin(gaps))
        runs[i:i + 2] = [[runs[i][0], runs[i + 1][1]]]
    while len(runs) < n_notes:
        i = int(np.argmax([b - a for a, b in runs]))
        a, b = runs[i]
        if b - a < 4:
            break
        runs[i:i + 1] = [[a, (a + b) // 2], [(a + b) // 2, b]]
    return [tuple(r) for r in runs]


def analyse(x, fs):
    """WORLD analysis of mono float64 speech: ``(f0, sp, ap)`` at 5 ms frames."""
    import pyworld as pw

    x = np.ascontiguousarray(x, dtype=np.float64)
    f0, t = pw.dio(x, fs, f0_floor=60.0, f0_ceil=600.0, frame_period=FRAME * 1000)
    f0 = pw.stonemask(x, f0, t, fs)
    sp = pw.cheaptrick(x, f0, t, fs)
    ap = pw.d4c(x, f0, t, fs)
    return f0, sp, ap


def extend_band(sp, ap, fs, band_edge, *, slope_db_per_octave=-12.0):
    """Give speech recorded at a low rate an upper band, as a microphone would hear it.

    Above 85 % of ``band_edge`` (the Nyquist frequency of the speech synthesiser) the
    envelope continues from its value there, falling by ``slope_db_per_octave``, and the
    aperiodicity rises towards noise: breath and "air" instead of an empty band.
    """
    n_bins = sp.shape[1]
    freqs = np.arange(n_bins) * fs / (2.0 * (n_bins - 1))
    start = int(np.searchsorted(freqs, 0.85 * band_edge))
    if start >= n_bins - 1:
        return sp, ap
    sp, ap = sp.copy(), ap.copy()
    octaves = np.log2(freqs[start:] / freqs[start])
    sp[:, start:] = sp[:, start:start + 1] * 10 ** (slope_db_per_octave * octaves / 10)
    ap[:, start:] = np.maximum(ap[:, start:start + 1], 1 - 0.5 * 2.0 ** -octaves)
    return sp, ap


def _vowel_map(a, b, length):
    """Source frame positions for ``length`` output frames sung on source run [a, b)."""
    run = b - a
    if run > 16 and length > run:  # keep 40 ms of each edge at speed, stretch the middle
        head = np.arange(a, a + 8, dtype=float)
        tail = np.arange(b - 8, b, dtype=float)
        mid = np.linspace(a + 8, b - 8, length - 16, endpoint=False)
        return np.concatenate([head, mid, tail])
    return np.linspace(a, b - 1, length)


def time_map(f0, onsets, durations, *, legato):
    """Map output frames to source frames.

    Parameters
    ----------
    f0 : ndarray (n_src,)
        Source F0 (0 where unvoiced).
    onsets, durations : sequences of float
        Note onsets and lengths in seconds from the output's start (which is the first onset
        minus :data:`PRE_ROLL`).
    legato : float
        Fraction of each note that is sung (the rest is silence or the next consonant).

    Returns
    -------
    src : ndarray (n_out,)
        Fractional source frame per output frame, -1 for silence.
    note : ndarray (n_out,) int
        Index of the note a voiced output frame belongs to, -1 elsewhere.
    """
    runs = voiced_runs(f0, len(onsets))
    n = min(len(runs), len(onsets))
    n_out = int(round((onsets[-1] + durations[-1]) / FRAME)) + 80
    src, note = np.full(n_out, -1.0), np.full(n_out, -1, dtype=int)
    for i in range(n):
        a, b = runs[i]
        o = int(round(onsets[i] / FRAME))
        cons_from = max(runs[i - 1][1] if i else 0, a - CONSONANT_MAX)
        cs = max(0, o - (a - cons_from))
        src[cs:o] = np.arange(a - (o - cs), a)
        note[cs:o] = -1
        end = o + max(4, int(round(durations[i] * legato / FRAME)))
        if i + 1 < n:
            nxt = int(round(onsets[i + 1] / FRAME))
            end = min(end, nxt - min(CONSONANT_MAX, runs[i + 1][0] - b))
        end = min(max(end, o + 4), n_out)
        src[o:end] = _vowel_map(a, b, end - o)
        note[o:end] = i
        if i == n - 1:  # the last word's final consonant
            tail = [k for k in range(b, min(b + CONSONANT_MAX, len(f0))) if f0[k] == 0]
            m = min(len(tail), n_out - end)
            src[end:end + m] = tail[:m]
    return src, note


def pitch_curve(rng, note, pitches, *, vibrato_depth, vibrato_rate, glide):
    """Sung F0 in Hz per output frame (0 where unvoiced).

    ``pitches`` are MIDI numbers per note; vibrato depth in cents, rate in Hz; ``glide`` in
    seconds is the portamento from the previous note when the two are close.
    """
    f0 = np.zeros(len(note))
    drift = np.convolve(rng.normal(0, 1, len(note) + 40), np.hanning(40), "same")[:len(note)]
    drift *= 8.0 / max(np.abs(drift).max(), 1e-9)  # +-8 cents wander
    prev_pitch, prev_end = None, -10**9
    phase = float(rng.uniform(0, 2 * np.pi))
    for i, p in enumerate(pitches):
        idx = np.nonzero(note == i)[0]
        if len(idx) == 0:
            continue
        t = (idx - idx[0]) * FRAME
        cents = drift[idx].copy()
        ramp = np.clip((t - 0.18) / 0.25, 0, 1)
        cents += vibrato_depth * ramp * np.sin(2 * np.pi * vibrato_rate * t + phase)
        if prev_pitch is not None and idx[0] - prev_end < 40:
            g = np.clip(t / glide, 0, 1)
            cents += (prev_pitch - p) * 100 * 0.5 * (1 + np.cos(np.pi * g))
        f0[idx] = 440.0 * 2 ** ((p - 69) / 12 + cents / 1200)
        prev_pitch, prev_end = p, idx[-1]
    return f0


def synthesise(sp, ap, fs, src, f0):
    """WORLD synthesis of the mapped frames; mono float64 at ``fs``."""
    import pyworld as pw

    n_bins = sp.shape[1]
    out_sp = np.full((len(src), n_bins), 1e-16)
    out_ap = np.ones((len(src), n_bins))
    on = src >= 0
    pos = src[on]
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, len(sp) - 1)
    w = (pos - i0)[:, None]
    out_sp[on] = np.exp((1 - w) * np.log(sp[i0] + 1e-16) + w * np.log(sp[i1] + 1e-16))
    out_ap[on] = (1 - w) * ap[i0] + w * ap[i1]
    f0 = np.where(on, f0, 0.0)
    y = pw.synthesize(np.ascontiguousarray(f0), np.ascontiguousarray(out_sp),
                      np.ascontiguousarray(out_ap), fs, FRAME * 1000)
    return y


def shift_formants(sp, ratio):
    """The spectral envelope stretched along frequency by ``ratio`` (above 1 moves every
    formant up, as a shorter vocal tract does): ``out[f] = sp[f / ratio]``, interpolated on
    log magnitude, the top bins held."""
    n = sp.shape[1]
    where = np.arange(n) / float(ratio)
    i0 = np.clip(np.floor(where).astype(int), 0, n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    w = np.clip(where - i0, 0.0, 1.0)[None, :]
    log = np.log(sp + 1e-16)
    return np.exp((1 - w) * log[:, i0] + w * log[:, i1])
