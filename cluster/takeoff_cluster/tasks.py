"""The Ray tasks. Each runs one `takeoff` command in a scratch directory of its own (removed when it ends) and
returns a small dict; what tasks hand each other (range files, checkpoints) goes to the job's work directory under
a name of its own, moved there only once whole, so that a retried task finds either nothing or the finished file.

A `MachineFailure` (a killed process, an I/O error) and a dead worker are retried (`max_retries`); a history
mismatch is a result, returned and never retried; `InputRefused` is raised to the driver and not retried.
"""

import os
import shutil
import time

import ray

from . import faults
from .binary import HISTORY_MISMATCH, MachineFailure, run_takeoff

# Each task is one single-threaded `takeoff` process unless the job asks for more.
RETRIES = 3


def _task(function):
    return ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=[MachineFailure])(function)


def _attempt(job, label, body):
    """Runs `body(scratch, on_start)` as one attempt of task `label`: counted, faults injected, scratch removed."""
    job.record_attempt(label)
    faults.before_run(job, label)
    scratch = job.scratch(label)
    try:
        return body(scratch, faults.on_start(job, label))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _publish(scratch_file, final):
    """Moves a finished output into the work directory (a retry after the move finds it there already)."""
    os.makedirs(os.path.dirname(final), exist_ok=True)
    os.replace(scratch_file, final)
    return final


@_task
def verify_range(job, block_range, checkpoint):
    """Re-executes `block_range` from `checkpoint` (None: the archive's genesis) into a scratch store."""
    label = f"verify-{block_range.name}"
    if checkpoint is not None and checkpoint["status"] != "ok":
        return {"range": block_range.name, "status": "not-run", "reason": checkpoint.get("message", "its checkpoint failed")}

    def body(scratch, on_start):
        arguments = [
            "replay", "--archive", job.archive, "--db", os.path.join(scratch, "db"), "--mode", "execute",
            "--from", str(block_range.first), "--to", str(block_range.last), "--threads", str(job.threads),
        ]
        if checkpoint is not None:
            arguments += ["--snapshot", checkpoint["path"]]
        started = time.monotonic()
        result = run_takeoff(job.binary, arguments, on_start=on_start)
        result["wallSeconds"] = time.monotonic() - started
        return result

    result = _attempt(job, label, body)
    result["range"] = block_range.name
    result["status"] = "mismatch" if result["exitCode"] == HISTORY_MISMATCH else "ok"
    return result


def _produce(job, label, final, arguments, failed="mismatch"):
    """One attempt of a task whose output is the file `final` in the work directory: `arguments(output)` is the
    `takeoff` command that writes it into the attempt's scratch directory. A finished file from an earlier attempt
    is the result; a history mismatch is returned with status `failed`."""

    def body(scratch, on_start):
        if os.path.exists(final):
            return {"status": "ok", "path": final, "retried": True}
        output = os.path.join(scratch, os.path.basename(final))
        result = run_takeoff(job.binary, arguments(output), on_start=on_start)
        if result["exitCode"] == HISTORY_MISMATCH:
            return dict(result, status=failed)
        return dict(result, status="ok", path=_publish(output, final))

    return _attempt(job, label, body)


@_task
def merge_range(job, block_range):
    """Merges the change sets of `block_range` into a range file in the work directory."""
    result = _produce(
        job, f"merge-{block_range.name}", job.path("ranges", f"range-{block_range.name}.tkr"),
        lambda output: ["range", "merge", "--archive", job.archive, "--from", str(block_range.first), "--to", str(block_range.last),
                        "--out", output])
    return dict(result, range=block_range.name)


@_task
def combine_ranges(job, *parts):
    """Combines consecutive range files (the results of `merge_range` or of earlier combines, passed one argument
    each so that Ray waits for them) into one."""
    failed = next((part for part in parts if part["status"] != "ok"), None)
    if failed is not None:
        return failed
    name = f"{parts[0]['range'].split('-')[0]}-{parts[-1]['range'].split('-')[1]}"
    result = _produce(
        job, f"combine-{name}", job.path("ranges", f"range-{name}.tkr"),
        lambda output: ["range", "combine", *[part["path"] for part in parts], "--out", output])
    return dict(result, range=name)


@_task
def make_checkpoint(job, base, merged):
    """The state after `merged` (a `merge_range` result), from `base` (an earlier checkpoint, or None for the
    genesis), written as a snapshot in the work directory: the checkpoint the next range starts from."""
    if merged["status"] != "ok":
        return dict(merged, status="failed", message=f"range {merged['range']} could not be merged: {merged.get('message', '')}")
    if base is not None and base["status"] != "ok":
        return dict(base, status="failed")
    last = merged["range"].split("-")[1]

    def arguments(output):
        command = ["range", "apply", "--archive", job.archive, "--range", merged["path"], "--out", output]
        return command + (["--snapshot", base["path"]] if base is not None else [])

    result = _produce(job, f"checkpoint-{last}", job.path("checkpoints", f"state-{last}.snapshot"), arguments, failed="failed")
    return dict(result, block=int(last))
