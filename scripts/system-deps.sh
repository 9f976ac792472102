#!/usr/bin/env bash
# System libraries MiXiN needs beyond PyPI: PortAudio (playback) and the X/EGL/font
# libraries Qt loads even when offscreen. Installs only what is missing.
exec bash "$(dirname "$0")/apt-install.sh" system-deps \
    "install PortAudio and Qt's runtime libraries with your package manager (see README)." \
    libportaudio2 libasound2-plugins libegl1 libgl1 libxkbcommon0 libfontconfig1 \
    libdbus-1-3 libglib2.0-0
