"""Two long near-identical lines: verification time against their size.

For each size, one line cut from the benchmark corpus (all its languages, joined by
spaces) and a near copy of it (1 % of the characters deleted, replaced or doubled):

* ``score``: ``dedupe.verify.score``, which above ``EXACT_LIMIT`` characters goes piece
  by piece (``dedupe/verify.py``);
* ``exact``: the former call, rapidfuzz's ``Indel.normalized_similarity`` of the whole
  lines with the 0.9 cutoff, the baseline. It is quadratic: above ``--exact-up-to`` bytes
  (1 MB) it is not run, since 3 MB takes minutes;
* ``dedupe_text``: the whole pipeline on the two lines as one document (normalise, sign,
  band, verify, remove the copy).

Times are medians of ``--repeats`` runs in this process. The ratio columns divide each
time by the time at the smallest size, against the ratio of the sizes: near-linear means
about the same figure.

Run: ``python -m benchmarks.long_lines [--sizes 100000,300000,1000000,3000000]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

from rapidfuzz.distance import Indel

from benchmarks._common import platform_line
from benchmarks.corpus_mode import CACHE
from benchmarks.run_one import cached_corpus
from dedupe import dedupe_and_explain
from dedupe.normalize import normalize
from dedupe.verify import EXACT_LIMIT, score


def line_of(size: int, text: str) -> str:
    """The first ``size`` bytes (UTF-8) of ``text``, cut at a character boundary."""
    return text.encode("utf-8")[:size].decode("utf-8", "ignore")


def near_copy(text: str, rate: float, seed: int) -> str:
    rng = random.Random(seed)
    out = []
    for ch in text:
        r = rng.random()
        if r < rate / 3:
            continue
        out.append(ch)
        if r < rate:
            out.append("x" if r < 2 * rate / 3 else ch)
    return "".join(out)


def timed(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(a: str, b: str, repeats: int, exact: bool) -> dict[str, float]:
    """Seconds (and scores) of the three ways to judge ``a`` and ``b``."""
    out: dict[str, float] = {"characters": len(a)}
    out["score_s"], out["score"] = timed(lambda: score(a, b), repeats)  # type: ignore[assignment]
    out["exact_s"], out["exact"] = float("nan"), float("nan")
    if exact:
        out["exact_s"], out["exact"] = timed(lambda: Indel.normalized_similarity(a, b, score_cutoff=0.9), 1)  # type: ignore[assignment]
    out["pipeline_s"], explained = timed(lambda: dedupe_and_explain(f"{a}\n{b}\n"), 1)
    if [m.index for m in explained.removed] != [1]:  # type: ignore[attr-defined]
        raise SystemExit("the pipeline did not remove the near copy")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000,3000000", help="bytes (UTF-8) per line")
    parser.add_argument("--exact-up-to", type=int, default=1_000_000, help="largest size for the exact baseline")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(platform_line())
    paragraphs = max(2_000, max(sizes) // 300)
    text = cached_corpus(paragraphs, 0, CACHE)[0].read_text(encoding="utf-8").replace("\n", " ")
    if len(text.encode("utf-8")) < max(sizes):
        raise SystemExit("the corpus is too small for the largest size")
    print(f"\nA line and its near copy (1 % edited); by pieces above {EXACT_LIMIT:,} characters.")
    print("Ratios: of the size, then of each time, to the smallest size.\n")
    print(
        "| size | characters | score | exact | exact s | score s | dedupe_text s | ratios: size, exact, score, text |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    first: dict[str, float] = {}
    for size in sizes:
        a = normalize(line_of(size, text))
        row = measure(a, near_copy(a, 0.01, size), args.repeats if size <= 1_000_000 else 1, size <= args.exact_up_to)
        row["size"] = size
        first = first or row
        ratios = ", ".join(
            f"{row[k] / first[k]:.1f}" if row[k] == row[k] else "–"
            for k in ("size", "exact_s", "score_s", "pipeline_s")
        )
        exact = (
            "not run (minutes) | –" if row["exact"] != row["exact"] else f"{row['exact']:.5f} | {row['exact_s']:.2f}"
        )
        print(
            f"| {size / 1e6:.1f} MB | {len(a):,} | {row['score']:.5f} | {exact} | {row['score_s']:.3f} "
            f"| {row['pipeline_s']:.2f} | {ratios} |",
            flush=True,
        )
    print("\nThe exact baseline is quadratic: its time ratio grows as the square of the size ratio.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
