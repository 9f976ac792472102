"""Reading every supported input, refusing bad ones in one sentence, writing atomically."""

import os
import re
import struct
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from mixin_gui.audio.io import (StemWriter, check_output_dir, read_audio,
                                subtype_for, write_audio)
from mixin_gui.dsp.resample import resample
from mixin_gui.errors import AudioReadError, AudioWriteError, OutputExistsError
from tests.streams import streamed_flac, streamed_wav


@pytest.fixture
def stereo(rng):
    return (rng.standard_normal((4410, 2)) * 0.1).astype(np.float32)


@pytest.mark.parametrize("ext,fmt,subtype", [("wav", "WAV", "FLOAT"), ("wav", "WAV", "PCM_16"),
                                             ("flac", "FLAC", "PCM_16"),
                                             ("flac", "FLAC", "PCM_24"),
                                             ("aiff", "AIFF", "PCM_16")])
def test_lossless_containers_round_trip_exactly(tmp_path, stereo, ext, fmt, subtype):
    # Integer subtypes hold exactly the values k / 2**(bits-1); quantise first, then every
    # sample must come back bit for bit (float32 holds 16- and 24-bit values exactly).
    bits = {"PCM_16": 16, "PCM_24": 24}.get(subtype)
    x = stereo if bits is None else np.round(stereo * 2 ** (bits - 1)) / 2 ** (bits - 1)
    path = tmp_path / f"song.{ext}"
    sf.write(path, x, 44100, format=fmt, subtype=subtype)
    audio, sr = read_audio(path)
    assert sr == 44100 and audio.dtype == np.float32
    np.testing.assert_array_equal(audio, x.astype(np.float32))


@pytest.mark.parametrize("ext,fmt", [("ogg", "OGG"), ("mp3", "MP3")])
def test_lossy_containers_within_a_stated_bound(tmp_path, ext, fmt):
    # Length: exact, as Vorbis stores the last granule and LAME writes a gapless header
    # that libmpg123 honours. Values: two steady tones at default quality measured 40 dB
    # (Vorbis) and 43 dB (MP3) signal-to-error here; 25 dB leaves room for other encoder
    # versions while still failing on any shift, gain or channel swap (each is < 6 dB).
    t = np.arange(44100) / 44100
    x = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.25 * np.sin(2 * np.pi * 1000 * t)],
                 1).astype(np.float32)
    path = tmp_path / f"song.{ext}"
    sf.write(path, x, 44100, format=fmt)
    audio, sr = read_audio(path)
    assert sr == 44100 and audio.shape == x.shape
    snr = 10 * np.log10(np.sum(x ** 2) / np.sum((audio - x) ** 2))
    assert snr > 25


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
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert _one_line(exc) == f"'{path}' is empty (0 bytes)."


def test_infinite_samples_are_refused(tmp_path, stereo):
    stereo[2000, 1] = -np.inf
    path = tmp_path / "inf.wav"
    sf.write(path, stereo, 44100, subtype="FLOAT")
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "inf.wav" in _one_line(exc) and "infinite" in str(exc.value)


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


# -- files that lie ---------------------------------------------------------------------------

def _patched_wav(tmp_path, name, offset, fmt, value):
    path = tmp_path / name
    sf.write(path, np.zeros((4410, 2), np.float32), 44100, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    struct.pack_into(fmt, data, offset, value)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("rate", [1, 100, 1_000_000])
def test_absurd_sample_rate_is_refused_before_decoding(tmp_path, rate):
    path = _patched_wav(tmp_path, "rate.wav", 24, "<I", rate)  # fmt chunk's sample rate
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert f"{rate} Hz" in _one_line(exc)


@pytest.mark.parametrize("channels", [255, 1024])
def test_absurd_channel_count_is_refused(tmp_path, channels):
    path = _patched_wav(tmp_path, "many.wav", 22, "<H", channels)
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert f"{channels} channels" in _one_line(exc)


def test_flac_claiming_2_to_the_36_frames_is_refused(tmp_path, stereo):
    path = tmp_path / "huge.flac"
    sf.write(path, stereo, 44100)
    data = bytearray(path.read_bytes())
    # STREAMINFO's 36-bit total-samples field: low nibble of byte 21, then bytes 22-25.
    data[21] |= 0x0F
    data[22:26] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    assert sf.info(path).frames == 2 ** 36 - 1
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "damaged header" in _one_line(exc)


def test_aiff_cut_short_is_truncated(tmp_path):
    path = tmp_path / "short.aiff"
    sf.write(path, np.zeros((44100, 2), np.float32), 44100, format="AIFF", subtype="PCM_16")
    path.write_bytes(path.read_bytes()[: 44100 * 2])
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    assert "truncated" in _one_line(exc)


def test_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "pipe.wav"
    os.mkfifo(path)
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)  # opening a FIFO for reading would block forever
    assert "not a regular file" in _one_line(exc)


@pytest.fixture(scope="module")
def noise_5s():
    rng = np.random.default_rng(5)
    return (rng.standard_normal((5 * 44100, 2)) * 0.1).astype(np.float32)


@pytest.mark.parametrize("fraction", [0.3, 0.4, 0.5, 0.6, 0.7])
def test_truncated_ogg_is_refused(tmp_path, noise_5s, fraction):
    path = tmp_path / "cut.ogg"
    sf.write(path, noise_5s, 44100)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    text = _one_line(exc)
    assert text.startswith("'cut.ogg' is truncated: it stops after ") and " seconds" in text


