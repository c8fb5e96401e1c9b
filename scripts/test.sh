#!/usr/bin/env bash
# The test command: the whole suite (Swift Testing), then the same suite under
# AddressSanitizer and ThreadSanitizer. Each stage has a time budget; a stage that runs
# past it fails the run instead of hanging CI.
#
#   stage                         budget   measured here (2 cores, clean clone)
#   build + tests (debug)          6 min   see README
#   contract (type-check)          2 min   scripts/contract-check.sh: Tests/ContractCompile's
#                                           snippets (a loaded word stored must not compile)
#   build + tests (release)        6 min   (optimizer-only bugs: one was a miscompiled
#                                           escaping pointer, one an elided malloc)
#   instruction counts            10 min   callgrind vs results/benchmarks/instructions.csv,
#                                           then the self-test (a copy that lost two
#                                           specializations must fail twice)
#   example package               15 min   scripts/example-check.sh: Examples/OutsideScheme
#                                           built (no limit), then list, run, chart, pick,
#                                           torture and its tests, each step limited
#   mutation sample               10 min   3 mutants of mutants/*.patch (scripts/
#                                           mutation-check.sh --sample 3), each caught
#   ASan build + tests (system)    6 min   } the sanitizer runs: 13 min together
#   TSan build + tests (system)    7 min   }
#
# Sanitizer builds leave jemalloc out (RECLAIMBENCH_ALLOCATOR=system, see Package.swift):
# the sanitizers own malloc. `--quick` runs only the first stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

stage() {
    local name=$1 budget=$2; shift 2
    local start=$SECONDS
    echo "==> $name (budget ${budget}s)"
    if ! timeout --kill-after=30 "$budget" "$@"; then
        echo "==> $name FAILED or ran past its ${budget}s budget after $((SECONDS - start))s" >&2
        exit 1
    fi
    echo "==> $name done in $((SECONDS - start))s"
}

# Every test has a time limit (Tests/TestSupport/Watchdog.swift): each file with a test
# names the watchdog trait.
untimed=$(grep -L 'watchdog' $(grep -rl '@Test' Tests --include='*.swift') || true)
if [ -n "$untimed" ]; then echo "==> tests without a time limit (add .watchdog to their suite): $untimed" >&2; exit 1; fi

# The layout's rules: no Swift file over 500 lines, no folder-level cycle in a module,
# every command-line option declared once.
python3 scripts/layout-check.py
# Every mutant of the catalog still applies to this tree (one that drifted would fail only
# when the rotating sample drew it: mutant 18 had, since 04367c3).
for patch in mutants/*.patch mutants/open/*.patch; do
    git apply --check "$patch" 2>/dev/null || { echo "==> $patch no longer applies to this tree: refresh its context" >&2; exit 1; }
done
stage "tests" 360 swift test
# The load/store contract, by the compiler: against the debug build the stage above made.
stage "contract (type-check)" 120 bash scripts/contract-check.sh

if [ "${1:-}" = "--quick" ]; then exit 0; fi

# The outside package (Examples/OutsideScheme): its build has no limit, each of its steps
# (list, run, chart, pick, torture, its tests) has one.
echo "==> example package"
bash scripts/example-check.sh

stage "tests (release build)" 360 swift test -c release
stage "instruction counts" 600 bash -c "bash scripts/instruction-check.sh && bash scripts/instruction-check.sh --self-test"
# A rotating sample of the mutation catalog (mutants/*.patch), chosen by the commit: each
# must be caught by the stress build's torture or by the conformance suite.
stage "mutation sample" 600 bash scripts/mutation-check.sh --sample 3

export RECLAIMBENCH_ALLOCATOR=system SWIFT_BACKTRACE=enable=no
stage "tests under AddressSanitizer" 360 env ASAN_OPTIONS=detect_leaks=0 \
    swift test --sanitize=address --scratch-path .build-asan
# RECLAIMBENCH_SANITIZER=thread: TSan cannot see the C libraries' synchronization, so
# their schemes are left out of this stage (Sources/ReclaimBenchKit/Conformance/TestedSchemes.swift).
stage "tests under ThreadSanitizer" 420 env RECLAIMBENCH_SANITIZER=thread \
    swift test --sanitize=thread --scratch-path .build-tsan
