"""The Redis index against a real redis-server: same results as in memory, shared by workers.

Without ``redis-server`` or the ``redis`` client these tests are skipped, except under
``CI=true``, where a missing server or client fails them: CI must run them.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedupe import CorpusIndexError, DedupeConfig, Deduper, Explained, IndexMismatchError
from dedupe.store import FIRST_OF_BUCKET, Crowded, Location, MemoryStore
from tests import low_vocabulary, test_crowded
from tests.redis_server import RedisServer, free_port, redis_server, server_binary

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")

Doc = tuple[str, str | None, str]  # doc id, site, text


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; CI=true, so the Redis tests must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    if server_binary() is None:
        unavailable("redis-server is not installed (Debian: apt-get install redis-server)")
    try:
        import redis  # noqa: F401
    except ImportError:
        unavailable("the redis client is not installed (pip install 'news-dedupe[redis]')")
    with redis_server() as running:
        yield running


@pytest.fixture
def url(server: RedisServer) -> str:
    return server.url


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


# -- documents: stories that share paragraphs, footers per site, near copies with a typo ----------

VOCABULARY = (
    "council flood barrier mayor harbour budget vote river police school hospital market train station "
    "report minister court ruling storm season museum festival union strike factory export farmer price "
    "housing rent tenant bridge tunnel airport runway election candidate poll debate summit treaty border"
)
WORDS = VOCABULARY.split()


def paragraph(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(18, 30))]
    return " ".join(words).capitalize() + f", said source number {rnd.randint(0, 10**9)}."


def typo(rnd: random.Random, text: str) -> str:
    at = rnd.randrange(10, len(text) - 10)
    return text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]


def make_docs(seed: int = 1, count: int = 60) -> list[Doc]:
    rnd = random.Random(seed)
    sites: list[str | None] = ["north.example", "south.example", None]
    footers = {site: paragraph(rnd) for site in sites}
    menus = {site: paragraph(rnd) for site in sites}
    stories = [paragraph(rnd) for _ in range(12)]
    stamp = (
        "Updated this morning by the city desk staff of the newspaper; corrections and letters go to the"
        " readers' editor at the address below, quoting edition {:03d} and the page number, all rights reserved."
    )
    docs: list[Doc] = []
    for i in range(count):
        site = sites[i % len(sites)]
        paras = [menus[site], paragraph(rnd)]
        for story in rnd.sample(stories, 2):
            paras.append(typo(rnd, story) if rnd.random() < 0.4 else story)
        paras.append(stamp.format(i))  # near copies of each other: one band bucket fills up
        if rnd.random() < 0.8:
            paras.append(footers[site])
        docs.append((f"doc-{i:03d}", site, "\n".join(paras)))
    return docs


def feed_all(deduper: Deduper, docs: list[Doc]) -> list[Explained]:
    return [deduper.feed(text, doc_id=doc, site=site) for doc, site, text in docs]


def count_all(deduper: Deduper, docs: list[Doc]) -> None:
    for doc, site, text in docs:
        deduper.count(text, doc_id=doc, site=site)


def in_memory(config: DedupeConfig, docs: list[Doc], policy: str = "seen") -> list[Explained]:
    return run(Deduper(policy=policy, config=config), docs)  # type: ignore[arg-type]


def run(deduper: Deduper, docs: list[Doc]) -> list[Explained]:
    if deduper.policy == "boilerplate":
        count_all(deduper, docs)
    return feed_all(deduper, docs)


# -- same results as the in-memory index ------------------------------------------------------------


@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_same_results_as_memory(url: str, prefix: str, config: DedupeConfig, policy: str) -> None:
    docs = make_docs()
    memory = Deduper(policy=policy, config=config)  # type: ignore[arg-type]
    expected = run(memory, docs)
    assert any(r.removed for r in expected) and any(m.kind == "near" for r in expected for m in r.removed)
    with Deduper(policy=policy, config=config, index=url, prefix=prefix) as d:  # type: ignore[arg-type]
        assert run(d, docs) == expected
        stats = d.stats()
    assert stats.entries == memory.stats().entries and stats.bytes > 0


def test_workers_taking_turns(url: str, prefix: str, config: DedupeConfig) -> None:
    docs = make_docs(seed=2)
    expected = in_memory(config, docs)
    with (
        Deduper(config=config, index=url, prefix=prefix) as a,
        Deduper(config=config, index=url, prefix=prefix) as b,
    ):
        got = [(a if k % 2 == 0 else b).feed(text, doc_id=doc, site=site) for k, (doc, site, text) in enumerate(docs)]
    assert got == expected
    assert a.raced == b.raced == 0


@pytest.mark.parametrize("split", ["halves", "alternate", "random"])
def test_boilerplate_split_between_workers(url: str, config: DedupeConfig, split: str) -> None:
    docs = make_docs(seed=3)
    expected = {doc: r for (doc, _, _), r in zip(docs, in_memory(config, docs, "boilerplate"), strict=True)}
    rnd = random.Random(split)
    for order in (docs, list(reversed(docs)), rnd.sample(docs, len(docs))):
        if split == "halves":
            parts = [order[: len(order) // 2], order[len(order) // 2 :]]
        elif split == "alternate":
            parts = [order[0::2], order[1::2]]
        else:
            picks = [rnd.random() < 0.3 for _ in order]
            parts = [
                [d for d, p in zip(order, picks, strict=True) if p],
                [d for d, p in zip(order, picks, strict=True) if not p],
            ]
        prefix = f"split-{uuid.uuid4().hex[:8]}"
        workers = [Deduper(policy="boilerplate", config=config, index=url, prefix=prefix) for _ in parts]
        for worker, part in zip(workers, parts, strict=True):
            count_all(worker, part)
        got = {}
        for worker, part in zip(workers, parts, strict=True):
            got.update({doc: r for (doc, _, _), r in zip(part, feed_all(worker, part), strict=True)})
            worker.close()
        assert {d: r.text for d, r in got.items()} == {d: r.text for d, r in expected.items()}
        assert got == expected  # explanations too: locations are the least (doc, index), whatever the order


# -- two processes at the same time ------------------------------------------------------------------


def _worker(url: str, prefix: str, config: DedupeConfig, docs: list[Doc], start: Any, out: Any) -> None:
    with Deduper(config=config, index=url, prefix=prefix) as d:
        start.wait()
        results = feed_all(d, docs)
        out.put((d.raced, [(doc, r.text) for (doc, _, _), r in zip(docs, results, strict=True)]))


def test_concurrent_processes(url: str, prefix: str, config: DedupeConfig) -> None:
    rnd = random.Random(4)
    shared = [paragraph(rnd) for _ in range(40)]  # exact copies only: every survivor is accounted for
    docs: list[Doc] = []
    for i in range(60):
        paras = [paragraph(rnd), *rnd.sample(shared, 4), paragraph(rnd)]
        docs.append((f"doc-{i:03d}", None, "\n".join(paras)))
    # Overlapping shares that start with the same texts, so races on the same keys are likely. The
    # second worker's copies have ids of their own: a document fed again under its own id keeps
    # what it kept, by design, and would not count as a race.
    first = docs[:40]
    second = [(f"{doc}-again", site, text) for doc, site, text in docs[:10]] + docs[40:]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    start, out = context.Barrier(2), context.Queue()
    procs = [context.Process(target=_worker, args=(url, prefix, config, part, start, out)) for part in (first, second)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    raced = sum(r[0] for r in reports)
    source = {doc: text for doc, _, text in first + second}
    kept: Counter[str] = Counter()
    occurs: set[str] = set()
    for _, outputs in reports:
        for doc, text in outputs:
            kept.update(set(text.splitlines()))
            occurs.update(source[doc].splitlines())
    for para in occurs:
        assert kept[para] >= 1, f"removed everywhere: {para[:60]!r}"
    # A paragraph kept more than once survived only because another worker indexed it at the same moment.
    assert sum(n - 1 for n in kept.values()) == raced


# -- keys, parameters, failures ----------------------------------------------------------------------


def test_prefixes_are_isolated(url: str, config: DedupeConfig) -> None:
    docs = make_docs(seed=5)
    one, two = f"iso-{uuid.uuid4().hex[:8]}", f"iso-{uuid.uuid4().hex[:8]}"
    with Deduper(config=config, index=url, prefix=one) as a:
        feed_all(a, docs)
        entries_a = a.stats().entries
    with Deduper(config=config, index=url, prefix=two) as b:
        assert b.stats().entries == 0
        assert feed_all(b, docs) == in_memory(config, docs)  # as if nothing were indexed yet
    with Deduper(config=config, index=url, prefix=one) as a:
        assert a.stats().entries == entries_a


def test_other_parameters_refused(url: str, prefix: str, config: DedupeConfig) -> None:
    Deduper(config=config, index=url, prefix=prefix).close()
    with pytest.raises(IndexMismatchError, match=r"num_perm=32 \(this run: 64\)") as err:
        Deduper(num_perm=64, bands=8, rows=4, index=url, prefix=prefix)
    assert prefix in str(err.value) and url in str(err.value)
    with pytest.raises(IndexMismatchError, match="policy='seen'"):
        Deduper(policy="boilerplate", config=config, index=url, prefix=prefix)


def test_server_going_away(config: DedupeConfig, server: RedisServer) -> None:
    import redis

    docs = make_docs(seed=6, count=4)
    with redis_server() as own:
        d = Deduper(config=config, index=own.url, prefix="gone")
        feed_all(d, docs[:2])
        own.stop()
        began = time.monotonic()
        with pytest.raises(CorpusIndexError) as err:
            feed_all(d, docs[2:])
    assert time.monotonic() - began < 5
    assert not isinstance(err.value, redis.RedisError)
    message = str(err.value)
    assert message.startswith(f"{own.url}: connection lost (") and "\n" not in message


def test_cannot_connect_names_url_without_password(server: RedisServer) -> None:
    with redis_server() as own:
        port = own.port
    with pytest.raises(CorpusIndexError, match=r"^redis://127\.0\.0\.1:\d+/0: cannot connect \(") as err:
        Deduper(index=f"redis://:s3cret@127.0.0.1:{port}/0")
    assert "s3cret" not in str(err.value)


def test_redis_client_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(CorpusIndexError, match=r"needs the redis client: pip install 'news-dedupe\[redis\]'"):
        Deduper(index="redis://127.0.0.1:6379/0")


# -- the store itself: round trips, chunks, levels, crowded buckets -------------------------------------


def params(num_perm: int = 16, bands: int = 4) -> dict[str, Any]:
    return {"format": "test", "num_perm": num_perm, "bands": bands, "rows": 4}


def test_records_round_trip_any_text(url: str, prefix: str) -> None:
    from dedupe.redis_store import RedisStore

    store = RedisStore(url, prefix)
    store.check(params())
    keys = ["plain", "lone \ud800 surrogate", "emoji 😀 and \x00 nul", "한국어 문단", ""]
    docs = ["doc \udfff", "", "ü", "\x00", "d"]
    rng = np.random.default_rng(0)
    signatures = rng.integers(0, 2**32, (len(keys), 16), dtype=np.uint64).astype(np.uint32)
    bands = rng.integers(0, 2**63, (len(keys), 4), dtype=np.uint64)
    locations = [Location(doc, i * 10**12, (i, 2**40 + i)) for i, doc in enumerate(docs)]
    ids, new = store.add("scope \udc80", keys, signatures, bands, locations)
    assert new.all() and ids.tolist() == [0, 1, 2, 3, 4]
    records = store.fetch(ids[::-1])
    assert records.keys == keys[::-1] and records.locations == locations[::-1]
    assert np.array_equal(records.signatures, signatures[::-1])
    assert store.find_exact("scope \udc80", keys).tolist() == [0, 1, 2, 3, 4]
    assert store.find_exact("scope", keys).tolist() == [-1] * 5
    again, fresh = store.add("scope \udc80", keys[:2], signatures[:2], bands[:2], locations[:2])
    assert again.tolist() == [0, 1] and not fresh.any()
    store.close()


def test_store_matches_memory_across_levels_and_chunks(url: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With level 0 shrunk to 256 entries, 5,000 entries fill levels 0 to 2; long adds go in several calls."""
    import dedupe.redis_store
    from dedupe.redis_store import CHUNK, RedisStore

    monkeypatch.setattr(dedupe.redis_store, "FIRST", 256)
    rng = np.random.default_rng(1)
    n = 5000
    keys = [f"key {i}" for i in range(n)]
    signatures = rng.integers(0, 2**32, (n, 16), dtype=np.uint64).astype(np.uint32)
    bands = rng.integers(0, 2**64 - 1, (n, 4), dtype=np.uint64)
    bands[::125, 1] = bands[0, 1]  # one crowded bucket (40 entries), beyond what a listpack field holds
    locations = [Location(f"d{i // 50}", i % 50, (i, i + 1)) for i in range(n)]
    assert CHUNK < 1300
    redis_store, memory = RedisStore(url, prefix), MemoryStore()
    for store in (redis_store, memory):
        store.check(params())
        for s in range(0, n, 1300):
            store.add("", keys[s : s + 1300], signatures[s : s + 1300], bands[s : s + 1300], locations[s : s + 1300])
    queries = np.concatenate([bands[::3], rng.integers(0, 2**64 - 1, (50, 4), dtype=np.uint64)])
    got, want = redis_store.find_near(queries), memory.find_near(queries)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert len(want[1]) > len(queries)  # the crowded bucket answered
    probe = [*keys[::5], "absent"]
    assert np.array_equal(redis_store.find_exact("", probe), memory.find_exact("", probe))
    assert redis_store.stats()[0] == n
    levels = {key.split(b":")[1] for key in redis_store._client.scan_iter(match=prefix.encode() + b":b*")}
    assert levels == {b"b0", b"b1", b"b2"}
    redis_store.close()


