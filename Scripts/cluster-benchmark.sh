#!/usr/bin/env bash
# Verification and reconstruction through Ray on this machine, against the single-machine replays, in one sitting:
#   - one archive of BLOCKS blocks of 10,000 unsigned transfers over 1M accounts: `takeoff replay` with 1 and with 2
#     threads, then `takeoff-cluster verify` with 1, 2 and 4 ranges (one single-threaded task per range);
#   - one archive of LONG_BLOCKS blocks: `takeoff replay --mode apply --no-merged-ranges` on one core (taskset), and
#     `takeoff-cluster reconstruct` with 2 and 4 ranges (map and reduce rate, and the final load apart);
#   - the costs the scaling model needs: a range merge, a checkpoint (range apply to a snapshot), a snapshot import.
#
#   Scripts/cluster-benchmark.sh [--binary .build/release/takeoff] [--blocks 200] [--long-blocks 1000] [--rounds 2]
#
# Uses the cluster package's virtual environment (make cluster-env) and starts a Ray cluster of this machine's cores,
# stopped at the end. Everything is written under a new temporary directory, removed at the end. Not a test: it takes
# about 15 minutes.
set -euo pipefail

binary=.build/release/takeoff
blocks=200
long_blocks=1000
rounds=2
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --blocks) blocks="$2"; shift 2 ;;
        --long-blocks) long_blocks="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "cluster-benchmark: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$binary" ] || { echo "cluster-benchmark: no binary at $binary (swift build -c release)" >&2; exit 2; }
binary=$(realpath "$binary")
Scripts/cluster-env.sh
venv=$(realpath .venv-cluster)
work=$(mktemp -d /tmp/takeoff-cluster-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
export RAY_USAGE_STATS_ENABLED=0
# Ray 2.59+ authenticates clusters with a token: the cluster and its clients agree on the mode and share a token of
# this run's own (in the environment, so that ~/.ray is left alone).
export RAY_AUTH_MODE=token
RAY_AUTH_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export RAY_AUTH_TOKEN
cleanup() {
    "$venv/bin/ray" stop --force >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
"$venv/bin/ray" start --head --port="$port" --num-cpus="$(nproc)" --include-dashboard=false --disable-usage-stats >/dev/null
address=127.0.0.1:$port

field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
cluster() { "$venv/bin/takeoff-cluster" --address "$address" --binary "$binary" --json "$@" 2>/dev/null; }

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $("$binary" --version)"
"$binary" run --db "$work/db" --archive "$work/archive" --workload uniform --accounts 1000000 --blocks "$blocks" \
    --block-size 10000 --unsigned --json >/dev/null 2>&1
rm -rf "$work/db"
echo "# verify: $blocks blocks of 10,000 transfers over 1M accounts"
for round in $(seq 1 "$rounds"); do
    for threads in 1 2; do
        rm -rf "$work/replay"
        tps=$("$binary" replay --archive "$work/archive" --db "$work/replay" --threads "$threads" --json 2>/dev/null | field tps)
        echo "round $round: takeoff replay --threads $threads: ${tps%.*} tx/s"
    done
    rm -rf "$work/replay"
    for ranges in 1 2 4; do
        out=$(cluster verify --archive "$work/archive" --ranges "$ranges")
        echo "round $round: takeoff-cluster verify --ranges $ranges: $(field tps <<<"$out" | cut -d. -f1) tx/s over $(field seconds <<<"$out" | cut -c1-6) s (status $(field status <<<"$out"))"
    done
done

echo "# the model's costs, one core each"
mid=$((blocks / 2))
start=$(date +%s%N)
"$binary" range merge --archive "$work/archive" --from 1 --to "$mid" --out "$work/first.tkr" >/dev/null
echo "range merge of $mid blocks: $(( ($(date +%s%N) - start) / 1000000 )) ms"
start=$(date +%s%N)
"$binary" range apply --archive "$work/archive" --range "$work/first.tkr" --out "$work/state.snapshot" >/dev/null
echo "checkpoint (range apply --out, genesis + $mid blocks): $(( ($(date +%s%N) - start) / 1000000 )) ms"
"$binary" range merge --archive "$work/archive" --from "$((mid + 1))" --to "$blocks" --out "$work/second.tkr" >/dev/null
start=$(date +%s%N)
"$binary" range apply --archive "$work/archive" --snapshot "$work/state.snapshot" --range "$work/second.tkr" --out "$work/state2.snapshot" >/dev/null
echo "checkpoint (range apply --out, snapshot + $((blocks - mid)) blocks): $(( ($(date +%s%N) - start) / 1000000 )) ms"
start=$(date +%s%N)
"$binary" range combine "$work/first.tkr" "$work/second.tkr" --out "$work/both.tkr" >/dev/null
echo "range combine of two halves: $(( ($(date +%s%N) - start) / 1000000 )) ms"
start=$(date +%s%N)
"$binary" snapshot import --in "$work/state.snapshot" --db "$work/imported" >/dev/null
echo "snapshot import (1M accounts): $(( ($(date +%s%N) - start) / 1000000 )) ms"
rm -rf "$work/imported" "$work"/*.tkr "$work"/*.snapshot "$work/archive"

echo "# reconstruct: $long_blocks blocks of 10,000 transfers over 1M accounts"
"$binary" run --db "$work/db" --archive "$work/long" --workload uniform --accounts 1000000 --blocks "$long_blocks" \
    --block-size 10000 --unsigned --json >/dev/null 2>&1
rm -rf "$work/db"
for round in $(seq 1 "$rounds"); do
    rm -rf "$work/apply"
    tps=$(taskset -c 0 "$binary" replay --archive "$work/long" --db "$work/apply" --mode apply --no-merged-ranges --json 2>/dev/null | field tps)
    echo "round $round: takeoff replay --mode apply --no-merged-ranges on one core: ${tps%.*} tx/s"
    rm -rf "$work/apply"
    for ranges in 2 4; do
        rm -rf "$work/rebuilt"
        out=$(cluster reconstruct --archive "$work/long" --ranges "$ranges" --db "$work/rebuilt")
        echo "round $round: takeoff-cluster reconstruct --ranges $ranges: $(field tpsBeforeLoad <<<"$out" | cut -d. -f1) tx/s before the load (map $(field mapSeconds <<<"$out" | cut -c1-5) s, reduce $(field reduceSeconds <<<"$out" | cut -c1-5) s), load $(field loadSeconds <<<"$out" | cut -c1-5) s, $(field tps <<<"$out" | cut -d. -f1) tx/s in all (status $(field status <<<"$out"))"
    done
    rm -rf "$work/rebuilt"
done
