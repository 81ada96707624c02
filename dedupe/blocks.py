"""Blocks of repeats, and the rule that decides which blocks are removed.

A block is a run of consecutive repeated paragraphs that copies a run of consecutive kept
paragraphs; an isolated repeat is a block of one. The rule works on blocks because that is
how a scraper repeats an article body: several long paragraphs at once. Articles also
repeat lines on purpose, and those look different:

* short lines — headings, labels, prices, bullets, "Buy now" — repeat as parts of a
  layout. A block is removed only when its paragraphs are long on average: at least
  ``min_chars`` display columns (East Asian wide characters count 2, so a Korean or
  Chinese sentence weighs about what its English translation does). A run of at least
  ``RUN_LINES`` (3) lines each at least ``min_chars / 2`` columns wide goes all the same:
  several consecutive repeated lines of that size are a repeated list, not a layout;
* template lines — an interview question asked of every interviewee, a recipe step, a
  day of a meal plan — recur close together, each time between distinct text. A paragraph
  is a template line when it occurs more than ``max_copies`` times in a row, each
  occurrence at most ``TEMPLATE_GAP`` (36) paragraphs after the previous one, the copy
  among them; a block is kept when each of its paragraphs is a template line and the
  paragraph before it is not an occurrence of its last one (a body the scraper repeated
  back to back, or one paragraph three times in a row, is a stutter, not a template). Its
  occurrences are the kept paragraph and its whole copies (exact or near); a partial copy
  (a truncated or merged paragraph) is not the line it copies, and its own occurrences are
  the partial copies with its key. The rule looks at the neighbourhood only, never at the
  length of the text: in a dump of many pages, copies scattered thousands of paragraphs
  apart go, and an interview keeps its questions wherever it sits.

On the 181 gold article bodies of the article-extraction benchmark, which hold 285 later
exact copies of a line (345 repeats with near copies), the defaults remove 5 (3 of a
meal-plan page, a pull quote, a reworded repeat of an interview's introduction), every
question of the interview page stays, and both blocks of the reference article go; on
``make_scattered(30000)`` (about one original in six copied to 2–6 random later places)
they remove 99.68 % of the copies, nothing else (``python -m benchmarks.rules``, which
sets variants of the rule side by side).
"""

from __future__ import annotations

import re
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


# What decided a run, in the order the rule asks: too short, a template line, removed (a
# paragraph, a run, a run of lines each long enough however short on average).
SHORT, TEMPLATE, PARAGRAPH, RUN, LINES = 0, 1, 2, 3, 4

# A template line recurs close together: its occurrences, in a row, each at most this many
# paragraphs after the previous one. The widest gap between template lines in the gold
# bodies of the article-extraction benchmark is 35 (the days of a meal plan; an interview's
# questions are 9–11 apart). Copies scattered through a long text are thousands of
# paragraphs apart; a digest line 37 paragraphs after its last occurrence goes
# (tests/cases/scattered_copies_removed.txt).
TEMPLATE_GAP = 36
# A run of at least this many repeated lines, each at least min_chars / 2 display columns
# wide, is removed however short the lines are on average: a repeated list.
RUN_LINES = 3


