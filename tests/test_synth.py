"""The synthetic multitrack generator (``mixin train synth``) on short tracks.

Needs the training system packages (scripts/training-deps.sh) and the ``synth`` extra
(pyworld, pedalboard, mido); without them every test here is skipped and says why.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

for _module in ("pyworld", "pedalboard", "mido"):
    pytest.importorskip(_module, reason=f"{_module} missing: pip install -e '.[synth]'")

from mixin_gui.errors import OutputExistsError  # noqa: E402
from mixin_gui.cli import main  # noqa: E402
from mixin_gui.synthdata import batch, resources, track  # noqa: E402

_MISSING = resources.missing()
pytestmark = pytest.mark.skipif(
    bool(_MISSING), reason="synth system packages missing: " + "; ".join(_MISSING) + ". "
    + resources.install_hint())

SECONDS = 5.0


@pytest.fixture(scope="module")
def sung():
    return track.render_track(7, 0, duration=SECONDS, vocals=True)


@pytest.fixture(scope="module")
def sung_again():
    return track.render_track(7, 0, duration=SECONDS, vocals=True)


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_stems_are_stereo_44k_and_sum_to_the_mixture(sung):
    stems, mixture, info = sung
    assert set(stems) == {"drums", "bass", "other", "vocals"}
    assert mixture.dtype == np.float32 and mixture.ndim == 2 and mixture.shape[1] == 2
    assert SECONDS <= info["duration"] <= SECONDS + 4  # whole bars plus the tail
    assert abs(mixture.shape[0] / resources.SR - info["duration"]) < 1e-3
    for audio in stems.values():
        assert audio.shape == mixture.shape and audio.dtype == np.float32
    total = stems["drums"] + stems["bass"] + stems["other"] + stems["vocals"]
    assert np.max(np.abs(total - mixture)) <= 1e-6
    assert np.max(np.abs(mixture)) <= 1.0  # the limiter holds the mix under full scale
    assert np.all(np.isfinite(mixture))


def test_every_stem_sounds(sung):
    stems, mixture, info = sung
    assert info["vocal_layers"] and info["vocal_layers"][0] == "lead"
    for name, audio in stems.items():
        assert _rms(audio) > 1e-3, f"{name} is silent"
        assert _rms(audio[:, 0]) > 1e-4 and _rms(audio[:, 1]) > 1e-4


def test_stems_are_aligned_with_the_mixture(sung):
    stems, mixture, _ = sung
    lags = np.arange(-200, 201)
    for name, audio in stems.items():
        rest = mixture - sum(v for k, v in stems.items() if k != name)
        a, b = audio[:, 0].astype(np.float64), rest[:, 0].astype(np.float64)
        n = len(a) - 400
        corr = [np.dot(a[200:200 + n], b[200 + lag:200 + lag + n]) for lag in lags]
        assert lags[int(np.argmax(corr))] == 0, name


def test_same_seed_same_audio(sung, sung_again):
    for name in track.STEM_NAMES:
        np.testing.assert_array_equal(sung[0][name], sung_again[0][name])
    np.testing.assert_array_equal(sung[1], sung_again[1])
    assert sung[2] == sung_again[2]


def test_written_files_are_byte_identical_for_the_same_track(sung, tmp_path):
    stems, mixture, info = sung
    a = track.write_track(tmp_path / "a", stems, mixture, info)
    b = track.write_track(tmp_path / "b", stems, mixture, info)
    for name in (*track.STEM_NAMES, "mixture"):
        assert (a / f"{name}.wav").read_bytes() == (b / f"{name}.wav").read_bytes()
    with pytest.raises(OutputExistsError):
        track.write_track(tmp_path / "a", stems, mixture, info)


def test_other_seed_other_song(sung):
    stems, mixture, info = track.render_track(8, 0, duration=SECONDS, vocals=True)
    n = min(len(mixture), len(sung[1]))
    assert not np.allclose(mixture[:n], sung[1][:n], atol=1e-3)
    assert info["seed"] == 8


def test_a_track_without_vocals_has_a_silent_vocal_stem():
    stems, mixture, info = track.render_track(7, 1, duration=3.0, vocals=False)
    assert info["voice"] == "none"
    assert not np.any(stems["vocals"])
    for name in ("drums", "bass", "other"):
        assert _rms(stems[name]) > 1e-3, name


def test_cli_writes_musdb_style_folders(tmp_path, capsys):
    rc = main(["train", "synth", "--hours", "0.001", "--out", str(tmp_path), "--seed", "3",
                   "--jobs", "1", "--duration", "3"])
    assert rc == 0
    folders = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(folders) == 1  # 3.6 s asked, one track of at least 4 s planned
    import soundfile as sf

    names = {p.name for p in folders[0].iterdir()}
    assert {"drums.wav", "bass.wav", "other.wav", "vocals.wav", "mixture.wav"} <= names
    info = sf.info(str(folders[0] / "mixture.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (44100, 2, "FLOAT")
    meta = json.loads((folders[0] / "synth.json").read_text())
    assert meta["seed"] == 3 and meta["index"] == 0
    assert "synth" in capsys.readouterr().err
    # a second run finds the track complete and renders nothing
    assert main(["train", "synth", "--hours", "0.001", "--out", str(tmp_path), "--seed", "3",
                     "--duration", "3"]) == 0
    assert "1 already there" in capsys.readouterr().err


def test_plan_reaches_the_hours_asked():
    planned = batch.plan_tracks(0, 0.05)
    seconds = [s for _, _, s in planned]
    assert sum(seconds) >= 180 and sum(seconds[:-1]) < 180
    assert all(20 <= s <= 100 for s in seconds)
    assert len({name for _, name, _ in planned}) == len(planned)


def _first(seed, predicate, *, duration=None, limit=400):
    for index in range(limit):
        if predicate(track.plan(seed, index, duration=duration)):
            return index
    pytest.fail("no planned song matches")


def test_an_orchestral_piece_has_no_drums():
    index = _first(3, lambda s: s.genre == "orchestral", duration=3.0)
    stems, _, info = track.render_track(3, index, duration=3.0, vocals=False)
    assert info["drums"] == "none" and not np.any(stems["drums"])
    assert _rms(stems["bass"]) > 1e-3 and _rms(stems["other"]) > 1e-3


def test_a_song_without_vocals_may_give_its_melody_to_an_instrument():
    index = _first(3, lambda s: s.instrument_lead and not s.has_vocals, duration=4.0)
    stems, _, info = track.render_track(3, index, duration=4.0)
    assert "melody" in [p["role"] for p in info["parts"]]
    assert not np.any(stems["vocals"]) and _rms(stems["other"]) > 1e-3


def test_some_vocal_sections_are_a_cappella():
    plans = [track.plan(5, i) for i in range(100)]
    alone = [(song, sec) for song in plans if song.has_vocals for sec in song.sections
             if sec.lead and not (sec.drums or sec.bass or sec.parts)]
    assert 5 <= len(alone) <= 40  # about a fifth of the songs with vocals
    for song, sec in alone:  # the voice does sing there
        assert any(sec.start <= ph[0].start < sec.end for ph in song.melody)


def test_some_singers_speak_their_lines():
    stems, _, info = track.render_track(4, 1, duration=10.0, vocals=True)  # a spoken seed
    assert info["voice"].endswith(":spoken")
    assert _rms(stems["vocals"]) > 1e-3
