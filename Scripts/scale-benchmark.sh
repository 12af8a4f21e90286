#!/usr/bin/env bash
# Runs Takeoff at several state sizes in one sitting and prints, per size: genesis time, `run --archive`
# and execute-mode `replay` throughput, peak memory (whole, and anonymous: besides the page cache), store
# and archive size on disk, `verify --db` time and memory, and snapshot export and import times with their
# memory.
#
#   Scripts/scale-benchmark.sh [--sizes "1000000 10000000 100000000"] [--blocks 20] [--block-size 10000]
#                              [--binary .build/release/takeoff] [--work DIR]
#
# Everything is written under a work directory this script creates (or DIR, which must not exist yet),
# removed at the end. Not a test: it takes minutes and its figures depend on the machine.
set -euo pipefail

sizes="1000000 10000000 100000000"
blocks=20
block_size=10000
binary=.build/release/takeoff
work=""
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes="$2"; shift 2 ;;
        --blocks) blocks="$2"; shift 2 ;;
        --block-size) block_size="$2"; shift 2 ;;
        --binary) binary="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        *) echo "scale-benchmark: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$binary" ] || { echo "scale-benchmark: no binary at $binary (swift build -c release)" >&2; exit 2; }
if [ -z "$work" ]; then
    work=$(mktemp -d /tmp/takeoff-scale.XXXXXX)
else
    [ ! -e "$work" ] || { echo "scale-benchmark: $work exists; name a new directory" >&2; exit 2; }
    mkdir -p "$work"
fi
trap 'rm -rf "$work"' EXIT

# measure NAME command...: runs the command, samples /proc every 0.2 s, and sets
#   seconds, peak_mb (VmHWM: everything resident, the store's mapped pages included) and anon_mb (RssAnon).
measure() {
    local name=$1; shift
    local start end pid hwm=0 anon=0 value
    start=$(date +%s%N)
    "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        value=$(awk '/VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || true); [ -n "$value" ] && hwm=$value
        value=$(awk '/RssAnon/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$value" ] && [ "$value" -gt "$anon" ] && anon=$value
        sleep 0.2
    done
    if ! wait "$pid"; then
        echo "scale-benchmark: $name failed:" >&2; cat "$work/$name.err" >&2; exit 1
    fi
    end=$(date +%s%N)
    seconds=$(( (end - start) / 1000000 ))e-3
    peak_mb=$((hwm / 1024)); anon_mb=$((anon / 1024))
}

printf '| accounts | genesis s | run tx/s | run peak RSS MB | run peak anon MB | replay tx/s | replay peak anon MB | store MB | archive MB | verify --db s | verify anon MB | export s | export anon MB | snapshot MB | import s | import anon MB |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for accounts in $sizes; do
    directory="$work/$accounts"
    mkdir -p "$directory/db" "$directory/replayed" "$directory/restored"
    # run: the genesis streamed into the archive's genesis.state and the store, then the blocks, the archive
    # as the log.
    measure "run-$accounts" "$binary" run --unsigned --json --db "$directory/db" --archive "$directory/archive" \
        --accounts "$accounts" --blocks "$blocks" --block-size "$block_size"
    run_peak=$peak_mb; run_anon=$anon_mb
    genesis=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['genesisSeconds'], 1))" "$work/run-$accounts.out")
    run_tps=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['tps']))" "$work/run-$accounts.out")
    store_mb=$(( $(du -sb "$directory/db" | cut -f1) / 1000000 ))
    archive_mb=$(( $(du -sb "$directory/archive" | cut -f1) / 1000000 ))
    # replay (execute mode) of those blocks into a new store, which first loads the archived genesis.
    measure "replay-$accounts" "$binary" replay --json --archive "$directory/archive" --db "$directory/replayed"
    replay_anon=$anon_mb
    replay_tps=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['tps']))" "$work/replay-$accounts.out")
    rm -rf "$directory/replayed"
    # verify --db: the commitment recomputed from every stored pair, in batches of 65,536.
    measure "verify-$accounts" "$binary" verify --db "$directory/db"
    verify_seconds=$seconds; verify_anon=$anon_mb
    measure "export-$accounts" "$binary" snapshot export --db "$directory/db" --out "$directory/state.snapshot"
    export_seconds=$seconds; export_anon=$anon_mb
    snapshot_mb=$(( $(stat -c %s "$directory/state.snapshot") / 1000000 ))
    measure "import-$accounts" "$binary" snapshot import --db "$directory/restored" --in "$directory/state.snapshot"
    import_seconds=$seconds; import_anon=$anon_mb
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %s | %.1f | %s | %s | %.1f | %s |\n' "$accounts" "$genesis" "$run_tps" \
        "$run_peak" "$run_anon" "$replay_tps" "$replay_anon" "$store_mb" "$archive_mb" "$verify_seconds" "$verify_anon" \
        "$export_seconds" "$export_anon" \
        "$snapshot_mb" "$import_seconds" "$import_anon"
    rm -rf "$directory"
done
