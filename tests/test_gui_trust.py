"""The desktop app's export shares the CLI's writer: a user's file that looks like an old
temporary survives, a track with a 240-byte name exports, and input that overflows float32
is separated at a safe level (U-Net) or refused in a sentence (CDAE), never written as NaN."""

import numpy as np
import pytest
import soundfile as sf

from tests.guikit import (  # noqa: F401  (fixtures: settings, settings_factory, window)
    MODELS, ROOT, needs_models, separate, settings, settings_factory, wait_loaded,
    wait_models, window, write_song)
from mixin_gui.gui.main_window import MainWindow  # noqa: E402

UNET = ROOT / "pretrained-models" / "unet"


@needs_models
def test_export_keeps_a_users_look_alike_file_and_takes_long_names(qtbot, window, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    theirs = write_song(out / ".song_vocal.12345678.part.wav", 0.6)
    before = theirs.read_bytes()
    song = write_song(out / "song.wav", 0.6)
    long = write_song(tmp_path / ("L" * 236 + ".wav"), 0.6)
    window.controller.add_paths([song, theirs, long])
    wait_loaded(qtbot, window, 3)
    wait_models(qtbot, window)
    separate(qtbot, window)
    tracks = list(window.controller.tracks.values())
    assert [t.status for t in tracks] == ["done"] * 3, [t.message for t in tracks]
    assert theirs.read_bytes() == before
    frames = sf.info(str(song)).frames
    for track in ("song", "song_vocal.12345678.part", "L" * 236):
        for stem in ("harmonic", "percussive", "vocal"):
            assert sf.info(str(out / f"{track}_{stem}.wav")).frames == frames
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def _loud(path, seconds=0.8):
    write_song(path, seconds)
    audio, sr = sf.read(path, dtype="float64")
    sf.write(path, audio / np.abs(audio).max() * 8e17, sr, subtype="FLOAT")
    return path


@needs_models
def test_cdae_refuses_overflowing_input_in_a_sentence(qtbot, window, tmp_path):
    song = _loud(tmp_path / "loud.wav")
    window.controller.add_paths([song])
    wait_loaded(qtbot, window)
    wait_models(qtbot, window)
    separate(qtbot, window)
    track = next(iter(window.controller.tracks.values()))
    assert track.status == "failed" and "peaks at 8e+17" in track.message
    assert "\n" not in track.message and track.message.endswith(".")
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.skipif(not (UNET / "model_joint.keras").is_file(), reason="no U-Net bundled")
def test_unet_separates_overflowing_input_at_a_safe_level(qtbot, settings, tmp_path):
    settings.model_dir = UNET
    settings.output_format = ("wav", "32f")
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    try:
        song = _loud(tmp_path / "loud.wav")
        w.controller.add_paths([song])
        wait_loaded(qtbot, w)
        wait_models(qtbot, w)
        separate(qtbot, w)
        track = next(iter(w.controller.tracks.values()))
        assert track.status == "done", track.message
        mix, _ = sf.read(song, dtype="float64")
        total = 0
        for stem in ("harmonic", "percussive", "vocal"):
            y, _ = sf.read(tmp_path / "out" / f"loud_{stem}.wav", dtype="float64")
            assert np.isfinite(y).all()
            total = total + y
        rel = np.sqrt(np.mean((total - mix) ** 2) / np.mean(mix ** 2))
        assert rel < 0.05  # float stems at the input's level, adding up to it
    finally:
        w.close()
