"""Mask calibration (dsp.masks.calibrate_masks) and the card field that asks for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mixin_gui.dsp.masks import calibrate_masks

SHIPPED = Path(__file__).resolve().parents[1] / "pretrained-models"


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return (e / e.sum(axis=0, keepdims=True)).astype(np.float32)


def test_it_is_a_softmax_temperature_and_prior():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3, size=(3, 4, 96, 50))
    w = np.array([1.0, 0.5, 2.0])
    got = calibrate_masks(_softmax(logits), 0.6, w)
    want = _softmax(0.6 * logits + np.log(w)[:, None, None, None])
    assert np.abs(got - want).max() < 1e-5
    assert np.abs(got.sum(axis=0) - 1).max() < 1e-5


def test_identity_leaves_the_masks_alone_and_bad_values_are_refused():
    m = _softmax(np.random.default_rng(1).normal(size=(3, 2, 8, 8)))
    before = m.copy()
    assert calibrate_masks(m, 1.0, [1, 1, 1]) is m and np.array_equal(m, before)
    for exponent, weights in [(0.0, None), (-1, None), (1.0, [1, 0, 1]), (1.0, [1, 1]),
                              (1.0, [1, np.nan, 1]), ([1, 1], None), ([1, 0.5, 0], None)]:
        with pytest.raises(ValueError):
            calibrate_masks(m.copy(), exponent, weights)


def test_one_exponent_per_stem():
    m = _softmax(np.random.default_rng(2).normal(scale=2, size=(3, 2, 8, 8)))
    a, w = np.array([0.5, 1.0, 0.7]), np.array([1.0, 1.0, 2.0])
    want = m ** a[:, None, None, None] * w[:, None, None, None]
    want /= want.sum(axis=0)
    assert np.abs(calibrate_masks(m, a, w) - want).max() < 1e-5


def test_masks_that_underflow_fall_back_to_the_weights_shares():
    m = np.zeros((2, 1, 2, 2), np.float32)
    m[0, 0, 0, 0] = 1.0
    m[1, 0, 0, 0] = 0.0
    m[:, 0, 1, :] = 0.5
    out = calibrate_masks(m, 3.0, [1.0, 3.0])
    assert np.allclose(out.sum(axis=0), 1)
    # the points with all masks 0 (row 0, column 1) take the weights' shares
    assert np.allclose(out[:, 0, 0, 1], [0.25, 0.75])


@pytest.mark.parametrize("value, want", [
    ({"exponents": {"harmonic": 0.5, "vocal": 0.5}, "weights": {"vocal": 1.5}},
     ({"harmonic": 0.5, "vocal": 0.5}, {"vocal": 1.5})),
    ({"weights": {"harmonic": 2}}, ({}, {"harmonic": 2.0})),
    ({"exponents": {"vocal": 0}}, ({}, {})),
    ({"exponents": {"vocal": "0.5"}}, ({}, {})),
    ({"exponents": 0.5}, ({}, {})),
    ({"weights": {"bass": 2}}, ({}, {})),
    ({"weights": {"vocal": -1}}, ({}, {})),
    ({"weights": {"vocal": True}}, ({}, {})),
    ("loud", ({}, {})),
])
def test_the_card_field_is_read_strictly(tmp_path, value, want):
    from mixin_gui.model.discovery import recommended_mask_calibration, set_card

    (tmp_path / "model_joint.json").write_text(json.dumps({"mask_calibration": value}))
    assert recommended_mask_calibration(set_card(tmp_path)) == want


def test_the_engine_applies_a_cards_calibration(tmp_path):
    """A copy of the shipped CDAE set whose card asks for a strong vocal prior gives a vocal
    stem with more of the song's energy than the set as shipped, and the stems still sum
    to the mix."""
    from mixin_gui.dsp.signals import demo_stems
    from mixin_gui.engine import Separator

    for f in SHIPPED.glob("model_*.*"):
        shutil.copy(f, tmp_path / f.name)
    card = json.loads((tmp_path / "model_harmonic.json").read_text())
    card["mask_calibration"] = {"exponents": {"vocal": 0.8}, "weights": {"vocal": 4.0}}
    (tmp_path / "model_harmonic.json").write_text(json.dumps(card))
    s = demo_stems(2.0, seed=3)
    song = (s["harmonic"] + s["percussive"] + s["vocal"]).astype(np.float32)
    plain = Separator(SHIPPED).separate(song, 44100)
    sep = Separator(tmp_path)
    assert sep.mask_calibration == ({"vocal": 0.8}, {"vocal": 4.0})
    tuned = sep.separate(song, 44100)

    def energy(x):
        return float(np.sum(x.astype(np.float64) ** 2))

    assert energy(tuned["vocal"]) > 1.3 * energy(plain["vocal"])
    total = sum(tuned[k] for k in tuned)
    assert np.sqrt(np.mean((total - song) ** 2)) < 1e-4 * np.sqrt(np.mean(song ** 2))


UNET = SHIPPED / "unet"


@pytest.mark.skipif(not (UNET / "model_joint.keras").is_file(), reason="no U-Net bundled")
def test_one_exponent_for_every_stem_is_a_logit_scale_in_the_graph(rng):
    """softmax(a z) in the graph (the last convolution scaled by a) gives the masks the
    numpy calibration M^a / sum M^a gives, within 1e-6 absolute; the engine then calibrates
    no more in numpy."""
    from mixin_gui.engine import Separator
    from mixin_gui.model.runtime import Runtime
    from mixin_gui.model.stems import graph_logit_scale, read_joint

    card, weights = read_joint(UNET / "model_joint.keras")
    a = graph_logit_scale(card)
    assert a == card["mask_calibration"]["exponents"]["vocal"] != 1.0
    magnitude = np.abs(rng.standard_normal((2, 96, 1948))).astype(np.float32) ** 3
    plain = Runtime(weights, joint=True)(magnitude)
    folded = Runtime(weights, joint=True, logit_scale=a)(magnitude)
    by_numpy = calibrate_masks(plain.copy(), a)
    assert np.abs(folded - by_numpy).max() <= 1e-6
    assert np.abs(folded - plain).max() > 1e-2        # the calibration does change the masks
    sep = Separator(UNET)
    assert sep.models.logit_scale == a and sep.mask_calibration == ({}, {})


def test_per_stem_exponents_stay_in_numpy():
    from mixin_gui.model.stems import graph_logit_scale

    assert graph_logit_scale({"mask_calibration": {"exponents": {"vocal": 0.7}}}) == 1.0
    assert graph_logit_scale({"mask_calibration": {
        "exponents": {"harmonic": 0.8, "percussive": 0.8, "vocal": 0.8},
        "weights": {"vocal": 1.2}}}) == 1.0
    assert graph_logit_scale({"mask_calibration": {
        "exponents": {"harmonic": 0.8, "percussive": 0.8, "vocal": 0.8}}}) == 0.8
    assert graph_logit_scale({}) == 1.0
