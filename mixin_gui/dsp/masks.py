"""Turning network magnitudes into stem coefficients.

The network estimates each stem's magnitude; these functions give the complex coefficients
that the inverse transform turns into audio. Shapes are those of a batch of chunks,
``(n, 96, 1948)``; ``k`` is the number of stems.
"""

from __future__ import annotations

import numpy as np

#: The masks' regulariser, relative to each chunk's largest summed estimate power.
MASK_REL_EPS = 1e-7


def soft_masks(estimates, *, power=2.0, rel_eps=MASK_REL_EPS):
    """Wiener-style soft masks ``M_s = (|S_s|^p + d w_s) / (sum_t |S_t|^p + d)``.

    ``d`` is ``rel_eps`` times the largest ``sum_t |S_t|^p`` of each chunk (plus the dtype's
    smallest normal number, so that an all-zero chunk gives finite masks), and ``w_s`` is
    stem ``s``'s share of the chunk's summed ``|S|^p`` (equal shares in an all-zero chunk).
    The masks sum to 1 at every point, so the stems sum to the mix at any level. Where the
    estimates are large against ``d`` these are MiXiN's masks ``|S_s|^p / sum_t |S_t|^p``;
    where every network says nothing (a ReLU output of exactly 0, which the original
    networks give on most bins of quiet music) the mix is shared as the chunk around it is:
    the Wiener filter's answer for sources whose prior power there is ``d w_s``. A silent
    mix still gives silent stems (the masks multiply zero coefficients).

    The original MiXiN added Keras' absolute ``epsilon()`` (1e-7) to the denominator only.
    Against the estimates of quiet music that epsilon is not small, and bins where every
    estimate is 0 got masks of 0: with the original models, the summed stems of a real
    recording played at -40 dBFS lost 0.6-2.1 dB against the mix, at -60 dBFS 3.6-6.3 dB.

    Parameters
    ----------
    estimates : np.ndarray, shape (k, n, 96, 1948)
        Non-negative magnitude estimates, one per stem, float32 or float64; axis 1 counts
        chunks (any trailing shape works). Overwritten with the masks (the arrays are
        large; a copy would double the peak memory).
    power : float
        Exponent; 2 gives Wiener-like masks as in MiXiN.
    rel_eps : float
        ``d`` relative to each chunk's peak of ``sum_t |S_t|^p``. 1e-7 is about float32's
        resolution: it changes no mask of a bin within 70 dB of the chunk's loudest bin.

    Returns
    -------
    np.ndarray, shape (k, n, 96, 1948)
        The masks, in ``estimates``' memory; non-negative, summing to 1 at every point.
    """
    if power == 2.0:
        np.square(estimates, out=estimates)
    else:
        np.power(estimates, power, out=estimates)
    k, n = estimates.shape[:2]
    total = estimates.sum(axis=0)                                  # (n, 96, 1948)
    peak = total.reshape(n, -1).max(axis=1)                        # (n,)
    d = peak * rel_eps + np.finfo(total.dtype).tiny
    energy = estimates.reshape(k, n, -1).sum(axis=2, dtype=np.float64)    # (k, n)
    chunk_total = energy.sum(axis=0)                               # (n,)
    shares = np.full_like(energy, 1.0 / k)                         # (k, n), sum 1 per chunk
    np.divide(energy, chunk_total, out=shares, where=chunk_total > 0)
    expand = (1,) * (estimates.ndim - 2)
    total += d.astype(total.dtype).reshape((n,) + expand)
    estimates += (d * shares).astype(estimates.dtype).reshape((k, n) + expand)
    np.divide(estimates, total, out=estimates)
    return estimates


def apply_masks(masks, mix):
    """Stem coefficients from masks and the mix's coefficients.

    Parameters
    ----------
    masks : np.ndarray, shape (k, n, 96, 1948), real
    mix : np.ndarray, shape (n, 96, 1948), complex

    Returns
    -------
    np.ndarray, shape (k, n, 96, 1948), complex (mix's dtype)
    """
    out = np.empty(masks.shape, dtype=mix.dtype)
    for stem_mask, stem_out in zip(masks, out):
        np.multiply(mix, stem_mask, out=stem_out)
    return out


def apply_single_model(estimates, mix):
    """Each network's magnitude with the mix's phase (MiXiN's ``--single-model``).

    Where the mix coefficient is exactly 0 its phase is taken as 0 (phase factor 1).

    Parameters
    ----------
    estimates : np.ndarray, shape (k, n, 96, 1948), real
    mix : np.ndarray, shape (n, 96, 1948), complex

    Returns
    -------
    np.ndarray, shape (k, n, 96, 1948), complex (mix's dtype)
    """
    mag = np.abs(mix)
    zero = mag == 0
    phase = mix / np.where(zero, 1, mag)
    phase[zero] = 1
    return apply_masks(estimates, phase)


