"""MinHash signatures for a whole batch of paragraphs, with numpy.

The arithmetic is datasketch's ``affine32`` scheme (MurmurHash3 finalizer as a pre-mix,
then ``a * h + b mod 2**32`` per permutation, with ``a`` and ``b`` drawn exactly as
``datasketch.MinHash(seed=..., scheme="affine32")`` draws them), so a row of the result is
the ``hashvalues`` of the datasketch sketch of the same shingle hashes, and
:func:`to_lean_minhash` turns it into one. datasketch itself is imported only there: it
imports scipy, which costs most of a second that a one-article CLI call should not pay.

The compiled kernel (``dedupe._minhash``, built by ``pip install`` where a C compiler is
found) computes the same values several times faster; without it, or with the environment
variable ``DEDUPE_KERNEL=numpy``, numpy does the work. Both are tested against each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from dedupe import compiled
from dedupe.shingle import I64, U32, shingle_hashes
from dedupe.spill import release
from dedupe.stopwatch import OFF, Stopwatch

U32Matrix = npt.NDArray[np.uint32]

if TYPE_CHECKING:
    from datasketch import LeanMinHash

SCHEME = "affine32"
_SMALL = 4096  # shingles; below this the blocked form is faster (measured: 0.6 vs 0.9 ms at 2,500)


KERNEL = compiled.MINHASH
"""The compiled MinHash module, or ``None`` where signing falls back to numpy."""


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """Return the ``(a, b)`` parameters of datasketch's affine32 permutations."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(hashes: U32, offsets: I64, num_perm: int, seed: int) -> npt.NDArray[np.uint32]:
    """Return the ``(len(offsets) - 1, num_perm)`` MinHash signatures of the shingle sets.

    Set ``i`` is ``hashes[offsets[i]:offsets[i + 1]]`` and must not be empty.
    """
    if KERNEL is None:
        return numpy_signatures(hashes, offsets, num_perm, seed)
    a, b = permutations(num_perm, seed)
    out = np.empty((len(offsets) - 1, num_perm), dtype=np.uint32)
    KERNEL.minhash(
        out, np.ascontiguousarray(hashes, dtype=np.uint32), np.ascontiguousarray(offsets, dtype=np.int64), a, b
    )
    return out


def numpy_signatures(hashes: U32, offsets: I64, num_perm: int, seed: int) -> npt.NDArray[np.uint32]:
    """:func:`signatures` with numpy: one vectorised pass and one ``minimum.reduceat`` per permutation."""
    a, b = permutations(num_perm, seed)
    mixed = _fmix32(hashes)
    starts = offsets[:-1]
    out = np.empty((len(starts), num_perm), dtype=np.uint32)
    if len(starts) == 0:
        return out
    if len(mixed) <= _SMALL:
        # A small batch (one article) is dominated by per-call overhead: do 32 permutations
        # per numpy call on a (shingles x 32) matrix instead.
        column = mixed[:, None]
        for p in range(0, num_perm, 32):
            out[:, p : p + 32] = np.minimum.reduceat(column * a[p : p + 32] + b[p : p + 32], starts, axis=0)
        return out
    buffer = np.empty_like(mixed)
    for p in range(num_perm):
        np.multiply(mixed, a[p], out=buffer)
        buffer += b[p]
        out[:, p] = np.minimum.reduceat(buffer, starts)
    return out


def sign_keys(
    keys: Sequence[str],
    shingle_size: int,
    num_perm: int,
    seed: int,
    chunk_chars: int = 1 << 18,
    stopwatch: Stopwatch = OFF,
    allocate: Callable[[tuple[int, int], Any], U32Matrix] = np.empty,
) -> U32Matrix:
    """Return the MinHash signatures of the character shingles of ``keys``, one row per key.

    Keys are processed in batches of about ``chunk_chars`` characters, and a longer key in
    overlapping pieces whose minima are combined, so memory stays bounded whatever the input
    (a 50 MB line costs a few hundred MB at most, not several GB). The result is made by
    ``allocate`` (:func:`dedupe.spill.spilled`: in a temporary file, written in order and
    let go of batch by batch).
    """
    out = allocate((len(keys), num_perm), np.uint32)
    ready = 0  # rows before this one hold the minima of the pieces so far
    batch_ids: list[int] = []
    batch: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal ready
        with stopwatch("shingle"):
            hashes, offsets = shingle_hashes(batch, shingle_size)
        with stopwatch("sign"):
            ids = np.asarray(batch_ids, dtype=np.int64)
            # Keys come in order, so a batch starts new rows, but for the rest of a long
            # key that an earlier batch began.
            out[ready : batch_ids[-1] + 1] = _EMPTY
            out[ids] = np.minimum(out[ids], signatures(hashes, offsets, num_perm, seed))
            release(out, slice(ready - 1 if ready else 0, batch_ids[-1]))
            ready = batch_ids[-1] + 1
        batch_ids.clear()
        batch.clear()

    for key_id, key in enumerate(keys):
        # A long key goes in pieces that overlap by shingle_size - 1 characters, so that
        # together they hold every n-gram.
        pieces = (
            [key]
            if len(key) <= chunk_chars
            else [
                key[s : s + chunk_chars + shingle_size - 1] for s in range(0, len(key) - shingle_size + 1, chunk_chars)
            ]
        )
        for piece in pieces:
            if batch and size + len(piece) > chunk_chars:
                flush()
                size = 0
            batch_ids.append(key_id)
            batch.append(piece)
            size += len(piece)
    if batch:
        flush()
    return out


_EMPTY = np.iinfo(np.uint32).max  # the minimum over no shingle


def to_lean_minhash(signature: U32, seed: int) -> LeanMinHash:
    """Wrap one signature row as a datasketch ``LeanMinHash`` (imports datasketch)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=signature, scheme=SCHEME)
