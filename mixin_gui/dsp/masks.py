"""Turning network magnitudes into stem coefficients.

The network estimates each stem's magnitude; these functions give the complex coefficients
that the inverse transform turns into audio. Shapes are those of a batch of chunks,
``(n, 96, 1948)``; ``k`` is the number of stems.
"""

from __future__ import annotations

import numpy as np

#: Added to the mask denominator so silence (every estimate 0) gives masks of 0, not NaN.
#: The value of Keras' ``epsilon()``, which the original MiXiN used.
MASK_EPS = 1e-7


def soft_masks(estimates, *, power=2.0, eps=MASK_EPS):
    """Wiener-style soft masks ``M_s = |S_s|^p / (sum_t |S_t|^p + eps)``.

    Parameters
    ----------
    estimates : np.ndarray, shape (k, n, 96, 1948)
        Non-negative magnitude estimates, one per stem, float32 or float64. Overwritten
        with the masks (the arrays are large; a copy would double the peak memory).
    power : float
        Exponent; 2 gives Wiener-like masks as in MiXiN.
    eps : float
        Keeps the masks finite where every estimate is 0 (they are then 0).

    Returns
    -------
    np.ndarray, shape (k, n, 96, 1948)
        The masks, in ``estimates``' memory; they sum to at most 1 at every point.
    """
    if power == 2.0:
        np.square(estimates, out=estimates)
    else:
        np.power(estimates, power, out=estimates)
    total = estimates.sum(axis=0)
    total += eps
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
