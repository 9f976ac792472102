"""Files as an encoder writing to a pipe leaves them: it cannot seek back to fill in the
header's sizes, so a WAV carries 0xFFFFFFFF for its RIFF and data sizes and a FLAC's
STREAMINFO a total of 0 samples. Both are complete files; the tests patch the headers of
files written here rather than needing ffmpeg."""

import soundfile as sf


def streamed_wav(path, audio, sr=44100):
    """``audio`` as a 16-bit WAV at ``path`` with both sizes set to 0xFFFFFFFF."""
    sf.write(path, audio, sr, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    data[4:8] = b"\xff\xff\xff\xff"
    at = data.index(b"data")
    data[at + 4:at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    return path


def streamed_flac(path, audio, sr=44100, subtype="PCM_16"):
    """``audio`` as a FLAC at ``path`` whose STREAMINFO gives no length (total samples 0)."""
    sf.write(path, audio, sr, subtype=subtype)
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0      # STREAMINFO comes first
    data[8 + 13] &= 0xF0                                    # total samples: 36 bits, now 0
    data[8 + 14:8 + 18] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    return path
