#!/usr/bin/env bash
# System libraries MiXiN needs beyond PyPI: PortAudio (playback), the X/EGL/font libraries
# Qt loads even when offscreen, and libxcb-cursor0, which Qt's X11 plugin opens at run time
# (so `ldd` cannot see it). The rest of the X11 plugin's libraries are read from `ldd` by
# scripts/qt-deps.sh once PySide6 is installed. libfuse2 is for the test suite only (a FUSE
# file system without hard links, tests/nolinkfs.py). Installs only what is missing.
exec bash "$(dirname "$0")/apt-install.sh" system-deps \
    "install PortAudio and Qt's runtime libraries with your package manager (see README)." \
    libportaudio2 libasound2-plugins libegl1 libgl1 libxkbcommon0 libfontconfig1 \
    libdbus-1-3 libglib2.0-0 libxcb-cursor0 libfuse2
