"""Text ⇄ paragraphs, with exact character spans, and the lossless join back.

A text is ``lead + P0 + S0 + P1 + S1 + … + Pn + tail`` where the ``P`` are paragraphs and
the ``S`` the separators between them (line breaks and blank lines). Nothing is ever
normalised here: the pieces concatenate back to the input, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from dedupe.config import ParagraphMode
from dedupe.results import Paragraph, Span

# Start and end (exclusive, without the line break) of each paragraph, one row per paragraph.
# int32 whenever the text is shorter than 2**31 code points: half the memory, for a text of
# millions of short lines.
Spans = npt.NDArray[np.signedinteger[Any]]

# Characters that leave a line blank: whitespace (str.isspace, which is what the regex \s
# means), zero-width spaces and joiners, word joiner, BOM and soft hyphen. A line with only
# such characters separates paragraphs. Only \r and \n break lines.
_INVISIBLE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u00ad\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
_INVISIBLE_CODES = np.array(sorted(map(ord, _INVISIBLE)), dtype=np.uint32)
_VISIBLE = re.compile("[^" + re.escape(_INVISIBLE) + "]")
_CHUNK = 1 << 20  # code points scanned at a time: a few MB of working memory whatever the text


def split_paragraphs(text: str, mode: ParagraphMode = "line") -> list[Paragraph]:
    """Split ``text`` into paragraphs, each with its span (code points, end exclusive).

    In ``"line"`` mode every line with a visible character is a paragraph; in ``"blank"``
    mode each run of such lines is one paragraph. A paragraph's span never includes its
    line break.

    >>> [p.text for p in split_paragraphs("One.\\r\\n\\r\\nTwo.\\n")]
    ['One.', 'Two.']
    >>> split_paragraphs("a\\nb\\n\\nc", mode="blank")[0]
    Paragraph(index=0, start=0, end=3, text='a\\nb')
    """
    return [Paragraph(i, s, e, text[s:e]) for i, (s, e) in enumerate(paragraph_spans(text, mode))]


def paragraph_spans(text: str, mode: ParagraphMode = "line") -> list[Span]:
    """The spans of :func:`split_paragraphs`, without copying the paragraphs' text."""
    spans = span_array(text, mode)
    return list(zip(spans[:, 0].tolist(), spans[:, 1].tolist(), strict=True))


def count_paragraphs(text: str, mode: ParagraphMode = "line") -> int:
    """The number of paragraphs of :func:`split_paragraphs`."""
    return len(span_array(text, mode))


def span_array(text: str, mode: ParagraphMode = "line") -> Spans:
    """The spans of :func:`paragraph_spans` as one compact array: row ``i`` is ``(start, end)``.

    >>> span_array("One.\\r\\n\\r\\nTwo.\\n").tolist()
    [[0, 4], [8, 12]]
    """
    lines, maybe_blank = _line_table(text)
    visible = ~maybe_blank
    # Lines that start with an invisible character: only these need a look at the rest.
    unsure = np.flatnonzero(maybe_blank & (lines[:, 1] > lines[:, 0]))
    search = _VISIBLE.search
    starts, ends = lines[unsure, 0].tolist(), lines[unsure, 1].tolist()
    visible[unsure] = [search(text, s, e) is not None for s, e in zip(starts, ends, strict=True)]
    if mode == "line":
        return lines if visible.all() else lines[visible]
    # A paragraph runs from its first visible line's start to its last visible line's end.
    first = visible.copy()
    first[1:] &= ~visible[:-1]
    last = visible.copy()
    last[:-1] &= ~visible[1:]
    spans = np.empty((int(first.sum()), 2), dtype=lines.dtype)
    spans[:, 0] = lines[first, 0]
    spans[:, 1] = lines[last, 1]
    return spans


def paragraph_texts(text: str, spans: Spans, batch: int = 1 << 16) -> Iterator[str]:
    """The text of each paragraph, one at a time (spans are read a batch at a time, as Python ints)."""
    for first in range(0, len(spans), batch):
        part = spans[first : first + batch]
        for start, end in zip(part[:, 0].tolist(), part[:, 1].tolist(), strict=True):
            yield text[start:end]


