"""The Redis corpus index against datasketch's Redis LSH storage and the in-memory index.

One run starts its own ``redis-server`` on a free loopback port (without persistence) and
measures, on the same paragraphs of the benchmark corpus (grouped into documents of
``--doc-size`` consecutive paragraphs), with ``FLUSHALL`` between systems:

* **ours, Deduper**: ``dedupe.Deduper(index="redis://...")`` feeding every document
  (policy "seen", default configuration: 128 permutations, 32 bands of 4 rows); the time
  spent inside the store is reported apart from the whole pipeline.
* **ours, store only**: ``RedisStore.add`` of every paragraph (one call per document) with
  precomputed signatures: the same work datasketch does below, so insert speeds compare.
* **datasketch**: ``MinHashLSH(num_perm=128, params=(32, 4))`` with Redis storage, every
  paragraph inserted as a ``LeanMinHash`` of the same signature through
  ``insertion_session(buffer_size=...)`` (``check_duplication=False``, its fastest path).
* **in memory**: the same Deduper feed on :class:`dedupe.store.MemoryStore` (its size is
  the store's own estimate; nothing goes to Redis).

Memory is Redis ``INFO memory`` ``used_memory`` after minus before, per indexed paragraph.
datasketch keeps only keys and buckets; our index also keeps each paragraph's signature
(512 bytes) and normalised text, which verification needs: the breakdown by kind of key
shows what the buckets alone take. Queries: ``find_near`` per document (all its
paragraphs x bands in one script call) against ``MinHashLSH.query`` per paragraph, on
``--queries`` paragraphs; the candidate sets of the two are compared.

Run: ``python -m benchmarks.redis_index [--paragraphs 20000]``; writes
``benchmarks/results/redis_index.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import RESULTS, ROOT, RUNS, platform_line
from benchmarks.corpus import make_corpus
from dedupe import DedupeConfig, Deduper
from dedupe.corpus import _salts
from dedupe.index import band_keys
from dedupe.normalize import normalize
from dedupe.redis_store import RedisStore
from dedupe.signature import sign_keys, to_lean_minhash
from dedupe.store import Location, MemoryStore
from tests.redis_server import redis_server


class Timed:
    """A store that adds up the seconds spent in each of its methods."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.seconds: dict[str, float] = defaultdict(float)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - began

        return timed


def used_memory(client: Any) -> int:
    return int(client.info("memory")["used_memory"])


