#!/usr/bin/env bash
# The main job: build in release, list every scheme, and run a short smoke run of each.
# (The default matrix → CSV, charts and report arrives with the runner.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product reclaim-bench
.build/release/reclaim-bench list
echo
.build/release/reclaim-bench smoke "$@"
