#!/usr/bin/env bash
# Examples/OutsideScheme, as an outside package would use ReclaimBench: build it (no time
# limit: a build on a loaded 2-core machine can take minutes), then, each step under its
# own limit on *running*:
#   1. `outside-bench list` shows its scheme (outside-epoch) and structure (treiber-stack);
#   2. a short `run` puts both in runs.csv, with status ok;
#   3. `chart` draws the Treiber stack's charts and the report names the scheme;
#   4. `pick` ranks outside-epoch;
#   5. `torture` passes the scheme and fails its broken variant (exit 1, FAILURE);
#   6. the example's own tests: conformance and torture pass the scheme and catch the
#      broken variant; the stack matches a model and a planted wrong pop is caught.
set -euo pipefail
cd "$(dirname "$0")/../Examples/OutsideScheme"
fail() { echo "example-check: $*" >&2; exit 1; }
limit() { local seconds=$1; shift; timeout --kill-after=10 "$seconds" "$@" || { local rc=$?; [ $rc -eq 124 ] && fail "ran out of its ${seconds}s limit: $*"; return $rc; }; }

echo "==> example: build (no limit)"
swift build --build-tests
bench=.build/debug/outside-bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "==> example: list"
listing=$(limit 60 "$bench" list)
grep -q 'outside-epoch' <<<"$listing" || fail "list does not show outside-epoch"
grep -q 'treiber-stack' <<<"$listing" || fail "list does not show treiber-stack"

echo "==> example: run"
limit 300 "$bench" run --preset quick --schemes none,ebr,outside-epoch \
    --structures treiber-stack,hash-map --repetitions 2 --duration 0.3 --out "$out/run" >/dev/null
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         $col["scheme"] == "outside-epoch" && $col["structure"] == "treiber-stack" && $col["status"] == "ok" { found = 1 }
         $col["status"] != "ok" { bad = bad " " $col["cell"] }
         END { if (!found) { print "no ok outside-epoch × treiber-stack row"; exit 1 } if (bad != "") { print "cells not ok:" bad; exit 1 } }' \
    "$out/run/runs.csv" || fail "runs.csv: see above"

echo "==> example: chart"
limit 120 "$bench" chart "$out/run" >/dev/null
ls "$out/run/charts" | grep -q 'treiber-stack' || fail "no chart of the treiber stack"
grep -q 'outside-epoch' "$out/run/report.html" || fail "the report does not name outside-epoch"

echo "==> example: pick"
limit 60 "$bench" pick "$out/run" --threads 1 | grep -q 'outside-epoch' || fail "pick does not rank outside-epoch"

echo "==> example: torture"
limit 120 "$bench" torture outside-epoch --duration 2 --stat-interval 0 --readers -2 | grep -q '^SUCCESS' \
    || fail "torture did not pass outside-epoch"
set +e
broken=$(OUTSIDE_BENCH_BROKEN=1 limit 120 "$bench" torture outside-epoch-broken --duration 60 --stat-interval 0 --readers -2)
rc=$?
set -e
[ $rc -eq 1 ] && grep -q '^FAILURE' <<<"$broken" || fail "torture did not catch outside-epoch-broken (exit $rc)"

echo "==> example: tests"
limit 600 swift test
echo "==> example: passed"