@pytest.mark.parametrize("crowded", ["first", "skip"])
def test_crowded_buckets_same_as_memory_across_levels(
    url: str, prefix: str, monkeypatch: pytest.MonkeyPatch, crowded: Crowded
) -> None:
    """Buckets of up to 833 entries spread over levels 0 to 2 and overflow keys: the same first ids, the same skips."""
    import dedupe.redis_store
    from dedupe.redis_store import RedisStore

    monkeypatch.setattr(dedupe.redis_store, "FIRST", 256)
    bands, keys = test_crowded.crafted(2500)
    memory = test_crowded.filled(bands, keys, len(keys))
    store = RedisStore(url, prefix)
    store.check(params(num_perm=4, bands=bands.shape[1]))
    signatures = np.zeros((len(keys), 4), dtype=np.uint32)
    for s in range(0, len(keys), 700):  # more than one script call per add
        locations = [Location("d", i, (i, i + 1)) for i in range(s, min(s + 700, len(keys)))]
        store.add("", keys[s : s + 700], signatures[s : s + 700], bands[s : s + 700], locations)
    queries = np.concatenate([bands[::7], bands[5:9, ::-1]])
    got, want = store.find_near(queries, crowded), memory.find_near(queries, crowded)
    assert (got[0].tolist(), got[1].tolist()) == test_crowded.reference(bands, queries, crowded)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    levels = {key.split(b":")[1] for key in store._client.scan_iter(match=prefix.encode() + b":[bo]*")}
    assert levels == {b"b0", b"b1", b"b2", b"o0", b"o1", b"o2"}
    store.close()


