"""Runs the `takeoff` binary, the unit of work of every task, and reads what its exit status says.

The binary separates three kinds of failure (see `takeoff --help`), and so do the tasks:

- exit 2, the history is wrong: a result, returned like a success and never retried (every machine would find
  the same block again);
- exit 3 or 64, the input cannot be used: `InputRefused`, never retried, ends the whole command;
- anything else, a signal included: `MachineFailure`, which Ray retries on another attempt.
"""

import json
import os
import subprocess

HISTORY_MISMATCH = 2
BAD_INPUT = 3
USAGE = 64


class MachineFailure(RuntimeError):
    """The run failed in a way another attempt, or another machine, may not: I/O, a full disk, a kill."""


class InputRefused(RuntimeError):
    """The binary refused its input (a damaged archive, a starting state that is not the archive's, a usage
    error): the same on every machine, so not retried."""


def run_takeoff(binary, arguments, on_start=None):
    """Runs `binary arguments --json` and returns the JSON object it printed last, with its `exitCode`.

    A history mismatch (exit 2) is returned too: its object names the first bad block and both values.
    `on_start`, if given, is called with the child process once it runs (the fault injection of the tests
    kills it from there).
    """
    command = [binary, *arguments, "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if on_start is not None:
        on_start(process)
    stdout, stderr = process.communicate()
    status = process.returncode
    last = _last_json(stdout)
    message = (stderr.strip().splitlines() or [f"exit status {status}"])[-1]
    if status == 0 or status == HISTORY_MISMATCH:
        if last is None:
            raise MachineFailure(f"{' '.join(command)}: exit {status} without a JSON line ({message})")
        last.setdefault("exitCode", status)
        return last
    if status in (BAD_INPUT, USAGE):
        raise InputRefused(f"{' '.join(command)}: {message}")
    how = f"killed by signal {-status}" if status < 0 else f"exit {status}"
    raise MachineFailure(f"{' '.join(command)}: {how}: {message}")


def _last_json(stdout):
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def archive_head(binary, archive):
    """The archive's first and last block and its transaction count, from `takeoff inspect --archive`."""
    summary = run_takeoff(binary, ["inspect", "--archive", archive])
    if summary.get("headBlock") is None:
        raise InputRefused(f"the archive {archive} holds no block")
    return summary


def absolute_binary(binary):
    """The binary's absolute path: Ray's workers do not start in the driver's directory."""
    path = os.path.abspath(binary)
    if not os.access(path, os.X_OK):
        raise InputRefused(f"no takeoff binary at {path} (swift build -c release, or --binary)")
    return path
