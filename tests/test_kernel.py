"""The compiled MinHash kernel against the numpy path and datasketch, and a build without the compiled modules."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given
from hypothesis import strategies as st

from dedupe import index, shingle, signature
from dedupe.shingle import shingle_hashes
from tests.scale import examples

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_6ef43e2731afccca.txt"
compiled = pytest.mark.skipif(signature.KERNEL is None, reason="installed without the compiled kernel")


def test_the_kernel_is_built_in_ci() -> None:
    # CI installs with a compiler: the fast path must be the one its tests exercise.
    if os.environ.get("CI") and os.environ.get("DEDUPE_KERNEL") != "numpy":
        assert signature.KERNEL is not None


@compiled
@pytest.mark.parametrize("num_perm", [2, 64, 128, 257])
def test_kernel_rows_are_datasketch_hashvalues(num_perm: int) -> None:
    keys = ["the storm reached the coast", "서울시는 1일 새로운 교통 정책을 발표했다", "ab", "x" * 40]
    hashes, offsets = shingle_hashes(keys, 5)
    rows = signature.signatures(hashes, offsets, num_perm, 11)
    for i in range(len(keys)):
        reference = MinHash(num_perm=num_perm, seed=11, scheme="affine32", hashfunc=lambda x: x)
        reference.update_batch(hashes[offsets[i] : offsets[i + 1]].tolist())
        assert np.array_equal(rows[i], reference.hashvalues)


@compiled
@examples(200)
@given(
    st.lists(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40), min_size=0, max_size=12),
    st.integers(2, 300),
    st.integers(0, 2**32 - 1),
)
def test_kernel_equals_numpy(sets: list[list[int]], num_perm: int, seed: int) -> None:
    hashes = np.array([h for s in sets for h in s], dtype=np.uint32)
    offsets = np.cumsum([0, *map(len, sets)]).astype(np.int64)
    assert np.array_equal(
        signature.signatures(hashes, offsets, num_perm, seed),
        signature.numpy_signatures(hashes, offsets, num_perm, seed),
    )


@compiled
@pytest.mark.parametrize(
    "offsets",
    [[0, 5], [0, 2, 1], [-1, 2], [0, 3, 2, 4]],
    ids=["past the end", "decreasing", "negative", "overlapping"],
)
def test_kernel_refuses_offsets_outside_the_hashes(offsets: list[int]) -> None:
    assert signature.KERNEL is not None
    a, b = signature.permutations(8, 1)
    out = np.empty((len(offsets) - 1, 8), dtype=np.uint32)
    with pytest.raises(ValueError, match="offsets"):
        signature.KERNEL.minhash(out, np.zeros(4, dtype=np.uint32), np.array(offsets, dtype=np.int64), a, b)


@compiled
@examples(200)
@given(
    st.lists(st.text(alphabet=st.characters(codec=None), max_size=30), max_size=12),
    st.integers(1, 32),
)
def test_compiled_shingles_equal_numpy(keys: list[str], size: int) -> None:
    # Any code point, lone surrogates included (text decoded with surrogateescape), and keys
    # shorter than the shingle or empty.
    got, offsets = shingle.shingle_hashes(keys, size)
    expected, expected_offsets = shingle.numpy_shingle_hashes(keys, size)
    assert np.array_equal(offsets, expected_offsets)
    assert np.array_equal(got, expected)


@compiled
def test_compiled_shingles_of_surrogates_and_astral_code_points() -> None:
    keys = ["ab\udc80cdef", "\U0001f600\U0001f601x", "\udcff", "", "\uac00\uac01\uac02\uac03\uac04\uac05"]
    for size in (1, 3, 5):
        got, _ = shingle.shingle_hashes(keys, size)
        assert np.array_equal(got, shingle.numpy_shingle_hashes(keys, size)[0])


@compiled
@pytest.mark.parametrize("offsets", [[0, 100, 3], [0, 2], [1, 3, 3]], ids=["past the end", "too few", "not from 0"])
def test_compiled_shingles_refuse_offsets_that_do_not_fit(offsets: list[int]) -> None:
    assert signature.KERNEL is not None
    out = np.full(3, 7, dtype=np.uint32)
    with pytest.raises(ValueError, match="shingle"):
        signature.KERNEL.shingle(out, ["abcdef", "abc"], np.array(offsets, dtype=np.int64), 5, shingle._MULTIPLIERS)
    assert out.tolist() == [7, 7, 7]  # refused before anything is written


radix = pytest.mark.skipif(index.RADIX is None, reason="installed without the compiled radix sort")


@radix
@examples(200)
@given(
    st.lists(st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 255, 256, 2**63, 2**64 - 1])), max_size=300),
    st.integers(0, 8),
)
def test_radix_argsort_equals_numpys_stable_argsort(values: list[int], common_bytes: int) -> None:
    # Keys that share their high bytes (as the bucket keys of a band of few values do) leave
    # digits that every key has alike: the passes that skip them must not misplace anything;
    # equal keys must keep their rows in order.
    keys = np.array(values, dtype=np.uint64) >> np.uint64(8 * common_bytes)
    expected = np.argsort(keys, kind="stable")
    sorted_keys, rows = keys.copy(), np.full(len(keys), 7, dtype=np.uint32)
    assert index.RADIX is not None
    index.RADIX.argsort(sorted_keys, rows, np.empty(len(keys), dtype=np.uint64), np.empty(len(keys), dtype=np.uint32))
    assert rows.tolist() == expected.tolist()
    assert np.array_equal(sorted_keys, keys[expected])


@radix
@pytest.mark.parametrize("n", [2**12, 100_003])
def test_sorted_bucket_keys_are_the_same_with_the_radix_sort(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(n)
    keys = rng.integers(0, 2**64, (n, 5), dtype=np.uint64, endpoint=False)
    keys[: n // 3] = keys[n // 3 : 2 * (n // 3)]  # buckets of two and more, in every band
    keys[:, 4] >>= np.uint64(50)  # a band of few distinct keys: large buckets, equal prefixes
    fast = index._sort_keys(keys.copy())
    monkeypatch.setattr(index, "RADIX", None)
    slow = index._sort_keys(keys.copy())
    for a, b in zip(fast, slow, strict=True):
        assert np.array_equal(a, b)


@radix
@pytest.mark.parametrize(
    ("keys", "rows", "keys_to", "rows_to"),
    [
        (np.zeros(3, dtype=np.uint8), np.zeros(3, dtype=np.uint32), np.zeros(3, np.uint64), np.zeros(3, np.uint32)),
        (np.arange(3, dtype=np.uint64), np.zeros(2, dtype=np.uint32), np.zeros(3, np.uint64), np.zeros(3, np.uint32)),
        (np.arange(3, dtype=np.uint64), np.zeros(3, dtype=np.uint32), np.zeros(2, np.uint64), np.zeros(3, np.uint32)),
        (np.arange(3, dtype=np.uint64), np.zeros(3, dtype=np.uint32), np.zeros(3, np.uint64), np.zeros(2, np.uint32)),
    ],
    ids=["keys not uint64", "rows too short", "key scratch too short", "row scratch too short"],
)
def test_radix_argsort_refuses_buffers_that_do_not_fit(
    keys: np.ndarray, rows: np.ndarray, keys_to: np.ndarray, rows_to: np.ndarray
) -> None:
    assert index.RADIX is not None
    before = keys.copy()
    with pytest.raises(ValueError, match="scratch"):
        index.RADIX.argsort(keys, rows, keys_to, rows_to)
    assert np.array_equal(keys, before)


def test_numpy_fallback_gives_the_same_output() -> None:
    code = (
        "import sys, dedupe, dedupe.signature as s, dedupe.normalize as n, dedupe.index as i; "
        "assert s.KERNEL is None is n._KEYS is i.RADIX; "
        "sys.stdout.write(dedupe.dedupe_text(sys.stdin.read()))"
    )
    text = SEED.read_text(encoding="utf-8")
    env = {**os.environ, "DEDUPE_KERNEL": "numpy"}
    out = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, env=env, check=True)
    assert out.stdout == SEED.with_name(SEED.stem + ".expected.txt").read_text(encoding="utf-8")


def test_a_build_without_a_compiler_installs_and_runs(tmp_path: Path) -> None:
    # A copy without earlier build products (pip builds in the tree, and build/ would be reused),
    # and CC=/bin/false, a compiler that always fails: the build must go on without the extension.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".*", "build", "dist", "*.so", "__pycache__", "*.egg-info", "results", "fuzz"),
    )
    env = {**os.environ, "CC": "/bin/false", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)],
        env=env,
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "dedupe/signature.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "import sys, dedupe, dedupe.signature as s, dedupe.normalize as n, dedupe.index as i; "
        "print(dedupe.__file__, s.KERNEL, n._KEYS, i.RADIX); "
        "sys.stdout.write(dedupe.dedupe_text(sys.stdin.read()))"
    )
    # -S: no .pth files, so an editable install of this tree cannot lend its compiled module;
    # the dependencies come from this environment's site-packages, named on the path.
    path = os.pathsep.join([str(target), *site.getsitepackages()])
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        input=SEED.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        cwd=tmp_path,
        check=True,
    ).stdout
    first, _, rest = out.partition("\n")
    assert first == f"{target / 'dedupe' / '__init__.py'} None None None"
    assert rest == SEED.with_name(SEED.stem + ".expected.txt").read_text(encoding="utf-8")
