"""Cutting a signal into transform chunks and putting processed chunks back together.

Chunks of ``size`` samples start every ``hop = size - overlap`` samples. Each chunk's output
is weighted by a crossfade that rises over its first ``overlap`` samples and falls over its
last ``overlap`` samples (not at the signal's two ends); the weights of neighbouring chunks
are complementary (``sin^2 + cos^2 = 1``), so unprocessed chunks add back up to the input
exactly, and a processed signal moves smoothly from one chunk's estimate to the next.
Why a crossfade: the NSGT treats each chunk as circular, so whatever a mask does near a
chunk's edge wraps around to its other edge; the crossfade gives the edges of every chunk
weight near zero where its neighbour has full weight. ``overlap=0`` is the original MiXiN
back-to-back chunking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChunkPlan:
    """Where the chunks of a signal of ``length`` samples lie.

    Attributes
    ----------
    length : int
        Samples in the signal (at least 1).
    size : int
        Samples per chunk.
    overlap : int
        Samples shared by neighbouring chunks (0 <= overlap < size / 2).
    """

    length: int
    size: int
    overlap: int = 0

    def __post_init__(self):
        if not 0 <= self.overlap < self.size // 2:
            raise ValueError("overlap must be at least 0 and less than half a chunk")

    @property
    def hop(self) -> int:
        return self.size - self.overlap

    @property
    def n_chunks(self) -> int:
        """Chunks needed to cover every sample (the last one is zero-padded)."""
        return max(1, math.ceil((self.length - self.overlap) / self.hop))

    def chunks(self, x, start, stop):
        """Chunks ``start`` to ``stop - 1`` of every channel.

        Parameters
        ----------
        x : np.ndarray, shape (channels, length)
            Any strides (a transposed ``(length, channels)`` view is read without a copy).

        Returns
        -------
        np.ndarray, shape (stop - start, channels, size)
            Zero-padded past the signal's end.
        """
        n_ch = x.shape[0]
        out = np.zeros((stop - start, n_ch, self.size), dtype=x.dtype)
        for j, i in enumerate(range(start, stop)):
            seg = x[:, i * self.hop:i * self.hop + self.size]
            out[j, :, :seg.shape[1]] = seg
        return out

    def fade(self, index):
        """Crossfade weights of chunk ``index``, shape (size,)."""
        w = np.ones(self.size, dtype=np.float32)
        if self.overlap:
            t = (np.arange(self.overlap) + 0.5) / self.overlap
            rise = np.sin(0.5 * np.pi * t) ** 2
            if index > 0:
                w[:self.overlap] = rise
            if index < self.n_chunks - 1:
                w[-self.overlap:] = rise[::-1]
        return w


class OverlapAdd:
    """Accumulates processed chunks and releases finished samples in order.

    Parameters
    ----------
    plan : ChunkPlan
    lead_shape : tuple of int
        Shape in front of the time axis of every block, e.g. ``(stems, channels)``.
    """

    def __init__(self, plan, lead_shape):
        self.plan = plan
        self._carry = np.zeros((*lead_shape, plan.overlap), dtype=np.float32)
        self._emitted = 0

    def add(self, first_index, chunks):
        """Add chunks ``first_index, first_index + 1, ...`` and return finished samples.

        Parameters
        ----------
        chunks : np.ndarray, shape (*lead_shape, k, size)
            Processed chunks, consecutive, in order.

        Returns
        -------
        np.ndarray, shape (*lead_shape, m)
            Samples no later chunk will touch (trimmed to the signal's length at the end).
        """
        plan = self.plan
        k = chunks.shape[-2]
        hop, ov = plan.hop, plan.overlap
        seg = np.zeros((*chunks.shape[:-2], k * hop + ov), dtype=np.float32)
        for j in range(k):
            seg[..., j * hop:j * hop + plan.size] += chunks[..., j, :] * plan.fade(first_index + j)
        seg[..., :ov] += self._carry
        last = first_index + k >= plan.n_chunks
        if last:
            out = seg[..., :plan.length - self._emitted]
        else:
            out = seg[..., :k * hop]
            self._carry = seg[..., k * hop:].copy()
        self._emitted += out.shape[-1]
        return out
