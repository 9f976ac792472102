"""Chunk plans, crossfades, overlap-add and masks: pure numpy, known answers."""

import numpy as np
import pytest

from mixin_gui.dsp.chunking import ChunkPlan, OverlapAdd
from mixin_gui.dsp.masks import apply_masks, apply_single_model, soft_masks


@pytest.mark.parametrize("length,overlap", [(1, 0), (100, 16), (1000, 0), (1000, 16),
                                            (1024, 32), (5000, 100)])
def test_unprocessed_chunks_add_back_to_the_input(rng, length, overlap):
    plan = ChunkPlan(length, 256, overlap)
    x = rng.standard_normal((2, length)).astype(np.float32)
    ola = OverlapAdd(plan, (2,))
    out = []
    for start in range(0, plan.n_chunks, 3):
        stop = min(start + 3, plan.n_chunks)
        chunks = plan.chunks(x, start, stop)            # (k, ch, size)
        out.append(ola.add(start, chunks.transpose(1, 0, 2)))
    y = np.concatenate(out, axis=-1)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, x, atol=1e-6)


def test_plan_covers_every_sample():
    plan = ChunkPlan(44032 * 3 + 1, 44032, 0)
    assert plan.n_chunks == 4  # the original dropped this last chunk
    plan = ChunkPlan(10, 44032, 2048)
    assert plan.n_chunks == 1


def test_fades_are_complementary():
    plan = ChunkPlan(10_000, 1000, 200)
    a, b = plan.fade(1), plan.fade(2)
    np.testing.assert_allclose(a[-200:] + b[:200], 1.0, atol=1e-6)
    assert plan.fade(0)[0] == 1.0 and plan.fade(plan.n_chunks - 1)[-1] == 1.0


def test_overlap_must_be_less_than_half_a_chunk():
    with pytest.raises(ValueError):
        ChunkPlan(100, 64, 32)


def test_soft_masks_of_silence_are_finite_and_give_silent_stems():
    est = np.zeros((3, 2, 4, 5), dtype=np.float32)
    m = soft_masks(est)
    assert np.isfinite(m).all()
    np.testing.assert_allclose(m.sum(0), 1.0, rtol=1e-6)
    stems = apply_masks(m, np.zeros((2, 4, 5), np.complex64))
    assert (stems == 0).all()


def test_soft_masks_are_mixins_where_estimates_are_large(rng):
    est = rng.random((3, 2, 4, 5)).astype(np.float64) + 0.1
    expected = est ** 2 / (est ** 2).sum(0)
    m = soft_masks(est.copy())
    np.testing.assert_allclose(m, expected, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("level_db", [0, -20, -40, -60, -90, -200])
def test_soft_masks_sum_to_one_and_ignore_the_level(rng, dtype, level_db):
    est = rng.random((3, 2, 96, 50))
    est[:, :, :10] = 0                   # bins where every network says nothing (ReLU)
    est[2, 1] = 0                        # one stem silent in a whole chunk
    ref = soft_masks(est.astype(dtype))
    m = soft_masks((est * 10 ** (level_db / 20)).astype(dtype))
    assert np.isfinite(m).all() and (m >= 0).all()
    np.testing.assert_allclose(m.sum(0), 1.0, atol=1e-6)
    np.testing.assert_allclose(m, ref, atol=1e-5)   # a quieter mix gets the same masks
    # Where every estimate is 0, each stem gets its share of the chunk's estimates.
    power = (est ** 2).sum(axis=(2, 3))                      # (stems, chunks)
    shares = power / power.sum(axis=0)
    np.testing.assert_allclose(m[:, :, :10], np.broadcast_to(
        shares[:, :, None, None], m[:, :, :10].shape), atol=1e-6)
    assert (m[2, 1] == 0).all()                 # the silent stem gets nothing of chunk 1


def test_soft_masks_of_an_all_zero_chunk_share_equally():
    est = np.zeros((3, 1, 4, 5), dtype=np.float32)
    np.testing.assert_allclose(soft_masks(est), 1 / 3, rtol=1e-6)


def test_single_model_keeps_mix_phase_and_network_magnitude(rng):
    mix = (rng.standard_normal((2, 4, 5)) + 1j * rng.standard_normal((2, 4, 5)))
    mix[0, 0, 0] = 0
    est = rng.random((2, 2, 4, 5))
    out = apply_single_model(est, mix)
    np.testing.assert_allclose(np.abs(out), est, atol=1e-12)
    nz = mix != 0
    np.testing.assert_allclose(np.angle(out[0][nz]), np.angle(mix[nz]), atol=1e-12)
    assert out[0, 0, 0, 0] == est[0, 0, 0, 0]  # zero mix: phase 0


def test_apply_masks_multiplies(rng):
    mix = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    masks = rng.random((3, 2, 3))
    np.testing.assert_allclose(apply_masks(masks, mix), masks * mix[None])
