"""Helpers shared by the benchmark scripts: the platform line and where data lives."""

from __future__ import annotations

import platform
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def platform_line() -> str:
    """Machine, Python and library versions, printed first by every script."""
    libs = ", ".join(f"{name} {version(name)}" for name in ("news-dedupe", "numpy", "rapidfuzz", "datasketch"))
    machine = platform.processor() or platform.machine()
    return f"# {platform.platform()}, {machine}, Python {platform.python_version()}; {libs}"
