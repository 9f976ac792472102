"""Vectorized Bark-scale Nonstationary Gabor Transform (matrix form, real input).

This is the transform the MiXiN models were trained on: 96 bands evenly spaced on the Bark
scale from 0 to 22050 Hz, chunks of 44032 samples at 44.1 kHz, every band sub-sampled to the
same number of coefficients (1948) so a chunk becomes a ``(96, 1948)`` complex matrix.

The frame is painless (Hann windows in the frequency domain, each band's window no longer
than its number of coefficients), so the canonical dual frame is the analysis windows divided
by the diagonal frame operator and the inverse is exact to rounding.

Everything is precomputed once in :class:`BarkNSGT`; a batch of chunks is transformed with
one FFT, one gather and one batched inverse FFT (forward), or one batched FFT, one sparse
product and one inverse real FFT (inverse). There is no Python loop over chunks or bands
at call time.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.sparse

from .. import config

#: FFT worker threads for scipy.fft (-1: all cores); ``MIXIN_FFT_WORKERS`` overrides it.
FFT_WORKERS = int(os.environ.get("MIXIN_FFT_WORKERS", -1))


def hz_to_bark(f):
    """Bark value of a frequency in Hz: ``6 asinh(f / 600)``."""
    return 6.0 * np.arcsinh(np.asarray(f, dtype=np.float64) / 600.0)


def bark_to_hz(b):
    """Frequency in Hz of a Bark value (inverse of :func:`hz_to_bark`)."""
    return 600.0 * np.sinh(np.asarray(b, dtype=np.float64) / 6.0)


def bark_scale(n_bands=config.N_BANDS, *, fmin=config.F_MIN, fmax=config.F_MAX):
    """Centre frequencies and Q factors of ``n_bands`` bands evenly spaced in Bark.

    Returns
    -------
    frqs : np.ndarray, shape (n_bands,)
        Centre frequencies in Hz, ``frqs[0] == fmin`` and ``frqs[-1] == fmax``.
    q : np.ndarray, shape (n_bands,)
        Q factor of each band, ``f / (df/dband)``, by a central difference of step 1e-8
        (as the reference implementation computes it).
    """
    bmin, bmax = hz_to_bark(fmin), hz_to_bark(fmax)
    step = (bmax - bmin) / (n_bands - 1)
    band = np.arange(n_bands, dtype=np.float64)

    def freq(b):
        return bark_to_hz(b * step + bmin)

    d = 1e-8
    q = freq(band) * d / (freq(band + d) - freq(band - d))
    return freq(band), q


def _hann_zero_phase(length):
    """Hann window of ``length`` samples whose peak is at index 0 (wraps around)."""
    return 0.5 + 0.5 * np.cos(np.arange(length) * (2.0 * np.pi / length))


class BarkNSGT:
    """Matrix-form Bark NSGT of fixed-length real chunks.

    Parameters
    ----------
    n_bands : int
        Bands on the Bark scale (96 for MiXiN).
    sr : int
        Sample rate in Hz.
    length : int
        Samples per chunk (44032 for MiXiN).

    Attributes
    ----------
    frqs : np.ndarray, shape (n_bands,)
        Band centre frequencies in Hz.
    q : np.ndarray, shape (n_bands,)
        Band Q factors.
    shape : tuple of int
        Shape of one chunk's coefficients, ``(n_bands, n_coefs)``.
    """

    def __init__(self, n_bands=config.N_BANDS, *, sr=config.SAMPLE_RATE,
                 length=config.CHUNK_SIZE):
        self.sr = sr
        self.length = length
        self.frqs, self.q = bark_scale(n_bands, fmax=sr / 2.0)
        windows, centres = self._windows()
        self._build_operators(windows, centres)

    # ------------------------------------------------------------------ set-up
    def _windows(self):
        """Analysis windows (zero-phase Hann) and their centre bins, all 2*(L+1) of them."""
        f = self.frqs
        nyq = self.sr / 2.0
        f = f[(f > 0) & (f < nyq)]  # DC and Nyquist get their own windows below
        frqs = np.concatenate(([0.0], f, [nyq]))
        fbas = np.concatenate((frqs, self.sr - frqs[-2:0:-1])) * (self.length / self.sr)
        n_win = len(fbas)
        widths = np.empty(n_win, dtype=np.int64)
        widths[0] = np.round(2 * fbas[1])
        widths[1:-1] = np.round(fbas[2:] - fbas[:-2])
        widths[-1] = np.round(self.length - fbas[-2])
        widths = np.maximum(widths, 4)
        # As in the reference: the last band's centre moves half-way between its
        # neighbours (after the widths are fixed), and its mirror image with it.
        top = len(f)
        fbas[top] = (fbas[top - 1] + fbas[top + 1]) / 2
        fbas[top + 2] = self.length - fbas[top]
        centres = np.round(fbas).astype(np.int64)
        return [_hann_zero_phase(w) for w in widths], centres

    def _build_operators(self, windows, centres):
        n = self.length
        n_pos = len(windows) // 2 + 1  # DC, the bands and Nyquist: the real-input half
        self.n_coefs = max(len(w) for w in windows[:n_pos])
        self.shape = (n_pos, self.n_coefs)
        m = self.n_coefs

        # Frequency-bin indices each window covers, centred on its centre bin.
        ranges = []
        for w, c in zip(windows, centres):
            lg = len(w)
            ranges.append(np.arange(c - lg // 2, c + lg - lg // 2) % n)

        # Diagonal of the frame operator: sum of M * |g|^2 over all windows.
        diag = np.zeros(n)
        for w, r in zip(windows, ranges):
            np.add.at(diag, r, m * np.fft.fftshift(w) ** 2)
        duals = [w / np.fft.ifftshift(diag[r]) for w, r in zip(windows, ranges)]

        # Forward: flattened coefficient slot pos[i] reads spectrum bin src[i] times weight[i]
        # (conjugated where the window reaches above Nyquist: real input).
        pos, src, wts = [], [], []
        for j in range(n_pos):
            lg = len(windows[j])
            shifted = np.fft.fftshift(windows[j])
            slots = np.r_[np.arange((lg + 1) // 2), np.arange(m - lg // 2, m)]
            take = np.r_[np.arange(lg // 2, lg), np.arange(lg // 2)]
            pos.append(j * m + slots)
            src.append(ranges[j][take])
            wts.append(shifted[take])
        pos, src, wts = np.concatenate(pos), np.concatenate(src), np.concatenate(wts)
        mirrored = src > n // 2
        self._fwd_pos = pos
        self._fwd_src = np.where(mirrored, n - src, src)
        self._fwd_conj = np.flatnonzero(mirrored)
        self._fwd_weight = {np.dtype(np.float64): wts, np.dtype(np.float32): wts.astype(np.float32)}
        self._synth = self._synthesis_matrices(duals, ranges, n_pos)
        self._synth32 = None

    def _synthesis_matrices(self, duals, ranges, n_pos):
        """Sparse maps from FFT'd coefficients to the half spectrum.

        The half spectrum is ``A @ c + B @ conj(c)`` where ``c`` is the flattened FFT of the
        coefficient rows: positive-frequency windows add their coefficients directly, the
        mirrored negative-frequency windows add conjugates (real input).
        """
        m, n = self.n_coefs, self.length
        n_half = n // 2 + 1
        rows_a, cols_a, vals_a = [], [], []
        rows_b, cols_b, vals_b = [], [], []
        n_win = len(duals)
        for i, (g, r) in enumerate(zip(duals, ranges)):
            lg = len(g)
            # Coefficient slot k of window i goes to bin r at the matching position.
            k = np.r_[np.arange((lg + 1) // 2), np.arange(m - lg // 2, m)]
            gv = np.r_[g[:(lg + 1) // 2], g[(lg + 1) // 2:]] * m
            bins = np.r_[r[lg // 2:], r[:lg // 2]]
            if i < n_pos:
                rows, cols, vals, row_of = rows_a, cols_a, vals_a, i
                slot = k
            else:
                # Mirrored window i reuses row (n_win - i) with c -> conj(c[-k]).
                rows, cols, vals, row_of = rows_b, cols_b, vals_b, n_win - i
                slot = (-k) % m
            keep = bins < n_half
            rows.append(bins[keep])
            cols.append(row_of * m + slot[keep])
            vals.append(gv[keep])
        shape = (n_half, n_pos * m)

        def build(rows, cols, vals):
            if not rows:
                return scipy.sparse.csr_matrix(shape)
            mat = scipy.sparse.coo_matrix(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                shape=shape)
            return mat.tocsr()

        return build(rows_a, cols_a, vals_a), build(rows_b, cols_b, vals_b)

    # --------------------------------------------------------------- transform
    def forward(self, x, *, dtype=np.float64):
        """NSGT coefficients of a chunk or a batch of chunks.

        Parameters
        ----------
        x : array_like, shape (length,) or (n, length)
            Real chunk(s).
        dtype : np.float64 or np.float32
            Working precision; float32 is about twice as fast and accurate to ~1e-6
            relative to the largest coefficient.

        Returns
        -------
        np.ndarray, shape (n_bands, n_coefs) or (n, n_bands, n_coefs)
            Complex coefficients (complex128 or complex64).
        """
        dtype = np.dtype(dtype)
        x = np.asarray(x, dtype=dtype)
        single = x.ndim == 1
        xb = x[None] if single else x
        if xb.shape[-1] != self.length:
            raise ValueError(f"chunks must have {self.length} samples, got {xb.shape[-1]}")
        spec = scipy.fft.rfft(xb, axis=-1, workers=FFT_WORKERS)
        vals = spec[:, self._fwd_src]
        vals[:, self._fwd_conj] = np.conj(vals[:, self._fwd_conj])
        vals *= self._fwd_weight[dtype]
        buf = np.zeros((len(xb), self.shape[0] * self.shape[1]), dtype=spec.dtype)
        buf[:, self._fwd_pos] = vals
        c = scipy.fft.ifft(buf.reshape(len(xb), *self.shape), axis=-1,
                           workers=FFT_WORKERS, overwrite_x=True)
        return c[0] if single else c

    def inverse(self, c):
        """Signal from NSGT coefficients (inverse of :meth:`forward`).

        Parameters
        ----------
        c : array_like, shape (n_bands, n_coefs) or (n, n_bands, n_coefs)
            Complex coefficients; complex64 input gives a float32 result.

        Returns
        -------
        np.ndarray, shape (length,) or (n, length)
            Real signal(s).
        """
        c = np.asarray(c)
        single = c.ndim == 2
        cb = c[None] if single else c
        if cb.shape[-2:] != self.shape:
            raise ValueError(f"coefficients must have shape {self.shape}, got {cb.shape[-2:]}")
        is32 = cb.dtype == np.complex64
        fc = scipy.fft.fft(cb, axis=-1, workers=FFT_WORKERS)
        fc = fc.reshape(len(cb), -1)
        a, b = self._synth_for(is32)
        # (A @ fc.T).T == fc @ A.T; sparse @ dense keeps it one call for the batch.
        half = a @ fc.T
        if b.nnz:  # never for the Bark scale up to Nyquist, kept for other scales
            half += b @ np.conj(fc).T
        half = half.T
        out = scipy.fft.irfft(half, n=self.length, axis=-1, workers=FFT_WORKERS)
        out = out.astype(np.float32 if is32 else np.float64, copy=False)
        return out[0] if single else out

    def _synth_for(self, is32):
        if not is32:
            return self._synth
        if self._synth32 is None:
            self._synth32 = tuple(s.astype(np.float32) for s in self._synth)
        return self._synth32


@lru_cache(maxsize=4)
def get_nsgt(n_bands=config.N_BANDS, sr=config.SAMPLE_RATE, length=config.CHUNK_SIZE):
    """Shared :class:`BarkNSGT` instance (building one takes about 0.1 s)."""
    return BarkNSGT(n_bands, sr=sr, length=length)
