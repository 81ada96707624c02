"""Partial copies across documents: recall, precision and the cost of looking for them.

The benchmark corpus (``benchmarks/corpus.py``) is cut into documents of 25 paragraphs and
fed in order to ``Deduper(policy="seen")``. A planted copy counts *across documents* when
all of its sources are in earlier documents. Reported:

* recall per kind across documents: truncated and merged copies removed (as partial or
  near copies), appended ones reported as extending their source (removed as near copies
  only when what was added is light noise: the source is 0.9 or more of its length);
* precision: the share of removed paragraphs that are planted copies (an original or a
  hard negative removed is a false positive), and the same for the partial removals;
* the lowest share of a paragraph that a truncated copy may keep and still be caught:
  originals in one document, their prefixes of a given share in the next;
* with ``--compare-with DIR`` (a checkout of the code before, e.g. ``git archive main``),
  the time of ``Deduper.feed`` over the stream, before and after, each run in its own
  process, interleaved (the machine is noisy).

Run: ``python -m benchmarks.corpus_partial [--paragraphs N] [--compare-with DIR] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.corpus import make_corpus

DOC_SIZE = 25
ROOT = Path(__file__).resolve().parent.parent


def documents(n: int, seed: int) -> list[str]:
    paragraphs = make_corpus(n, seed).paragraphs
    return ["\n".join(paragraphs[k : k + DOC_SIZE]) for k in range(0, len(paragraphs), DOC_SIZE)]


def timed_feed(n: int, seed: int) -> float:
    """Seconds that ``Deduper.feed`` takes over the stream (the corpus is made before the clock starts)."""
    from dedupe import Deduper

    docs = documents(n, seed)
    d = Deduper()
    start = time.perf_counter()
    for k, doc in enumerate(docs):
        d.feed(doc, doc_id=str(k))
    return time.perf_counter() - start


def quality(n: int, seed: int) -> dict[str, Any]:
    from dedupe import Deduper

    corpus = make_corpus(n, seed)
    d = Deduper()
    removed: dict[int, Any] = {}  # corpus position -> match
    extended: dict[int, Any] = {}
    for k in range(0, n, DOC_SIZE):
        result = d.feed("\n".join(corpus.paragraphs[k : k + DOC_SIZE]), doc_id=str(k // DOC_SIZE))
        removed |= {k + m.index: m for m in result.removed}
        extended |= {k + m.index: m for m in result.kept if m.kind == "partial" and m.kept_doc is not None}
    across = Counter()
    found = Counter()
    for i, kind in enumerate(corpus.kinds):
        if kind in ("original", "hard_negative") or not all(s // DOC_SIZE < i // DOC_SIZE for s in corpus.sources[i]):
            continue
        across[kind] += 1
        m = removed.get(i)
        docs = {str(s // DOC_SIZE) for s in corpus.sources[i]}
        if m is not None and m.kept_doc in docs:
            found[kind, m.kind] += 1
        elif kind == "appended" and i in extended and extended[i].kept_doc in docs:
            found[kind, "extended"] += 1
    wrong = [i for i in removed if corpus.kinds[i] in ("original", "hard_negative")]
    partial = [i for i, m in removed.items() if m.kind == "partial"]
    return {
        "paragraphs": n,
        "across": dict(across),
        "found": {f"{kind}/{how}": c for (kind, how), c in sorted(found.items())},
        "recall": {
            kind: round(sum(c for (k, _), c in found.items() if k == kind) / across[kind], 4)
            for kind in ("truncated", "merged", "appended")
        },
        "removed": len(removed),
        "precision": round(1 - len(wrong) / max(len(removed), 1), 5),
        "false_positives": Counter(corpus.kinds[i] for i in wrong),
        "partial_removed": len(partial),
        "partial_precision": round(
            sum(corpus.kinds[i] not in ("original", "hard_negative") for i in partial) / max(len(partial), 1), 5
        ),
        "partial_by_kind": Counter(corpus.kinds[i] for i in partial),
    }


def truncation_floor(count: int, seed: int) -> dict[str, float]:
    """Recall of truncated copies by the share of the original they keep (prefixes of clean originals)."""
    from dedupe import Deduper
    from dedupe.blocks import display_width

    corpus = make_corpus(count * 3, seed, copy_share=0.0, negative_share=0.0)
    originals = [p for p in corpus.paragraphs if display_width(p) >= 200][:count]
    out = {}
    for share in (0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8):
        d = Deduper()
        caught = eligible = 0
        for k in range(0, len(originals), DOC_SIZE):
            batch = originals[k : k + DOC_SIZE]
            d.feed("\n".join(batch), doc_id=f"a{k}")
            cuts = [p[: int(len(p) * share)] for p in batch]
            result = d.feed("\n".join(cuts), doc_id=f"b{k}")
            gone = {m.index for m in result.removed if m.kept_doc == f"a{k}"}
            for j, cut in enumerate(cuts):
                if display_width(cut) >= d.config.min_chars:  # narrower excerpts stay by design
                    eligible += 1
                    caught += j in gone
        out[str(share)] = round(caught / max(eligible, 1), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-with", type=Path, help="a checkout of the code to time against")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", action="store_true", help="(internal) time one run and print the seconds")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(timed_feed(args.paragraphs, args.seed)))
        return
    report: dict[str, Any] = {"quality": quality(args.paragraphs, args.seed), "floor": truncation_floor(600, 1)}
    if args.compare_with is not None:
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.repeat):
            for name, path in (("before", args.compare_with.resolve()), ("after", ROOT)):
                # The benchmark's own modules from here, ``dedupe`` from the checkout timed.
                code = (
                    f"import sys, json; sys.path[:0] = [{str(ROOT)!r}]; from benchmarks import corpus_partial as b; "
                    f"sys.path.insert(0, {str(path)!r}); import dedupe; print(dedupe.__file__, file=sys.stderr); "
                    f"print(json.dumps(b.timed_feed({args.paragraphs}, {args.seed})))"
                )
                done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                assert done.stderr.strip().startswith(str(path)), done.stderr
                times[name].append(round(float(done.stdout), 3))
        ratios = [a / b for a, b in zip(times["after"], times["before"], strict=True)]
        report["feed_seconds"] = times
        report["ratio_after_before"] = [round(r, 3) for r in ratios]
    print(json.dumps(report, indent=1, default=dict))


if __name__ == "__main__":
    main()
