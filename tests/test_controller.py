"""The GUI's controller without a window: queueing, models, separating, exporting.

Real workers, real models (the original MiXiN ones from ../shared), real files; the test
drives the controller as the window does and listens to its signals.
"""

import numpy as np
import pytest
import soundfile as sf

from tests.guikit import (MODELS, needs_models, settings, settings_factory,  # noqa: F401
                          write_song)

from mixin_gui import config  # noqa: E402
from mixin_gui.gui.controller import Controller, mode_text  # noqa: E402
from mixin_gui.gui.results import ModelsInfo, SeparationResult  # noqa: E402


@pytest.fixture
def controller(qtbot, settings):
    c = Controller(settings)
    c.messages = []
    c.message.connect(lambda text, _ms: c.messages.append(text))
    yield c
    c.shutdown()


def load(qtbot, c, paths):
    """Queue ``paths`` and wait until every queued track is analysed."""
    ids = c.add_paths(paths)
    qtbot.waitUntil(lambda: all(c.track(i).status == "waiting" for i in ids), timeout=20000)
    return ids


def wait_models(qtbot, c):
    c.load_models()
    qtbot.waitUntil(lambda: not c.models_loading, timeout=60000)
    assert c.models is not None, c.models_error
    return c.models


def run(qtbot, c, timeout=60000):
    """Separate and wait until the queue is idle again."""
    with qtbot.waitSignal(c.busy_changed, timeout=timeout,
                          check_params_cb=lambda busy: not busy):
        assert c.separate()
    assert c.running is None


def test_queueing_rejects_what_is_not_audio_and_shows_the_first_new_track(qtbot, controller,
                                                                          tmp_path):
    c = controller
    text = tmp_path / "notes.txt"
    text.write_text("not audio")
    good = write_song(tmp_path / "good.wav", 0.5)
    with qtbot.waitSignal(c.current_changed, timeout=20000,
                          check_params_cb=lambda i: c.track(i).audio is not None):
        ids = c.add_paths([text, tmp_path / "missing.wav", good])
    assert [c.track(i).name for i in ids] == ["good"]
    assert c.current_id == ids[0]
    assert len(c.rejections) == 2
    assert "notes.txt" in c.rejections[0] and "missing.wav" in c.rejections[1]
    assert c.queue.index(0, 1).data() == "waiting"
    assert c.settings.recent_files == [str(good.resolve())]
    later = load(qtbot, c, [write_song(tmp_path / "later.wav", 0.5)])
    assert c.current_id == later[0]                   # the newest track is the one shown


def test_nothing_to_separate_or_export_says_so(qtbot, controller, tmp_path):
    c = controller
    assert c.separate() is False
    assert "Nothing to separate" in c.messages[-1]
    assert c.export_stems(["vocal"]) is None
    assert "Nothing to export" in c.messages[-1]
    load(qtbot, c, [write_song(tmp_path / "raw.wav", 0.5)])
    assert c.export_stems(["vocal"]) is None
    assert "Separate 'raw' before exporting" in c.messages[-1]


def test_a_broken_file_is_rejected_after_analysis_and_leaves_the_queue(qtbot, controller,
                                                                      tmp_path):
    c = controller
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    with qtbot.waitSignal(c.rejections_changed, timeout=20000):
        c.add_paths([broken])
    assert len(c.queue) == 0 and c.current_id == 0
    assert "broken.wav" in c.rejections[0]


@needs_models
def test_separating_a_queue_gives_typed_results_and_names_the_mode(qtbot, controller,
                                                                  tmp_path):
    c = controller
    c.settings.auto_export = False
    results = []
    c.separation.worker.finished.connect(lambda _i, r: results.append(r))
    ids = load(qtbot, c, [write_song(tmp_path / f"s{i}.wav", 0.6) for i in range(2)])
    models = wait_models(qtbot, c)
    assert isinstance(models, ModelsInfo) and models.stems == config.STEMS
    busy = []
    c.busy_changed.connect(busy.append)
    run(qtbot, c)
    assert busy == [True, False]                 # one busy stretch for the whole queue
    qtbot.waitUntil(lambda: len(results) == 2)   # the test's own slot runs after the app's
    assert [type(r) for r in results] == [SeparationResult, SeparationResult]
    assert results[0].options == c.options() and results[0].written == ()
    for i in ids:
        track = c.track(i)
        assert track.status == "done" and tuple(track.stems) == config.STEMS
        assert track.stems["vocal"].shape == track.audio.shape
        assert track.mode == "3 stems · mixin-original-models"
    assert c.queue.index(1, 2).data() == "3 stems · mixin-original-models"


