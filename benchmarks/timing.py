"""Shared timing helper for the benchmarks."""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path


def median_time(fn, runs: int) -> tuple[float, object]:
    """Median seconds of `runs` calls of `fn`, and the last call's result."""
    times, last = [], None
    for _ in range(runs):
        t = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), last


def machine_load() -> str:
    """`uptime`, to note how busy the shared machine was."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def publish(lines: list[str], out: Path | None) -> None:
    """Print the Markdown report and, with `out`, write it there."""
    text = "\n".join(lines)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    print(text)
