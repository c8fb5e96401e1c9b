#!/usr/bin/env bash
# The main job: build in release, list the schemes, run the default matrix (the quick
# preset: every scheme × the three workloads, a few minutes on two cores) into
# results/<UTC time>-quick/ (runs.csv, series.csv, latency.csv, manifest.json, charts/,
# report.html), and summarize it.
# Extra arguments go to `reclaim-bench run` (for example: --preset full).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product reclaim-bench
.build/release/reclaim-bench list
echo
folder=$(.build/release/reclaim-bench run "$@")
echo
.build/release/reclaim-bench summarize "$folder" || true
echo
echo "results: $folder"
echo "report:  $folder/report.html"
