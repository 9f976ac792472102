"""Round-5 training data: held notes, choirs as the vocal stem, produced leads, quiet vocals
in the on-the-fly mixes, fine-tuning from a model set and averaged snapshots."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from mixin_gui.synthdata.score import Note


def test_held_notes_last_a_second_where_the_phrase_allows():
    from mixin_gui.synthdata.vocals import HELD_NOTE_S, hold_notes

    song = SimpleNamespace(spb=0.5)  # 120 bpm: a second is two beats
    phrase = [Note(k * 0.5, 0.5, 60 + k, 90) for k in range(12)]  # twelve quavers
    held = hold_notes(song, phrase)
    assert 2 <= len(held) < len(phrase)
    assert all(n.dur * song.spb >= HELD_NOTE_S - 1e-9 for n in held)
    assert held[0].start == 0 and held[0].pitch == 60        # the first note's pitch is held
    for a, b in zip(held, held[1:]):                          # one after another, no gap
        assert a.start + a.dur == pytest.approx(b.start)
    assert held[-1].start + held[-1].dur == pytest.approx(phrase[-1].start + phrase[-1].dur + 1)


def test_choir_parts_are_a_chord_over_the_melody():
    from mixin_gui.synthdata.vocals import choir_parts

    song = SimpleNamespace(key=0, scale=lambda: [0, 2, 4, 5, 7, 9, 11])  # C major
    assert choir_parts(song, 64, 3) == [64, 67, 71]          # E: E, G, B
    assert choir_parts(song, 60, 5) == [60, 64, 67, 48, 48]  # the fifth voice an octave down


def test_a_formant_shift_moves_the_envelope_peak_up():
    from mixin_gui.synthdata.singing import shift_formants

    bins = np.arange(513)
    sp = np.exp(-0.5 * ((bins - 100) / 8.0) ** 2)[None, :] + 1e-6
    np.testing.assert_allclose(shift_formants(sp, 1.0), sp, rtol=1e-9)
    assert int(np.argmax(shift_formants(sp, 1.2))) == 120
    assert int(np.argmax(shift_formants(sp, 0.9))) == 90


# ------------------------------------------------------------------ quiet vocals on the fly
@pytest.fixture(scope="module")
def stem_dirs(tmp_path_factory):
    from tests.test_training import write_musdb_track

    root = tmp_path_factory.mktemp("songs")
    for i in range(3):
        write_musdb_track(root / f"s{i}", seed=i, seconds=3.0)
    return [root]


def test_quiet_vocals_sit_in_the_range_asked_under_the_accompaniment(stem_dirs):
    from mixin_gui.training.onthefly import OnTheFlyMixes, energies

    plain = OnTheFlyMixes(stem_dirs, seed=5, batch_size=4, prefetch=0, vocal_share=1.0)
    quiet = OnTheFlyMixes(stem_dirs, seed=5, batch_size=4, prefetch=0, vocal_share=1.0,
                          quiet_vocal_share=1.0, quiet_vocal_db=(9.0, 12.0))
    levels, before = [], []
    for k in range(8):
        r_plain, r_quiet = plain.recipe(0, k), quiet.recipe(0, k)
        assert r_plain.parts == r_quiet.parts     # the option changes only the vocal's level
        assert 9.0 <= r_quiet.vocal_under_db <= 12.0 and r_plain.vocal_under_db is None
        for mixes, r, out in ((plain, r_plain, before), (quiet, r_quiet, levels)):
            e_voc, e_acc = energies(mixes.coefficients([r])[0])
            out.append(10 * np.log10(e_voc / e_acc))
    np.testing.assert_allclose(levels, [-quiet.recipe(0, k).vocal_under_db for k in range(8)],
                               atol=1e-3)
    # the plain gains spread these vocals far wider than the 3 dB asked for
    assert np.ptp(before) > 6.0 > 3.0 + 1e-3 >= np.ptp(levels)


def test_a_share_of_zero_leaves_every_example_as_it_was(stem_dirs):
    from mixin_gui.training.onthefly import OnTheFlyMixes

    a = OnTheFlyMixes(stem_dirs, seed=2, batch_size=2, prefetch=0)
    b = OnTheFlyMixes(stem_dirs, seed=2, batch_size=2, prefetch=0, quiet_vocal_db=(1, 2))
    for x, y in zip(a.batch(0, 0), b.batch(0, 0)):
        np.testing.assert_array_equal(x, y)


def test_fit_starts_from_a_model_set_and_averages_its_snapshots(stem_dirs, tmp_path):
    from mixin_gui.cli import main
    from mixin_gui.model.unet import load_unet

    base = ["train", "fit", "--arch", "unet", "--stem-dirs", str(stem_dirs[0]),
            "--steps", "1", "--batch-size", "1"]
    assert main(base + ["--epochs", "1", "--model-dir", str(tmp_path / "a"),
                        "--checkpoint-dir", str(tmp_path / "ca")]) == 0
    card_a = tmp_path / "a" / "model_joint.json"
    calibration = {"exponents": {"harmonic": 0.8, "percussive": 0.8, "vocal": 0.8}}
    card_a.write_text(json.dumps({**json.loads(card_a.read_text()),
                                  "mask_calibration": calibration, "wiener_iterations": 2}))
    argv = base + ["--epochs", "2", "--init-from", str(tmp_path / "a"),
                   "--learning-rate", "1e-4", "--quiet-vocal-share", "0.5",
                   "--snapshot-every", "1", "--model-dir", str(tmp_path / "b"),
                   "--checkpoint-dir", str(tmp_path / "cb")]
    assert main(argv) == 0
    card = json.loads((tmp_path / "b" / "model_joint.json").read_text())
    assert card["recipe"]["from"] == str(tmp_path / "a") and card["epochs"] == 2
    # it runs as its start set runs: the same calibration and Wiener steps
    assert card["mask_calibration"] == calibration and card["wiener_iterations"] == 2
    snaps = sorted((tmp_path / "cb" / "snapshots").glob("epoch-*.weights.h5"))
    assert [p.name for p in snaps] == ["epoch-0001.weights.h5", "epoch-0002.weights.h5"]
    start = load_unet(tmp_path / "a" / "model_joint.keras").get_weights()
    tuned = load_unet(tmp_path / "b" / "model_joint.keras").get_weights()
    # a fine-tune: near its start (one small step at a low rate), not a fresh network
    assert max(float(np.abs(s - t).max()) for s, t in zip(start, tuned)) < 0.01
    assert any(not np.array_equal(s, t) for s, t in zip(start, tuned))
    assert main(["train", "average", *map(str, snaps), "--card-from", str(tmp_path / "b"),
                 "--out", str(tmp_path / "mean")]) == 0
    from mixin_gui.model.unet import build_unet, model_arch
    one, two = (build_unet(arch=model_arch(load_unet(tmp_path / "b" / "model_joint.keras")))
                for _ in range(2))
    one.load_weights(snaps[0])
    two.load_weights(snaps[1])
    mean = load_unet(tmp_path / "mean" / "model_joint.keras").get_weights()
    for m, a, b in zip(mean, one.get_weights(), two.get_weights()):
        np.testing.assert_allclose(m, (a.astype(np.float64) + b) / 2, atol=1e-6)
    card = json.loads((tmp_path / "mean" / "model_joint.json").read_text())
    assert card["weights"].startswith("the mean of 2 snapshots")
    assert card["mask_calibration"] == calibration
    # a card folder without a card is refused, and nothing is written
    assert main(["train", "average", str(snaps[0]), "--card-from", str(tmp_path / "cb"),
                 "--out", str(tmp_path / "none")]) != 0
    assert not (tmp_path / "none").exists()
