#!/usr/bin/env python3
"""Draws the plots of a `takeoff bench --sweep` from the sweep.json in DIRECTORY, as SVG and PNG beside it.

  speedup-vs-threads   speed-up against threads, a line per contention level, a panel per work level
  speedup-vs-work      speed-up against work per transaction, a line per contention level, a panel per thread count
  mainnet-blocks       each mainnet block's measured speed-up against its ideal one, a panel per thread count

Solid lines and dots are measured; dotted lines are the ideal speed-up the blocks' dependencies allow.
Usage: plot-sweep.py DIRECTORY (needs matplotlib: `make plot-tools`).
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def save(figure, directory, name):
    for extension in ("svg", "png"):
        path = os.path.join(directory, f"{name}.{extension}")
        if os.path.exists(path):
            sys.exit(f"plot-sweep.py: {path} exists already; plot into a directory without earlier plots")
        figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)


def threads_label(count):
    return "1 thread" if count == 1 else f"{count} threads"


def work_label(micros):
    return "no work" if micros == 0 else f"{micros:g} µs work"


def panels(count):
    columns = min(count, 2)
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(6.5 * columns, 4.2 * rows), squeeze=False, layout="constrained")
    flat = [axis for row in axes for axis in row]
    for axis in flat[count:]:
        axis.set_visible(False)
    return figure, flat[:count]


def draw_series(axis, xs, points, color, label):
    """A level's measured speed-ups (dots and a solid line) and its ideal ones (dotted), in one color."""
    axis.plot(xs, [p["ratio"] for p in points], "o-", color=color, label=label)
    axis.plot(xs, [p["idealSpeedup"] for p in points], ":", color=color)


def finish_axis(axis, xlabel, title):
    axis.set_xlabel(xlabel)
    axis.set_ylabel("speed-up over sequential")
    axis.set_title(title)
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")


def ordered_levels(points):
    levels = []
    for point in points:
        if point["contention"] != "mainnet" and point["contention"] not in levels:
            levels.append(point["contention"])
    return levels


def speedup_against_threads(report, directory):
    settings = report["settings"]
    levels = ordered_levels(report["points"])
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    figure, axes = panels(len(settings["workMicroseconds"]))
    for axis, micros in zip(axes, settings["workMicroseconds"]):
        for index, level in enumerate(levels + ["mainnet"] if micros == 0 else levels):
            points = [p for p in report["points"] if p["contention"] == level and p["workMicroseconds"] == micros]
            points.sort(key=lambda p: p["threads"])
            if not points:
                continue
            draw_series(axis, [p["threads"] for p in points], points, colors[index % len(colors)], level)
        axis.axhline(1, color="grey", linewidth=0.8)
        axis.axhline(report["processors"], color="grey", linewidth=0.8, linestyle="--", label="processors")
        axis.set_xscale("log", base=2)
        axis.set_xticks(settings["threads"], [str(t) for t in settings["threads"]])
        finish_axis(axis, "worker threads", work_label(micros))
    figure.suptitle(f"Takeoff: speed-up against threads ({report['processors']} processors; dotted: ideal)")
    save(figure, directory, "speedup-vs-threads")


def speedup_against_work(report, directory):
    settings = report["settings"]
    levels = ordered_levels(report["points"])
    works = settings["workMicroseconds"]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    figure, axes = panels(len(settings["threads"]))
    for axis, threads in zip(axes, settings["threads"]):
        for index, level in enumerate(levels):
            points = [p for p in report["points"] if p["contention"] == level and p["threads"] == threads]
            points.sort(key=lambda p: p["workMicroseconds"])
            positions = [works.index(p["workMicroseconds"]) for p in points]
            draw_series(axis, positions, points, colors[index % len(colors)], level)
        axis.axhline(1, color="grey", linewidth=0.8)
        if threads > report["processors"]:
            axis.axhline(report["processors"], color="grey", linewidth=0.8, linestyle="--", label="processors")
        axis.set_xticks(range(len(works)), [f"{w:g}" for w in works])
        finish_axis(axis, "work per transaction (µs)", threads_label(threads))
    figure.suptitle(f"Takeoff: speed-up against work per transaction ({report['processors']} processors; dotted: ideal)")
    save(figure, directory, "speedup-vs-work")


def mainnet_blocks(report, directory):
    points = sorted((p for p in report["points"] if p["contention"] == "mainnet"), key=lambda p: p["threads"])
    if not points:
        return
    figure, axes = panels(len(points))
    for axis, point in zip(axes, points):
        blocks = point["perBlock"]
        numbers = [b["block"] for b in blocks]
        axis.bar(numbers, [b["idealSpeedup"] for b in blocks], color="#cfd8e3", label="ideal (list schedule)")
        axis.plot(numbers, [b["measuredSpeedup"] for b in blocks], "o", markersize=3, color="#c0392b", label="measured")
        axis.axhline(1, color="grey", linewidth=0.8)
        title = f"{threads_label(point['threads'])}: {point['ratio']:.2f}x, ideal {point['idealSpeedup']:.2f}x"
        finish_axis(axis, "mainnet block (trace order)", title)
    figure.suptitle("Takeoff: each mainnet block's measured speed-up against its ideal one")
    save(figure, directory, "mainnet-blocks")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot-sweep.py DIRECTORY (the --output of takeoff bench --sweep)")
    directory = sys.argv[1]
    path = os.path.join(directory, "sweep.json")
    try:
        with open(path) as file:
            report = json.load(file)
    except (OSError, ValueError) as error:
        sys.exit(f"plot-sweep.py: cannot read {path}: {error}")
    speedup_against_threads(report, directory)
    speedup_against_work(report, directory)
    mainnet_blocks(report, directory)


if __name__ == "__main__":
    main()
