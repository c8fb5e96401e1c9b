#!/usr/bin/env bash
# The mutation catalog (mutants/*.patch): realistic one- or two-line bugs in the real
# schemes' code — a dropped re-validation, a missing fence or membarrier, a census that
# skips a record, a move done in the wrong order, a dropped count transfer, a thread exit
# that drops its garbage — each of which the checks must catch. Not planted flags: each
# mutant is a patch to production code.
#
#   bash scripts/mutation-check.sh                    every mutant
#   bash scripts/mutation-check.sh 03 08              the mutants whose names start so
#   bash scripts/mutation-check.sh --sample N [KEY]   N mutants chosen by KEY (default: the
#                                                     commit), a rotating sample for CI
#   MUTATION_ALL_CHECKS=1 …                           run the conformance suite even on a
#                                                     mutant torture already caught
#
# For each mutant, on a scratch copy of HEAD: apply the patch, build the stress build
# (RECLAIMBENCH_STRESS=1: injection points and the store-buffer model, Sources/Reclamation/
# Support/StressModel.swift), then run
#   1. torture of the mutant's scheme, with a fixed operation budget (--replacements) and
#      seed: 4 × CPUs readers, sleeps, deferral or hand-off, churn, stutter;
#   2. the conformance suite and the scheme tests (swift test --filter …) of the same build, when
#      torture did not catch the mutant (or always, with MUTATION_ALL_CHECKS=1).
# It prints, per mutant, which check caught it and after how many writer replacements, and
# the mutation score. Exit 1 if any mutant survives (or a patch no longer applies: the
# catalog must follow the code). Builds are incremental within one scratch copy.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
budget=${MUTATION_REPLACEMENTS:-20000}
seed=${MUTATION_SEED:-1}
test_budget=${MUTATION_TEST_SECONDS:-300}
tests="ConformanceSuiteTests|HazardHandOffTests|GracePeriodTests|ReferenceCountingTests"

