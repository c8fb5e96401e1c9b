#!/usr/bin/env bash
# The torture suite: every scheme for --duration seconds (default 60) with 4 × CPUs
# readers (overcommit), sleeping readers, one protection in 64 deferred (handed to the
# release thread where the scheme claims cross-thread release, held long otherwise), then
# the same with reader churn and stutter pauses, then every planted scheme, which must
# fail. Logs and a manifest go to results/<UTC time>-torture/; a log that was not
# finished is left as *.partial. Exit 1 if a scheme failed or a planted one passed.
#   bash scripts/torture.sh [seconds]
#   TORTURE_SCHEMES="hp-percpu hp-asym" bash scripts/torture.sh 60   (some schemes only)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
case $seconds in
    ''|*[!0-9]*) echo "torture.sh: seconds must be a whole number, got '$seconds'" >&2; exit 64 ;;
esac
swift build -c release --product reclaim-bench >/dev/null
bench=.build/release/reclaim-bench
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
out=results/$stamp-torture
mkdir -p "$out"
commit=$(git rev-parse HEAD)
dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo true || echo false)
cat > "$out/manifest.json" <<JSON
{
  "kind": "torture",
  "started": "$stamp",
  "commit": "$commit",
  "dirty": $dirty,
  "seconds": $seconds,
  "cpus": $(nproc),
  "kernel": "$(uname -r)",
  "swift": "$(swift --version 2>&1 | head -1 | sed 's/"/\\"/g')",
  "schemes": "${TORTURE_SCHEMES:-hp ebr qsbr rcu rc arc hp-percpu hp-asym urcu-qsbr urcu-memb ck-epoch ck-hp}",
  "commands": "$bench torture SCHEME --duration $seconds --readers -4 [--churn-ms 200 --stutter 10]; $bench torture --planted NAME --readers -4"
}
JSON
status=0
run() {  # name, expected exit, arguments...
    local name=$1 expected=$2; shift 2
    local log="$out/$name.log"
    local rc=0
    "$bench" torture "$@" > "$log.partial" 2>&1 || rc=$?
    mv "$log.partial" "$log"
    local verdict
    verdict=$(grep -E '^(SUCCESS|FAILURE)' "$log" | head -1 || true)
    printf '%-34s exit %d  %s\n' "$name" "$rc" "${verdict:0:120}"
    if [ "$rc" != "$expected" ]; then status=1; fi
}
schemes=${TORTURE_SCHEMES:-"hp ebr qsbr rcu rc arc hp-percpu hp-asym urcu-qsbr urcu-memb ck-epoch ck-hp"}
for scheme in $schemes; do
    run "$scheme" 0 "$scheme" --duration "$seconds" --readers -4
done
for scheme in $schemes; do
    run "$scheme-churn-stutter" 0 "$scheme" --duration "$seconds" --readers -4 --churn-ms 200 --stutter 10
done
for planted in $("$bench" torture --list-planted | awk '{print $1}'); do
    run "planted-$planted" 1 --planted "$planted" --readers -4 --duration "$seconds"
done
echo "logs: $out"
exit $status
