#!/usr/bin/env bash
# Hostile input against the takeoff command: damaged archives, two writers at once, kills at random
# moments, snapshot export onto directories, a full disk, a full standard error. Every case must end in
# success with exactly the right state, or in a clean error (one line on standard error, a non-zero exit)
# that leaves what was committed intact. Prints the counts; exits non-zero on any crash or loss.
#
#   Scripts/hostile-input.sh [--long] [--binary PATH] [--kills N]
#
# The short form (the default, run by `make test`) takes about a minute; --long runs many more bit flips
# and kills.
set -uo pipefail

binary=".build/debug/takeoff"
long=0
kills=""
while [ $# -gt 0 ]; do
    case "$1" in
        --long) long=1 ;;
        --binary) binary="$2"; shift ;;
        --kills) kills="$2"; shift ;;
        *) echo "usage: $0 [--long] [--binary PATH] [--kills N]" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$binary" ] || { echo "hostile-input: no takeoff binary at $binary (build it first)" >&2; exit 2; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
flips=$((long ? 200 : 12))
kills=${kills:-$((long ? 40 : 6))}

work=$(mktemp -d "${TMPDIR:-/tmp}/takeoff-hostile.XXXXXX")
mounted=""
cleanup() {
    [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

cases=0 clean=0 succeeded=0 crashes=0 lost=0
declare -a problems=()

# Runs takeoff with the given arguments, recording its status, stdout and stderr.
invoke() {
    "$binary" "$@" >"$work/out" 2>"$work/err"
    status=$?
}

# Sorts the last invocation into clean error, success or crash; a success must be checked by the caller.
classify() {
    local name="$1"
    cases=$((cases + 1))
    if [ "$status" -ge 128 ] || grep -q "Fatal error" "$work/err"; then
        crashes=$((crashes + 1))
        problems+=("CRASH $name: status $status: $(head -c 300 "$work/err")")
        return 2
    fi
    if [ "$status" -ne 0 ]; then
        if [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "^takeoff: " "$work/err"; then
            clean=$((clean + 1))
        else
            crashes=$((crashes + 1))
            problems+=("UNCLEAR ERROR $name: status $status: $(head -c 300 "$work/err")")
        fi
        return 1
    fi
    succeeded=$((succeeded + 1))
    return 0
}

loss() {
    lost=$((lost + 1))
    problems+=("LOST $1")
}

json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" "$2"; }
checksum() { (cd "$1" && find . -type f ! -name writer.lock ! -name lock.mdb -print0 | sort -z | xargs -0 sha256sum) }

common=(--workload mix --accounts 300 --block-size 60 --unsigned --seed 11)
blocks=12

# The reference: the commitment after every block, from a run that went one block at a time.
echo "hostile-input: building the reference archive ($blocks blocks)"
declare -a reference=()
for block in $(seq 1 $blocks); do
    invoke run --db "$work/base/db" --archive "$work/base/archive" --segment-size 9000 --blocks 1 --json "${common[@]}"
    [ "$status" -eq 0 ] || { echo "hostile-input: the reference run failed: $(cat "$work/err")" >&2; exit 1; }
    reference[$block]=$(json_field stateCommitment "$work/out")
done
invoke compact --archive "$work/base/archive" --range-blocks 4
segments=$(ls "$work/base/archive"/segment-*.tko | wc -l)
echo "hostile-input: $segments segments, ranges $(ls "$work/base/archive/ranges" | tr '\n' ' ')"

# --- Damaged archives ---------------------------------------------------------------------------------

# Applies damage (a shell snippet run in the archive copy), then reads the archive with replay (both
# modes) and inspect, and appends to it with run. Readers must either fail cleanly or reproduce the
# reference exactly; the writer must either fail cleanly, touching nothing, or keep every block.
# The last block up to which the archive in $1 rebuilds state exactly as the reference did (0 if none).
good_prefix() {
    rm -rf "$work/prefix"
    invoke replay --archive "$1" --db "$work/prefix" --mode apply --window 1 --no-merged-ranges --to $blocks --json
    if grep -q "past the archive's last block" "$work/err"; then
        invoke replay --archive "$1" --db "$work/prefix" --mode apply --window 1 --no-merged-ranges --json
    fi
    local head=0
    if [ -e "$work/prefix/data.mdb" ]; then
        invoke inspect --db "$work/prefix" --json
        [ "$status" -eq 0 ] && head=$(json_field headBlock "$work/out")
    fi
    while [ "$head" -gt 0 ] && [ "$(json_field stateCommitment "$work/out")" != "${reference[$head]:-none}" ]; do head=0; done
    echo "$head"
}

# Applies damage (a shell snippet run in the archive copy), then reads the archive with replay (both
# modes) and inspect, and appends to it with run. Readers must either fail cleanly or reproduce the
# reference exactly, and change nothing; the writer must either fail cleanly, touching nothing, or leave
# every block that could be read before still readable.
damaged_case() {
    local name="$1" damage="$2"
    rm -rf "$work/case"
    cp -a "$work/base" "$work/case"
    (cd "$work/case/archive" && eval "$damage") || { echo "hostile-input: cannot apply $name" >&2; return; }
    local before
    before=$(checksum "$work/case/archive")
    for mode in apply execute; do
        rm -rf "$work/case/replayed"
        invoke replay --archive "$work/case/archive" --db "$work/case/replayed" --mode "$mode" --window 3 --json
        classify "$name / replay $mode"
        case $? in
            0) local head commitment
               head=$(json_field headBlock "$work/out"); commitment=$(json_field stateCommitment "$work/out")
               [ "$commitment" = "${reference[$head]:-none}" ] || loss "$name / replay $mode: block $head commitment $commitment" ;;
            1) # The store must hold a good prefix: whatever block it reached, with the reference commitment.
               if [ -e "$work/case/replayed/data.mdb" ]; then
                   invoke inspect --db "$work/case/replayed" --json
                   if [ "$status" -eq 0 ]; then
                       local head commitment
                       head=$(json_field headBlock "$work/out"); commitment=$(json_field stateCommitment "$work/out")
                       [ "$head" = 0 ] || [ "$commitment" = "${reference[$head]:-none}" ] || loss "$name / replay $mode left block $head wrong"
                   fi
               fi ;;
        esac
    done
    invoke inspect --archive "$work/case/archive"
    classify "$name / inspect"
    invoke verify --archive "$work/case/archive"
    classify "$name / verify"
    [ "$(checksum "$work/case/archive")" = "$before" ] || loss "$name: a reader changed the archive"
    local readable
    readable=$(good_prefix "$work/case/archive")
    invoke run --db "$work/case/db" --archive "$work/case/archive" --blocks 1 "${common[@]}"
    classify "$name / run"
    case $? in
        0) local after
           after=$(good_prefix "$work/case/archive")
           [ "$after" -ge "$readable" ] || loss "$name / run: the archive rebuilt up to block $readable before the run, $after after" ;;
        1) [ "$(checksum "$work/case/archive")" = "$before" ] || loss "$name / run: a refused writer changed the archive" ;;
    esac
}

