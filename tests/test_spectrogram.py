"""The display spectrogram: shapes, time scale, where a tone lands, level, cancellation."""

import threading

import numpy as np
import pytest

from mixin_gui import config
from mixin_gui.dsp.resample import to_mono_44k
from mixin_gui.dsp.signals import click_train, tone
from mixin_gui.dsp.spectrogram import bark_spectrogram, pool_factor
from mixin_gui.errors import Cancelled

SR = config.SAMPLE_RATE


def test_shape_hop_and_duration():
    x = tone(440.0, 2.5)
    spec = bark_spectrogram(x, SR, cols_per_second=100)
    n_chunks = -(-len(x) // config.CHUNK_SIZE)
    factor = pool_factor(100)
    assert spec.db.shape == (config.N_BANDS, -(-n_chunks * config.N_COEFS // factor))
    assert spec.db.dtype == np.float32
    assert spec.hop == pytest.approx(0.01, rel=0.05)
    assert spec.duration == pytest.approx(2.5)
    assert spec.n_cols * spec.hop >= spec.duration


@pytest.mark.parametrize("freq", [200.0, 1000.0, 6000.0])
def test_tone_lands_in_its_band_at_about_0_db(freq):
    spec = bark_spectrogram(tone(freq, 1.0, amp=1.0), SR, range_db=80)
    band = int(np.argmax(spec.db[:, : spec.n_cols // 2].mean(axis=1)))
    nearest = int(np.argmin(np.abs(spec.frqs - freq)))
    assert abs(band - nearest) <= 1
    assert spec.db.max() == pytest.approx(0.0, abs=2.5)


@pytest.mark.parametrize("loud,quiet,quiet_db", [(200.0, 4000.0, -40.0),
                                                 (1000.0, 6000.0, -40.0),
                                                 (200.0, 4000.0, -60.0)])
def test_a_quiet_tone_shows_at_its_level_in_its_band(loud, quiet, quiet_db):
    """What a user reads off the colour bar: a full-scale tone at 0 dB and a quiet one at
    its own level (within the 2.5 dB that the transform's gain varies with frequency), in
    the band nearest its frequency, with the bands between them far below both."""
    x = tone(loud, 2.0, amp=1.0) + tone(quiet, 2.0, amp=10 ** (quiet_db / 20))
    spec = bark_spectrogram(x, SR)
    level = np.median(spec.db[:, spec.n_cols // 8: spec.n_cols // 2], axis=1)
    band_loud = int(np.argmin(np.abs(spec.frqs - loud)))
    band_quiet = int(np.argmin(np.abs(spec.frqs - quiet)))
    between = int(np.argmin(np.abs(spec.frqs - np.sqrt(loud * quiet))))
    assert level[band_loud] == pytest.approx(0.0, abs=2.5)
    assert level[band_quiet] == pytest.approx(quiet_db, abs=2.5)
    assert int(np.argmax(level[band_loud + 5:])) + band_loud + 5 == band_quiet
    assert level[between] < quiet_db - 15


def test_level_follows_amplitude():
    loud = bark_spectrogram(tone(1000.0, 1.0, amp=1.0), SR).db.max()
    quiet = bark_spectrogram(tone(1000.0, 1.0, amp=0.1), SR).db.max()
    assert loud - quiet == pytest.approx(20.0, abs=0.5)


def test_clicks_are_visible_in_time():
    x = click_train(2.0, rate=2.0)
    spec = bark_spectrogram(x, SR, cols_per_second=50)
    energy = spec.db.mean(axis=0)
    peaks = np.flatnonzero(energy > energy.mean() + 2 * energy.std())
    times = peaks * spec.hop
    # clicks at 0, 0.5, 1.0, 1.5 s (within two display columns)
    for t in (0.5, 1.0, 1.5):
        assert np.min(np.abs(times - t)) < 2 * spec.hop + 0.01


def test_stereo_other_rate_and_mono_mixdown():
    left = tone(1000.0, 1.0, sr=22050)
    stereo = np.stack([left, -left], axis=1)       # cancels in the mixdown
    assert np.abs(to_mono_44k(stereo, 22050)).max() < 1e-6
    mono = to_mono_44k(np.stack([left, left], axis=1), 22050)
    assert len(mono) == SR
    spec = bark_spectrogram(np.stack([left, left], axis=1), 22050)
    assert spec.duration == pytest.approx(1.0)


def test_cancel_raises_cancelled():
    ev = threading.Event()
    ev.set()
    with pytest.raises(Cancelled):
        bark_spectrogram(tone(100.0, 3.0), SR, cancel=ev)
