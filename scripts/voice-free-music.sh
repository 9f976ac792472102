#!/usr/bin/env bash
# voice-free-music.sh DIR: real music without a voice, for `mixin train fit --arch unet2
# --voice-free-music DIR/train`: the soundtrack of The Battle for Wesnoth (Debian package
# wesnoth-1.16-music, GPL-2+, 41 orchestral and band pieces, 128 min, 153 MB), fetched with
# `apt-get download` and unpacked (not installed), then converted to 16-bit WAV (quick random
# access while mixing). Three pieces are left out, as they may hold a voice: nunc_dimittis (a
# choir by its title), elf-land and love_theme (over 40 % in the vocal stem of the round-4d
# U-Net). Every fifth piece (the third, eighth, ...) goes to DIR/check instead, never trained
# on: the vocal stem's share of it is the check that real orchestras stay out of the vocal
# stem. Idempotent: a piece already converted is skipped.
set -euo pipefail
dest=${1:?usage: voice-free-music.sh DIR}
py=${PYTHON:-.venv/bin/python}
mkdir -p "$dest/train" "$dest/check"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download wesnoth-1.16-music >/dev/null) \
    || { echo "voice-free-music: could not download wesnoth-1.16-music." >&2; exit 1; }
dpkg-deb -x "$tmp"/wesnoth-1.16-music_*.deb "$tmp/x"
"$py" - "$tmp/x" "$dest" <<'PY'
import sys
from pathlib import Path

import soundfile as sf

LEFT_OUT = {"nunc_dimittis", "elf-land", "love_theme"}
src, dest = Path(sys.argv[1]), Path(sys.argv[2])
for i, f in enumerate(sorted(src.rglob("*.ogg"), key=lambda p: p.name)):
    if f.stem in LEFT_OUT:
        continue
    out = dest / ("check" if i % 5 == 2 else "train") / f"{f.stem}.wav"
    if out.is_file():
        continue
    audio, sr = sf.read(str(f), dtype="float32", always_2d=True)  # what decodes
    tmp = out.with_suffix(".part.wav")
    sf.write(str(tmp), audio, sr, subtype="PCM_16")
    tmp.rename(out)
print(f"voice-free-music: {len(list((dest / 'train').glob('*.wav')))} pieces to train on, "
      f"{len(list((dest / 'check').glob('*.wav')))} to check, in {dest}", file=sys.stderr)
PY
