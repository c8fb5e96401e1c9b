#!/usr/bin/env bash
# The load/store contract, checked by the compiler: a word `load` returns (or a
# compare-exchange's original) cannot be stored or given as a desired value; a protected
# word or a fresh node can. Type-checks each snippet in Tests/ContractCompile against the
# debug build's Reclamation module (build it first: `swift build`):
#   compiles-*.swift  must type-check (so a rejection below is the contract's, not a broken setup)
#   rejects-*.swift   must fail, every error being the diagnostic on its `// expect:` line
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(swift build --show-bin-path)
[ -d "$build/Modules/Reclamation.swiftmodule" ] || [ -f "$build/Modules/Reclamation.swiftmodule" ] \
    || { echo "contract-check.sh: no Reclamation module in $build (run swift build first)" >&2; exit 66; }
flags=(-typecheck -I "$build/Modules" -enable-experimental-feature SuppressedAssociatedTypes
       -Xcc -I"$PWD/Sources/CReclaimSupport/include" -Xcc -I"$PWD/Sources/CReferenceLibraries/include")
for map in "$build/CReclaimSupport.build/module.modulemap" "$build/CReferenceLibraries.build/module.modulemap" \
           Sources/CJemalloc/module.modulemap $(find .build/checkouts -name module.modulemap -path '*Shims*'); do
    [ -f "$map" ] && flags+=(-Xcc -fmodule-map-file="$PWD/${map#$PWD/}")
done
status=0
for snippet in Tests/ContractCompile/compiles-*.swift; do
    if out=$(swiftc "${flags[@]}" "$snippet" 2>&1); then echo "ok    $snippet compiles"
    else echo "FAIL  $snippet does not compile:"; echo "$out" | grep error: | head -5; status=1; fi
done
for snippet in Tests/ContractCompile/rejects-*.swift; do
    expect=$(sed -n 's|^// expect: ||p' "$snippet")
    [ -n "$expect" ] || { echo "FAIL  $snippet has no // expect: line"; status=1; continue; }
    if out=$(swiftc "${flags[@]}" "$snippet" 2>&1); then
        echo "FAIL  $snippet compiles: the contract no longer rejects it"; status=1
    elif [ "$(grep -c 'error:' <<< "$out")" -eq "$(grep -cF -- "error: $expect" <<< "$out")" ] && grep -qF -- "$expect" <<< "$out"; then
        echo "ok    $snippet rejected: $expect"
    else echo "FAIL  $snippet rejected for another reason:"; echo "$out" | grep error: | head -5; status=1; fi
done
exit $status
