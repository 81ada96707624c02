"""Corpus mode at scale: a stream of documents through ``Deduper``, against baselines in the same run.

The benchmark corpus (``benchmarks/corpus.py``) is cut into documents of 25 paragraphs and
fed in order with the seen-before policy. Compared, each in its own process (clean peak
memory):

* ``deduper``: ``Deduper(policy="seen")`` in memory, then ``save()`` and a reload;
* ``within``: the same text as one document through ``dedupe_text`` (the core pipeline,
  which sees everything at once and so is the speed to aim for);
* ``jobs-N``: ``Deduper.feed_many(documents, jobs=N)``, for N from 1 to the number of cores
  (the speed-up per core count; the removals must equal ``deduper``'s);
* ``datasketch``: the stock streaming loop with datasketch (``MinHash.update_batch`` per
  paragraph, ``MinHashLSH.query``, rapidfuzz on every candidate, ``insert`` of the kept
  ones; ``benchmarks.baselines.datasketch_update_batch``), on the first ``--baseline``
  paragraphs because it is slow; its rate is compared with the deduper's;
* ``datatrove`` (optional, when datatrove is installed): datatrove's exact line deduplication
  across documents (its sentence deduplication splitting on lines, a match of one line; the
  three stages through its local executor, files in a temporary folder;
  ``benchmarks.baselines.datatrove_line_dedup`` says which options and how it differs) on the
  same stream of documents, timed end to end; its rate is compared with the deduper's;
* ``filed``: ``feed`` one document after another with the library as it was when issue 9
  asked for corpus mode four times as fast (:data:`FILED`, extracted from git into the
  cache, pure Python), skipped without git history.

The targets of issue 9 for corpus mode are printed last, each met or MISSED: ``feed_many``
with one job at least 4× the speed of ``filed`` and 0.8 of the speed of ``within``, and
faster than datatrove.

Run: ``python -m benchmarks.corpus_mode [--paragraphs N] [--baseline M]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks._common import CACHE, ROOT, package_at, platform_line
from benchmarks.run_one import cached_corpus

DOC_SIZE = 25
FILED = "105ab44"  # the code that issue 9 measured: the last commit before the work on it began

# ``feed`` one document after another with the package in the folder argv[1] (imported
# before any other: this process imports nothing of this checkout).
_FEED_WITH = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import dedupe
paragraphs = open(sys.argv[2], encoding="utf-8").read().split("\\n")
size = int(sys.argv[3])
start = time.perf_counter()
deduper, removed = dedupe.Deduper(), 0
for k in range(0, len(paragraphs), size):
    removed += len(deduper.feed("\\n".join(paragraphs[k : k + size]), doc_id=str(k // size)).removed)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "removed": removed, "paragraphs": len(paragraphs), "from": dedupe.__file__}))
"""


