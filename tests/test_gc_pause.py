"""The collector is paused while the pipeline works and restored after, and pausing it is safe."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import dedupe
from dedupe import Deduper, api, corpus
from dedupe.gc_pause import gc_paused
from tests.conftest import SEEDS

SEED = (SEEDS / "000_6ef43e2731afccca.txt").read_text(encoding="utf-8")
FOOTER = "Copyright 2026 Example News. All rights reserved. Reproduction of this page is prohibited."


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[bool]:
    """Record whether the collector is enabled each time ``owner.name`` is called."""
    seen: list[bool] = []
    real = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return seen


def test_the_pipeline_runs_with_the_collector_paused_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _spy(monkeypatch, api, "report")
    assert dedupe.dedupe_text(SEED).count("\n") < SEED.count("\n")
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    dedupe.dedupe_and_explain(SEED)
    with Deduper() as d:
        d.feed(SEED)
    assert not gc.isenabled()


def test_an_error_inside_restores_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("inside")

    monkeypatch.setattr(api, "report", fail)
    with pytest.raises(RuntimeError, match="inside"):
        dedupe.dedupe_text(SEED)
    assert gc.isenabled()


def test_feed_many_pauses_inside_each_document_and_never_across_a_yield(monkeypatch: pytest.MonkeyPatch) -> None:
    decided = _spy(monkeypatch, corpus, "report")
    prepared = _spy(monkeypatch, corpus, "links_of_many")
    documents = [(f"Story number {k} about the weather in the north.\n{FOOTER}", str(k)) for k in range(5)]
    between = [gc.isenabled() for _ in Deduper().feed_many(documents)]
    assert between == [True] * 5  # the caller's code between documents runs as it would without us
    assert decided == [False] * 5
    assert prepared and not any(prepared)
    assert gc.isenabled()


def test_boilerplate_counts_and_feeds_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    decided = _spy(monkeypatch, corpus, "report")
    documents = [(f"Story number {k} about the weather in the north.\n{FOOTER}", str(k)) for k in range(4)]
    d = Deduper(policy="boilerplate")
    d.count_many(documents)
    assert all(e.removed for e in d.feed_many(documents))
    assert decided == [False] * 4
    assert gc.isenabled()


def test_overlapping_pauses_restore_the_collector_when_the_last_one_ends() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    states: dict[str, bool] = {}

    def first() -> None:
        with gc_paused():
            first_in.set()
            second_in.wait(5)
        states["after first"] = gc.isenabled()
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with gc_paused():
            second_in.set()
            first_out.wait(5)
            states["second, first gone"] = gc.isenabled()
        states["after both"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert states == {"after first": False, "second, first gone": False, "after both": True}


def test_the_pipeline_leaves_no_reference_cycles_for_the_collector_to_find() -> None:
    # Why pausing is safe: what the collector would have found during the call is what
    # it finds after. Warm up first (imports and caches make a few cycles once).
    lines = [f"Paragraph {k % 40} of a story that repeats now and then, long enough to count." for k in range(400)]
    text = "\n".join(lines)
    documents = [("\n".join(lines[k : k + 25]), str(k)) for k in range(0, len(lines), 25)]

    def work() -> None:
        dedupe.dedupe_and_explain(text)
        list(Deduper().feed_many(documents))
        d = Deduper(policy="boilerplate")
        d.count_many(documents)
        list(d.feed_many(documents))

    work()
    gc.collect()
    with gc_paused():
        work()
        assert gc.collect() == 0
