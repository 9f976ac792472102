#!/usr/bin/env bash
# apt-install.sh LABEL HINT PACKAGE...: installs the Debian packages that are missing
# (as root, or through sudo); on a system without dpkg it prints HINT and does nothing.
set -euo pipefail
label=$1 hint=$2
shift 2

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "$label: not a Debian system; $hint" >&2
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
