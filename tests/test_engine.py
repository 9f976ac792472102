"""The separation engine with the original MiXiN models: reference, known answers, inputs."""

import threading

import numpy as np
import pytest

from mixin_gui import config
from mixin_gui.config import SeparationOptions
from mixin_gui.dsp.nsgt import BarkNSGT
from mixin_gui.dsp.signals import chord, click_train, demo_stems, tone
from mixin_gui.engine import Separator
from mixin_gui.errors import Cancelled, ModelLoadError

SR = config.SAMPLE_RATE


def reference_separation(models, x, *, instrumental=False, single_model=False):
    """The original MiXiN algorithm chunk by chunk (one predict per model per chunk),
    in float64, except that the last chunk is processed too and the masks' regulariser is
    relative to the chunk (see ``dsp.masks.soft_masks``)."""
    nsgt = BarkNSGT()
    n = len(x)
    n_chunks = int(np.ceil(n / config.CHUNK_SIZE))
    xp = np.concatenate([x, np.zeros(n_chunks * config.CHUNK_SIZE - n)])
    names = ("harmonic", "percussive") if instrumental else config.STEMS
    out = {s: np.zeros_like(xp) for s in names}
    for i in range(n_chunks):
        seg = slice(i * config.CHUNK_SIZE, (i + 1) * config.CHUNK_SIZE)
        c = nsgt.forward(xp[seg])
        mag = np.abs(c)
        est = {s: models[s].predict(mag[None, :, :, None], verbose=0)[0, :, :, 0].astype(
            np.float64) for s in names}
        if single_model:
            phase = np.exp(1j * np.angle(c))
            coefs = {s: est[s] * phase for s in names}
        else:
            # MiXiN's soft masks with a regulariser relative to the chunk instead of its
            # absolute 1e-7, shared as the chunk's estimates are, so they sum to 1.
            tot = sum(est[s] ** 2 for s in names)
            d = 1e-7 * tot.max()
            share = {s: np.sum(est[s] ** 2) / np.sum(tot) for s in names}
            coefs = {s: (est[s] ** 2 + d * share[s]) / (tot + d) * c for s in names}
        for s in names:
            out[s][seg] = nsgt.inverse(coefs[s])
    return {s: y[:n] for s, y in out.items()}


@pytest.fixture(scope="module")
def demo_mix():
    return sum(demo_stems(2.5).values())


@pytest.fixture(scope="module")
def keras_originals(original_models):
    """The original models as Keras itself loads them (the reference the engine's own
    reader and runtime are checked against)."""
    import keras

    return {s: keras.models.load_model(original_models / f"model_{s}.h5", compile=False)
            for s in config.STEMS}


@pytest.mark.parametrize("single_model", [False, True])
def test_engine_reproduces_the_per_chunk_original(separator, keras_originals, demo_mix,
                                                  single_model):
    opts = SeparationOptions(overlap=0, single_model=single_model, batch_size=3)
    got = separator.separate(demo_mix, SR, opts)
    want = reference_separation(keras_originals, demo_mix.astype(np.float64),
                                single_model=single_model)
    for s in config.STEMS:
        assert got[s].shape == demo_mix.shape
        assert np.abs(got[s] - want[s]).max() < 1e-4, s


def test_click_train_goes_to_percussive_and_chord_to_harmonic(separator):
    dur = 3.0
    harm = chord([220.0, 277.2, 329.6], dur, amp=0.3)
    clicks = click_train(dur, rate=4, amp=0.9)
    stems = separator.separate(harm + clicks, SR)

    def share(stem, source):  # projection of a stem on one source, relative to that source
        return float(np.dot(stems[stem], source) / np.dot(source, source))

    assert share("percussive", clicks) > 0.5
    assert share("harmonic", harm) > 0.5
    assert share("percussive", clicks) > share("harmonic", clicks)
    assert share("harmonic", harm) > share("percussive", harm)


