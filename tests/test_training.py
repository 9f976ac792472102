"""Training pipeline end to end on tiny generated multitracks: prepare-stems, create-hdf5,
fit (with resume), evaluate, e2e, and the bad inputs a user meets."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest
import soundfile as sf

from mixin_gui import config
from mixin_gui.cli import main
from mixin_gui.dsp.nsgt import get_nsgt
from mixin_gui.dsp.signals import demo_stems
from mixin_gui.errors import DatasetError
from mixin_gui.training.hdf5 import FORMAT_VERSION, MIX_FILE, SPLITS, split_tracks, stem_file
from mixin_gui.training.multitrack import prepare_stems, role_of

SR = config.SAMPLE_RATE
N_TRACKS = 4
TRACK_SECONDS = 4.0
SEGMENT_SECONDS = 2.0
CHUNKS_PER_SEGMENT = int(SEGMENT_SECONDS * SR) // config.CHUNK_SIZE  # 2
A_CAPPELLA_SHARE = 0.5


def write_musdb_track(folder, seed, *, seconds=TRACK_SECONDS, vocals=True):
    """A MUSDB18-HQ style stereo track; its mixture.wav is deliberately wrong (silence)."""
    folder.mkdir(parents=True)
    s = demo_stems(seconds, seed=seed, bpm=90 + 7 * seed)
    stereo = {k: np.stack([v, 0.8 * v], 1) for k, v in s.items()}
    sf.write(folder / "drums.wav", stereo["percussive"], SR)
    sf.write(folder / "bass.wav", 0.4 * stereo["harmonic"], SR)
    sf.write(folder / "other.wav", 0.6 * stereo["harmonic"], SR)
    if vocals:
        sf.write(folder / "vocals.wav", stereo["vocal"], SR)
    sf.write(folder / "mixture.wav", np.zeros_like(stereo["vocal"]), SR)
    return s


@pytest.fixture(scope="module")
def stem_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("stems")
    for i in range(N_TRACKS):
        write_musdb_track(root / f"song{i}", seed=i)
    return root


@pytest.fixture(scope="module")
def data_dir(stem_root, tmp_path_factory):
    data = tmp_path_factory.mktemp("work") / "data"
    assert main(["train", "prepare-stems", "--stem-dirs", str(stem_root),
                 "--segment-duration", str(SEGMENT_SECONDS), "--data-dir", str(data)]) == 0
    # no a cappella mixes here: the training tests need the plain layout (see a_cappella_dir)
    assert main(["train", "create-hdf5", "--data-dir", str(data),
                 "--a-cappella-share", "0"]) == 0
    return data


@pytest.fixture(scope="module")
def a_cappella_dir(data_dir, tmp_path_factory):
    """The same segments with a share of a cappella mixes."""
    import shutil
    data = tmp_path_factory.mktemp("a_cappella") / "data"
    shutil.copytree(data_dir, data, ignore=shutil.ignore_patterns("*.hdf5"))
    assert main(["train", "create-hdf5", "--data-dir", str(data),
                 "--a-cappella-share", str(A_CAPPELLA_SHARE)]) == 0
    return data


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *needles):
    assert code == 1
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("mixin: ")
    for needle in needles:
        assert needle in line


# ----------------------------------------------------------------------- prepare-stems
@pytest.mark.parametrize("name, role", [
    ("drums.wav", "percussive"), ("Kick Drum.flac", "percussive"), ("vocals.wav", "vocal"),
    ("Lead Vocal 2.wav", "vocal"), ("mixture.wav", "mixture"), ("Full Mix.wav", "mixture"),
    ("bass.wav", "harmonic"), ("other.wav", "harmonic"), ("Rhythm Guitar.wav", "harmonic")])
def test_role_heuristic(name, role):
    assert role_of(name) == role


def test_prepare_writes_vocal_and_novocal_segments(data_dir, stem_root):
    folders = sorted(p.name for p in data_dir.iterdir() if p.is_dir())
    segments = int(TRACK_SECONDS / SEGMENT_SECONDS)
    assert len(folders) == N_TRACKS * segments * 2
    assert "0000000v" in folders and "0030001nov" in folders
    assert sorted(p.name for p in (data_dir / "0010001v").iterdir()) == \
        ["harmonic.wav", "mix.wav", "percussive.wav", "vocal.wav"]
    assert sorted(p.name for p in (data_dir / "0010001nov").iterdir()) == \
        ["harmonic.wav", "mix.wav", "percussive.wav"]
    seg = {n: sf.read(data_dir / "0010001v" / f"{n}.wav") for n in
           ("harmonic", "percussive", "vocal", "mix")}
    for audio, sr in seg.values():
        assert sr == SR and audio.shape == (int(SEGMENT_SECONDS * SR),)
    # our own sum, not the (silent) mixture.wav of the folder
    total = seg["harmonic"][0] + seg["percussive"][0] + seg["vocal"][0]
    np.testing.assert_allclose(seg["mix"][0], total, atol=1e-6)
    assert np.abs(seg["mix"][0]).max() > 0.05
    nov_mix, _ = sf.read(data_dir / "0010001nov" / "mix.wav")
    np.testing.assert_allclose(nov_mix, seg["harmonic"][0] + seg["percussive"][0], atol=1e-6)
    # harmonic = bass + other, mono, of the second segment of track 1
    s = demo_stems(TRACK_SECONDS, seed=1, bpm=97)
    want = 0.9 * s["harmonic"][int(SEGMENT_SECONDS * SR):]
    np.testing.assert_allclose(seg["harmonic"][0], want, atol=1e-4)


def test_prepare_offset_limits_and_heuristic_layout(tmp_path):
    track = tmp_path / "stems" / "band" / "take1"
    track.mkdir(parents=True)
    s = demo_stems(5.0, seed=7)
    for name, sig in [("Kick Drum.wav", s["percussive"]), ("Guitar.wav", s["harmonic"]),
                      ("Keys.flac", 0.5 * s["harmonic"]), ("Full Mix.wav", 0 * s["vocal"])]:
        sf.write(track / name, sig, SR)
    summary = prepare_stems([tmp_path / "stems"], tmp_path / "data", segment_duration=1.0,
                            segment_offset=1, segment_limit=2, jobs=1)
    # no vocal file: only no-vocal folders, segments 1 and 2
    assert summary == {"tracks": 1, "segments": 2, "skipped": []}
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["0000001nov", "0000002nov"]
    h, _ = sf.read(tmp_path / "data" / "0000001nov" / "harmonic.wav")
    np.testing.assert_allclose(h, 1.5 * s["harmonic"][SR:2 * SR], atol=1e-4)


def test_prepare_resamples_other_rates(tmp_path):
    track = tmp_path / "stems" / "t"
    track.mkdir(parents=True)
    n = 3 * 22050
    sf.write(track / "drums.wav", np.zeros(n) + 0.1, 22050)
    sf.write(track / "piano.wav", np.zeros(n) + 0.2, 22050)
    prepare_stems([tmp_path / "stems"], tmp_path / "data", segment_duration=1.5)
    mix, sr = sf.read(tmp_path / "data" / "0000000nov" / "mix.wav")
    assert sr == SR and len(mix) == int(1.5 * SR)
    assert abs(mix[SR // 2] - 0.3) < 1e-3


@pytest.mark.parametrize("files, needles", [
    ({"bass.wav": (2, SR), "vocals.wav": (2, SR)}, ["'song'", "no drums"]),
    ({"drums.wav": (2, SR), "bass.wav": (3, SR)}, ["'song'", "different lengths"]),
    ({"drums.wav": (2, SR), "bass.wav": (2, 48000)}, ["'song'", "rates"]),
    ({"drums.wav": (2, SR), "vocals.wav": (2, SR)}, ["'song'", "no harmonic"]),
], ids=["missing-drums", "different-lengths", "different-rates", "drums-only"])
def test_prepare_bad_tracks_are_one_line_errors(tmp_path, capsys, files, needles):
    track = tmp_path / "stems" / "song"
    track.mkdir(parents=True)
    for name, (seconds, sr) in files.items():
        sf.write(track / name, np.full(seconds * sr, 0.1), sr)
    code, _, err = cli(capsys, "train", "prepare-stems", "--stem-dirs", tmp_path / "stems",
                       "--data-dir", tmp_path / "data")
    assert_one_line_error(code, err, *needles)


def test_prepare_empty_or_missing_stem_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = cli(capsys, "train", "prepare-stems", "--stem-dirs", tmp_path / "empty",
                       "--data-dir", tmp_path / "d0")
    assert_one_line_error(code, err, "No audio files")
    code, _, err = cli(capsys, "train", "prepare-stems", "--stem-dirs", tmp_path / "nope",
                       "--data-dir", tmp_path / "d1")
    assert_one_line_error(code, err, "does not exist")


def test_prepare_refuses_a_used_data_dir(stem_root, data_dir, capsys):
    code, _, err = cli(capsys, "train", "prepare-stems", "--stem-dirs", stem_root,
                       "--data-dir", data_dir)
    assert_one_line_error(code, err, "already holds prepared segments")


# ------------------------------------------------------------------------- create-hdf5
def test_split_by_track_is_80_10_10_and_stable():
    split = split_tracks(range(10))
    assert [len(split[s]) for s in SPLITS] == [8, 1, 1]
    assert split == split_tracks(range(10))
    assert sorted(sum(split.values(), [])) == list(range(10))
    assert [len(v) for v in split_tracks(range(3)).values()] == [1, 1, 1]
    with pytest.raises(DatasetError, match="at least 3 tracks"):
        split_tracks([0, 1])


def _zero_target_rows(f, split):
    """Mix rows that a stem file pairs with a target of zeros."""
    pairs, y = f[split]["pairs"][:], f[split]["y"][:]
    silent = ~y.reshape(len(y), -1).any(axis=1)
    return set(pairs[silent[pairs[:, 1]], 0].tolist())


def test_hdf5_shapes_splits_and_storage(a_cappella_dir):
    per_track = int(TRACK_SECONDS / SEGMENT_SECONDS) * CHUNKS_PER_SEGMENT  # chunks per kind
    n_a_cappella = 0
    with h5py.File(a_cappella_dir / MIX_FILE) as mix:
        assert mix.attrs["format_version"] == FORMAT_VERSION
        assert mix.attrs["a_cappella_share"] == A_CAPPELLA_SHARE
        track_sets = [set(mix[s]["track"][:].tolist()) for s in SPLITS]
        assert [len(t) for t in track_sets] == [2, 1, 1]
        assert set.union(*track_sets) == set(range(N_TRACKS))
        files = {stem: h5py.File(stem_file(a_cappella_dir, stem)) for stem in config.STEMS}
        for i, s in enumerate(SPLITS):
            x = mix[s]["x"]
            assert x.shape[1:] == (config.N_BANDS, config.N_COEFS, 1)
            assert x.dtype == np.float16
            for stem, f in files.items():
                assert "x" not in f[s]  # the mix is stored once, in mix.hdf5
                assert set(f[s]["track"][:].tolist()) == track_sets[i]
                # every network sees every mix exactly once
                assert sorted(f[s]["pairs"][:, 0].tolist()) == list(range(x.shape[0]))
            zero = {stem: _zero_target_rows(f, s) for stem, f in files.items()}
            # no-vocal mixes: vocal target zeros; a cappella mixes: harmonic and percussive
            no_vocal, a_cappella = zero["vocal"], zero["harmonic"]
            assert len(no_vocal) == per_track * len(track_sets[i])
            assert zero["percussive"] == a_cappella and not a_cappella & no_vocal
            assert len(a_cappella) % CHUNKS_PER_SEGMENT == 0
            assert x.shape[0] == 2 * per_track * len(track_sets[i]) + len(a_cappella)
            pairs = files["vocal"][s]["pairs"][:]
            for row in a_cappella:  # the mix is the vocal alone
                y_row = pairs[pairs[:, 0] == row, 1][0]
                np.testing.assert_array_equal(x[row], files["vocal"][s]["y"][y_row])
            n_a_cappella += len(a_cappella)
        for f in files.values():
            f.close()
    total_vocal_chunks = N_TRACKS * per_track
    assert 0 < n_a_cappella < total_vocal_chunks  # a seeded share, neither none nor all


def test_hdf5_a_cappella_share_zero_and_bad_share(data_dir, capsys):
    with h5py.File(data_dir / MIX_FILE) as mix, h5py.File(stem_file(data_dir, "harmonic")) as h:
        assert mix.attrs["a_cappella_share"] == 0
        for s in SPLITS:
            assert not _zero_target_rows(h, s)
            assert len(h[s]["pairs"]) == mix[s]["x"].shape[0]
    with pytest.raises(SystemExit):
        main(["train", "create-hdf5", "--data-dir", str(data_dir), "--a-cappella-share", "1.5"])
    assert "not a share from 0 to 1" in capsys.readouterr().err


def test_hdf5_rows_are_nsgt_magnitudes(data_dir):
    train_track = min(split_tracks(range(N_TRACKS))["train"])
    mix, _ = sf.read(data_dir / f"{train_track:03d}0000v" / "mix.wav", dtype="float32")
    want = np.abs(get_nsgt().forward(mix[:config.CHUNK_SIZE], dtype=np.float32))
    with h5py.File(data_dir / MIX_FILE) as f:
        got = f["train"]["x"][0, ..., 0].astype(np.float32)
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3 * want.max())


def test_hdf5_of_another_version_is_refused(data_dir, tmp_path, capsys):
    import shutil

    copy = tmp_path / "old"
    copy.mkdir()
    for name in (MIX_FILE, "data_percussive.hdf5"):
        shutil.copy(data_dir / name, copy / name)
    with h5py.File(copy / "data_percussive.hdf5", "r+") as f:
        f.attrs["format_version"] = 1
    code, _, err = cli(capsys, "train", "fit", "--stems", "percussive", "--data-dir", copy,
                       "--model-dir", tmp_path / "m", "--checkpoint-dir", tmp_path / "l")
    assert_one_line_error(code, err, "another version", "create-hdf5")


def test_create_hdf5_without_segments_fails_cleanly(tmp_path, capsys):
    code, _, err = cli(capsys, "train", "create-hdf5", "--data-dir", tmp_path)
    assert_one_line_error(code, err, "No prepared segments")


def test_batches_stream_pairs_in_shuffled_order(data_dir):
    from mixin_gui.training.dataset import MagnitudeBatches

    ds = MagnitudeBatches(data_dir, "percussive", "train", batch_size=3, shuffle=True)
    assert len(ds) == -(-ds.n_pairs // 3)
    x, y = ds[0]
    assert x.shape == y.shape == (3, config.N_BANDS, config.N_COEFS, 1)
    assert x.dtype == np.float32
    first = ds.order.copy()
    ds.on_epoch_end()
    assert sorted(first) == sorted(ds.order) and list(first) != list(ds.order)
    x_last, _ = ds[len(ds) - 1]
    assert len(x_last) == ds.n_pairs - 3 * (len(ds) - 1)
    ds.close()


# --------------------------------------------------------------------------------- fit
@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    """Two epochs of the percussive model through the CLI, with plots."""
    work = tmp_path_factory.mktemp("fit")
    argv = ["train", "fit", "--stems", "percussive", "--epochs", "2", "--batch-size", "4",
            "--data-dir", str(data_dir), "--model-dir", str(work / "model"),
            "--checkpoint-dir", str(work / "logdir"), "--plot-training"]
    assert main(argv) == 0
    return work, argv


def test_fit_lowers_validation_loss_and_saves_everything(trained):
    from mixin_gui.model.cdae import load_cdae, read_card

    work, _ = trained
    log = (work / "logdir" / "model_percussive.csv").read_text().splitlines()
    assert log[0].startswith("epoch") and len(log) == 3
    val = [float(r.split(",")[log[0].split(",").index("val_loss")]) for r in log[1:]]
    assert val[1] < val[0]
    for name in ("best.keras", "last.keras", "state.json"):
        assert (work / "logdir" / f"model_percussive.{name}").is_file()
    for name in ("percussive_train_loss.png", "percussive_train_mae.png"):
        assert (work / "model" / name).read_bytes()[:4] == b"\x89PNG"
    model = load_cdae(work / "model" / "model_percussive.keras", "percussive")
    assert model.count_params() == 37005
    card = read_card(work / "model" / "model_percussive.keras")
    assert card["epochs"] == 2 and card["architecture"] == config.ARCH_VERSION
    assert card["training_data"]["tracks"] == {"train": 2, "validation": 1, "test": 1}
    assert set(card["scores"]) == {"train_mae", "validation_mae", "test_mae"}
    assert all(0 < v < 1 for v in card["scores"].values())
    assert card["scores"]["validation_mae"] == pytest.approx(min(val), rel=1e-3)


def test_fit_resume_continues_from_the_checkpoint_epoch(trained, capsys):
    from mixin_gui.model.cdae import keras

    work, argv = trained
    before = keras.models.load_model(work / "logdir" / "model_percussive.last.keras")
    steps_before = int(before.optimizer.iterations.numpy())
    argv = [a if a != "2" else "3" for a in argv] + ["--resume"]
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    assert "Epoch 3/3" in out and "Epoch 1/3" not in out
    assert "final MAE" in out and "percussive" in out
    log = (work / "logdir" / "model_percussive.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in log[1:]] == ["0", "1", "2"]
    state = json.loads((work / "logdir" / "model_percussive.state.json").read_text())
    assert state["epoch"] == 3
    after = keras.models.load_model(work / "logdir" / "model_percussive.last.keras")
    assert int(after.optimizer.iterations.numpy()) == steps_before * 3 // 2


def test_fit_refuses_to_overwrite_an_earlier_run(trained, capsys):
    work, argv = trained
    code, _, err = cli(capsys, *argv)
    assert_one_line_error(code, err, "earlier percussive run", "--resume", "--restart")
    assert (work / "logdir" / "model_percussive.last.keras").is_file()


def test_fit_resume_without_checkpoint_and_bad_stem(data_dir, tmp_path, capsys):
    code, _, err = cli(capsys, "train", "fit", "--stems", "vocal", "--resume",
                       "--data-dir", data_dir, "--checkpoint-dir", tmp_path / "none",
                       "--model-dir", tmp_path / "m")
    assert_one_line_error(code, err, "Nothing to resume")
    code, _, err = cli(capsys, "train", "fit", "--stems", "drums", "--data-dir", data_dir)
    assert_one_line_error(code, err, "Unknown stem 'drums'")


# ---------------------------------------------------------------------------- evaluate
def test_bss_scores_perfect_estimate_far_above_silence_plus_noise(rng):
    from mixin_gui.training.evaluate import bss_scores

    s = demo_stems(2.0, seed=3)
    refs = {k: np.stack([v, 0.7 * v], 1) for k, v in s.items()}
    perfect = bss_scores(refs, refs)
    noise = bss_scores(refs, {k: 1e-3 * rng.standard_normal(v.shape) for k, v in refs.items()})
    for stem in refs:
        assert perfect[stem]["SDR"] > 60
        assert noise[stem]["SDR"] < 1
        for m in ("SDR", "SIR", "SAR", "ISR"):
            assert perfect[stem][m] > noise[stem][m] + 30


def test_evaluate_cli_table_json_and_hpss_baseline(stem_root, trained, tmp_path, capsys):
    work, _ = trained
    models = work / "model"  # only a percussive model was trained here
    out_json = tmp_path / "scores.json"
    code, out, err = cli(capsys, "evaluate", "--stem-dirs", stem_root, "--track-limit", "1",
                         "--pretrained-model-dir", _instrumental_dir(models, tmp_path),
                         "--baseline", "hpss", "--json", out_json)
    assert code == 0, err
    assert "MEDIAN over tracks" in out and "hpss" in out
    from mixin_gui.training.multitrack import find_tracks, fingerprint

    assert f"set: 1 track, fingerprint {fingerprint(find_tracks([stem_root])[:1])}" in out
    data = json.loads(out_json.read_text())
    assert set(data) == {"instrumental", "hpss"}
    scores = data["hpss"]["song0"]
    assert set(scores) == {"harmonic", "percussive"}
    assert set(scores["harmonic"]) == {"SDR", "SIR", "SAR", "ISR"}
    assert scores["harmonic"]["SDR"] > 3  # HPSS separates the synthetic chords well
    assert set(data["instrumental"]["song0"]) == {"harmonic", "percussive"}


def test_set_fingerprint_follows_the_audio_not_the_folder(stem_root, tmp_path):
    """A set's fingerprint is the same for a copy of its folders elsewhere and differs once
    one sample of one stem changes."""
    import shutil

    import soundfile as sf

    from mixin_gui.training.multitrack import find_tracks, fingerprint

    copy = tmp_path / "elsewhere"
    shutil.copytree(stem_root, copy)
    first = fingerprint(find_tracks([stem_root]))
    assert len(first) == 16 and fingerprint(find_tracks([copy])) == first
    drums = copy / "song0" / "drums.wav"
    x, sr = sf.read(drums, dtype="float32", always_2d=True)
    x[1000, 0] += 0.01
    sf.write(drums, x, sr, subtype="FLOAT")
    assert fingerprint(find_tracks([copy])) != first


def _instrumental_dir(models, tmp_path):
    """A model folder with harmonic (copy of the percussive weights) and percussive."""
    import shutil

    out = tmp_path / "instrumental"
    out.mkdir()
    for stem in ("harmonic", "percussive"):
        shutil.copy(models / "model_percussive.keras", out / f"model_{stem}.keras")
    return out


def test_evaluate_bad_inputs(tmp_path, capsys, stem_root):
    code, _, err = cli(capsys, "evaluate", "--stem-dirs", tmp_path,
                       "--pretrained-model-dir", tmp_path)
    assert_one_line_error(code, err, "No audio files")
    code, _, err = cli(capsys, "evaluate", "--stem-dirs", stem_root,
                       "--pretrained-model-dir", tmp_path / "missing")
    assert_one_line_error(code, err, "does not exist")


# ------------------------------------------------------------------ e2e and distribution
def test_data_preparation_and_cli_load_neither_keras_nor_qt():
    code = ("import sys, mixin_gui.training.multitrack, mixin_gui.training.hdf5, "
            "mixin_gui.cli.app as a; a.build_parser(); print(' '.join(sys.modules))")
    mods = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, timeout=120).stdout.split())
    assert "mixin_gui.training.hdf5" in mods
    assert not {m for m in mods if m.split(".")[0] in ("tensorflow", "keras", "PySide6",
                                                        "pyqtgraph")}



def test_e2e_command_runs_every_step(stem_root, tmp_path, capsys):
    dirs = {k: tmp_path / k for k in ("data", "model", "logdir")}
    (dirs["data"]).mkdir()
    argv = ["train", "e2e", "--stem-dirs", stem_root, "--segment-duration", "1",
            "--data-dir", dirs["data"], "--model-dir", dirs["model"],
            "--checkpoint-dir", dirs["logdir"]]
    code, _, err = cli(capsys, *argv)
    assert_one_line_error(code, err, "already exist", "--delete")
    code, out, err = cli(capsys, *argv, "--delete")
    assert code == 0, err
    assert "every step passed" in out
    for stem in config.STEMS:
        assert (dirs["model"] / f"model_{stem}.keras").is_file()


@pytest.mark.slow
def test_fit_with_mirrored_strategy_over_two_logical_cpus(data_dir, tmp_path):
    script = textwrap.dedent("""
        import sys
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from mixin_gui.cli import main
        from mixin_gui.training.fit import get_strategy
        print("replicas", get_strategy("mirrored").num_replicas_in_sync)
        sys.exit(main(sys.argv[1:]))
    """)
    res = subprocess.run(
        [sys.executable, "-c", script, "train", "fit", "--stems", "percussive",
         "--epochs", "2", "--batch-size", "4", "--strategy", "mirrored",
         "--data-dir", str(data_dir), "--model-dir", str(tmp_path / "m"),
         "--checkpoint-dir", str(tmp_path / "l")],
        capture_output=True, text=True, timeout=500)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "replicas 2" in res.stdout
    log = (tmp_path / "l" / "model_percussive.csv").read_text().splitlines()
    idx = log[0].split(",").index("val_loss")
    val = [float(r.split(",")[idx]) for r in log[1:]]
    assert len(val) == 2 and val[1] < val[0]
    assert (tmp_path / "m" / "model_percussive.keras").is_file()


def test_evaluate_leaves_out_a_silent_stem(tmp_path):
    """An orchestral piece without drums (silent drums.wav): BSSv4 refuses all-zero
    sources, so its percussive stem is left out for that track, the others scored."""
    from mixin_gui.training.evaluate import evaluate

    song = tmp_path / "songs" / "orchestral"
    write_musdb_track(song, seed=3, seconds=3.0)
    drums = sf.read(song / "drums.wav")[0]
    sf.write(song / "drums.wav", np.zeros_like(drums), SR)
    models = Path(__file__).resolve().parents[1] / "pretrained-models"
    results = evaluate([tmp_path / "songs"], [models])
    (scores,) = results["pretrained-models"].values()
    assert set(scores) == {"harmonic", "vocal"}
    assert all(np.isfinite(scores[s]["SDR"]) for s in scores)


def test_evaluate_mono_scores_the_mixed_down_track(tmp_path):
    """``--mono`` (the hidden benchmark's way) mixes each track down before separating
    and scoring: the same scores as a mono copy of the files, not the stereo ones."""
    from mixin_gui.training.evaluate import evaluate

    stereo = tmp_path / "stereo" / "song"
    write_musdb_track(stereo, seed=4, seconds=3.0)
    mono = tmp_path / "mono" / "song"
    mono.mkdir(parents=True)
    for f in stereo.iterdir():
        x, sr = sf.read(f)
        # a different right channel, so that mono and stereo scores differ
        x[:, 1] = np.roll(x[:, 1], 5000) if f.name == "other.wav" else x[:, 1]
        sf.write(f, x, sr)
        sf.write(mono / f.name, x.mean(axis=1), sr, subtype="DOUBLE")
    models = Path(__file__).resolve().parents[1] / "pretrained-models"
    as_mono = evaluate([stereo.parent], [models], mono=True, baseline="hpss")
    copy = evaluate([mono.parent], [models], baseline="hpss")
    for method, stems in (("pretrained-models", ("harmonic", "percussive", "vocal")),
                          ("hpss", ("harmonic", "percussive"))):
        for stem in stems:
            assert as_mono[method]["song"][stem]["SDR"] == pytest.approx(
                copy[method]["song"][stem]["SDR"], abs=1e-3)
    as_mono = as_mono["pretrained-models"]["song"]
    as_stereo = evaluate([stereo.parent], [models])["pretrained-models"]["song"]
    assert abs(as_stereo["harmonic"]["SDR"] - as_mono["harmonic"]["SDR"]) > 0.05
    # the stereo post-filter reaches the engine through evaluate (the CDAE card asks none)
    filtered = evaluate([stereo.parent], [models], wiener_iterations=2)
    assert filtered["pretrained-models"]["song"]["harmonic"]["SDR"] != pytest.approx(
        as_stereo["harmonic"]["SDR"], abs=1e-3)
