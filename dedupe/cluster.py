"""Grouping: each paragraph is compared with the copy that is kept, never through chains.

Units (distinct normalised keys) are visited in keep order. A unit becomes a copy of the
best-scoring earlier unit that is itself kept and verified against it; otherwise it is
kept. So A≈B and B≈C never remove C unless C≈A was verified.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


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
