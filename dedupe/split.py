"""Text ⇄ paragraphs, with exact character spans, and the lossless join back.

A text is ``lead + P0 + S0 + P1 + S1 + … + Pn + tail`` where the ``P`` are paragraphs and
the ``S`` the separators between them (line breaks and blank lines). Nothing is ever
normalised here: the pieces concatenate back to the input, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from itertools import accumulate

from dedupe.config import ParagraphMode
from dedupe.results import Paragraph, Span

# One line with its break: \r\n, \n or \r, or none at the very end of the text.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_BREAK_CHARS = "\r\n"
# A line is blank when it has no visible character: whitespace, zero-width spaces and joiners,
# word joiner, BOM and soft hyphen are all invisible, so such a line separates paragraphs.
_VISIBLE = re.compile(r"[^\s\u00ad\u180e\u200b-\u200d\u2060\ufeff]")


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
    visible = _VISIBLE.search
    if mode == "line":
        return [(start, end) for start, end in _line_spans(text) if visible(text, start, end)]
    spans: list[Span] = []
    open_start = -1  # start of the paragraph being extended
    open_end = -1
    for start, end in _line_spans(text):
        if visible(text, start, end):
            if open_start < 0:
                open_start = start
            open_end = end
        elif open_start >= 0:
            spans.append((open_start, open_end))
            open_start = -1
    if open_start >= 0:
        spans.append((open_start, open_end))
    return spans


def _line_spans(text: str) -> Iterable[Span]:
    """Start and end of each line, without its break; only \\r\\n, \\r and \\n break."""
    newlines, returns = text.count("\n"), text.count("\r")
    crlf = text.count("\r\n") if newlines and returns else 0
    # When every break is the same (\\n, \\r or \\r\\n), str.splitlines finds them much faster
    # than a regex, unless the text also holds what splitlines alone breaks at (\\v, U+2028…):
    # then its lines and breaks do not add up to the text.
    width = 1 if not (newlines and returns) else 2 if newlines == returns == crlf else 0
    if width:
        lengths = _line_lengths(text, "\r\n" if width == 2 else "\n" if newlines else "\r")
        breaks = max(newlines, returns)
        lines = breaks + (not text.endswith(("\n", "\r"))) - (not text)
        if len(lengths) == lines and sum(lengths) + breaks * width == len(text):
            starts = accumulate((n + width for n in lengths), initial=0)
            return [(start, start + n) for start, n in zip(starts, lengths, strict=False)]
    return _line_spans_by_regex(text)


def _line_lengths(text: str, separator: str, chunk: int = 1 << 20) -> list[int]:
    """Lengths of the lines of ``str.splitlines``, a chunk at a time (all lines at once would
    copy the whole text; at 600 MB that copy outlives its use in the process's heap)."""
    lengths: list[int] = []
    position = 0
    while position < len(text):
        end = text.find(separator, min(position + chunk, len(text)))
        end = len(text) if end < 0 else end + len(separator)
        lengths.extend(map(len, text[position:end].splitlines()))
        position = end
    return lengths


def _line_spans_by_regex(text: str) -> Iterator[Span]:
    for match in _LINE.finditer(text):
        start, end_with_break = match.span()
        if start == end_with_break and start == len(text) and start > 0:
            return  # the empty match after a final line break
        yield start, start + len(match.group().rstrip(_BREAK_CHARS))
        if end_with_break == len(text):
            return


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


def join_spans(text: str, spans: Sequence[Span], remove: Collection[int] = ()) -> str:
    """:func:`join_paragraphs` on spans; ``remove`` holds positions in ``spans``."""
    gone = sorted(i for i in set(remove) if 0 <= i < len(spans))
    if not gone:
        return text
    last_kept = next((i for i in range(len(spans) - 1, -1, -1) if i not in remove), -1)
    # Text to cut: each removed paragraph with the separator after it; the paragraphs after
    # the last kept one together with the separator before them.
    cuts = [(spans[i][0], spans[i + 1][0]) for i in gone if i < last_kept]
    if gone[-1] > last_kept:
        cuts.append((spans[last_kept][1], spans[-1][1]) if last_kept >= 0 else (spans[0][0], spans[-1][1]))
    pieces, cursor = [], 0
    for start, end in cuts:  # in order; touching cuts leave empty pieces, which cost nothing
        pieces.append(text[cursor:start])
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
