#!/usr/bin/env bash
# The pipeline's goals (issue "A pipelined block engine"), measured in one sitting with the release build:
# new blocks with and without an archive, signed blocks, execute- and apply-mode replay, merged ranges,
# archive size and peak memory. Usage: Scripts/pipeline-bench.sh [blocks] [accounts] [runs]
set -euo pipefail
blocks=${1:-100}
accounts=${2:-1000000}
runs=${3:-3}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
swift build -c release --product takeoff >/dev/null
takeoff=$(swift build -c release --show-bin-path)/takeoff
tps() { sed -n 's/.*"tps":\([0-9.]*\).*/\1/p' | cut -d. -f1; }
peak() { sed -n 's/.*Maximum resident set size (kbytes): //p'; }

echo "pipeline-bench: $blocks blocks of 10,000 unsigned uniform transfers over $accounts accounts, best of $runs"
for mode in archive store; do
  best=0
  for run in $(seq "$runs"); do
    rm -rf "$root/db" "$root/archive"
    extra=(); [ "$mode" = archive ] && extra=(--archive "$root/archive")
    rate=$("$takeoff" run --json --db "$root/db" "${extra[@]}" --accounts "$accounts" --blocks "$blocks" --block-size 10000 --unsigned | tps)
    echo "  run (the $mode is the log), run $run: $rate tx/s"
    [ "$rate" -gt "$best" ] && best=$rate
  done
  echo "run with the $mode as the log: best $best tx/s"
done
# The last archive run's archive is the replay's input.
rm -rf "$root/db"
"$takeoff" run --json --db "$root/db" --archive "$root/archive" --accounts "$accounts" --blocks "$blocks" --block-size 10000 --unsigned >/dev/null
"$takeoff" inspect --archive "$root/archive" | sed 's/^/  /'
for mode in execute apply; do
  best=0
  for run in $(seq "$runs"); do
    rm -rf "$root/replayed"
    /usr/bin/time -v -o "$root/time" "$takeoff" replay --json --db "$root/replayed" --archive "$root/archive" --mode "$mode" --no-merged-ranges > "$root/out" 2>/dev/null
    rate=$(tps < "$root/out")
    echo "  replay ($mode), run $run: $rate tx/s, peak RSS $(peak < "$root/time") kB"
    [ "$rate" -gt "$best" ] && best=$rate
  done
  echo "replay in $mode mode: best $best tx/s"
done
start=$(date +%s.%N)
"$takeoff" compact --archive "$root/archive" --range-blocks 100 >/dev/null
echo "compact into 100-block ranges: $(echo "$(date +%s.%N) - $start" | bc) s"
for run in $(seq "$runs"); do
  rm -rf "$root/replayed"
  echo "  replay (apply, merged ranges), run $run: $("$takeoff" replay --json --db "$root/replayed" --archive "$root/archive" --mode apply 2>/dev/null | tps) tx/s"
done
echo "signed: 20 blocks of 2,000 signed transfers over 10,000 accounts (as make run)"
for run in $(seq "$runs"); do
  rm -rf "$root/signed"
  "$takeoff" run --db "$root/signed" --accounts 10000 --blocks 20 --block-size 2000 | sed -n '2,3p' | sed 's/^/  /'
done
