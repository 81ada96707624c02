"""The cyclic garbage collector, paused while the pipeline runs.

CPython's collector runs a full collection each time enough container objects have
survived since the last one, and a full collection walks every container alive. The
pipeline builds hundreds of thousands of records (matches, blocks, alignments, entries)
that all live until the call returns, so it triggers full collections that walk everything
it has built and find nothing: its work makes no reference cycles (a test runs it paused
and collects after). On a million paragraphs through ``dedupe-file`` the collector took 2.95 s
of 32.8 s, and 0.33 s of 29.0 s paused, with the same output and peak. Reference counting
frees memory as always; only the search for cycles waits until the call ends.

The collector is the process's: the pause is shared by the calls that overlap (threads),
and the state found by the first is restored when the last one ends. A collector the
caller disabled stays disabled.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_lock = threading.Lock()
_running = 0  # calls inside the pause
_resume = False  # whether the last one to leave enables the collector again

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector disabled, then restore it."""
    global _running, _resume
    with _lock:
        if _running == 0:
            _resume = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _resume:
                gc.enable()


def without_gc(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``function`` to run inside :func:`gc_paused` (for a function that returns; not for a generator)."""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return function(*args, **kwargs)

    return paused
