"""Grouping: each paragraph is compared with the copy that is kept, never through chains.

Units (distinct normalised keys) are visited in keep order. A unit becomes a copy of the
best-scoring earlier unit that is itself kept and verified against it; otherwise it is
kept. So A≈B and B≈C never remove C unless C≈A was verified.

Partial copies (see :mod:`dedupe.partial`) follow the same rule: a unit is covered by
kept units only, each aligned with it directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dedupe.config import DedupeConfig
from dedupe.partial import Alignment, Cover, cover, partial_alignment, similarity
from dedupe.unit_keys import key_lengths


def assign_leaders(
    rank: npt.NDArray[np.int64],
    pairs: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    threshold: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Return ``(leader, score)``: the kept unit each unit copies (itself when kept) and the score.

    ``rank[u]`` is the position of unit ``u`` in keep order (lower is kept first). Only
    pairs scoring at least ``threshold`` link units.

    >>> rank = np.array([0, 1, 2])
    >>> pairs = np.array([[0, 1], [1, 2]])   # A≈B, B≈C, but C was never verified against A
    >>> assign_leaders(rank, pairs, np.array([0.95, 0.95]), 0.9)[0].tolist()
    [0, 0, 2]
    """
    n = len(rank)
    leader = np.arange(n, dtype=np.int64)
    best = np.ones(n, dtype=np.float64)
    passed = scores >= threshold
    a, b = pairs[passed, 0], pairs[passed, 1]
    s = scores[passed]
    later_is_b = rank[a] < rank[b]
    earlier = np.where(later_is_b, a, b)
    later = np.where(later_is_b, b, a)
    # Visit each later unit in keep order, its candidates best score first, then earliest.
    visit = np.lexsort((rank[earlier], -s, rank[later]))
    settled = -1
    for e, x, score in zip(earlier[visit].tolist(), later[visit].tolist(), s[visit].tolist(), strict=True):
        if x == settled:
            continue
        if leader[e] == e:
            leader[x] = e
            best[x] = score
            settled = x
    return leader, best


KEPT, COPY, PARTIAL = 0, 1, 2


class Partials(NamedTuple):
    """Verified partial pairs of units: ``alignments[k]`` aligns ``pairs[k, 0]`` (side 0) with ``pairs[k, 1]``."""

    pairs: npt.NDArray[np.int64]
    alignments: list[Alignment]


class Outcome(NamedTuple):
    """What :func:`assign_with_partials` decided: leaders and scores as :func:`assign_leaders` gives them,
    the cover of each unit removed as a partial copy, and of each kept unit that extends a kept one."""

    leader: npt.NDArray[np.int64]
    best: npt.NDArray[np.float64]
    covers: dict[int, Cover]
    extends: dict[int, Cover]


def assign_with_partials(
    rank: npt.NDArray[np.int64],
    pairs: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    partials: Partials,
    keys: Sequence[str],
    config: DedupeConfig,
) -> Outcome:
    """:func:`assign_leaders`, where a unit that no kept unit copies whole may still be covered by kept units.

    Units are visited in keep order. A unit copies the best-scoring earlier kept unit it
    is verified against; failing that, it is a partial copy when earlier kept units cover
    at least ``config.coverage`` of it (aligned directly against each of them: a near
    copy of a partial copy is aligned against what covers that one). A unit kept with an
    earlier kept unit inside it (its new text keeps it) *extends* that unit.
    """
    n = len(rank)
    leader = np.arange(n, dtype=np.int64)
    best = np.ones(n, dtype=np.float64)
    lengths = key_lengths(keys)  # (a long text's keys are made again when read: not for their length)
    order = rank.tolist()  # Python lists: read unit by unit, numpy scalars would cost more than the work
    status = bytearray(n)  # KEPT, COPY or PARTIAL
    covers: dict[int, Cover] = {}
    extends: dict[int, Cover] = {}
    passed = scores >= config.threshold
    whole: dict[int, list[tuple[int, float]]] = defaultdict(list)  # later unit -> (earlier unit, score)
    for a, b, s in zip(pairs[passed, 0].tolist(), pairs[passed, 1].tolist(), scores[passed].tolist(), strict=True):
        later, earlier = (b, a) if order[a] < order[b] else (a, b)
        whole[later].append((earlier, s))
    # later unit -> (earlier unit, alignment, whether the later one is on side 1): swapped only when used
    inside: dict[int, list[tuple[int, Alignment, bool]]] = defaultdict(list)
    for (a, b), alignment in zip(partials.pairs.tolist(), partials.alignments, strict=True):
        if order[a] < order[b]:
            inside[b].append((a, alignment, True))
        else:
            inside[a].append((b, alignment, False))
    for x in sorted({*whole, *inside}, key=order.__getitem__):
        candidates = whole.get(x, [])
        if len(candidates) > 1:
            candidates.sort(key=lambda c: (-c[1], order[c[0]]))
        chosen = next(((e, s) for e, s in candidates if status[e] == KEPT), None)
        if chosen is not None:
            leader[x], best[x], status[x] = chosen[0], chosen[1], COPY
            continue
        coverers = {
            y: alignment.swapped() if flip else alignment
            for y, alignment, flip in inside.get(x, ())
            if status[y] == KEPT
        }
        holds = [y for y, alignment in coverers.items() if alignment.solid >= config.coverage * int(lengths[y])]
        for e, _ in candidates:  # x is a near copy of a partial copy: align x with what covers that one
            if status[e] == PARTIAL:
                for part in covers[e].parts:
                    if part.kept not in coverers:
                        aligned = partial_alignment(keys[x], keys[part.kept], config.threshold, config.coverage)
                        if aligned is not None:
                            coverers[part.kept] = aligned
        length = int(lengths[x])
        found = [(y, a, similarity(length, int(lengths[y]), a)) for y, a in coverers.items() if a.solid]
        if not found:
            continue
        got = cover(length, found)
        if got.coverage >= config.coverage:
            leader[x], best[x], status[x] = got.main, got.score, PARTIAL
            covers[x] = got
        elif holds:
            extends[x] = cover(length, [f for f in found if f[0] in holds])
    return Outcome(leader, best, covers, extends)
