"""The stems sum to the mix at every level, from full scale to -90 dBFS (and silence).

Soft masks with an absolute regulariser lost quiet music: the summed stems of a passage at
-40 dBFS were 7 dB below the mix. The masks now sum to 1 at every point whatever the level
(``dsp.masks.soft_masks``), so the only difference left is float32 rounding in the
transform and the crossfade.
"""

import numpy as np
import pytest

from mixin_gui import config
from mixin_gui.config import SeparationOptions
from mixin_gui.dsp.signals import demo_stems

SR = config.SAMPLE_RATE
LEVELS_DBFS = (0, -10, -20, -30, -40, -50, -60, -70, -80, -90)


@pytest.fixture(scope="module")
def song():
    """2.5 s of drums, bass, chords and voice, peak at 0 dBFS, stereo (voice left of centre)."""
    parts = demo_stems(2.5)
    left = sum(parts.values())
    right = left - 0.5 * parts["vocal"]
    x = np.stack([left, right], axis=1).astype(np.float64)
    return (x / np.abs(x).max()).astype(np.float32)


MODES = {"default": SeparationOptions(), "instrumental": SeparationOptions(instrumental=True)}


def level_error(separator, options, song, level_db):
    """Summed stems' energy over the mix's in dB, and the residual's RMS over the mix's."""
    x = song * np.float32(10 ** (level_db / 20))
    stems = separator.separate(x, SR, options)
    assert stems.names == options.stems
    total = sum(stems[s].astype(np.float64) for s in stems)
    mix = x.astype(np.float64)
    energy_db = 10 * np.log10(np.sum(total ** 2) / np.sum(mix ** 2))
    residual = np.sqrt(np.mean((total - mix) ** 2) / np.mean(mix ** 2))
    return energy_db, residual


@pytest.mark.parametrize("mode", list(MODES))
def test_stems_sum_to_the_mix_at_every_level(separator, song, mode):
    for level_db in LEVELS_DBFS:
        energy_db, residual = level_error(separator, MODES[mode], song, level_db)
        assert abs(energy_db) < 0.1, (mode, level_db, energy_db)
        # Sample by sample too, not only in energy: float32 transform rounding is ~1e-6.
        assert residual < 1e-4, (mode, level_db, residual)


@pytest.mark.parametrize("mode", list(MODES))
def test_silence_still_gives_silent_finite_stems(separator, mode):
    stems = separator.separate(np.zeros((50_000, 2), np.float32), SR, MODES[mode])
    for s in stems:
        assert np.isfinite(stems[s]).all()
        assert not stems[s].any(), s
