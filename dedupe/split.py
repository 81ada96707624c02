"""Text ⇄ paragraphs, with exact character spans, and the lossless join back.

A text is ``lead + P0 + S0 + P1 + S1 + … + Pn + tail`` where the ``P`` are paragraphs and
the ``S`` the separators between them (line breaks and blank lines). Nothing is ever
normalised here: the pieces concatenate back to the input, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from itertools import accumulate

from dedupe.config import ParagraphMode
from dedupe.results import Paragraph

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
    if mode == "line":
        visible = _VISIBLE.search
        lines = (line for line in _lines(text) if visible(line[2]))
        return [Paragraph(i, start, end, content) for i, (start, end, content) in enumerate(lines)]
    spans: list[tuple[int, int]] = []
    open_start = -1  # start of the paragraph being extended
    open_end = -1
    for start, end, content in _lines(text):
        if _VISIBLE.search(content):
            if open_start < 0:
                open_start = start
            open_end = end
        elif open_start >= 0:
            spans.append((open_start, open_end))
            open_start = -1
    if open_start >= 0:
        spans.append((open_start, open_end))
    return [Paragraph(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


def _lines(text: str) -> Iterable[tuple[int, int, str]]:
    """Start, end and text of each line, without its break; only \\r\\n, \\r and \\n break."""
    lines = text.splitlines(keepends=True)
    # str.splitlines is much faster than a regex, but also breaks at \\v, \\f, U+2028…:
    # use it when counting the three real breaks gives the same number of lines.
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    if len(lines) == breaks + (not text.endswith(("\n", "\r"))) - (not text):
        contents = [line.rstrip(_BREAK_CHARS) for line in lines]
        starts = accumulate(map(len, lines), initial=0)
        return [(start, start + len(content), content) for start, content in zip(starts, contents, strict=False)]
    return _lines_by_regex(text)


def _lines_by_regex(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _LINE.finditer(text):
        start, end_with_break = match.span()
        if start == end_with_break and start == len(text) and start > 0:
            return  # the empty match after a final line break
        content = match.group().rstrip(_BREAK_CHARS)
        yield start, start + len(content), content
        if end_with_break == len(text):
            return


def join_paragraphs(text: str, paragraphs: list[Paragraph], remove: Collection[int] = ()) -> str:
    """Rebuild ``text`` without the paragraphs whose indices are in ``remove``.

    A removed paragraph takes the separator that follows it; when the last paragraphs are
    removed, the last kept paragraph is followed by the original ending of the text
    instead, so no line break is ever added. With nothing removed this returns ``text``.

    >>> t = "A\\nB\\nA"
    >>> join_paragraphs(t, split_paragraphs(t), remove={2})
    'A\\nB'
    """
    if not paragraphs:
        return text
    kept = [p for p in paragraphs if p.index not in remove]
    if not kept:
        return text[: paragraphs[0].start] + text[paragraphs[-1].end :]
    pieces = [text[: paragraphs[0].start]]
    for p in kept[:-1]:
        following = paragraphs[p.index + 1].start
        pieces.append(text[p.start : following])
    last = kept[-1]
    pieces.append(last.text)
    pieces.append(text[paragraphs[-1].end :])
    return "".join(pieces)
