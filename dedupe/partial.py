"""Partial copies: a paragraph that lies inside another, or that other paragraphs make up.

A truncated teaser, a pull quote, a lead joined to the next paragraph: the similarity of
the whole texts says little (a copy cut after 60 % of its original scores about 0.75), but
an alignment does. Two normalised keys are aligned by their longest common subsequence
(rapidfuzz's ``Indel.opcodes``, bit-parallel: a few microseconds per pair of paragraphs),
and only the aligned runs of at least :data:`SOLID` characters count, chained while the
chain stays a near copy (see :func:`align`): unrelated text of one language agrees on
scattered letters and short words, a copy on long stretches. Measured on 4,000 paragraphs
of the benchmark corpus: a copy with 3 % typos is covered 0.94 or more (1st percentile),
truncated and merged copies 0.997 or more, and a hard negative that shares its opening
with its original at most 0.59.

A pair counts only when one key lies inside the other, or the end of one is the start of
the other (:func:`related`): a stretch shared in the middle of both, such as a name or a
stock phrase, does not make either a copy.

The *coverage* of a paragraph is the share of its characters in such runs against kept
paragraphs (several of them for a merged paragraph). A paragraph whose coverage reaches
``coverage`` holds nothing that the kept text lacks and is a partial copy.
"""

from __future__ import annotations

from typing import NamedTuple

from rapidfuzz.distance import Indel

SOLID = 5  # characters: shorter aligned runs are chance agreement
ALIGN_LIMIT = 20_000  # characters: longer keys are not aligned (the bit matrix grows with the product)


class Alignment(NamedTuple):
    """The solid runs of keys ``a`` and ``b`` in their aligned stretch: ``(i, j, size)`` says
    ``a[i:i + size] == b[j:j + size]``. ``common`` is the length of the whole alignment
    (the LCS), which gives the similarity. Plain tuples: there are a few runs per pair.
    """

    runs: tuple[tuple[int, int, int], ...]
    common: int
    solid: int

    def swapped(self) -> Alignment:
        return Alignment(tuple((j, i, size) for i, j, size in self.runs), self.common, self.solid)

    def span(self, side: int) -> tuple[int, int]:
        """The stretch of ``a`` (side 0) or ``b`` (side 1) from the first run to the end of the last."""
        first, last = self.runs[0], self.runs[-1]
        return first[side], last[side] + last[2]


def alignable(a: str, b: str) -> bool:
    """Whether the two keys are short enough to be aligned."""
    return 0 < len(a) <= ALIGN_LIMIT and 0 < len(b) <= ALIGN_LIMIT


def align(a: str, b: str, threshold: float) -> Alignment:
    """Align two keys: the densest stretch they share; the result does not depend on which is ``a``.

    The solid runs of the LCS alignment are chained, left to right, while the chain stays
    a near copy: ``2 * matched / (stretch of a + stretch of b) >= threshold``, the score a
    whole paragraph must reach. The chain that matches the most characters is the
    alignment: a partial copy is one contiguous stretch (light noise breaks runs, not the
    chain), while chance agreement of unrelated text stays in short, scattered runs.
    """
    if (len(b), b) < (len(a), a):
        return align(b, a, threshold).swapped()
    blocks = [(m.a, m.b, m.size) for m in Indel.opcodes(a, b).as_matching_blocks()]
    common = sum(size for _, _, size in blocks)
    best: list[tuple[int, int, int]] = []
    chain: list[tuple[int, int, int]] = []
    matched = best_matched = 0
    for block in blocks:
        if block[2] < SOLID:
            continue
        if chain:
            a0, b0, _ = chain[0]
            if 2 * (matched + block[2]) < threshold * (block[0] + block[2] - a0 + block[1] + block[2] - b0):
                chain, matched = [], 0
        chain.append(block)
        matched += block[2]
        if matched > best_matched:
            best, best_matched = list(chain), matched
    return Alignment(tuple(best), common, best_matched)


def similarity(length_a: int, length_b: int, alignment: Alignment) -> float:
    """The Indel similarity of keys ``a`` and ``b`` (rapidfuzz ``fuzz.ratio / 100``), from their lengths and alignment.

    (Lengths, not keys: the keys of a long text are made again each time they are read.)
    """
    return 2 * alignment.common / (length_a + length_b)


ENDS = 5  # characters: how far from a text's end a stretch may stop and still reach it (noise at the cut)


