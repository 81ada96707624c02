"""Blocks of repeats, and the rule that decides which blocks are removed.

A block is a run of consecutive repeated paragraphs that copies a run of consecutive kept
paragraphs; an isolated repeat is a block of one. The rule works on blocks because that is
how a scraper repeats an article body: several long paragraphs at once. Articles also
repeat lines on purpose, and those look different:

* short lines — headings, labels, prices, bullets, "Buy now" — repeat as parts of a
  layout. A block is removed only when its paragraphs are long on average: at least
  ``min_chars`` display columns (East Asian wide characters count 2, so a Korean or
  Chinese sentence weighs about what its English translation does);
* template lines — an interview question asked of every interviewee, a recipe step —
  recur many times, each time between distinct text. A block of one whose paragraph
  occurs more than ``max_copies`` times in the document is kept.

On the 181 gold article bodies of the article-extraction benchmark, which hold 285 later
exact copies of a line (345 repeats with near copies), the defaults remove 15, all long
lines of one meal-plan page, and they remove both blocks of the reference article
(``python -m benchmarks.legit_repeats``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from dedupe.matching import Copies, Copy, Links

ParagraphIds = npt.NDArray[np.signedinteger[Any]]  # paragraph numbers: int32 or int64 (see id_type)

# The East Asian wide scripts, which carry about twice the text per character of Latin or
# Cyrillic: Hangul Jamo, CJK punctuation, Kana, CJK ideographs, Yi, Hangul syllables,
# full-width forms and the supplementary ideograph planes. Every code point here has East
# Asian width W or F (a test checks it); emoji and rarer wide symbols count 1.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u3247\u3250-\u33ff\u3400-\u4dbf\u4e00-\ua48c"
    "\uac00-\ud7a3\uf900-\ufaff\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def display_width(text: str) -> int:
    """Return the width of ``text`` in columns, East Asian wide characters counting 2.

    >>> display_width("Seoul"), display_width("서울")
    (5, 4)
    """
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


# What decided a run, in the order the rule asks: too short, a template line, removed.
SHORT, TEMPLATE, PARAGRAPH, RUN = 0, 1, 2, 3


class Verdicts(NamedTuple):
    """The rule's verdict on each run of copies; the copies of run ``r`` are ``bounds[r]:bounds[r + 1]``."""

    bounds: ParagraphIds
    code: npt.NDArray[np.int8]  # SHORT, TEMPLATE, PARAGRAPH or RUN

    @property
    def removed(self) -> npt.NDArray[np.bool_]:
        return self.code >= PARAGRAPH

    @property
    def sizes(self) -> ParagraphIds:
        return np.diff(self.bounds)


def id_type(count: int) -> type[np.signedinteger[Any]]:
    """The integer type of paragraph numbers below ``count``: int32 while they fit (half the memory)."""
    return np.int32 if count < 2**31 else np.int64


def group_runs(copies: Copies, active: ParagraphIds, chunk: int = 1 << 16) -> ParagraphIds:
    """Group copies (in document order) into runs that copy consecutive kept paragraphs; return the run bounds.

    Paragraphs are consecutive when they are next to each other in ``active``, the
    paragraphs still present (increasing). Run ``r`` is copies ``bounds[r]:bounds[r + 1]``.
    """
    index, kept = copies.index, copies.kept
    everything = len(active) == 0 or int(active[-1]) == len(active) - 1  # active is 0, 1, 2, ...
    # A run breaks where the copy or the kept paragraph is not the one after the previous.
    breaks = np.ones(len(index), dtype=bool)
    for lo in range(0, len(index), chunk):
        here, there = index[max(lo - 1, 0) : lo + chunk], kept[max(lo - 1, 0) : lo + chunk]
        if not everything:
            here, there = np.searchsorted(active, here), np.searchsorted(active, there)
        part = breaks[lo + (lo == 0) : lo + chunk]
        part[:] = np.diff(here) != 1
        part |= np.diff(there) != 1
    bounds = np.empty(int(breaks.sum()) + 1, dtype=index.dtype)
    filled = 0
    for lo in range(0, len(index), chunk):
        starts = np.flatnonzero(breaks[lo : lo + chunk]) + lo
        bounds[filled : filled + len(starts)] = starts
        filled += len(starts)
    bounds[-1] = len(index)
    return bounds


def decide(copies: Copies, bounds: ParagraphIds, links: Links, chunk: int = 1 << 16) -> Verdicts:
    """The rule's verdict on each run (see the module's documentation), about ``chunk`` copies at a time."""
    config = links.config
    code = np.empty(len(bounds) - 1, dtype=np.int8)
    first = 0
    while first < len(code):
        # (the bound as the array's own type: a Python int would make searchsorted copy the array)
        reach = bounds.dtype.type(min(int(bounds[first]) + chunk, np.iinfo(bounds.dtype).max))
        last = min(max(first + 1, int(np.searchsorted(bounds, reach, "right")) - 1), len(code))
        lo, hi = int(bounds[first]), int(bounds[last])
        starts, sizes = bounds[first:last] - lo, np.diff(bounds[first : last + 1])
        units = links.units[copies.index[lo:hi]]
        part = np.where(sizes == 1, PARAGRAPH, RUN).astype(np.int8)
        # Width is at least the length: only short runs need their East Asian characters counted.
        short = _mean(links.unit_lengths[units], starts, sizes) < config.min_chars
        if short.any():
            in_short = np.repeat(short, sizes)
            widths = np.zeros(len(units), dtype=np.int64)
            widths[in_short] = links.unit_widths(units[in_short])
            short &= _mean(widths, starts, sizes) < config.min_chars
            part[short] = SHORT
        code[first:last] = part
        first = last
    # A lone copy of a paragraph that occurs (itself and its copies) more than max_copies
    # times is a template line.
    lone = np.flatnonzero(code == PARAGRAPH)
    if len(lone):
        template = _occurrences(copies, links, copies.kept[bounds[lone]], chunk) > config.max_copies
        code[lone[template]] = TEMPLATE
    return Verdicts(bounds, code)


