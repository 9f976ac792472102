"""The ONNX Runtime inference path: it equals Keras on every model, loads without
TensorFlow, and refuses files that are not the MiXiN CDAE."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mixin_gui import config
from mixin_gui.errors import ModelLoadError
from mixin_gui.model.files import N_PARAMS, read_weights
from mixin_gui.model.stems import inspect_model_dir, load_model_dir
from tests.conftest import edited_model_copy

ROOT = Path(__file__).resolve().parents[1]
PRETRAINED = ROOT / "pretrained-models"
SONGS = ("lets_go_fishin.ogg", "choice_drum_bass.ogg", "hungarian_dance_5_strings.ogg")


@pytest.fixture(scope="module")
def real_magnitudes(shared_audio):
    """NSGT magnitudes (6, 96, 1948) of two chunks from each of three real recordings
    (mono mixdown, 44.1 kHz, from 10 s in)."""
    from mixin_gui.audio.io import read_audio
    from mixin_gui.dsp.nsgt import get_nsgt

    chunks = []
    for name in SONGS:
        if not (shared_audio / name).is_file():
            pytest.skip(f"{name} not found in {shared_audio}")
        audio, sr = read_audio(shared_audio / name)
        assert sr == config.SAMPLE_RATE
        x = audio.mean(axis=1)
        start = 10 * sr
        chunks += [x[start + i * config.CHUNK_SIZE:start + (i + 1) * config.CHUNK_SIZE]
                   for i in range(2)]
    mag = np.abs(get_nsgt().forward(np.stack(chunks), dtype=np.float32))
    assert mag.max() > 1.0       # real music, not silence
    return mag


def keras_reference(path):
    """The network of ``path`` as Keras' own weight loader reads it, in the training
    order of its layers (up-sampling before the 1x1 convolution)."""
    from mixin_gui.model.cdae import build_cdae

    model = build_cdae()
    model.load_weights(path)
    return model


def model_dirs():
    dirs = [pytest.param(PRETRAINED, id="pretrained-models")]
    original = ROOT.parent / "shared" / "reference" / "mixin-original-models"
    dirs.append(pytest.param(original, id="original", marks=pytest.mark.skipif(
        not original.is_dir(), reason=f"original MiXiN models not found in {original}")))
    return dirs


@pytest.mark.parametrize("model_dir", model_dirs())
def test_onnx_runtime_equals_keras_on_real_chunks(model_dir, real_magnitudes):
    models = load_model_dir(model_dir)
    got = models.predict(real_magnitudes)
    assert got.shape == (3, *real_magnitudes.shape)
    for i, stem in enumerate(models.stems):
        want = keras_reference(models.files[stem]).predict(real_magnitudes[..., None],
                                                           verbose=0)[..., 0]
        assert want.max() > 0.01, stem                # the network does something
        diff = np.abs(got[i] - want).max()
        assert diff <= 1e-5, (stem, diff)


def test_batches_of_any_size_give_the_same_numbers(real_magnitudes):
    models = load_model_dir(PRETRAINED, ("vocal",))
    whole = models.predict(real_magnitudes)
    one = np.concatenate([models.predict(m[None]) for m in real_magnitudes], axis=1)
    np.testing.assert_allclose(whole, one, rtol=0, atol=1e-6)


def test_graph_is_valid_onnx():
    """The hand-written protocol-buffer bytes are a valid ONNX model with the expected
    output shape, using only the operators of the CDAE."""
    import onnx

    from mixin_gui.model.onnx_graph import build_graph

    weights = [read_weights(PRETRAINED / f"model_{s}.keras") for s in config.STEMS]
    model = onnx.load_from_string(build_graph(weights, block=16))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17 and model.ir_version == 8
    out = model.graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in out[1:]] == [3, config.N_BANDS, config.N_COEFS]
    assert {n.op_type for n in model.graph.node} <= {
        "Unsqueeze", "Conv", "Relu", "MaxPool", "Resize", "Slice"}


def test_separation_imports_no_tensorflow(tmp_path):
    """A whole `mixin separate` in a fresh process, and the engine's import, load neither
    TensorFlow nor Keras."""
    code = (
        "import sys, numpy as np, soundfile as sf\n"
        "import mixin_gui.engine\n"
        "from mixin_gui.cli.app import main\n"
        f"sf.write(r'{tmp_path}/in.wav', np.random.default_rng(0).standard_normal(60000)"
        " * 0.1, 44100)\n"
        f"code = main(['separate', r'{tmp_path}/in.wav', '--outdir', r'{tmp_path}',"
        f" '--pretrained-model-dir', r'{PRETRAINED}'])\n"
        "assert code == 0, code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    mods = set(eval(out.stdout.strip().splitlines()[-1]))   # a list literal we printed
    assert "onnxruntime" in mods
    assert not mods & {"tensorflow", "keras", "tf_keras", "jax", "torch", "onnx"}
    for stem in config.STEMS:
        assert (tmp_path / f"in_{stem}.wav").is_file()


def test_inspect_reports_parameters_without_keras():
    rows = inspect_model_dir(PRETRAINED)
    assert [r["params"] for r in rows] == [N_PARAMS] * 3


def copy_keras(tmp_path, edit_config=None, card=None):
    """A copy of the shipped vocal model, its configuration edited by ``edit_config``."""
    return edited_model_copy(PRETRAINED / "model_vocal.keras", tmp_path / "model_vocal.keras",
                             edit_config, card)


def test_unknown_architecture_version_is_refused_in_one_sentence(tmp_path):
    path = copy_keras(tmp_path, card={"architecture": "mixin-cdae-9"})
    with pytest.raises(ModelLoadError) as err:
        read_weights(path)
    assert "mixin-cdae-9" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("edit, words", [
    (lambda layers: layers[2]["config"].update(pool_size=[2, 2]), "pool_size"),
    (lambda layers: layers[1]["config"].update(activation="tanh"), "activation"),
    (lambda layers: layers.pop(5), "layers are"),
])
def test_a_changed_layer_is_not_the_cdae(tmp_path, edit, words):
    path = copy_keras(tmp_path, edit)
    with pytest.raises(ModelLoadError, match="not the MiXiN CDAE architecture") as err:
        read_weights(path)
    assert words in str(err.value)


def test_swapped_weights_are_refused(tmp_path):
    import h5py

    path = tmp_path / "model_harmonic.h5"
    original = ROOT.parent / "shared" / "reference" / "mixin-original-models"
    if not (original / "model_harmonic.h5").is_file():
        pytest.skip("original MiXiN models not found")
    shutil.copy(original / "model_harmonic.h5", path)
    with h5py.File(path, "r+") as f:
        second_conv = f["model_weights"].attrs["layer_names"][2].decode()
        group = f["model_weights"][second_conv][second_conv]
        del group["kernel:0"]
        group["kernel:0"] = np.zeros((3, 3, 1, 13), np.float32)
    with pytest.raises(ModelLoadError, match="expected 37005 parameters"):
        read_weights(path)


def test_training_without_tensorflow_says_what_to_install(tmp_path):
    """With TensorFlow and Keras not importable, `mixin train fit` exits 1 with one
    sentence naming the install command (and separating still works)."""
    code = ("import sys\n"
            "sys.modules['keras'] = None; sys.modules['tensorflow'] = None\n"
            "from mixin_gui.cli.app import main\n"
            f"sys.exit(main(['train', 'fit', '--data-dir', r'{tmp_path}']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "mixin-gui[train]" in lines[0], out.stderr


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_weights_saved_by_keras_read_back_exactly(tmp_path, ext):
    """What Keras 3 writes (our .keras form, or its legacy HDF5) reads back bit for bit."""
    from mixin_gui.model.cdae import build_cdae

    model = build_cdae()
    rng = np.random.default_rng(7)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.save(tmp_path / f"model_vocal{ext}")
    got = [a for pair in read_weights(tmp_path / f"model_vocal{ext}") for a in pair]
    want = model.get_weights()
    assert len(got) == len(want) == 16
    assert all(np.array_equal(g, w) for g, w in zip(got, want))
