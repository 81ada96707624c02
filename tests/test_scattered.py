"""The removal rule does not depend on the size of the text: lone copies scattered through a long text go.

``make_scattered(30000)`` copies about one original in six, with light noise, to two to six
random later places: each such paragraph occurs three to seven times, far apart. A rule that
calls every lone line occurring more than ``max_copies`` times a template line keeps them
all; the rule asks for the occurrences to be close together, as a template's are.
"""

from __future__ import annotations

import pytest

from benchmarks.corpus import make_scattered
from dedupe import dedupe_paragraphs


@pytest.fixture(scope="module")
def scattered() -> tuple[set[int], set[int]]:
    corpus = make_scattered(30_000)
    copies = {i for i, kind in enumerate(corpus.kinds) if kind != "original"}
    removed = {m.index for m in dedupe_paragraphs(corpus.paragraphs).removed}
    return copies, removed


def test_scattered_lone_copies_are_removed_with_the_defaults(scattered: tuple[set[int], set[int]]) -> None:
    copies, removed = scattered
    assert len(copies) == 12_000
    hit = len(copies & removed)
    recall, precision = hit / len(copies), hit / max(len(removed), 1)
    assert recall >= 0.99 and precision >= 0.999, (recall, precision)
