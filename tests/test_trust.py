"""A hostile or careless user against ``mixin separate``, in real processes: no file of theirs
is lost, nothing aborts or prints a traceback, and every refusal is one sentence.

Each case is one that once went wrong (the trust issue, round 2): a user's file taken for a
stale temporary, names too long for the temporaries, a closed or full standard output, a
file name that is not UTF-8, a signal without a handler, input that overflows float32,
streamed WAV and FLAC refused, the same file given twice, broken model folders.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixin_gui.batch.manifest import MANIFEST_NAME as MANIFEST
from mixin_gui.dsp.signals import demo_stems
from tests.streams import streamed_flac, streamed_wav

ROOT = Path(__file__).resolve().parents[1]
UNET = ROOT / "pretrained-models" / "unet"
CLI = [sys.executable, "-m", "mixin_gui.cli", "separate"]


@pytest.fixture(scope="module")
def mix():
    m = sum(demo_stems(1.5).values()).astype(np.float32)
    return np.stack([m, 0.6 * m], axis=1)


@pytest.fixture
def song(tmp_path, mix):
    path = tmp_path / "song.wav"
    sf.write(path, mix, 44100, subtype="PCM_16")
    return path


def mixin(*argv, env=None, timeout=300, **kw):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*CLI, *map(str, argv)], capture_output=True, timeout=timeout,
                          env=full_env, **kw)


def _err(proc):
    return proc.stderr.decode("utf-8", "backslashreplace")


def no_traceback(proc):
    err = _err(proc)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode not in (134, -6), err  # no abort


def one_sentence(proc):
    no_traceback(proc)
    lines = [ln for ln in _err(proc).splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("mixin: ") and lines[0].endswith("."), lines
    return lines[0]


def stems_of(outdir, track, fmt="wav"):
    return [outdir / f"{track}_{s}.{fmt}" for s in ("harmonic", "percussive", "vocal")]


def _dead_pid():
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)


# -- 1: data loss -----------------------------------------------------------------------------

def test_an_input_named_like_an_old_temporary_is_separated_not_deleted(tmp_path, song,
                                                                       original_models):
    out = tmp_path / "out"
    out.mkdir()
    theirs = out / ".song_vocal.12345678.part.wav"
    shutil.copy(song, theirs)
    before = theirs.read_bytes()
    moved = out / "song.wav"
    shutil.move(song, moved)
    proc = mixin(moved, theirs, "--outdir", out, "--model", original_models)
    no_traceback(proc)
    assert proc.returncode == 0, _err(proc)
    assert theirs.read_bytes() == before
    for p in stems_of(out, "song") + stems_of(out, "song_vocal.12345678.part"):  # no leading dot
        assert sf.info(str(p)).frames == len(sf.read(moved)[0])


def test_an_input_named_like_our_temporary_of_a_dead_run_is_kept(tmp_path, song,
                                                                 original_models):
    from mixin_gui.audio.write import HOST, _name_hash

    out = tmp_path / "out"
    out.mkdir()
    key = _name_hash(out / "song_vocal.wav")
    theirs = out / f".mixin-{key}.{HOST}-{_dead_pid()}-0123abcd.part"
    sf.write(theirs, sf.read(song)[0], 44100, format="WAV")  # audio, under our very name
    before = theirs.read_bytes()
    proc = mixin(theirs, song, "--outdir", out, "--model", original_models)
    no_traceback(proc)
    assert proc.returncode == 0, _err(proc)
    assert theirs.read_bytes() == before      # an input of the run is never "stale"
    assert all(p.is_file() for p in stems_of(out, "song"))
    # not an input of the next run: then it is what its name says, a dead run's temporary
    proc = mixin(song, "--outdir", out, "--model", original_models, "--force")
    assert proc.returncode == 0 and not theirs.exists()


# -- 2: names too long, folders that loop -----------------------------------------------------

def test_a_valid_input_with_a_240_byte_name_is_separated(tmp_path, mix, original_models):
    song = tmp_path / ("L" * 236 + ".wav")
    sf.write(song, mix, 44100)
    out = tmp_path / "out"
    proc = mixin(song, "--outdir", out, "--model", original_models)
    no_traceback(proc)
    assert proc.returncode == 0, _err(proc)
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == sorted(
        p.name for p in stems_of(out, "L" * 236))


def test_a_template_giving_a_300_byte_name_is_one_sentence(tmp_path, song, original_models):
    out = tmp_path / "out"
    proc = mixin(song, "--outdir", out, "--model", original_models,
                 "--template", "{track}_{stem}_" + "x" * 280)
    line = one_sentence(proc)
    assert proc.returncode == 1 and "bytes long" in line and "template" in line
    assert not out.exists()


def test_an_output_folder_that_is_a_symlink_loop_is_one_sentence(tmp_path, song,
                                                                 original_models):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    proc = mixin(song, "--outdir", loop, "--model", original_models)
    assert proc.returncode == 1 and "loop of symbolic links" in one_sentence(proc)


# -- 3: our own output channel ----------------------------------------------------------------

def test_closed_stdout_does_not_stop_the_work(tmp_path, song, original_models):
    out = tmp_path / "out"
    proc = mixin(song, "--outdir", out, "--model", original_models, stdout=None,
                 pass_fds=(), preexec_fn=lambda: os.close(1))
    no_traceback(proc)
    assert proc.returncode == 0
    assert all(p.is_file() for p in stems_of(out, "song"))


def test_stdout_on_a_full_device(tmp_path, song, original_models):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    out = tmp_path / "out"
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*CLI, str(song), "--outdir", str(out), "--model",
                               str(original_models)], stdout=full, stderr=subprocess.PIPE,
                              timeout=300)
    no_traceback(proc)
    assert proc.returncode == 0
    assert all(p.is_file() for p in stems_of(out, "song"))


def test_a_pipe_closed_early_still_separates_every_input(tmp_path, mix, original_models):
    songs = []
    for name in ("a", "b", "c"):
        songs.append(tmp_path / f"{name}.wav")
        sf.write(songs[-1], mix, 44100)
    out = tmp_path / "out"
    cmd = " ".join(f"'{a}'" for a in [*CLI, *map(str, songs), "--outdir", str(out),
                                      "--model", str(original_models)])
    proc = subprocess.run(["bash", "-c", f"{cmd} 2>{tmp_path / 'err'} | head -1; "
                                         f"echo ${{PIPESTATUS[0]}}"],
                          capture_output=True, text=True, timeout=300)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("wrote a_harmonic.wav") and lines[-1] == "0", proc.stdout
    err = (tmp_path / "err").read_text()
    assert "Traceback" not in err and "Exception ignored" not in err, err
    for name in ("a", "b", "c"):
        assert all(p.is_file() for p in stems_of(out, name))


def test_an_ascii_only_locale_with_a_non_ascii_name(tmp_path, mix, original_models):
    song = tmp_path / "chanson d'été.wav"
    sf.write(song, mix, 44100)
    out = tmp_path / "out"
    proc = mixin(song, "--outdir", out, "--model", original_models,
                 env={"LC_ALL": "C", "PYTHONIOENCODING": "ascii"})
    no_traceback(proc)
    assert proc.returncode == 0
    assert proc.stdout.decode("ascii").startswith("wrote chanson d'\\xe9t\\xe9_harmonic.wav")
    assert all(p.is_file() for p in stems_of(out, "chanson d'été"))


# -- 4: names that are not UTF-8 --------------------------------------------------------------

def test_a_file_name_that_is_not_utf8(tmp_path, mix, original_models):
    song = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xff\xfe.wav"))
    with open(os.fsencode(song), "wb") as f:
        sf.write(f, mix, 44100, format="WAV")
    out = tmp_path / "out"
    proc = subprocess.run([*map(os.fsencode, CLI), os.fsencode(song), b"--outdir",
                           os.fsencode(out), b"--model", os.fsencode(original_models)],
                          capture_output=True, timeout=300)
    no_traceback(proc)
    assert proc.returncode == 0, _err(proc)
    assert sorted(os.listdir(os.fsencode(out))) == [b"caf\xff\xfe_harmonic.wav",
                                                      b"caf\xff\xfe_percussive.wav",
                                                      b"caf\xff\xfe_vocal.wav",
                                                      MANIFEST.encode()]


# -- 5: silent wrong output -------------------------------------------------------------------

def test_float_input_at_a_peak_of_8e17(tmp_path, mix):
    song = tmp_path / "loud.wav"
    scale = 8e17 / np.abs(mix).max()
    sf.write(song, mix * scale, 44100, subtype="FLOAT")
    out = tmp_path / "out"
    proc = mixin(song, "--outdir", out, "--model", UNET)
    no_traceback(proc)
    assert proc.returncode == 0, _err(proc)
    total = 0
    for p in stems_of(out, "loud"):
        y, _ = sf.read(p, dtype="float64")
        assert np.isfinite(y).all() and np.abs(y).max() > 1e16
        total = total + y
    loud = sf.read(song, dtype="float64")[0]
    rel = np.sqrt(np.mean((total - loud) ** 2) / np.mean(loud ** 2))
    assert rel < 0.05  # the stems still add up to the (scaled) input


def test_cdae_sets_refuse_such_input_in_one_sentence(tmp_path, mix, original_models):
    song = tmp_path / "loud.wav"
    sf.write(song, mix * (8e17 / np.abs(mix).max()), 44100, subtype="FLOAT")
    out = tmp_path / "out"
    proc = mixin(song, "--outdir", out, "--model", original_models)
    line = one_sentence(proc)
    assert proc.returncode == 1 and "'loud.wav'" in line and "8e+17" in line
    assert not out.exists() or list(out.iterdir()) == []


def test_mono_mixdown_near_the_float32_limit_is_not_blamed_on_the_file(tmp_path, mix):
    song = tmp_path / "limit.wav"
    loud = (mix / np.abs(mix).max() * 2.5e38).astype(np.float32)
    with np.errstate(over="ignore"):
        assert not np.isfinite(loud.sum(axis=1)).all()  # a float32 mixdown overflows here
    sf.write(song, loud, 44100, subtype="FLOAT")
    proc = mixin(song, "--outdir", tmp_path / "out", "--model", UNET, "--mono")
    no_traceback(proc)
    assert proc.returncode == 0, _err(proc)
    assert "NaN or infinite" not in _err(proc) and "Warning" not in _err(proc)
    y, _ = sf.read(tmp_path / "out" / "limit_vocal.wav")
    assert y.ndim == 1 and np.isfinite(y).all()


def test_clipped_integer_stems_are_named_on_stderr(tmp_path, mix, original_models):
    song = tmp_path / "hot.wav"
    sf.write(song, mix / np.abs(mix).max() * 1.9, 44100, subtype="FLOAT")
    out = tmp_path / "out"
    proc = mixin(song, "--outdir", out, "--model", original_models, "--bit-depth", "16")
    no_traceback(proc)
    assert proc.returncode == 0
    warned = [ln for ln in _err(proc).splitlines() if "clipped" in ln]
    assert warned and all(ln.startswith("mixin: warning: 'hot_") for ln in warned)
    for ln in warned:
        name = ln.split("'")[1]
        y, _ = sf.read(out / name)
        assert np.abs(y).max() > 0.999  # it really reached full scale


# -- 6: leftovers -----------------------------------------------------------------------------

def test_sigquit_leaves_nothing(tmp_path, original_models):
    long_song = tmp_path / "long.wav"
    m = sum(demo_stems(90.0).values()).astype(np.float32)
    sf.write(long_song, np.stack([m, m], 1), 44100)
    out = tmp_path / "out"
    proc = subprocess.Popen([*CLI, str(long_song), "--outdir", str(out), "--model",
                             str(original_models)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not (out.is_dir() and any(out.iterdir())) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGQUIT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGQUIT, err
    assert err.decode().strip().splitlines()[-1] == ("mixin: interrupted; no partial "
                                                     "files were left.")
    assert not out.exists()  # the writer made it, and took it back empty


def test_an_over_long_outdir_makes_no_folders(tmp_path, song, original_models):
    outdir = tmp_path.joinpath(*["d" * 199] * 21)
    assert len(str(outdir)) > 4200
    proc = mixin(song, "--outdir", outdir, "--model", original_models)
    assert proc.returncode == 1 and "bytes long" in one_sentence(proc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.wav"]


def test_a_dangling_symlink_outdir_is_refused_before_the_work(tmp_path, song, original_models):
    link = tmp_path / "stems"
    link.symlink_to(tmp_path / "unmounted" / "disk")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c",
                           "import sys\nfrom mixin_gui.cli.app import main\n"
                           f"code = main(['separate', {str(song)!r}, '--outdir', {str(link)!r},"
                           f" '--model', {str(original_models)!r}])\n"
                           "print(code, 'onnxruntime' in sys.modules)\n"],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["1", "False"], proc.stderr  # no model was loaded
    assert "does not exist" in proc.stderr and str(link) in proc.stderr
    assert time.monotonic() - started < 60


# -- 7: valid files refused, misleading words -------------------------------------------------

def test_streamed_wav_and_flac_are_separated(tmp_path, mix, original_models):
    wav = streamed_wav(tmp_path / "piped.wav", mix)
    flac = streamed_flac(tmp_path / "piped2.flac", mix)
    out = tmp_path / "out"
    proc = mixin(wav, flac, "--outdir", out, "--model", original_models)
    no_traceback(proc)
    assert proc.returncode == 0, _err(proc)
    for p in stems_of(out, "piped") + stems_of(out, "piped2"):
        assert sf.info(str(p)).frames == len(mix)


def test_one_file_given_twice_is_separated_once(tmp_path, song, original_models):
    out = tmp_path / "out"
    link = tmp_path / "alias.wav"
    link.symlink_to(song)
    proc = subprocess.run([*CLI, "song.wav", "./song.wav", str(song), "alias.wav",
                           "--outdir", str(out), "--model", str(original_models)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("wrote ") == 1
    notes = [ln for ln in proc.stderr.splitlines() if "more than once" in ln]
    assert len(notes) == 3 and all(ln.endswith("it is separated once.") for ln in notes)
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == sorted(p.name for p in
                                                           stems_of(out, "song"))


def _copy_unet(tmp_path, name):
    dst = tmp_path / name
    dst.mkdir()
    shutil.copy(UNET / "model_joint.keras", dst)
    return dst


def test_a_set_whose_card_is_broken_or_missing_names_the_card(tmp_path, song):
    broken = _copy_unet(tmp_path, "broken")
    (broken / "model_joint.json").write_text('{"architecture": "mixin-unet-3",')
    proc = mixin(song, "--outdir", tmp_path / "o1", "--model", broken)
    line = one_sentence(proc)
    assert str(broken / "model_joint.json") in line and "not valid JSON" in line
    missing = _copy_unet(tmp_path, "missing")
    proc = mixin(song, "--outdir", tmp_path / "o2", "--model", missing)
    line = one_sentence(proc)
    assert "no model card 'model_joint.json'" in line and "None" not in line
    nokey = _copy_unet(tmp_path, "nokey")
    card = json.loads((UNET / "model_joint.json").read_text())
    del card["architecture"]
    (nokey / "model_joint.json").write_text(json.dumps(card))
    line = one_sentence(mixin(song, "--outdir", tmp_path / "o3", "--model", nokey))
    assert "'architecture' key is missing" in line and "None" not in line
    assert not any((tmp_path / o).exists() for o in ("o1", "o2", "o3"))


def test_model_naming_the_model_file_itself(tmp_path, song):
    proc = mixin(song, "--outdir", tmp_path / "out", "--model", UNET / "model_joint.keras")
    line = one_sentence(proc)
    assert "is a file" in line and str(UNET) in line and "does not exist" not in line
