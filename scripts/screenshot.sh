#!/usr/bin/env bash
# Renders a results folder's report.html in headless Chromium to report.png beside it, to
# check what a person sees. Installs Debian's chromium package when it is missing.
#   bash scripts/screenshot.sh results/<run-id> [width] [height]
set -euo pipefail

folder=${1:?usage: scripts/screenshot.sh RESULTS_FOLDER [WIDTH] [HEIGHT]}
width=${2:-1200}
height=${3:-9000}
[ -f "$folder/report.html" ] || { echo "screenshot: $folder/report.html not found (run: reclaim-bench chart $folder)" >&2; exit 66; }

if ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "screenshot: installing chromium" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

page="$(cd "$folder" && pwd)/report.html"
# --no-sandbox: CI and containers run as root. No network is needed: the page loads only
# its own charts (its Content-Security-Policy forbids anything else).
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="$width,$height" --screenshot="$folder/report.png" "file://$page" 2>/dev/null
echo "$folder/report.png"
