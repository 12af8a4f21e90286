"""Faults injected on purpose, so that the tests can prove that a killed process or a dead worker is retried to
the same result. A fault is `KIND:TASK`, where TASK is a task's label (`verify-5-8`, `merge-1-4`, ...) and KIND:

- `kill-process`: the first attempt's `takeoff` process is killed with SIGKILL as soon as it runs;
- `kill-worker`: the first attempt's Ray worker process exits at once, as a machine that dies would.

Each fires once per job: a marker file in the work directory says it has.
"""

import os
import signal

KINDS = ("kill-process", "kill-worker")


def parse(text):
    kind, _, task = text.partition(":")
    if kind not in KINDS or not task:
        raise ValueError(f"--inject-fault {text!r}: expected KIND:TASK with KIND one of {', '.join(KINDS)}")
    return (kind, task)


def _fires(job, kind, label):
    if (kind, label) not in job.faults:
        return False
    os.makedirs(job.path("faults"), exist_ok=True)
    try:
        descriptor = os.open(job.path("faults", f"{kind}-{label}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def before_run(job, label):
    """Called when a task starts: a `kill-worker` fault ends this worker process here."""
    if _fires(job, "kill-worker", label):
        os._exit(1)


def on_start(job, label):
    """The `on_start` hook for `run_takeoff`: a `kill-process` fault kills the child once it runs."""
    if not _fires(job, "kill-process", label):
        return None
    return lambda process: os.kill(process.pid, signal.SIGKILL)
