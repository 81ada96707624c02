"""Candidate pairs from LSH banding, done in numpy over a whole batch of signatures.

Each band of ``rows`` signature values becomes one 64-bit bucket key; two paragraphs that
share a bucket key in any band are a candidate pair. This is the banding of datasketch's
``MinHashLSH``, vectorised: for a batch whose signatures are all known up front, sorting
bucket keys beats inserting and querying one sketch at a time.

Frequent shingles (" the ", "했다") make some buckets huge. A bucket with more than
``bucket_cap + 1`` members is paired as a sliding window: each member with the
``bucket_cap`` members just before it. Such a bucket is remembered, so that the pairs of a
subset of the batch can be recomputed exactly as a fresh run on the subset would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from dedupe.compiled import RADIX
from dedupe.spill import release, rows_in_order, spilled_array

# Odd 64-bit multipliers that fold the rows of one band into one bucket key.
_BAND_MULTIPLIERS = np.random.default_rng(0xBA4D).integers(0, 2**63, size=1024, dtype=np.uint64) * 2 + 1

Pairs = npt.NDArray[np.int64]
_Sieve = Callable[[Pairs], npt.NDArray[np.bool_]]  # whether to keep each packed pair
BUCKET_CAP = 64


class Candidates(NamedTuple):
    """Candidate pairs ``(i, j)``, ``i < j``, unique and sorted, with the buckets that were capped.

    ``complete`` marks the pairs that some fully paired bucket proposed: they are proposed
    for any subset holding both members. ``capped`` holds the members (increasing) of each
    bucket that was paired as a window.
    """

    pairs: Pairs
    complete: npt.NDArray[np.bool_]
    capped: list[npt.NDArray[np.int64]]
    bands: SortedBands | None = None


class SortedBands(NamedTuple):
    """The bucket keys of a batch, sorted band by band: ``prefixes[band]`` holds the keys
    without their low :data:`_ROW_BITS` bits, with the band's number above them (so the
    bands laid one after another are one increasing array, searched at once),
    ``order[band]`` gives the row (in the batch) of each, and ``low[band, row]`` holds the
    low bits of each key, in row order."""

    prefixes: npt.NDArray[np.uint64]
    order: npt.NDArray[np.int32]
    low: npt.NDArray[np.uint32]


def candidate_pairs(
    signatures: npt.NDArray[np.uint32],
    bands: int,
    rows: int,
    bucket_cap: int = BUCKET_CAP,
    *,
    keep: bool = False,
    salts: npt.NDArray[np.uint64] | None = None,
    allocate: Callable[[tuple[int, int], Any], npt.NDArray[Any]] = np.empty,
    partial: bool = False,
    min_jaccard: float | None = None,
) -> Candidates:
    """Return the candidate pairs of a batch of signatures (rows in the batch's order).

    With ``keep``, the sorted bucket keys come back too (``bands``), for :func:`ranked_buckets`,
    in arrays that ``allocate`` makes (:func:`dedupe.spill.spilled`: in a temporary file).
    With ``salts``, rows pair only with rows of the same salt (several documents banded at once).
    With ``partial``, the pairs of the bands that look for partial copies (:data:`PARTIAL_BANDS`)
    come too: a pair is then complete when the bands of either kind propose it completely.
    With ``min_jaccard``, only the pairs whose MinHash estimate (:func:`estimated_jaccard`)
    reaches it come back: the others would not be verified, and they are most of a large
    text's candidates (chance meetings, whose number grows faster than the text).

    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
    >>> found = candidate_pairs(sig, bands=2, rows=2)
    >>> found.pairs.tolist(), found.complete.tolist(), found.capped
    ([[0, 1]], [True], [])
    """
    n = len(signatures)
    if n < 2:
        return Candidates(np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=bool), [])
    sieve = None
    if min_jaccard is not None and n >= _BOUNDED_FROM:
        # Most pairs that banding finds in a large batch are chance meetings. Dropped as they
        # are found, by the bound of low bits that ``likely`` applies first, they are never
        # gathered and sorted (ten million paragraphs: about 57 million, against 1.4 million kept).
        sieve = within_bound(low_bits(signatures), signatures.shape[1], min_jaccard)
    found = _Found(n, bucket_cap, sieve)
    kept = _band(signatures, bands, rows, found, salts, allocate if keep else None)
    # With fewer than 96 permutations, as many partial bands as they fill.
    partial_bands = min(PARTIAL_BANDS, signatures.shape[1] // PARTIAL_ROWS) if partial else 0
    if partial_bands:
        _band(signatures[:, : partial_bands * PARTIAL_ROWS], partial_bands, PARTIAL_ROWS, found, salts, None)
    return found.candidates(kept, signatures, min_jaccard)


def _band(
    signatures: npt.NDArray[np.uint32],
    bands: int,
    rows: int,
    found: _Found,
    salts: npt.NDArray[np.uint64] | None,
    allocate: Callable[[tuple[int, int], Any], npt.NDArray[Any]] | None,
) -> SortedBands | None:
    """Pair the rows that share a bucket in some band into ``found``; with ``allocate``, return the sorted bands."""
    n = len(signatures)
    kept = None
    if allocate is not None:
        kept = SortedBands(
            allocate((bands, n), np.uint64), allocate((bands, n), np.int32), allocate((bands, n), np.uint32)
        )
    # Several bands are sorted at once (fewer numpy calls on small batches), in groups that
    # keep the working arrays to about a million entries on large ones. Their keys are
    # computed FILL bands at a time: one band's values are 16 of the 512 bytes of a row,
    # and a pass per band over a million rows read all of them 32 times (2 s of 8 at 1M).
    group = max(1, min(bands, _SORTED_AT_ONCE // n))
    fill = max(group, min(bands, _FILL))
    for first_fill in range(0, bands, fill):
        last_fill = min(first_fill + fill, bands)
        # The kept prefixes hold the keys until each group has been sorted.
        block = _keys_by_band(signatures, first_fill, last_fill, rows, None if kept is None else kept.prefixes)
        for first_band in range(first_fill, last_fill, group):
            last_band = min(first_band + group, last_fill)
            keys = block[first_band - first_fill : last_band - first_fill].T
            if salts is not None:
                keys ^= salts[:, None]
            if kept is not None:
                kept.low[first_band:last_band] = (keys & _ROW_MASK).T
            prefixes, order, same = _sort_keys(keys)
            if kept is not None:
                kept.prefixes[first_band:last_band] = prefixes | _above(first_band, last_band)
                kept.order[first_band:last_band] = order
                for array in kept:  # the pages written, when in a temporary file
                    release(array)
            found.add(order.ravel(), same)
    return kept


class _Found:
    """The pairs that banding has found so far: those of fully paired buckets, and the capped buckets."""

    def __init__(self, n: int, bucket_cap: int, sieve: _Sieve | None = None) -> None:
        self.n = n
        self.bucket_cap = bucket_cap
        self.sieve = sieve
        self.complete = _PairSet(sieve)
        self.capped: list[npt.NDArray[np.int64]] = []

    def add(self, order: Pairs, same: Pairs) -> None:
        """Pair the buckets of some bands (``order`` and ``same`` as :func:`_sort_keys` gives them)."""
        _pair_buckets(order, same, self.n, self.bucket_cap, self.complete, self.capped)

    def candidates(
        self, bands: SortedBands | None, signatures: npt.NDArray[np.uint32], min_jaccard: float | None
    ) -> Candidates:
        """The pairs found, unique and sorted, that reach ``min_jaccard`` (if given), and the capped buckets."""
        n = self.n
        full = self.complete.sorted_unique()
        windowed = _PairSet(self.sieve)
        for bucket in self.capped:
            windowed.append(_window(bucket, n, self.bucket_cap))
        if windowed.parts:
            windowed.append(full, sieved=True)
            packed = windowed.sorted_unique()
            is_full = np.zeros(len(packed), dtype=bool)
            is_full[np.searchsorted(packed, full)] = True
        else:
            packed, is_full = full, np.ones(len(full), dtype=bool)
        del full, windowed
        if min_jaccard is not None and self.sieve is not None:  # each within the bound: counted whole
            keep = _exact_counts(signatures, packed) >= _least_count(signatures.shape[1], min_jaccard)
            packed, is_full = packed[keep], is_full[keep]
        elif min_jaccard is not None:
            keep = likely(signatures, packed, min_jaccard)
            packed, is_full = packed[keep], is_full[keep]
        return Candidates(unpack(packed, n), is_full, self.capped, bands)


class _PairSet:
    """Packed pairs (``i * n + j``) gathered a part at a time, and made unique now and then: a
    pair meets in several bands, and a text of ten million paragraphs finds tens of millions."""

    def __init__(self, sieve: _Sieve | None = None) -> None:
        self.parts: list[Pairs] = []  # the first is unique once made so
        self.unique = 0  # the length of that first part (0 before)
        self.sieve = sieve  # what keeps a pair (all are kept without it)

    def append(self, part: Pairs, *, sieved: bool = False) -> None:
        """Add ``part`` (``sieved``: the pairs that the sieve keeps, already)."""
        if self.sieve is not None and not sieved and len(part):
            part = part[self.sieve(part)]
        if not len(part):
            return
        self.parts.append(part)
        if sum(map(len, self.parts)) - self.unique > max(self.unique, _UNIQUE_FROM):
            self.parts = [_sorted_unique(self.parts)]
            self.unique = len(self.parts[0])

    def sorted_unique(self) -> Pairs:
        """All the pairs, sorted, each once (the set is emptied)."""
        self.unique = 0
        return _sorted_unique(self.parts)


def unpack(packed: Pairs, n: int) -> Pairs:
    """Pairs ``i * n + j`` as rows ``(i, j)`` (written in place: no temporary the size of the pairs)."""
    pairs = np.empty((len(packed), 2), dtype=np.int64)
    np.floor_divide(packed, n, out=pairs[:, 0])
    np.remainder(packed, n, out=pairs[:, 1])
    return pairs


_UNIQUE_FROM = 1 << 22  # pairs found more than once: made unique when there are more than this


_SORTED_AT_ONCE = 1 << 20  # entries
_FILL = 8  # bands
_FILL_ROWS = 1 << 14


def _keys_by_band(
    signatures: npt.NDArray[np.uint32], first_band: int, last_band: int, rows: int, into: npt.NDArray[np.uint64] | None
) -> npt.NDArray[np.uint64]:
    """The bucket keys of bands ``first_band:last_band``, band by band (``into[first_band:last_band]`` when given)."""
    n = len(signatures)
    out = np.empty((last_band - first_band, n), dtype=np.uint64) if into is None else into[first_band:last_band]
    for start in range(0, n, _FILL_ROWS):  # rows a slice at a time: each row is read once, from cache
        part = slice(start, start + _FILL_ROWS)
        out[:, part] = band_keys(signatures[part], first_band, last_band, rows).T
        release(signatures, part)  # (signatures in a temporary file: the pages just read)
    return out


def _pair_buckets(
    order: Pairs, same: Pairs, n: int, bucket_cap: int, complete: _PairSet, capped: list[npt.NDArray[np.int64]]
) -> None:
    """Pair the members of each bucket of sorted bands (``order``, band after band; ``same`` as
    :func:`_sort_keys` gives it): into ``complete``, or as a bucket too big to pair fully into ``capped``."""
    # Buckets of two or more members: runs of neighbours with the same key.
    first = np.ones(len(same), dtype=bool)
    np.not_equal(same[1:], same[:-1] + 1, out=first[1:])
    last = np.ones(len(same), dtype=bool)
    last[:-1] = first[1:]
    starts = same[first]
    lengths = same[last] - starts + 2
    big = lengths > bucket_cap + 1
    capped.extend(np.sort(order[s : s + k]) for s, k in zip(starts[big], lengths[big], strict=True))
    # Buckets paired fully: every member with every other, by distance d in sorted order.
    starts, lengths = starts[~big], lengths[~big]
    at = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    left = np.repeat(starts + lengths, lengths) - at  # members from each to its bucket's end
    for d in range(1, bucket_cap + 1):
        alive = left > d
        at, left = at[alive], left[alive]
        if len(at) == 0:
            break
        a, b = order[at], order[at + d]
        complete.append(np.minimum(a, b) * n + np.maximum(a, b))


# Bucket keys are sorted by their high bits with the row's number in the low bits: one
# sort of plain integers instead of an argsort and a gather. Keys that share the high bits
# but differ below (a few per 100,000 rows: the keys of small minima are not uniform) are
# then put in key order, so buckets and their members' order are those of an exact sort.
_ROW_BITS = 24
_ROW_MASK = np.uint64((1 << _ROW_BITS) - 1)


_RADIX_FROM = 1 << 12  # keys per band: below this numpy is as fast (5,000 keys: 0.1 ms either way)


def _argsort_bands(keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], Pairs]:
    """Each band's keys (``keys[row, band]``) sorted, and the row of each: equal keys keep their rows in order.

    By the compiled radix argsort where it is built (numpy's stable argsort otherwise).
    Sorting whole keys puts a bucket's rows in order with no pass that gathers the keys of
    shared prefixes at random (with that pass and numpy's sort, :func:`_sort_keys` took
    61 s at ten million paragraphs: 41 s in the sort, 17 s of its own).
    """
    n = len(keys)
    if RADIX is None or n > 1 << 32:
        order = np.argsort(np.ascontiguousarray(keys.T), axis=1, kind="stable")
        return np.take_along_axis(keys.T, order, axis=1), order
    whole = np.ascontiguousarray(keys.T)
    rows = np.empty(whole.shape, dtype=np.uint32)
    keys_to, rows_to = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint32)
    for band in range(len(whole)):
        RADIX.argsort(whole[band], rows[band], keys_to, rows_to)
    return whole, rows.astype(np.int64)


def _sort_keys(keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], Pairs, Pairs]:
    """Sort each band's keys, ``keys[row, band]``; returns the sorted prefixes, their rows,
    and the positions ``i`` (in the bands laid one after another) whose key is that of ``i + 1``."""
    n = len(keys)
    # Whole keys are argsorted where the radix sort is built, or where there are too many
    # rows to pack one's number with a key.
    if (RADIX is not None and n >= _RADIX_FROM) or n > 1 << _ROW_BITS:
        whole, order = _argsort_bands(keys)
        return whole >> np.uint64(_ROW_BITS), order, _equal_neighbours(whole)
    entries = np.ascontiguousarray(keys.T) >> np.uint64(_ROW_BITS)
    entries <<= np.uint64(_ROW_BITS)
    entries |= np.arange(n, dtype=np.uint64)
    entries.sort(axis=1)
    prefixes = entries >> np.uint64(_ROW_BITS)
    order = (entries & _ROW_MASK).view(np.int64)
    flat_order = order.ravel()
    near = _equal_neighbours(prefixes)
    if not len(near):
        return prefixes, order, near
    # The entries of prefixes held by two or more rows, and their keys.
    held = np.zeros(flat_order.size, dtype=bool)
    held[near] = True
    held[near + 1] = True
    members = np.flatnonzero(held)
    band = members // n
    whole = keys[flat_order[members], band]
    run = (members[1:] == members[:-1] + 1) & (band[1:] == band[:-1])  # the next member shares the prefix
    differ = run & (whole[1:] != whole[:-1])
    if differ.any():  # put the runs that hold several keys in key order, rows in order within a key
        run_of = np.cumsum(np.r_[True, ~run])
        mixed = np.isin(run_of, run_of[1:][differ])
        at, rows = members[mixed], flat_order[members[mixed]]
        by_key = np.lexsort((rows, whole[mixed], band[mixed]))  # moves entries only within their run
        flat_order[at] = rows[by_key]
        whole[mixed] = whole[mixed][by_key]
    return prefixes, order, members[:-1][run & (whole[1:] == whole[:-1])]


def _equal_neighbours(sorted_rows: npt.NDArray[np.uint64]) -> Pairs:
    """Positions ``i`` (in the rows laid one after another) whose value is that of ``i + 1`` in the same row."""
    flat = sorted_rows.ravel()
    same = flat[1:] == flat[:-1]
    same[sorted_rows.shape[1] - 1 :: sorted_rows.shape[1]] = False  # a bucket never spans two bands
    return np.flatnonzero(same)


def sort_bands(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> SortedBands:
    """The bucket keys of a batch sorted band by band, as ``candidate_pairs(..., keep=True)`` gives them."""
    keys = band_keys(signatures, 0, bands, rows)
    prefixes, order, _ = _sort_keys(keys)
    prefixes |= _above(0, bands)
    return SortedBands(prefixes, order.astype(np.int32), np.ascontiguousarray((keys & _ROW_MASK).T, dtype=np.uint32))


def _above(first_band: int, last_band: int) -> npt.NDArray[np.uint64]:
    """The numbers of bands ``first_band:last_band`` above the prefixes of their keys (a column)."""
    return (np.arange(first_band, last_band, dtype=np.uint64) << np.uint64(64 - _ROW_BITS))[:, None]


def ranked_buckets(
    bands: SortedBands, allowed: npt.NDArray[np.bool_], queries: npt.NDArray[np.uint64]
) -> tuple[Pairs, Pairs]:
    """``(query, row)`` for every query and ``allowed`` row of the batch that share a bucket in some band:
    query after query, each query's rows those sharing the most bands first, then the lowest.

    ``queries`` holds the bucket keys of each query (as :func:`band_keys` gives them).
    """
    count, size = bands.order.shape
    if spilled_array(bands.order):
        # Bands in a temporary file are searched one at a time, each let go of after its
        # search: the pages that one search reads, not the whole file, are held.
        found = []
        for band in range(count):
            found.append(_in_buckets(bands, band, band + 1, allowed, queries))
            for array in bands:
                release(array)
        query, members = (np.concatenate(f) for f in zip(*found, strict=True))
    else:
        # All bands in one search: a search per band costs a dozen numpy calls each, which
        # dominate on the small batches of corpus mode.
        query, members = _in_buckets(bands, 0, count, allowed, queries)
    packed, shared = np.unique(query * size + members, return_counts=True)
    query, row = packed // size, packed % size
    ranked = np.lexsort((row, -shared, query))
    return query[ranked], row[ranked]


def _in_buckets(
    bands: SortedBands, first_band: int, last_band: int, allowed: npt.NDArray[np.bool_], queries: npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``(query, row)`` for every ``allowed`` row in a bucket of a query, in bands ``first_band:last_band``
    (a row once per band it shares)."""
    count = last_band - first_band
    # The band's number above each prefix keeps the bands apart, laid one after another.
    flat = bands.prefixes[first_band:last_band].ravel()
    # Query after query, band after band.
    wanted = ((queries[:, first_band:last_band] >> np.uint64(_ROW_BITS)) | _above(first_band, last_band)[:, 0]).ravel()
    # Searched in sorted order, each search starts where the last ended: on a million rows
    # (a 256 MB array) 8 times faster than in query order, which reads it at random.
    by = np.argsort(wanted)
    lo, counts = np.empty(len(wanted), dtype=np.int64), np.empty(len(wanted), dtype=np.int64)
    lo[by] = np.searchsorted(flat, wanted[by], "left")
    counts[by] = np.searchsorted(flat, wanted[by], "right")
    counts -= lo
    # Each query against every row in its bucket: a range of the sorted keys.
    at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    members = bands.order[first_band:last_band].ravel()[at].astype(np.int64)
    band = np.repeat(np.tile(np.arange(first_band, last_band), len(queries)), counts)
    low = np.repeat((queries[:, first_band:last_band] & _ROW_MASK).ravel(), counts)
    chosen = allowed[members] & (bands.low[band, members] == low)
    query = np.repeat(np.repeat(np.arange(len(queries)), count), counts)
    return query[chosen], members[chosen]


def band_keys(signatures: npt.NDArray[np.uint32], first_band: int, last_band: int, rows: int) -> npt.NDArray[np.uint64]:
    """Return the bucket keys of bands ``first_band`` to ``last_band - 1``, one row per signature.

    >>> band_keys(np.array([[1, 2, 3, 4]], dtype=np.uint32), 0, 2, 2).shape
    (1, 2)
    """
    n = len(signatures)
    cols = signatures[:, first_band * rows : last_band * rows].reshape(n, last_band - first_band, rows)
    # Row by row, so that the working arrays are the size of the result, not rows times it
    # (the sum wraps modulo 2**64 in any order).
    keys = np.zeros((n, last_band - first_band), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row in range(rows):
            keys += cols[:, :, row] * _BAND_MULTIPLIERS[row]
    return keys


def window_pairs(
    capped: list[npt.NDArray[np.int64]],
    members: npt.NDArray[np.int64],
    n: int,
    bucket_cap: int = BUCKET_CAP,
    sieve: _Sieve | None = None,
    memo: dict[int, tuple[npt.NDArray[np.int64], Pairs]] | None = None,
) -> Pairs:
    """Pair the capped buckets again, keeping only ``members`` and in their order.

    ``members`` lists the indices that a fresh run would number ``0, 1, 2, …`` (in that
    order); pairs come back as indices of the original batch, ``i < j``. With ``sieve``,
    only the pairs (packed ``i * n + j``) that it keeps. ``memo`` (bucket number -> its
    members in order, and the pairs they gave) is read and written: a bucket whose members
    are those of an earlier call gives its pairs again without pairing and sieving them.
    """
    position = np.full(n, -1, dtype=np.int64)
    position[members] = np.arange(len(members))
    found = _PairSet()
    for number, bucket in enumerate(capped):
        present = bucket[position[bucket] >= 0]
        present = present[np.argsort(position[present], kind="stable")]
        if memo is not None and number in memo and np.array_equal(memo[number][0], present):
            found.append(memo[number][1])
            continue
        pairs = _window(present, n, bucket_cap)
        if sieve is not None and len(pairs):
            pairs = pairs[sieve(pairs)]
        if memo is not None:
            memo[number] = present, pairs
        found.append(pairs)
    return unpack(found.sorted_unique(), n)


def _window(members: npt.NDArray[np.int64], n: int, bucket_cap: int) -> Pairs:
    """Each member paired with the ``bucket_cap`` members before it, packed as ``i * n + j``, ``i < j``."""
    found = [
        np.minimum(members[:-d], members[d:]) * n + np.maximum(members[:-d], members[d:])
        for d in range(1, min(bucket_cap, len(members) - 1) + 1)
    ]
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _sorted_unique(parts: list[Pairs]) -> Pairs:
    """The values of ``parts``, sorted, each once (``parts`` is emptied: each goes once joined)."""
    # Sorting and dropping neighbours beats np.unique here: numpy 2's hash-based unique
    # took 5 s on 3 million int64 where this takes 0.05 s.
    if not parts:
        return np.empty(0, dtype=np.int64)
    values = np.concatenate(parts)
    parts.clear()
    values.sort()  # in place: the pairs of a large text are hundreds of megabytes
    if len(values) < 2:
        return values
    distinct = np.empty(len(values), dtype=bool)
    distinct[0] = True
    np.not_equal(values[1:], values[:-1], out=distinct[1:])
    return values[distinct]


def estimated_jaccard(signatures: npt.NDArray[np.uint32], pairs: Pairs) -> npt.NDArray[np.float64]:
    """Return the MinHash estimate of the Jaccard similarity of each pair (share of equal values)."""
    packed = pairs[:, 0] * len(signatures) + pairs[:, 1]
    shares: npt.NDArray[np.float64] = _equal_values(signatures, packed) / signatures.shape[1]
    return shares


def likely(
    signatures: npt.NDArray[np.uint32],
    packed: Pairs,
    min_jaccard: float,
    low: npt.NDArray[np.uint64] | None = None,
) -> npt.NDArray[np.bool_]:
    """Whether the MinHash estimate of each pair ``i * len(signatures) + j`` reaches ``min_jaccard``
    (as ``estimated_jaccard(...) >= min_jaccard`` says, without a float per pair).

    ``low`` may hold :func:`low_bits` of the signatures (made here when the pairs are many).
    """
    least = _least_count(signatures.shape[1], min_jaccard)
    if low is None and len(packed) < max(len(signatures), _BOUNDED_FROM):
        return _equal_values(signatures, packed) >= least
    # Most candidates of a large text are chance meetings that share a band and little
    # else. Equal values have equal low bits, so the count of equal low bits bounds the
    # count of equal values from above: the pairs that fall short on an eighth of each
    # row (their low bits) are dropped without reading the rest.
    within = within_bound(low_bits(signatures) if low is None else low, signatures.shape[1], min_jaccard)
    maybe = np.flatnonzero(within(packed))
    out = np.zeros(len(packed), dtype=bool)
    out[maybe] = _exact_counts(signatures, packed[maybe]) >= least
    return out


def within_bound(low: npt.NDArray[np.uint64], width: int, min_jaccard: float) -> _Sieve:
    """Whether each pair ``i * len(low) + j`` may reach ``min_jaccard`` by the bound of its low bits
    (``low``: :func:`low_bits` of signatures ``width`` values wide); ``likely`` is true of none of the others."""
    least = _least_count(width, min_jaccard)
    return lambda packed: _equal_low_bits(low, packed, width) >= least


def _least_count(width: int, min_jaccard: float) -> int:
    """The least number of equal values out of ``width`` whose share reaches ``min_jaccard``."""
    return next((count for count in range(width + 1) if count / width >= min_jaccard), width + 1)


def low_bits(signatures: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """The low :data:`_LOW` bits of each signature value, 16 to a 64-bit word (read a slice of rows at a time)."""
    n, width = signatures.shape
    words = -(-width // 16)
    out = np.zeros((n, 8 * words), dtype=np.uint8)
    for start in range(0, n, _FILL_ROWS):
        part = slice(start, start + _FILL_ROWS)
        low = (signatures[part] & np.uint32(_LOW_MASK)).astype(np.uint8)
        release(signatures, part)
        out[part, : (width + 1) // 2] = low[:, 0::2]
        out[part, : width // 2] |= low[:, 1::2] << np.uint8(_LOW)
    return out.view(np.uint64)


def _equal_low_bits(
    low: npt.NDArray[np.uint64], packed: Pairs, width: int, chunk: int = 4096
) -> npt.NDArray[np.integer]:
    """How many of the ``width`` values of each pair's signatures have equal low bits (``low``: :func:`low_bits`)."""
    n = len(low)
    counts = np.empty(len(packed), dtype=np.min_scalar_type(width))
    for start in range(0, len(packed), chunk):
        first, second = np.divmod(packed[start : start + chunk], n)
        differ = low[first] ^ low[second]
        # A set bit at the bottom of each 4-bit field whose values differ; then their sum.
        differ |= differ >> np.uint64(2)
        differ |= differ >> np.uint64(1)
        differ &= np.uint64(0x1111111111111111)
        differ += differ >> np.uint64(4)
        differ &= np.uint64(0x0F0F0F0F0F0F0F0F)
        differ *= np.uint64(0x0101010101010101)  # (wraps: the top byte is the sum of the bytes)
        differ >>= np.uint64(56)
        counts[start : start + len(first)] = width - differ.sum(axis=1)  # (the padding's fields are equal)
    return counts


def _exact_counts(signatures: npt.NDArray[np.uint32], packed: Pairs) -> npt.NDArray[np.integer]:
    """:func:`_equal_values`, which for a few pairs of signatures in a temporary file reads only their rows."""
    if not spilled_array(signatures) or not len(packed):
        return _equal_values(signatures, packed)
    n, width = signatures.shape
    first, second = np.divmod(packed, n)
    rows = np.zeros(n, dtype=bool)
    rows[first] = True
    rows[second] = True
    wanted = np.flatnonzero(rows)
    del rows
    if len(wanted) * width * 4 > _COLUMNS_HELD:
        return _equal_values(signatures, packed)
    held = rows_in_order(signatures, wanted)
    return _equal_values(held, np.searchsorted(wanted, first) * len(wanted) + np.searchsorted(wanted, second))


# Pairs: fewer (and fewer than the rows) are counted directly; rows: banding sieves the pairs
# of at least as many as it finds them.
_BOUNDED_FROM = 1 << 16
_LOW = 4  # bits per value: 64 bytes for 128 values; two chance values agree on them one time in 16
_LOW_MASK = (1 << _LOW) - 1


def _equal_values(signatures: npt.NDArray[np.uint32], packed: Pairs, chunk: int = 4096) -> npt.NDArray[np.integer]:
    """How many values the signatures of each pair ``i * len(signatures) + j`` have in common."""
    n, width = signatures.shape
    counts = np.zeros(len(packed), dtype=np.min_scalar_type(width))  # a byte a pair, usually
    for block in _column_blocks(signatures):
        for start in range(0, len(packed), chunk):  # small chunks: the gathered rows stay in cache
            first, second = np.divmod(packed[start : start + chunk], n)
            counts[start : start + len(first)] += (block[first] == block[second]).sum(axis=1, dtype=counts.dtype)
    return counts


def _column_blocks(signatures: npt.NDArray[np.uint32]) -> Iterator[npt.NDArray[np.uint32]]:
    """The signatures whole, or, when they are in a temporary file, a few columns at a time on the heap
    (one buffer, filled again for each block: a block is valid until the next is asked for).

    Pairs need their rows at random, and a mapping read at random soon holds all of its
    pages (see :mod:`dedupe.spill`); a copy of some columns, read in order, holds only those.
    """
    if not spilled_array(signatures):
        yield signatures
        return
    n, width = signatures.shape
    blocks = -(-width // max(1, _COLUMNS_HELD // max(1, 4 * n)))  # as few as fit, of equal widths
    step = -(-width // blocks)
    buffer = np.empty((n, step), dtype=np.uint32)
    for first in range(0, width, step):
        block = buffer[:, : min(step, width - first)]
        for start in range(0, n, _FILL_ROWS):
            part = slice(start, start + _FILL_ROWS)
            block[part] = signatures[part, first : first + step]
            release(signatures, part)
        yield block


# Bytes of spilled signatures on the heap at a time: the rows of the pairs that pass the
# bound of low bits, or else a block of columns, each block costing a gather of both rows
# of every pair (ten million paragraphs: about 57 million candidates; ten blocks of 14
# columns took 72 s, four of 32 took 43 s).
_COLUMNS_HELD = 1600 << 20


# Partial copies: a paragraph that is 40 % of another shares about 40 % of its MinHash
# values with it, and four in a row (one band) too rarely. Bands of three values over the
# first 96 permutations propose such pairs (probability 0.88 at Jaccard 0.4, 0.95 with the
# main bands; 0.99 and 0.998 at 0.5). Bands of two values would catch a little more, but
# propose pairs of unrelated paragraphs in proportion to the square of the text's size:
# 415,000 candidates at 100,000 paragraphs of the benchmark corpus and 18.5 million at a
# million, against 37,000 with three (14,400 and 13,900 of them above min_jaccard).
PARTIAL_BANDS, PARTIAL_ROWS = 32, 3
