"""Real material in the training data: the sampler, the on-the-fly mixer, the real dev set.

The sampler and dev-set tests need the packages scripts/real-material.sh installs
(``make setup-real``; CI runs it through ``make setup-train``); without them they skip and
say why. The mixer tests build their own stem folders and always run.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from mixin_gui import config
from mixin_gui.dsp.nsgt import get_nsgt
from mixin_gui.errors import DatasetError
from mixin_gui.synthdata import realsources, sampler
from mixin_gui.training import multitrack
from mixin_gui.training.onthefly import ROLES, OnTheFlyMixes

SR = config.SAMPLE_RATE
HINT = "run scripts/real-material.sh (make setup-real)"
needs_piano = pytest.mark.skipif(sampler.instrument("salamander") is None,
                                 reason=f"Salamander piano samples missing: {HINT}")
needs_flute = pytest.mark.skipif(sampler.instrument("flute") is None,
                                 reason=f"tonejs flute samples missing: {HINT}")


def _f0(x, lo=50.0, hi=1200.0):
    """Fundamental of a mono signal by autocorrelation, Hz (parabolic peak)."""
    x = x - x.mean()
    spec = np.fft.rfft(x, 2 * len(x))
    ac = np.fft.irfft(np.abs(spec) ** 2)[:len(x)]
    a, b = int(SR / hi), int(SR / lo)
    k = a + int(np.argmax(ac[a:b]))
    y0, y1, y2 = ac[k - 1], ac[k], ac[k + 1]
    k = k + 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
    return SR / k


def _cents(f, pitch):
    return 1200 * np.log2(f / (440.0 * 2 ** ((pitch - 69) / 12)))


def _onset(y, start):
    env = np.abs(y).max(axis=1)
    return np.nonzero(env > env.max() * 1e-3)[0][0] / SR - start


@needs_piano
@pytest.mark.parametrize("pitch", [60, 62, 70])  # on a recorded note, and re-pitched
def test_a_piano_note_lands_at_its_pitch_time_and_level(pitch):
    y = sampler.render("salamander", [(0.25, 1.0, pitch, 127)], 2 * SR)
    assert y.shape == (2 * SR, 2) and y.dtype == np.float32
    assert abs(_onset(y, 0.25)) < 0.005
    mono = y.mean(axis=1)
    assert abs(_cents(_f0(mono[int(0.35 * SR):int(0.85 * SR)]), pitch)) < 25
    if pitch == 60:  # the loudest C4 is the level reference
        assert np.abs(y).max() == pytest.approx(sampler.FULL_SCALE, rel=0.02)
    assert np.abs(y[int(1.25 * SR + sampler.RELEASE["salamander"] * SR) + 10:]).max() < 1e-6


@needs_piano
def test_piano_velocity_picks_louder_layers():
    peaks = [np.abs(sampler.render("salamander", [(0.0, 0.5, 64, v)], SR)).max()
             for v in (20, 60, 100, 127)]
    assert all(a < b for a, b in zip(peaks, peaks[1:]))


@needs_flute
def test_a_single_layer_note_follows_the_velocity_curve():
    inst = sampler.instrument("flute")
    pitch = next(p for p in range(62, 84) if p not in inst.layers[0])  # re-pitched note
    full = sampler.render("flute", [(0.1, 1.0, pitch, 127)], 2 * SR)
    half = sampler.render("flute", [(0.1, 1.0, pitch, 64)], 2 * SR)
    assert np.abs(full).max() == pytest.approx(sampler.FULL_SCALE, rel=0.08)
    expected = (64 / 127) ** sampler.VELOCITY_EXPONENT
    assert np.abs(half).max() / np.abs(full).max() == pytest.approx(expected, rel=0.01)
    assert abs(_cents(_f0(full.mean(axis=1)[int(0.3 * SR):int(0.8 * SR)]), pitch)) < 25


def test_notes_outside_a_range_move_by_octaves_and_shifts_stay_small():
    assert sampler.fold(20, 30, 70) == 32 and sampler.fold(90, 30, 70) == 66
    assert sampler.fold(50, 30, 70) == 50
    strums = {(0, "major"): ["c"], (7, "major"): ["g"], (9, "minor"): ["am"]}
    rng = np.random.default_rng(0)
    assert sampler.strum_for(rng, strums, 2, "major") == ("c", 2)
    assert sampler.strum_for(rng, strums, 5, "major") == ("g", -2)
    assert sampler.strum_for(rng, strums, 3, "minor") is None  # 6 semitones from A minor
    assert sampler.chord_quality((0, 4, 7), 0) == "major"
    assert sampler.chord_quality((2, 5, 8, 0), 2) == "m7b5"


def test_sample_names_parse_to_midi_pitches():
    assert realsources.note_number("C4") == (60, None)
    assert realsources.note_number("Cs4") == (61, None)
    assert realsources.note_number("D#3v12") == (51, 12)
    assert realsources.note_number("A0v1") == (21, 1)
    assert realsources.note_number("README") is None


# ------------------------------------------------------------------ on-the-fly mixing
def _write(path, x):
    sf.write(str(path), np.stack([x, 0.5 * x], axis=1).astype(np.float32), SR,
             subtype="FLOAT")


@pytest.fixture(scope="module")
def stem_dirs(tmp_path_factory):
    """Two tracks of 3 s: tones (bass, other), clicks (drums) and a glide (vocals)."""
    root = tmp_path_factory.mktemp("stems")
    t = np.arange(3 * SR) / SR
    rng = np.random.default_rng(0)
    for k in range(2):
        d = root / f"track{k}"
        d.mkdir()
        _write(d / "bass.wav", 0.3 * np.sin(2 * np.pi * (55 + 10 * k) * t))
        _write(d / "other.wav", 0.2 * np.sin(2 * np.pi * (440 + 50 * k) * t))
        clicks = np.zeros_like(t)
        clicks[::SR // 4] = 1.0
        _write(d / "drums.wav", np.convolve(clicks, rng.normal(0, 0.3, 400))[:len(t)])
        _write(d / "vocals.wav", 0.2 * np.sin(2 * np.pi * (300 + 100 * t) * t))
    return [root]


def test_batches_have_the_documented_shapes(stem_dirs):
    mixes = OnTheFlyMixes(stem_dirs, seed=1, batch_size=3, steps=2)
    batches = list(mixes)
    assert len(batches) == len(mixes) == 2
    mix, targets = batches[0]
    assert mix.shape == (3, config.N_BANDS, config.N_COEFS) and mix.dtype == np.float32
    assert targets.shape == (3, len(ROLES), config.N_BANDS, config.N_COEFS)
    assert targets.dtype == np.float32 and np.all(targets >= 0) and np.all(np.isfinite(mix))


def test_the_mix_is_the_sum_of_the_treated_stems(stem_dirs):
    mixes = OnTheFlyMixes(stem_dirs, seed=2, batch_size=4)
    recipes = [mixes.recipe(0, k) for k in range(4)]
    coefs = mixes.coefficients(recipes)
    mix, targets = mixes.batch(0, 0)
    np.testing.assert_allclose(mix, np.abs(coefs.sum(axis=1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(targets, np.abs(coefs), rtol=1e-6)
    assert np.all(mix <= targets.sum(axis=1) * (1 + 1e-5) + 1e-6)  # triangle inequality
    # each target is its stem's transform times the drawn gain and EQ, nothing else
    raw = get_nsgt().forward(mixes.signals(recipes)[1, 1], dtype=np.float32)
    gain = recipes[1].parts[1][3]
    scale = 10 ** ((gain + recipes[1].eq_db[1]) / 20)
    np.testing.assert_allclose(targets[1, 1], np.abs(raw) * scale[:, None], rtol=1e-4,
                               atol=1e-6)


def test_gains_eq_and_speed_stay_within_bounds(stem_dirs):
    mixes = OnTheFlyMixes(stem_dirs, seed=3, gain_db=6.0, eq_db=4.0, speed=0.03)
    recipes = [mixes.recipe(e, k) for e in range(3) for k in range(40)]
    parts = [p for r in recipes for p in r.parts if p is not None]
    gains = np.array([p[3] for p in parts])
    speeds = np.array([p[2] for p in parts])
    assert np.all(np.abs(gains) <= 6.0) and gains.max() > 4 and gains.min() < -4
    assert np.all(np.abs(speeds - 1) <= 0.03)
    assert all(np.all(np.abs(r.eq_db) <= 4.0) for r in recipes)
    vocal_share = np.mean([r.parts[2] is not None for r in recipes])
    assert 0.55 < vocal_share < 0.95  # 0.75 by default
    # stems of one example come from different tracks as often as chance says
    assert any(len({p[0] for p in r.parts if p is not None}) > 1 for r in recipes)


def test_same_seed_same_batches_new_epoch_new_mixes(stem_dirs):
    a = OnTheFlyMixes(stem_dirs, seed=4, batch_size=2, steps=1, prefetch=0)
    b = OnTheFlyMixes(stem_dirs, seed=4, batch_size=2, steps=1, prefetch=1)
    (ma, ta), = list(a)
    (mb, tb), = list(b)
    np.testing.assert_array_equal(ma, mb)
    np.testing.assert_array_equal(ta, tb)
    (ma2, _), = list(a)  # the second iteration is the next epoch
    assert not np.allclose(ma, ma2)
    c = OnTheFlyMixes(stem_dirs, seed=5, batch_size=2, steps=1)
    assert not np.allclose(ma, next(iter(c))[0])


def test_coherent_examples_take_one_songs_stems_at_one_offset(stem_dirs):
    mixes = OnTheFlyMixes(stem_dirs, seed=7, batch_size=2, coherent_share=1.0)
    assert len(mixes.songs) == 2
    recipes = [mixes.recipe(0, k) for k in range(20)]
    for r in recipes:
        parts = [p for p in r.parts if p is not None]
        assert len({p[1] for p in parts}) == 1 and len({p[2] for p in parts}) == 1
        assert all(p[4] is None for p in parts)  # no vibrato: the song as composed
        assert tuple(None if p is None else p[0] for p in r.parts) in [
            tuple(None if i is None or p is None else i for i, p in zip(song, r.parts))
            for song in mixes.songs]
    # the harmonic and vocal signals are the same song's files read at the same place
    r = recipes[0]
    x = mixes.signals([r])[0]
    t, offset, speed, _, _ = r.parts[0]
    files, _, _ = mixes.sources["harmonic"][t]
    a = sum(sf.read(str(f), start=offset, frames=200, always_2d=True)[0].mean(axis=1)
            for f in files)
    np.testing.assert_allclose(x[0, :100], np.interp(np.arange(100) * speed,
                                                     np.arange(200), a), atol=1e-5)
    # at share 0 the stems come from independent draws, as before
    mixed = OnTheFlyMixes(stem_dirs, seed=7, batch_size=2)
    assert any(len({p[1] for p in r.parts if p is not None}) > 1
               for r in (mixed.recipe(0, k) for k in range(20)))


def test_no_usable_stems_is_one_plain_error(tmp_path):
    d = tmp_path / "t"
    d.mkdir()
    _write(d / "vocals.wav", np.zeros(3 * SR))
    with pytest.raises(DatasetError, match="no harmonic or percussive"):
        OnTheFlyMixes([tmp_path])


def test_an_accompaniment_file_evaluates_but_never_trains(tmp_path):
    d = tmp_path / "t"
    d.mkdir()
    _write(d / "accompaniment.wav", np.ones(SR) * 0.1)
    _write(d / "vocals.wav", np.ones(SR) * 0.2)
    track, = multitrack.find_tracks([tmp_path])
    assert [p.name for p in track.accompaniment] == ["accompaniment.wav"]
    with pytest.raises(DatasetError, match="cannot train"):
        multitrack.load_track(track)
    refs = multitrack.load_track(track, accompaniment=True)
    np.testing.assert_allclose(refs["mix"], refs["accompaniment"] + refs["vocal"])


# ------------------------------------------------------------------ the real dev set
@pytest.mark.skipif(not realsources.fof_songs() or sampler.instrument("salamander") is None
                    or not realsources.gcin_syllables("5"),
                    reason=f"real material missing: {HINT}")
def test_the_dev_set_is_musdb_folders_whose_stems_sum_to_the_mixture(tmp_path):
    from mixin_gui.synthdata import devset

    plan = devset.plan(0)
    kinds = {kind for _, kind, _ in plan}
    assert kinds == {"fof", "speech-fof", "piano", "speech-piano"}
    # one track of each kind, short
    picks = [next(t for t in plan if t[1] == k) for k in sorted(kinds)]
    for k, (name, kind, source) in enumerate(picks):
        stems, mixture = devset._finish(devset.render(0, k, kind, source, 3.0))
        folder = devset.write_track(tmp_path / name, stems, mixture, {"kind": kind},
                                    names=tuple(stems))
        files = {p.stem: sf.read(str(p), dtype="float32")[0] for p in folder.glob("*.wav")}
        assert "mixture" in files and len(files) >= 3
        total = sum(v for n, v in files.items() if n != "mixture")
        assert np.max(np.abs(total - files["mixture"])) < 1e-5
        assert np.abs(files["mixture"]).max() <= 0.9 + 1e-6
        for n, v in files.items():
            assert v.shape == (3 * SR, 2) and np.sqrt(np.mean(v ** 2)) > 1e-3, (name, n)
        track, = multitrack.find_tracks([folder])
        refs = multitrack.load_track(track, channels="keep", accompaniment=True)
        np.testing.assert_allclose(refs["mix"], files["mixture"], atol=1e-5)
        assert json.loads((folder / "synth.json").read_text())["kind"] == kind
    again = devset.render(0, 2, picks[2][1], picks[2][2], 3.0)
    first = devset.render(0, 2, picks[2][1], picks[2][2], 3.0)
    assert all(np.array_equal(again[n], first[n]) for n in first)  # fixed by the seed


def test_extra_sources_join_their_role(stem_dirs, tmp_path):
    t = np.arange(3 * SR) / SR
    guitar = tmp_path / "guitar.wav"
    _write(guitar, 0.25 * np.sign(np.sin(2 * np.pi * 196 * t)))
    mixes = OnTheFlyMixes(stem_dirs, seed=6, extra={"harmonic": [guitar]})
    assert len(mixes.sources["harmonic"]) == 3 and len(mixes.sources["percussive"]) == 2
    only = OnTheFlyMixes([], seed=6, extra={"harmonic": [guitar]}, batch_size=2)
    mix, targets = only.batch(0, 0)
    np.testing.assert_allclose(mix, targets[:, 0], rtol=1e-5, atol=1e-7)  # the only stem
    assert not targets[:, 1:].any()


def test_unsplit_recordings_stand_in_for_the_accompaniment(stem_dirs, tmp_path):
    from mixin_gui.training.onthefly import UNSPLIT

    t = np.arange(3 * SR) / SR
    band = tmp_path / "band.wav"            # a "recording": a tone and clicks, never split
    clicks = np.zeros_like(t)
    clicks[::SR // 3] = 1.0
    _write(band, 0.2 * np.sin(2 * np.pi * 330 * t) + np.convolve(clicks, np.ones(50))[:len(t)])
    mixes = OnTheFlyMixes(stem_dirs, seed=8, batch_size=4, vocal_share=1.0,
                          extra={"accompaniment": [band]}, accompaniment_share=1.0)
    recipes = [mixes.recipe(0, k) for k in range(4)]
    assert all(r.unsplit and r.parts[1] is None and r.parts[2] is not None for r in recipes)
    mix, targets = mixes.batch(0, 0)
    assert np.all(targets[:, 1] == UNSPLIT)                # the split is unknown ...
    c = mixes.coefficients(recipes)
    np.testing.assert_allclose(targets[:, 0], np.abs(c[:, 0]), rtol=1e-6)  # ... the sum is
    np.testing.assert_allclose(mix, np.abs(c[:, 0] + c[:, 2]), rtol=1e-5, atol=1e-6)
    assert np.abs(c[:, 2]).sum() > 0 and np.all(targets[:, 2] >= 0)
    # at share 0 the recordings are never drawn, and the examples are those of a run
    # without them (same seed, same recipes)
    plain = OnTheFlyMixes(stem_dirs, seed=8, batch_size=4, vocal_share=1.0)
    off = OnTheFlyMixes(stem_dirs, seed=8, batch_size=4, vocal_share=1.0,
                        extra={"accompaniment": [band]})
    for k in range(6):
        a, b = plain.recipe(1, k), off.recipe(1, k)
        assert a.parts == b.parts and not b.unsplit and np.array_equal(a.eq_db, b.eq_db)
    half = OnTheFlyMixes(stem_dirs, seed=8, extra={"accompaniment": [band]},
                         accompaniment_share=0.5)
    assert 20 < sum(half.recipe(0, k).unsplit for k in range(80)) < 60


def _pitch_track_cents(x, f_ref, hop=441):
    """Instantaneous frequency of a tone (analytic signal), in cents from ``f_ref``, one
    value per ``hop`` samples, 50 ms cut from both ends."""
    spec = np.fft.fft(x)
    spec[len(x) // 2 + 1:] = 0
    spec[1:len(x) // 2] *= 2
    phase = np.unwrap(np.angle(np.fft.ifft(spec)))
    f = np.diff(phase) * SR / (2 * np.pi)
    f = np.convolve(f, np.ones(hop) / hop, mode="valid")[::hop]
    return 1200 * np.log2(f[5:-5] / f_ref)


def test_vibrato_makes_a_steady_tone_waver_within_its_bounds(tmp_path):
    d = tmp_path / "tone"
    d.mkdir()
    _write(d / "other.wav", 0.2 * np.sin(2 * np.pi * 440.0 * np.arange(3 * SR) / SR))
    plain = OnTheFlyMixes([tmp_path], seed=7, speed=0.0, vibrato_share=0.0)
    part = plain.recipe(0, 0).parts[0]
    assert part[4] is None
    assert np.ptp(_pitch_track_cents(plain._read("harmonic", part), 440.0)) < 1.0
    wavy = OnTheFlyMixes([tmp_path], seed=7, speed=0.0, vibrato_share=1.0)
    drawn = [wavy.recipe(0, k).parts[0] for k in range(6)]
    for part in drawn:
        cents, hz, _ = part[4]
        assert 15.0 <= cents <= 60.0 and 4.0 <= hz <= 7.0
        track = _pitch_track_cents(wavy._read("harmonic", part), 440.0)
        assert abs(track.max() - cents) < 0.1 * cents + 2  # swings up and down by ``cents``
        assert abs(track.min() + cents) < 0.1 * cents + 2
        assert abs(track.mean()) < 0.15 * cents + 2  # around the written pitch


def test_only_harmonic_stems_get_a_vibrato(stem_dirs):
    mixes = OnTheFlyMixes(stem_dirs, seed=8, vibrato_share=1.0)
    recipes = [mixes.recipe(0, k) for k in range(20)]
    assert all(r.parts[0][4] is not None for r in recipes)
    assert all(p is None or p[4] is None for r in recipes for p in r.parts[1:])


def test_training_extras_are_not_dev_set_material():
    dev = {g for _, g, _ in realsources.fof_songs()}
    extras = realsources.training_extras()["harmonic"]
    assert not dev & set(extras)


@pytest.mark.skipif(not realsources.fof_songs() or sampler.instrument("salamander") is None,
                    reason=f"real material missing: {HINT}")
def test_mixin_train_devset_writes_every_track_and_never_overwrites(tmp_path, capsys):
    from mixin_gui.cli import main
    from mixin_gui.synthdata import devset

    out = tmp_path / "dev"
    assert main(["train", "devset", "--out", str(out), "--seconds", "2"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(n for n, _, _ in devset.plan(0))
    assert all((out / n / "mixture.wav").is_file() for n in names)
    assert not any(n.startswith("fof-muldjord") for n in names)  # their bands hold a voice
    before = (out / names[0] / "mixture.wav").read_bytes()
    assert main(["train", "devset", "--out", str(out), "--seconds", "3"]) != 0
    assert "already exists" in capsys.readouterr().err
    assert (out / names[0] / "mixture.wav").read_bytes() == before


@needs_piano
def test_the_generator_plays_parts_on_real_instruments_by_a_seeded_draw(monkeypatch):
    pytest.importorskip("mido", reason="mido missing: pip install -e '.[synth]'")
    from mixin_gui.synthdata import composition, instruments, resources

    if resources.missing():
        pytest.skip("synth system packages missing: " + "; ".join(resources.missing()))
    song = composition.compose(np.random.default_rng(3), duration=4.0, vocals=False)
    n = int((song.duration + 1) * SR)

    def sources(real_rng):
        parts = instruments.render_parts(np.random.default_rng(5), song, n, real_rng=real_rng)
        return [(p.program, p.soundfont) for p in parts], parts

    monkeypatch.setattr(instruments, "REAL_SHARE", 1.0)
    real, parts = sources(np.random.default_rng(1))
    for (program, source), part in zip(real, parts):
        assert source.startswith("real:") == (program in sampler.PROGRAM_INSTRUMENTS)
        assert np.sqrt(np.mean(part.audio ** 2)) > 1e-4
    assert any(s.startswith("real:") for _, s in real)
    again, _ = sources(np.random.default_rng(1))
    assert again == real
    soundfonts, _ = sources(None)  # no draw: every part on a soundfont, programs unchanged
    assert [p for p, _ in soundfonts] == [p for p, _ in real]
    assert not any(s.startswith("real:") for _, s in soundfonts)


def test_a_bent_tone_follows_the_sung_pitch_curve():
    from mixin_gui.synthdata import melodies

    n = 2 * SR
    t = np.arange(n) / SR
    cents = melodies.pitch_curve(np.random.default_rng(3), n, interval=3, glide_share=1.0,
                                 vibrato_cents=40.0, vibrato_hz=5.5, onset_s=0.4)
    assert cents[0] == pytest.approx(300.0, abs=0.5)  # slides in from a minor third above
    glide_end = t[np.nonzero(np.abs(cents) > 40.0)[0][-1]]
    assert melodies.GLIDE_SECONDS[0] <= glide_end + 1 / SR <= melodies.GLIDE_SECONDS[1]
    rising = (t > melodies.GLIDE_SECONDS[1]) & (t < 0.4)
    assert np.all(np.abs(cents[rising]) <= 40.0 * t[rising] / 0.4 + 1e-6)  # vibrato grows
    late = cents[t > 0.6]
    assert late.max() == pytest.approx(40.0, abs=0.5) and late.min() == pytest.approx(-40.0,
                                                                                      abs=0.5)
    tone = 0.3 * np.sin(2 * np.pi * 440.0 * t)
    bent = melodies.bend(np.stack([tone, tone], axis=1), cents)
    assert len(bent) > n - SR // 10 and np.allclose(bent[:, 0], bent[:, 1])
    track = _pitch_track_cents(bent[:, 0], 440.0)
    hop = 441
    want = np.array([cents[(i + 5) * hop:(i + 6) * hop].mean() for i in range(len(track))])
    assert np.max(np.abs(track - want)) < 3.0


@pytest.mark.skipif(not any(sampler.instrument(k) for k in ("violin", "cello", "flute")),
                    reason=f"tonejs instruments missing: {HINT}")
def test_mixin_train_melodies_writes_voice_free_harmonic_folders(tmp_path, capsys):
    from mixin_gui.cli import main

    out = tmp_path / "mel"
    assert main(["train", "melodies", "--out", str(out), "--count", "3", "--seconds", "4",
                 "--seed", "5"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["melody-5-0000", "melody-5-0001", "melody-5-0002"]
    for name in names:
        other, sr = sf.read(str(out / name / "other.wav"), dtype="float32")
        mix, _ = sf.read(str(out / name / "mixture.wav"), dtype="float32")
        assert sr == SR and other.shape == (4 * SR, 2) and np.array_equal(other, mix)
        assert 0.5 < np.abs(other).max() <= 0.8 + 1e-6
        assert json.loads((out / name / "synth.json").read_text())["voice"] == "none"
    mixes = OnTheFlyMixes([out], seed=1)
    assert len(mixes.sources["harmonic"]) == 3
    assert not mixes.sources["vocal"] and not mixes.sources["percussive"]
    before = (out / names[0] / "other.wav").read_bytes()
    assert main(["train", "melodies", "--out", str(out), "--count", "1", "--seed", "5"]) != 0
    assert "already exists" in capsys.readouterr().err
    assert (out / names[0] / "other.wav").read_bytes() == before
