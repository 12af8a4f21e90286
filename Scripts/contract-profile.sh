#!/usr/bin/env bash
# Where a contract call's time goes: samples `takeoff bench` on one thread with perf (cpu-clock, call graphs) and
# splits the contract payload (WasmContractHost.call) into interpretation, host functions (of which storage-key
# hashing and state reads and writes), the instance reset and the rest of the call (finding the contract,
# the runtime pool, fuel), each as a share of the payload. Instantiation shows apart (once per worker and
# contract). Shares are inclusive, so for contracts that call others (wasm-amm) a callee's interpretation and
# reset count inside the caller's host function too: the split is exact only for calls that call nothing.
#
#   Scripts/contract-profile.sh [--binary .build/release/takeoff] [--scenario wasm-token] [--accounts 100000]
#
# Not a test. Needs perf (Debian's linux-perf; installed with apt when missing).
set -euo pipefail

binary=.build/release/takeoff
scenario=wasm-token
accounts=100000
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --scenario) scenario="$2"; shift 2 ;;
        --accounts) accounts="$2"; shift 2 ;;
        *) echo "contract-profile: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$binary" ] || { echo "contract-profile: no binary at $binary (swift build -c release)" >&2; exit 2; }
if ! command -v perf >/dev/null 2>&1; then
    echo "Installing linux-perf"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq linux-perf >/dev/null
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $scenario over $accounts accounts, 1 thread"
perf record -q -e cpu-clock -F 4000 -g -o "$scratch/perf.data" \
    "$binary" bench --scenario "$scenario" --accounts "$accounts" --blocks 5 --block-size 10000 --repeats 2 --threads 1 \
    | sed 's/^/    /'
perf report -q -i "$scratch/perf.data" --children --sort sym -g none 2>/dev/null > "$scratch/report.txt"

# inclusive PATTERN: the largest inclusive share of the symbols matching PATTERN (a function and its thunks
# match together; the largest is the outermost).
inclusive() {
    { grep -E "$1" "$scratch/report.txt" || true; } | awk '{ gsub("%", "", $1); if ($1 > best) best = $1 } END { printf "%.2f", best + 0 }'
}
payload=$(inclusive 'ContractHostC4call8contract5input')
interpreter=$(inclusive 'WasmKit9ExecutionV7execute2sp2pc')
host=$(inclusive 'ContractRuntimeC11makeImports')
keys=$(inclusive 'ContractRuntimeC10storageKey')
reads=$(inclusive 'ContractRuntimeC9readState')
reset=$(inclusive 'LoadedC0C5resetSbyF')
instantiate=$(inclusive 'ContractRuntimeC8instance2of')
awk -v p="$payload" -v e="$interpreter" -v h="$host" -v k="$keys" -v r="$reads" -v z="$reset" -v i="$instantiate" 'BEGIN {
    if (p == 0) { print "contract-profile: no samples in WasmContractHost.call" > "/dev/stderr"; exit 1 }
    printf "contract payload: %.1f%% of all samples\n", p
    printf "  interpretation (the interpreter, host functions left out)  %5.1f%%\n", 100 * (e - h) / p
    printf "  host functions                                             %5.1f%%\n", 100 * h / p
    printf "    of which storage-key hashing                             %5.1f%%\n", 100 * k / p
    printf "    of which state reads                                     %5.1f%%\n", 100 * r / p
    printf "  instance reset (memory back to the image, globals)         %5.1f%%\n", 100 * z / p
    printf "  the rest of the call (contract record and code, runtime pool, fuel, frames)  %5.1f%%\n", 100 * (p - e - z) / p
    printf "  instantiation (once per worker and contract)               %5.1f%%\n", 100 * i / p
    printf "outside the interpreter: %.1f%% of the payload\n", 100 * (p - (e - h)) / p
}'
