"""Re-running a job is safe: a document fed again under its id gives its first output, byte for byte.

Checked for both policies and every kind of index: in memory, a saved file opened by a new
run (a job run again the next day), and a real Redis server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dedupe import DedupeConfig, Deduper
from dedupe.store import MemoryStore
from tests.redis_server import RedisServer, redis_server, server_binary
from tests.scale import SCALE

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")

A = "Calendário Stock Car 2018\nother\n"
B = "Calendario da Stock Car 2018\nsomething else\nCalendário da Stock Car 2018!!\n"

# Families of short lines that are near copies of one another at different scores, so that
# which entry a paragraph matches best (and which pairs LSH proposes) depends on what the
# index holds; and long lines, which the within-document rule removes.
FAMILIES = [
    [
        "Calendário Stock Car 2018",
        "Calendario da Stock Car 2018",
        "Calendário da Stock Car 2018!!",
        "Calendário da Stock Car 2019",
    ],
    [
        "Results: Stock Car Pro Series 2018, round 3",
        "Results - Stock Car Pro Series 2018 round 3!",
        "Result: Stock Car Pro Series, 2018 round 3",
        "Results of the Stock Car Pro Series 2018 round 3",
    ],
    [
        "Sign up for our newsletter to get the morning briefing.",
        "Sign up for our newsletter to get the morning briefing!",
        "Sign up to our newsletter to get the morning briefing",
        "Sign up for the newsletter to get the morning briefings.",
    ],
    [
        "The council approved the flood barrier on Tuesday, the largest public works project in the city's history.",
        "The council approved the flood barrier on Tuesday, the largest public-works project in the city's history!",
        "The council approved the flood barrier on Tuesday.",
    ],
]
OTHER = ["other", "something else"]

Docs = list[tuple[str, str]]  # (site, text); the id is the position


@st.composite
def documents(draw: st.DrawFn) -> Docs:
    lines = st.sampled_from(draw(st.sampled_from(FAMILIES)) + OTHER)
    sites = st.sampled_from(["", "", "a.example"])
    text = st.lists(lines, min_size=1, max_size=5).map(lambda chosen: "\n".join(chosen) + "\n")
    return draw(st.lists(st.tuples(sites, text), min_size=1, max_size=6))


again = st.lists(st.integers(0, 5), max_size=6)
CONFIG = DedupeConfig()  # the default banding: which near pairs are candidates is part of the case

Open = Callable[[str], Deduper]  # a new run on the same index, for a policy


def count_all(d: Deduper, docs: Docs) -> None:
    for k, (site, text) in enumerate(docs):
        d.count(text, doc_id=f"d{k}", site=site)


def check_rerun(open_run: Open, policy: str, docs: Docs, order: list[int], same_run: bool) -> None:
    """Run the job on ``docs``; then, in the same run or a new one, feed every document again and those of ``order``."""
    d = open_run(policy)
    if policy == "boilerplate":
        count_all(d, docs)
    first = [d.feed(text, doc_id=f"d{k}", site=site).text for k, (site, text) in enumerate(docs)]
    if not same_run:
        if isinstance(d.store, MemoryStore):
            d.save()
        d.close()
        d = open_run(policy)
        if policy == "boilerplate":  # the whole job again: count, then clean
            count_all(d, docs)
    for k in [*range(len(docs)), *(k % len(docs) for k in order)]:
        site, text = docs[k]
        assert d.feed(text, doc_id=f"d{k}", site=site).text == first[k], (k, docs)
    d.close()


def test_the_reported_case() -> None:
    d = Deduper()
    d.feed(A, doc_id="A")
    first = d.feed(B, doc_id="B")
    assert first.text == "Calendario da Stock Car 2018\nsomething else\n"
    assert [(m.index, m.kept_doc) for m in first.removed] == [(2, "A")]
    for _ in range(3):
        again = d.feed(B, doc_id="B")
        assert again.text == first.text
        assert [(m.index, m.kept_doc) for m in again.removed] == [(2, "A")]


def test_a_changed_document_under_its_id_keeps_its_new_near_copy_of_itself() -> None:
    """An updated article is not a copy of its earlier version; it is compared with other documents only."""
    d = Deduper()
    d.feed("Calendário Stock Car 2018 — first version\n", doc_id="A")
    assert d.feed("Calendário Stock Car 2018 — first version!\n", doc_id="A").removed == []


@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
@settings(max_examples=150 * SCALE, deadline=None)
@example(docs=[("", A), ("", B)], order=[1, 1, 1])
@given(docs=documents(), order=again)
def test_feeding_again_in_the_same_run(policy: str, docs: Docs, order: list[int]) -> None:
    def open_run(policy: str) -> Deduper:
        return Deduper(policy=policy, config=CONFIG)  # type: ignore[arg-type]

    check_rerun(open_run, policy, docs, order, same_run=True)


@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
@settings(max_examples=30 * SCALE, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(docs=[("", A), ("", B)], order=[1, 1])
@given(docs=documents(), order=again)
def test_a_new_run_on_a_saved_index(tmp_path: Path, policy: str, docs: Docs, order: list[int]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.npz"

    def open_run(policy: str) -> Deduper:
        return Deduper(policy=policy, index=path, config=CONFIG)  # type: ignore[arg-type]

    check_rerun(open_run, policy, docs, order, same_run=False)


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    if server_binary() is None:
        if IN_CI:
            pytest.fail("redis-server is not installed; CI=true, so the Redis tests must run", pytrace=False)
        pytest.skip("redis-server is not installed")
    with redis_server() as running:
        yield running


@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
@settings(max_examples=25 * SCALE, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(docs=[("", A), ("", B)], order=[1, 1])
@given(docs=documents(), order=again)
def test_a_new_run_on_a_redis_index(server: RedisServer, policy: str, docs: Docs, order: list[int]) -> None:
    prefix = f"rerun-{uuid.uuid4().hex[:12]}"

    def open_run(policy: str) -> Deduper:
        return Deduper(policy=policy, index=server.url, prefix=prefix, config=CONFIG)  # type: ignore[arg-type]

    check_rerun(open_run, policy, docs, order, same_run=False)