last=$(printf 'segment-%08d.tko' "$segments")
size_of() { stat -c %s "$work/base/archive/$1"; }
for cut in 0 10 64 $(( $(size_of "$last") / 2 )) $(( $(size_of "$last") - 1 )); do
    damaged_case "last segment truncated to $cut bytes" "truncate -s $cut $last"
done
damaged_case "first segment truncated" "truncate -s 100 segment-00000001.tko"
damaged_case "last segment deleted" "rm $last"
damaged_case "middle segment deleted" "rm segment-00000002.tko"
damaged_case "last segment emptied" ": > $last"
damaged_case "index deleted" "rm segment-00000001.idx"
damaged_case "last index deleted" "rm ${last%.tko}.idx"
damaged_case "index garbled" "printf 'garbage in the index' | dd of=segment-00000001.idx bs=1 seek=20 conv=notrunc status=none"
damaged_case "segments swapped" "mv segment-00000001.tko x && mv segment-00000002.tko segment-00000001.tko && mv x segment-00000002.tko"
damaged_case "garbage appended" "printf 'appended by hand\n' >> $last"
damaged_case "zeros appended" "head -c 4096 /dev/zero >> $last"
damaged_case "range file zero-filled" "f=\$(ls ranges/*.tkr | head -1); head -c \$(stat -c %s \$f) /dev/zero > \$f.z && mv \$f.z \$f"
damaged_case "manifest deleted" "rm manifest"
damaged_case "manifest edited" "sed -i 's/first 0/first 1/' manifest"
damaged_case "unlisted segment" "cp segment-00000001.tko segment-00000099.tko"
for i in $(seq 1 "$flips"); do
    segment=$(printf 'segment-%08d.tko' $(( (RANDOM % segments) + 1 )))
    offset=$(( (RANDOM * 32768 + RANDOM) % $(size_of "$segment") ))
    damaged_case "bit flip $i in $segment at $offset" \
        "printf \"\\\\x\$(printf %02x \$(( \$(od -An -tu1 -j$offset -N1 $segment) ^ (1 << (RANDOM % 8)) )))\" | dd of=$segment bs=1 seek=$offset conv=notrunc status=none"
