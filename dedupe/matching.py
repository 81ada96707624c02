"""From paragraph texts to verified copies: normalize → shingle → sign → band → verify → cluster.

Exact copies (equal normalised keys) take a fast path: only distinct keys go through
MinHash and LSH, so a line repeated a thousand times costs one signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedupe.cluster import assign_leaders
from dedupe.config import DedupeConfig
from dedupe.index import candidate_pairs
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


def find_copies(texts: Sequence[str], config: DedupeConfig) -> tuple[list[str], list[Copy]]:
    """Return the normalised keys of ``texts`` and every verified copy, in document order."""
    keys = [normalize(t) for t in texts]
    unit_of: dict[str, int] = {}
    first: list[int] = []  # first paragraph of each unit
    units = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        u = unit_of.setdefault(key, len(first))
        if u == len(first):
            first.append(i)
        units[i] = u
    unit_keys = list(unit_of)
    leader, best = _leaders(unit_keys, first, config)
    copies = []
    for i, u in enumerate(units.tolist()):
        lead = int(leader[u])
        kept = first[lead]
        if kept != i:
            copies.append(Copy(i, kept, float(best[u]) if lead != u else 1.0, lead == u))
    return keys, copies


def _leaders(unit_keys: list[str], first: list[int], config: DedupeConfig) -> tuple[np.ndarray, np.ndarray]:
    if config.keep == "first":
        rank = np.arange(len(unit_keys), dtype=np.int64)
    else:
        lengths = np.array([len(k) for k in unit_keys], dtype=np.int64)
        order = np.lexsort((np.asarray(first, dtype=np.int64), -lengths))
        rank = np.empty(len(unit_keys), dtype=np.int64)
        rank[order] = np.arange(len(unit_keys))
    if len(unit_keys) < 2:
        return np.arange(len(unit_keys), dtype=np.int64), np.ones(len(unit_keys))
    hashes, offsets = shingle_hashes(unit_keys, config.shingle_size)
    sig = signatures(hashes, offsets, config.num_perm, config.seed)
    pairs = candidate_pairs(sig, config.bands, config.rows)
    scores = score_pairs(unit_keys, pairs)
    return assign_leaders(rank, pairs, scores, config.threshold)
