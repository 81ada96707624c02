"""The vocabulary of an explanation: small immutable records.

Records with an ``index`` field are frozen dataclasses (a NamedTuple field cannot be called
``index``); :class:`Explained` is a NamedTuple so that it unpacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

Kind = Literal["exact", "near"]
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of the input: its position and its exact text."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    """A paragraph found to repeat another one, which is kept.

    Spans are code-point offsets into the input, end exclusive, without the line break.
    ``kind`` is ``"exact"`` when the two normalised keys are equal, ``"near"`` otherwise;
    ``score`` is the rapidfuzz similarity of the normalised texts (1.0 for exact).
    ``block`` is the index of the :class:`Block` it belongs to.
    """

    index: int
    span: Span
    kept_index: int
    kept_span: Span
    score: float
    kind: Kind
    block: int


@dataclass(frozen=True, slots=True)
class Block:
    """A run of consecutive repeated paragraphs that copies a run of consecutive kept ones.

    ``first``/``last`` and ``kept_first``/``kept_last`` are paragraph indices (inclusive);
    ``span`` and ``kept_span`` cover the runs in the input. An isolated repeat is a block
    of one. ``removed`` says whether the removal rule took the block out; ``reason`` says
    which part of the rule decided.

    "Consecutive" means next to each other among the paragraphs still present when the
    block was judged: the rule is applied again after each removal (until nothing changes),
    so a block judged later may enclose paragraphs that an earlier block removed, exactly
    as a second run on the cleaned text would see them.
    """

    index: int
    first: int
    last: int
    span: Span
    kept_first: int
    kept_last: int
    kept_span: Span
    removed: bool
    reason: str


class Explained(NamedTuple):
    """The cleaned text, what was removed, and the repeats that the rule kept on purpose.

    ``removed`` holds one :class:`Match` per removed paragraph, in document order;
    ``kept`` the repeats that were found but left in place; ``blocks`` every block that
    either list refers to.
    """

    text: str
    removed: list[Match]
    kept: list[Match]
    blocks: list[Block]