def reasons(copies: Copies, verdicts: Verdicts, links: Links, runs: ParagraphIds) -> list[str]:
    """Why the rule decided as it did on each of ``runs``, with the figures it looked at."""
    if len(runs) == 0:
        return []
    config = links.config
    take, starts, sizes = run_copies(verdicts.bounds, runs)
    units = links.units[copies.index[take]]
    code = verdicts.code[runs]
    value = _mean(links.unit_lengths[units], starts, sizes)
    short = code == SHORT
    if short.any():
        value[short] = _mean(links.unit_widths(units), starts, sizes)[short]
    template = code == TEMPLATE
    if template.any():
        value[template] = _occurrences(copies, links, copies.kept[take[starts[template]]])
    out = []
    for c, v, n in zip(code.tolist(), value.tolist(), sizes.tolist(), strict=True):
        if c == SHORT:
            out.append(f"short: {v:.0f} columns on average < min_chars={config.min_chars}")
        elif c == TEMPLATE:
            out.append(f"template line: occurs {int(v)} times > max_copies={config.max_copies}")
        elif c == PARAGRAPH:
            out.append(f"repeated paragraph of {v:.0f} characters")
        else:
            out.append(f"repeated run of {n} paragraphs, {v:.0f} characters on average")
    return out


def run_copies(bounds: ParagraphIds, runs: ParagraphIds) -> tuple[ParagraphIds, ParagraphIds, ParagraphIds]:
    """The copies of ``runs`` (positions, run after run), where each run starts among them, and its size."""
    sizes = (bounds[1:] - bounds[:-1])[runs]
    starts = np.zeros(len(runs), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    take = np.repeat(bounds[runs] - starts, sizes) + np.arange(int(sizes.sum()))
    return take, starts, sizes


def _mean(values: npt.NDArray[np.int64], starts: ParagraphIds, sizes: ParagraphIds) -> npt.NDArray[np.float64]:
    """The mean of ``values`` over each run (as Python's ``sum / len`` gives it: integers are exact)."""
    means: npt.NDArray[np.float64] = np.add.reduceat(values, starts) / sizes
    return means


def _occurrences(copies: Copies, links: Links, kept: ParagraphIds, chunk: int = 1 << 16) -> npt.NDArray[np.int64]:
    """How often each paragraph of ``kept`` occurs in the pass: itself and its copies.

    The kept paragraphs of one pass have distinct units, so units count them.
    """
    counted = np.zeros(len(links.unit_keys), dtype=np.int64)
    for lo in range(0, len(copies.kept), chunk):
        counted += np.bincount(links.units[copies.kept[lo : lo + chunk]], minlength=len(counted))
    occurrences: npt.NDArray[np.int64] = counted[links.units[kept]] + 1
    return occurrences


@dataclass(frozen=True)
class Findings:
    """The runs of copies that the rule judged, in document order: what a report renders.

    Copy ``k`` is paragraph ``index[k]`` repeating the kept paragraph ``kept[k]`` with
    ``score[k]`` (``exact[k]`` when the keys are equal). Run ``r`` holds copies
    ``bounds[r]:bounds[r + 1]``; it is block number ``numbers[r]`` of the explanation, which
    has ``blocks`` blocks in all; ``removed[r]`` says whether it goes and ``reasons[r]`` why.
    Findings made without the kept runs (see :func:`dedupe.api.resolve_within`) hold only
    the removed ones, under the numbers they have in the whole explanation.
    """

    index: ParagraphIds
    kept: ParagraphIds
    score: npt.NDArray[np.float64]
    exact: npt.NDArray[np.bool_]
    bounds: ParagraphIds
    removed: npt.NDArray[np.bool_]
    reasons: list[str]
    numbers: ParagraphIds
    blocks: int

    def __iter__(self) -> Iterator[tuple[list[Copy], bool, str]]:
        """Each run as ``(copies, removed, reason)``, the copies as :class:`~dedupe.matching.Copy` records."""
        from dedupe.matching import Copy

        rows = list(zip(self.index.tolist(), self.kept.tolist(), self.score.tolist(), self.exact.tolist(), strict=True))
        for r, (lo, hi) in enumerate(zip(self.bounds[:-1].tolist(), self.bounds[1:].tolist(), strict=True)):
            yield [Copy(*row) for row in rows[lo:hi]], bool(self.removed[r]), self.reasons[r]