def _line_table(text: str) -> tuple[Spans, npt.NDArray[np.bool_]]:
    """Start and end of each line, without its break (only \\r\\n, \\r and \\n break), and
    whether the line may be blank: it starts with an invisible character (or is empty).

    The text is scanned a chunk at a time as UTF-32 code units: numpy finds the breaks, with
    no Python loop over lines and no copy of the whole text.
    """
    returns = "\r" in text
    crlf = text.count("\r\n") if returns else 0
    breaks = text.count("\n") + (text.count("\r") - crlf if returns else 0)
    final = bool(text) and not text.endswith(("\n", "\r"))  # a last line without a break
    lines = np.empty((breaks + final, 2), dtype=np.int32 if len(text) < 2**31 - 1 else np.int64)
    maybe_blank = np.empty(len(lines), dtype=bool)
    started = ended = 0  # lines whose start, and whose end, are known
    begins = True  # the chunk starts a line
    for offset in range(0, len(text), _CHUNK):
        codes = np.frombuffer(text[offset : offset + _CHUNK].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        size = len(codes)
        is_break = codes == 10
        if returns:  # \r breaks unless a \n follows (that \n breaks, and the line ends before the \r)
            cr = np.flatnonzero(codes == 13)
            after = np.zeros(len(cr), dtype=np.uint32)
            inner = cr + 1 < size
            after[inner] = codes[cr[inner] + 1]
            if len(cr) and not inner[-1] and offset + size < len(text):
                after[-1] = ord(text[offset + size])
            is_break[cr[after != 10]] = True
        at = np.flatnonzero(is_break)
        ends = at + offset
        if crlf:
            before = np.zeros(len(at), dtype=np.uint32)
            inner = at > 0
            before[inner] = codes[at[inner] - 1]
            if len(at) and not inner[0] and offset:
                before[0] = ord(text[offset - 1])
            ends -= (codes[at] == 10) & (before == 13)
        lines[ended : ended + len(at), 1] = ends
        ended += len(at)
        starts = at + 1
        if begins:
            starts = np.concatenate([[0], starts])
        begins = bool(len(at)) and at[-1] == size - 1
        if begins:
            starts = starts[:-1]  # the line after a break that ends the chunk starts in the next one
        lines[started : started + len(starts), 0] = starts + offset
        maybe_blank[started : started + len(starts)] = np.isin(codes[starts], _INVISIBLE_CODES)
        started += len(starts)
    if final:
        lines[-1, 1] = len(text)
    return lines, maybe_blank


def join_paragraphs(text: str, paragraphs: Sequence[Paragraph], remove: Collection[int] = ()) -> str:
    """Rebuild ``text`` without the paragraphs whose indices are in ``remove``.

    A removed paragraph takes the separator that follows it; when the last paragraphs are
    removed, the last kept paragraph is followed by the original ending of the text
    instead, so no line break is ever added. With nothing removed this returns ``text``.

    >>> t = "A\\nB\\nA"
    >>> join_paragraphs(t, split_paragraphs(t), remove={2})
    'A\\nB'
    """
    return join_spans(text, [(p.start, p.end) for p in paragraphs], remove)


def join_spans(text: str, spans: Sequence[Span] | Spans, remove: Collection[int] | npt.NDArray[np.bool_] = ()) -> str:
    """:func:`join_paragraphs` on spans; ``remove`` holds positions in ``spans``, or is a mask over them."""
    cuts = _cuts(spans, remove)
    if not len(cuts):
        return text
    return "".join(kept_pieces(text, cuts))


def kept_pieces(text: str, cuts: npt.NDArray[np.signedinteger[Any]]) -> Iterator[str]:
    """The pieces of ``text`` between the ``cuts`` (rows ``(start, end)``, in order), which join to the output."""
    cursor = 0
    for start, end in cuts.tolist():
        yield text[cursor:start]
        cursor = end
    yield text[cursor:]


def as_span_array(spans: Sequence[Span] | Spans) -> Spans:
    """``spans`` as an array of rows ``(start, end)`` (an array is returned as it is)."""
    if isinstance(spans, np.ndarray):
        return spans
    return np.asarray(spans, dtype=np.int64).reshape(-1, 2)


def _cuts(
    spans: Sequence[Span] | Spans, remove: Collection[int] | npt.NDArray[np.bool_]
) -> npt.NDArray[np.signedinteger[Any]]:
    """The stretches of text that removing ``remove`` takes out, merged where they touch."""
    starts_ends = as_span_array(spans)
    n = len(starts_ends)
    if isinstance(remove, np.ndarray) and remove.dtype == np.bool_:
        gone_mask = remove
    else:
        gone_mask = np.zeros(n, dtype=bool)
        wanted = np.fromiter((i for i in set(remove) if 0 <= i < n), dtype=np.int64)
        gone_mask[wanted] = True
    gone = np.flatnonzero(gone_mask)
    if not len(gone):
        return np.empty((0, 2), dtype=np.int64)
    kept = np.flatnonzero(~gone_mask)
    last_kept = int(kept[-1]) if len(kept) else -1
    # Each removed paragraph goes with the separator after it; the paragraphs after the last
    # kept one go with the separator before them.
    inner = gone[gone < last_kept]
    cuts = np.stack([starts_ends[inner, 0], starts_ends[inner + 1, 0]], axis=1)
    if gone[-1] > last_kept:
        start = starts_ends[last_kept, 1] if last_kept >= 0 else starts_ends[0, 0]
        cuts = np.concatenate([cuts, [[start, starts_ends[-1, 1]]]])
    # Touching cuts (consecutive removed paragraphs) become one.
    opens = np.ones(len(cuts), dtype=bool)
    opens[1:] = cuts[1:, 0] != cuts[:-1, 1]
    closes = np.ones(len(cuts), dtype=bool)
    closes[:-1] = opens[1:]
    return np.stack([cuts[opens, 0], cuts[closes, 1]], axis=1)
