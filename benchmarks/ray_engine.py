"""The Ray engine against one local process, on the same generated corpus, with the same output.

The benchmark corpus (``benchmarks/corpus.py``, ``--paragraphs`` of it) is cut into
documents of 25 paragraphs on ``--sites`` sites, as JSON Lines records in ``--shards``
files. For each policy (seen before; boilerplate with N = 2), each in a fresh process:

* ``local``: ``dedupe-file --jsonl --site-field url`` over the files, output hashed as it
  comes through a pipe (:func:`benchmarks.memory.peak_of`), its peak memory and time;
* ``ray``: :func:`dedupe.engines.ray.run` on a Ray instance started on this machine with
  every core, its time from before ``ray.init`` to the last file renamed, the seconds of
  each stage, the bytes that went between the processes (what tasks sent back, and the
  merged store sent to each worker), the peak memory of this process (the driver) and of
  the busiest worker, and the SHA-256 of its output files joined in input order.

The two outputs must be byte-identical (the run stops otherwise). Printed: paragraphs per
second (in all, and per worker), the time against ``local``, the stages, bytes moved per
paragraph, and peak memory; ``--record`` writes them to ``results/ray_engine.json``.

Run: ``python -m benchmarks.ray_engine [--paragraphs N] [--policy seen|boilerplate|both] [--record]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import CACHE, RESULTS, ROOT, platform_line
from benchmarks.memory import peak_of
from benchmarks.run_one import cached_corpus

DOC_SIZE = 25
POLICIES = {"seen": ["--scope", "corpus"], "boilerplate": ["--boilerplate", "2"]}


def shards(n: int, sites: int, count: int) -> list[Path]:
    """The corpus's first ``n`` paragraphs as records of 25 in ``count`` files (written once into the cache)."""
    folder = CACHE / f"ray-{n}-{sites}-{count}-utf8"
    names = [folder / f"shard-{k:03d}.jsonl" for k in range(count)]
    if (folder / "done").exists():
        return names
    folder.mkdir(parents=True, exist_ok=True)
    text_path, _ = cached_corpus(n, 0, CACHE)
    paragraphs = text_path.read_text(encoding="utf-8").split("\n")
    documents = -(-len(paragraphs) // DOC_SIZE)
    per_file = -(-documents // count)
    for k, name in enumerate(names):
        with name.open("w", encoding="utf-8") as f:
            for d in range(k * per_file, min(documents, (k + 1) * per_file)):
                text = "\n".join(paragraphs[d * DOC_SIZE : (d + 1) * DOC_SIZE])
                record = {"id": f"doc-{d}", "url": f"https://site{d % sites}.example/{d}", "text": text}
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
    (folder / "done").write_text("")
    return names


def local(files: list[Path], policy: str) -> dict[str, Any]:
    digest = hashlib.sha256()
    command = [sys.executable, "-m", "dedupe", "-q", "--jsonl", *POLICIES[policy], "--site-field", "url"]
    command += map(str, files)
    peak, seconds, status = peak_of(command, digest.update)
    if status:
        raise RuntimeError(f"local run exited with {status}")
    return {"seconds": seconds, "peak_bytes": peak, "sha256": digest.hexdigest()}


def on_ray(files: list[Path], policy: str, parts: int | None) -> dict[str, Any]:
    """One Ray run in a fresh process (its own Ray instance); what it printed."""
    command = [sys.executable, "-m", "benchmarks.ray_engine", "--one", policy, *map(str, files)]
    if parts:
        command += ["--parts", str(parts)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"the Ray run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def one(policy: str, files: list[str], parts: int | None) -> dict[str, Any]:
    import ray

    from dedupe import jsonl, stages
    from dedupe.engines import ray as engine

    with tempfile.TemporaryDirectory(dir=CACHE) as out:
        start = time.perf_counter()
        cpus = os.cpu_count()
        ray.init(address="local", num_cpus=cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        started = time.perf_counter() - start
        summary = engine.run(
            files,
            out,
            policy=policy,  # type: ignore[arg-type]
            min_docs=2,
            options=stages.Options(fields=jsonl.Fields(site="url")),
            parts=parts,
        )
        seconds = time.perf_counter() - start
        ray.shutdown()
        digest = hashlib.sha256()
        for name in files:
            digest.update((Path(out) / Path(name).name).read_bytes())
    return {
        "seconds": seconds,
        "ray_start_seconds": started,
        "stages": summary.seconds,
        "parts": summary.parts,
        "workers": summary.workers,
        "moved_bytes": summary.moved,
        "store_bytes": summary.store,
        "worker_peak_bytes": summary.worker_peak,
        "driver_peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "paragraphs": summary.counts.paragraphs,
        "removed": summary.counts.removed,
        "entries": summary.entries,
        "sha256": digest.hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--parts", type=int, help="parts for the engine (default: the engine's)")
    parser.add_argument("--policy", choices=("seen", "boilerplate", "both"), default="both")
    parser.add_argument("--record", action="store_true", help="write the policies run into results/ray_engine.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.files, args.parts)))
        return 0
    print(platform_line())
    files = shards(args.paragraphs, args.sites, args.shards)
    size = sum(f.stat().st_size for f in files)
    what = f"{args.paragraphs:,} paragraphs in records of {DOC_SIZE}, {args.sites} sites"
    print(f"\n{what}, {len(files)} files, {size / 1e6:,.0f} MB\n")
    results: dict[str, Any] = {"paragraphs": args.paragraphs, "sites": args.sites, "files": len(files), "bytes": size}
    failed = False
    for policy in ("seen", "boilerplate") if args.policy == "both" else (args.policy,):
        here = local(files, policy)
        there = on_ray(files, policy, args.parts)
        same = here["sha256"] == there["sha256"]
        failed |= not same
        results[policy] = {"local": here, "ray": there, "identical": same, "at": time.strftime("%Y-%m-%d %H:%M")}
        n, w = there["paragraphs"], there["workers"]
        print(f"## {policy}\n")
        print("| run | seconds | paragraphs/s | per worker | peak MB | output SHA-256 |")
        print("|---|---:|---:|---:|---:|---|")
        print(f"| local, one process | {here['seconds']:.1f} | {n / here['seconds']:,.0f} | {n / here['seconds']:,.0f} "
              f"| {here['peak_bytes'] / 1e6:,.0f} | {here['sha256'][:16]} |")  # fmt: skip
        print(f"| Ray, {w} workers, {there['parts']} parts | {there['seconds']:.1f} | {n / there['seconds']:,.0f} "
              f"| {n / there['seconds'] / w:,.0f} | driver {there['driver_peak_bytes'] / 1e6:,.0f}, "
              f"worker {there['worker_peak_bytes'] / 1e6:,.0f} | {there['sha256'][:16]} |")  # fmt: skip
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in there["stages"].items())
        moved = there["moved_bytes"]
        store = f"; the merged store {there['store_bytes'] / 1e6:,.0f} MB" if policy == "boilerplate" else ""
        print(f"\nRay: {there['seconds'] / here['seconds']:.2f}x the local time; "
              f"start {there['ray_start_seconds']:.1f} s, {stages}; moved {moved / 1e6:,.0f} MB "
              f"({moved / n:,.0f} bytes per paragraph{store}); {there['removed']:,} removed; "
              f"index {there['entries']:,} entries")  # fmt: skip
        print("output: " + ("identical" if same else "**DIFFERENT from the local run**") + "\n")
    if args.record:  # each policy's latest run of this size is kept (one policy may be run alone)
        path = RESULTS / "ray_engine.json"
        recorded = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if recorded.get("paragraphs") != args.paragraphs:
            recorded = {}
        path.write_text(json.dumps({**recorded, **results}, indent=1) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