done

# --- Two writers at once --------------------------------------------------------------------------------
rm -rf "$work/case"; cp -a "$work/base" "$work/case"
"$binary" run --db "$work/case/db" --archive "$work/case/archive" --blocks 100000 "${common[@]}" >/dev/null 2>&1 &
first=$!
sleep 1
for second in "run --db $work/case/db --archive $work/case/archive --blocks 2" "run --db $work/case/other --archive $work/case/archive --blocks 2" \
    "replay --archive $work/case/archive --db $work/case/db" "unwind --db $work/case/db --to 3"; do
    # shellcheck disable=SC2086
    invoke $second
    classify "second writer: $second"
    [ $? -eq 1 ] && grep -q "in use by another process" "$work/err" || [ "$status" -ne 0 ] || loss "second writer was let in: $second"
done
kill -9 $first; wait $first 2>/dev/null
invoke run --db "$work/case/db" --archive "$work/case/archive" --blocks 1 --json "${common[@]}"
classify "run after two writers"
rm -rf "$work/case/check"
head=$(json_field headBlock "$work/out"); commitment=$(json_field stateCommitment "$work/out")
invoke replay --archive "$work/case/archive" --db "$work/case/check" --mode apply --json
[ "$status" -eq 0 ] && [ "$(json_field stateCommitment "$work/out")" = "$commitment" ] && [ "$(json_field headBlock "$work/out")" = "$head" ] \
    || loss "two writers: the archive does not rebuild the store"

# --- Kills at random moments ------------------------------------------------------------------------------
# Blocks are a function of (seed, number), so a killed and resumed run must end exactly where one run ends.
target=30
rm -rf "$work/whole"
invoke run --db "$work/whole/db" --blocks $target --json "${common[@]}"
expected=$(json_field stateCommitment "$work/out")
for i in $(seq 1 "$kills"); do
    rm -rf "$work/kill"
    "$binary" run --db "$work/kill/db" --archive "$work/kill/archive" --blocks $target "${common[@]}" >/dev/null 2>&1 &
    pid=$!
    sleep "0.$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    head=0
    [ -e "$work/kill/db/data.mdb" ] && { invoke inspect --db "$work/kill/db" --json; [ "$status" -eq 0 ] && head=$(json_field headBlock "$work/out"); }
    # The next run catches the store up with the archive first, so count from the archive's head.
    if [ -e "$work/kill/archive/manifest" ]; then
        invoke inspect --archive "$work/kill/archive" --json
        [ "$status" -eq 0 ] && [ -n "$(json_field headBlock "$work/out")" ] && [ "$(json_field headBlock "$work/out")" != null ] && head=$(json_field headBlock "$work/out")
    fi
    remaining=$((target - head))
    if [ "$remaining" -gt 0 ]; then
        invoke run --db "$work/kill/db" --archive "$work/kill/archive" --blocks $remaining --json "${common[@]}"
        classify "run killed at block $head, resumed"
        [ "$(json_field stateCommitment "$work/out")" = "$expected" ] || loss "run killed at block $head: resumed to $(json_field headBlock "$work/out") $(json_field stateCommitment "$work/out")"
    else
        cases=$((cases + 1)); succeeded=$((succeeded + 1))
    fi
    # Kill a replay of that archive, then resume it.
    rm -rf "$work/kill/replayed"
    "$binary" replay --archive "$work/kill/archive" --db "$work/kill/replayed" --mode execute --window 2 >/dev/null 2>&1 &
    pid=$!
    sleep "0.$(( RANDOM % 10 ))"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    invoke replay --archive "$work/kill/archive" --db "$work/kill/replayed" --json
    classify "replay killed, resumed"
    [ "$(json_field stateCommitment "$work/out")" = "$expected" ] || loss "replay killed and resumed: $(cat "$work/err")"
