#!/usr/bin/env bash
# Adds MiXiN to the desktop's application menu, pointing at this unpacked folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
mkdir -p "$apps" "$icons"
cp "$here/mixin.png" "$icons/mixin.png"
sed -e "s|^Exec=.*|Exec=\"$here/MiXiN\" %F|" "$here/mixin.desktop" > "$apps/mixin.desktop"
echo "installed $apps/mixin.desktop"
