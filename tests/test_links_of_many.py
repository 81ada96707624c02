"""``links_of_many`` and ``prepare_many``: many documents at once, each with the links it gets alone."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedupe.corpus as corpus_module
from dedupe.config import DedupeConfig
from dedupe.corpus import prepare, prepare_many
from dedupe.matching import Links, links_of_many
from tests import low_vocabulary
from tests.test_feed_many import corpus
from tests.test_jsonl import paragraph

FIELDS = [
    "units",
    "unit_keys",
    "unit_lengths",
    "signatures",
    "pairs",
    "scores",
    "complete",
    "found_partials",
    "partial_complete",
    "partials",
    "looked_up",
    "_members",
]


def same(a: Any, b: Any) -> bool:
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and bool((a == b).all())
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def assert_alone(documents: list[list[str]], config: DedupeConfig) -> list[Links]:
    """Check every document's links from the batch against ``Links`` of it alone; return those."""
    batch = links_of_many(documents, config)
    alone = [Links(texts, config, sign_all=True) for texts in documents]
    assert len(batch) == len(documents)
    for d, (got, ref) in enumerate(zip(batch, alone, strict=True)):
        for name in FIELDS:
            assert same(getattr(got, name), getattr(ref, name)), (d, name)
        assert sorted(map(tuple, map(list, got.capped))) == sorted(map(tuple, map(list, ref.capped))), d
        everything = np.arange(len(texts := documents[d]))
        assert same(got.copies(everything), ref.copies(everything)), d
        half = everything[::2]  # a subset looks the rest of partial copies up again, in the bands it sorts then
        assert same(got.copies(half), ref.copies(half)), (d, texts)
    return alone


def partial_documents(seed: int, count: int = 30) -> list[list[str]]:
    """Documents that hold truncated, merged and extended copies of their own paragraphs."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        body = [paragraph(rng) + " " + paragraph(rng) for _ in range(rng.randint(2, 5))]
        a, b = rng.sample(body, 2)
        extra = [a[: len(a) // 2], a + " " + b, b + " " + paragraph(rng), a.replace("e", "a", 1)]
        out.append(body + rng.sample(extra, rng.randint(0, len(extra))))
    return out


def test_a_stream_of_small_documents() -> None:
    documents = [text.split("\n") for text, _, _ in corpus(90, seed=5)]
    for doc in documents[::3]:
        doc.append(doc[0].replace("a", "e", 2))  # a near repeat within the document
    alone = assert_alone(documents, DedupeConfig())
    assert sum(len(links.pairs) for links in alone) > 0  # repeats within documents: some links to compare


def test_partial_copies_within_documents() -> None:
    documents = partial_documents(8)
    alone = assert_alone(documents, DedupeConfig())
    assert sum(len(links.partials.pairs) for links in alone) >= 10
    assert sum(len(links.looked_up.pairs) + len(links.found_partials.pairs) for links in alone) > 0
    assert_alone(documents, DedupeConfig(keep="longest"))


def near_copies(rng: random.Random, count: int) -> list[str]:
    """``count`` near copies of one line (a few characters changed): more than a bucket's cap share a bucket."""
    base = list(paragraph(rng))
    out = []
    for _ in range(count):
        chars = base[:]
        for _ in range(rng.randint(0, 2)):
            chars[rng.randrange(len(chars))] = rng.choice("xyz")
        out.append("".join(chars))
    return out


def test_crowded_buckets_are_capped_per_document() -> None:
    """Buckets beyond the cap are paired as windows, document by document (and a tiny vocabulary)."""
    rng = random.Random(4)
    documents = [near_copies(rng, 200), ["Short one."], near_copies(rng, 40) + near_copies(rng, 160)]
    documents += [r.split("\n") for r in low_vocabulary.records(4, seed=2, paragraphs=100, copies=0.2)]
    alone = assert_alone(documents, DedupeConfig())
    assert [links.truncated for links in alone[:3]] == [True, False, True]


def test_empty_and_odd_documents_and_other_options() -> None:
    documents = [[], [""], ["", ""], ["x"], ["Same line here.", "Same line here."], ["a" * 40, "b" * 40, "a" * 40]]
    assert_alone(documents, DedupeConfig())
    assert_alone(documents + partial_documents(3, 5), DedupeConfig(num_perm=64, bands=16, rows=4, shingle_size=3))
    assert links_of_many([], DedupeConfig()) == []


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_batch_of_documents(data: st.DataObject) -> None:
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    pool = [paragraph(rng) for _ in range(6)]
    variants = [*pool, *(p[: len(p) // 2] for p in pool), *(p.upper() for p in pool), pool[0] + " " + pool[1]]
    documents = data.draw(st.lists(st.lists(st.sampled_from(variants), max_size=8), max_size=6))
    assert_alone(documents, DedupeConfig())


@pytest.mark.parametrize("alone", [corpus_module.ALONE, 4])  # 4: the longer documents are prepared on their own
def test_prepare_many_is_prepare_of_each(monkeypatch: pytest.MonkeyPatch, alone: int) -> None:
    monkeypatch.setattr(corpus_module, "ALONE", alone)
    config = DedupeConfig()
    texts: list[object] = ["\n".join(doc) for doc in partial_documents(11, 12)]
    texts[3] = None  # no document: its place stays empty, so that preparing it when fed raises there
    texts[7] = b"bytes"
    lengths = [t.count("\n") + 1 for t in texts if isinstance(t, str)]
    assert alone > max(lengths) or min(lengths) <= alone < max(lengths)  # all together, or some alone
    for within in (True, False):
        batch = prepare_many(texts, config, within=within)
        assert batch[3] is None and batch[7] is None
        for text, got in zip(texts, batch, strict=True):
            if not isinstance(text, str):
                continue
            assert got is not None
            ref = prepare(text, config, within=within)
            assert got.spans == ref.spans and same(got.found, ref.found)
            assert all(same(getattr(got.links, name), getattr(ref.links, name)) for name in FIELDS)