def relative_error(track):
    total = sum(track.stems.values())
    return float(np.sqrt(np.mean((total - track.audio) ** 2) / np.mean(track.audio ** 2)))


@needs_models
def test_options_are_per_call_and_never_stick_to_the_cached_engine(qtbot, controller,
                                                                  tmp_path):
    c = controller
    c.settings.auto_export = False
    (song,) = load(qtbot, c, [write_song(tmp_path / "per-call.wav", 1.0,
                                         sr=config.SAMPLE_RATE)])
    wait_models(qtbot, c)
    engines = lambda: list(c.separation.worker._cache.values())  # noqa: E731
    first = engines()
    c.settings.single_model = True
    run(qtbot, c)
    raw = relative_error(c.track(song))
    assert c.track(song).mode == "3 stems · raw network output · mixin-original-models"
    c.settings.single_model = False
    run(qtbot, c)                                # the same track again, with masks
    masked = relative_error(c.track(song))
    print(f"stems vs mix, relative RMS error: raw {raw:.3f}, masks {masked:.4f}")
    assert masked < 0.02 < 0.1 < raw             # measured: 0.004 and 0.67
    assert engines() == first                    # one engine, loaded once, for both runs


@needs_models
def test_instrumental_mode_makes_two_stems(qtbot, controller, tmp_path):
    c = controller
    c.settings.auto_export = False
    c.settings.instrumental = True
    (song,) = load(qtbot, c, [write_song(tmp_path / "inst.wav", 0.6)])
    assert wait_models(qtbot, c).stems == config.INSTRUMENTAL_STEMS   # no vocal network
    run(qtbot, c)
    assert tuple(c.track(song).stems) == config.INSTRUMENTAL_STEMS
    assert c.track(song).mode.startswith("2 stems (instrumental)")


@needs_models
@pytest.mark.parametrize("key, name, gains", [
    ("karaoke", "karaoke", {"mix": 1.0, "vocal": -1.0}),
    ("no-drums", "no-drums", {"mix": 1.0, "percussive": -1.0}),
    ("drums", "drums", {"percussive": 1.0})])
def test_presets_write_one_file(qtbot, controller, tmp_path, key, name, gains):
    c = controller
    c.settings.preset = key
    c.settings.output_format = ("wav", "32f")
    (song,) = load(qtbot, c, [write_song(tmp_path / "song.wav", 0.8)])
    wait_models(qtbot, c)
    with qtbot.waitSignal(c.exported, timeout=60000) as sig:
        run(qtbot, c)
    (path,) = sig.args[0]
    assert path.name == f"song_{name}.wav"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    track = c.track(song)
    want = sum(g * track.sources[s] for s, g in gains.items())
    data, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == track.sr and data.shape == track.audio.shape
    np.testing.assert_allclose(data, want, atol=1e-6)      # float WAV: exact up to rounding
    assert np.sqrt(np.mean(data ** 2)) > 1e-3                # not silent


def test_mode_text_names_stems_method_and_folder(tmp_path):
    assert mode_text(config.SeparationOptions(), tmp_path / "models") == "3 stems · models"
    from mixin_gui.model.discovery import model_sets

    for name, folder in model_sets().items():   # a bundled set goes by its name
        assert mode_text(config.SeparationOptions(), folder) == f"3 stems · {name}"
    opts = config.SeparationOptions(instrumental=True, single_model=True)
    assert mode_text(opts, "x/y") == "2 stems (instrumental) · raw network output · y"
