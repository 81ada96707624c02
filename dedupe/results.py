"""The vocabulary of an explanation: small immutable records that unpack and print well.

They are NamedTuples: cheap to make by the hundred thousand, and they unpack. Their field
``index`` shadows ``tuple.index``, which mypy reports once per class (hence the ignores).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["exact", "near", "partial"]
Span = tuple[int, int]


class Paragraph(NamedTuple):
    """One paragraph of the input: its position and its exact text."""

    index: int  # type: ignore[assignment]
    start: int
    end: int
    text: str


class Part(NamedTuple):
    """A stretch of a partial copy and the stretch of a kept paragraph that it aligns to.

    ``span`` lies inside the copy's span, ``kept_span`` inside the span of paragraph
    ``kept_index`` (of document ``kept_doc``, ``None`` for the same document).
    """

    kept_index: int
    span: Span
    kept_span: Span
    kept_doc: str | None = None


class Match(NamedTuple):
    """A paragraph found to repeat another one, which is kept.

    Spans are code-point offsets into the input, end exclusive, without the line break.
    ``kind`` is ``"exact"`` when the two normalised keys are equal, ``"near"`` when they
    are similar as wholes, ``"partial"`` when kept paragraphs cover the paragraph in
    parts; ``score`` is the rapidfuzz similarity of the normalised texts (1.0 for exact).
    For ``"partial"``, ``coverage`` is the share of the paragraph's characters aligned to
    kept text and ``parts`` lists each kept paragraph that covers it, with the stretches
    that align (the kept paragraph named by ``kept_index`` covers the most). A partial
    match in :attr:`Explained.kept` is a paragraph kept because it holds new text: the
    kept paragraph lies inside it, and ``coverage`` says how much of it that is.
    ``block`` is the index of the :class:`Block` it belongs to. ``kept_doc`` is ``None``
    when the kept paragraph is in the same document; across documents (see
    :class:`dedupe.Deduper`) it names the document that holds it, and ``kept_index`` and
    ``kept_span`` are positions in that document.
    """

    index: int  # type: ignore[assignment]
    span: Span
    kept_index: int
    kept_span: Span
    score: float
    kind: Kind
    block: int
    kept_doc: str | None = None
    coverage: float | None = None
    parts: tuple[Part, ...] = ()


class Block(NamedTuple):
    """A run of consecutive repeated paragraphs that copies a run of consecutive kept ones.

    ``first``/``last`` and ``kept_first``/``kept_last`` are paragraph indices (inclusive);
    ``span`` and ``kept_span`` cover the runs in the input. An isolated repeat is a block
    of one. ``removed`` says whether the removal rule took the block out; ``reason`` says
    which part of the rule decided.

    "Consecutive" means next to each other among the paragraphs still present when the
    block was judged: the rule is applied again after each removal (until nothing changes),
    so a block judged later may enclose paragraphs that an earlier block removed, exactly
    as a second run on the cleaned text would see them.

    ``kept_doc`` names the other document that holds the kept run, for blocks found across
    documents; ``None`` within one document.
    """

    index: int  # type: ignore[assignment]
    first: int
    last: int
    span: Span
    kept_first: int
    kept_last: int
    kept_span: Span
    removed: bool
    reason: str
    kept_doc: str | None = None


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
