"""`mixin` end to end: in-process through main(argv) and as a real subprocess."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixin_gui.batch.manifest import MANIFEST_NAME as MANIFEST
from mixin_gui import __version__, config
from mixin_gui.cli import main
from mixin_gui.dsp.signals import demo_stems


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    """A 2.5 s stereo demo song written as FLAC."""
    path = tmp_path_factory.mktemp("in") / "my_song_live.flac"
    mix = sum(demo_stems(2.5).values())
    sf.write(path, np.stack([mix, 0.5 * mix], 1), 44100)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_separate_writes_three_stereo_stems(capsys, tmp_path, song, original_models):
    code, out, err = run(capsys, "separate", song, "--outdir", tmp_path,
                         "--pretrained-model-dir", original_models)
    assert code == 0, err
    for stem in config.STEMS:
        info = sf.info(tmp_path / f"my_song_live_{stem}.wav")
        assert info.samplerate == 44100 and info.channels == 2
        assert info.frames == sf.info(song).frames
        assert info.subtype == "FLOAT"
    assert "wrote my_song_live_harmonic.wav" in out
    assert "chunks" in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_existing_stem_is_not_replaced(capsys, tmp_path, song, original_models):
    victim = tmp_path / "my_song_live_percussive.wav"
    victim.write_bytes(b"keep me")
    code, out, err = run(capsys, "separate", song, "--outdir", tmp_path,
                         "--pretrained-model-dir", original_models)
    assert code == 1
    assert "my_song_live_percussive.wav" in err and "--overwrite" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert victim.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_song_live_percussive.wav"]
    code, _, err = run(capsys, "separate", song, "--outdir", tmp_path, "--overwrite",
                       "--pretrained-model-dir", original_models)
    assert code == 0, err
    assert sf.info(victim).frames == sf.info(song).frames


def test_instrumental_mono_flac_first_prefix(capsys, tmp_path, song, original_models):
    code, _, err = run(capsys, "separate", song, "--outdir", tmp_path, "--instrumental",
                       "--mono", "--format", "flac", "--bit-depth", "16", "--first-prefix",
                       "--pretrained-model-dir", original_models)
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != MANIFEST)
    assert names == ["my_harmonic.flac", "my_percussive.flac"]
    info = sf.info(tmp_path / "my_harmonic.flac")
    assert info.channels == 1 and info.subtype == "PCM_16"


def test_several_inputs_one_bad(capsys, tmp_path, song, original_models):
    # One call: the good files are separated, the broken one is named in one line, exit 1.
    other = tmp_path / "in" / "second.wav"
    other.parent.mkdir()
    sf.write(other, np.zeros((5000, 1), np.float32), 22050)
    broken = tmp_path / "in" / "broken.wav"
    broken.write_text("not audio")
    code, out, err = run(capsys, "separate", song, broken, other, "--outdir", tmp_path / "out",
                         "--pretrained-model-dir", original_models)
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("mixin: ")]
    assert len(errors) == 1 and "broken.wav" in errors[0] and "Traceback" not in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()
                  if p.name != MANIFEST) == sorted(
        [f"my_song_live_{s}.wav" for s in config.STEMS] + [f"second_{s}.wav" for s in config.STEMS])
    assert sf.info(tmp_path / "out" / "second_vocal.wav").samplerate == 22050
    assert out.count("wrote ") == 2


@pytest.mark.parametrize("case", ["missing", "directory", "not_audio", "empty", "truncated",
                                  "fifo", "rate_1hz", "zero_bytes"])
def test_bad_inputs_give_one_line_and_no_output(capsys, tmp_path, case, original_models):
    src = tmp_path / "src"
    src.mkdir()
    path = {"missing": src / "gone.wav", "directory": src,
            "not_audio": src / "text.mp3", "empty": src / "empty.wav",
            "truncated": src / "cut.wav", "fifo": src / "pipe.wav",
            "rate_1hz": src / "slow.wav", "zero_bytes": src / "zero.flac"}[case]
    if case == "not_audio":
        path.write_text("hello")
    elif case == "empty":
        sf.write(path, np.zeros((0, 1)), 44100)
    elif case == "truncated":
        sf.write(path, np.zeros((44100, 2), np.float32), 44100)
        path.write_bytes(path.read_bytes()[:50_000])
    elif case == "fifo":
        os.mkfifo(path)
    elif case == "rate_1hz":
        sf.write(path, np.zeros((100, 1), np.float32), 8000)
        data = bytearray(path.read_bytes())
        data[24:32] = (1).to_bytes(4, "little") + (4).to_bytes(4, "little")
        path.write_bytes(bytes(data))
    elif case == "zero_bytes":
        path.write_bytes(b"")
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "separate", path, "--outdir", out_dir,
                         "--pretrained-model-dir", original_models)
    assert code == 1
    assert err.startswith("mixin: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not out_dir.exists()  # the folder is made only when a stem is written


def test_unwritable_outdir(capsys, tmp_path, song, original_models):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, "separate", song, "--outdir", blocker / "x",
                       "--pretrained-model-dir", original_models)
    assert code == 1 and "output folder" in err and err.count("\n") == 1


def test_bad_model_dir(capsys, tmp_path, song, original_models):
    models = tmp_path / "models"
    models.mkdir()
    (models / "model_harmonic.h5").symlink_to(original_models / "model_harmonic.h5")
    (models / "model_percussive.h5").write_bytes(b"junk")
    code, _, err = run(capsys, "separate", song, "--outdir", tmp_path,
                       "--pretrained-model-dir", models)
    assert code == 1 and "model_percussive.h5" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "models", models)
    assert code == 1
    assert "harmonic   ok" in out and "percussive FAIL" in out and "vocal      FAIL" in out


def test_models_lists_the_original_models(capsys, original_models):
    code, out, _ = run(capsys, "models", original_models)
    assert code == 0
    assert out.count("37,005 parameters") == 3 and "all models ok" in out


def test_empty_bundled_models_named_in_one_sentence(capsys, tmp_path, song, monkeypatch):
    import mixin_gui.model.discovery as discovery

    # Stand-ins for the bundled and the reference folder: both real, both empty.
    monkeypatch.setattr(discovery, "default_model_dir", lambda: tmp_path / "pretrained-models")
    monkeypatch.setattr(discovery, "reference_model_dir", lambda: tmp_path / "reference")
    (tmp_path / "pretrained-models").mkdir()
    code, _, err = run(capsys, "separate", song, "--outdir", tmp_path)
    assert code == 1 and "--pretrained-model-dir" in err and err.count("\n") == 1


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"mixin {__version__}"


def test_subprocess_end_to_end(tmp_path, song, original_models):
    proc = subprocess.run(
        [sys.executable, "-m", "mixin_gui.cli", "separate", str(song), "--outdir",
         str(tmp_path), "--pretrained-model-dir", str(original_models), "--instrumental"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "wrote my_song_live_harmonic.wav  my_song_live_percussive.wav" in proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != MANIFEST) == [
        "my_song_live_harmonic.wav", "my_song_live_percussive.wav"]
    # No TensorFlow start-up noise reaches the user.
    assert "oneDNN" not in proc.stderr and "absl" not in proc.stderr


def test_subprocess_error_exit_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mixin_gui.cli", "separate",
                           str(tmp_path / "nothing.wav"), "--outdir", str(tmp_path),
                           "--pretrained-model-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("does not exist.") and "Traceback" not in proc.stderr


def test_non_ascii_names(capsys, tmp_path, original_models):
    src = tmp_path / "entrée"
    src.mkdir()
    song = src / "Café_東京 — démo.wav"
    sf.write(song, sum(demo_stems(1.0).values()), 48000)
    out = tmp_path / "sortie é"
    code, stdout, err = run(capsys, "separate", song, "--outdir", out, "--instrumental",
                            "--pretrained-model-dir", original_models)
    assert code == 0, err
    assert sf.info(out / "Café_東京 — démo_harmonic.wav").samplerate == 48000
    assert "Café_東京 — démo_percussive.wav" in stdout


# -- the stems themselves, read back -------------------------------------------------------------

@pytest.fixture(scope="module")
def long_song(tmp_path_factory):
    """A 9 s stereo song: three blocks of the engine (8 chunks of both channels each)."""
    path = tmp_path_factory.mktemp("long") / "long.wav"
    mix = sum(demo_stems(9.0).values())
    sf.write(path, np.stack([mix, 0.6 * mix[::-1]], 1), 44100, subtype="FLOAT")
    return path


def test_written_stems_sum_to_the_input_block_by_block(capsys, tmp_path, long_song,
                                                        original_models):
    code, _, err = run(capsys, "separate", long_song, "--outdir", tmp_path,
                       "--pretrained-model-dir", original_models)
    assert code == 0, err
    x, _ = sf.read(long_song, dtype="float32")
    stems = {s: sf.read(tmp_path / f"long_{s}.wav", dtype="float32")[0] for s in config.STEMS}
    total = sum(stems.values())
    assert total.shape == x.shape
    # Soft masks share every coefficient of the mix between the stems (they sum to one), the
    # inverse transform is linear and the crossfade weights sum to one, and float WAV stores
    # float32 exactly, so the stems add up to the NSGT's float32 round trip of the mix:
    # measured 3e-7 at most on this song (RMS 0.17); 1e-5 leaves room for other BLAS builds.
    # Checked per second, so a block written out of order or twice fails where it lands.
    sec = 44100
    for start in range(0, len(x), sec):
        seg = slice(start, start + sec)
        np.testing.assert_allclose(total[seg], x[seg], rtol=0, atol=1e-5,
                                   err_msg=f"stems do not sum to the mix at {start / sec} s")
        for s, y in stems.items():
            assert np.sqrt(np.mean(y[seg] ** 2)) > 1e-3, f"{s} silent at {start / sec} s"


def test_single_model_through_the_cli(capsys, tmp_path, song, original_models):
    code, out, err = run(capsys, "separate", song, "--outdir", tmp_path, "--single-model",
                         "--instrumental", "--template", "{stem}-of-{track}",
                         "--pretrained-model-dir", original_models)
    assert code == 0, err
    x, _ = sf.read(song, dtype="float32")
    for stem in config.INSTRUMENTAL_STEMS:
        y, sr = sf.read(tmp_path / f"{stem}-of-my_song_live.wav", dtype="float32")
        assert y.shape == x.shape and sr == 44100
        assert np.sqrt(np.mean(y ** 2)) > 1e-3
    # Network magnitudes with the mix's phase need not add up to the mix: proof that the
    # option reached the engine (soft masks would sum to it within 1e-5).
    h, _ = sf.read(tmp_path / "harmonic-of-my_song_live.wav", dtype="float32")
    p, _ = sf.read(tmp_path / "percussive-of-my_song_live.wav", dtype="float32")
    assert np.max(np.abs(h + p - x)) > 1e-2


def test_wiener_steps_through_the_cli(capsys, tmp_path):
    s = demo_stems(2.0, seed=3)
    song = tmp_path / "wide.wav"
    mix = np.stack([s["harmonic"] + s["vocal"], s["percussive"] + s["vocal"]], 1)
    sf.write(song, mix, 44100, subtype="FLOAT")
    out = {}
    for steps in ("0", "2"):
        code, _, err = run(capsys, "separate", song, "--outdir", tmp_path / steps,
                           "--wiener", steps)
        assert code == 0, err
        out[steps] = {stem: sf.read(tmp_path / steps / f"wide_{stem}.wav",
                                    dtype="float32")[0] for stem in config.STEMS}
        np.testing.assert_allclose(sum(out[steps].values()), mix, atol=2e-4)
    assert max(np.abs(out["0"][k] - out["2"][k]).max() for k in config.STEMS) > 1e-3
    with pytest.raises(SystemExit) as exc:
        run(capsys, "separate", song, "--outdir", tmp_path, "--wiener", "9")
    assert exc.value.code == 2 and "--wiener" in capsys.readouterr().err


# -- never lose a user's file ---------------------------------------------------------------

@pytest.fixture
def small(tmp_path):
    def make(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, np.full((4410, 1), 0.25, np.float32), 44100)
        return path
    return make


def _unchanged(paths):
    return {p: p.read_bytes() for p in paths}


@pytest.mark.parametrize("case", ["own_stem", "other_input", "same_stems", "symlinked_outdir"])
def test_overwrite_never_replaces_an_input(capsys, tmp_path, small, case):
    d = tmp_path / "d"
    if case == "own_stem":
        inputs = [small(d / "x_harmonic.wav")]
        extra = ["--first-prefix", "--outdir", d]
    elif case == "other_input":
        inputs = [small(d / "a.wav"), small(d / "a_harmonic.wav")]
        extra = ["--outdir", d]
    elif case == "same_stems":
        inputs = [small(tmp_path / "d1" / "s.wav"), small(tmp_path / "d2" / "s.wav")]
        extra = ["--outdir", d]
    else:
        inputs = [small(d / "s.wav"), small(d / "s_vocal.wav")]
        (tmp_path / "link").symlink_to(d)
        extra = ["--outdir", tmp_path / "link"]
    before = _unchanged(inputs)
    code, out, err = run(capsys, "separate", *inputs, *extra, "--overwrite",
                         "--pretrained-model-dir", tmp_path / "no-models-needed")
    assert code == 1 and err.count("\n") == 1 and err.startswith("mixin: ")
    assert err.rstrip().endswith("choose another output folder or file-name template.")
    if case == "same_stems":
        assert str(inputs[0]) in err and str(inputs[1]) in err
    else:
        assert str(inputs[-1]) in err or inputs[-1].name in err
    assert _unchanged(inputs) == before
    assert sorted(p.name for p in d.iterdir()) == sorted(p.name for p in inputs
                                                         if p.parent == d) if d.exists() \
        else case == "same_stems"  # no folder made for a refused run


def _python(code, timeout=120):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("argv,message", [
    (["--format", "flac", "--bit-depth", "32f"], "FLAC cannot store 32f-bit samples"),
    (["--format", "mp3", "--bit-depth", "16"], "MP3 has no bit depth"),
    (["--template", "{track}"], "include {stem}"),
])
def test_bad_option_combinations_refused_before_any_work(tmp_path, song, argv, message):
    out = tmp_path / "out"
    proc = _python(
        "import sys\nfrom mixin_gui.cli.app import main\n"
        f"code = main(['separate', {str(song)!r}, '--outdir', {str(out)!r}] + {argv!r})\n"
        "print(code, 'tensorflow' in sys.modules)\n")
    assert proc.stdout.split() == ["1", "False"], proc.stderr  # no TensorFlow imported
    assert proc.stderr.startswith("mixin: ") and message in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.rstrip().endswith(".")
    assert not out.exists()


# -- signals and faults, in real processes ----------------------------------------------------

def _spawn(*argv):
    return subprocess.Popen([sys.executable, "-m", "mixin_gui.cli", *map(str, argv)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, proc, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _skip_if_ignored(sig):
    if signal.getsignal(sig) is signal.SIG_IGN:
        # e.g. the tests run under nohup or from a background job: the child inherits the
        # ignored signal and, as it should, keeps ignoring it (cli/app.py)
        pytest.skip(f"{sig.name} is ignored in this process, so the command ignores it too")


def test_ctrl_c_while_importing_is_one_line_and_130(tmp_path, original_models):
    _skip_if_ignored(signal.SIGINT)
    # A minute of noise: should the signal come late, it still comes before the end.
    long_song = tmp_path / "long.wav"
    sf.write(long_song, np.random.default_rng(3).standard_normal((60 * 44100, 2)) * 0.1,
             44100)
    proc = _spawn("separate", long_song, "--outdir", tmp_path / "out",
                  "--pretrained-model-dir", original_models)
    # As soon as the process is importing its libraries (libsndfile is mapped). The
    # whole command takes under a second without TensorFlow, so a fixed delay would miss it.
    maps = Path(f"/proc/{proc.pid}/maps")
    assert _wait_for(lambda: "libsndfile" in maps.read_text(), proc, timeout=60)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip() == "mixin: interrupted; no partial files were left."
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_while_writing_leaves_no_stems(tmp_path, long_song, original_models, sig):
    _skip_if_ignored(sig)
    out = tmp_path / "out"
    proc = _spawn("separate", long_song, "--outdir", out, "--pretrained-model-dir",
                  original_models)
    started = _wait_for(lambda: out.is_dir() and any(out.iterdir()), proc)
    assert started, proc.communicate()[1]
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1] == "mixin: interrupted; no partial files were left."
    assert not out.exists()  # the writer made it, and took it back empty


def test_a_killed_runs_parts_are_removed_by_the_next_run(tmp_path, song, long_song,
                                                         original_models):
    out = tmp_path / "out"
    proc = _spawn("separate", long_song, "--outdir", out, "--instrumental",
                  "--pretrained-model-dir", original_models)
    assert _wait_for(lambda: out.is_dir() and any(out.iterdir()), proc)
    proc.kill()  # SIGKILL: nothing can clean up
    proc.communicate()
    left = sorted(p.name for p in out.iterdir())
    assert len(left) == 2 and all(n.startswith(".mixin-") and n.endswith(".part")
                                  for n in left)
    done = subprocess.run([sys.executable, "-m", "mixin_gui.cli", "separate", str(long_song),
                           "--outdir", str(out), "--instrumental",
                           "--pretrained-model-dir", str(original_models)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == [
        "long_harmonic.wav", "long_percussive.wav"]


def test_disk_full_is_named_in_one_sentence(capsys, tmp_path, song, original_models):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()})")
    try:
        code, _, err = run(capsys, "separate", song, "--outdir", disk / "stems",
                           "--pretrained-model-dir", original_models)
        assert code == 1
        line = err.strip().splitlines()[-1]
        assert line == (f"mixin: Writing stems to '{disk / 'stems'}' failed: no space left "
                        f"on the device.")
        assert list(disk.iterdir()) == []  # not even the folder made for the stems
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.skipif(not sf.available_formats().get("MP3"), reason="libsndfile without MP3")
def test_mp3_output(capsys, tmp_path, song, original_models):
    code, out, err = run(capsys, "separate", song, "--outdir", tmp_path, "--format", "mp3",
                         "--instrumental", "--pretrained-model-dir", original_models)
    assert code == 0, err
    for stem in config.INSTRUMENTAL_STEMS:
        info = sf.info(tmp_path / f"my_song_live_{stem}.mp3")
        assert info.format == "MP3" and info.channels == 2
        assert info.frames == sf.info(song).frames  # LAME's gapless header keeps the length
