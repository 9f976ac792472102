"""`mixin` end to end: in-process through main(argv) and as a real subprocess."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

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
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["my_harmonic.flac", "my_percussive.flac"]
    info = sf.info(tmp_path / "my_harmonic.flac")
    assert info.channels == 1 and info.subtype == "PCM_16"


def test_several_inputs_one_bad(capsys, tmp_path, song, original_models):
    other = tmp_path / "in" / "second.wav"
    other.parent.mkdir()
    sf.write(other, np.zeros((5000, 1), np.float32), 22050)
    broken = tmp_path / "in" / "broken.wav"
    broken.write_text("not audio")
    code, out, err = run(capsys, "separate", song, other, "--outdir", tmp_path / "out",
                         "--pretrained-model-dir", original_models)
    assert code == 0, err
    assert sf.info(tmp_path / "out" / "second_vocal.wav").samplerate == 22050
    code, out, err = run(capsys, "separate", broken, "--outdir", tmp_path / "out2",
                         "--pretrained-model-dir", original_models)
    assert code == 1 and "broken.wav" in err
    assert list((tmp_path / "out2").iterdir()) == []


@pytest.mark.parametrize("case", ["missing", "directory", "not_audio", "empty", "truncated"])
def test_bad_inputs_give_one_line_and_no_output(capsys, tmp_path, case, original_models):
    src = tmp_path / "src"
    src.mkdir()
    path = {"missing": src / "gone.wav", "directory": src,
            "not_audio": src / "text.mp3", "empty": src / "empty.wav",
            "truncated": src / "cut.wav"}[case]
    if case == "not_audio":
        path.write_text("hello")
    elif case == "empty":
        sf.write(path, np.zeros((0, 1)), 44100)
    elif case == "truncated":
        sf.write(path, np.zeros((44100, 2), np.float32), 44100)
        path.write_bytes(path.read_bytes()[:50_000])
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "separate", path, "--outdir", out_dir,
                         "--pretrained-model-dir", original_models)
    assert code == 1
    assert err.startswith("mixin: ") and err.count("\n") == 1 and "Traceback" not in err
    assert list(out_dir.iterdir()) == []


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
    import mixin_gui.cli.separate as sep_cli

    monkeypatch.setattr(sep_cli, "default_model_dir", lambda: tmp_path / "pretrained-models")
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
    assert sorted(p.name for p in tmp_path.iterdir()) == [
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
