"""How the candidate pairs thin out, stage by stage, on the benchmark corpus.

LSH banding (tuned for recall) → the MinHash-estimate filter (``min_jaccard``) →
rapidfuzz verification. Also: how many verified pairs the estimate filter would drop, and
the estimates of the verified pairs of each planted kind, so that ``min_jaccard`` can be
judged against real near copies (3 % typos, truncated, appended).

Run: ``python -m benchmarks.funnel [--n 100000]``.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import numpy as np

from benchmarks._common import platform_line
from benchmarks.corpus import make_corpus
from dedupe import DedupeConfig
from dedupe.index import candidate_pairs, estimated_jaccard
from dedupe.normalize import normalize
from dedupe.signature import sign_keys
from dedupe.verify import score_pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(platform_line())
    config = DedupeConfig()
    corpus = make_corpus(args.n)
    keys = [normalize(p) for p in corpus.paragraphs]
    sig = sign_keys(keys, config.shingle_size, config.num_perm, config.seed)
    pairs = candidate_pairs(sig, config.bands, config.rows).pairs
    estimate = estimated_jaccard(sig, pairs)
    verified = score_pairs(keys, pairs, config.threshold) >= config.threshold
    kept = estimate >= config.min_jaccard
    print(
        f"{args.n:,} paragraphs: {len(pairs):,} candidate pairs from banding ({config.bands} x {config.rows}), "
        f"{int(kept.sum()):,} after min_jaccard={config.min_jaccard}, {int(verified.sum()):,} verified; "
        f"verified pairs the filter drops: {int((verified & ~kept).sum())}"
    )
    by_kind: dict[str, list[float]] = defaultdict(list)
    for (i, j), est in zip(pairs[verified].tolist(), estimate[verified].tolist(), strict=True):
        by_kind[corpus.kinds[max(i, j)]].append(est)
    print("| kind of the later paragraph | verified pairs | lowest estimate | median estimate |")
    print("|---|---:|---:|---:|")
    for kind, values in sorted(by_kind.items()):
        print(f"| {kind} | {len(values)} | {min(values):.2f} | {float(np.median(values)):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
