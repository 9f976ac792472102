"""Output plans and publishing: no user file is ever lost, and a song's stems appear all or none.

Real files and real file systems throughout: collisions through symlinks and hard links,
a folder removed between two renames, a real full disk (a 1 MB tmpfs, when the tests run as
root and may mount), processes killed for real.
"""

import errno
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixin_gui.audio.outputs import (apply_policy, check_collisions, check_template,
                                     plan_targets)
from mixin_gui.audio.write import (HOST, StemWriter, _name_hash, check_output_dir,
                                   remove_stale_parts, write_audio)
from mixin_gui.errors import AudioWriteError, OutputCollisionError, OutputExistsError
from mixin_gui.gui.export import ExportPlan, write_outputs


@pytest.fixture
def block(rng):
    return (rng.standard_normal((4410, 2)) * 0.1).astype(np.float32)


def _one_sentence(exc):
    text = str(exc.value)
    assert "\n" not in text and text.endswith(".") and not text.endswith("..")
    assert "--" not in text  # core messages never name a command-line flag
    return text


# -- collisions --------------------------------------------------------------------------------

def test_output_that_is_the_input_is_refused(tmp_path):
    song = tmp_path / "x_harmonic.wav"
    song.write_bytes(b"the user's file")
    targets = plan_targets(tmp_path, "{track}_{stem}", "x", ["harmonic", "vocal"], "wav")
    with pytest.raises(OutputCollisionError) as exc:
        check_collisions([(song, targets.values())])
    text = _one_sentence(exc)
    assert text.count("x_harmonic.wav") == 2  # names both: the output and the input


def test_output_reaching_an_input_through_a_symlink_is_refused(tmp_path):
    real = tmp_path / "music" / "a_vocal.wav"
    real.parent.mkdir()
    real.write_bytes(b"mine")
    (tmp_path / "out").symlink_to(real.parent)
    with pytest.raises(OutputCollisionError) as exc:
        check_collisions([(tmp_path / "song.wav", [tmp_path / "out" / "a_harmonic.wav"]),
                          (real, [tmp_path / "elsewhere" / "x.wav"]),
                          (tmp_path / "b.wav", [tmp_path / "out" / "a_vocal.wav"])])
    assert "a_vocal.wav" in _one_sentence(exc)


def test_output_that_is_a_hard_link_to_an_input_is_refused(tmp_path):
    song = tmp_path / "song.wav"
    song.write_bytes(b"mine")
    os.link(song, tmp_path / "song_harmonic.wav")
    with pytest.raises(OutputCollisionError):
        check_collisions([(song, [tmp_path / "song_harmonic.wav"])])


def test_two_inputs_writing_the_same_stems_are_refused(tmp_path):
    a, b = tmp_path / "d1" / "s.wav", tmp_path / "d2" / "s.wav"
    outs = [tmp_path / "s_harmonic.wav"]
    with pytest.raises(OutputCollisionError) as exc:
        check_collisions([(a, outs), (b, list(outs))])
    text = _one_sentence(exc)
    assert str(a) in text and str(b) in text and "s_harmonic.wav" in text


def test_same_input_twice_is_refused(tmp_path):
    with pytest.raises(OutputCollisionError, match="same input file"):
        check_collisions([(tmp_path / "a.wav", []), (tmp_path / "." / "a.wav", [])])


def test_template_must_tell_stems_apart():
    check_template("{stem}-{track}", ["harmonic", "vocal"])
    with pytest.raises(AudioWriteError) as exc:
        check_template("{track}", ["harmonic", "vocal"])
    assert "{stem}" in _one_sentence(exc)
    with pytest.raises(AudioWriteError, match="invalid"):
        check_template("{song}_{stem}", ["harmonic"])


def test_policies(tmp_path):
    targets = plan_targets(tmp_path, "{track}_{stem}", "t", ["harmonic", "vocal"], "flac")
    targets["vocal"].write_bytes(b"x")
    assert apply_policy(targets, "overwrite") == (targets, True, [])
    keep, over, skipped = apply_policy(targets, "skip")
    assert list(keep) == ["harmonic"] and not over and skipped == [targets["vocal"]]
    renamed, _, _ = apply_policy(targets, "rename")
    assert renamed["vocal"].name == "t_vocal (2).flac"
    assert renamed["harmonic"] == targets["harmonic"]


