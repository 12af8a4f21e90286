#!/usr/bin/env bash
# Runs the state commitment's tests once under each kernel this processor can run, forced through the environment
# (TAKEOFF_KERNEL for a family, TAKEOFF_SHA256_KERNEL for the hashing alone), so that the portable path is tested on
# a machine with vector units too. A kernel the processor lacks is named with the reason the command line gives
# for refusing it, and not run. Exits non-zero when any run fails.
#
#   Scripts/commitment-kernels.sh [--binary PATH]     (after `swift build --build-tests`)
set -uo pipefail

binary=".build/debug/takeoff"
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift ;;
        *) echo "usage: $0 [--binary PATH]" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$binary" ] || { echo "commitment-kernels: no takeoff binary at $binary (build it first)" >&2; exit 2; }

# The suites whose results depend on the commitment: the kernels themselves, the commitment's algebra, a store's
# commitment against a recomputation, and replay and verify checking every block's recorded commitment.
filter='LatticeKernelTests|StateCommitmentTests|PartitionedCommitmentTests|StateStoreTests|VerifyTests|ReplayTests'
failed=0
ran=0
run() {
    local variable=$1 kernel=$2 refusal
    if ! refusal=$(env "$variable=$kernel" "$binary" --version 2>&1 >/dev/null); then
        echo "commitment-kernels: not run with $variable=$kernel: ${refusal#takeoff: }"
        return
    fi
    echo "commitment-kernels: $variable=$kernel ($(env "$variable=$kernel" "$binary" --version))"
    if env "$variable=$kernel" swift test --skip-build --filter "$filter" >"$log" 2>&1; then
        grep -E "Test run with" "$log" || tail -n 1 "$log"
        ran=$((ran + 1))
    else
        cat "$log"
        echo "commitment-kernels: FAILED with $variable=$kernel"
        failed=1
    fi
}
log=$(mktemp "${TMPDIR:-/tmp}/takeoff-kernels.XXXXXX")
trap 'rm -f "$log"' EXIT
for kernel in portable avx2 avx512 neon; do run TAKEOFF_KERNEL "$kernel"; done
# The hashing kernels that no family above forces by itself.
for kernel in sha-ni swift-crypto; do run TAKEOFF_SHA256_KERNEL "$kernel"; done
echo "commitment-kernels: $ran kernel runs passed"
[ "$ran" -gt 0 ] || failed=1
exit "$failed"
