"""`takeoff-cluster reconstruct`: the state after the archive's last block, in a new store, without executing.

Map: every range's change sets merged into one range file, one task per range. Reduce: the merged ranges
combined pairwise, in order, to one (a tree of depth ceil(log2(ranges)); merging is associative, so any grouping
gives the same result). Load: the genesis with the combined range applied, streamed into a new LMDB store in key
order, where the store recomputes the commitment and `takeoff` checks it against the archive's last header.
"""

import time

import ray

from . import tasks
from .binary import HISTORY_MISMATCH, InputRefused, run_takeoff
from .progress import RangeProgress


def reconstruct(job, ranges, db, stream):
    """Runs the reconstruction into `db` (which must not exist) and returns (exit status, summary)."""
    started = time.monotonic()
    merges = [tasks.merge_range.remote(job, block_range) for block_range in ranges]
    progress = RangeProgress(sum(r.blocks for r in ranges), len(ranges), stream)
    pending = dict(zip(merges, ranges))
    merged_results = {}
    while pending:
        [done], _ = ray.wait(list(pending), num_returns=1)
        block_range = pending.pop(done)
        result = ray.get(done)
        merged_results[block_range] = result
        progress.finished(block_range.blocks, result.get("transactions", 0), f"range {block_range.name} merged")
    map_seconds = time.monotonic() - started

    level = merges
    depth = 0
    while len(level) > 1:
        level = [tasks.combine_ranges.remote(job, *level[index:index + 2]) if index + 1 < len(level) else level[index] for index in range(0, len(level), 2)]
        depth += 1
    combined = ray.get(level[0])
    reduce_seconds = time.monotonic() - started - map_seconds

    summary = {
        "ranges": [{"range": r.name, "blocks": r.blocks, "transactions": merged_results[r].get("transactions"),
                    "changedKeys": merged_results[r].get("changedKeys"), "seconds": merged_results[r].get("seconds"),
                    "attempts": job.attempts(f"merge-{r.name}")} for r in ranges],
        "blocks": sum(r.blocks for r in ranges), "transactions": sum(merged_results[r].get("transactions", 0) for r in ranges),
        "mergeTreeDepth": depth, "mapSeconds": map_seconds, "reduceSeconds": reduce_seconds,
    }
    if combined["status"] != "ok":
        summary.update(status="mismatch", exitCode=2, mismatch={k: combined.get(k) for k in ("block", "field", "archived", "computed", "message")})
        return 2, summary

    load_started = time.monotonic()
    loaded = run_takeoff(job.binary, ["range", "apply", "--archive", job.archive, "--range", combined["path"], "--db", db])
    load_seconds = time.monotonic() - load_started
    seconds = time.monotonic() - started
    summary.update(loadSeconds=load_seconds, seconds=seconds, tps=summary["transactions"] / seconds if seconds > 0 else 0,
                   tpsBeforeLoad=summary["transactions"] / (map_seconds + reduce_seconds) if map_seconds + reduce_seconds > 0 else 0)
    if loaded["exitCode"] == HISTORY_MISMATCH:
        summary.update(status="mismatch", exitCode=2, mismatch={k: loaded.get(k) for k in ("block", "field", "archived", "computed", "message")})
        return 2, summary
    summary.update(status="ok", exitCode=0, db=db, headBlock=loaded["headBlock"], headHash=loaded["headHash"],
                   stateCommitment=loaded["stateCommitment"], entries=loaded["entries"], changedKeys=combined.get("changedKeys"))
    return 0, summary


def render(summary):
    if summary["status"] != "ok":
        mismatch = summary["mismatch"]
        return f"History mismatch: block {mismatch['block']}: {mismatch['message']}"
    return (
        f"Reconstructed block {summary['headBlock']} (hash {summary['headHash']}) into {summary['db']}: {summary['entries']} entries, "
        f"state commitment {summary['stateCommitment']}, the archive's last header\n"
        f"  {summary['blocks']} blocks, {summary['transactions']} transactions over {len(summary['ranges'])} ranges: map {summary['mapSeconds']:.2f} s, "
        f"reduce {summary['reduceSeconds']:.2f} s (merge tree depth {summary['mergeTreeDepth']}), load {summary['loadSeconds']:.2f} s; "
        f"{summary['tps']:,.0f} tx/s in all, {summary['tpsBeforeLoad']:,.0f} tx/s before the load")
