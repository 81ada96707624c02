"""Scores of candidate pairs with rapidfuzz: the only judge of what is a copy.

The score is the normalised Indel similarity of the two normalised texts
(``rapidfuzz.fuzz.ratio / 100``), on a 0–1 scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel
from rapidfuzz.process import cpdist


def score_pairs(keys: Sequence[str], pairs: npt.NDArray[np.int64], cutoff: float = 0.0) -> npt.NDArray[np.float64]:
    """Return the similarity of ``keys[i]`` and ``keys[j]`` for every row ``(i, j)``.

    Scores below ``cutoff`` come back as 0, which lets rapidfuzz stop early.
    """
    return score_each([keys[i] for i in pairs[:, 0]], [keys[j] for j in pairs[:, 1]], cutoff)


def score_each(left: Sequence[str], right: Sequence[str], cutoff: float = 0.0) -> npt.NDArray[np.float64]:
    """Return the similarity of ``left[k]`` and ``right[k]`` for every ``k`` (0 below ``cutoff``)."""
    if len(left) == 0:
        return np.empty(0, dtype=np.float64)
    scores = cpdist(left, right, scorer=Indel.normalized_similarity, score_cutoff=cutoff, dtype=np.float64)
    return np.asarray(scores)


def score(a: str, b: str) -> float:
    """Return the similarity of two normalised texts, the reference for one pair."""
    return float(Indel.normalized_similarity(a, b))