mapfile -t all < <(ls mutants/*.patch | sort)
chosen=()
if [ "${1:-}" = "--sample" ]; then
    count=${2:?"--sample needs a count"}
    key=${3:-$(git rev-parse HEAD)}
    [[ $count =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] || { echo "mutation-check.sh: --sample $count: need a count of 1 or more" >&2; exit 64; }
    # A seeded rotation: the key picks a start; every count-th mutant from there.
    start=$(( 0x$(printf '%s' "$key" | sha256sum | cut -c1-8) % ${#all[@]} ))
    step=$(( ${#all[@]} / count )); [ $step -ge 1 ] || step=1
    for ((i = 0; i < count && i < ${#all[@]}; i++)); do chosen+=("${all[$(( (start + i * step) % ${#all[@]} ))]}"); done
    echo "sample of ${#chosen[@]} of ${#all[@]} mutants, key $key"
elif [ $# -gt 0 ]; then
    for prefix in "$@"; do
        match=(mutants/"$prefix"*.patch)
        [ -e "${match[0]}" ] || { echo "mutation-check.sh: no mutant matches '$prefix' (ls mutants/)" >&2; exit 64; }
        chosen+=("${match[@]}")
    done
else
    chosen=("${all[@]}")
fi

# The scratch copy lives at a fixed path (a build folder cannot move: its module cache
# records its path), kept between runs so builds stay incremental: files that differ from
# HEAD are rewritten, the others keep their times.
scratch=$repo/.build-mutants/tree
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
mkdir -p "$scratch"
export_dir=$logs/head
mkdir -p "$export_dir"
git archive HEAD | tar -x -C "$export_dir"
python3 - "$export_dir" "$scratch" <<'PY'
import filecmp, os, shutil, sys
source, target = sys.argv[1], sys.argv[2]
keep = {".build-stress"}
wanted = set()
for root, dirs, files in os.walk(source):
    for name in files:
        relative = os.path.relpath(os.path.join(root, name), source)
        wanted.add(relative)
        destination = os.path.join(target, relative)
        if not os.path.exists(destination) or not filecmp.cmp(os.path.join(root, name), destination, shallow=False):
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copy2(os.path.join(root, name), destination)
for root, dirs, files in os.walk(target):
    dirs[:] = [d for d in dirs if not (root == target and d in keep)]
    for name in files:
        relative = os.path.relpath(os.path.join(root, name), target)
        if relative not in wanted: os.remove(os.path.join(root, name))
PY
cd "$scratch"
build() { RECLAIMBENCH_STRESS=1 swift build --build-tests --build-path .build-stress >"$logs/build.log" 2>&1; }
echo "building the stress build of HEAD ($(git -C "$repo" rev-parse --short HEAD))"
build || { tail -30 "$logs/build.log"; echo "mutation-check.sh: the unmutated stress build fails" >&2; exit 1; }

caught=0
results=()
for patch in "${chosen[@]}"; do
    name=$(basename "$patch" .patch)
    scheme=$(sed -n 's/^# scheme: //p' "$repo/$patch")
    # A mutant may need torture to exercise its path (`# torture: --thresholds default`).
    read -r -a extra <<< "$(sed -n 's/^# torture: //p' "$repo/$patch")"
    start=$SECONDS
    if ! patch -s -p1 --dry-run < "$repo/$patch" >/dev/null; then
        echo "$name: the patch no longer applies to HEAD (update the catalog)" >&2
        results+=("$name|$scheme|does not apply|-|-")
        continue
    fi
    patch -s -p1 < "$repo/$patch"
    verdict="survived"; by="-"; after="-"
    if ! build; then
        verdict="caught"; by="the build"
    else
        torture=(.build-stress/debug/reclaim-bench torture "$scheme" --replacements "$budget" --duration 300
                 --readers -4 --stutter 0.5 --churn-ms 50 --stat-interval 0 --quiet --seed "$seed" "${extra[@]}")
        # No backtracer: a mutant's use-after-free may crash a thread, and the crash must
        # end the process at once.
        rc=0
        SWIFT_BACKTRACE=enable=no timeout --kill-after=10 420 "${torture[@]}" >"$logs/torture.log" 2>&1 || rc=$?
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            by="torture ran past 420 s (not a catch)"
        elif [ "$rc" -ne 0 ]; then
            verdict="caught"
            kind=$(sed -n 's/^FAILURE: \(.*\) — .*/\1/p' "$logs/torture.log" | head -1)
            after=$(sed -n 's/^FAILURE: .* replacement \([0-9]*\).*/\1/p' "$logs/torture.log" | head -1)
            if [ -z "$kind" ]; then
                # Crashed before its report (a use-after-free elsewhere): the line torture
                # writes at its first failure gives the kind and the replacements.
                signal="$([ "$rc" -gt 128 ] && echo "signal $((rc - 128))" || echo "exit $rc")"
                first=$(sed -n 's/^FAILING at replacement \([0-9]*\): \(.*\) — .*/\1|\2/p' "$logs/torture.log" | head -1)
                if [ -n "$first" ]; then
                    after=${first%%|*}; kind="${first#*|}, then crashed ($signal)"
                else
                    kind="crashed ($signal)"
                fi
            fi
            by="torture: $kind"
            grep -m1 '^reproduce:' "$logs/torture.log" | sed "s|^|    (in ${scratch#$repo/}, with mutants/$name.patch applied) |" || true
        fi
        if [ "$verdict" = caught ] && [ "${MUTATION_ALL_CHECKS:-0}" != 1 ]; then
            :
        elif SWIFT_BACKTRACE=enable=no timeout --kill-after=10 "$test_budget" swift test --skip-build --build-path .build-stress --filter "$tests" \
                >"$logs/tests.log" 2>&1; then
            :
        else
            failed=$(grep -m1 -oE '✘ Test "[^"]*"' "$logs/tests.log" | head -1 | sed 's/^✘ Test //' | cut -c1-80)
            if [ "$verdict" = caught ]; then by="$by; conformance too"; else verdict="caught"; by="conformance: ${failed:-exit $?}"; fi
        fi
    fi
    patch -s -R -p1 < "$repo/$patch"
    [ "$verdict" = caught ] && caught=$((caught + 1))
    results+=("$name|$scheme|$verdict|$by|$after|$((SECONDS - start))s")
    printf '%-44s %-10s %-9s %s%s\n' "$name" "$scheme" "$verdict" "$by" "$([ "$after" != - ] && echo " at replacement $after")"
done

echo
echo "mutation score: $caught of ${#chosen[@]} caught (torture budget $budget replacements, seed $seed)"
printf '%s\n' "mutant|scheme|verdict|caught by|replacements|time" "${results[@]}" > "$logs/score.psv"
[ -n "${MUTATION_SCORE_OUT:-}" ] && cp "$logs/score.psv" "$MUTATION_SCORE_OUT"
[ "$caught" -eq "${#chosen[@]}" ]
