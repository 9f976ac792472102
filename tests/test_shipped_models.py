"""The model sets in pretrained-models/ load, separate, and keep their cards' promises on
real recordings (slow lane: ``make test-slow``). Every bundled set is checked (the compact
CDAEs at the top of the folder, the U-Net in ``unet/``).

The card (``pretrained-models/README.md``) states four goals for the share of the stems'
summed energy that each stem gets, measured on the first 30 s of the recordings in
``../shared/audio`` (mono mixdown). Three are absolute and are checked here on the first
10 s, where the compact CDAEs give (measured with this engine and their cards' mask
calibration): string orchestra harmonic 94.6 % (goal >= 90 %), drum-and-bass vocal 0.02 %
(goal <= 5 %), read speech vocal 76.7 % (goal >= 60 %). The fourth, drum-and-bass "more
percussive than the original models", holds over the card's 30 s (26.1 % against 25.6 %)
but not over the first 10 s alone (25.5 % against 26.3 %), so it is checked on the card's
window. The U-Net (round 4d) gives 72.5 % (strings harmonic), 0.10 % (drum-and-bass vocal),
96.9 % (speech vocal) and 43.7 % (drum-and-bass percussive, 30 s).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.slow

SHIPPED = Path(__file__).resolve().parents[1] / "pretrained-models"


def _sets():
    from mixin_gui.model.discovery import model_sets

    return model_sets(SHIPPED)


@pytest.fixture(scope="module", params=list(_sets()) or ["cdae"])
def shipped(request):
    """Each bundled model set in turn (the compact CDAEs, the U-Net): every set offered
    keeps the card's promises."""
    from mixin_gui.engine import Separator

    return Separator(_sets().get(request.param, SHIPPED))


def shares(separator, path, seconds):
    """Each stem's share of the stems' summed energy on the first ``seconds`` (mono)."""
    info = sf.info(str(path))
    audio, sr = sf.read(str(path), frames=int(seconds * info.samplerate), dtype="float32",
                        always_2d=True)
    x = audio.mean(axis=1)
    stems = separator.separate(x, sr)
    total = sum(stems[s].astype(np.float64) for s in stems)
    if sr == 44100:
        # Shares only mean something if the stems are the mix, shared out. (At other rates
        # the round trip through 44.1 kHz also drops what lies above soxr's passband.)
        rms = np.sqrt(np.mean(x.astype(np.float64) ** 2))
        assert np.sqrt(np.mean((total - x) ** 2)) < 1e-4 * rms
    energy = {s: float(np.sum(stems[s].astype(np.float64) ** 2)) for s in stems}
    return {s: e / sum(energy.values()) for s, e in energy.items()}


def test_shipped_models_load(shipped):
    from mixin_gui import config

    assert shipped.stems == config.STEMS
    names = ["joint"] if shipped.models.joint else config.STEMS
    for name in names:
        assert (shipped.model_dir / f"model_{name}.keras").is_file()
        assert (shipped.model_dir / f"model_{name}.json").is_file()


#: The string orchestra's harmonic share on its first 10 s, per set: the goal (0.90) for the
#: default set (94.6 % here); the U-Net keeps less (72.5 % here, 83.0 % over the card's
#: 30 s), which is why it is not the default; its bound guards what its card states.
STRINGS_HARMONIC = {"cdae": 0.90, "unet": 0.70}


def _name(separator):
    return next(n for n, f in _sets().items() if f == separator.model_dir)


def test_the_default_set_meets_the_string_orchestra_goal():
    from mixin_gui.model.discovery import DEFAULT_SET

    assert STRINGS_HARMONIC[DEFAULT_SET] >= 0.90


def test_string_orchestra_stays_harmonic(shipped, shared_audio):
    share = shares(shipped, shared_audio / "hungarian_dance_5_strings.ogg", 10)["harmonic"]
    assert share >= STRINGS_HARMONIC[_name(shipped)]


def test_drum_and_bass_stays_out_of_the_vocal_stem(shipped, shared_audio):
    assert shares(shipped, shared_audio / "choice_drum_bass.ogg", 10)["vocal"] <= 0.05


def test_read_speech_goes_to_the_vocal_stem(shipped, shared_audio):
    path = shared_audio / "speech_librispeech_198-209-0000.ogg"
    assert shares(shipped, path, 10)["vocal"] >= 0.60


def test_drum_and_bass_is_more_percussive_than_with_the_original_models(
        shipped, shared_audio, original_models):
    from mixin_gui.engine import Separator

    path = shared_audio / "choice_drum_bass.ogg"
    ours = shares(shipped, path, 30)["percussive"]
    theirs = shares(Separator(original_models), path, 30)["percussive"]
    assert ours > theirs
