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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from dedupe.config import DedupeConfig
    from dedupe.matching import Copies, Copy, Links
    from dedupe.partial import Cover

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
    value: npt.NDArray[np.float64]  # the figure it looked at: mean width (SHORT), occurrences (TEMPLATE), mean length

    @property
    def removed(self) -> npt.NDArray[np.bool_]:
        return self.code >= PARAGRAPH

    @property
    def sizes(self) -> ParagraphIds:
        return self.bounds[1:] - self.bounds[:-1]


def id_type(count: int) -> type[np.signedinteger[Any]]:
    """The integer type of paragraph numbers below ``count``: int32 while they fit (half the memory)."""
    return np.int32 if count < 2**31 else np.int64


SMALL = 64  # copies; fewer are judged in plain Python, faster than the few dozen numpy calls of decide


def judge(copies: Copies, active: ParagraphIds, links: Links, *, kept_figures: bool = True) -> Verdicts:
    """Group the copies into runs (:func:`group_runs`) and give the rule's verdict on each (:func:`decide`)."""
    if len(copies.index) > SMALL:
        return decide(copies, group_runs(copies, active), links, kept_figures=kept_figures)
    config = links.config
    index, kept = copies.index, copies.kept
    everything = len(active) == 0 or int(active[-1]) == len(active) - 1
    here = (index if everything else active.searchsorted(index)).tolist()
    there = (kept if everything else active.searchsorted(kept)).tolist()
    units, kept_units = links.units[index].tolist(), links.units[kept].tolist()
    lengths = links.unit_lengths[units].tolist()
    starts = [k for k in range(len(here)) if not k or here[k - 1] != here[k] - 1 or there[k - 1] != there[k] - 1]
    bounds = [*starts, len(here)]
    occurrences = Counter(kept_units)  # kept paragraphs of one pass have distinct units
    code, value = [], []
    for lo, hi in pairwise(bounds):
        size = hi - lo
        mean_length = sum(lengths[lo:hi]) / size
        if mean_length < config.min_chars:
            mean_width = sum(display_width(links.unit_keys[u]) for u in units[lo:hi]) / size
            if mean_width < config.min_chars:
                code.append(SHORT)
                value.append(mean_width)
                continue
        count = occurrences[kept_units[lo]] + 1
        if size == 1 and count > config.max_copies:
            code.append(TEMPLATE)
            value.append(float(count))
        else:
            code.append(PARAGRAPH if size == 1 else RUN)
            value.append(mean_length)
    return Verdicts(
        np.array(bounds, dtype=index.dtype), np.array(code, dtype=np.int8), np.array(value, dtype=np.float64)
    )


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
            here, there = active.searchsorted(here), active.searchsorted(there)
        part = breaks[lo + (lo == 0) : lo + chunk]
        np.not_equal(here[1:] - here[:-1], 1, out=part)
        part |= there[1:] - there[:-1] != 1
    bounds = np.empty(int(breaks.sum()) + 1, dtype=index.dtype)
    filled = 0
    for lo in range(0, len(index), chunk):
        starts = breaks[lo : lo + chunk].nonzero()[0] + lo
        bounds[filled : filled + len(starts)] = starts
        filled += len(starts)
    bounds[-1] = len(index)
    return bounds


def decide(
    copies: Copies, bounds: ParagraphIds, links: Links, chunk: int = 1 << 16, *, kept_figures: bool = True
) -> Verdicts:
    """The rule's verdict on each run (see the module's documentation), about ``chunk`` copies at a time.

    Without ``kept_figures`` the figure of a run kept as short is left unset: nobody reports
    it, and memory never written is never taken (millions of short lines are such runs).
    """
    config = links.config
    code = np.empty(len(bounds) - 1, dtype=np.int8)
    value = np.empty(len(bounds) - 1, dtype=np.float64)
    first = 0
    while first < len(code):
        last = len(code)
        if int(bounds[-1]) - int(bounds[first]) > chunk:
            # (the bound in the array's own type: a Python int would make searchsorted copy the array)
            reach = bounds.dtype.type(min(int(bounds[first]) + chunk, np.iinfo(bounds.dtype).max))
            last = max(first + 1, int(bounds.searchsorted(reach, "right")) - 1)
        lo, hi = int(bounds[first]), int(bounds[last])
        starts, sizes = bounds[first:last] - lo, bounds[first + 1 : last + 1] - bounds[first:last]
        units = links.units[copies.index[lo:hi]]
        code[first:last] = np.where(sizes == 1, PARAGRAPH, RUN)
        mean_length = _mean(links.unit_lengths[units], starts, sizes)
        # Width is at least the length: only short runs need their East Asian characters counted.
        short = mean_length < config.min_chars
        if short.any():
            in_short = short.repeat(sizes)
            widths = np.zeros(len(units), dtype=np.int64)
            widths[in_short] = links.unit_widths(units[in_short])
            mean_width = _mean(widths, starts, sizes)
            short &= mean_width < config.min_chars
            code[first:last][short] = SHORT
            if kept_figures:
                value[first:last][short] = mean_width[short]
        value[first:last][~short] = mean_length[~short]
        first = last
    # A lone copy of a paragraph that occurs (itself and its copies) more than max_copies
    # times is a template line.
    lone = (code == PARAGRAPH).nonzero()[0]
    if len(lone):
        occurrences = _occurrences(copies, links, copies.kept[bounds[lone]], chunk)
        template = occurrences > config.max_copies
        code[lone[template]] = TEMPLATE
        value[lone[template]] = occurrences[template]
    return Verdicts(bounds, code, value)


