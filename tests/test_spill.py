"""Arrays in a temporary file (``dedupe.spill``): the data survives a release, the pages written
leave the process's memory, and the file has no name to leave behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from dedupe import spill
from dedupe.signature import sign_keys


def resident_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads resident memory from /proc")
def test_released_pages_leave_memory_and_the_data_stays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    array = spill.spilled((1 << 21, 16), np.uint32)  # 128 MB
    before = resident_mb()
    for start in range(0, len(array), 1 << 18):
        array[start : start + (1 << 18)] = np.arange(start, start + (1 << 18), dtype=np.uint32)[:, None]
    written = resident_mb()
    spill.release(array[5:10])  # a view releases the whole mapping
    released = resident_mb()
    assert written - before > 100 and written - released > 100
    assert list(tmp_path.iterdir()) == []  # the file was unlinked when made
    assert int(array[123_456, 7]) == 123_456 and int(array[-1, 0]) == (1 << 21) - 1
    assert spill.spilled_array(array[5:10]) and not spill.spilled_array(np.array(array[5:10]))


def test_an_empty_shape_is_an_array_on_the_heap() -> None:
    empty = spill.spilled((0, 4), np.uint64)
    assert empty.shape == (0, 4) and not spill.spilled_array(empty)
    spill.release(empty)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads resident memory from /proc")
def test_releasing_rows_drops_their_pages_only() -> None:
    array = spill.spilled((1 << 21, 16), np.uint32)  # 128 MB
    array[:] = 7
    written = resident_mb()
    spill.release(array[:, 3:5], slice(0, 1 << 20))  # a view of some columns: the pages its rows span
    half = resident_mb()
    spill.release(array, slice(1 << 20, None))
    none = resident_mb()
    assert 60 < written - half < 70 and 60 < half - none < 70
    assert (array[:, [0, 15]] == 7).all()


def mapped_file_mb() -> float:
    """Resident pages of files mapped by this process (a spilled array's are among them)."""
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return sum(int(fields[name].split()[0]) for name in ("RssFile", "RssShmem")) / 1e3


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads resident memory from /proc")
def test_signatures_written_to_a_file_are_let_go_of_as_they_are_made() -> None:
    # Counted in the mapped files' pages, not the whole process's: what the heap keeps of a
    # batch's working arrays depends on what ran before in the process (the allocator's
    # thresholds), 0 to 35 MB here, and is not what this test is about.
    keys = [f"paragraph {i} of a long text, each one different" for i in range(50_000)]
    before = mapped_file_mb()
    signed = sign_keys(keys, 5, 512, 1, allocate=spill.spilled)  # 102 MB
    assert mapped_file_mb() - before < 20
    assert np.array_equal(signed[49_990:], sign_keys(keys[49_990:], 5, 512, 1))


def test_rows_gathered_in_order_are_those_asked_for() -> None:
    array = spill.spilled((1000, 3), np.int64)
    array[:] = np.arange(3000).reshape(1000, 3)
    rows = np.array([0, 5, 6, 63, 64, 65, 700, 999])
    for step in (1, 7, 64, 5000):
        assert np.array_equal(spill.rows_in_order(array, rows, step), array[rows])
    assert spill.rows_in_order(array, rows[:0]).shape == (0, 3)