def test_truncated_mp3_is_one_line_and_libmpg123_stays_quiet(tmp_path, noise_5s, capfd):
    path = tmp_path / "cut.mp3"
    sf.write(path, noise_5s, 44100)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.5)])
    capfd.readouterr()
    with pytest.raises(AudioReadError) as exc:
        read_audio(path)
    text = _one_line(exc)
    assert re.fullmatch(r"'cut\.mp3' is truncated: \d\.\d of 5\.0 seconds decoded\.", text)
    out, err = capfd.readouterr()
    assert err == "" and out == ""  # libmpg123's "Xing stream size off" warnings suppressed


def test_memory_is_checked_before_decoding(tmp_path):
    # A real 3.9 GB float WAV (sparse on disk) read under a 2 GB address-space limit: refused
    # in one sentence before numpy or libsndfile could ask for the memory.
    path = tmp_path / "long.wav"
    with sf.SoundFile(path, "w", samplerate=44100, channels=2, subtype="FLOAT") as f:
        f.write(np.zeros((10, 2), np.float32))
    frames = (2 ** 32 - 4096) // 8
    data = bytearray(path.read_bytes())
    i = data.index(b"data")
    struct.pack_into("<I", data, 4, i + 8 + frames * 8 - 8)
    struct.pack_into("<I", data, i + 4, frames * 8)
    path.write_bytes(bytes(data))
    os.truncate(path, i + 8 + frames * 8)
    code = (
        "import resource, sys\n"
        "from mixin_gui.audio.io import read_audio\n"
        "from mixin_gui.errors import AudioReadError\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        f"try:\n    read_audio({str(path)!r})\n"
        "except AudioReadError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"'long\.wav' is too long for the memory available: its \d+\.\d "
                        r"seconds need about \d+\.\d GB and \d+\.\d GB are free; split it or "
                        r"close other programs\.\n", proc.stdout)


# -- streams written to a pipe, names and folders that fight back ------------------------------

def test_streamed_wav_is_read_whole(tmp_path, stereo):
    path = streamed_wav(tmp_path / "piped.wav", stereo)
    audio, sr = read_audio(path)
    assert sr == 44100 and audio.shape == stereo.shape
    np.testing.assert_allclose(audio, stereo, atol=1 / 2 ** 15)


def test_wav_with_one_streamed_size_is_still_truncated(tmp_path, stereo):
    # Only both markers together mean "streamed"; a data size alone past the end is a file
    # cut short, as before.
    path = tmp_path / "cut.wav"
    sf.write(path, stereo, 44100, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    at = data.index(b"data")
    data[at + 4:at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    with pytest.raises(AudioReadError, match="truncated"):
        read_audio(path)


def test_streamed_flac_without_a_length_is_read_whole(tmp_path, stereo):
    path = streamed_flac(tmp_path / "piped.flac", stereo, subtype="PCM_24")
    assert sf.info(str(path)).frames > 2 ** 62              # libsndfile: "unknown"
    audio, sr = read_audio(path)
    assert sr == 44100 and audio.shape == stereo.shape
    np.testing.assert_allclose(audio, stereo, atol=1 / 2 ** 23)


def test_name_that_is_not_utf8_is_read(tmp_path, stereo):
    path = tmp_path / os.fsdecode(b"caf\xff\xfe.wav")
    write_audio(path, stereo, 44100)
    assert os.fsencode(path.name) == b"caf\xff\xfe.wav"
    audio, _ = read_audio(path)
    np.testing.assert_array_equal(audio, stereo)


def test_symlink_loop_and_dangling_link_inputs_say_so(tmp_path):
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    with pytest.raises(AudioReadError) as exc:
        read_audio(loop)
    assert "loop of symbolic links" in _one_line(exc)
    dangling = tmp_path / "gone.wav"
    dangling.symlink_to(tmp_path / "moved.wav")
    with pytest.raises(AudioReadError) as exc:
        read_audio(dangling)
    assert "moved.wav" in _one_line(exc) and "does not exist" in str(exc.value)


def test_input_in_a_folder_the_user_cannot_enter(tmp_path, stereo):
    # Root enters any folder, so the check runs as an ordinary user where we are root.
    locked = tmp_path / "locked"
    locked.mkdir()
    write_audio(locked / "song.wav", stereo, 44100)
    locked.chmod(0)
    code = ("from mixin_gui.audio.io import read_audio\n"
            "from mixin_gui.errors import AudioReadError\n"
            f"try:\n    read_audio({str(locked / 'song.wav')!r})\n"
            "except AudioReadError as e:\n    print(e)\n")
    cmd = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        probe = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                                "--clear-groups", sys.executable, "-c", "import mixin_gui"],
                               capture_output=True, text=True, cwd="/")
        if probe.returncode:
            locked.chmod(0o755)
            pytest.skip(f"user nobody cannot run this environment's Python "
                        f"({probe.stderr.strip().splitlines()[-1:]})")
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
        tmp_path.chmod(0o755)
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, cwd="/", timeout=60)
    finally:
        locked.chmod(0o755)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert out.stdout.strip() == (f"'{locked / 'song.wav'}' cannot be opened: permission to "
                                  f"enter its folder (or one above it) is denied.")
