"""Helpers shared by the benchmark scripts: the platform line and where data lives."""

from __future__ import annotations

import os
import platform
import subprocess
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"  # the committed figures (latest.*, redis_index.json)
RUNS = RESULTS / "runs"  # every run's stamped files; not committed
CACHE = RESULTS / "cache"  # generated corpora; not committed
# The real pages of the article extraction benchmark: DEDUPE_PAGES, else the shared data beside the checkout.
PAGES = Path(
    os.environ.get("DEDUPE_PAGES") or ROOT.parent / "shared" / "data" / "article-extraction-benchmark" / "pages.jsonl"
)
MISSING_PAGES = "is not there: pass --data PATH (or set DEDUPE_PAGES) to the benchmark's pages.jsonl"


def platform_line() -> str:
    """Machine, Python and library versions, printed first by every script."""
    libs = ", ".join(f"{name} {version(name)}" for name in ("news-dedupe", "numpy", "rapidfuzz", "datasketch"))
    machine = platform.processor() or platform.machine()
    return f"# {platform.platform()}, {machine}, Python {platform.python_version()}; {libs}"


def package_at(commit: str) -> Path | None:
    """A folder holding the ``dedupe`` package as it was at ``commit`` (extracted once into the cache,
    pure Python: no compiled module is built), to run beside this code; ``None`` without git history."""
    target = CACHE / f"baseline-{commit}"
    if (target / "dedupe" / "__init__.py").exists():
        return target
    with tempfile.TemporaryFile() as archive:
        done = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "dedupe"], stdout=archive, check=False)
        if done.returncode:
            return None
        archive.seek(0)
        partial = target.with_suffix(".part")
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(partial, filter="data")
    partial.replace(target)
    return target
