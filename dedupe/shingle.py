"""Character n-gram shingles of many keys at once, hashed to uint32 with numpy.

Characters, not words: Korean, Chinese and Japanese need no tokenizer, and a typo
disturbs only the n-grams that cover it. There is no Python loop over shingles: the
compiled module (``_minhash.c``) reads each key's code points in place, and without it all
keys of a batch become one array of code points, and each n-gram hash is a vectorised sum.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dedupe import compiled

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

# Odd multipliers, one per position in the n-gram (a fixed polynomial hash mod 2**32).
_MULTIPLIERS = np.random.default_rng(0x5EED).integers(0, 2**31, size=32, dtype=np.uint32) * 2 + 1


def shingle_hashes(keys: Sequence[str], size: int) -> tuple[U32, I64]:
    """Hash the ``size``-character n-grams of every key.

    Returns ``(hashes, offsets)``: the n-grams of ``keys[i]`` are
    ``hashes[offsets[i]:offsets[i + 1]]``. A key shorter than ``size`` (or empty) has one
    shingle, the hash of the whole key, so every key has at least one.

    >>> hashes, offsets = shingle_hashes(["abcdef", "abc"], 5)
    >>> offsets.tolist()
    [0, 2, 3]
    """
    if compiled.MINHASH is None:
        return numpy_shingle_hashes(keys, size)
    keys = keys if isinstance(keys, list) else list(keys)
    _, _, offsets = _counts(keys, size)
    hashes = np.empty(offsets[-1], dtype=np.uint32)
    compiled.MINHASH.shingle(hashes, keys, offsets, size, _MULTIPLIERS)
    return hashes, offsets


def _counts(keys: Sequence[str], size: int) -> tuple[I64, I64, I64]:
    """The length of each key, its number of shingles, and where they start in the hashes."""
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    counts = np.maximum(lengths - size + 1, 1)
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return lengths, counts, offsets


def numpy_shingle_hashes(keys: Sequence[str], size: int) -> tuple[U32, I64]:
    """:func:`shingle_hashes` with numpy (where the compiled module is not built)."""
    lengths, counts, offsets = _counts(keys, size)
    # Each key is followed by size NUL pads, so a short (even empty) key's single window
    # covers the key and padding only, never the next key.
    pad = "\0" * size
    # surrogatepass: a lone surrogate (text decoded with surrogateescape) is a code point like any other.
    codes = np.frombuffer((pad.join(keys) + pad).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    window_hash = np.zeros(max(len(codes) - size + 1, 0), dtype=np.uint32)
    for j in range(size):
        window_hash += codes[j : j + len(window_hash)] * _MULTIPLIERS[j]
    key_starts = np.zeros(len(keys), dtype=np.int64)
    np.cumsum(lengths[:-1] + size, out=key_starts[1:])
    # Position of each shingle in the padded text: its key's start plus its rank in the key.
    positions = np.arange(offsets[-1], dtype=np.int64) + np.repeat(key_starts - offsets[:-1], counts)
    return window_hash[positions], offsets