def related(a: str, b: str, alignment: Alignment, coverage: float) -> bool:
    """Whether the aligned stretch makes one key part of the other: the whole of one lies inside the
    other (a truncated copy, or one of the paragraphs a merged one is made of), or the end of one
    is the start of the other (a merged paragraph whose last part was cut).

    A stretch in the middle of both (a shared name, a stock phrase, a common opening) is not.
    """
    if not alignment.runs:
        return False
    solid = alignment.solid
    if solid >= coverage * min(len(a), len(b)):
        return True
    a_lo, a_hi = alignment.span(0)
    b_lo, b_hi = alignment.span(1)
    return (a_lo <= ENDS and b_hi >= len(b) - ENDS) or (b_lo <= ENDS and a_hi >= len(a) - ENDS)


def partial_alignment(a: str, b: str, threshold: float, coverage: float) -> Alignment | None:
    """The alignment of two keys when they can be aligned and it makes one part of the other, else ``None``."""
    if not alignable(a, b):
        return None
    alignment = align(a, b, threshold)
    return alignment if related(a, b, alignment, coverage) else None


NEW_TEXT = 25  # characters: a shorter stretch left out is noise or an edit ("!!", " 1 Orange,"), not new text


def adds_new_text(a: str, b: str, alignment: Alignment, coverage: float) -> bool:
    """Whether, of two keys aligned as ``alignment``, the longer is the shorter and new text.

    The shorter lies inside the longer (its runs cover ``coverage`` of it), is shorter than
    ``coverage`` times the longer (:func:`may_add_new_text`: more was added than light
    noise), and leaves a stretch of :data:`NEW_TEXT` characters or more of the longer out
    of the runs. Such a pair may still score as a copy whole (a sentence appended to a long
    paragraph scores 0.93); it is a partial pair all the same.
    """
    if not may_add_new_text(a, b, coverage):
        return False
    shorter, longer = sorted((len(a), len(b)))
    if alignment.solid < coverage * shorter:
        return False
    side = 0 if len(a) == longer else 1
    done = widest = 0
    for run in alignment.runs:
        widest = max(widest, run[side] - done)
        done = run[side] + run[2]
    return max(widest, longer - done) >= NEW_TEXT


def may_add_new_text(a: str, b: str, coverage: float) -> bool:
    """Whether the lengths of two keys allow :func:`adds_new_text` (most copies are ruled out here, unaligned)."""
    return min(len(a), len(b)) < coverage * max(len(a), len(b))


class Part(NamedTuple):
    """The stretch ``[lo, hi)`` of a covered key that kept paragraph ``kept`` (a unit or a paragraph) covers,
    and the stretch ``[kept_lo, kept_hi)`` of the kept key it aligns to."""

    kept: int
    lo: int
    hi: int
    kept_lo: int
    kept_hi: int


class Cover(NamedTuple):
    """How kept paragraphs cover a key: the share of its characters in solid runs, and each covering part.

    ``parts`` come in the order of the key; ``score`` is the similarity to ``parts``'
    main paragraph, ``main``, the one that covers the most.
    """

    coverage: float
    score: float
    main: int
    parts: tuple[Part, ...]


def cover(length: int, coverers: list[tuple[int, Alignment, float]]) -> Cover:
    """The coverage of a key of ``length`` characters by ``(kept, alignment, similarity)`` triples.

    Each alignment has the covered key on side 0. Characters covered by several paragraphs
    count once; a paragraph that adds nothing to the others is not listed as a part.
    """
    if (
        len(coverers) == 1 and coverers[0][1].runs
    ):  # most partial copies: one paragraph, whose runs are disjoint and in order
        kept, alignment, score = coverers[0]
        lo, hi = alignment.span(0)
        kept_lo, kept_hi = alignment.span(1)
        return Cover(alignment.solid / length if length else 0.0, score, kept, (Part(kept, lo, hi, kept_lo, kept_hi),))
    # The paragraph covering the most first (then the lowest number): it is the main one.
    ordered = sorted(coverers, key=lambda c: (-c[1].solid, c[0]))
    covered: list[tuple[int, int]] = []
    parts = []
    total = 0
    for kept, alignment, _ in ordered:
        covered = union_of(covered, [(i, i + size) for i, _, size in alignment.runs])
        now = sum(hi - lo for lo, hi in covered)
        if now > total:
            lo, hi = alignment.span(0)
            kept_lo, kept_hi = alignment.span(1)
            parts.append(Part(kept, lo, hi, kept_lo, kept_hi))
            total = now
    main, _, score = ordered[0]
    parts.sort(key=lambda p: (p.lo, p.kept))
    return Cover(total / length if length else 0.0, score, main, tuple(parts))


def union_of(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of two sets of half-open intervals, as sorted disjoint intervals."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(a + b):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out