def test_gui_export_refuses_to_replace_the_track_it_came_from(tmp_path, block):
    song = tmp_path / "live_vocal.wav"
    write_audio(song, block, 44100)
    before = song.read_bytes()
    plan = ExportPlan({"vocal": tmp_path / "live_vocal.wav"}, "wav", "24", overwrite=True,
                      inputs=(tmp_path / "." / "live_vocal.wav",))
    with pytest.raises(OutputCollisionError):
        write_outputs(plan, {"vocal": block}, 44100)
    assert song.read_bytes() == before


# -- publishing: all or nothing ----------------------------------------------------------------

def test_failure_after_the_first_stem_is_in_place_takes_it_back(tmp_path, block):
    # Two stems in two folders; the second folder vanishes while the song is separated, so
    # publishing fails after the first stem was renamed into place. Nothing must be left.
    first, second = tmp_path / "a" / "s_harmonic.wav", tmp_path / "b" / "s_vocal.wav"
    with pytest.raises(AudioWriteError) as exc:
        with StemWriter([first, second], samplerate=44100, channels=2) as w:
            w.write([block, block])
            shutil.rmtree(second.parent)
    assert "b" in _one_sentence(exc)
    assert not (tmp_path / "a").exists()  # the writer made it, and takes it back empty


def test_overwrite_failure_puts_the_old_files_back(tmp_path, block):
    first, second = tmp_path / "a" / "s_harmonic.wav", tmp_path / "b" / "s_vocal.wav"
    first.parent.mkdir()
    first.write_bytes(b"old harmonic")
    with pytest.raises(AudioWriteError):
        with StemWriter([first, second], samplerate=44100, channels=2, overwrite=True) as w:
            w.write([block, block])
            shutil.rmtree(second.parent)
    assert first.read_bytes() == b"old harmonic"
    assert sorted(p.name for p in first.parent.iterdir()) == ["s_harmonic.wav"]


def test_file_appearing_meanwhile_is_not_replaced_and_nothing_is_published(tmp_path, block):
    paths = [tmp_path / "s_harmonic.wav", tmp_path / "s_vocal.wav"]
    with pytest.raises(OutputExistsError) as exc:
        with StemWriter(paths, samplerate=44100, channels=2) as w:
            w.write([block, block])
            paths[1].write_bytes(b"written by another program meanwhile")
    assert "s_vocal.wav" in _one_sentence(exc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s_vocal.wav"]
    assert paths[1].read_bytes() == b"written by another program meanwhile"


def test_output_folder_is_created_only_when_writing(tmp_path, block):
    outdir = tmp_path / "new" / "stems"
    assert check_output_dir(outdir) == outdir
    assert not (tmp_path / "new").exists()
    write_audio(outdir / "x.wav", block, 44100)
    assert (outdir / "x.wav").is_file()


def test_stale_parts_of_dead_runs_are_removed_live_ones_kept(tmp_path, block):
    final = tmp_path / "song_vocal.wav"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    key = _name_hash(final)
    stale = tmp_path / f".mixin-{key}.{HOST}-{dead}-0123abcd.part"
    live = tmp_path / f".mixin-{key}.{HOST}-{os.getppid()}-0123abcd.part"
    harmonic = _name_hash(tmp_path / "song_harmonic.wav")
    other = tmp_path / f".mixin-{harmonic}.{HOST}-{dead}-0123abcd.part"
    # Names of the old form, with or without a pid: a user's files now, never ours to remove.
    old_form = [tmp_path / ".song_vocal.89abcdef.part.wav",
                tmp_path / f".song_vocal.{dead}-0123abcd.part.wav"]
    no_pid = tmp_path / f".mixin-{key}.0123abcd.part"
    elsewhere = tmp_path / f".mixin-{key}.0badc0de-{dead}-0123abcd.part"  # another machine
    for p in (stale, live, other, no_pid, elsewhere, *old_form):
        p.write_bytes(b"half a stem")
    assert remove_stale_parts(final) == [stale]
    write_audio(final, block, 44100)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [final.name, live.name, other.name, no_pid.name, elsewhere.name]
        + [p.name for p in old_form])