done

# --- Snapshot export onto directories ---------------------------------------------------------------------
rm -rf "$work/case"; cp -a "$work/base" "$work/case"
before=$(checksum "$work/case")
for target in "$work/case" "$work/case/db" "$work/case/archive" "$work/case/archive/ranges"; do
    invoke snapshot export --db "$work/case/db" --out "$target"
    classify "snapshot export onto $target"
    [ "$status" -ne 0 ] || loss "snapshot export replaced the directory $target"
done
[ "$(checksum "$work/case")" = "$before" ] || loss "snapshot export onto a directory changed files"

# --- A full disk --------------------------------------------------------------------------------------------
disk="$work/disk"
mkdir -p "$disk"
if mount -t tmpfs -o size=3m tmpfs "$disk" 2>/dev/null; then
    mounted="$disk"
    full=(--workload uniform --accounts 300 --block-size 200 --unsigned)
    invoke run --db "$disk/db" --archive "$disk/archive" --blocks 400 "${full[@]}"
    classify "run onto a full disk (3 MiB tmpfs)"
    if [ "$status" -ne 0 ]; then
        grep -q "disk is full\|No space left" "$work/err" || problems+=("NOTE full disk message: $(cat "$work/err")")
        mount -o remount,size=64m "$disk"
        invoke run --db "$disk/db" --archive "$disk/archive" --blocks 2 --json "${full[@]}"
        classify "run after space was freed"
        head=$(json_field headBlock "$work/out"); commitment=$(json_field stateCommitment "$work/out")
        invoke replay --archive "$disk/archive" --db "$disk/check" --mode apply --json
        [ "$status" -eq 0 ] && [ "$(json_field stateCommitment "$work/out")" = "$commitment" ] || loss "full disk: the archive does not rebuild the store"
    fi
    invoke snapshot export --db "$disk/db" --out "$disk/snap"
    umount "$disk"; mounted=""
else
    echo "hostile-input: cannot mount a tmpfs here; the full-disk case is left to the test suite's file-size limit"
fi

# --- A full standard error ------------------------------------------------------------------------------------
for arguments in "run --db $work/full --blocks 0" "inspect --db $work/none" "run --db $work/full --blocks 1 --accounts 50 --unsigned" "bench --accounts x"; do
    # shellcheck disable=SC2086
    "$binary" $arguments >/dev/null 2>/dev/full
    status=$?
    cases=$((cases + 1))
    if [ "$status" -ge 128 ]; then crashes=$((crashes + 1)); problems+=("CRASH 2>/dev/full: $arguments: status $status"); else clean=$((clean + 1)); fi
done

for problem in "${problems[@]}"; do echo "hostile-input: $problem"; done
echo "hostile-input: $cases cases: $succeeded succeeded, $clean clean errors, $crashes crashes, $lost data lost"
failed=$((crashes + lost))
echo "$((cases - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
