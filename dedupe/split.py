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
from dedupe.gc_pause import without_gc
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
_INVISIBLE_CODE = np.zeros(0x10000, dtype=bool)  # by code point; all of them are below U+FFFF, which is visible
_INVISIBLE_CODE[[ord(c) for c in _INVISIBLE]] = True
_VISIBLE = re.compile("[^" + re.escape(_INVISIBLE) + "]")
_CHUNK = 1 << 20  # code points scanned at a time: a few MB of working memory whatever the text
_SMALL = 1 << 16  # code points; a text up to this long (without \r) is split in plain Python
_INVISIBLE_SET = frozenset(_INVISIBLE)


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
    small = _small_spans(text, mode)
    if small is not None:
        return small
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
    small = _small_spans(text, mode)
    if small is not None:
        return np.array(small, dtype=np.int32).reshape(-1, 2)
    return spans_of_lines(*visible_lines(text), mode)


def visible_lines(text: str) -> tuple[Spans, npt.NDArray[np.bool_]]:
    """Start and end of each line of ``text`` (without its break), and whether it has a visible character."""
    lines, maybe_blank = _line_table(text)
    visible = ~maybe_blank
    # Lines that start with an invisible character: only these need a look at the rest.
    unsure = np.flatnonzero(maybe_blank & (lines[:, 1] > lines[:, 0]))
    search = _VISIBLE.search
    starts, ends = lines[unsure, 0].tolist(), lines[unsure, 1].tolist()
    visible[unsure] = [search(text, s, e) is not None for s, e in zip(starts, ends, strict=True)]
    return lines, visible


def spans_of_lines(lines: Spans, visible: npt.NDArray[np.bool_], mode: ParagraphMode) -> Spans:
    """The paragraphs' spans, from the lines' spans and whether each line is visible."""
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


def _small_spans(text: str, mode: ParagraphMode) -> list[Span] | None:
    """The spans of a short text with no \\r, by ``str.split`` (None for any other text).

    Below a few thousand lines the few dozen numpy calls of the chunked scan cost more than
    a loop over the lines, and most documents of a corpus are short.
    """
    if len(text) > _SMALL or "\r" in text:
        return None
    spans: list[Span] = []
    start, previous = 0, False
    search = _VISIBLE.search
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()  # no line after a final break (nor in an empty text)
    for line in lines:
        end = start + len(line)
        visible = bool(line) and (line[0] not in _INVISIBLE_SET or search(line) is not None)
        if visible and previous and mode == "blank":
            spans[-1] = (spans[-1][0], end)
        elif visible:
            spans.append((start, end))
        previous = visible
        start = end + 1
    return spans


def paragraph_texts(text: str, spans: Spans, batch: int = 1 << 16) -> Iterator[str]:
    """The text of each paragraph, one at a time (spans are read a batch at a time, as Python ints)."""
    for first in range(0, len(spans), batch):
        part = spans[first : first + batch]
        for start, end in zip(part[:, 0].tolist(), part[:, 1].tolist(), strict=True):
            yield text[start:end]


class Paragraphs(Sequence[str]):
    """The paragraphs of a text, each sliced from it when read (one at a time, or by number)."""

    def __init__(self, text: str, spans: Spans | Sequence[Span]) -> None:
        self.text = text
        self.spans = spans

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, i: Any) -> Any:  # an int (a slice is never asked for)
        start, end = self.spans[i]
        return self.text[int(start) : int(end)]

    def __iter__(self) -> Iterator[str]:
        if isinstance(self.spans, np.ndarray):
            return paragraph_texts(self.text, self.spans)
        return (self.text[start:end] for start, end in self.spans)

    def picked(self, ids: npt.NDArray[np.int64]) -> Iterator[str]:
        """Paragraphs ``ids``, one after another."""
        return (self[i] for i in ids.tolist())


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
        maybe_blank[started : started + len(starts)] = _INVISIBLE_CODE[np.minimum(codes[starts], 0xFFFF)]
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


def join_spans(text: str, spans: Sequence[Span] | Spans, remove: Collection[int] = ()) -> str:
    """:func:`join_paragraphs` on spans; ``remove`` holds positions in ``spans``."""
    cuts = cuts_of(spans, remove)
    return "".join(kept_pieces(text, cuts)) if cuts else text


@without_gc  # a cut per removed run: a list of hundreds of thousands at corpus scale
def cuts_of(spans: Sequence[Span] | Spans, remove: Collection[int]) -> list[list[int]]:
    """The stretches ``[start, end)`` that removing paragraphs ``remove`` cuts out of the text, in order."""
    gone = sorted(i for i in set(remove) if 0 <= i < len(spans))
    if not gone:
        return []
    # The paragraphs after the last kept one go with the separator before them; every other
    # removed paragraph goes with the separator after it.
    inner = len(gone)
    last_kept = len(spans) - 1
    while inner and gone[inner - 1] == last_kept:
        inner -= 1
        last_kept -= 1
    cuts: list[list[int]] = []
    if isinstance(spans, np.ndarray):
        column, inside = spans[:, 0], np.array(gone[:inner], dtype=np.int64)
        starts, following = column[inside].tolist(), column[inside + 1].tolist()
    else:
        starts = [spans[i][0] for i in gone[:inner]]
        following = [spans[i + 1][0] for i in gone[:inner]]
    if inner < len(gone):
        starts.append(int(spans[last_kept][1] if last_kept >= 0 else spans[0][0]))
        following.append(int(spans[-1][1]))
    for start, end in zip(starts, following, strict=True):
        if cuts and cuts[-1][1] == start:  # consecutive removed paragraphs: one cut
            cuts[-1][1] = end
        else:
            cuts.append([start, end])
    return cuts


def kept_pieces(text: str, cuts: Sequence[Sequence[int]]) -> Iterator[str]:
    """The pieces of ``text`` between the ``cuts`` (``(start, end)``, in order), which join to the output."""
    cursor = 0
    for start, end in cuts:
        yield text[cursor:start]
        cursor = end
    yield text[cursor:]


def kept_chunks(text: str, cuts: Sequence[Sequence[int]], size: int = 1 << 20) -> Iterator[str]:
    """:func:`kept_pieces` joined into chunks of about ``size`` characters (a long piece is cut):
    the output a chunk at a time, never a copy of it all."""
    chunk: list[str] = []
    held = 0
    for piece in kept_pieces(text, cuts):
        for start in range(0, len(piece), size):
            part = piece[start : start + size]
            chunk.append(part)
            held += len(part)
            if held >= size:
                yield "".join(chunk)
                chunk.clear()
                held = 0
    if chunk:
        yield "".join(chunk)


def spans_of(spans: Sequence[Span] | Spans, ids: npt.NDArray[np.signedinteger[Any]]) -> list[Span]:
    """The spans of paragraphs ``ids``, as tuples."""
    if isinstance(spans, np.ndarray):
        return list(map(tuple, spans[ids].tolist()))
    return [spans[i] for i in ids.tolist()]