def subset_masks(masks, rows):
    """Masks of some stems, renormalised to sum to 1 (the others' share spread over them
    in proportion, as the CDAEs' soft masks share the mix without the vocal model).

    Parameters
    ----------
    masks : np.ndarray, shape (k, n, ...)
        Positive masks summing to 1 over axis 0.
    rows : list of int

    Returns
    -------
    np.ndarray, shape (len(rows), n, ...)
        ``masks`` itself when ``rows`` takes every stem in order.
    """
    if list(rows) == list(range(len(masks))):
        return masks
    out = masks[rows]
    out /= out.sum(axis=0, keepdims=True)
    return out


def calibrate_masks(masks, exponents=1.0, weights=None):
    """Reshape masks that sum to 1 as ``M_s^a_s w_s / sum_t M_t^a_t w_t``, in place.

    For a joint network's softmax masks and one exponent ``a`` this is the softmax of
    ``a * logits + log w``: a temperature (``a < 1`` softens over-confident masks) and a
    prior per stem; an exponent per stem lets one stem's masks stay sharper than the
    others'. A set's card names the values its scores were measured best with
    (``mask_calibration``). The result still sums to 1 at every point, so the stems still
    sum to the mix.

    Parameters
    ----------
    masks : np.ndarray, shape (k, n, ...)
        Non-negative masks summing to 1 over axis 0 (overwritten).
    exponents : float, or sequence of k floats
        Each ``> 0``.
    weights : sequence of k positive floats, or None (all 1)

    Returns
    -------
    np.ndarray
        ``masks``, reshaped; unchanged when every exponent and weight is 1.
    """
    k = len(masks)
    a = np.broadcast_to(np.asarray(exponents, dtype=np.float64), (k,)) \
        if np.ndim(exponents) == 0 else np.asarray(exponents, dtype=np.float64)
    w = np.ones(k) if weights is None else np.asarray(weights, dtype=np.float64)
    if a.shape != (k,) or w.shape != (k,) or not np.all(np.isfinite(a) & np.isfinite(w)) \
            or np.any(a <= 0) or np.any(w <= 0):
        raise ValueError("mask calibration needs one positive exponent (or one per stem) "
                         "and one positive weight per stem")
    if np.all(a == 1.0) and np.all(w == 1.0):
        return masks
    for s in range(k):
        if a[s] != 1.0:
            np.power(masks[s], masks.dtype.type(a[s]), out=masks[s])
        if w[s] != 1.0:
            masks[s] *= masks.dtype.type(w[s])
    total = masks.sum(axis=0)
    # a point where every mask is 0 (only possible when an exponent underflows) gets the
    # weights' shares, so the stems there still sum to the mix
    empty = total <= 0
    if np.any(empty):
        masks[:, empty] = (w / w.sum()).astype(masks.dtype)[:, None]
        total[empty] = 1
    np.divide(masks, total, out=masks)
    return masks


def wiener_em(stems, mix, iterations, *, channels=1, rel_eps=MASK_REL_EPS):
    """Refine masked stems of multichannel audio with expectation-maximisation Wiener
    filtering.

    Each iteration models every stem, band by band, as a source with a power ``v_s`` per
    coefficient (its masked power, averaged over the channels) and a spatial covariance
    ``R_s`` per band (how it sits between the channels: its stereo image over the chunk),
    then takes the stems anew as the multichannel Wiener filter of the mix,
    ``y_s = v_s R_s (sum_t v_t R_t)^-1 x``. The stems' stereo images then decide what the
    magnitudes leave open (a centred voice against wide guitars). What the regulariser
    keeps back is handed out by the stems' powers, so the stems still sum to the mix.

    Mono audio is returned unchanged: with one channel ``R_s`` is 1 and an iteration only
    sharpens the masks (``v_s^2 / sum_t v_t^2``), which lowered every stem's SDR in our
    measurements (``pretrained-models/README.md``).

    Parameters
    ----------
    stems : np.ndarray, shape (k, n * channels, 96, 1948), complex
        Masked stem coefficients (:func:`apply_masks`); chunks channel by channel, as the
        engine batches them (``chunk * channels + channel``).
    mix : np.ndarray, shape (n * channels, 96, 1948), complex
    iterations : int
        0 returns ``stems`` unchanged.
    channels : int
        1 returns ``stems`` unchanged.
    rel_eps : float
        Regulariser of the mix covariance, relative to each chunk's largest summed power.

    Returns
    -------
    np.ndarray, shape of ``stems``, complex (``stems``' dtype)
    """
    if iterations <= 0 or channels < 2:
        return stems
    k, nc = stems.shape[:2]
    c = channels
    n = nc // c
    real = np.float32 if stems.dtype == np.complex64 else np.float64
    d = real(rel_eps)
    tiny = np.finfo(real).tiny
    y = stems.reshape(k, n, c, *stems.shape[2:])                     # (k, n, c, B, T)
    x = mix.reshape(n, c, *mix.shape[1:])                            # (n, c, B, T)
    for _ in range(iterations):
        p = np.square(y.real)
        p += np.square(y.imag)                                        # |y|^2 per channel
        v = p.mean(axis=2)                                            # (k, n, B, T)
        # spatial covariance per stem, chunk and band, normalised by the stem's power
        norm = 1.0 / (v.sum(axis=3) + tiny)                           # (k, n, B)
        # The powers in units of each chunk's loudest summed power, so that the regulariser
        # is relative and the determinants stay in the float range at any level. The
        # filter y_s = v_s R_s (sum_t v_t R_t)^-1 x does not change when all v scale alike.
        peak = v.sum(axis=0).reshape(n, -1).max(axis=1)
        peak[peak == 0] = 1.0
        v /= peak.reshape(1, n, 1, 1)
        if c == 2:
            y = _wiener_stereo(y, x, p, v, d, norm)
        else:
            y = _wiener_any(y, x, v, d, norm)
        del p
    # Hand out what the regulariser kept back (all of a bin far below the chunk's peak) in
    # proportion to the stems' powers, so that the stems sum to the mix.
    total = v.sum(axis=0)                                             # (n, B, T)
    share = np.divide(v, total, out=np.full_like(v, 1.0 / k), where=total > 0)
    rest = x - y.sum(axis=0)                                          # (n, c, B, T)
    for stem, w in zip(y, share):
        stem += w[:, None] * rest
    return y.reshape(stems.shape)


