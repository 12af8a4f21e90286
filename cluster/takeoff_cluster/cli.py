"""The `takeoff-cluster` command."""

import argparse
import json
import os
import secrets
import sys

from . import faults
from .binary import InputRefused, MachineFailure, absolute_binary, archive_head
from .plan import Job, make_work_directory, remove_work_directory, split

EXIT_STATUS = """exit status: 0 done; 2 the history is wrong (the first bad block is named, with both values);
3 the input cannot be used (a damaged archive, a bad argument); 1 a failure that retries did not get past
(a task's process or worker died more often than --retries allows, an I/O error)."""


def parser():
    top = argparse.ArgumentParser(
        prog="takeoff-cluster",
        description="Verify or reconstruct a Takeoff block archive range by range on a Ray cluster, one `takeoff` process per task.",
        epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--address", help="a running Ray cluster (ray start --head); default: start one on this machine")
    top.add_argument("--cpus", type=int, help="with a cluster started here: the CPUs it may use (default: all)")
    top.add_argument("--binary", default=os.environ.get("TAKEOFF_BINARY", "takeoff"),
                     help="the takeoff binary, at a path every worker sees (default: $TAKEOFF_BINARY, or `takeoff` on PATH)")
    top.add_argument("--work", help="the job's work directory, new, on a file system every worker sees (default: a new "
                                    "temporary directory, which only a cluster on one machine sees); removed at the end")
    top.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    top.add_argument("--inject-fault", action="append", default=[], metavar="KIND:TASK",
                     help="for tests: kill-process or kill-worker on the first attempt of a task (e.g. kill-worker:verify-5-8)")
    commands = top.add_subparsers(dest="command", required=True)

    verify = commands.add_parser("verify", help="re-execute every block, one range per task, from checkpoints made in parallel",
                                 epilog=EXIT_STATUS)
    verify.add_argument("--archive", required=True, help="the block archive, at a path every worker sees (read only)")
    verify.add_argument("--ranges", type=int, required=True, help="how many ranges (tasks) to split blocks 1...head into")
    verify.add_argument("--threads", type=int, default=1, help="executor threads per task (default 1: one task per core)")

    reconstruct = commands.add_parser("reconstruct", help="the state after the last block in a new store, from merged change sets",
                                      epilog=EXIT_STATUS)
    reconstruct.add_argument("--archive", required=True, help="the block archive, at a path every worker sees (read only)")
    reconstruct.add_argument("--ranges", type=int, required=True, help="how many ranges to merge independently")
    reconstruct.add_argument("--db", required=True, help="the new state store to load (must not exist), on this machine")
    return top


def main(argv=None):
    arguments = parser().parse_args(argv)
    try:
        return run(arguments)
    except InputRefused as error:
        print(f"takeoff-cluster: {error}", file=sys.stderr)
        if arguments.json:
            print(json.dumps({"status": "bad-input", "exitCode": 3, "message": str(error)}))
        return 3
    except (MachineFailure, FileExistsError, OSError) as error:
        print(f"takeoff-cluster: {error}", file=sys.stderr)
        if arguments.json:
            print(json.dumps({"status": "failed", "exitCode": 1, "message": str(error)}))
        return 1


def run(arguments):
    if arguments.ranges < 1:
        raise InputRefused(f"--ranges must be at least 1, got {arguments.ranges}")
    if arguments.command == "verify" and arguments.threads < 1:
        raise InputRefused(f"--threads must be at least 1, got {arguments.threads}")
    try:
        injected = tuple(faults.parse(text) for text in arguments.inject_fault)
    except ValueError as error:
        raise InputRefused(str(error))
    binary = absolute_binary(_on_path(arguments.binary))
    archive = os.path.abspath(arguments.archive)
    if arguments.command == "reconstruct":
        db = os.path.abspath(arguments.db)
        if os.path.exists(db):
            raise InputRefused(f"{db} exists: reconstruct loads a new store only")
    head = archive_head(binary, archive)
    if head.get("firstBlock") != 0:
        raise InputRefused(f"the archive {archive} does not start at genesis (block 0): its first block is {head.get('firstBlock')}")
    ranges = split(1, head["headBlock"], arguments.ranges)
    if not ranges:
        raise InputRefused(f"the archive {archive} holds no block after genesis")

    if not arguments.address:
        _private_token()  # before Ray is imported: it reads its settings once
    import ray  # here, so that `--help` and argument errors do not wait for Ray

    work, owned = make_work_directory(arguments.work)
    try:
        try:
            if arguments.address:
                ray.init(address=arguments.address, logging_level="ERROR", log_to_driver=False)
            else:
                ray.init(num_cpus=arguments.cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        except Exception as error:  # Ray raises several kinds (connection, authentication, timeouts): all this machine's
            where = f"the Ray cluster at {arguments.address}" if arguments.address else "a local Ray cluster"
            raise MachineFailure(f"could not join {where}: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
        job = Job(binary=binary, archive=archive, work=work, threads=getattr(arguments, "threads", 1), faults=injected)
        if arguments.command == "verify":
            from .verify import render, verify
            status, summary = verify(job, ranges, sys.stderr)
        else:
            from .reconstruct import reconstruct, render
            status, summary = reconstruct(job, ranges, db, sys.stderr)
        summary["retries"] = _retries(job)
        print(json.dumps(summary, sort_keys=True) if arguments.json else render(summary))
        return status
    finally:
        if ray.is_initialized():
            ray.shutdown()
        if owned:
            remove_work_directory(work)


def _private_token():
    """A cluster started for this command authenticates with a token of its own, held in the environment that its
    processes inherit: Ray would otherwise write one to ~/.ray/auth_token. An operator's own settings win."""
    if "RAY_AUTH_MODE" not in os.environ and "RAY_AUTH_TOKEN" not in os.environ:
        os.environ["RAY_AUTH_MODE"] = "token"
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)


def _retries(job):
    """Attempts past the first, per task, from the job's attempt counts."""
    directory = job.path("attempts")
    if not os.path.isdir(directory):
        return {}
    return {label: job.attempts(label) - 1 for label in sorted(os.listdir(directory)) if job.attempts(label) > 1}


def _on_path(binary):
    if os.sep in binary:
        return binary
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, binary)
        if os.access(candidate, os.X_OK):
            return candidate
    return binary


if __name__ == "__main__":
    sys.exit(main())
