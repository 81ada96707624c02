"""From paragraph texts to verified copies: normalize → shingle → sign → band → verify → cluster.

Exact copies (equal normalised keys) take a fast path: only distinct keys go through
MinHash and LSH, so a line repeated a thousand times costs one signature. The verified
links between distinct keys are computed once per document; grouping them into copies is
cheap and can be redone on any subset of the paragraphs (see :meth:`Links.copies`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedupe.cluster import assign_leaders
from dedupe.config import DedupeConfig
from dedupe.index import candidate_pairs, estimated_jaccard
from dedupe.normalize import normalize
from dedupe.shingle import shingle_hashes
from dedupe.signature import signatures
from dedupe.verify import score_pairs


@dataclass(frozen=True, slots=True)
class Copy:
    """Paragraph ``index`` repeats the kept paragraph ``kept_index``."""

    index: int
    kept_index: int
    score: float
    exact: bool


class Links:
    """The normalised keys of a document's paragraphs and the verified links between them."""

    def __init__(self, texts: Sequence[str], config: DedupeConfig) -> None:
        self.config = config
        self.keys = [normalize(t) for t in texts]
        unit_of: dict[str, int] = {}
        self.units = np.fromiter(
            (unit_of.setdefault(k, len(unit_of)) for k in self.keys), dtype=np.int64, count=len(self.keys)
        )
        self.unit_lengths = np.fromiter((len(k) for k in unit_of), dtype=np.int64, count=len(unit_of))
        self.pairs, self.scores = _verified_pairs(list(unit_of), config)

    def copies(self, active: Sequence[int]) -> list[Copy]:
        """Return every copy among the paragraphs ``active`` (indices, increasing), in order.

        Each copy names the kept paragraph it repeats: the first occurrence (in keep order)
        of a kept unit, verified against it directly.
        """
        positions = np.asarray(active, dtype=np.int64)
        units = self.units[positions]
        first = np.full(len(self.unit_lengths), -1, dtype=np.int64)
        first[units[::-1]] = positions[::-1]  # the earliest active occurrence of each unit
        present = first >= 0
        if self.config.keep == "first":
            rank = first
        else:  # longest first, earliest among equals
            order = np.lexsort((first, -self.unit_lengths))
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
        usable = present[self.pairs[:, 0]] & present[self.pairs[:, 1]]
        leader, best = assign_leaders(rank, self.pairs[usable], self.scores[usable], self.config.threshold)
        copies = []
        for i, u in zip(active, units.tolist(), strict=True):
            lead = int(leader[u])
            kept = int(first[lead])
            if kept != i:
                copies.append(Copy(i, kept, 1.0 if lead == u else float(best[u]), lead == u))
        return copies


def _verified_pairs(
    unit_keys: list[str], config: DedupeConfig
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Return the candidate pairs of distinct keys that rapidfuzz verifies, with their scores."""
    if len(unit_keys) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.float64)
    hashes, offsets = shingle_hashes(unit_keys, config.shingle_size)
    sig = signatures(hashes, offsets, config.num_perm, config.seed)
    pairs = candidate_pairs(sig, config.bands, config.rows)
    # Banding tuned for recall proposes many pairs far below any plausible copy; the MinHash
    # estimate drops those before the (costlier) verification.
    pairs = pairs[estimated_jaccard(sig, pairs) >= config.min_jaccard]
    scores = score_pairs(unit_keys, pairs, config.threshold)
    passed = scores >= config.threshold
    return pairs[passed], scores[passed]