def _wiener_stereo(y, x, p, v, d, norm):
    """One EM step for two channels, the 2 x 2 algebra written out (elementwise, fast);
    ``p``: ``|y|^2`` per channel. Works in place where it can: every ``(n, B, T)`` array
    is made once, and the products go into buffers, not new temporaries."""
    r00 = p[:, :, 0].sum(axis=-1) * norm                                     # (k, n, B)
    r11 = p[:, :, 1].sum(axis=-1) * norm
    r01 = np.einsum("knbt,knbt->knb", y[:, :, 0], np.conj(y[:, :, 1])) * norm
    c00 = np.einsum("knbt,knb->nbt", v, r00)                                  # (n, B, T)
    c11 = np.einsum("knbt,knb->nbt", v, r11)
    c01 = np.empty(c00.shape, dtype=y.dtype)
    c01.real = np.einsum("knbt,knb->nbt", v, r01.real)
    c01.imag = np.einsum("knbt,knb->nbt", v, r01.imag)
    # det(C + d I), the positive part first: det C >= 0 for covariances, but where the
    # channels are nearly alike rounding can take it below 0 (then d alone would not help)
    det = np.abs(c01)
    np.square(det, out=det)
    np.subtract(c00 * c11, det, out=det)
    np.maximum(det, 0, out=det)
    det += d * (c00 + c11 + d)
    c00 += d
    c11 += d
    inv = np.reciprocal(det, out=det)
    x0, x1 = x[:, 0], x[:, 1]
    tmp = np.empty_like(c01)
    z0 = np.multiply(c11, x0, dtype=y.dtype)
    z0 -= np.multiply(c01, x1, out=tmp)
    z0 *= inv
    z1 = np.multiply(c00, x1, dtype=y.dtype)
    np.conjugate(c01, out=c01)
    z1 -= np.multiply(c01, x0, out=tmp)
    z1 *= inv
    del tmp, c01, c00, c11, inv
    r00, r11, r01 = r00[..., None], r11[..., None], r01[..., None].astype(y.dtype)
    out = np.empty_like(y)
    buf = np.empty_like(out[:, :, 0])
    for ch, (a, b) in enumerate(((r00, r01), (np.conj(r01), r11))):
        o = out[:, :, ch]
        np.multiply(a, z0, out=o)
        o += np.multiply(b, z1, out=buf)
        o *= v
    return out


def _wiener_any(y, x, v, d, norm):
    """One EM step for any number of channels (a batched linear solve per coefficient)."""
    c = y.shape[2]
    r = np.einsum("knabt,kndbt->knbad", y, np.conj(y)) * norm[..., None, None]  # (k,n,B,c,c)
    cxx = np.einsum("knbt,knbad->nbtad", v, r)
    cxx[..., range(c), range(c)] += d
    z = np.linalg.solve(cxx, np.moveaxis(x, 1, -1)[..., None])[..., 0]           # (n,B,T,c)
    return np.einsum("knbt,knbad,nbtd->knabt", v, r, z).astype(y.dtype)