@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_low_vocabulary_stream_same_as_memory(url: str, prefix: str, policy: str) -> None:
    texts = low_vocabulary.records(150, copies=0.2, words=low_vocabulary.WORDS[:8])
    docs: list[Doc] = [(f"doc-{k:03d}", None, text) for k, text in enumerate(texts)]
    memory = Deduper(policy=policy)  # type: ignore[arg-type]
    expected = run(memory, docs)
    assert test_crowded.crowded_buckets(memory.store, FIRST_OF_BUCKET) > 100
    with Deduper(policy=policy, index=url, prefix=prefix) as d:  # type: ignore[arg-type]
        assert run(d, docs) == expected


def test_stats_sampled_close_to_exact(url: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import dedupe.redis_store
    from dedupe.redis_store import RedisStore

    store = RedisStore(url, prefix)
    store.check(params())
    rng = np.random.default_rng(2)
    n = 3000
    signatures = rng.integers(0, 2**32, (n, 16), dtype=np.uint64).astype(np.uint32)
    bands = rng.integers(0, 2**64 - 1, (n, 4), dtype=np.uint64)
    store.add(
        "", [f"paragraph {i} " * (i % 7 + 1) for i in range(n)], signatures, bands, [Location("d", 0, (0, 1))] * n
    )
    entries, exact = store.stats()
    monkeypatch.setattr(dedupe.redis_store, "SAMPLE", 50)
    assert store.stats() != (entries, exact)
    assert abs(store.stats()[1] - exact) < 0.1 * exact and entries == n
    store.close()


def test_doc_counts_and_locations_match_memory(url: str, prefix: str) -> None:
    """Entries seen in many documents (beyond a listpack field), in any order; groups unite them."""
    from dedupe.redis_store import RedisStore

    rng = random.Random(7)
    redis_store, memory = RedisStore(url, prefix), MemoryStore()
    n = 6
    signatures = np.zeros((n, 16), dtype=np.uint32)
    bands = np.arange(n * 4, dtype=np.uint64).reshape(n, 4)
    first = [Location("zz", 0, (0, 1))] * n
    events = [(f"doc-{rng.randrange(60):02d}", rng.randrange(n - 1), rng.randrange(5)) for _ in range(400)]
    events += [(f"doc-{rng.randrange(60):02d}", n - 1, rng.randrange(5)) for _ in range(6)]  # few: packed
    for store in (redis_store, memory):
        store.check(params())
        store.add("", [f"k{i}" for i in range(n)], signatures, bands, first)
        for doc, entry, index in events:
            store.add_docs(np.asarray([entry]), doc, [Location(doc, index, (index, index + 5))])
    groups = [np.asarray(g) for g in ([0], [1], [0, 1], [2, 3, 4], [5], [0, 5, 5], [1, 2, 3, 4, 5], [5, 4])]
    assert redis_store.doc_counts(groups) == memory.doc_counts(groups)
    all_ids = np.arange(n)
    assert redis_store.fetch(all_ids).locations == memory.fetch(all_ids).locations
    redis_store.close()


# -- the server losing the index mid-run --------------------------------------------------------------
# (Tests that start a server of their own take the ``server`` fixture for its skip-or-fail rule.)


def flushall(url: str) -> None:
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushall()


def test_flushed_between_documents(config: DedupeConfig, server: RedisServer) -> None:
    docs = make_docs(seed=8, count=6)
    with redis_server() as own:
        d = Deduper(config=config, index=own.url, prefix="flushed")
        feed_all(d, docs[:3])
        flushall(own.url)
        with pytest.raises(CorpusIndexError, match=r"the index is gone since this run joined it") as err:
            d.feed(docs[3][2], doc_id=docs[3][0], site=docs[3][1])
        d.close()
    assert str(err.value).startswith(f"{own.url} prefix 'flushed': ") and "\n" not in str(err.value)


def test_restarted_empty(config: DedupeConfig, server: RedisServer) -> None:
    docs = make_docs(seed=9, count=6)
    with redis_server() as own:
        d = Deduper(config=config, index=own.url, prefix="empty")
        feed_all(d, docs[:3])
        own.restart(keep_data=False)
        with pytest.raises(CorpusIndexError, match="the index is gone"):
            feed_all(d, docs[3:])
        d.close()


def test_restarted_with_its_data_goes_on(config: DedupeConfig, server: RedisServer) -> None:
    docs = make_docs(seed=10, count=12)
    expected = in_memory(config, docs)
    with redis_server() as own:
        with Deduper(config=config, index=own.url, prefix="kept") as d:
            got = feed_all(d, docs[:6])
            own.restart(keep_data=True)
            got += feed_all(d, docs[6:])
        assert got == expected


def test_flushed_and_created_again_by_another_worker(config: DedupeConfig, server: RedisServer) -> None:
    docs = make_docs(seed=11, count=8)
    with redis_server() as own:
        early = Deduper(config=config, index=own.url, prefix="again")
        feed_all(early, docs[:2])
        flushall(own.url)
        with Deduper(config=config, index=own.url, prefix="again") as late:  # a fresh index for the newcomer
            assert feed_all(late, docs[2:4]) == in_memory(config, docs[2:4])
            with pytest.raises(CorpusIndexError, match="the index was deleted and created again since this run"):
                feed_all(early, docs[4:])
            assert feed_all(late, docs[4:]) == in_memory(config, docs[2:])[2:]
        early.close()


def _store_calls(store: Any, ids: Any) -> dict[str, Any]:
    """Each call of the store protocol that talks to the server, with arguments that reach it."""
    bands = np.arange(8, dtype=np.uint64).reshape(2, 4)
    sig = np.zeros((2, 16), dtype=np.uint32)
    locs = [Location("d", 0, (0, 1)), Location("d", 1, (2, 3))]
    return {
        "find_exact": lambda: store.find_exact("", ["k0"]),
        "find_near": lambda: store.find_near(bands),
        "fetch": lambda: store.fetch(ids),
        "add": lambda: store.add("", ["k2", "k3"], sig, bands, locs),
        "add_docs": lambda: store.add_docs(ids, "d", locs),
        "doc_counts": lambda: store.doc_counts([ids]),
        "stats": store.stats,
    }


@pytest.mark.parametrize("call", ["find_exact", "find_near", "fetch", "add", "add_docs", "doc_counts", "stats"])
def test_every_store_call_checks_the_index_is_the_one_joined(url: str, prefix: str, call: str) -> None:
    import redis

    from dedupe.redis_store import RedisStore

    store = RedisStore(url, prefix)
    store.check(params())
    ids, _ = store.add(
        "",
        ["k0", "k1"],
        np.zeros((2, 16), dtype=np.uint32),
        np.zeros((2, 4), np.uint64),
        [Location("d", 0, (0, 1))] * 2,
    )
    _store_calls(store, ids)[call]()  # works while the index is there
    with redis.Redis.from_url(url) as client:
        client.delete(*client.keys(f"{prefix}:*"))  # as FLUSHALL would
        with pytest.raises(CorpusIndexError, match="the index is gone"):
            _store_calls(store, ids)[call]()
        RedisStore(url, prefix).check(params())  # another worker creates it again
        with pytest.raises(CorpusIndexError, match="deleted and created again"):
            _store_calls(store, ids)[call]()
        assert client.keys(f"{prefix}:*") == [f"{prefix}:meta".encode()]  # the stale worker wrote nothing
    store.close()


# -- URLs and timeouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis://127.0.0.1:6379/0?foo=bar", "unknown parameter 'foo' (known: db, password, timeout,"),
        ("redis://127.0.0.1:6379/abc", "the database is '/abc', not a number"),
        ("redis://127.0.0.1:6379/-1", "the database is '/-1', not a number"),
        ("redis://127.0.0.1:6379/0?db=1", "the database is given twice"),
        ("redis://127.0.0.1:6379?db=x", "db='x' is not a number"),
        ("redis://127.0.0.1:6379/0?timeout=0", "timeout='0' is not a number of seconds above 0"),
        ("redis://127.0.0.1:6379/0?timeout=soon", "timeout='soon' is not a number"),
        ("redis://127.0.0.1:6379/0?timeout=1&timeout=2", "timeout is given twice"),
        ("redis://127.0.0.1:6379/0?timeout", "not name=value pairs"),
        ("redis://127.0.0.1:6379/0?ssl_cert_reqs=none", "ssl_cert_reqs is for rediss://"),
        ("rediss://127.0.0.1:6379/0?ssl_cert_reqs=some", "ssl_cert_reqs='some': required, optional or none"),
        ("redis://127.0.0.1:0/0", "port 0"),
        ("redis://127.0.0.1:65536/0", "the port is not a number from 1 to 65535"),
        ("redis://:6379/0", "no host"),
        ("redis://127.0.0.1/0#x", "a fragment"),
        ("unix://host/tmp/redis.sock", "unix:// takes the path of a socket"),
    ],
)
def test_bad_urls_refused_before_connecting(url: str, reason: str) -> None:
    with pytest.raises(CorpusIndexError, match="not a usable Redis URL: ") as err:
        Deduper(index=url)
    assert reason in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://:s3cret@127.0.0.1:6379/0?foo=bar",
        "redis://127.0.0.1:6379/0?password=s3cret&foo=1",
        "redis://:s3cret@127.0.0.1:x/0",
        "redis://:s3/cret@127.0.0.1:6379/0",  # a "/" written as is: the password's end looks like a path
        "redis://:12/s3cret@127.0.0.1/0",
        "redis://:12?s3cret=1@127.0.0.1/0",
        "redis://:12#s3cret@127.0.0.1/0",
        "redis://u:s3cret@127.0.0.1/0?password=s3cret",
    ],
)
def test_bad_urls_never_show_the_password(url: str) -> None:
    with pytest.raises(CorpusIndexError, match="not a usable Redis URL") as err:
        Deduper(index=url)
    assert "cret" not in str(err.value)


