"""Helpers shared by the benchmark scripts: platform line, timing, data location."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def platform_line() -> str:
    """Machine, Python and library versions, printed first by every script."""
    libs = ", ".join(f"{name} {version(name)}" for name in ("news-dedupe", "numpy", "rapidfuzz", "datasketch"))
    machine = platform.processor() or platform.machine()
    return f"# {platform.platform()}, {machine}, Python {platform.python_version()}; {libs}"


def median_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Median wall time of ``repeats`` calls (these machines are noisy: never quote one run)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