class Verdicts(NamedTuple):
    """The rule's verdict on each run of copies; the copies of run ``r`` are ``bounds[r]:bounds[r + 1]``."""

    bounds: ParagraphIds
    code: npt.NDArray[np.int8]  # SHORT, TEMPLATE, PARAGRAPH, RUN or LINES
    # The figure it looked at: mean width (SHORT), occurrences close together (TEMPLATE),
    # mean length (PARAGRAPH, RUN), the narrowest line's width (LINES).
    value: npt.NDArray[np.float64]

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
        return decide(copies, active, group_runs(copies, active), links, kept_figures=kept_figures)
    config = links.config
    index, kept = copies.index, copies.kept
    everything = len(active) == 0 or int(active[-1]) == len(active) - 1
    here = (index if everything else active.searchsorted(index)).tolist()
    there = (kept if everything else active.searchsorted(kept)).tolist()
    units = links.units[index].tolist()
    lengths = links.unit_lengths[units].tolist()
    starts = [k for k in range(len(here)) if not k or here[k - 1] != here[k] - 1 or there[k - 1] != there[k] - 1]
    bounds = [*starts, len(here)]
    # The line of each copy (see _lines): its kept paragraph (>= 0), whose occurrences are
    # it and its whole copies, or for a partial copy -1 - its unit, whose occurrences are
    # the partial copies with its key.
    partial = copies.covers
    line = [-1 - u if u in partial else t for u, t in zip(units, there, strict=True)] if partial else there
    occurrences: dict[int, list[int]] = {}  # line -> where it occurs
    for k, t in zip(here, line, strict=True):
        occurrences.setdefault(t, [t] if t >= 0 else []).append(k)
    code, value = [], []
    for lo, hi in pairwise(bounds):
        size = hi - lo
        mean_length = sum(lengths[lo:hi]) / size
        if mean_length < config.min_chars:
            widths = [display_width(links.unit_keys[u]) for u in units[lo:hi]]
            mean_width = sum(widths) / size
            if mean_width < config.min_chars:
                narrowest = min(widths)
                if size >= RUN_LINES and 2 * narrowest >= config.min_chars:
                    code.append(LINES)
                    value.append(float(narrowest))
                else:
                    code.append(SHORT)
                    value.append(mean_width)
                continue
        # A run is a template when each of its lines is one (a day of a meal plan, a form's
        # fields), and when it does not follow an occurrence of itself (a scraper's stutter).
        count = min(_close_together(sorted(occurrences[line[k]]), here[k]) for k in range(lo, hi))
        if count > config.max_copies and here[lo] - 1 not in occurrences[line[hi - 1]]:
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
    copies: Copies,
    active: ParagraphIds,
    bounds: ParagraphIds,
    links: Links,
    chunk: int = 1 << 16,
    *,
    kept_figures: bool = True,
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
        lines = np.zeros(len(sizes), dtype=bool)
        if short.any():
            in_short = short.repeat(sizes)
            widths = np.zeros(len(units), dtype=np.int64)
            widths[in_short] = links.unit_widths(units[in_short])
            mean_width = _mean(widths, starts, sizes)
            short &= mean_width < config.min_chars
            # A run of several lines, each at least half of min_chars wide, goes all the same.
            lines = short & (sizes >= RUN_LINES)
            if lines.any():
                narrowest = np.minimum.reduceat(widths, starts)
                lines &= 2 * narrowest >= config.min_chars
                short &= ~lines
                code[first:last][lines] = LINES
                value[first:last][lines] = narrowest[lines]
            code[first:last][short] = SHORT
            if kept_figures:
                value[first:last][short] = mean_width[short]
        plain = ~(short | lines)
        value[first:last][plain] = mean_length[plain]
        first = last
    # A run whose every copy is among more than max_copies occurrences of its paragraph
    # close together (see _close_together) is a run of template lines.
    runs = ((code == PARAGRAPH) | (code == RUN)).nonzero()[0]
    if len(runs):
        chosen = run_copies(bounds, runs)
        counts, follows = _occurrences_close_together(
            copies, active, links, chosen.take, bounds[runs], bounds[runs + 1] - 1, chunk
        )
        fewest = np.minimum.reduceat(counts, chosen.starts)
        template = (fewest > config.max_copies) & ~follows
        code[runs[template]] = TEMPLATE
        value[runs[template]] = fewest[template]
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
        elif c == TEMPLATE and n == 1:
            out.append(
                f"template line: occurs {int(v)} times, each within {TEMPLATE_GAP} paragraphs of the last,"
                f" > max_copies={config.max_copies}"
            )
        elif c == TEMPLATE:
            out.append(
                f"run of {n} template lines: each occurs at least {int(v)} times, each within {TEMPLATE_GAP}"
                f" paragraphs of the last, > max_copies={config.max_copies}"
            )
        elif c == PARAGRAPH:
            out.append(f"repeated paragraph of {v:.0f} characters")
        elif c == RUN:
            out.append(f"repeated run of {n} paragraphs, {v:.0f} characters on average")
        else:
            out.append(
                f"repeated run of {n} lines, the shortest {v:.0f} columns >= min_chars/2={config.min_chars / 2:g}"
            )
    return out


def _mean(values: npt.NDArray[np.int64], starts: ParagraphIds, sizes: ParagraphIds) -> npt.NDArray[np.float64]:
    """The mean of ``values`` over each run (as Python's ``sum / len`` gives it: integers are exact)."""
    means: npt.NDArray[np.float64] = np.add.reduceat(values, starts) / sizes
    return means


def _close_together(positions: list[int], here: int) -> int:
    """How many of ``positions`` (increasing) lie in a row around ``here``, each at most
    ``TEMPLATE_GAP`` after the previous one."""
    at = positions.index(here)
    lo = hi = at
    while lo > 0 and positions[lo] - positions[lo - 1] <= TEMPLATE_GAP:
        lo -= 1
    while hi + 1 < len(positions) and positions[hi + 1] - positions[hi] <= TEMPLATE_GAP:
        hi += 1
    return hi - lo + 1


