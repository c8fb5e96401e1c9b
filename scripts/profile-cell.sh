#!/usr/bin/env bash
# Where a read-mostly hash-map cell spends its time, per scheme: the profile behind a ratio
# to `none` (issue 14's "for any goal missed, the profile that explains what stops it").
#
#   bash scripts/profile-cell.sh [SCHEME ...] > profile.txt     (default: none qsbr ebr rcu hp hp-asym hp-percpu)
#
# For each scheme, two views of the same operation mix (hash map, 99 % lookups):
#   1. callgrind (deterministic): instructions per operation of `probe SCHEME map-cell`,
#      split by the function that executes them (the cell loop inlines the scheme's guard;
#      Michael's protected find stays a call of its own);
#   2. perf (cpu-clock, sampled): one 2-thread cell of `reclaim-bench run`, its hottest
#      symbols, and the hottest instructions of the hottest symbol, each printed with the
#      instruction before it — a cpu-clock sample lands on the instruction *after* the one
#      that stalled (skid), so a cache-missing load shows as the line below it.
# Timings are noisy here (±30 %); the shares are what to read, not the rates.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind perf callgrind_annotate; do
    command -v "$tool" >/dev/null || { echo "profile-cell.sh: $tool is not installed" >&2; exit 69; }
done
schemes=("$@")
[ ${#schemes[@]} -gt 0 ] || schemes=(none qsbr ebr rcu hp hp-asym hp-percpu)
swift build -c release --product reclaim-bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bench="$work/reclaim-bench"
cp .build/release/reclaim-bench "$bench"
strip --strip-debug "$bench"   # valgrind cannot read Swift 6.3's DWARF (instruction-check.sh)
for scheme in "${schemes[@]}"; do
    "$bench" probe "$scheme" map-cell --count 1 >/dev/null 2>&1 \
        || { echo "profile-cell.sh: unknown scheme '$scheme' (reclaim-bench list)" >&2; exit 64; }
done

echo "# profile-cell.sh ${schemes[*]} — commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (dirty)'), $(date -u +%FT%TZ), $(nproc) CPUs"
count=200000
for scheme in "${schemes[@]}"; do
    echo
    echo "## $scheme"
    out="$work/cg.$scheme"
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*cellMapWorkerLoop*' \
        "$bench" probe "$scheme" map-cell --count $count >/dev/null 2>"$work/valgrind.log" \
        || { cat "$work/valgrind.log" >&2; exit 70; }
    echo "callgrind, probe $scheme map-cell --count $count: instructions per operation by function"
    callgrind_annotate --threshold=99 "$out" 2>/dev/null | awk -v n=$count '
        /^ *[0-9,]+ \(/ {
            value = $1; gsub(",", "", value)
            name = $0; sub(/^[^?]*\?\?\?:/, "", name); sub(/ \[.*$/, "", name)
            if (name ~ /PROGRAM TOTALS/) name = "total"
            else if (name ~ /cellMapWorkerLoop/) name = "cell loop (guard, protect and lookup inlined)"
            else if (name ~ /protectedFind/) name = "HarrisMichaelListAlgorithm.protectedFind"
            else if (length(name) > 70) name = substr(name, 1, 70) "…"
            printf "  %8.1f  %s\n", value / n, name
        }' | head -8

    data="$work/perf.$scheme"
    perf record -q -e cpu-clock -F 4000 -o "$data" -- .build/release/reclaim-bench run --preset quick \
        --schemes "$scheme" --structures hash-map --workloads read-mostly --threads 2 --read-percent 99 \
        --repetitions 1 --duration 3 --out "$work/run.$scheme" >/dev/null 2>&1
    rate=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ops_per_s") c = i; next } { printf "%.1f", $c / 1e6 }' \
        "$work/run.$scheme/runs.csv")
    echo "perf, one cell (hash map, 99 % lookups, 2 threads, 3 s; $rate M ops/s): hottest symbols"
    perf report -i "$data" --sort sym --stdio 2>/dev/null | awk '/^ +[0-9.]+%/ && n < 4 {
        name = $3; if (name ~ /cellMapWorkerLoop/) name = "cell loop"; else if (name ~ /protectedFind/) name = "protectedFind"
        printf "  %7s  %s\n", $1, substr(name, 1, 70); n++ }'
    hottest=$(perf report -i "$data" --sort sym --stdio 2>/dev/null | awk '/^ +[0-9.]+%/ && !done { print $3; done = 1 }')
    echo "  its hottest instructions (share of its samples; the line above each is the one that stalled):"
    { perf annotate -i "$data" --stdio -s "$hottest" 2>/dev/null || true; } | awk '
        /^ +[0-9.]+ : +[0-9a-f]+:/ {
            line = $0; sub(/<\$s[^>]*>/, "<…>", line)
            if ($1 + 0 >= 8 && previous != "") { print "           " previous; print "    " line }
            previous = line
        }' | cut -c1-110
done
exit 0
