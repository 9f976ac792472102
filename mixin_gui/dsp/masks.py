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
