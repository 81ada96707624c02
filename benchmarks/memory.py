"""Peak memory of ``dedupe-file`` per input class, as a multiple of the input's size.

Each input class is one generated file, cleaned by ``dedupe-file FILE`` (``python -m dedupe``;
``--jsonl`` for the records) in a fresh process whose peak resident memory (``ru_maxrss``
from ``wait4``) is divided by the file's size; its output comes through a pipe to be hashed
as it comes, which costs the process no more than ``> /dev/null`` (and no disk write is in
its time; the file was read just before, so it is in the page cache). The target: no class
over 20×; a million paragraphs (``corpus-1m``) at most 1.2 GB and ten million (``corpus-10m``)
at most 4 GB, in at most 12 times the time of a million when both run. For reference, the
same figure for a process that only reads the file into a ``str`` (Python and the input alone).
The output's SHA-256 is compared with the one recorded in ``memory_outputs.json`` (output
must not change when memory use does); ``--record`` writes the current ones there.

Run: ``python -m benchmarks.memory [--classes short-lines,jsonl-record,...] [--record]``.
Inputs are generated once into ``benchmarks/results/cache/memory`` (about 220 MB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._common import CACHE, RESULTS, ROOT, RUNS, platform_line
from benchmarks.corpus import make_corpus

TARGET = 20.0  # peak RSS / input size, for every class
RECORDED = Path(__file__).with_name("memory_outputs.json")
READ_ONLY = "import sys; open(sys.argv[1], encoding='utf-8').read()"


def _short_lines(path: Path) -> None:
    """3,000,000 lines of 1–3 digits: the most paragraphs per byte a text can have."""
    rnd = random.Random(12)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for _ in range(30):
            f.write("".join(f"{rnd.randrange(1000)}\n" for _ in range(100_000)))


def _short_lines_record(path: Path) -> None:
    """The 3,000,000 short lines as the text of one JSON Lines record."""
    lines = path.with_name("short-lines.txt")
    if not lines.exists():
        _short_lines(lines)
    record = {"id": "digits", "text": lines.read_text(encoding="utf-8")}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")


def _jsonl_record(path: Path) -> None:
    """One JSON Lines record whose text is the 84,000-paragraph corpus (about 50 MB)."""
    text = "\n".join(make_corpus(84_000, seed=3).paragraphs)
    record = {"id": "big", "url": "https://example.com/big", "text": text}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")


def _long_line(path: Path) -> None:
    """One line of about 100 MB (170,000 corpus paragraphs joined by spaces) between two short lines."""
    paragraphs = make_corpus(170_000, seed=4).paragraphs
    path.write_text(f"Before.\n{' '.join(paragraphs)}\nAfter.\n", encoding="utf-8")


def _corpus(path: Path) -> None:
    """The benchmark corpus of 100,000 paragraphs (60 MB), one per line."""
    path.write_text("\n".join(make_corpus(100_000, seed=0).paragraphs), encoding="utf-8")


def _corpus_1m(path: Path) -> None:
    """The benchmark corpus of 1,000,000 paragraphs (595 MB), one per line (about a minute to make)."""
    path.write_text("\n".join(make_corpus(1_000_000, seed=0).paragraphs), encoding="utf-8")


def _corpus_10m(path: Path) -> None:
    """Ten corpora of 1,000,000 paragraphs (seeds 0 to 9) one after another, 5.95 GB (about six
    minutes to make): copies within each million only, as one corpus of ten million would need
    about 20 GB to make."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for seed in range(10):
            f.write("\n".join(make_corpus(1_000_000, seed=seed).paragraphs) + "\n")


# name: (file name, generator, dedupe-file options)
CLASSES: dict[str, tuple[str, Callable[[Path], None], list[str]]] = {
    "short-lines": ("short-lines.txt", _short_lines, []),
    "jsonl-record": ("record.jsonl", _jsonl_record, ["--jsonl"]),
    "short-lines-record": ("short-lines.jsonl", _short_lines_record, ["--jsonl"]),
    "long-line": ("long-line.txt", _long_line, []),
    "corpus": ("corpus-100000.txt", _corpus, []),
    "corpus-1m": ("corpus-1000000.txt", _corpus_1m, []),
    "corpus-10m": ("corpus-10000000.txt", _corpus_10m, []),
}
DEFAULT = [name for name in CLASSES if name != "corpus-10m"]  # ten million: ten minutes and 6 GB of disk
# Issue 9's targets for a million and ten million paragraphs through dedupe-file, in bytes (besides TARGET).
PEAK_TARGETS = {"corpus-1m": 1.2e9, "corpus-10m": 4e9}
# And for the time when both run: ten million paragraphs in at most 12 times a million's time.
TIME_GROWTH = ("corpus-1m", "corpus-10m", 12.0)


