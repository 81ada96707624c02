"""Run one system on one corpus in this process and print one JSON line (used by the suite).

A fresh process per measurement gives a clean peak memory figure (``ru_maxrss``) and keeps
one system's imports and caches from helping another.

Run: ``python -m benchmarks.run_one SYSTEM N [--seed S] [--repeats R] [--cache DIR]``. The
corpus is generated once and cached in DIR (``results/cache``) as text plus JSON labels.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._common import CACHE
from benchmarks.baselines import BASELINES
from benchmarks.corpus import Corpus, corpus_text, make_corpus
from benchmarks.quality import Match, score

SYSTEMS = ("dedupe", *BASELINES)


def cached_corpus(n: int, seed: int, cache: Path) -> tuple[Path, Path]:
    """Paths of the corpus text and labels, written by the first run that needs them."""
    text_path, labels_path = cache / f"corpus-{n}-{seed}.txt", cache / f"corpus-{n}-{seed}.labels.json"
    if not labels_path.exists():
        corpus = make_corpus(n, seed)
        cache.mkdir(parents=True, exist_ok=True)
        text_path.write_text(corpus_text(corpus), encoding="utf-8")
        labels = {"kinds": corpus.kinds, "sources": corpus.sources, "languages": corpus.languages}
        tmp = labels_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(labels), encoding="utf-8")
        tmp.replace(labels_path)  # written last: its presence means the cache is whole
    return text_path, labels_path


def labelled(paragraphs: list[str], labels_path: Path) -> Corpus:
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    return Corpus(paragraphs, labels["kinds"], [tuple(s) for s in labels["sources"]], labels["languages"])


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_dedupe(text: str) -> tuple[list[Match], list[Match], dict[str, float]]:
    """Found matches (removed and kept repeats), removed matches, and seconds per stage."""
    from dedupe.api import timed_explain

    explained, stages = timed_explain(text)
    found = [(m.index, m.kept_index, m.score) for m in (*explained.removed, *explained.kept)]
    removed = [(m.index, m.kept_index, m.score) for m in explained.removed]
    return found, removed, stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", choices=SYSTEMS)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args(argv)
    text_path, labels_path = cached_corpus(args.n, args.seed, args.cache)
    # dedupe is given the text as one string; the baselines a list of paragraphs. Labels are
    # read after the runs, so that peak memory is the system's plus its input's.
    text = text_path.read_text(encoding="utf-8")
    paragraphs = [] if args.system == "dedupe" else text.split("\n")
    megabytes = len(text.encode("utf-8")) / 1e6
    if args.system != "dedupe":
        del text
    else:
        import dedupe  # noqa: F401  (imported before timing, as the baselines' libraries are)
    loaded_mb = peak_mb()
    times: list[float] = []
    result: dict[str, Any] = {}
    for _ in range(args.repeats):
        start = time.perf_counter()
        if args.system == "dedupe":
            found, removed, stages = run_dedupe(text)
        else:
            found = BASELINES[args.system](paragraphs)
        times.append(time.perf_counter() - start)
    peak = peak_mb()  # before the scoring below allocates anything
    corpus = labelled(paragraphs, labels_path)
    result["quality"] = {k: v.as_dict() for k, v in score(corpus, found).items()}
    if args.system == "dedupe":
        result["stages"] = {k: round(v, 4) for k, v in stages.items()}
        result["quality_removed"] = {k: v.as_dict() for k, v in score(corpus, removed).items()}
    result.update(
        system=args.system,
        n=args.n,
        seed=args.seed,
        repeats=args.repeats,
        megabytes=round(megabytes, 2),
        seconds=[round(t, 4) for t in times],
        median=round(statistics.median(times), 4),
        peak_mb=round(peak, 1),
        corpus_mb=round(loaded_mb, 1),
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