def test_instrumental_has_no_vocal_and_single_model_differs(separator, demo_mix):
    stems = separator.separate(demo_mix, SR, SeparationOptions(instrumental=True))
    assert stems.names == ("harmonic", "percussive")
    masks = separator.separate(demo_mix, SR)
    single = separator.separate(demo_mix, SR, SeparationOptions(single_model=True))
    diff = np.abs(single["harmonic"] - masks["harmonic"]).max()
    assert diff > 1e-3
    # With masks the stems share out the mix; without the vocal model, two stems do. The
    # masks sum to 1 to float32 rounding (~1e-7), the float32 transform inverts to about
    # 1e-6 of the peak and the crossfades are complementary: measured 3e-7 here (mix peak
    # 0.9, RMS 0.21), so 1e-5 leaves a 30x margin and fails on any lost share of the mix.
    np.testing.assert_allclose(stems["harmonic"] + stems["percussive"], demo_mix, atol=1e-5)


def test_instrumental_runs_two_networks_and_matches_the_original(separator, keras_originals,
                                                                  demo_mix):
    # a Separator loaded with all three networks (as the window loads it) runs only the
    # harmonic and percussive CDAEs for an instrumental separation, in a session of their own
    opts = SeparationOptions(instrumental=True, overlap=0, batch_size=3)
    got = separator.separate(demo_mix, SR, opts)
    sub = separator.models._subsets[("harmonic", "percussive")]
    assert sub.n_stems == 2 and separator.models.runtime.n_stems == 3
    want = reference_separation(keras_originals, demo_mix.astype(np.float64),
                                instrumental=True)
    for s in ("harmonic", "percussive"):
        assert np.abs(got[s] - want[s]).max() < 1e-4, s
    with pytest.raises(ModelLoadError, match="drums model is not in this set"):
        separator.models.predict(np.zeros((1, 96, 1948), np.float32), ("drums",))


def _seam_jump(y, seams, *, freq, amp):
    """Largest second difference next to a chunk seam, relative to the largest a smooth
    sine of ``freq`` Hz and amplitude ``amp`` can have (``amp * omega**2``): at most about
    1 for any smooth signal of that kind, far more for a step or a kink."""
    omega = 2 * np.pi * freq / SR
    d2 = np.abs(np.diff(y, 2))
    return max(d2[max(0, s - 6):s + 6].max() for s in seams) / (amp * omega ** 2)


def test_steady_tone_crosses_chunk_seams_without_a_click(separator):
    x = tone(440.0, 3.5, amp=0.5)
    overlap = SeparationOptions().overlap
    hop = config.CHUNK_SIZE - overlap
    seams = [e for i in (1, 2) for e in (hop * i, hop * i + overlap)]
    stems = separator.separate(x, SR)
    for s in stems:
        assert _seam_jump(stems[s], seams, freq=440.0, amp=0.5) < 1.5, s
    # The same check catches the original back-to-back chunking.
    y0 = separator.separate(x, SR, SeparationOptions(overlap=0))["harmonic"]
    edges = [config.CHUNK_SIZE, 2 * config.CHUNK_SIZE]
    assert _seam_jump(y0, edges, freq=440.0, amp=0.5) > 5.0


def test_every_sample_is_processed_including_the_last_chunk(separator):
    x = tone(300.0, 2.3, amp=0.5)
    total = sum(separator.separate(x, SR)[s] for s in config.STEMS)
    tail = slice(len(x) - 4000, len(x))
    assert np.sqrt(np.mean(total[tail] ** 2)) > 0.2  # original: silence here


def test_silence_gives_silent_finite_stems(separator):
    stems = separator.separate(np.zeros((30_000, 2), np.float32), SR)
    for s in stems:
        assert np.isfinite(stems[s]).all()
        assert np.abs(stems[s]).max() < 1e-6


