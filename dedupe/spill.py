"""Arrays in a temporary file, so that what is done with or read only now and then is not held.

Banding a text of a million paragraphs holds its 500 MB of MinHash signatures while it
writes as much of sorted bucket keys, which only the later lookups of partial copies read.
:func:`spilled` makes an array in a shared mapping of an unlinked temporary file;
:func:`release` hands the pages touched so far back to the kernel (``MADV_DONTNEED``: the
data stays in the file, in the page cache, which the kernel may write out and drop).

A mapping is for writing and reading in order, or a small part at a time: reading it at
random maps 64 kB around each read, whatever ``madvise`` says, and soon the whole array.
"""

from __future__ import annotations

import math
import mmap
import tempfile
from typing import Any

import numpy as np
import numpy.typing as npt


def spilled(shape: tuple[int, ...], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """An uninitialised array of ``shape`` in a temporary file (removed when the array is freed)."""
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if size == 0:
        return np.empty(shape, dtype=dtype)
    with tempfile.TemporaryFile() as file:  # the mapping keeps the file open; its name is gone already
        file.truncate(size)
        pages = mmap.mmap(file.fileno(), size)
    return np.frombuffer(pages, dtype=dtype).reshape(shape)


def release(array: npt.NDArray[Any], rows: slice | None = None) -> None:
    """Drop the resident pages of the mapping that ``array`` (or the array it views) lives in:
    all of them, or those that ``array[rows]`` spans (and the partly spanned pages at its ends).

    Nothing happens to an array on the heap."""
    pages = _mapping(array)
    if pages is None:
        return
    if rows is None:
        pages.madvise(mmap.MADV_DONTNEED)
        return
    part = array[rows]
    if part.size == 0:
        return
    # (A page released too many is read back from the file when next touched: only time is at stake.)
    start = part.ctypes.data - np.frombuffer(pages, dtype=np.uint8).ctypes.data
    stop = start + sum((n - 1) * step for n, step in zip(part.shape, part.strides, strict=True)) + part.itemsize
    start -= start % mmap.PAGESIZE
    pages.madvise(mmap.MADV_DONTNEED, start, stop - start)


def spilled_array(array: npt.NDArray[Any]) -> bool:
    """Whether ``array`` lives in a temporary file (:func:`spilled`)."""
    return _mapping(array) is not None


def _mapping(array: npt.NDArray[Any]) -> mmap.mmap | None:
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, mmap.mmap) else None


def rows_in_order(array: npt.NDArray[Any], rows: npt.NDArray[np.int64], step: int = 1 << 14) -> npt.NDArray[Any]:
    """``array[rows]`` (``rows`` increasing) on the heap, read a slice of rows at a time, each let go of after."""
    out = np.empty((len(rows), *array.shape[1:]), dtype=array.dtype)
    ends = np.searchsorted(rows, np.arange(0, len(array) + step, step)).tolist()
    for k, start in enumerate(range(0, len(array), step)):
        out[ends[k] : ends[k + 1]] = array[rows[ends[k] : ends[k + 1]]]
        release(array, slice(start, start + step))
    return out