class Selection(NamedTuple):
    """Some runs' copies: their positions among all copies (run after run), and where each run starts and its size."""

    take: ParagraphIds
    starts: ParagraphIds
    sizes: ParagraphIds


def run_copies(bounds: ParagraphIds, runs: ParagraphIds) -> Selection:
    """The copies of ``runs``, runs of copies ``bounds[r]:bounds[r + 1]``."""
    sizes = (bounds[1:] - bounds[:-1])[runs]
    starts = np.zeros(len(runs), dtype=np.int64)
    sizes[:-1].cumsum(out=starts[1:])
    take = (bounds[runs] - starts).repeat(sizes) + np.arange(int(sizes.sum()))
    return Selection(take, starts, sizes)


def reasons(
    code: npt.NDArray[np.int8], value: npt.NDArray[np.float64], sizes: ParagraphIds, config: DedupeConfig
) -> list[str]:
    """Why the rule decided ``code`` on runs of ``sizes`` copies, with the figure it looked at."""
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
    the removed ones, under the numbers they have in the whole explanation. ``covers`` says,
    per paragraph that is a partial copy, how kept paragraphs cover it; ``extends``, per
    kept paragraph that holds a kept one and more, how that one covers it.
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
    covers: dict[int, Cover] = field(default_factory=dict)
    extends: dict[int, Cover] = field(default_factory=dict)

    @classmethod
    def none(cls, dtype: type[np.signedinteger[Any]] | np.dtype[np.signedinteger[Any]]) -> Findings:
        """No runs at all."""
        nothing = np.empty(0, dtype=dtype)
        return cls(nothing, nothing, np.empty(0), np.empty(0, dtype=bool), np.zeros(1, dtype=dtype),
                   np.empty(0, dtype=bool), [], nothing, 0)  # fmt: skip

    @classmethod
    def from_runs(cls, runs: list[tuple[list[Copy], bool, str]], extends: dict[int, Cover] | None = None) -> Findings:
        """Findings of runs given as ``(copies, removed, reason)``, numbered in order (what :meth:`__iter__` yields)."""
        copies = [c for run, _, _ in runs for c in run]
        bounds = np.cumsum([0, *(len(run) for run, _, _ in runs)], dtype=np.int64)
        return cls(
            np.asarray([c.index for c in copies], dtype=np.int64),
            np.asarray([c.kept_index for c in copies], dtype=np.int64),
            np.asarray([c.score for c in copies], dtype=np.float64),
            np.asarray([c.exact for c in copies], dtype=bool),
            bounds,
            np.asarray([removed for _, removed, _ in runs], dtype=bool),
            [reason for _, _, reason in runs],
            np.arange(len(runs), dtype=np.int64),
            len(runs),
            {c.index: c.cover for c in copies if c.cover is not None},
            extends or {},
        )

    def __iter__(self) -> Iterator[tuple[list[Copy], bool, str]]:
        """Each run as ``(copies, removed, reason)``, the copies as :class:`~dedupe.matching.Copy` records."""
        from dedupe.matching import Copy

        rows = list(zip(self.index.tolist(), self.kept.tolist(), self.score.tolist(), self.exact.tolist(), strict=True))
        for r, (lo, hi) in enumerate(zip(self.bounds[:-1].tolist(), self.bounds[1:].tolist(), strict=True)):
            yield [Copy(*row, self.covers.get(row[0])) for row in rows[lo:hi]], bool(self.removed[r]), self.reasons[r]
