#!/usr/bin/env bash
# apt-install.sh LABEL HINT PACKAGE...: installs the Debian packages that are missing
# (as root, or through sudo). On a system without dpkg it installs nothing and says so in a
# banner on stderr that names every package and HINT; it still exits 0, so that `make setup`
# goes on where the libraries come from another package manager (the synth tests then skip
# and say why).
set -euo pipefail
label=$1 hint=$2
shift 2

if ! command -v dpkg-query >/dev/null 2>&1; then
    {
        echo "=================================================================="
        echo "$label: WARNING: not a Debian/Ubuntu system (no dpkg-query):"
        echo "$label: NOTHING WAS INSTALLED. Needed: $*"
        echo "$label: $hint"
        echo "=================================================================="
    } >&2
    exit 0
fi

missing=()
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "$label: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