def _occurrences_close_together(
    copies: Copies,
    active: ParagraphIds,
    links: Links,
    numbers: ParagraphIds,
    firsts: ParagraphIds,
    lasts: ParagraphIds,
    chunk: int = 1 << 16,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """:func:`_close_together` for the copies numbered ``numbers`` (increasing), in numpy; and,
    for runs from copy ``firsts[r]`` to ``lasts[r]`` (among ``numbers``), whether the paragraph
    before the first is an occurrence of the last one's line (the run follows itself).

    The occurrences of a kept paragraph are itself and its whole copies (exact or near);
    the kept paragraphs of one pass have distinct units, so units name them. A partial copy
    is not the line it copies: its occurrences are the partial copies with its key (see
    :func:`_lines`). Positions are among ``active``.
    """
    partial = _partial_units(copies, links)
    marked = np.zeros(2 * len(links.unit_keys), dtype=bool)
    marked[_lines(copies, links, partial, numbers)] = True
    # Every occurrence of a marked line (the numbered copies among them), then the kept paragraphs themselves.
    picked = np.concatenate(
        [
            np.flatnonzero(marked[_lines(copies, links, partial, np.arange(lo, min(lo + chunk, len(copies.kept))))])
            + lo
            for lo in range(0, len(copies.kept), chunk)
        ]
    )
    lines = _lines(copies, links, partial, picked)
    originals = np.unique(copies.kept[picked[lines < len(links.unit_keys)]])
    where = np.concatenate([copies.index[picked], originals])
    before = copies.index[firsts]
    if not (len(active) == 0 or int(active[-1]) == len(active) - 1):
        where, before = active.searchsorted(where), active.searchsorted(before)
    unit = np.concatenate([lines, links.units[originals]])
    order = np.lexsort((where, unit))
    where, unit = where[order], unit[order]
    # A new group starts at each paragraph's first occurrence and after each wider gap.
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (unit[1:] != unit[:-1]) | (where[1:] - where[:-1] > TEMPLATE_GAP)
    group = np.cumsum(starts) - 1
    size = np.bincount(group)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    counted: npt.NDArray[np.int64] = size[group[rank[picked.searchsorted(numbers)]]]
    # Each occurrence as one int64, (line, position), in increasing order (sorted by line, then position).
    stride = int(where.max(initial=0)) + 2
    pairs = unit.astype(np.int64) * stride + where
    wanted = _lines(copies, links, partial, lasts).astype(np.int64) * stride + (before.astype(np.int64) - 1)
    found = pairs.searchsorted(wanted).clip(max=len(pairs) - 1)
    follows: npt.NDArray[np.bool_] = pairs[found] == wanted
    return counted, follows


def _partial_units(copies: Copies, links: Links) -> npt.NDArray[np.bool_] | None:
    """Which units are partial copies (``None`` when none is)."""
    if not copies.covers:
        return None
    partial = np.zeros(len(links.unit_keys), dtype=bool)
    partial[list(copies.covers)] = True
    return partial


def _lines(
    copies: Copies, links: Links, partial: npt.NDArray[np.bool_] | None, numbers: npt.NDArray[np.signedinteger[Any]]
) -> npt.NDArray[np.int64]:
    """The line that each of the copies numbered ``numbers`` is an occurrence of, for the template rule.

    A whole copy is an occurrence of its kept paragraph, named by that one's unit ``u``
    (``0 <= u < units``); a partial copy (a truncated or merged paragraph) is not the line it
    copies, and is an occurrence of its own key: ``units + u`` for its unit ``u``.
    """
    line: npt.NDArray[np.int64] = links.units[copies.kept[numbers]]
    if partial is not None:
        own = links.units[copies.index[numbers]]
        line = np.where(partial[own], own + len(links.unit_keys), line)
    return line


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
    def from_runs(cls, runs: list[tuple[list[Copy], bool, str]]) -> Findings:
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
        )

    def __iter__(self) -> Iterator[tuple[list[Copy], bool, str]]:
        """Each run as ``(copies, removed, reason)``, the copies as :class:`~dedupe.matching.Copy` records."""
        from dedupe.matching import Copy

        rows = list(zip(self.index.tolist(), self.kept.tolist(), self.score.tolist(), self.exact.tolist(), strict=True))
        for r, (lo, hi) in enumerate(zip(self.bounds[:-1].tolist(), self.bounds[1:].tolist(), strict=True)):
            yield [Copy(*row, self.covers.get(row[0])) for row in rows[lo:hi]], bool(self.removed[r]), self.reasons[r]
