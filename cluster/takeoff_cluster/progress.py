"""Progress across ranges on standard error, and the summary table."""

import sys
import time


def duration(seconds):
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class RangeProgress:
    """One line per finished range: ranges and blocks done, the rate so far and the time left at that rate."""

    def __init__(self, total_blocks, total_ranges, stream=sys.stderr):
        self.total_blocks = total_blocks
        self.total_ranges = total_ranges
        self.blocks = 0
        self.transactions = 0
        self.ranges = 0
        self.started = time.monotonic()
        self.stream = stream

    def finished(self, blocks, transactions, what):
        self.ranges += 1
        self.blocks += blocks
        self.transactions += transactions
        elapsed = time.monotonic() - self.started
        rate = self.transactions / elapsed if elapsed > 0 else 0
        left = self.total_blocks - self.blocks
        eta = f", ETA {duration(left * elapsed / self.blocks)}" if self.blocks and left > 0 else ""
        print(
            f"takeoff-cluster: {what}; {self.ranges} of {self.total_ranges} ranges, {self.blocks} of {self.total_blocks} blocks, "
            f"{self.transactions} tx, {rate:,.0f} tx/s{eta}",
            file=self.stream, flush=True)


def table(headers, rows):
    """A Markdown table of `rows` (lists of cells)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(header)), *(len(row[index]) for row in cells)) if cells else len(str(header)) for index, header in enumerate(headers)]
    line = lambda row: "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |"
    return "\n".join([line([str(h) for h in headers]), "|" + "|".join("-" * (width + 2) for width in widths) + "|", *map(line, cells)])
