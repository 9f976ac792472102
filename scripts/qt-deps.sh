#!/usr/bin/env bash
# qt-deps.sh PYTHON: installs the Debian packages of every shared library that Qt's X11
# platform plugin (libqxcb.so and libQt6XcbQpa) needs and this system lacks. The list is
# read from `ldd` of the installed PySide6, not guessed: each missing soname is mapped to its
# package by Debian's library-package naming (mixin_gui.gui.platform_check.debian_package,
# which the app's start-up check also uses) and checked with apt-cache before it is
# installed. Run after MiXiN and PySide6 are installed (the Makefile does). On a non-Debian system it names the
# missing libraries and exits 0.
set -euo pipefail
py=${1:-python3}
here=$(dirname "$0")

qt=$("$py" -c 'import os, PySide6; print(os.path.join(os.path.dirname(PySide6.__file__), "Qt"))')
libs=("$qt/plugins/platforms/libqxcb.so")
for f in "$qt"/lib/libQt6XcbQpa.so.*; do [ -e "$f" ] && libs+=("$f"); done

missing=$(for f in "${libs[@]}"; do ldd "$f"; done | awk '/not found/ {print $1}' | sort -u)
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "qt-deps: WARNING: not a Debian system; install these libraries for Qt's X11" \
         "platform plugin with your package manager: $missing" >&2
    exit 0
fi
[ "$(id -u)" -ne 0 ] && SUDO=sudo || SUDO=""
$SUDO apt-get update -qq
packages=()
for lib in $missing; do
    pkg=$("$py" -c 'import sys; from mixin_gui.gui.platform_check import debian_package
print(debian_package(sys.argv[1]))' "$lib")
    if apt-cache show "$pkg" >/dev/null 2>&1; then
        packages+=("$pkg")
    else
        echo "qt-deps: no Debian package named $pkg for $lib; install the package that" \
             "provides $lib" >&2
        exit 1
    fi
done
exec bash "$here/apt-install.sh" qt-deps "install ${packages[*]}." "${packages[@]}"
