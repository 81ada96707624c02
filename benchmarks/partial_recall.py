"""What the removal rule does with the partial copies of the benchmark corpus.

Counts, per planted kind, the recall of what the default rule *removes* (as
``benchmarks/suite.py`` reports it: "removed by the default rule"), and why the rule kept
the truncated and merged copies that were found but stay.

Run: ``python -m benchmarks.partial_recall [N ...]`` (default 20000 paragraphs, seed 0).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from benchmarks._common import platform_line
from benchmarks.corpus import make_corpus
from benchmarks.quality import score
from dedupe import dedupe_paragraphs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="*", default=[20_000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(platform_line())
    for n in args.n:
        corpus = make_corpus(n, args.seed)
        start = time.perf_counter()
        result = dedupe_paragraphs(corpus.paragraphs)
        seconds = time.perf_counter() - start
        removed = [(m.index, m.kept_index, m.score) for m in result.removed]
        found = removed + [(m.index, m.kept_index, m.score) for m in result.kept]
        only_removed, all_found = score(corpus, removed), score(corpus, found)
        print(f"\n{n:,} paragraphs, seed {args.seed} ({seconds:.1f} s)")
        print("| kind | planted | recall, found | recall, removed by the default rule |")
        print("|---|---:|---:|---:|")
        for kind in ("truncated", "merged", "appended", "exact", "typo3", "overall"):
            s, r = all_found[kind], only_removed[kind]
            print(f"| {kind} | {s.planted} | {s.recall:.4f} | {r.recall:.4f} |")
        print(f"claims on originals and hard negatives: {only_removed['false positives'].claimed} removed")
        why: Counter[tuple[str, str]] = Counter()
        for m in result.kept:
            kind = corpus.kinds[m.index]
            if kind in ("truncated", "merged"):
                reason = result.blocks[m.block].reason
                why[kind, reason.split(":")[0]] += 1
        for (kind, reason), count in sorted(why.items()):
            print(f"kept {kind}: {count} ({reason})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
