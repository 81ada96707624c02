"""One Deduper fed from several threads: calls take turns, as if made in some sequential order."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from dedupe import Deduper, Explained
from dedupe.signature import sign_keys
from dedupe.store import MemoryStore

THREADS = 4
DOCS_PER_THREAD = 12
WORDS = ["harbour", "council", "budget", "river", "festival", "school", "railway", "hospital", "museum", "election"]
FOOTER = "Copyright 2026 Example News. All rights reserved. Reproduction in any form is prohibited."


@contextmanager
def fast_switching() -> Iterator[None]:
    """Make the interpreter switch threads very often, so that unsafe interleavings show up."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def distinct_documents(count: int, seed: int) -> list[str]:
    """Documents whose paragraphs are all different from each other (no two are near copies)."""
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        lines = []
        for k in range(rng.randint(3, 8)):
            words = " ".join(rng.choice(WORDS) for _ in range(12))
            lines.append(f"Story {seed}-{n}-{k} reports that {words}, according to a statement issued today.")
        lines.append(lines[0])  # a repeat inside the document, removed there
        docs.append("\n".join(lines) + "\n")
    return docs


def with_footer(seed: int) -> list[str]:
    return [text + FOOTER + "\n" for text in distinct_documents(DOCS_PER_THREAD, seed)]


def run_in_threads(work: list[Callable[[], object]]) -> list[object]:
    """Run each callable in its own thread, all released at once; re-raise the first error."""
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        barrier.wait()
        try:
            results[k] = work[k]()
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(work))]
    with fast_switching():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    return results


def check_store(d: Deduper) -> None:
    """Every entry is whole: its signature is the one its key gives, and its key finds it."""
    store = d.store
    assert isinstance(store, MemoryStore)
    c = d.config
    assert len(store.signatures) == len(store.keys) == len(store.loc_doc) == len(store.scope_of)
    expected = sign_keys(store.keys, c.shingle_size, c.num_perm, c.seed)
    wrong = np.flatnonzero((store.signatures != expected).any(axis=1))
    assert len(wrong) == 0, f"{len(wrong)} of {len(store.keys)} stored signatures are not those of their keys"
    for i, (key, scope) in enumerate(zip(store.keys, store.scope_of, strict=True)):
        assert store.exact[store.scopes[scope]][key] == i
    bands = d._bands(store.signatures, "")
    rows, ids = store.find_near(bands)
    assert set(zip(rows.tolist(), ids.tolist(), strict=True)) >= {(i, i) for i in range(len(store.keys))}


@pytest.mark.parametrize("trial", range(3))
def test_threads_feeding_distinct_documents_get_the_sequential_results(trial: int) -> None:
    shares = [distinct_documents(DOCS_PER_THREAD, seed=100 * trial + t) for t in range(THREADS)]
    d = Deduper(num_perm=32, bands=8, rows=4)

    def feed_share(t: int) -> Callable[[], list[Explained]]:
        return lambda: [d.feed(text, doc_id=f"t{t}-{n}") for n, text in enumerate(shares[t])]

    got = run_in_threads([feed_share(t) for t in range(THREADS)])
    check_store(d)
    # The documents share nothing, so each one's result is what feeding it alone gives.
    for t, share in enumerate(shares):
        alone = [Deduper(num_perm=32, bands=8, rows=4).feed(text, doc_id=f"t{t}-{n}") for n, text in enumerate(share)]
        assert got[t] == alone
    kept = {p for share in shares for text in share for p in text.splitlines()}
    assert d.stats().entries == len(kept)
    assert d.documents == THREADS * DOCS_PER_THREAD


def test_threads_feeding_shared_paragraphs_behave_as_some_sequential_order() -> None:
    shares = [with_footer(seed=7 + t) for t in range(THREADS)]
    d = Deduper(num_perm=32, bands=8, rows=4)

    def feed_share(t: int) -> Callable[[], list[Explained]]:
        return lambda: [d.feed(text, doc_id=f"t{t}-{n}") for n, text in enumerate(shares[t])]

    got = run_in_threads([feed_share(t) for t in range(THREADS)])
    check_store(d)
    results = {f"t{t}-{n}": r for t, share in enumerate(got) for n, r in enumerate(share)}  # type: ignore[arg-type]
    keepers = [doc for doc, r in results.items() if FOOTER in r.text]
    assert len(keepers) == 1, keepers  # whichever document came first keeps the footer...
    for doc, r in results.items():
        if doc != keepers[0]:  # ...and every other one points to it
            assert [m.kept_doc for m in r.removed if m.kept_doc is not None] == [keepers[0]]
    assert d.raced == 0


def test_threads_counting_and_cleaning_boilerplate_match_one_thread() -> None:
    # Boilerplate does not depend on the order of documents: threads must give exactly one thread's result.
    shares = [with_footer(seed=50 + t) for t in range(THREADS)]
    named = [(f"t{t}-{n}", text) for t, share in enumerate(shares) for n, text in enumerate(share)]

    def clean(d: Deduper, docs: list[tuple[str, str]]) -> dict[str, Explained]:
        return {doc: d.feed(text, doc_id=doc) for doc, text in docs}

    alone = Deduper(policy="boilerplate", num_perm=32, bands=8, rows=4)
    for doc, text in named:
        alone.count(text, doc_id=doc)
    expected = clean(alone, named)

    d = Deduper(policy="boilerplate", num_perm=32, bands=8, rows=4)
    parts = [named[t::THREADS] for t in range(THREADS)]

    def count(part: list[tuple[str, str]]) -> None:
        for doc, text in part:
            d.count(text, doc_id=doc)

    run_in_threads([lambda part=part: count(part) for part in parts])
    check_store(d)
    got: dict[str, Explained] = {}
    for part in run_in_threads([lambda part=part: clean(d, part) for part in parts]):
        got.update(part)  # type: ignore[arg-type]
    assert got == expected
    assert d.stats() == alone.stats()
