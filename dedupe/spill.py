"""Arrays written to a temporary file while the heap is full, read back once it is not.

Banding a text of a million paragraphs holds its 500 MB of MinHash signatures while it
writes as much of sorted bucket keys, which the later lookups need and the signatures are
done with by then. :func:`spilled` makes an array in a shared mapping of an unlinked
temporary file; :func:`release` hands the pages written so far back to the kernel
(``MADV_DONTNEED``: the data stays in the file, in the page cache, which the kernel may
write out and drop); :func:`to_heap` reads the array back a slice at a time.

A mapping is for writing and reading in order only: reading it at random maps 64 kB
around each read, whatever ``madvise`` says, and soon the whole array.
"""

from __future__ import annotations

import math
import mmap
import tempfile
from typing import Any

import numpy as np
import numpy.typing as npt

_SLICE = 8 << 20  # bytes read back between releases


def spilled(shape: tuple[int, ...], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """An uninitialised array of ``shape`` in a temporary file (removed when the array is freed)."""
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if size == 0:
        return np.empty(shape, dtype=dtype)
    with tempfile.TemporaryFile() as file:  # the mapping keeps the file open; its name is gone already
        file.truncate(size)
        pages = mmap.mmap(file.fileno(), size)
    return np.frombuffer(pages, dtype=dtype).reshape(shape)


def release(array: npt.NDArray[Any]) -> None:
    """Drop the resident pages of the mapping that ``array`` (or the array it views) lives in.

    Nothing happens to an array on the heap."""
    pages = _mapping(array)
    if pages is not None:
        pages.madvise(mmap.MADV_DONTNEED)


def to_heap(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``array`` itself when it is on the heap, else a copy there, read a slice at a time."""
    if _mapping(array) is None:
        return array
    out = np.empty_like(array)
    flat, into = array.reshape(-1), out.reshape(-1)
    step = max(1, _SLICE // array.itemsize)
    for start in range(0, len(flat), step):
        into[start : start + step] = flat[start : start + step]
        release(array)
    return out


def _mapping(array: npt.NDArray[Any]) -> mmap.mmap | None:
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, mmap.mmap) else None
