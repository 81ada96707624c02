"""Crowded LSH buckets in the corpus index: the work stays linear, and what a lookup sees is fixed.

On a low-vocabulary corpus every paragraph shares buckets with many earlier ones. A lookup
sees the first entries of a crowded bucket (policy "seen") or skips a very crowded one
(boilerplate); either way what it sees depends on the entries in the index, not on how
they were batched, saved or loaded. (The Redis store is held to the same answers in
tests/test_redis.py.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dedupe.store
import dedupe.verify
from dedupe import Deduper, Explained
from dedupe.store import CROWDED_BUCKET, FIRST_OF_BUCKET, Crowded, Location, MemoryStore
from tests import low_vocabulary

FOUR_WORDS = ("the", "of", "and", "city")


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of the pairs rapidfuzz scores (every verification goes through ``verify.cpdist``)."""
    count = [0]
    real = dedupe.verify.cpdist

    def counted(left: Any, right: Any, **options: Any) -> Any:
        count[0] += len(left)
        return real(left, right, **options)

    monkeypatch.setattr(dedupe.verify, "cpdist", counted)
    return count


def test_seen_before_verifications_grow_linearly(verifications: list[int]) -> None:
    docs = low_vocabulary.records(400, words=FOUR_WORDS)
    d = Deduper()
    marks = []
    for k, text in enumerate(docs):
        d.feed(text, doc_id=str(k))
        if (k + 1) % 100 == 0:
            marks.append(verifications[0])
    # Without a cap each paragraph is verified against a share of all the earlier ones: the
    # fourth hundred records cost 2.3 times the second hundred, and 945 verifications per paragraph.
    steps = np.diff([0, *marks])
    assert steps[3] <= 1.25 * steps[1], steps
    within = 10  # pairs inside a document of 5 paragraphs
    assert marks[-1] <= len(docs) * (5 * d.config.bands * FIRST_OF_BUCKET + within)


def test_boilerplate_verifications_grow_linearly(verifications: list[int]) -> None:
    def feed_pass(count: int) -> int:
        docs = low_vocabulary.records(count, words=FOUR_WORDS)
        d = Deduper(policy="boilerplate")
        for k, text in enumerate(docs):
            d.count(text, doc_id=str(k))
        verifications[0] = 0
        for k, text in enumerate(docs):
            d.feed(text, doc_id=str(k))
        return verifications[0]

    # Without a cap: 16 times the verifications for 4 times the records.
    assert feed_pass(320) <= 5 * feed_pass(80)


def feed(d: Deduper, docs: list[str], save_every: int = 0, tmp: Any = None) -> list[Explained]:
    out = []
    for k, text in enumerate(docs):
        if save_every and k and k % save_every == 0:
            d.save(tmp / "index.npz")
            d = Deduper(index=tmp / "index.npz")  # one run of buckets, rebuilt from the file
        out.append(d.feed(text, doc_id=f"d{k}"))
    return out


def crowded_buckets(store: Any, over: int) -> int:
    _, sizes = np.unique(np.concatenate([keys for keys, _ in store.buckets.runs]), return_counts=True)
    return int((sizes > over).sum())


def test_seen_before_does_not_depend_on_saves_and_finds_what_an_uncapped_index_finds(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = low_vocabulary.records(150, copies=0.2, words=low_vocabulary.WORDS[:8])
    d = Deduper()
    straight = feed(d, docs)
    assert crowded_buckets(d.store, FIRST_OF_BUCKET) > 100 and sum(len(r.removed) for r in straight) > 100
    assert feed(Deduper(), docs, save_every=40, tmp=tmp_path) == straight
    # A document fed again (a job run twice) keeps what it kept: what it found is still in view.
    assert [d.feed(text, doc_id=f"d{k}").text for k, text in enumerate(docs[:30])] == [r.text for r in straight[:30]]
    # In this corpus the planted copies all share a bucket where their original is among the first.
    monkeypatch.setattr(dedupe.store, "FIRST_OF_BUCKET", 10**9)
    uncapped = feed(Deduper(), docs)
    assert [r.text for r in uncapped] == [r.text for r in straight]


def test_boilerplate_on_crowded_buckets_does_not_depend_on_document_order() -> None:
    docs = low_vocabulary.records(100, copies=0.3, words=low_vocabulary.WORDS[:5])

    def run(order: list[int]) -> dict[int, Explained]:
        d = Deduper(policy="boilerplate")
        for k in order:
            d.count(docs[k], doc_id=f"d{k}")
        assert crowded_buckets(d.store, CROWDED_BUCKET) > 0
        return {k: d.feed(docs[k], doc_id=f"d{k}") for k in order}

    order = list(range(len(docs)))
    first = run(order)
    assert sum(len(r.removed) for r in first.values()) > 100
    assert run(order[::-1]) == first
    assert run(order[1::2] + order[0::2]) == first


# -- the store itself, against a reference ---------------------------------------------------------


def crafted(n: int = 900) -> tuple[np.ndarray, list[str]]:
    """Band keys of ``n`` entries: buckets of every size, several far beyond both caps."""
    rng = np.random.default_rng(7)
    e = np.arange(n, dtype=np.uint64)
    bands = np.stack(
        [
            e % np.uint64(3),
            e % np.uint64(11),
            e % np.uint64(40),
            e // np.uint64(70),
            rng.integers(0, 2**40, n).astype(np.uint64),
        ],
        axis=1,
    )
    # Bands never share keys, not even in their low 32 bits (all that a Redis shard's field keeps).
    bands = bands * np.uint64(8) + np.arange(5, dtype=np.uint64)
    return bands, [f"key {i}" for i in range(n)]


def reference(index: np.ndarray, queries: np.ndarray, crowded: Crowded) -> tuple[list[int], list[int]]:
    """What a lookup must see, computed bucket by bucket from the entries in id order."""
    rows, ids = [], []
    for r, query in enumerate(queries):
        seen: set[int] = set()
        for key in query.tolist():
            members = np.flatnonzero((index == key).any(axis=1)).tolist()
            if crowded == "first":
                seen.update(members[:FIRST_OF_BUCKET])
            elif len(members) <= CROWDED_BUCKET:
                seen.update(members)
        rows += [r] * len(seen)
        ids += sorted(seen)
    return rows, ids


def filled(bands: np.ndarray, keys: list[str], batch: int) -> MemoryStore:
    store = MemoryStore()
    store.check({"num_perm": 4})
    signatures = np.zeros((len(keys), 4), dtype=np.uint32)
    for s in range(0, len(keys), batch):
        locations = [Location("d", i, (i, i + 1)) for i in range(s, min(s + batch, len(keys)))]
        store.add("", keys[s : s + batch], signatures[s : s + batch], bands[s : s + batch], locations)
    return store


@pytest.mark.parametrize("crowded", ["first", "skip"])
def test_memory_store_lookup_matches_reference_whatever_the_batches(crowded: Crowded) -> None:
    bands, keys = crafted()
    queries = np.concatenate([bands[::7], bands[5:9, ::-1]])
    want = reference(bands, queries, crowded)
    for batch in (1, 13, 250, len(keys)):
        rows, ids = filled(bands, keys, batch).find_near(queries, crowded)
        assert (rows.tolist(), ids.tolist()) == want, batch
    loaded = MemoryStore()
    loaded.rebuild_buckets(bands)  # as after loading a file
    rows, ids = loaded.find_near(queries, crowded)
    assert (rows.tolist(), ids.tolist()) == want