def test_short_clipping_input(separator, rng):
    x = np.clip(rng.standard_normal((1000, 2)) * 3, -1, 1).astype(np.float32)
    stems = separator.separate(x, SR)
    for s in stems:
        assert stems[s].shape == x.shape and np.isfinite(stems[s]).all()


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 48000, 96000])
def test_other_sample_rates_keep_length_and_rate(separator, sr):
    n = int(1.3 * sr)
    t = np.arange(n) / sr
    x = (0.4 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    stems = separator.separate(x, sr)
    assert stems.sr == sr
    total = sum(stems[s] for s in stems)
    assert total.shape == x.shape
    # The mix comes back (masks share it out) apart from the resampler's edges. Measured
    # 3-4e-7 of the RMS at every rate here; a one-sample shift is 2.2e-2 at 96 kHz (4.3e-2
    # at 48 kHz), so 1e-4 catches any misalignment while leaving soxr a wide margin.
    mid = slice(n // 10, -n // 10)
    assert np.sqrt(np.mean((total[mid] - x[mid]) ** 2)) < 1e-4 * np.sqrt(np.mean(x ** 2))


def test_more_than_two_channels_are_separated_one_by_one(separator):
    x = np.stack([tone(220.0, 1.2), np.zeros(int(1.2 * SR), np.float32),
                  tone(880.0, 1.2)], axis=1)
    stems = separator.separate(x, SR)
    assert stems["harmonic"].shape == x.shape
    assert np.abs(stems["harmonic"][:, 1]).max() < 1e-6  # the silent channel stays silent
    assert np.abs(stems["harmonic"][:, 0]).max() > 0.05


def test_progress_reaches_total_and_cancel_stops(separator):
    x = tone(200.0, 12.0)  # 13 chunks: two batches of 8
    seen = []
    separator.separate(x, SR, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] and len(seen) >= 2
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    cancel = threading.Event()

    calls = []
    with pytest.raises(Cancelled):
        separator.separate(x, SR, progress=lambda d, t: (calls.append(d), cancel.set()),
                           cancel=cancel)
    assert len(calls) == 1


def test_stereo_stems_keep_channels_apart(separator):
    left, right = tone(220.0, 1.5), np.zeros(int(1.5 * SR), np.float32)
    stems = separator.separate(np.stack([left, right], 1), SR)
    for s in stems:
        assert stems[s].shape == (len(left), 2)
        assert np.abs(stems[s][:, 1]).max() < 1e-6


def test_missing_model_is_a_model_load_error(tmp_path, original_models):
    (tmp_path / "model_harmonic.h5").symlink_to(original_models / "model_harmonic.h5")
    with pytest.raises(ModelLoadError, match="percussive"):
        Separator(tmp_path)


def test_wrong_shaped_model_is_a_model_load_error(tmp_path):
    import keras

    bad = keras.Sequential([keras.Input((10, 10, 1)), keras.layers.Conv2D(1, 3)])
    for s in config.STEMS:
        bad.save(tmp_path / f"model_{s}.keras")
    with pytest.raises(ModelLoadError, match="needs"):
        Separator(tmp_path)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_other_network_with_the_right_input_is_a_model_load_error(tmp_path, ext):
    import keras

    shape = (config.N_BANDS, config.N_COEFS, 1)
    other = keras.Sequential([keras.Input(shape), keras.layers.Conv2D(12, 3, padding="same"),
                              keras.layers.Conv2D(1, 1)])
    for s in config.STEMS:
        other.save(tmp_path / f"model_{s}{ext}")
    with pytest.raises(ModelLoadError, match="not the MiXiN CDAE architecture"):
        Separator(tmp_path)


def test_unreadable_model_file_is_a_model_load_error(tmp_path):
    for s in config.STEMS:
        (tmp_path / f"model_{s}.h5").write_bytes(b"not a model")
    with pytest.raises(ModelLoadError, match="Cannot read model file"):
        Separator(tmp_path)