def test_database_out_of_range(server: RedisServer) -> None:
    with pytest.raises(CorpusIndexError, match=r"/16: cannot connect \(.*DB index is out of range"):
        Deduper(index=f"redis://127.0.0.1:{server.port}/16")


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that takes connections (the kernel completes them into the backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_server_that_never_answers_times_out(server: RedisServer) -> None:
    with silent_listener() as port, pytest.raises(CorpusIndexError, match=r"cannot connect \(Timeout") as err:
        Deduper(index=f"redis://127.0.0.1:{port}/0?timeout=0.5")
    assert str(err.value).startswith(f"redis://127.0.0.1:{port}/0: ")


def test_tls_to_a_plain_server_times_out(server: RedisServer) -> None:
    with pytest.raises(CorpusIndexError, match=r"^rediss://127\.0\.0\.1:\d+/0: cannot connect \("):
        Deduper(index=f"rediss://127.0.0.1:{server.port}/0?timeout=0.5")


def test_a_server_that_stops_answering_mid_run(config: DedupeConfig, server: RedisServer) -> None:
    docs = make_docs(seed=12, count=4)
    with redis_server() as own:
        d = Deduper(config=config, index=f"{own.url}?timeout=0.5", prefix="frozen")
        feed_all(d, docs[:2])
        os.kill(own.process.pid, signal.SIGSTOP)
        try:
            with pytest.raises(CorpusIndexError, match=r"connection lost \(Timeout"):
                feed_all(d, docs[2:])
        finally:
            os.kill(own.process.pid, signal.SIGCONT)
        d.close()


def test_tls(tmp_path: Path, config: DedupeConfig, server: RedisServer) -> None:
    """rediss:// with ssl_ca_certs (the server's own certificate) or ssl_cert_reqs=none; without, a clean refusal."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate for a TLS server")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    request += ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(request, check=True, capture_output=True)
    port = free_port()
    tls = ["--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file", str(key)]
    with ExitStack() as stack:
        try:
            stack.enter_context(redis_server(options=[*tls, "--tls-auth-clients", "no"]))
        except RuntimeError as err:  # a redis-server built without TLS refuses the options
            pytest.skip(f"redis-server without TLS: {err}")
        docs = make_docs(seed=13, count=6)
        base = f"rediss://127.0.0.1:{port}/0"
        for query in (f"?ssl_ca_certs={cert}", "?ssl_cert_reqs=none"):
            with Deduper(config=config, index=base + query, prefix=f"tls-{query[1:4]}") as d:
                assert feed_all(d, docs) == in_memory(config, docs)
        with pytest.raises(CorpusIndexError, match=rf"^{base}: cannot connect \(.*certificate verify failed"):
            Deduper(index=base)


def test_password_and_unix_socket(tmp_path: Path, config: DedupeConfig, server: RedisServer) -> None:
    """The URL's password (before the host or as password=) and a unix:// socket with ?db= reach the server."""
    sock = tmp_path / "redis.sock"
    docs = make_docs(seed=14, count=4)
    with redis_server(options=["--unixsocket", str(sock), "--requirepass", "s3cret"]) as own:
        base = f"127.0.0.1:{own.port}/0"
        for url in (
            f"redis://:s3cret@{base}",
            f"redis://{base}?password=s3cret",
            f"unix://{sock}?db=3&password=s3cret",
        ):
            with Deduper(config=config, index=url, prefix="pw") as d:
                assert feed_all(d, docs) == in_memory(config, docs)
        with pytest.raises(CorpusIndexError, match=r"cannot connect \(.*(invalid|WRONGPASS)") as err:
            Deduper(index=f"redis://:wrong-s3cret@{base}")
        assert "s3cret" not in str(err.value)
        import redis

        with redis.Redis(unix_socket_path=str(sock), password="s3cret", db=3) as client:
            assert client.exists("pw:meta") == 1  # db 3, the one the unix:// URL named