def test_a_protected_file_is_never_removed_whatever_its_name(tmp_path, block):
    final = tmp_path / "song_vocal.wav"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    theirs = tmp_path / f".mixin-{_name_hash(final)}.{HOST}-{dead}-0123abcd.part"
    theirs.write_bytes(b"a file the user gave us as an input")
    write_audio(final, block, 44100, protected=[theirs])
    assert theirs.read_bytes() == b"a file the user gave us as an input"


def test_temporaries_are_short_whatever_the_name(tmp_path, block):
    # A legal 251-byte stem name: its temporary must still be a legal name.
    final = tmp_path / ("L" * 236 + "_percussive.wav")
    seen = []
    with StemWriter([final], samplerate=44100, channels=2) as w:
        seen = [p.name for p in tmp_path.iterdir()]
        w.write([block])
    assert len(seen) == 1 and len(seen[0]) < 64 and seen[0].endswith(".part")
    assert sorted(p.name for p in tmp_path.iterdir()) == [final.name]


def test_a_name_too_long_for_the_system_is_one_sentence(tmp_path, block):
    final = tmp_path / ("x" * 300 + ".wav")
    with pytest.raises(AudioWriteError) as exc:
        write_audio(final, block, 44100)
    assert "300" not in str(tmp_path) and "304 bytes" in _one_sentence(exc)
    assert list(tmp_path.iterdir()) == []


