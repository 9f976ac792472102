#!/usr/bin/env bash
# Installs the system libraries MiXiN needs beyond PyPI, on Debian/Ubuntu, when missing:
# PortAudio (playback), and the X/EGL/font libraries Qt loads even when offscreen.
# Anything already installed is left alone; elsewhere it says what to install by hand.
set -euo pipefail

PACKAGES=(libportaudio2 libasound2-plugins libegl1 libgl1 libxkbcommon0 libfontconfig1
          libdbus-1-3 libglib2.0-0)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps: not a Debian system; install PortAudio and Qt's runtime libraries" \
         "with your package manager (see README)." >&2
    exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "system-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
