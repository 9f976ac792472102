"""Reading every supported input, refusing bad ones in one sentence, writing atomically."""

import os

import numpy as np
import pytest
import soundfile as sf

from mixin_gui.audio.io import (StemWriter, check_output_dir, read_audio,
                                subtype_for, write_audio)
from mixin_gui.dsp.resample import resample
from mixin_gui.errors import AudioReadError, AudioWriteError, OutputExistsError


@pytest.fixture
def stereo(rng):
    return (rng.standard_normal((4410, 2)) * 0.1).astype(np.float32)


@pytest.mark.parametrize("ext,fmt", [("wav", "WAV"), ("flac", "FLAC"), ("ogg", "OGG"),
                                     ("mp3", "MP3"), ("aiff", "AIFF")])
def test_reads_every_supported_container(tmp_path, stereo, ext, fmt):
    path = tmp_path / f"song.{ext}"
    sf.write(path, stereo, 44100, format=fmt)
    audio, sr = read_audio(path)
    assert sr == 44100 and audio.dtype == np.float32 and audio.shape[1] == 2
    assert abs(audio.shape[0] - stereo.shape[0]) <= 1152  # mp3 frames pad the end


def _one_line(exc):
    text = str(exc.value)
    assert "\n" not in text and text.endswith(".")
    return text


def test_missing_file(tmp_path):
    with pytest.raises(AudioReadError) as exc:
        read_audio(tmp_path / "nope.wav")
    assert "does not exist" in _one_line(exc)


def test_directory(tmp_path):
    with pytest.raises(AudioReadError) as exc:
        read_audio(tmp_path)
    assert "folder" in _one_line(exc)


def test_non_audio_with_audio_extension(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my lyrics, not audio\n" * 20)
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "notes.wav" in _one_line(exc) and "not an audio file" in str(exc.value)


def test_truncated_wav(tmp_path, stereo):
    path = tmp_path / "cut.wav"
    sf.write(path, stereo, 44100)
    path.write_bytes(path.read_bytes()[:10_000])
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "truncated" in _one_line(exc)


def test_corrupt_flac(tmp_path, stereo):
    path = tmp_path / "bad.flac"
    sf.write(path, stereo, 44100)
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "bad.flac" in _one_line(exc)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros((0, 2)), 44100)
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "no audio" in _one_line(exc)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "zero.flac"
    path.write_bytes(b"")
    with pytest.raises(AudioReadError):
        read_audio(path)


def test_nan_samples_are_refused(tmp_path, stereo):
    stereo[100, 0] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, stereo, 44100, subtype="FLOAT")
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "NaN" in _one_line(exc)


def test_unicode_path_round_trip(tmp_path, stereo):
    path = tmp_path / "Café Ñandú — 東京.flac"
    write_audio(path, stereo, 48000, bit_depth="24")
    audio, sr = read_audio(path)
    assert sr == 48000
    np.testing.assert_allclose(audio, stereo, atol=1e-5)


@pytest.mark.parametrize("fmt,depth,subtype", [("wav", "16", "PCM_16"), ("wav", "24", "PCM_24"),
                                               ("wav", "32f", "FLOAT"), ("wav", None, "FLOAT"),
                                               ("flac", "16", "PCM_16"), ("flac", None, "PCM_24")])
def test_write_formats(tmp_path, stereo, fmt, depth, subtype):
    path = write_audio(tmp_path / f"out.{fmt}", stereo, 44100, bit_depth=depth)
    info = sf.info(path)
    assert info.subtype == subtype and info.frames == len(stereo) and info.channels == 2


def test_flac_cannot_hold_floats():
    with pytest.raises(AudioWriteError, match="16 or 24"):
        subtype_for("flac", "32f")


def test_never_overwrites_without_being_asked(tmp_path, stereo):
    path = tmp_path / "mine.wav"
    path.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="mine.wav"):
        write_audio(path, stereo, 44100)
    assert path.read_bytes() == b"precious"
    write_audio(path, stereo, 44100, overwrite=True)
    assert sf.info(path).frames == len(stereo)


def test_failure_midway_leaves_no_file(tmp_path, stereo):
    paths = [tmp_path / "a.wav", tmp_path / "b.wav"]
    with pytest.raises(RuntimeError):
        with StemWriter(paths, samplerate=44100, channels=2) as w:
            w.write([stereo, stereo])
            raise RuntimeError("cancelled")
    assert list(tmp_path.iterdir()) == []


def test_written_files_have_ordinary_permissions(tmp_path, stereo):
    path = write_audio(tmp_path / "perm.wav", stereo, 44100)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_output_folder_that_cannot_exist(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(AudioWriteError) as exc:
        check_output_dir(blocker / "stems")
    assert "Cannot create output folder" in _one_line(exc)


def test_unwritable_output_folder():
    # /proc refuses new files even to root, unlike a chmod-ed folder.
    with pytest.raises(AudioWriteError, match="Cannot"):
        check_output_dir("/proc/self")


def test_resample_changes_rate_and_keeps_channels(stereo):
    y = resample(stereo, 44100, 22050)
    assert y.shape == (2205, 2) and y.dtype == np.float32
    assert resample(stereo, 44100, 44100) is stereo
