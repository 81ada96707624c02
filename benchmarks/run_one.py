"""Run one system on one corpus in this process and print one JSON line (used by the suite).

A fresh process per measurement gives a clean peak memory figure (``ru_maxrss``) and keeps
one system's imports and caches from helping another.

Run: ``python -m benchmarks.run_one SYSTEM N [--seed S] [--repeats R] [--cache DIR]``.
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

from benchmarks.baselines import BASELINES
from benchmarks.corpus import Corpus, make_corpus
from benchmarks.quality import Match, score

SYSTEMS = ("dedupe", *BASELINES)


def load_corpus(n: int, seed: int, cache: Path | None, *, text_only: bool = False) -> tuple[Corpus, str | None]:
    """The corpus, from the cache an earlier run wrote if there is one (plain text and JSON).

    With ``text_only`` the paragraphs stay one string (what dedupe is given), so that a
    million paragraphs are held once, not three times, when peak memory is measured.
    """
    if cache is None:
        corpus = make_corpus(n, seed)
        return corpus, "\n".join(corpus.paragraphs) if text_only else None
    text_path, labels_path = cache / f"corpus-{n}-{seed}.txt", cache / f"corpus-{n}-{seed}.labels.json"
    if not labels_path.exists():
        corpus = make_corpus(n, seed)
        cache.mkdir(parents=True, exist_ok=True)
        text_path.write_text("\n".join(corpus.paragraphs), encoding="utf-8")
        labels = {"kinds": corpus.kinds, "sources": corpus.sources, "languages": corpus.languages}
        tmp = labels_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(labels), encoding="utf-8")
        tmp.replace(labels_path)  # written last: its presence means the cache is whole
        del corpus
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    text = text_path.read_text(encoding="utf-8")
    paragraphs: list[str] = [] if text_only else text.split("\n")
    corpus = Corpus(paragraphs, labels["kinds"], [tuple(s) for s in labels["sources"]], labels["languages"])
    return corpus, text if text_only else None


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
    parser.add_argument("--cache", type=Path)
    args = parser.parse_args(argv)
    corpus, text = load_corpus(args.n, args.seed, args.cache, text_only=args.system == "dedupe")
    if args.system == "dedupe":
        import dedupe  # noqa: F401  (imported before timing, as the baselines' libraries are)
    loaded_mb = peak_mb()
    times: list[float] = []
    result: dict[str, Any] = {}
    for _ in range(args.repeats):
        start = time.perf_counter()
        if args.system == "dedupe":
            assert text is not None
            found, removed, stages = run_dedupe(text)
        else:
            found = BASELINES[args.system](corpus.paragraphs)
        times.append(time.perf_counter() - start)
    peak = peak_mb()  # before the scoring below allocates anything
    result["quality"] = {k: v.as_dict() for k, v in score(corpus, found).items()}
    if args.system == "dedupe":
        result["stages"] = {k: round(v, 4) for k, v in stages.items()}
        result["quality_removed"] = {k: v.as_dict() for k, v in score(corpus, removed).items()}
    megabytes = len((text if text is not None else "\n".join(corpus.paragraphs)).encode("utf-8")) / 1e6
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