def memory_by_kind(client: Any, prefix: bytes) -> dict[str, int]:
    """MEMORY USAGE summed per kind of key (b = buckets, x = exact index, o = crowded buckets, ...)."""
    sizes: dict[str, int] = defaultdict(int)
    keys = list(client.scan_iter(match=prefix + b":*", count=5000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
    for key, size in zip(keys, pipe.execute(), strict=True):
        rest = key[len(prefix) + 1 :]
        kind = rest.split(b":")[0].rstrip(b"0123456789").decode() if b":" in rest else rest.decode()
        sizes[kind] += int(size or 0)
    return dict(sizes)


def documents(paragraphs: Sequence[str], size: int) -> list[str]:
    return ["\n".join(paragraphs[s : s + size]) for s in range(0, len(paragraphs), size)]


def feed(store: Any, docs: list[str], prefix: str | None = None) -> tuple[float, Deduper]:
    deduper = Deduper(index=store, prefix=prefix or "dedupe")
    began = time.perf_counter()
    for k, text in enumerate(docs):
        deduper.feed(text, doc_id=f"doc-{k:06d}")
    return time.perf_counter() - began, deduper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=20_000, help="corpus paragraphs (default 20,000)")
    parser.add_argument("--doc-size", type=int, default=20, help="paragraphs per document (default 20)")
    parser.add_argument("--queries", type=int, default=5_000, help="paragraphs queried (default 5,000)")
    parser.add_argument("--buffer-size", type=int, default=50_000, help="datasketch insertion_session buffer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=None, help=f"the JSON file (default: {RUNS}/redis_index-STAMP.json)"
    )
    parser.add_argument(
        "--latest", action="store_true", help=f"also write {RESULTS}/redis_index.json, the committed figures"
    )
    args = parser.parse_args(argv)
    import redis
    from datasketch import MinHashLSH

    version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    machine = f"{platform_line()[2:]}; {os.cpu_count()} CPUs; {version}; redis-py {redis.__version__}"
    print(f"# {machine}")
    config = DedupeConfig()
    paragraphs = make_corpus(args.paragraphs, args.seed).paragraphs
    docs = documents(paragraphs, args.doc_size)
    n = len(paragraphs)
    keys = [normalize(p) for p in paragraphs]
    signatures = sign_keys(keys, config.shingle_size, config.num_perm, config.seed)
    bands = band_keys(signatures, 0, config.bands, config.rows) ^ _salts("", config.bands)
    queried = np.arange(min(args.queries, n))
    results: dict[str, Any] = {"machine": machine, "paragraphs": n, "documents": len(docs), "systems": {}}
    systems = results["systems"]

    def step(text: str) -> None:
        print(f"  {text}", file=sys.stderr, flush=True)

    with redis_server() as server:
        client = redis.Redis.from_url(server.url)

        # (a) ours, through the Deduper
        client.flushall()
        before = used_memory(client)
        step("ours: Deduper feeding documents")
        timed = Timed(RedisStore(server.url, "bench"))
        seconds, deduper = feed(timed, docs)
        store_seconds = dict(timed.seconds)
        entries = deduper.stats().entries
        grown = used_memory(client) - before
        kinds = memory_by_kind(client, b"bench")
        step("ours: Deduper feeding the same documents again (everything seen)")
        again_seconds, _ = feed(RedisStore(server.url, "bench"), docs, "bench")
        systems["ours_deduper"] = {
            "indexed": entries,
            "insert_seconds": seconds,
            "insert_per_s": n / seconds,
            "store_seconds": sum(store_seconds.values()),
            "store_seconds_by_method": store_seconds,
            "memory_bytes": grown,
            "bytes_per_indexed": grown / entries,
            "memory_usage_by_kind": kinds,
            "refeed_seconds": again_seconds,
            "refeed_per_s": n / again_seconds,
        }
        deduper.close()

        # (a2) ours, the store alone, every paragraph
        client.flushall()
        before = used_memory(client)
        step("ours: RedisStore.add of every paragraph")
        store = RedisStore(server.url, "bench")
        store.check(Deduper(config=config).params())
        entry_of = np.empty(n, dtype=np.int64)  # exact copies share an entry; datasketch keeps each paragraph
        began = time.perf_counter()
        for s in range(0, n, args.doc_size):
            part = range(s, min(n, s + args.doc_size))
            entry_of[s : part.stop], _ = store.add(
                "",
                [keys[i] for i in part],
                signatures[s : part.stop],
                bands[s : part.stop],
                [Location(f"doc-{s // args.doc_size:06d}", i - s, (0, len(paragraphs[i]))) for i in part],
            )
        seconds = time.perf_counter() - began
        entries = store.stats()[0]
        grown = used_memory(client) - before
        kinds = memory_by_kind(client, b"bench")
        step("ours: find_near per document")
        began = time.perf_counter()
        ours_candidates: dict[int, set[int]] = defaultdict(set)
        for s in range(0, len(queried), args.doc_size):
            rows, ids = store.find_near(bands[queried[s : s + args.doc_size]])
            for r, e in zip(rows.tolist(), ids.tolist(), strict=True):
                ours_candidates[s + r].add(e)
        query_seconds = time.perf_counter() - began
        stats_began = time.perf_counter()
        stats_bytes = store.stats()[1]
        stats_seconds = time.perf_counter() - stats_began
        store.close()
        systems["ours_store"] = {
            "indexed": entries,
            "insert_seconds": seconds,
            "insert_per_s": n / seconds,
            "memory_bytes": grown,
            "bytes_per_indexed": grown / entries,
            "memory_usage_by_kind": kinds,
            "bucket_bytes_per_indexed": (kinds.get("b", 0) + kinds.get("o", 0)) / entries,
            "query_seconds": query_seconds,
            "query_per_s": len(queried) / query_seconds,
            "stats_bytes": stats_bytes,
            "stats_seconds": stats_seconds,
        }

        # (b) datasketch, Redis storage
        client.flushall()
        before = used_memory(client)
        step("datasketch: insertion_session")
        minhashes = [to_lean_minhash(signatures[i], config.seed) for i in range(n)]
        storage = {"type": "redis", "basename": b"dsbench", "redis": {"host": "127.0.0.1", "port": server.port}}
        lsh = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows), storage_config=storage)
        began = time.perf_counter()
        with lsh.insertion_session(buffer_size=args.buffer_size) as session:
            for i, m in enumerate(minhashes):
                session.insert(i, m, check_duplication=False)
        seconds = time.perf_counter() - began
        grown = used_memory(client) - before
        keys_in_redis = int(client.dbsize())
        step("datasketch: query per paragraph")
        began = time.perf_counter()
        theirs = {int(q): {int(entry_of[k]) for k in lsh.query(minhashes[int(q)])} for q in queried}
        query_seconds = time.perf_counter() - began
        systems["datasketch_redis"] = {
            "indexed": n,
            "insert_seconds": seconds,
            "insert_per_s": n / seconds,
            "memory_bytes": grown,
            "bytes_per_indexed": grown / n,
            "redis_keys": keys_in_redis,
            "query_seconds": query_seconds,
            "query_per_s": len(queried) / query_seconds,
        }
        same = sum(ours_candidates[int(q)] == theirs[int(q)] for q in queried)
        results["candidates_identical"] = same / len(queried)
        client.flushall()
        client.close()

    # (c) in memory
    step("in memory: Deduper feeding documents")
    timed = Timed(MemoryStore())
    seconds, deduper = feed(timed, docs)
    store_seconds = sum(timed.seconds.values())
    entries, size = deduper.store.stats()
    memory = MemoryStore()
    memory.check(deduper.params())
    memory.add("", keys, signatures, bands, [Location("d", i, (0, 1)) for i in range(n)])
    began = time.perf_counter()
    for s in range(0, len(queried), args.doc_size):
        memory.find_near(bands[queried[s : s + args.doc_size]])
    query_seconds = time.perf_counter() - began
    systems["memory"] = {
        "indexed": entries,
        "insert_seconds": seconds,
        "insert_per_s": n / seconds,
        "store_seconds": store_seconds,
        "memory_bytes": size,
        "bytes_per_indexed": size / entries,
        "query_seconds": query_seconds,
        "query_per_s": len(queried) / query_seconds,
    }

    print(table(results, len(queried)))
    outs = [args.out or RUNS / f"redis_index-{time.strftime('%Y%m%d-%H%M%S')}.json"]
    if args.latest:
        outs.append(RESULTS / "redis_index.json")
    for out in outs:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"\nwritten to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


