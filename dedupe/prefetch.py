"""The pure half of corpus mode, computed ahead in other processes while the decisions stay in one.

:func:`dedupe.corpus.prepare` depends on a document's text and the options alone, so any
process can compute it; the deduplicator then decides document after document, in order,
against its index. Documents go to the workers in batches, and only a bounded number of
batches are in flight, so a stream of any length is read as fast as it is decided.
Without an index (each record cleaned within itself) the whole pipeline is pure: the
workers do all of it (:func:`explained`).
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from dedupe.config import DedupeConfig, as_int
from dedupe.errors import ConfigError, DedupeError

if TYPE_CHECKING:
    from dedupe.corpus import Prepared
    from dedupe.results import Explained

T = TypeVar("T", bound=tuple[Any, ...])  # the text to prepare (or None) first
R = TypeVar("R")
CleanedText = tuple["Explained", int]  # a text cleaned within itself, and its number of paragraphs
BATCH = 16  # documents per task: a task costs a round trip, preparing a document of 25 paragraphs about 1 ms
AHEAD = 4  # tasks in flight per worker


def check_jobs(jobs: object) -> int:
    jobs = as_int("jobs", jobs)
    if jobs < 1:
        raise ConfigError(f"jobs={jobs!r} is out of range: it must be at least 1")
    return jobs


def prepared(
    items: Iterable[T], config: DedupeConfig, jobs: int, *, within: bool = True
) -> Iterator[tuple[T, Prepared | None]]:
    """Each item (its text first, or ``None`` for an item that is no document) with its preparation, in order.

    With one job the items are prepared here, in batches (small documents cost far less
    together) that grow from one item to :data:`BATCH`: the first result comes after one
    item is read, and no more than :data:`BATCH` are ever read ahead. ``None`` stands for an
    item the caller prepares as it goes (one that is no document: preparing it raises its
    error in its place). ``within`` is that of :func:`~dedupe.corpus.prepare`: ``False`` for
    a counting pass.
    """
    work = functools.partial(_prepare_all, config=config, within=within)
    return _ahead(items, work, check_jobs(jobs) - 1, inline=True)


def explained(
    items: Iterable[T], config: DedupeConfig, jobs: int, *, ahead: int = AHEAD, chars: int | None = None
) -> Iterator[tuple[T, CleanedText | None]]:
    """Each item with its text cleaned within itself (:func:`~dedupe.api.explain_removals`) by ``jobs`` processes.

    The one-document pipeline per record: all of it is pure, so ``jobs`` processes do it
    while this one only reads and writes. With one job, or for an item that is no
    document, ``None``: the caller cleans it as it goes. At most ``ahead`` batches per
    worker are in flight, and a batch ends at :data:`BATCH` items or once its texts hold
    ``chars`` characters (whole files can be large).
    """
    jobs = check_jobs(jobs)
    work = functools.partial(_explain_all, config=config)
    return _ahead(items, work, jobs if jobs > 1 else 0, inline=False, ahead=ahead, chars=chars)


def _ahead(
    items: Iterable[T],
    work: Callable[[list[object]], list[R | None]],
    workers: int,
    *,
    inline: bool,
    ahead: int = AHEAD,
    chars: int | None = None,
) -> Iterator[tuple[T, R | None]]:
    """Each item with ``work`` done on its text, in order: by ``workers`` processes, or (``inline``) by this one."""
    if workers == 0:
        iterator, size = iter(items), 1
        while inline and (some := list(itertools.islice(iterator, size))):
            yield from zip(some, work([item[0] for item in some]), strict=True)
            size = min(2 * size, BATCH)
        for item in iterator:
            yield item, None
        return
    context = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_quiet)
    window: deque[tuple[list[T], Future[list[R | None]]]] = deque()
    try:
        chunk: list[T] = []
        held = 0  # characters in the chunk's texts
        for item in items:
            chunk.append(item)
            held += len(item[0]) if chars is not None and isinstance(item[0], str) else 0
            if len(chunk) == BATCH or (chars is not None and held >= chars):
                window.append((chunk, pool.submit(work, [c[0] for c in chunk])))
                chunk, held = [], 0
                while len(window) > ahead * workers:
                    yield from _ready(window.popleft())
        if chunk:
            window.append((chunk, pool.submit(work, [c[0] for c in chunk])))
        while window:
            yield from _ready(window.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ready(task: tuple[list[T], Future[list[R | None]]]) -> Iterator[tuple[T, R | None]]:
    batch, future = task
    try:
        results = future.result()
    except BrokenProcessPool as err:  # a worker killed (the system out of memory, a signal to the group)
        raise DedupeError(f"a worker process stopped: {err}") from None
    yield from zip(batch, results, strict=True)


def _prepare_all(texts: list[object], config: DedupeConfig, within: bool) -> list[Prepared | None]:
    from dedupe.corpus import prepare_many

    return prepare_many(texts, config, within=within)


def _explain_all(texts: list[object], config: DedupeConfig) -> list[CleanedText | None]:
    from dedupe.api import explain_removals

    # Not a str: cleaned by the caller, which raises its error in its place.
    return [explain_removals(text, config=config) if isinstance(text, str) else None for text in texts]


def _quiet() -> None:
    """A worker leaves Ctrl-C to the main process, which stops the pool (no traceback from workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
