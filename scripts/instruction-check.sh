#!/usr/bin/env bash
# The deterministic speed check: instructions per operation of every scheme's read path
# and hash-map lookup, counted by callgrind (not timed), against the committed baseline
# results/benchmarks/instructions.csv. Wall-clock numbers never gate anything; instruction
# counts do not drift with load or clock speed, so this one does.
#
#   bash scripts/instruction-check.sh              compare with the baseline (exit 1 on a miss)
#   bash scripts/instruction-check.sh --update     measure and rewrite the baseline
#   bash scripts/instruction-check.sh --self-test  show the check fails: build one copy of HEAD
#                                                  with two specializations lost — `@inlinable`
#                                                  removed from rcu's withGuard, and the hash
#                                                  map's case removed from StructureID.accept
#                                                  (cells then reach it through the registry's
#                                                  existential) — and expect both flagged: rcu's
#                                                  read and hp's map cell
#
# Each count is `reclaim-bench probe SCHEME OP --count N` under
# `valgrind --tool=callgrind --toggle-collect=*<loop>*`: only the probe's @inline(never)
# loop is counted, setup is not. A row passes when it is within 20 % (and at least 3
# instructions) of its baseline, either way — slower is a regression (a lost
# specialization costs 3–5× here), much faster usually means the loop was optimized
# away — and when it makes no more calls to swift_retain/swift_release per operation
# than the baseline (none on every hot path but arc's).
# Update the baseline (--update, then commit the CSV) when a change is meant to move it,
# and say why in the commit message.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
case $mode in check|--update|--self-test) ;; *) echo "instruction-check.sh: unknown argument '$mode' (allowed: --update, --self-test)" >&2; exit 64 ;; esac
command -v valgrind >/dev/null || { echo "instruction-check.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 69; }
baseline=results/benchmarks/instructions.csv
count=${INSTRUCTION_CHECK_COUNT:-200000}
schemes=${INSTRUCTION_CHECK_SCHEMES:-"none hp ebr qsbr rcu rc arc hp-percpu hp-asym urcu-qsbr urcu-memb ck-epoch ck-hp"}
operations=${INSTRUCTION_CHECK_OPERATIONS:-"read lookup slot-table-cell map-cell"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$mode" = "--self-test" ]; then
    # One copy of HEAD with two specializations lost; the check must flag both.
    # - @inlinable removed from rcu's withGuard (which calls the C compiler barrier, so the
    #   default cross-module optimization does not rescue it): rcu's read path. (Removing
    #   @inlinable from hp's protect changes nothing: it calls no C, and the default
    #   cross-module optimization inlines it.)
    # - the hash map's case removed from StructureID.accept: the probe, like a cell, then
    #   reaches the map through the registry's existential (hp's map cell: 175 → 869).
    git archive HEAD | tar -x -C "$work"
    python3 - "$work" <<'PY'
import sys
root = sys.argv[1]
edits = [
    ("Sources/Reclamation/GracePeriods/ReadCopyUpdateDomain.swift",
     "    @inlinable\n    public func withGuard<", "    public func withGuard<"),
    ("Sources/LockFreeStructures/Registry/StructureRegistry.swift",
     "        case HashMapKind.descriptor.id: HashMapKind.accept(visitor)\n", ""),
]
for path, marker, replacement in edits:
    text = open(f"{root}/{path}").read()
    assert marker in text, f"the self-test's marker is not in {path}: {marker!r}"
    open(f"{root}/{path}", "w").write(text.replace(marker, replacement, 1))
PY
    mkdir -p "$work/results/benchmarks"
    cp "$baseline" "$work/results/benchmarks/"
    echo "self-test: built a copy of HEAD without @inlinable on rcu's withGuard and without the hash map's case in StructureID.accept"
    (cd "$work" && INSTRUCTION_CHECK_SCHEMES="rcu hp" INSTRUCTION_CHECK_OPERATIONS="read map-cell" bash scripts/instruction-check.sh) \
        > "$work/self-test.out" 2>&1 || true
    cat "$work/self-test.out"
    missed=""
    grep -Eq '^rcu +read .*FAIL' "$work/self-test.out" || missed="$missed rcu/read"
    grep -Eq '^hp +map-cell .*FAIL' "$work/self-test.out" || missed="$missed hp/map-cell"
    if [ -n "$missed" ]; then
        echo "self-test FAILED: the check passed a build that lost a specialization:$missed" >&2
        exit 1
    fi
    echo "self-test passed: the check caught both lost specializations"
    exit 0
fi

swift build -c release --product reclaim-bench >/dev/null
# valgrind 3.19 gives up on Swift 6.3's DWARF ("Possibly corrupted debuginfo file"): count
# a copy without debug info (the symbol table, which --toggle-collect needs, stays).
bench="$work/reclaim-bench"
cp .build/release/reclaim-bench "$bench"
strip --strip-debug "$bench"

# Calls to swift_retain/swift_release (and their unknown-object, bridge-object and
# non-atomic forms) inside the counted loop, from callgrind's call records.
cat > "$work/calls.py" <<'PY'
import re, sys
names, current = {}, None
totals = {"retain": 0, "release": 0}
patterns = {
    "retain": re.compile(r"^swift_(retain|unknownObjectRetain|bridgeObjectRetain|nonatomic_retain)"),
    "release": re.compile(r"^swift_(release|unknownObjectRelease|bridgeObjectRelease|nonatomic_release)"),
}
for line in open(sys.argv[1]):
    if line.startswith(("fn=", "cfn=")):
        match = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.strip())
        if match.group(2):
            names[match.group(1)] = match.group(2)
        current = names.get(match.group(1)) if line.startswith("cfn=") else None
    elif line.startswith("calls=") and current:
        count = int(line.split("=")[1].split()[0])
        for kind, pattern in patterns.items():
            if pattern.match(current):
                totals[kind] += count
        current = None
print(totals["retain"], totals["release"])
PY

measure() {  # scheme operation → "instructions retains releases" per operation, or "skip"
    local scheme=$1 op=$2 loop
    case $op in
        read) loop=countedReadLoop ;; lookup) loop=countedLookupLoop ;;
        slot-table-cell) loop=cellSlotTableReaderLoop ;; map-cell) loop=cellMapWorkerLoop ;;
    esac
    if ! "$bench" probe "$scheme" "$op" --count 1 >/dev/null 2>&1; then echo skip; return; fi
    local out="$work/callgrind.$scheme.$op"
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$out" --toggle-collect="*${loop}*" \
        "$bench" probe "$scheme" "$op" --count "$count" >/dev/null 2>"$work/valgrind.log" \
        || { echo "instruction-check.sh: valgrind failed for $scheme $op:" >&2; cat "$work/valgrind.log" >&2; exit 70; }
    local total calls
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
    calls=$(python3 "$work/calls.py" "$out")
    awk -v t="$total" -v n="$count" -v c="$calls" 'BEGIN { split(c, k, " "); printf "%.2f %.2f %.2f\n", t / n, k[1] / n, k[2] / n }'
}

