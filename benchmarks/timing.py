"""Shared timing helper for the benchmarks."""

from __future__ import annotations

import statistics
import time


def median_time(fn, runs: int) -> tuple[float, object]:
    """Median seconds of `runs` calls of `fn`, and the last call's result."""
    times, last = [], None
    for _ in range(runs):
        t = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), last
