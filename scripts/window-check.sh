#!/usr/bin/env bash
# window-check.sh TIMEOUT COMMAND [ARG...]: starts a real X server (Xvfb), runs COMMAND on it
# (not offscreen) and waits up to TIMEOUT seconds for a top-level window whose title starts
# with "MiXiN". Exit 0 when it appears (a screenshot is saved to $SHOT if set), 1 if the
# command exits first or the time runs out (its output is shown). Needs xvfb and x11-utils.
set -uo pipefail
limit=$1
shift
display=":$((90 + RANDOM % 400))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
log=$(mktemp)
cleanup() { [ -n "${app:-}" ] && kill "$app" 2>/dev/null; kill "$xvfb" 2>/dev/null; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done

env -u QT_QPA_PLATFORM DISPLAY="$display" "$@" >"$log" 2>&1 &
app=$!
start=$(date +%s.%N)
while :; do
    if DISPLAY="$display" xwininfo -root -tree 2>/dev/null | grep -q '"MiXiN'; then
        printf 'window-check: a MiXiN window appeared on %s after %.1f s: %s\n' "$display" \
            "$(echo "$(date +%s.%N) - $start" | bc)" "$*"
        if [ -n "${SHOT:-}" ] && command -v import >/dev/null 2>&1; then
            sleep 2; DISPLAY="$display" import -window root "$SHOT"
        fi
        exit 0
    fi
    if ! kill -0 "$app" 2>/dev/null; then
        echo "window-check: FAILED: '$*' exited before opening a window; its output:" >&2
        cat "$log" >&2
        exit 1
    fi
    if (( $(echo "$(date +%s.%N) - $start > $limit" | bc) )); then
        echo "window-check: FAILED: no MiXiN window within $limit s: '$*'; its output:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.2
done
