"""One model-folder decision for the CLI, the GUI and evaluation."""

import pytest

import mixin_gui.model.discovery as discovery
from mixin_gui import config
from mixin_gui.errors import NoModelsError


@pytest.fixture
def folders(tmp_path, monkeypatch):
    bundled, reference = tmp_path / "pretrained-models", tmp_path / "reference"
    bundled.mkdir()
    reference.mkdir()
    monkeypatch.setattr(discovery, "default_model_dir", lambda: bundled)
    monkeypatch.setattr(discovery, "reference_model_dir", lambda: reference)
    return bundled, reference


def test_order_chosen_then_bundled_then_reference(tmp_path, folders):
    bundled, reference = folders
    assert discovery.resolve_model_dir(tmp_path / "mine") == tmp_path / "mine"
    with pytest.raises(NoModelsError) as exc:
        discovery.resolve_model_dir()
    assert exc.value.folder == bundled and "--" not in str(exc.value)
    assert discovery.resolve_model_dir(required=False) == bundled
    (reference / "model_harmonic.h5").write_bytes(b"")
    assert discovery.resolve_model_dir() == reference
    (bundled / "model_vocal.keras").write_bytes(b"")
    assert discovery.resolve_model_dir() == bundled


def test_model_stems(tmp_path):
    (tmp_path / "model_harmonic.h5").write_bytes(b"")
    assert discovery.model_stems(tmp_path) == config.INSTRUMENTAL_STEMS
    (tmp_path / "model_vocal.h5").write_bytes(b"")
    assert discovery.model_stems(tmp_path) == config.STEMS


def test_extensions_match_the_loader():
    from mixin_gui.model.cdae import MODEL_EXTENSIONS

    assert discovery.MODEL_EXTENSIONS == MODEL_EXTENSIONS


def test_the_default_set_is_chosen_when_bundled(folders, monkeypatch):
    bundled, _ = folders
    monkeypatch.setattr(discovery, "DEFAULT_SET", "unet")   # a sub-folder set as default
    (bundled / "model_vocal.keras").write_bytes(b"")
    assert discovery.resolve_model_dir() == bundled
    other = bundled / "other"
    other.mkdir()
    (other / "model_joint.keras").write_bytes(b"")
    assert discovery.resolve_model_dir() == bundled          # another set: not the default
    default = bundled / "unet"
    default.mkdir()
    assert discovery.resolve_model_dir() == bundled          # an empty folder is no set
    (default / "model_joint.keras").write_bytes(b"")
    assert discovery.resolve_model_dir() == default
    assert discovery.resolve_model_dir(discovery.TOP_SET) == bundled   # still by name
    assert list(discovery.model_sets(bundled)) == [discovery.TOP_SET, "other", "unet"]


def test_a_bundled_set_is_called_by_its_set_name(folders, tmp_path):
    bundled, _ = folders
    (bundled / "model_vocal.keras").write_bytes(b"")
    (bundled / "unet").mkdir()
    (bundled / "unet" / "model_joint.keras").write_bytes(b"")
    assert discovery.set_label(bundled) == discovery.TOP_SET
    assert discovery.set_label(bundled / "unet" / ".." / "unet") == "unet"
    assert discovery.set_label(tmp_path / "mine") == "mine"      # not bundled: its name
