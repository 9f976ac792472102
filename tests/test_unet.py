"""The joint U-Nets (mixin-unet-1 to -3): ONNX Runtime equals Keras, its file is validated layer by
layer, the engine applies its masks (stems sum to the mix), model sets by name, training
with the masked-mixture loss resumes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mixin_gui import config
from mixin_gui.errors import ModelLoadError
from mixin_gui.model import unet_arch
from mixin_gui.model.stems import inspect_model_dir, load_model_dir
from tests.conftest import edited_model_copy
from tests.test_runtime import real_magnitudes  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=list(unet_arch.ARCHS))
def unet_dir(tmp_path_factory, request):
    """A randomly initialised U-Net (seeded) of each architecture saved as a model folder."""
    from mixin_gui.model.unet import build_unet, keras, save_unet

    keras.utils.set_random_seed(7)
    model = build_unet(arch=request.param)
    rng = np.random.default_rng(7)
    def drawn(w):
        # larger biases than the initialiser's zeros, so the masks differ clearly between
        # stems, and the context blocks' kernels (zeros at the start) drawn too, so they count
        if w.ndim == 1:
            return rng.normal(0, 0.3, w.shape).astype(np.float32)
        return w if w.any() else rng.normal(0, 0.05, w.shape).astype(np.float32)

    model.set_weights([drawn(w) for w in model.get_weights()])
    folder = tmp_path_factory.mktemp("unet")
    save_unet(model, folder, card={"training_data": "random weights (test)"})
    return folder


def test_architecture_figures():
    assert unet_arch.n_params() == 378076
    assert 1.6e9 < unet_arch.flops_per_chunk() < 1.8e9
    assert unet_arch.n_params(unet_arch.ARCH2) == 378076 + 246336
    assert 2.0e9 < unet_arch.flops_per_chunk(unet_arch.ARCH2) < 2.1e9
    assert unet_arch.n_params(unet_arch.ARCH3) == 378076 + 246336 + 82112
    assert 2.1e9 < unet_arch.flops_per_chunk(unet_arch.ARCH3) < 2.2e9


def test_train_fit_offers_every_architecture():
    from mixin_gui.cli.train import UNET_ARCHS

    assert sorted(UNET_ARCHS.values()) == sorted(unet_arch.ARCHS)


def test_a_card_reused_from_another_architecture_is_corrected(tmp_path):
    from mixin_gui.model.unet import build_unet, save_unet

    save_unet(build_unet(arch=unet_arch.ARCH2), tmp_path,
              card={"architecture": unet_arch.ARCH, "parameters": 1, "note": "kept"})
    card = json.loads((tmp_path / "model_joint.json").read_text())
    assert card["architecture"] == unet_arch.ARCH2 and card["note"] == "kept"
    assert card["parameters"] == unet_arch.n_params(unet_arch.ARCH2)
    assert load_model_dir(tmp_path).joint


@pytest.mark.parametrize("small, large, block", [(unet_arch.ARCH, unet_arch.ARCH2, "ctx1b"),
                                                  (unet_arch.ARCH2, unet_arch.ARCH3, "ctx4b")])
def test_a_widened_unet_starts_as_the_narrow_one(real_magnitudes, small, large,  # noqa: F811
                                                 block):
    from mixin_gui.model.unet import build_unet, keras, model_arch, widen

    keras.utils.set_random_seed(3)
    narrow = build_unet(arch=small)
    if small != unet_arch.ARCH:   # context blocks that already compute something
        narrow.set_weights([w if w.any() else np.full_like(w, 0.01)
                            for w in narrow.get_weights()])
    wide = widen(narrow, large)
    assert (model_arch(narrow), model_arch(wide)) == (small, large)
    x = unet_arch.features(real_magnitudes[:2])[..., None]
    np.testing.assert_allclose(wide.predict(x, verbose=0), narrow.predict(x, verbose=0),
                               atol=1e-6)
    # the context blocks train: their zero kernels get gradients through the residual
    ctx = wide.get_layer(block)
    with __import__("tensorflow").GradientTape() as tape:
        out = wide(x, training=True)
        loss = keras.ops.mean(out[..., 2])
    grad = tape.gradient(loss, ctx.kernel)
    assert float(np.abs(np.asarray(grad)).max()) > 0


def test_onnx_runtime_equals_keras_on_real_chunks(unet_dir, real_magnitudes):  # noqa: F811
    from mixin_gui.model.unet import load_unet

    models = load_model_dir(unet_dir)
    assert models.joint and models.stems == config.STEMS
    got = models.predict(real_magnitudes)
    assert got.shape == (3, *real_magnitudes.shape)
    x = unet_arch.features(real_magnitudes)[..., None]
    want = np.moveaxis(load_unet(unet_dir / "model_joint.keras").predict(x, verbose=0), -1, 0)
    assert np.abs(got - want).max() <= 1e-5
    np.testing.assert_allclose(got.sum(axis=0), 1.0, atol=1e-5)
    assert got.min() >= 0 and got.std(axis=(1, 2, 3)).min() > 1e-3   # masks vary


def shipped_joint_sets():
    from mixin_gui.model.discovery import model_sets

    found = [pytest.param(d, id=name) for name, d in model_sets().items()
             if (d / "model_joint.keras").is_file()]
    return found or [pytest.param(None, marks=pytest.mark.skip(
        reason="no joint network is shipped in pretrained-models/"))]


@pytest.mark.parametrize("folder", shipped_joint_sets())
def test_shipped_unet_equals_keras_on_real_chunks(folder, real_magnitudes):  # noqa: F811
    from mixin_gui.dsp.masks import calibrate_masks
    from mixin_gui.model.runtime import Runtime
    from mixin_gui.model.stems import graph_logit_scale
    from mixin_gui.model.unet import load_unet

    weights = unet_arch.read_unet_weights(folder / "model_joint.keras")
    got = Runtime(weights, joint=True)(real_magnitudes)    # the fp32 reference graph
    x = unet_arch.features(real_magnitudes)[..., None]
    want = np.moveaxis(load_unet(folder / "model_joint.keras").predict(x, verbose=0), -1, 0)
    # masks in [0, 1]: float32 sums in another order differ by ~2e-5 on a trained network;
    # a wrong layer, weight or padding differs by 1e-2 and more
    assert np.abs(got - want).max() <= 1e-4
    card = json.loads((folder / "model_joint.json").read_text())
    # as loaded, the card's calibration (one exponent) is in the graph: Keras's, calibrated
    loaded = load_model_dir(folder).predict(real_magnitudes)
    assert np.abs(loaded - calibrate_masks(want.copy(), graph_logit_scale(card))).max() <= 1e-4
    assert card["architecture"] in unet_arch.ARCHS and card.get("licences")


def test_graph_is_valid_onnx(unet_dir):
    import onnx

    from mixin_gui.model.onnx_unet import build_unet_graph

    weights = unet_arch.read_unet_weights(unet_dir / "model_joint.keras")
    model = onnx.load_from_string(build_unet_graph(weights, block=16))
    onnx.checker.check_model(model, full_check=True)
    out = model.graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in out[1:]] == [3, config.N_BANDS, config.N_COEFS]


def edited_copy(src, dst, edit=None, card=None):
    """``src``'s joint model copied into folder ``dst`` with its config.json and card
    edited."""
    dst.mkdir()
    edited_model_copy(src / "model_joint.keras", dst / "model_joint.keras", edit, card)
    return dst


def layer(layers, name):
    return next(x for x in layers if x.get("name", x["config"].get("name")) == name)


@pytest.mark.parametrize("edit, words", [
    (lambda ls: layer(ls, "enc2")["config"].update(filters=64), "filters"),
    (lambda ls: layer(ls, "pool1")["config"].update(pool_size=[1, 4]), "pool_size"),
    (lambda ls: layer(ls, "masks")["config"].update(axis=1), "softmax"),
    (lambda ls: ls.remove(layer(ls, "mid2")), "layers are"),
    (lambda ls: layer(ls, "skip2")["inbound_nodes"][0]["args"][0].reverse(), "reads"),
])
def test_a_changed_network_is_refused(unet_dir, tmp_path, edit, words):
    folder = edited_copy(unet_dir, tmp_path / "m", edit)
    with pytest.raises(ModelLoadError, match="not the MiXiN U-Net") as err:
        load_model_dir(folder)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_unknown_architecture_version_is_refused_in_one_sentence(unet_dir, tmp_path):
    folder = edited_copy(unet_dir, tmp_path / "m", card={"architecture": "mixin-unet-9"})
    with pytest.raises(ModelLoadError) as err:
        load_model_dir(folder)
    text = str(err.value)
    assert "mixin-unet-9" in text and "mixin-unet-1" in text and "\n" not in text
    assert not inspect_model_dir(folder)[0]["ok"]


def test_engine_applies_joint_masks_stems_sum_to_mix(unet_dir, rng):
    from mixin_gui.engine import Separator

    sep = Separator(unet_dir)
    x = rng.normal(0, 0.1, (3 * config.SAMPLE_RATE, 2)).astype(np.float32)
    stems = sep.separate(x, config.SAMPLE_RATE)
    total = sum(stems[s] for s in config.STEMS)
    assert np.abs(total - x).max() < 1e-5
    assert min(np.abs(stems[s]).max() for s in config.STEMS) > 1e-3
    single = sep.separate(x, config.SAMPLE_RATE, config.SeparationOptions(single_model=True))
    np.testing.assert_array_equal(single["vocal"], stems["vocal"])
    inst = sep.separate(x, config.SAMPLE_RATE, config.SeparationOptions(instrumental=True))
    assert np.abs(inst["harmonic"] + inst["percussive"] - x).max() < 1e-5
    assert not np.allclose(inst["harmonic"], stems["harmonic"])   # the vocal share moved


def test_model_sets_by_name(unet_dir, tmp_path):
    from mixin_gui.model.discovery import TOP_SET, model_sets, resolve_model_dir
    from mixin_gui.paths import default_model_dir

    root = tmp_path / "pretrained"
    root.mkdir()
    for f in (ROOT / "pretrained-models").glob("model_*"):
        (root / f.name).symlink_to(f)
    (root / "unet").symlink_to(unet_dir, target_is_directory=True)
    (root / "empty").mkdir()
    assert model_sets(root) == {TOP_SET: root, "unet": root / "unet"}
    assert resolve_model_dir(TOP_SET) == default_model_dir()
    with pytest.raises(ModelLoadError, match="no model set or folder named 'nope'"):
        resolve_model_dir("nope")


def test_cli_models_lists_sets_with_summaries(capsys):
    from mixin_gui.cli import main

    from mixin_gui.model.discovery import DEFAULT_SET, TOP_SET, model_sets

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    default = DEFAULT_SET if DEFAULT_SET in model_sets() else TOP_SET
    assert out.count("(default)") == 1 and f"  {default} (default): ok, " in out
    assert ": ok, compact CDAEs, one per stem (mixin-cdae-1)." in out


def test_cli_models_checks_a_joint_folder(unet_dir, capsys):
    from mixin_gui.cli import main

    assert main(["models", str(unet_dir)]) == 0
    out = capsys.readouterr().out
    arch = json.loads((unet_dir / "model_joint.json").read_text())["architecture"]
    assert f"model_joint.keras, {unet_arch.n_params(arch):,} parameters" in out
    assert "all models ok" in out


def test_training_minimises_the_masked_mixture_loss_and_resumes(tmp_path):
    """Two one-step epochs, then a resumed third: the checkpoint continues, the saved
    model loads through the validated path."""
    from mixin_gui.training.fit import FitOptions
    from mixin_gui.training.unet_fit import TrackChunks, masked_mixture_l1, train_unet
    from mixin_gui.training.multitrack import find_tracks
    from tests.test_training import write_musdb_track

    for i in range(2):
        write_musdb_track(tmp_path / "songs" / f"s{i}", seed=i, seconds=3.0)
    tracks = find_tracks([tmp_path / "songs"])
    train = TrackChunks(tracks[:1], seed=0, batch_size=1, steps=1)
    val = TrackChunks(tracks[1:], seed=1, batch_size=1, steps=1)
    mix, targets = train.batch(0, 0)
    assert mix.shape == (1, 96, 1948) and targets.shape == (1, 3, 96, 1948)
    opts = FitOptions(epochs=2, learning_rate=1e-3, seed=3)
    res = train_unet(train, val, tmp_path / "model", tmp_path / "ckpt", opts, val_steps=1,
                     verbose=0)
    assert res["epochs"] == 2
    lines = (tmp_path / "ckpt" / "model_joint.csv").read_text().splitlines()
    assert len(lines) == 3
    opts = FitOptions(epochs=3, resume=True, seed=3, learning_rate=2e-4)
    res = train_unet(train, val, tmp_path / "model", tmp_path / "ckpt", opts, val_steps=1,
                     verbose=0, voice_free_weight=0.5)
    assert res["epochs"] == 3
    from mixin_gui.model.unet import keras

    last = keras.models.load_model(tmp_path / "ckpt" / "model_joint.last.keras")
    assert float(last.optimizer.learning_rate) == pytest.approx(2e-4)   # resumed at it
    assert int(last.optimizer.iterations) == 3       # Adam's state went on across the resume
    assert last.loss.voice_free_weight == 0.5        # with the loss asked for then
    assert len((tmp_path / "ckpt" / "model_joint.csv").read_text().splitlines()) == 4
    card = json.loads((tmp_path / "model" / "model_joint.json").read_text())
    assert card["architecture"] == "mixin-unet-1" and card["epochs"] == 3
    assert card["recipe"]["voice_free_weight"] == 0.5
    assert load_model_dir(tmp_path / "model").joint
    # the loss is the masked mixture's L1: ratio masks of the targets score far better
    # than equal shares (not 0: the stems' phases differ, so |mix| < the sum of |stem|)
    y = np.concatenate([np.moveaxis(targets, 1, -1), mix[..., None]], -1)
    ideal = np.moveaxis(targets / np.maximum(targets.sum(1, keepdims=True), 1e-12), 1, -1)
    ideal_loss = float(np.mean(masked_mixture_l1(y, ideal)))
    assert ideal_loss < 0.25 * float(np.mean(masked_mixture_l1(y, np.full_like(ideal, 1 / 3))))


def test_voice_free_weight_charges_vocal_output_only_where_there_is_no_voice():
    from mixin_gui.training.unet_fit import MaskedMixtureL1, masked_mixture_l1

    rng = np.random.default_rng(5)
    mix = rng.uniform(0.5, 1.5, (2, 96, 1948)).astype(np.float32)
    targets = rng.uniform(0, 1, (2, 3, 96, 1948)).astype(np.float32)
    targets[1, 2] = 0                                          # chunk 1 holds no voice
    y = np.concatenate([np.moveaxis(targets, 1, -1), mix[..., None]], -1)
    masks = rng.dirichlet(np.ones(3), (2, 96, 1948)).astype(np.float32)
    base = np.asarray(masked_mixture_l1(y, masks))
    plain = np.asarray(MaskedMixtureL1(0.0).call(y, masks))
    np.testing.assert_allclose(plain, base, rtol=1e-6)
    weighted = np.asarray(MaskedMixtureL1(2.0).call(y, masks))
    assert weighted[0] == pytest.approx(base[0], rel=1e-6)     # a voice: no extra term
    leak = float(np.mean(masks[1, ..., 2] * mix[1]))
    assert weighted[1] == pytest.approx(base[1] + 2.0 * leak, rel=1e-5)
    # a network that keeps the vocal stem silent there pays nothing extra
    quiet = masks.copy()
    quiet[1, ..., 2] = 0
    quiet[1] /= quiet[1].sum(-1, keepdims=True)
    assert np.asarray(MaskedMixtureL1(2.0).call(y, quiet))[1] == pytest.approx(
        float(np.asarray(masked_mixture_l1(y, quiet))[1]), rel=1e-6)


def test_cli_separate_refuses_an_unknown_set_name_in_one_line(capsys, tmp_path):
    import soundfile as sf

    from mixin_gui.cli import main

    song = tmp_path / "song.wav"
    sf.write(song, np.zeros((4410, 2), np.float32), 44100)
    assert main(["separate", str(song), "--model", "nope", "--outdir", str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip()
    assert "no model set or folder named 'nope'" in err and "cdae" in err
    assert len(err.splitlines()) == 1 and not list(tmp_path.glob("song_*"))


def test_cli_fit_unet_mixes_on_the_fly_and_refuses_a_second_fresh_run(tmp_path, capsys):
    from mixin_gui.cli import main
    from tests.test_training import write_musdb_track

    for i in range(2):
        write_musdb_track(tmp_path / "songs" / f"s{i}", seed=i, seconds=3.0)
    argv = ["train", "fit", "--arch", "unet", "--stem-dirs", str(tmp_path / "songs"),
            "--epochs", "1", "--steps", "1", "--batch-size", "1", "--voice-free-weight", "1",
            "--vocal-quantile", "0.6", "--model-dir", str(tmp_path / "model"), "--checkpoint-dir", str(tmp_path / "ck")]
    assert main(argv) == 0
    card = json.loads((tmp_path / "model" / "model_joint.json").read_text())
    assert card["training_data"]["mixing"].startswith("mixed on the fly")
    assert card["training_data"]["songs"] == 1 and card["epochs"] == 1
    assert card["recipe"]["voice_free_weight"] == 1.0
    assert card["recipe"]["vocal_quantile"] == 0.6
    capsys.readouterr()
    assert main(argv) != 0                     # a forgotten --resume must not cost the run
    assert "--resume" in capsys.readouterr().err


def test_vocal_quantile_charges_a_missing_voice_more_than_an_excess_one():
    from mixin_gui.training.unet_fit import MaskedMixtureL1, masked_mixture_l1

    rng = np.random.default_rng(6)
    mix = rng.uniform(0.5, 1.5, (1, 96, 1948)).astype(np.float32)
    targets = rng.uniform(0, 0.3, (1, 3, 96, 1948)).astype(np.float32)
    y = np.concatenate([np.moveaxis(targets, 1, -1), mix[..., None]], -1)
    exact = np.moveaxis(targets, 1, -1) / mix[..., None]       # masks that hit every target
    assert float(np.asarray(MaskedMixtureL1(vocal_quantile=0.8).call(y, exact))[0]) == \
        pytest.approx(0.0, abs=1e-6)
    short, extra = exact.copy(), exact.copy()
    short[..., 2] -= 0.05                                      # the voice 0.05 of the mix short
    extra[..., 2] += 0.05                                      # ... or 0.05 in excess
    plain = [float(np.asarray(masked_mixture_l1(y, m))[0]) for m in (short, extra)]
    assert plain[0] == pytest.approx(plain[1], rel=1e-5)       # L1 cannot tell them apart
    lo, hi = (float(np.asarray(MaskedMixtureL1(vocal_quantile=0.8).call(y, m))[0])
              for m in (short, extra))
    assert lo / hi == pytest.approx(0.8 / 0.2, rel=1e-4)
    assert (lo + hi) / 2 == pytest.approx(plain[0], rel=1e-5)  # on average what L1 charges
    np.testing.assert_allclose(np.asarray(MaskedMixtureL1(vocal_quantile=0.5).call(y, short)),
                               np.asarray(masked_mixture_l1(y, short)), rtol=1e-6)
    with pytest.raises(ValueError):
        MaskedMixtureL1(vocal_quantile=1.0)


def test_an_unsplit_accompaniment_is_charged_only_as_a_whole():
    from mixin_gui.training.onthefly import UNSPLIT
    from mixin_gui.training.unet_fit import masked_mixture_l1

    rng = np.random.default_rng(7)
    mix = rng.uniform(0.5, 1.5, (2, 96, 1948)).astype(np.float32)
    acc = rng.uniform(0, 1, (2, 96, 1948)).astype(np.float32)
    voice = rng.uniform(0, 0.5, (2, 96, 1948)).astype(np.float32)
    y = np.stack([acc, np.full_like(acc, UNSPLIT), voice, mix], axis=-1)
    masks = rng.dirichlet(np.ones(3), (2, 96, 1948)).astype(np.float32)
    want = np.mean((np.abs((masks[..., 0] + masks[..., 1]) * mix - acc)
                    + np.abs(masks[..., 2] * mix - voice)) / 3, axis=(1, 2))
    np.testing.assert_allclose(np.asarray(masked_mixture_l1(y, masks)), want, rtol=1e-5)
    # how the network shares the accompaniment between harmonic and percussive is free
    moved = masks.copy()
    moved[..., 0], moved[..., 1] = masks[..., 1], masks[..., 0]
    np.testing.assert_allclose(np.asarray(masked_mixture_l1(y, moved)), want, rtol=1e-5)
    # ... but not how much of it goes to the voice
    more = masks.copy()
    more[..., 2] += 0.1
    assert np.all(np.asarray(masked_mixture_l1(y, more / more.sum(-1, keepdims=True)))
                  != np.asarray(masked_mixture_l1(y, masks)))


def test_cli_fit_unet_plays_voice_free_music_as_a_whole_accompaniment(tmp_path, capsys):
    import soundfile as sf

    from mixin_gui.cli import main
    from tests.test_training import write_musdb_track

    for i in range(2):
        write_musdb_track(tmp_path / "songs" / f"s{i}", seed=i, seconds=3.0)
    music = tmp_path / "music" / "suite"
    music.mkdir(parents=True)
    t = np.arange(3 * 44100) / 44100
    sf.write(music / "movement.ogg", 0.3 * np.sin(2 * np.pi * 392 * t), 44100)
    (music / "notes.txt").write_text("not audio")
    argv = ["train", "fit", "--arch", "unet", "--stem-dirs", str(tmp_path / "songs"),
            "--epochs", "1", "--steps", "1", "--batch-size", "1",
            "--voice-free-music", str(tmp_path / "music"), "--voice-free-share", "0.5",
            "--model-dir", str(tmp_path / "model"), "--checkpoint-dir", str(tmp_path / "ck")]
    assert main(argv) == 0
    card = json.loads((tmp_path / "model" / "model_joint.json").read_text())
    assert "50% of the mixes over one of 1 voice-free recordings" in \
        card["training_data"]["mixing"]
    empty = tmp_path / "empty"
    empty.mkdir()
    capsys.readouterr()
    argv = argv[:argv.index("--voice-free-music")] + [
        "--voice-free-music", str(empty), "--model-dir", str(tmp_path / "m2"),
        "--checkpoint-dir", str(tmp_path / "c2")]
    assert main(argv) != 0
    err = capsys.readouterr().err.strip()
    assert "no WAV, FLAC or OGG file" in err and len(err.splitlines()) == 1
