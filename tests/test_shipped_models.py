"""The model sets in pretrained-models/ load, separate, and keep their cards' promises on
real recordings (slow lane: ``make test-slow``). Every bundled set is checked (the compact
CDAEs at the top of the folder, the U-Nets in ``unet/`` and ``unet-vocal/``).

The card (``pretrained-models/README.md``) states four goals for the share of the stems' summed
energy that each stem gets, measured on the first 30 s of the recordings in ``../shared/audio``
(mono mixdown): string orchestra harmonic >= 90 %, drum-and-bass vocal <= 5 %, read speech
vocal >= 60 %, drum-and-bass more percussive than with the original models. Each set is checked
on the first 10 s where that is enough: the compact CDAEs give there (with their cards' mask
calibration) 94.6 % strings harmonic, 0.02 % drum-and-bass vocal, 76.7 % speech vocal; the
U-Net (round 4l, mask exponent 0.85) 94.2 %, 0.1 % and 99.3 %. The default set (the U-Net)
is held to the string goal on the card's 30 s (94.3 %; the CDAEs 90.1 %), and the drum-and-bass
percussive share is compared there too (U-Net 38.3 %, CDAEs 26.1 %, original 25.6 %), as over
10 s alone the CDAEs fall below the original (25.5 % against 26.3 %).
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


#: The string orchestra's harmonic share on its first 10 s, per set, a little below what each
#: set gives there (CDAEs 94.6 %, U-Net 93.3 %, unet-vocal 97.5 %): a guard on the cards'
#: figures. The goal itself (0.90 over the card's 30 s) is checked on the default set below.
STRINGS_HARMONIC = {"cdae": 0.90, "unet": 0.92, "unet-vocal": 0.95}


def _name(separator):
    return next(n for n, f in _sets().items() if f == separator.model_dir)


def test_the_default_set_meets_the_string_orchestra_goal(shared_audio):
    from mixin_gui.engine import Separator
    from mixin_gui.model.discovery import default_set_dir

    default = Separator(default_set_dir(SHIPPED))
    share = shares(default, shared_audio / "hungarian_dance_5_strings.ogg", 30)["harmonic"]
    assert share >= 0.90


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