if [ "$mode" = "--update" ]; then
    tmp="$baseline.partial"
    echo "scheme,operation,instructions_per_op,retains_per_op,releases_per_op,count,commit,swift,measured" > "$tmp"
    commit=$(git rev-parse --short HEAD)$(git status --porcelain --untracked-files=no | grep -q . && echo "-dirty" || true)
    swift=$(swift --version 2>&1 | head -1 | sed 's/.*Swift version \([^ ]*\).*/\1/')
    when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    for scheme in $schemes; do
        for op in $operations; do
            value=$(measure "$scheme" "$op")
            [ "$value" = skip ] && continue
            read -r instructions retains releases <<< "$value"
            echo "$scheme,$op,$instructions,$retains,$releases,$count,$commit,$swift,$when" >> "$tmp"
            printf '%-6s %-7s %10s instructions/op %6s retains/op %6s releases/op\n' "$scheme" "$op" "$instructions" "$retains" "$releases"
        done
    done
    mv "$tmp" "$baseline"
    echo "baseline written: $baseline"
    exit 0
fi

[ -f "$baseline" ] || { echo "instruction-check.sh: no baseline at $baseline (run with --update)" >&2; exit 66; }
status=0
printf '%-6s %-7s %10s %10s %6s %13s  %s\n' scheme op baseline measured ratio retain/release verdict
for scheme in $schemes; do
    for op in $operations; do
        row=$(awk -F, -v s="$scheme" -v o="$op" '$1 == s && $2 == o { print $3, $4, $5 }' "$baseline")
        value=$(measure "$scheme" "$op")
        if [ "$value" = skip ]; then continue; fi
        read -r instructions retains releases <<< "$value"
        if [ -z "$row" ]; then
            printf '%-6s %-7s %10s %10s %6s %13s  %s\n' "$scheme" "$op" "-" "$instructions" "-" "$retains/$releases" "no baseline (run --update)"
            status=1; continue
        fi
        read -r expected expectedRetains expectedReleases <<< "$row"
        # Instructions: within 20 % (at least 3) either way. Retains and releases: never
        # more than the baseline (zero on every hot path but arc's).
        verdict=$(awk -v e="$expected" -v m="$instructions" -v r="$retains" -v er="$expectedRetains" \
                      -v l="$releases" -v el="$expectedReleases" 'BEGIN {
            slack = 0.2 * e; if (slack < 3) slack = 3
            d = m - e
            if (r > er + 0.005 || l > el + 0.005) print "FAIL: retains or releases on the path (baseline " er "/" el ")"
            else if (d > slack) print "FAIL: more instructions than the baseline allows"
            else if (-d > slack) print "FAIL: fewer instructions than the baseline allows (optimized away? or update the baseline)"
            else print "ok" }')
        ratio=$(awk -v e="$expected" -v m="$instructions" 'BEGIN { printf "%.2f", m / e }')
        printf '%-6s %-7s %10s %10s %6s %13s  %s\n' "$scheme" "$op" "$expected" "$instructions" "$ratio" "$retains/$releases" "$verdict"
        case $verdict in ok) ;; *) status=1 ;; esac
    done
done
exit $status
