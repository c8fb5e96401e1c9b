#!/usr/bin/env bash
# Installs what ReclaimBench needs on Debian/Ubuntu when it is missing: jemalloc's headers
# and library (libjemalloc-dev), pkg-config (SwiftPM finds jemalloc through it), the C
# libraries the Swift schemes are calibrated against (liburcu-dev, libck-dev) and valgrind
# (the instruction-count check in scripts/test.sh).
# Swift itself must already be installed (https://www.swift.org/install/).
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists jemalloc; }; then
    missing+=(libjemalloc-dev)
fi
{ command -v pkg-config >/dev/null 2>&1 && pkg-config --exists liburcu-qsbr liburcu-memb; } || missing+=(liburcu-dev)
{ command -v pkg-config >/dev/null 2>&1 && pkg-config --exists ck; } || missing+=(libck-dev)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
command -v swift >/dev/null 2>&1 || { echo "install-deps: swift is not on PATH; install Swift 6.1 or later first" >&2; exit 69; }

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to apt-get install ${missing[*]}" >&2; exit 77; }
    sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