def measure(system: str, n: int, seed: int) -> dict[str, Any]:
    text_path, _ = cached_corpus(n, seed, CACHE)
    paragraphs = text_path.read_text(encoding="utf-8").split("\n")
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out: dict[str, Any] = {"system": system, "paragraphs": len(paragraphs)}
    start = time.perf_counter()
    if system == "within":
        from dedupe import dedupe_and_explain

        out["removed"] = len(dedupe_and_explain("\n".join(paragraphs)).removed)
    elif system.startswith("jobs-"):
        from dedupe import Deduper

        docs = (
            ("\n".join(paragraphs[k : k + DOC_SIZE]), str(k // DOC_SIZE)) for k in range(0, len(paragraphs), DOC_SIZE)
        )
        out["removed"] = sum(len(e.removed) for e in Deduper().feed_many(docs, jobs=int(system[5:])))
    elif system == "datasketch":
        from benchmarks.baselines import datasketch_update_batch

        out["removed"] = len(datasketch_update_batch(paragraphs))
    elif system == "datatrove":
        from benchmarks.baselines import datatrove_line_dedup

        # With one worker datatrove runs its stages in this process, so the peak is theirs; each executor
        # also starts a multiprocess Manager (a small server process), which is not counted.
        texts = ["\n".join(paragraphs[k : k + DOC_SIZE]) for k in range(0, len(paragraphs), DOC_SIZE)]
        out["removed"] = sum(len(lines) for lines in datatrove_line_dedup(texts))
        out["version"] = version("datatrove")
    else:
        from dedupe import Deduper

        deduper = Deduper()
        removed = 0
        for k in range(0, len(paragraphs), DOC_SIZE):
            doc = "\n".join(paragraphs[k : k + DOC_SIZE])
            removed += len(deduper.feed(doc, doc_id=str(k // DOC_SIZE)).removed)
        out["removed"] = removed
        out["seconds"] = time.perf_counter() - start
        stats = deduper.stats()
        out["entries"], out["index_bytes"] = stats.entries, stats.bytes
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "index.npz"
            t = time.perf_counter()
            deduper.save(path)
            out["save_seconds"] = time.perf_counter() - t
            out["file_bytes"] = path.stat().st_size
            t = time.perf_counter()
            Deduper(index=path)
            out["load_seconds"] = time.perf_counter() - t
    out.setdefault("seconds", time.perf_counter() - start)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["import_and_corpus_mb"] = baseline_rss / 1024
    return out


def at_filing(n: int, seed: int) -> dict[str, Any] | None:
    """``feed`` one by one with the code of :data:`FILED`, in a fresh process; ``None`` without git history."""
    tree = package_at(FILED)
    if tree is None:
        return None
    text_path, _ = cached_corpus(n, seed, CACHE)
    command = [sys.executable, "-c", _FEED_WITH, str(tree), str(text_path), str(DOC_SIZE)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not out["from"].startswith(str(tree)):
        raise RuntimeError(f"the code of {FILED} was not the one imported: {out['from']}")
    return out


def run(system: str, n: int, seed: int) -> dict[str, Any]:
    """Run one system in a fresh process and return what it printed."""
    command = [sys.executable, "-m", "benchmarks.corpus_mode", "--one", system, "--paragraphs", str(n)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000, help="paragraphs for the datasketch loop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.paragraphs, args.seed)))
        return 0
    # Imported here, not at the top: a measured process (--one) imports only what its system needs.
    from benchmarks.baselines import DATATROVE_INSTALL, datatrove_missing

    print(platform_line())
    deduper = run("deduper", args.paragraphs, args.seed)
    within = run("within", args.paragraphs, args.seed)
    small = run("deduper", args.baseline, args.seed)
    stock = run("datasketch", args.baseline, args.seed)
    trove = run("datatrove", args.paragraphs, args.seed) if datatrove_missing() is None else None
    rate = {name: r["paragraphs"] / r["seconds"] for name, r in (("deduper", deduper), ("within", within))}
    print(f"\n{args.paragraphs:,} paragraphs in documents of {DOC_SIZE}, fed in order (seen-before policy):\n")
    print("| system | paragraphs | seconds | paragraphs/s | removed | peak MB |")
    print("|---|---:|---:|---:|---:|---:|")
    first = [("Deduper, in memory", deduper), ("within one document", within)]
    if trove is not None:
        first.append((f"datatrove {trove['version']} exact line dedup", trove))
    for name, r in first:
        row = f"| {name} | {r['paragraphs']:,} | {r['seconds']:.2f} | {r['paragraphs'] / r['seconds']:,.0f} |"
        print(f"{row} {r['removed']:,} | {r['peak_mb']:,.0f} |")
    for name, r in (("Deduper, in memory", small), ("datasketch streaming loop", stock)):
        row = f"| {name} | {r['paragraphs']:,} | {r['seconds']:.2f} | {r['paragraphs'] / r['seconds']:,.0f} |"
        print(f"{row} {r['removed']:,} | {r['peak_mb']:,.0f} |")
    print()
    print(f"Deduper vs the datasketch loop ({args.baseline:,} paragraphs): {stock['seconds'] / small['seconds']:.1f}x")
    print(f"Deduper vs one document (same text): {rate['deduper'] / rate['within']:.2f} of its speed")
    print(f"\nfeed_many, the same stream, by jobs (this machine has {os.cpu_count()} cores):\n")
    print("| jobs | seconds | paragraphs/s | speed-up over 1 job | removed |")
    print("|---:|---:|---:|---:|---:|")
    by_jobs = {j: run(f"jobs-{j}", args.paragraphs, args.seed) for j in range(1, max(2, os.cpu_count() or 1) + 1)}
    for j, r in by_jobs.items():
        speed = by_jobs[1]["seconds"] / r["seconds"]
        print(f"| {j} | {r['seconds']:.2f} | {r['paragraphs'] / r['seconds']:,.0f} | {speed:.2f}x | {r['removed']:,} |")
        if r["removed"] != deduper["removed"]:
            print(f"**jobs={j} removed {r['removed']:,}, feed one by one {deduper['removed']:,}: they must be equal**")
            return 1
    print()
    if trove is None:
        print(f"datatrove not installed ({DATATROVE_INSTALL}): baseline skipped")
    else:
        for j, r in by_jobs.items():
            speed = trove["seconds"] / r["seconds"]
            print(f"feed_many, {j} job(s), vs datatrove exact line dedup (same stream): {speed:.2f}x its speed")
    entries = deduper["entries"]
    print(
        f"Index: {entries:,} entries, {deduper['index_bytes'] / entries:,.0f} bytes each in memory "
        f"(peak for the process {deduper['peak_mb']:,.0f} MB, of which {deduper['import_and_corpus_mb']:,.0f} MB "
        f"imports and corpus); file {deduper['file_bytes'] / entries:,.0f} bytes each, "
        f"saved in {deduper['save_seconds']:.2f} s, loaded in {deduper['load_seconds']:.2f} s"
    )
    filed = at_filing(args.paragraphs, args.seed)
    if filed is not None:
        print(
            f"\nfeed one by one with the code of {FILED} (when issue 9 was filed): {filed['seconds']:.2f} s, "
            f"{filed['removed']:,} removed (today's rules remove {deduper['removed']:,})"
        )
    print("\n## Targets (issue 9, corpus mode: seen, documents of 25, in memory, one job)\n")
    one_job = by_jobs[1]["seconds"]
    targets = {"0.8 of the speed of the same text as one document": (within["seconds"] / one_job, 0.8)}
    if filed is not None:
        targets[f"4x the speed of {FILED}'s feed"] = (filed["seconds"] / one_job, 4.0)
    if trove is not None:
        targets["faster than datatrove's exact line dedup"] = (trove["seconds"] / one_job, 1.0)
    for name, (got, wanted) in targets.items():
        print(f"- {'met' if got >= wanted else 'MISSED'}: {name}: {got:.2f}x (feed_many {one_job:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
