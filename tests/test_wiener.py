"""The Wiener post-filter (dsp.masks.wiener_em) and its option in the engine."""

from __future__ import annotations

import numpy as np
import pytest

from mixin_gui.config import SeparationOptions
from mixin_gui.dsp.masks import _wiener_any, _wiener_stereo, apply_masks, soft_masks, wiener_em

B, T = 96, 1948


def _noise(rng, shape):
    return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(np.complex64)


def test_stems_still_sum_to_the_mix():
    rng = np.random.default_rng(0)
    for channels in (2, 3):
        x = _noise(rng, (2 * channels, B, T))
        est = np.abs(rng.normal(size=(3, 2 * channels, B, T))).astype(np.float32)
        y = wiener_em(apply_masks(soft_masks(est), x), x, 2, channels=channels)
        assert y.shape == (3, 2 * channels, B, T) and y.dtype == np.complex64
        assert np.abs(y.sum(axis=0) - x).max() < 1e-5 * np.abs(x).max()


def test_zero_iterations_change_nothing_and_silence_stays_silent():
    rng = np.random.default_rng(1)
    x = _noise(rng, (2, B, T))
    y = apply_masks(soft_masks(np.abs(rng.normal(size=(3, 2, B, T))).astype(np.float32)), x)
    assert wiener_em(y, x, 0, channels=2) is y
    z = wiener_em(np.zeros_like(y), np.zeros_like(x), 2, channels=2)
    assert np.all(np.isfinite(z)) and not z.any()


def test_mono_is_left_alone():
    rng = np.random.default_rng(2)
    x = _noise(rng, (3, B, T))
    y = apply_masks(soft_masks(np.abs(rng.normal(size=(3, 3, B, T))).astype(np.float32)), x)
    assert wiener_em(y, x, 2, channels=1) is y


def test_the_stereo_algebra_is_the_general_solve():
    rng = np.random.default_rng(3)
    y = _noise(rng, (3, 2, 2, 8, 50))
    x = y.sum(axis=0)
    p = np.abs(y) ** 2
    v = p.mean(axis=2)
    d = np.float32(1e-3)
    norm = 1.0 / v.sum(axis=3)
    np.testing.assert_allclose(_wiener_stereo(y, x, p, v, d, norm),
                               _wiener_any(y, x, v, d, norm), rtol=1e-4, atol=1e-5)


def test_stereo_images_separate_what_the_magnitudes_cannot():
    """Two sources of equal power everywhere, one hard left and one in the centre. The
    engine estimates each channel on its own: the right channel holds only the centred
    source, so its estimate is right, but in the left channel the magnitudes cannot tell
    the two apart and the masks split it in halves. EM learns each source's stereo image
    from the whole chunk and gives the left channel back to both."""
    rng = np.random.default_rng(4)
    left, centre = _noise(rng, (B, T)), _noise(rng, (B, T))
    src = np.stack([np.stack([left, 0 * left]), np.stack([centre, centre]) / np.sqrt(2)])
    x = src.sum(axis=0)                                   # (2 channels, B, T)
    est = np.ones((2, 2, B, T), np.float32)               # left channel: no idea
    est[0, 1] = 0.0                                       # right channel: all centre
    y0 = apply_masks(soft_masks(est), x)

    def sdr(y):
        return 10 * np.log10(np.sum(np.abs(src) ** 2) / np.sum(np.abs(src - y) ** 2))

    before, after = sdr(y0), sdr(wiener_em(y0, x, 3, channels=2))
    assert before < 8 and after > before + 4, (before, after)


def test_the_option_is_bounded():
    assert SeparationOptions().wiener_iterations is None   # the model set's choice
    with pytest.raises(ValueError):
        SeparationOptions(wiener_iterations=-1)
    with pytest.raises(ValueError):
        SeparationOptions(wiener_iterations=99)


def test_the_engine_filters_stereo_songs_and_keeps_the_sum():
    """A stereo song with the voice in the centre and the drums to the left: with the
    post-filter the stems still add up to the mix, differ from the masks' stems, and
    the voice loses none of its share."""
    from mixin_gui.dsp.signals import demo_stems
    from mixin_gui.engine import Separator

    s = demo_stems(3.0, seed=1)
    song = np.stack([s["harmonic"] + s["percussive"] + s["vocal"],
                     s["harmonic"] + 0.3 * s["percussive"] + s["vocal"]], axis=1)
    sep = Separator()
    plain = sep.separate(song, 44100, SeparationOptions())
    filtered = sep.separate(song, 44100, SeparationOptions(wiener_iterations=2))
    total = sum(filtered[k] for k in filtered)
    assert np.sqrt(np.mean((total - song) ** 2)) < 1e-4 * np.sqrt(np.mean(song ** 2))
    assert max(np.abs(filtered[k] - plain[k]).max() for k in plain) > 1e-3

    def share(stems, stem, source):   # how much of the source's energy the stem holds
        return np.sum(stems[stem] * np.stack([source, source], 1)) / np.sum(source ** 2) / 2

    assert share(filtered, "vocal", s["vocal"]) > share(plain, "vocal", s["vocal"]) - 0.05


def test_a_card_recommends_the_steps_and_options_override_it(tmp_path):
    import json
    import shutil
    from pathlib import Path

    from mixin_gui.dsp.signals import demo_stems
    from mixin_gui.engine import Separator

    shipped = Path(__file__).resolve().parents[1] / "pretrained-models"
    for f in shipped.glob("model_*.*"):
        shutil.copy(f, tmp_path / f.name)
    card = json.loads((tmp_path / "model_harmonic.json").read_text())
    card["wiener_iterations"] = 2
    (tmp_path / "model_harmonic.json").write_text(json.dumps(card))
    sep = Separator(tmp_path)
    assert sep.wiener_iterations == 2
    assert Separator(shipped).wiener_iterations == 0          # the CDAE card says nothing
    s = demo_stems(1.5, seed=2)
    song = np.stack([s["harmonic"] + s["vocal"], s["percussive"] + s["vocal"]], axis=1)
    default = sep.separate(song, 44100)
    explicit = sep.separate(song, 44100, SeparationOptions(wiener_iterations=2))
    none = sep.separate(song, 44100, SeparationOptions(wiener_iterations=0))
    assert all(np.array_equal(default[k], explicit[k]) for k in default)
    assert max(np.abs(default[k] - none[k]).max() for k in default) > 1e-3


@pytest.mark.parametrize("level_db", [0, -60, -90])
def test_a_set_recommending_the_filter_keeps_the_sum_at_any_level(level_db):
    """The bundled sets whose cards ask for the post-filter (the U-Net): stereo stems stay
    finite and sum to the mix from full scale down to -90 dBFS."""
    from mixin_gui.dsp.signals import demo_stems
    from mixin_gui.engine import Separator
    from mixin_gui.model.discovery import model_sets, recommended_wiener_iterations, set_card

    sets = [f for f in model_sets().values() if recommended_wiener_iterations(set_card(f))]
    if not sets:
        pytest.skip("no bundled set recommends the Wiener post-filter")
    s = demo_stems(2.0, seed=5)
    song = np.stack([s["harmonic"] + s["vocal"], s["percussive"] + 0.5 * s["vocal"]], 1)
    song = (song * 10 ** (level_db / 20)).astype(np.float32)
    for folder in sets:
        stems = Separator(folder).separate(song, 44100)
        assert all(np.all(np.isfinite(stems[k])) for k in stems)
        total = sum(stems[k] for k in stems)
        assert np.sqrt(np.mean((total - song) ** 2)) < 1e-4 * np.sqrt(np.mean(song ** 2))
