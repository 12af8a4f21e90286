"""`takeoff-cluster verify`: checkpoints, then one task per range re-executing it with the `takeoff` binary.

The ranges after the first start from checkpoints, which are produced in parallel too: every range but the last
is merged independently (its change sets into one range file), then each checkpoint is the one before it with the
next merged range applied (a prefix over the merged ranges; the first starts from the archive's genesis). Each
range's verification starts as soon as its checkpoint exists, so the first range runs from the start.
"""

import time

import ray

from . import tasks
from .binary import InputRefused, MachineFailure
from .progress import RangeProgress, table


def verify(job, ranges, stream):
    """Runs the verification and returns (exit status, summary)."""
    started = time.monotonic()
    merges = [tasks.merge_range.remote(job, block_range) for block_range in ranges[:-1]]
    checkpoints = [None]
    for merged in merges:
        checkpoints.append(tasks.make_checkpoint.remote(job, checkpoints[-1], merged))
    pending = {tasks.verify_range.remote(job, block_range, checkpoint): block_range for block_range, checkpoint in zip(ranges, checkpoints)}
    progress = RangeProgress(sum(r.blocks for r in ranges), len(ranges), stream)
    results = {}
    try:
        while pending:
            [done], _ = ray.wait(list(pending), num_returns=1)
            block_range = pending.pop(done)
            result = _outcome(done, block_range)
            results[block_range] = result
            progress.finished(block_range.blocks, result.get("transactions", 0), f"range {block_range.name} {result['status']}")
    except InputRefused:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    seconds = time.monotonic() - started
    checkpoint_results = [_outcome(ref, None) for ref in checkpoints[1:]]
    return _summary(job, ranges, results, checkpoint_results, seconds)


def _outcome(ref, block_range):
    """A task's result, or a failure record when its retries ran out (InputRefused is raised on)."""
    try:
        return ray.get(ref)
    except InputRefused:
        raise
    except (MachineFailure, ray.exceptions.RayError) as error:
        message = str(error).strip().splitlines()
        return {"status": "failed", "message": message[-1] if message else repr(error), "range": block_range.name if block_range else None}


def _summary(job, ranges, results, checkpoint_results, seconds):
    rows = []
    mismatches = []
    transactions = 0
    for block_range in ranges:
        result = results[block_range]
        status = result["status"]
        transactions += result.get("transactions", 0) if status == "ok" else 0
        if status == "mismatch":
            mismatches.append(result)
        wall = result.get("wallSeconds")
        rows.append({
            "range": block_range.name, "blocks": block_range.blocks, "transactions": result.get("transactions"),
            "status": status, "seconds": wall, "tps": result.get("tps"), "attempts": job.attempts(f"verify-{block_range.name}"),
            "headBlock": result.get("headBlock"), "stateCommitment": result.get("stateCommitment"),
            "badBlock": result.get("block") if status == "mismatch" else None, "message": result.get("message"),
        })
    first_bad = min(mismatches, key=lambda result: result.get("block", 1 << 64)) if mismatches else None
    failed = [row for row in rows if row["status"] in ("failed", "not-run")]
    if first_bad is not None:
        exit_status, status = 2, "mismatch"
    elif failed:
        exit_status, status = 1, "failed"
    else:
        exit_status, status = 0, "ok"
    last = rows[-1] if rows else {}
    summary = {
        "status": status, "exitCode": exit_status, "ranges": rows, "blocks": sum(r.blocks for r in ranges),
        "transactions": transactions, "seconds": seconds, "tps": transactions / seconds if seconds > 0 else 0,
        "firstBadBlock": first_bad.get("block") if first_bad else None,
        "mismatch": {key: first_bad.get(key) for key in ("block", "field", "archived", "computed", "message")} if first_bad else None,
        "headBlock": last.get("headBlock") if status == "ok" else None,
        "stateCommitment": last.get("stateCommitment") if status == "ok" else None,
        "checkpoints": [
            {"block": result.get("block"), "status": result["status"], "seconds": result.get("seconds"), "message": result.get("message")}
            for result in checkpoint_results
        ],
    }
    return exit_status, summary


def render(summary):
    """The summary as text: the table of ranges, then the verdict."""
    rows = [
        [row["range"], row["blocks"], row["transactions"] if row["transactions"] is not None else "-", row["status"],
         f"{row['seconds']:.2f}" if row["seconds"] is not None else "-", f"{row['tps']:,.0f}" if row.get("tps") else "-", row["attempts"]]
        for row in summary["ranges"]
    ]
    lines = [table(["range", "blocks", "transactions", "status", "seconds", "tx/s", "attempts"], rows)]
    if summary["status"] == "ok":
        lines.append(
            f"Verified blocks {summary['ranges'][0]['range'].split('-')[0]}...{summary['headBlock']}: {summary['transactions']} transactions "
            f"in {summary['seconds']:.2f} s ({summary['tps']:,.0f} tx/s), {len(summary['checkpoints'])} checkpoints; "
            f"state commitment {summary['stateCommitment']}")
    elif summary["status"] == "mismatch":
        mismatch = summary["mismatch"]
        lines.append(f"History mismatch: block {mismatch['block']}: {mismatch['message']}")
    else:
        for row in summary["ranges"]:
            if row["status"] in ("failed", "not-run"):
                lines.append(f"Range {row['range']} {row['status']}: {row['message']}")
    return "\n".join(lines)
