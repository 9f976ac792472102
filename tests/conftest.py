"""Shared fixtures: the reference data beside the checkout, seeded RNGs, loaded models."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ORIGINAL_MODELS = SHARED / "reference" / "mixin-original-models"
GOLDEN = SHARED / "reference" / "nsgt_bark96_golden.npz"
SHARED_AUDIO = SHARED / "audio"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def edited_model_copy(src, dst, edit=None, card=None):
    """Copy the saved Keras model ``src`` (``.keras``) and its card (``.json`` beside it) to
    ``dst``, the layer list of its ``config.json`` passed through ``edit`` and the card
    updated with ``card``. Returns ``dst``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "config.json" and edit:
                cfg = json.loads(data)
                edit(cfg["config"]["layers"])
                data = json.dumps(cfg).encode()
            zout.writestr(item, data)
    card_data = json.loads(Path(src).with_suffix(".json").read_text())
    card_data.update(card or {})
    Path(dst).with_suffix(".json").write_text(json.dumps(card_data))
    return dst


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def golden():
    if not GOLDEN.is_file():
        pytest.skip(f"golden NSGT vectors not found at {GOLDEN} (../shared absent)")
    with np.load(GOLDEN) as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="session")
def original_models():
    if not (ORIGINAL_MODELS / "model_harmonic.h5").is_file():
        pytest.skip(f"original MiXiN models not found in {ORIGINAL_MODELS} (../shared absent)")
    return ORIGINAL_MODELS


@pytest.fixture(scope="session")
def separator(original_models):
    """A Separator with the original models (loading TensorFlow once per test run)."""
    from mixin_gui.engine import Separator

    return Separator(original_models)


@pytest.fixture(scope="session")
def shared_audio():
    if not SHARED_AUDIO.is_dir():
        pytest.skip("real recordings not found in ../shared/audio")
    return SHARED_AUDIO
