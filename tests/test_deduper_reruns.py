"""Feeding a document again with the same id gives the output of the first time, byte for byte.

A job that is re-run (after a crash, or by mistake) must not change what it wrote: in both
policies, with the index in memory, in a file reopened by a new run, or in Redis.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedupe import Deduper
from tests.redis_server import redis_server, server_binary

SCALE = int(os.environ.get("DEDUPE_PROPERTY_SCALE", "1"))
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
INDEXES = ["memory", "file", "redis"]

A = "Calendário Stock Car 2018\nother\n"
B = "Calendario da Stock Car 2018\nsomething else\nCalendário da Stock Car 2018!!\n"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str | None]:
    """A throwaway server's URL, or None when there is none (the Redis cases are then skipped)."""
    try:
        import redis  # noqa: F401
    except ImportError:
        yield None
        return
    if server_binary() is None:
        yield None
        return
    with redis_server() as running:
        yield running.url


@contextmanager
def opener(kind: str, redis_url: str | None, **options: object) -> Iterator[Callable[[], Deduper]]:
    """Yield a function that opens the same index again, as a new run of a job would."""
    if kind == "redis" and redis_url is None:
        if IN_CI:
            pytest.fail("redis-server or the redis client is missing; CI=true, so the Redis tests must run")
        pytest.skip("redis-server or the redis client is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        prefix = f"rerun-{uuid.uuid4().hex[:12]}"
        path = os.path.join(tmp, "index.npz")
        memory: list[Deduper] = []

        def open_index() -> Deduper:
            if kind == "memory":  # there is no other run to open: the same deduplicator again
                if not memory:
                    memory.append(Deduper(**options))  # type: ignore[arg-type]
                return memory[0]
            index = path if kind == "file" else redis_url
            return Deduper(index=index, prefix=prefix, **options)  # type: ignore[arg-type]

        yield open_index


def finish(d: Deduper, kind: str) -> None:
    if kind == "file":
        d.save()
    if kind != "memory":
        d.close()


@pytest.mark.parametrize("kind", INDEXES)
def test_a_near_copy_removed_the_first_time_is_removed_again(kind: str, redis_url: str | None) -> None:
    # Line 3 of B copies A's line; the first time it goes. B's line 1 is then kept and indexed,
    # and is an even closer match for line 3: the second time line 3 must still go.
    with opener(kind, redis_url) as open_index:
        d = open_index()
        d.feed(A, doc_id="A")
        first = d.feed(B, doc_id="B")
        finish(d, kind)
        assert first.text == "Calendario da Stock Car 2018\nsomething else\n"
        for _ in range(3):
            d = open_index()
            assert d.feed(B, doc_id="B") == first
            finish(d, kind)


LONG = [
    "The council approved the flood barrier on Tuesday, the largest public works project in the city's history.",
    "Shares of the chipmaker fell 8 percent after it cut its forecast for the third quarter in a row.",
    "서울시는 내년부터 심야 버스 노선을 열두 개 늘리고 배차 간격을 십오 분으로 줄이기로 했다.",
]
LINES = [
    *LONG,
    # near copies of the long lines, and a near copy of a near copy
    LONG[0].replace("Tuesday", "Monday"),
    LONG[0].replace("Tuesday", "Monday").replace("largest", "biggest"),
    LONG[1].replace("chipmaker", "chip maker"),
    LONG[2].replace("열두", "열세"),
    "Calendário Stock Car 2018",
    "Calendario da Stock Car 2018",
    "Calendário da Stock Car 2018!!",
    "Sign up for our newsletter to get the morning briefing in your inbox every weekday.",
    "Sign up for our newsletter to get the morning briefing in your inbox every weekday!",
    "Read more",
    "Photo: Reuters",
    # a near copy of the near copy that is not one of the original (a chain)
    LONG[0].replace("Tuesday", "Monday").replace("largest public", "biggest civic").replace("history", "past"),
]

documents = st.lists(
    st.tuples(st.sampled_from(["a.example", "b.example"]), st.lists(st.sampled_from(LINES), min_size=1, max_size=7)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=15 * SCALE, deadline=None)
@example(  # the near copy of test_a_near_copy_removed_the_first_time_is_removed_again
    raw=[("a.example", [LINES[7], "other"]), ("a.example", [LINES[8], "something else", LINES[9]])],
    reruns=[1],
    policy="seen",
)
@given(
    raw=documents,
    reruns=st.lists(st.integers(0, 5), min_size=1, max_size=8),
    policy=st.sampled_from(["seen", "boilerplate"]),
)
@pytest.mark.parametrize("kind", INDEXES)
def test_rerunning_documents_gives_the_first_output(kind, redis_url, raw, reruns, policy) -> None:
    docs = [(f"d{k}", site, "\n".join(lines) + "\n") for k, (site, lines) in enumerate(raw)]
    again = [docs[k % len(docs)] for k in reruns]
    with opener(kind, redis_url, policy=policy, min_docs=2) as open_index:
        d = open_index()
        if policy == "boilerplate":
            for doc, site, text in docs:
                d.count(text, doc_id=doc, site=site)
        first = {doc: d.feed(text, doc_id=doc, site=site).text for doc, site, text in docs}
        finish(d, kind)
        # Re-run some documents, some several times, as one run or as several.
        for start in range(0, len(again), 3):
            d = open_index()
            part = again[start : start + 3]
            if policy == "boilerplate" and kind != "memory":  # a new run counts its documents again first
                for doc, site, text in part:
                    d.count(text, doc_id=doc, site=site)
            for doc, site, text in part:
                assert d.feed(text, doc_id=doc, site=site).text == first[doc], doc
            finish(d, kind)