# Linux counts the memory of the process that forks into the peak of its child (exec records
# the old address space's peak), so the command is started by a bare interpreter, not by this
# process, which holds generated corpora. It prints "peak_kb seconds status" on stderr.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
os.write(2, f"{usage.ru_maxrss} {time.perf_counter() - start} {os.waitstatus_to_exitcode(status)}".encode())
"""


def peak_of(cmd: list[str], output: Callable[[bytes], object] | None = None) -> tuple[float, float, int]:
    """Run ``cmd``; return its peak RSS in bytes, its wall time and its exit status.

    Its standard output goes to ``output`` a block at a time as it comes, through a pipe
    (to nothing without it): no file is written, so the time is the command's, not the
    disk's (ten million paragraphs write 4.8 GB: 15 s of 340 on this machine, measured side
    by side).
    """
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, *cmd]
    pipe = subprocess.PIPE if output is not None else subprocess.DEVNULL
    with subprocess.Popen(launcher, stdout=pipe, stderr=subprocess.PIPE, cwd=ROOT) as process:
        if output is not None:
            assert process.stdout is not None
            while block := process.stdout.read(1 << 20):
                output(block)
        err = process.stderr.read() if process.stderr is not None else b""
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, launcher, stderr=err)
    peak_kb, seconds, status = err.split()
    return int(peak_kb) * 1024.0, float(seconds), int(status)


def measure(name: str, cache: Path) -> dict[str, Any]:
    file_name, generate, options = CLASSES[name]
    path = cache / file_name
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        generate(tmp)
        tmp.replace(path)
    size = path.stat().st_size
    # Reading alone first also brings the file into the page cache, as for every class.
    read_peak, _, _ = peak_of([sys.executable, "-c", READ_ONLY, str(path)])
    cmd = [sys.executable, "-m", "dedupe", "-q", *options, str(path)]
    digest = hashlib.sha256()
    peak, seconds, status = peak_of(cmd, digest.update)
    return {
        "class": name,
        "input_mb": round(size / 1e6, 2),
        "peak_mb": round(peak / 1e6, 1),
        "ratio": round(peak / size, 2),
        "read_only_mb": round(read_peak / 1e6, 1),
        "read_only_ratio": round(read_peak / size, 2),
        "seconds": round(seconds, 2),
        "status": status,
        "sha256": digest.hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--classes", default=",".join(DEFAULT), help=f"comma-separated input classes (known: {', '.join(CLASSES)})"
    )
    parser.add_argument("--cache", type=Path, default=CACHE / "memory")
    parser.add_argument(
        "--latest", action="store_true", help=f"also write {RESULTS}/memory.json, the committed figures"
    )
    parser.add_argument("--record", action="store_true", help="write the output hashes to memory_outputs.json")
    args = parser.parse_args(argv)
    names = [n for n in args.classes.split(",") if n]
    unknown = set(names) - set(CLASSES)
    if unknown:
        parser.error(f"unknown classes: {', '.join(sorted(unknown))} (known: {', '.join(CLASSES)})")
    recorded = json.loads(RECORDED.read_text()) if RECORDED.exists() else {}
    print(platform_line())
    print("| class | input MB | peak MB | peak / input | reading alone MB (/ input) | s | output |")
    print("|---|---:|---:|---:|---:|---:|---|")
    failed = []
    results = []
    for name in names:
        r = measure(name, args.cache)
        results.append(r)
        same = (
            "recorded"
            if args.record
            else {None: "no record", r["sha256"]: "unchanged"}.get(recorded.get(name), "CHANGED")
        )
        if r["status"] != 0 or r["ratio"] > TARGET or same == "CHANGED":
            failed.append(name)
        if r["peak_mb"] * 1e6 > PEAK_TARGETS.get(name, float("inf")):
            failed.append(f"{name} (peak over {PEAK_TARGETS[name] / 1e9:.1f} GB)")
        print(
            f"| {name} | {r['input_mb']:,.1f} | {r['peak_mb']:,.0f} | {r['ratio']:.1f}× | "
            f"{r['read_only_mb']:,.0f} ({r['read_only_ratio']:.1f}×) | {r['seconds']:.1f} | {same} |",
            flush=True,
        )
    seconds = {r["class"]: r["seconds"] for r in results}
    small, large, most = TIME_GROWTH
    if small in seconds and large in seconds:
        growth = seconds[large] / seconds[small]
        print(f"{large} took {growth:.1f}× the time of {small} (target: at most {most:.0f}×)")
        if growth > most:
            failed.append(f"{large} (time {growth:.1f}× {small}'s)")
    if args.record:
        recorded.update({r["class"]: r["sha256"] for r in results})
        RECORDED.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    data = json.dumps({"platform": platform_line(), "target": TARGET, "runs": results}, indent=2) + "\n"
    RUNS.mkdir(parents=True, exist_ok=True)
    outs = [RUNS / f"memory-{time.strftime('%Y%m%d-%H%M%S')}.json", *([RESULTS / "memory.json"] if args.latest else [])]
    for out in outs:
        out.write_text(data)
    if failed:
        print(
            f"target missed (over {TARGET:.0f}× or a peak target, a failed run, or changed output): {', '.join(failed)}"
        )
        return 1
    print(f"every class within {TARGET:.0f}× its input size, output unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
