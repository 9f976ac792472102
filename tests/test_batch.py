"""Catalogues: folders in, stems out in the same layout, a manifest that lets a rerun (even
after SIGKILL) go on where the last run stopped, and the Python API.

Real files, real models (the original CDAEs, fast) and real processes throughout.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixin_gui.batch.folders import expand
from mixin_gui.batch.manifest import MANIFEST_NAME, Manifest, model_fingerprint
from mixin_gui.dsp.signals import demo_stems
from mixin_gui.errors import MixinError

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "mixin_gui.cli", "separate"]
STEMS = ("harmonic", "percussive", "vocal")


def song(path, seconds=2.0, gain=1.0):
    mix = sum(demo_stems(seconds).values()).astype(np.float32) * gain
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.stack([mix, 0.7 * mix], 1), 44100)
    return path


@pytest.fixture
def library(tmp_path):
    """music/: two song.wav in different folders, a hidden file, a text file, an empty
    folder, a hidden folder."""
    music = tmp_path / "music"
    song(music / "a" / "b" / "song.wav")
    song(music / "c" / "song.wav", gain=0.5)
    song(music / "top.flac")
    song(music / ".hidden.wav")
    song(music / ".cache" / "x.wav")
    (music / "notes.txt").write_text("not audio")
    (music / "empty").mkdir()
    return music


def mixin(*argv, timeout=300, **kw):
    return subprocess.run([*CLI, *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, **kw)


def records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line]


def test_folders_are_walked_in_order_skipping_hidden_and_non_audio(library, tmp_path):
    out = library / "stems"          # inside the library: never an input
    song(out / "old_vocal.wav")
    items, empty = expand([library], outdir=out)
    assert [(i.path.relative_to(library).as_posix(), i.subdir) for i in items] == [
        ("top.flac", ""), ("a/b/song.wav", "a/b"), ("c/song.wav", "c")]
    assert empty == []
    assert expand([library / "empty"])[1] == [library / "empty"]


def test_a_folder_run_keeps_the_layout_and_a_rerun_skips_everything(library, tmp_path,
                                                                    original_models):
    out = tmp_path / "out"
    proc = mixin(library, "--outdir", out, "--model", original_models)
    assert proc.returncode == 0, proc.stderr
    for sub, name in (("a/b", "song"), ("c", "song"), ("", "top")):
        for stem in STEMS:
            assert sf.info(str(out / sub / f"{name}_{stem}.wav")).frames == 88200
    # the two song.wav are different songs: their stems are too
    a = sf.read(out / "a/b/song_vocal.wav")[0]
    c = sf.read(out / "c/song_vocal.wav")[0]
    assert np.abs(a).max() > 1.5 * np.abs(c).max()
    recs = records(out / MANIFEST_NAME)
    assert [r["status"] for r in recs] == ["done"] * 3
    assert {r["model"] for r in recs} == {model_fingerprint(original_models)}
    assert all(set(r) == {"input", "size", "mtime", "model", "options", "status", "outputs",
                          "error", "seconds"} for r in recs)
    assert "files 3/3" in proc.stderr
    before = (out / MANIFEST_NAME).read_bytes()
    again = mixin(library, "--outdir", out, "--model", original_models)
    assert again.returncode == 0 and "skipped 3 inputs" in again.stderr
    assert again.stdout == "" and (out / MANIFEST_NAME).read_bytes() == before


def test_what_changes_is_redone_and_failures_are_retried(tmp_path, original_models):
    music = tmp_path / "music"
    good, other = song(music / "good.wav"), song(music / "other.wav")
    bad = music / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    out = tmp_path / "out"
    first = mixin(music, "--outdir", out, "--model", original_models)
    assert first.returncode == 1 and first.stderr.count("mixin: ") >= 1
    recs = {Path(r["input"]).name: r for r in records(out / MANIFEST_NAME)}
    assert recs["bad.wav"]["status"] == "failed" and "bad.wav" in recs["bad.wav"]["error"]
    assert recs["good.wav"]["status"] == "done"
    # the bad file repaired, another file changed, one stem deleted: those three are redone
    song(bad)
    song(other, gain=0.3)
    (out / "good_vocal.wav").unlink()
    second = mixin(music, "--outdir", out, "--model", original_models, "--overwrite")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("wrote ") == 3
    # another option changes the output: everything is redone
    third = mixin(music, "--outdir", out, "--model", original_models, "--mono",
                  "--overwrite")
    assert third.returncode == 0 and third.stdout.count("wrote ") == 3
    assert sf.info(str(out / "good_vocal.wav")).channels == 1


def test_force_replaces_only_what_the_manifest_names(tmp_path, original_models):
    music = tmp_path / "music"
    song(music / "s.wav")
    out = tmp_path / "out"
    assert mixin(music, "--outdir", out, "--model", original_models).returncode == 0
    before = (out / "s_vocal.wav").stat().st_mtime_ns
    time.sleep(0.01)
    forced = mixin(music, "--outdir", out, "--model", original_models, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (out / "s_vocal.wav").stat().st_mtime_ns != before
    # a stem file the manifest does not name is still the user's: --force does not replace it
    (out / "t_vocal.wav").write_bytes(b"the user's own file")
    song(music / "t.wav")
    proc = mixin(music / "t.wav", "--outdir", out, "--model", original_models, "--force")
    assert proc.returncode == 1 and "--overwrite" in proc.stderr
    assert (out / "t_vocal.wav").read_bytes() == b"the user's own file"


def test_a_torn_last_line_is_ignored_and_the_next_record_starts_afresh(tmp_path):
    m = Manifest(tmp_path / "m.jsonl")
    m.append({"input": "/a.wav", "status": "done"})
    with open(m.path, "ab") as f:
        f.write(b'{"input": "/b.wav", "sta')         # killed mid-write
    assert set(m.read()) == {"/a.wav"}
    m.append({"input": "/c.wav", "status": "failed"})
    assert set(m.read()) == {"/a.wav", "/c.wav"}
    assert m.path.read_bytes().endswith(b'"failed"}\n')


def test_sigkill_mid_run_leaves_no_stems_and_a_manifest_a_rerun_reads(tmp_path,
                                                                      original_models):
    music = tmp_path / "music"
    song(music / "01.wav", 2.0)
    song(music / "02.wav", 60.0)
    out = tmp_path / "out"
    proc = subprocess.Popen([*CLI, str(music), "--outdir", str(out), "--model",
                             str(original_models)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(".part") and p.name.startswith(".mixin-")
               for p in out.glob(".*")) and (out / MANIFEST_NAME).exists():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert [r["status"] for r in records(out / MANIFEST_NAME)] == ["done"]
    assert not list(out.glob("02_*"))                      # no partial stems of 02
    rerun = mixin(music, "--outdir", out, "--model", original_models)
    assert rerun.returncode == 0, rerun.stderr
    assert "skipped 1 input" in rerun.stderr and rerun.stdout.count("wrote ") == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MANIFEST_NAME] + [f"{n}_{s}.wav" for n in ("01", "02") for s in STEMS])


def test_a_file_over_its_time_limit_is_stopped_and_recorded(tmp_path, original_models):
    music = tmp_path / "music"
    song(music / "long.wav", 60.0)
    song(music / "short.wav", 1.0)
    out = tmp_path / "out"
    proc = mixin(music, "--outdir", out, "--model", original_models, "--file-timeout", "0.5")
    assert proc.returncode == 1
    assert re.search(r"'long\.wav' took longer than the limit of 0\.5 s per file",
                     proc.stderr), proc.stderr
    recs = {Path(r["input"]).name: r["status"] for r in records(out / MANIFEST_NAME)}
    assert recs == {"long.wav": "failed", "short.wav": "done"}
    assert not list(out.glob("long_*")) and not list(out.glob(".*part"))


def test_device_choice_on_a_machine_without_cuda(tmp_path, original_models):
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this ONNX Runtime has CUDA: the fallback cannot be seen here")
    s = song(tmp_path / "s.wav", 1.0)
    refused = mixin(s, "--outdir", tmp_path / "o1", "--model", original_models,
                    "--device", "cuda")
    assert refused.returncode == 1 and "onnxruntime-gpu" in refused.stderr
    assert refused.stderr.count("\n") == 1 and not (tmp_path / "o1").exists()
    auto = mixin(s, "--outdir", tmp_path / "o2", "--model", original_models,
                 "--device", "auto")
    assert auto.returncode == 0 and "run on the CPU" in auto.stderr


# -- the Python API ----------------------------------------------------------------------------

def test_api_separate_and_separate_file(tmp_path, original_models):
    import mixin_gui

    path = song(tmp_path / "s.wav", 1.0)
    mix, sr = sf.read(path, dtype="float32")
    sep = mixin_gui.Separator(original_models)
    from_file = mixin_gui.separate(path, separator=sep)
    from_array = mixin_gui.separate(mix, sr=sr, separator=sep)
    assert from_file.names == STEMS and from_file.sr == sr
    for s in STEMS:
        np.testing.assert_array_equal(from_file[s], from_array[s])
    total = sum(from_file[s] for s in STEMS)
    assert np.sqrt(np.mean((total - mix) ** 2) / np.mean(mix ** 2)) < 0.05
    inst = mixin_gui.separate(mix, sr=sr, model=original_models, instrumental=True, mono=True)
    assert inst.names == ("harmonic", "percussive") and inst["harmonic"].ndim == 1
    written = mixin_gui.separate_file(path, tmp_path / "out", format="flac", separator=sep)
    assert [p.name for p in written] == [f"s_{s}.flac" for s in STEMS]
    assert all(sf.info(str(p)).frames == len(mix) for p in written)
    with pytest.raises(mixin_gui.OutputExistsError):
        mixin_gui.separate_file(path, tmp_path / "out", format="flac", separator=sep)
    assert mixin_gui.separate_file(path, tmp_path / "out", format="flac", exists="skip",
                                   separator=sep) == []
    renamed = mixin_gui.separate_file(path, tmp_path / "out", format="flac",
                                      exists="rename", separator=sep)
    assert renamed[0].name == "s_harmonic (2).flac"


@pytest.mark.parametrize("call,message", [
    (lambda m: m.separate(np.zeros(100)), "sample rate"),
    (lambda m: m.separate(__file__, sr=44100), "leave sr out"),
    (lambda m: m.separate(np.zeros(100), sr=44100, wiener=99), "wiener"),
    (lambda m: m.separate_file(__file__, "/tmp", exists="maybe"), "exists policy"),
])
def test_api_refusals_are_one_sentence(call, message):
    import mixin_gui

    with pytest.raises(MixinError) as exc:
        call(mixin_gui)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_the_readme_api_example_runs(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    example = next((b for b in blocks if "import mixin_gui" in b), None)
    if example is None:
        pytest.fail("README.md has no ```python example that imports mixin_gui")
    song(tmp_path / "song.wav", 1.5)
    proc = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
