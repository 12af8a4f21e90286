#!/usr/bin/env bash
# Measures Takeoff's whole-block paths beside the C reference (`refbench`, built from REFBENCH_SOURCE) in one
# sitting, and prints each figure with the command that gave it:
#   - C: `refbench e2e` (batched and fsync'd per block), `refbench exec`, `refbench ed25519`, and OpenSSL's 2-core
#     Ed25519 verification rate;
#   - `run --archive` over 1M accounts, execute- and apply-mode `replay` of that archive, `run` fsync'd per block;
#   - `bench` (as shipped, and the parallel path alone), and 1,000 cache-resident accounts with no work;
#   - apply mode at 100k accounts, and over 1,000-block merged ranges (`compact`, timed) at 1M accounts;
#   - signed blocks: `run` with Ed25519 checks.
#
#   Scripts/whole-block-benchmark.sh [--binary .build/release/takeoff] [--refbench-source ../shared/tools/refbench.c]
#                                    [--rounds 2] [--merged-blocks 1000] [--work DIR]
#
# Everything is written under a work directory it creates (or DIR, which must not exist yet), removed at the end.
# Not a test: it takes about 15 minutes and its figures depend on the machine. Needs gcc, libssl-dev, liblmdb-dev
# and libzstd-dev for refbench.
set -euo pipefail

binary=.build/release/takeoff
refbench_source=../shared/tools/refbench.c
rounds=2
merged_blocks=1000
work=""
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --refbench-source) refbench_source="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --merged-blocks) merged_blocks="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        *) echo "whole-block-benchmark: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$binary" ] || { echo "whole-block-benchmark: no binary at $binary (swift build -c release)" >&2; exit 2; }
[ -f "$refbench_source" ] || { echo "whole-block-benchmark: no refbench source at $refbench_source" >&2; exit 2; }
binary=$(realpath "$binary")
if [ -z "$work" ]; then
    work=$(mktemp -d /tmp/takeoff-whole-block.XXXXXX)
else
    [ ! -e "$work" ] || { echo "whole-block-benchmark: $work exists; name a new directory" >&2; exit 2; }
    mkdir -p "$work"
fi
trap 'rm -rf "$work"' EXIT

gcc -O2 -march=native -Wno-deprecated-declarations -DHAVE_ZSTD -o "$work/refbench" "$refbench_source" \
    -lcrypto -llmdb -lzstd -lpthread

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $("$binary" --version)"

# show LABEL command...: runs the command, printing the label and the lines that carry figures.
show() {
    local label=$1; shift
    echo "## $label: $*"
    "$@" 2>&1 | grep -E 'tx/s|"tps"|verify|ratio|x \[|best|ms/block|Replayed|Ran |compact|Compacted|signatures' | sed 's/^/    /' || true
}

# tps NAME command...: runs a Takeoff command with --json and prints its tx/s.
tps() {
    local label=$1; shift
    local out
    out=$("$@" --json 2>/dev/null | tail -1)
    printf '## %s: %s tx/s   (%s)\n' "$label" "$(sed -E 's/.*"tps" *: *([0-9.]+).*/\1/' <<<"$out" | cut -d. -f1)" "$*"
}

for round in $(seq 1 "$rounds"); do
    echo "# round $round"
    rm -rf "$work/c-db"
    show "C, batched every 64 blocks, 2 commitment threads" "$work/refbench" e2e -w 64 -b 100 -j 2 -L 640 -d "$work/c-db"
    rm -rf "$work/c-db"
    show "C, fsync'd per block" "$work/refbench" e2e -b 30 -L 640 -d "$work/c-db"
    rm -rf "$work/c-db"
    show "C, execution alone" "$work/refbench" exec
    show "C, Ed25519 verifications, one core" "$work/refbench" ed25519
    echo "## OpenSSL Ed25519, 2 processes: $(openssl speed -multi 2 -seconds 3 ed25519 2>/dev/null | grep -E '^ *253' | tail -1)"

    rm -rf "$work/db" "$work/archive" "$work/replay" "$work/apply" "$work/fsync"
    tps "run --archive, 100 blocks, 1M accounts" "$binary" run --db "$work/db" --archive "$work/archive" --workload uniform \
        --accounts 1000000 --blocks 100 --block-size 10000 --unsigned
    tps "replay --mode execute" "$binary" replay --archive "$work/archive" --db "$work/replay" --mode execute
    tps "replay --mode apply --no-merged-ranges" "$binary" replay --archive "$work/archive" --db "$work/apply" --mode apply \
        --no-merged-ranges
    tps "run, fsync'd commit per block, 30 blocks" "$binary" run --db "$work/fsync" --workload uniform --accounts 1000000 \
        --blocks 30 --block-size 10000 --unsigned
    rm -rf "$work/db" "$work/replay" "$work/apply" "$work/fsync"

    show "bench, as shipped" "$binary" bench --scenario all --repeats 3
    show "bench, the parallel path alone" "$binary" bench --scenario all --no-fallback --repeats 3
    show "bench, 1,000 accounts, no work, parallel path alone" "$binary" bench --scenario uniform --accounts 1000 \
        --no-fallback --repeats 3

    rm -rf "$work/signed-db"
    tps "run, signed, 10 blocks, 1M accounts" "$binary" run --db "$work/signed-db" --workload uniform --accounts 1000000 \
        --blocks 10 --block-size 10000
    rm -rf "$work/signed-db"
done

echo "# apply mode at 100k accounts"
"$binary" run --db "$work/small-db" --archive "$work/small-archive" --workload uniform --accounts 100000 --blocks 200 \
    --block-size 10000 --unsigned --json >/dev/null
for round in $(seq 1 "$rounds"); do
    rm -rf "$work/small-apply"
    tps "replay --mode apply --no-merged-ranges, 100k accounts, 200 blocks" "$binary" replay --archive "$work/small-archive" \
        --db "$work/small-apply" --mode apply --no-merged-ranges
done
rm -rf "$work/small-db" "$work/small-archive" "$work/small-apply"

echo "# merged ranges: $merged_blocks blocks over 1M accounts"
"$binary" run --db "$work/long-db" --archive "$work/long-archive" --workload uniform --accounts 1000000 \
    --blocks "$merged_blocks" --block-size 10000 --unsigned --json >/dev/null
rm -rf "$work/long-db"
start=$(date +%s%N)
"$binary" compact --archive "$work/long-archive" --range-blocks "$merged_blocks" >/dev/null
echo "## compact --range-blocks $merged_blocks: $(( ($(date +%s%N) - start) / 1000000 )) ms"
for round in $(seq 1 "$rounds"); do
    rm -rf "$work/long-apply"
    tps "replay --mode apply over merged ranges" "$binary" replay --archive "$work/long-archive" --db "$work/long-apply" --mode apply
done
