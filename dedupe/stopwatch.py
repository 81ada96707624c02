"""Time spent per pipeline stage, for the benchmarks; the default records nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

STAGES = ("split", "normalize", "shingle", "sign", "index", "verify", "partial", "cluster", "blocks", "render")


class Stopwatch:
    """Adds up wall time per stage: ``with stopwatch("sign"): ...``.

    Stages may nest; time counts for the innermost one only, so the stages add up to the
    time measured.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._running: list[str] = []
        self._since = 0.0

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        self._switch()
        self._running.append(stage)
        try:
            yield
        finally:
            self._switch()
            self._running.pop()

    def _switch(self) -> None:
        now = time.perf_counter()
        if self._running:
            self.seconds[self._running[-1]] += now - self._since
        self._since = now


class _Off(Stopwatch):
    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        yield


OFF: Stopwatch = _Off()
