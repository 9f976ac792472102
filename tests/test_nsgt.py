"""The Bark NSGT against the golden vectors of the reference implementation."""

import numpy as np
import pytest

from mixin_gui import config
from mixin_gui.dsp.nsgt import BarkNSGT, bark_scale, bark_to_hz, get_nsgt, hz_to_bark


def test_bark_scale_matches_reference_frequencies(golden):
    frqs, q = bark_scale()
    np.testing.assert_allclose(frqs, golden["frqs"], rtol=0, atol=1e-9)
    # Q comes from a numerical derivative with step 1e-8: agreement to ~1e-5 is all a
    # central difference can give; the windows do not depend on Q.
    np.testing.assert_allclose(q, golden["q"], rtol=1e-5, atol=1e-7)


def test_bark_conversions_are_inverse():
    f = np.array([0.0, 100.0, 1000.0, 22050.0])
    np.testing.assert_allclose(bark_to_hz(hz_to_bark(f)), f, atol=1e-9)


def test_shape_is_96_by_1948():
    assert get_nsgt().shape == (config.N_BANDS, config.N_COEFS)


def test_forward_matches_golden_float64(golden):
    c = get_nsgt().forward(golden["x"])
    assert c.dtype == np.complex128
    assert np.abs(c - golden["C"]).max() < 1e-9


def test_inverse_of_golden_gives_x_back(golden):
    x = get_nsgt().inverse(golden["C"])
    assert x.dtype == np.float64
    assert np.abs(x - golden["x"]).max() < 1e-9


def test_float32_path_within_tolerance(golden):
    nsgt = get_nsgt()
    c32 = nsgt.forward(golden["x"].astype(np.float32), dtype=np.float32)
    assert c32.dtype == np.complex64
    scale = np.abs(golden["C"]).max()
    assert np.abs(c32 - golden["C"]).max() / scale < 5e-6
    x32 = nsgt.inverse(c32)
    assert x32.dtype == np.float32
    assert np.abs(x32 - golden["x"]).max() < 5e-6 * np.abs(golden["x"]).max()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batched_equals_single_chunk(rng, dtype):
    nsgt = get_nsgt()
    x = rng.standard_normal((3, config.CHUNK_SIZE)).astype(dtype)
    batch = nsgt.forward(x, dtype=dtype)
    singles = np.stack([nsgt.forward(xi, dtype=dtype) for xi in x])
    np.testing.assert_array_equal(batch, singles)
    back = nsgt.inverse(batch)
    back_single = np.stack([nsgt.inverse(ci) for ci in batch])
    np.testing.assert_array_equal(back, back_single)


def test_round_trip_random_batch(rng):
    nsgt = get_nsgt()
    x = rng.standard_normal((4, config.CHUNK_SIZE))
    assert np.abs(nsgt.inverse(nsgt.forward(x)) - x).max() < 1e-12


def test_a_tone_lands_in_the_band_of_its_frequency():
    nsgt = BarkNSGT()
    t = np.arange(config.CHUNK_SIZE) / config.SAMPLE_RATE
    for freq in (100.0, 1000.0, 8000.0):
        energy = (np.abs(nsgt.forward(np.sin(2 * np.pi * freq * t))) ** 2).sum(axis=1)
        nearest = int(np.argmin(np.abs(nsgt.frqs - freq)))
        assert abs(int(np.argmax(energy)) - nearest) <= 1


def test_wrong_chunk_length_is_refused():
    with pytest.raises(ValueError, match="44032"):
        get_nsgt().forward(np.zeros(1000))
