"""Low-vocabulary corpora: records over a 19-word vocabulary, 5 paragraphs each, through ``Deduper``.

Every paragraph shares LSH buckets with many earlier ones (``tests/low_vocabulary.py``);
5 % of the paragraphs are near copies (one character changed) of a paragraph of one of
the three records before, so that there is something to find. For each size, in memory:

* ``seen``: the seen-before policy, every record fed in order;
* ``boilerplate``: every record counted, then fed (``min_docs=2``).

Each row gives seconds, rapidfuzz verifications (pairs scored) and removals, and the
ratio of the time to the time at the smallest size. The baseline, in the same run: the
same index without its bucket caps (``FIRST_OF_BUCKET`` and ``CROWDED_BUCKET`` raised
beyond any bucket), up to ``--uncapped-up-to`` records, since it is quadratic (12,000
records take many minutes). With ``--redis``, the capped runs also go through a Redis
index on a throwaway ``redis-server`` (needs the ``redis`` extra).

Run: ``python -m benchmarks.low_vocabulary [--sizes 1000,4000,12000] [--uncapped-up-to 4000] [--redis]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import dedupe.store
import dedupe.verify
from benchmarks._common import platform_line
from dedupe import Deduper
from tests import low_vocabulary


@contextmanager
def counted_verifications() -> Iterator[list[int]]:
    count = [0]
    real = dedupe.verify.cpdist  # type: ignore[attr-defined]

    def counting(left: Any, right: Any, **options: Any) -> Any:
        count[0] += len(left)
        return real(left, right, **options)

    dedupe.verify.cpdist = counting  # type: ignore[attr-defined,assignment]
    try:
        yield count
    finally:
        dedupe.verify.cpdist = real  # type: ignore[attr-defined]


@contextmanager
def uncapped() -> Iterator[None]:
    saved = dedupe.store.FIRST_OF_BUCKET, dedupe.store.CROWDED_BUCKET
    dedupe.store.FIRST_OF_BUCKET = dedupe.store.CROWDED_BUCKET = 2**31
    try:
        yield
    finally:
        dedupe.store.FIRST_OF_BUCKET, dedupe.store.CROWDED_BUCKET = saved


def run(policy: str, docs: list[str], index: str | None, prefix: str) -> dict[str, float]:
    with counted_verifications() as count, Deduper(policy=policy, index=index, prefix=prefix) as d:  # type: ignore[arg-type]
        start = time.perf_counter()
        if policy == "boilerplate":
            for k, text in enumerate(docs):
                d.count(text, doc_id=str(k))
        removed = sum(len(d.feed(text, doc_id=str(k)).removed) for k, text in enumerate(docs))
        return {"seconds": time.perf_counter() - start, "verifications": count[0], "removed": removed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,4000,12000", help="records per run")
    parser.add_argument("--uncapped-up-to", type=int, default=4000, help="largest size for the uncapped baseline")
    parser.add_argument("--redis", action="store_true", help="also through a Redis index")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(platform_line())
    server: Any = nullcontext(None)
    if args.redis:
        from tests.redis_server import redis_server

        server = redis_server()
    with server as running:
        indexes: list[tuple[str, str | None]] = [("memory", None)]
        if running is not None:
            indexes.append(("redis", running.url))
        print(f"\n{', '.join(f'{n:,}' for n in sizes)} records of 5 paragraphs over 19 words, 5 % near copies:\n")
        for policy in ("seen", "boilerplate"):  # warm up: the first run of a process pays for lazy set-up
            run(policy, low_vocabulary.records(50, seed=2), None, "")
        print("| policy | index | buckets | records | seconds | time ratio | verifications | per paragraph | removed |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for policy in ("seen", "boilerplate"):
            for name, url in indexes:
                for caps in ("capped", "uncapped"):
                    if caps == "uncapped" and url is not None:
                        continue  # the uncapped baseline runs in memory only
                    first = None
                    for n in sizes:
                        if caps == "uncapped" and n > args.uncapped_up_to:
                            continue
                        docs = low_vocabulary.records(n, seed=1, copies=0.05)
                        with uncapped() if caps == "uncapped" else nullcontext():
                            r = run(policy, docs, url, f"lowvocab-{policy}-{caps}-{n}")
                        first = first or r
                        print(
                            f"| {policy} | {name} | {caps} | {n:,} | {r['seconds']:.1f} "
                            f"| {r['seconds'] / first['seconds']:.1f} (size {n / sizes[0]:.0f}) "
                            f"| {r['verifications']:,.0f} | {r['verifications'] / (5 * n):.0f} | {r['removed']:,.0f} |",
                            flush=True,
                        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