def test_output_folder_symlink_loop_and_dangling_link_are_refused_first(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(AudioWriteError) as exc:
        check_output_dir(loop)
    assert "loop of symbolic links" in _one_sentence(exc)
    with pytest.raises(AudioWriteError) as exc:
        check_output_dir(loop / "stems")
    assert "loop of symbolic links" in _one_sentence(exc)
    dangling = tmp_path / "gone"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(AudioWriteError) as exc:
        check_output_dir(dangling)
    assert "does not exist" in _one_sentence(exc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone", "loop"]


def test_an_over_long_output_folder_is_refused_and_makes_no_folders(tmp_path, block):
    deep = tmp_path.joinpath(*["d" * 200] * 21)       # 4,200 characters and more
    with pytest.raises(AudioWriteError) as exc:
        check_output_dir(deep)
    assert "bytes long" in _one_sentence(exc)
    with pytest.raises(AudioWriteError):
        write_audio(deep / "s.wav", block, 44100)
    assert list(tmp_path.iterdir()) == []


def test_a_stem_with_nan_is_never_published(tmp_path, block):
    bad = block.copy()
    bad[100, 1] = np.nan
    paths = [tmp_path / "s_harmonic.wav", tmp_path / "s_vocal.wav"]
    with pytest.raises(AudioWriteError) as exc:
        with StemWriter(paths, samplerate=44100, channels=2) as w:
            w.write([block, bad])
    assert "NaN" in _one_sentence(exc) and "s_vocal.wav" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt,depth", [("wav", "16"), ("flac", "24"), ("wav", "32f")])
def test_samples_beyond_full_scale_are_reported_when_clipped(tmp_path, block, fmt, depth):
    loud = block * 20  # peaks near 8
    paths = [tmp_path / f"s_harmonic.{fmt}", tmp_path / f"s_vocal.{fmt}"]
    with StemWriter(paths, samplerate=44100, channels=2, fmt=fmt, bit_depth=depth) as w:
        w.write([block, loud])
    back, _ = sf.read(str(paths[1]), dtype="float32")
    if depth == "32f":
        assert w.clipped == {} and np.array_equal(back, loud)
    else:
        assert list(w.clipped) == [paths[1]]
        assert w.clipped[paths[1]] == pytest.approx(float(np.abs(loud).max()))
        assert np.abs(back).max() <= 1.0 and np.abs(back).max() > 0.99  # clipped, not wrapped


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 1 MB file system (tmpfs); skipped where mounting is not allowed."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if proc.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip()})")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_disk_full_names_the_cause_and_leaves_nothing(tiny_disk, rng):
    big = (rng.standard_normal((44100 * 4, 2)) * 0.1).astype(np.float32)  # 1.4 MB as float
    with pytest.raises(AudioWriteError) as exc:
        write_audio(tiny_disk / "stems" / "song_vocal.wav", big, 44100)
    assert _one_sentence(exc) == (f"Writing stems to '{tiny_disk / 'stems'}' failed: "
                                  f"no space left on the device.")
    assert list(tiny_disk.iterdir()) == []  # not even the folder made for the stems


@pytest.mark.skipif(not sf.available_formats().get("MP3"), reason="libsndfile without MP3")
def test_mp3_output(tmp_path, block):
    path = write_audio(tmp_path / "s.mp3", block, 44100)
    info = sf.info(path)
    assert info.format == "MP3" and info.channels == 2 and info.frames == len(block)
    with pytest.raises(AudioWriteError) as exc:
        write_audio(tmp_path / "hi.mp3", block, 96000)
    assert _one_sentence(exc) == "MP3 cannot hold 96000 Hz audio; choose WAV or FLAC."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.mp3"]


def test_written_stems_keep_their_values(tmp_path, block):
    path = write_audio(tmp_path / "v.wav", block, 44100)
    np.testing.assert_array_equal(sf.read(path, dtype="float32")[0], block)
    assert Path(path).parent == tmp_path


@pytest.fixture
def no_link_fs(tmp_path):
    """A real FUSE file system whose ``link`` fails with EPERM, as FAT does."""
    try:
        import fuse  # noqa: F401
    except (ImportError, OSError) as exc:  # fusepy raises OSError without libfuse2
        pytest.skip(f"fusepy with libfuse2 needed ({exc})")
    root, mnt = tmp_path / "root", tmp_path / "mnt"
    root.mkdir()
    mnt.mkdir()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("nolinkfs.py")),
                             str(root), str(mnt)], stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if os.path.ismount(mnt) or proc.poll() is not None:
            break
        time.sleep(0.05)
    if not os.path.ismount(mnt):
        proc.kill()
        pytest.skip(f"cannot mount a FUSE file system here ({proc.communicate()[1].strip()})")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)
    proc.wait(timeout=30)


def test_no_hard_link_fallback_publishes_all_and_never_replaces(no_link_fs, block):
    (no_link_fs / "a").write_bytes(b"x")
    with pytest.raises(OSError) as exc:
        os.link(no_link_fs / "a", no_link_fs / "b")  # proof: this file system has no links
    assert exc.value.errno == errno.EPERM
    paths = [no_link_fs / "s_harmonic.wav", no_link_fs / "s_vocal.wav"]
    with StemWriter(paths, samplerate=44100, channels=2) as w:
        w.write([block, 2 * block])
    np.testing.assert_array_equal(sf.read(paths[1], dtype="float32")[0], 2 * block)
    assert sorted(p.name for p in no_link_fs.iterdir()) == ["a", "s_harmonic.wav",
                                                             "s_vocal.wav"]
    # A file that appears meanwhile is still not replaced, and nothing is published.
    later = [no_link_fs / "t_harmonic.wav", no_link_fs / "t_vocal.wav"]
    with pytest.raises(OutputExistsError):
        with StemWriter(later, samplerate=44100, channels=2) as w:
            w.write([block, block])
            later[1].write_bytes(b"someone else's")
    assert not later[0].exists() and later[1].read_bytes() == b"someone else's"
    # Overwrite: both replaced together.
    with StemWriter(paths, samplerate=44100, channels=2, overwrite=True) as w:
        w.write([block, block])
    np.testing.assert_array_equal(sf.read(paths[1], dtype="float32")[0], block)
    assert not [p for p in no_link_fs.iterdir() if p.name.startswith(".")]
