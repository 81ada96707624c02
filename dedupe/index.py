"""Candidate pairs from LSH banding, done in numpy over a whole batch of signatures.

Each band of ``rows`` signature values becomes one 64-bit bucket key; two paragraphs that
share a bucket key in any band are a candidate pair. This is the banding of datasketch's
``MinHashLSH``, vectorised: for a batch whose signatures are all known up front, sorting
bucket keys beats inserting and querying one sketch at a time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Odd 64-bit multipliers that fold the rows of one band into one bucket key.
_BAND_MULTIPLIERS = np.random.default_rng(0xBA4D).integers(0, 2**63, size=1024, dtype=np.uint64) * 2 + 1

Pairs = npt.NDArray[np.int64]


def candidate_pairs(
    signatures: npt.NDArray[np.uint32], bands: int, rows: int, bucket_cap: int = 64
) -> tuple[Pairs, bool]:
    """Return the candidate pairs of a batch, and whether a bucket was too big to pair fully.

    Pairs are an ``(m, 2)`` array of ``(i, j)``, ``i < j``, unique and sorted. In a bucket
    with more than ``bucket_cap + 1`` members, each member is paired only with the
    ``bucket_cap`` members just before it (in index order), which bounds the work on huge
    buckets of lines with the same shingles (rules of "=====" of many lengths); the flag
    then says that the pairs of a subset are not the pairs of the set restricted to it.

    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
    >>> pairs, truncated = candidate_pairs(sig, bands=2, rows=2)
    >>> pairs.tolist(), truncated
    ([[0, 1]], False)
    """
    n = len(signatures)
    truncated = False
    found: list[npt.NDArray[np.int64]] = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            cols = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
            keys = (cols * _BAND_MULTIPLIERS[:rows]).sum(axis=1, dtype=np.uint64)
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            for d in range(1, min(bucket_cap, n - 1) + 1):
                same = sorted_keys[:-d] == sorted_keys[d:]
                if not same.any():
                    break
                # order is stable, so within a bucket earlier positions have smaller indices.
                found.append(order[:-d][same].astype(np.int64) * n + order[d:][same])
            far = bucket_cap + 1
            truncated = truncated or bool(n > far and (sorted_keys[:-far] == sorted_keys[far:]).any())
    if not found:
        return np.empty((0, 2), dtype=np.int64), truncated
    packed = np.unique(np.concatenate(found))
    return np.stack([packed // n, packed % n], axis=1), truncated


def estimated_jaccard(signatures: npt.NDArray[np.uint32], pairs: Pairs, chunk: int = 65536) -> npt.NDArray[np.float64]:
    """Return the MinHash estimate of the Jaccard similarity of each pair (share of equal values)."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), chunk):  # chunked: two gathered rows per pair add up
        part = pairs[start : start + chunk]
        out[start : start + len(part)] = (signatures[part[:, 0]] == signatures[part[:, 1]]).mean(axis=1)
    return out