def table(results: dict[str, Any], queries: int) -> str:
    s = results["systems"]
    ours, store, theirs, memory = s["ours_deduper"], s["ours_store"], s["datasketch_redis"], s["memory"]
    n = results["paragraphs"]
    lines = [
        f"\n{n:,} paragraphs in {results['documents']:,} documents; queries on {queries:,} paragraphs; "
        f"candidate entries identical to datasketch's for {results['candidates_identical']:.1%} of them\n",
        "| system | indexed | insert paragraphs/s | query paragraphs/s | bytes per indexed paragraph |",
        "|---|---:|---:|---:|---:|",
        f"| ours: Deduper on Redis (whole pipeline) | {ours['indexed']:,} | {ours['insert_per_s']:,.0f} "
        f"(store {ours['store_seconds'] / ours['insert_seconds']:.0%} of the time) | "
        f"{ours['refeed_per_s']:,.0f} (feeding again) | {ours['bytes_per_indexed']:,.0f} |",
        f"| ours: RedisStore.add, every paragraph | {store['indexed']:,} | {store['insert_per_s']:,.0f} | "
        f"{store['query_per_s']:,.0f} (find_near) | {store['bytes_per_indexed']:,.0f} "
        f"(buckets {store['bucket_bytes_per_indexed']:,.0f}) |",
        f"| datasketch MinHashLSH, Redis storage | {theirs['indexed']:,} | {theirs['insert_per_s']:,.0f} | "
        f"{theirs['query_per_s']:,.0f} (query) | {theirs['bytes_per_indexed']:,.0f} |",
        f"| in memory: Deduper on MemoryStore | {memory['indexed']:,} | {memory['insert_per_s']:,.0f} "
        f"(store {memory['store_seconds'] / memory['insert_seconds']:.0%}) | "
        f"{memory['query_per_s']:,.0f} (find_near) | {memory['bytes_per_indexed']:,.0f} (estimate) |",
    ]
    kinds = ", ".join(f"{k} {v / store['indexed']:,.0f}" for k, v in sorted(store["memory_usage_by_kind"].items()))
    lines.append(f"\nMEMORY USAGE per indexed paragraph by kind of key (store only): {kinds}")
    lines.append(f"Python {platform.python_version()}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
