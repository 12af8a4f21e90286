"""How a history splits into ranges, and where a job keeps its files."""

import os
import shutil
import tempfile
from dataclasses import dataclass


@dataclass(frozen=True)
class BlockRange:
    """Blocks `first...last`, both included."""

    first: int
    last: int

    @property
    def blocks(self):
        return self.last - self.first + 1

    @property
    def name(self):
        return f"{self.first}-{self.last}"


def split(first, last, count):
    """`count` consecutive ranges covering blocks `first...last`, as even as whole blocks allow (fewer when there
    are fewer blocks than ranges)."""
    if first > last:
        return []
    blocks = last - first + 1
    count = max(1, min(count, blocks))
    ranges = []
    start = first
    for index in range(count):
        size = blocks // count + (1 if index < blocks % count else 0)
        ranges.append(BlockRange(start, start + size - 1))
        start += size
    return ranges


@dataclass(frozen=True)
class Job:
    """What every task of one command needs: the binary, the archive, and the job's work directory.

    The work directory holds what tasks hand each other (merged ranges, checkpoints); it must be a path every
    worker sees, as the archive must. Each task also makes a scratch directory of its own inside it, removed
    when the task ends. `faults` names faults to inject (tests only; see `faults.py`).
    """

    binary: str
    archive: str
    work: str
    threads: int = 1
    faults: tuple = ()

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def scratch(self, label):
        """A new scratch directory for one attempt of one task."""
        os.makedirs(self.path("scratch"), exist_ok=True)
        return tempfile.mkdtemp(prefix=f"{label}-", dir=self.path("scratch"))

    def record_attempt(self, label):
        """Counts an attempt of the task `label` (the summary shows retries)."""
        os.makedirs(self.path("attempts"), exist_ok=True)
        with open(self.path("attempts", label), "a") as log:
            log.write(f"{os.getpid()}\n")

    def attempts(self, label):
        try:
            with open(self.path("attempts", label)) as log:
                return sum(1 for _ in log)
        except FileNotFoundError:
            return 0


def make_work_directory(requested):
    """The job's work directory: `requested` (which must not exist, and is created), or a new temporary one.
    Returns the path and whether the caller owns it (and removes it at the end)."""
    if requested is None:
        return tempfile.mkdtemp(prefix="takeoff-cluster-"), True
    if os.path.exists(requested):
        raise FileExistsError(f"{requested} exists: name a new work directory (it is removed at the end)")
    os.makedirs(requested)
    return os.path.abspath(requested), True


def remove_work_directory(path):
    shutil.rmtree(path, ignore_errors=True)
