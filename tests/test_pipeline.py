"""The pipeline stages, each against the library or reference it stands in for."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

import dedupe
from dedupe import ConfigError, DedupeConfig, dedupe_and_explain, dedupe_text, index, spill, split_paragraphs
from dedupe.cluster import assign_leaders
from dedupe.index import SortedBands, _sort_keys, candidate_pairs, ranked_buckets, window_pairs
from dedupe.normalize import normalize
from dedupe.shingle import shingle_hashes
from dedupe.signature import sign_keys, signatures, to_lean_minhash
from dedupe.verify import score, score_pairs

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_INPUTS = sorted(p for p in SEEDS.glob("*.txt") if not p.name.endswith(".expected.txt"))

KEYS = [
    "the storm reached the coast on monday night",
    "the storm reached the coast on monday nite",
    "서울시는 1일 새로운 교통 정책을 발표했다",
    "abc",
    "",
    "a completely different sentence about the harbour",
]


@pytest.mark.parametrize("path", SEED_INPUTS, ids=lambda p: p.stem)
def test_seed_byte_exact(path: Path) -> None:
    expected = path.with_name(path.name.removesuffix(".txt") + ".expected.txt").read_bytes()
    assert dedupe_text(path.read_bytes().decode("utf-8")).encode("utf-8") == expected


def test_reference_seed_blocks(seed_path: Path) -> None:
    text = seed_path.read_text(encoding="utf-8")
    _, removed, kept, blocks = dedupe_and_explain(text)
    assert [m.index + 1 for m in removed] == list(range(12, 21))
    assert [(b.first + 1, b.last + 1, b.kept_first + 1, b.kept_last + 1) for b in blocks] == [
        (12, 14, 2, 4),
        (15, 20, 6, 11),
    ]
    assert kept == []
    lines = text.split("\n")
    for m in removed:
        assert text[m.span[0] : m.span[1]] == lines[m.index]
        assert text[m.kept_span[0] : m.kept_span[1]] == lines[m.kept_index]


def test_shingles_cover_each_key_once() -> None:
    hashes, offsets = shingle_hashes(KEYS, 5)
    counts = np.diff(offsets)
    assert counts.tolist() == [max(len(k) - 4, 1) for k in KEYS]
    # Equal n-grams hash equally wherever they occur; different ones (almost always) differ.
    first, second = hashes[offsets[0] : offsets[1]], hashes[offsets[1] : offsets[2]]
    shared = next(i for i, (a, b) in enumerate(zip(KEYS[0], KEYS[1], strict=False)) if a != b)
    common = shared - 4  # n-grams that lie inside the shared prefix
    assert (first[:common] == second[:common]).all()
    assert first[common] != second[common]
    assert len(set(hashes[offsets[0] : offsets[1]].tolist())) == len(
        set(KEYS[0][i : i + 5] for i in range(len(KEYS[0]) - 4))
    )


def test_shingles_of_a_key_do_not_depend_on_its_neighbours() -> None:
    for keys in (KEYS, KEYS[::-1], ["", "ab", ""]):
        hashes, offsets = shingle_hashes(keys, 5)
        for i, key in enumerate(keys):
            alone, _ = shingle_hashes([key], 5)
            assert hashes[offsets[i] : offsets[i + 1]].tolist() == alone.tolist()


def test_signatures_equal_datasketch_minhash() -> None:
    hashes, offsets = shingle_hashes(KEYS, 5)
    sig = signatures(hashes, offsets, 64, 7)
    for i in range(len(KEYS)):
        reference = MinHash(num_perm=64, seed=7, scheme="affine32", hashfunc=lambda x: x)
        reference.update_batch(hashes[offsets[i] : offsets[i + 1]].tolist())
        assert np.array_equal(sig[i], reference.hashvalues)
        lean = to_lean_minhash(sig[i], 7)
        assert lean.jaccard(reference) == 1.0


def test_small_and_large_batches_sign_alike() -> None:
    keys = [f"paragraph number {i} with some text " * 3 for i in range(200)]
    hashes, offsets = shingle_hashes(keys, 5)
    assert len(hashes) > 4096  # the per-permutation path
    large = signatures(hashes, offsets, 64, 3)
    for i in range(0, 200, 50):  # the blocked path, a few keys at a time
        small_hashes, small_offsets = shingle_hashes(keys[i : i + 3], 5)
        assert np.array_equal(signatures(small_hashes, small_offsets, 64, 3), large[i : i + 3])


def test_signatures_in_small_chunks_equal_one_batch() -> None:
    keys = [*KEYS, "x" * 50 + "long key that will be cut into many overlapping pieces" * 3]
    whole = sign_keys(keys, 5, 32, 1, chunk_chars=1 << 20)
    hashes, offsets = shingle_hashes(keys, 5)
    assert np.array_equal(whole, signatures(hashes, offsets, 32, 1))
    for chunk in (7, 16, 50):
        assert np.array_equal(sign_keys(keys, 5, 32, 1, chunk_chars=chunk), whole)
        # Written into a temporary file batch by batch (a long key's pieces span batches).
        in_file = sign_keys(keys, 5, 32, 1, chunk_chars=chunk, allocate=spill.spilled)
        assert spill.spilled_array(in_file) and np.array_equal(in_file, whole)
    assert sign_keys([], 5, 32, 1, allocate=spill.spilled).shape == (0, 32)


@pytest.mark.parametrize("held", [1 << 30, 4 * 13 * 3, 4 * 13 * 5])  # all columns; 3 at a time, the last 1; 4 of 4
def test_estimated_jaccard_of_signatures_in_a_file_equals_that_on_the_heap(
    held: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(11)
    sig = rng.integers(0, 4, (13, 16), dtype=np.uint32)
    pairs = rng.integers(0, 13, (40, 2))
    expected = [np.mean(sig[a] == sig[b]) for a, b in pairs.tolist()]
    in_file = spill.spilled(sig.shape, np.uint32)
    in_file[:] = sig
    monkeypatch.setattr(index, "_COLUMNS_HELD", held)
    monkeypatch.setattr(index, "_FILL_ROWS", 4)
    assert index.estimated_jaccard(sig, pairs).tolist() == expected
    assert index.estimated_jaccard(in_file, pairs).tolist() == expected
    blocks = list(index._column_blocks(in_file))  # one buffer on the heap, whatever the number of blocks
    assert all(np.shares_memory(block, blocks[0]) for block in blocks)
    packed = pairs[:, 0] * 13 + pairs[:, 1]
    for least in (0.0, 0.2, 0.25, 5 / 16, 0.3125000001, 1.0, 1.01):  # (5/16: a share some pairs have, exactly)
        for signed in (sig, in_file):
            assert index.likely(signed, packed, least).tolist() == [share >= least for share in expected]


@pytest.mark.parametrize("width", [128, 127, 33, 16, 5])
def test_the_estimate_bounded_by_low_bits_equals_the_count_of_whole_values(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Values from a small range agree on their low bits far more often than by chance, and
    # every other row copies about half of its neighbour's: counts spread over 0..width.
    rng = np.random.default_rng(width)
    n = 300
    sig = rng.integers(0, 40, (n, width), dtype=np.uint32)
    sig[1::2] = np.where(rng.random((n // 2, width)) < rng.random((n // 2, 1)), sig[0::2], sig[1::2])
    pairs = rng.integers(0, n, (4000, 2))
    pairs[:1500, 1] = pairs[:1500, 0] ^ 1
    packed = pairs[:, 0] * n + pairs[:, 1]
    exact = index._equal_values(sig, packed)
    low = index.low_bits(sig)
    assert (index._equal_low_bits(low, packed, width) >= exact).all()
    in_file = spill.spilled(sig.shape, np.uint32)
    in_file[:] = sig
    monkeypatch.setattr(index, "_BOUNDED_FROM", 0)
    monkeypatch.setattr(index, "_FILL_ROWS", 7)
    for least in (0.0, 0.1, 0.2, 0.3, 0.5, 0.9, 1.0, 1.01):
        expected = (exact / width >= least).tolist()
        assert 0 < sum(expected) < len(expected) or least in (0.0, 1.01)
        for signed in (sig, in_file):
            assert index.likely(signed, packed, least).tolist() == expected
            assert index.likely(signed, packed, least, low).tolist() == expected
    monkeypatch.setattr(index, "_COLUMNS_HELD", 4 * width * 5)  # the rows asked for do not fit: column blocks
    assert index.likely(in_file, packed, 0.3).tolist() == (exact / width >= 0.3).tolist()


def test_banding_finds_the_pairs_that_datasketch_lsh_finds() -> None:
    rng = np.random.default_rng(3)
    base = ["".join(rng.choice(list("abcdefghij "), 80)) for _ in range(30)]
    noisy = [b[:40] + "xy" + b[42:] for b in base[:15]]
    keys = base + noisy
    hashes, offsets = shingle_hashes(keys, 5)
    sig = signatures(hashes, offsets, 32, 1)
    found = candidate_pairs(sig, bands=8, rows=4)
    assert found.capped == [] and found.complete.all()
    pairs = {tuple(p) for p in found.pairs.tolist()}
    lsh = MinHashLSH(num_perm=32, params=(8, 4))
    lean = [to_lean_minhash(s, 1) for s in sig]
    for i, m in enumerate(lean):
        lsh.insert(i, m)
    expected = {(min(i, j), max(i, j)) for i, m in enumerate(lean) for j in lsh.query(m) if i != j}
    assert pairs == expected
    assert {(i, 30 + i) for i in range(15)} <= pairs  # the noisy copies are proposed


def test_bucket_cap_bounds_pairs_of_a_huge_bucket() -> None:
    sig = np.zeros((500, 8), dtype=np.uint32)  # 500 identical signatures: one bucket per band
    found = candidate_pairs(sig, bands=2, rows=4, bucket_cap=10)
    assert len(found.pairs) == sum(min(i, 10) for i in range(500))
    assert (found.pairs[:, 0] < found.pairs[:, 1]).all() and not found.complete.any()
    assert [bucket.tolist() for bucket in found.capped] == [list(range(500))] * 2
    assert candidate_pairs(sig[:11], bands=2, rows=4, bucket_cap=10).capped == []
    assert len(candidate_pairs(sig[:12], bands=2, rows=4, bucket_cap=10).capped) == 2
    # Paired again for a subset, in a new order, as a fresh run on the subset would pair it.
    members = np.array([7, 3, 9, 1])
    again = window_pairs(found.capped, members, 500, bucket_cap=2)
    fresh = candidate_pairs(sig[members], bands=2, rows=4, bucket_cap=2).pairs
    expected = sorted(tuple(sorted((int(members[i]), int(members[j])))) for i, j in fresh.tolist())
    assert sorted(map(tuple, again.tolist())) == expected


@pytest.mark.parametrize("salted", [False, True])
def test_banding_in_groups_and_fills_gives_what_one_pass_gives(salted: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large batches compute their keys a few bands and rows at a time and sort fewer bands
    # at once; small constants make a batch of 60 rows take every such path.
    rng = np.random.default_rng(5)
    sig = rng.integers(0, 3, (60, 16), dtype=np.uint32)  # values from a small range: buckets of all sizes
    salts = rng.integers(0, 3, 60, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) if salted else None
    whole = candidate_pairs(sig, bands=8, rows=2, bucket_cap=4, keep=True, salts=salts)
    monkeypatch.setattr(index, "_SORTED_AT_ONCE", 120)  # two bands sorted at once
    monkeypatch.setattr(index, "_FILL", 3)  # keys of three bands computed at once
    monkeypatch.setattr(index, "_FILL_ROWS", 7)
    in_file = spill.spilled(sig.shape, np.uint32)
    in_file[:] = sig
    for signed in (sig, in_file):
        pieces = candidate_pairs(signed, bands=8, rows=2, bucket_cap=4, keep=True, salts=salts)
        assert pieces.pairs.tolist() == whole.pairs.tolist() and len(whole.pairs) > 100
        assert pieces.complete.tolist() == whole.complete.tolist()
        assert [c.tolist() for c in pieces.capped] == [c.tolist() for c in whole.capped] and whole.capped
        assert whole.bands is not None and pieces.bands is not None
        for a, b in zip(pieces.bands, whole.bands, strict=True):
            assert np.array_equal(a, b)
    if not salted:
        for a, b in zip(index.sort_bands(sig, 8, 2), whole.bands, strict=True):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("unique_from", [1 << 22, 0, 7])  # pairs made unique at the end; after every band; now and then
def test_main_and_partial_bands_together_give_the_union_of_each(
    unique_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(8)
    sig = rng.integers(0, 3, (90, 12), dtype=np.uint32)  # buckets of all sizes, pairs found in many bands
    partial_bands = 12 // index.PARTIAL_ROWS
    main = candidate_pairs(sig, bands=3, rows=4, bucket_cap=5)
    part = candidate_pairs(sig[:, : partial_bands * index.PARTIAL_ROWS], partial_bands, index.PARTIAL_ROWS, 5)
    complete = {*map(tuple, main.pairs[main.complete].tolist()), *map(tuple, part.pairs[part.complete].tolist())}
    expected = sorted({*map(tuple, main.pairs.tolist()), *map(tuple, part.pairs.tolist())})
    monkeypatch.setattr(index, "_UNIQUE_FROM", unique_from)
    both = candidate_pairs(sig, bands=3, rows=4, bucket_cap=5, partial=True)
    assert list(map(tuple, both.pairs.tolist())) == expected and len(expected) > len(main.pairs)
    assert both.complete.tolist() == [pair in complete for pair in expected] and not all(both.complete)
    assert [c.tolist() for c in both.capped] == [c.tolist() for c in main.capped + part.capped]


@pytest.mark.parametrize("min_jaccard", [0.0, 0.2, 0.5, 0.9])
@pytest.mark.parametrize("unique_from", [1 << 22, 7])
def test_pairs_dropped_by_the_bound_as_banding_finds_them_are_those_the_estimate_drops(
    min_jaccard: float, unique_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(9)
    sig = rng.integers(0, 6, (300, 24), dtype=np.uint32)  # capped buckets, counts of all sizes
    sig[1::3] = np.where(rng.random((100, 24)) < 0.6, sig[::3], sig[1::3])
    in_file = spill.spilled(sig.shape, np.uint32)
    in_file[:] = sig
    monkeypatch.setattr(index, "_UNIQUE_FROM", unique_from)
    found = candidate_pairs(sig, bands=6, rows=4, bucket_cap=5, partial=True)
    keep = index.likely(sig, found.pairs[:, 0] * len(sig) + found.pairs[:, 1], min_jaccard)
    assert 0 < keep.sum() < len(keep) or min_jaccard == 0.0
    sieved: list[int] = []
    bound = index._equal_low_bits
    monkeypatch.setattr(index, "_equal_low_bits", lambda *a: sieved.append(len(a[1])) or bound(*a))
    monkeypatch.setattr(index, "_BOUNDED_FROM", 0)
    for signed in (sig, in_file):
        got = candidate_pairs(signed, bands=6, rows=4, bucket_cap=5, partial=True, min_jaccard=min_jaccard)
        assert got.pairs.tolist() == found.pairs[keep].tolist()
        assert got.complete.tolist() == found.complete[keep].tolist()
        assert [c.tolist() for c in got.capped] == [c.tolist() for c in found.capped] and found.capped
        assert sum(sieved) > len(found.pairs)  # (each band's pairs as found, then the windows', then the kept)
        sieved.clear()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("row_bits", [24, 4])  # 4: more rows than fit below the key (the argsort path)
def test_keys_sharing_their_high_bits_are_sorted_and_bucketed_as_whole_keys(
    seed: int, row_bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Band keys are sorted by their high bits first (with the row packed below them): keys
    # that differ only in the low bits must still be apart, in key order, rows in order.
    monkeypatch.setattr(index, "_ROW_BITS", row_bits)
    monkeypatch.setattr(index, "_ROW_MASK", np.uint64((1 << row_bits) - 1))
    rng = np.random.default_rng(seed)
    n, count = 200, 3
    high = rng.integers(0, 4, (n, count), dtype=np.uint64) + np.uint64(0xABCDEF)
    keys = (high << np.uint64(24)) | rng.integers(0, 3, (n, count), dtype=np.uint64)
    prefixes, order, same = _sort_keys(keys)
    laid = []
    for band in range(count):
        expected = np.lexsort((np.arange(n), keys[:, band]))
        assert order[band].tolist() == expected.tolist()
        assert prefixes[band].tolist() == (keys[expected, band] >> np.uint64(row_bits)).tolist()
        laid.append(keys[expected, band])
    whole = np.concatenate(laid)
    expected_same = [i for i in range(len(whole) - 1) if (i + 1) % n and whole[i] == whole[i + 1]]
    assert same.tolist() == expected_same
    # A query finds the rows with its whole key, never a row that shares only the high bits.
    banded = prefixes | index._above(0, count)  # as candidate_pairs and sort_bands keep them
    low = np.ascontiguousarray((keys & index._ROW_MASK).T, dtype=np.uint32)
    bands = SortedBands(banded, order.astype(np.int32), low)
    allowed = rng.random(n) < 0.8
    queries = np.concatenate([keys[:5], keys[:5] ^ np.uint64(3)])  # the second five share only the high bits
    query, row = ranked_buckets(bands, allowed, queries)
    wanted = []
    for q, asked in enumerate(queries):
        shared = {r: int((keys[r] == asked).sum()) for r in range(n) if allowed[r] and (keys[r] == asked).any()}
        wanted += [(q, r) for r in sorted(shared, key=lambda r: (-shared[r], r))]
    assert list(zip(query.tolist(), row.tolist(), strict=True)) == wanted


def test_scores_are_rapidfuzz_ratio() -> None:
    pairs = np.array([[0, 1], [0, 2], [3, 4]])
    got = score_pairs(KEYS, pairs)
    for (i, j), s in zip(pairs.tolist(), got.tolist(), strict=True):
        assert s == pytest.approx(fuzz.ratio(KEYS[i], KEYS[j]) / 100)
        assert s == pytest.approx(score(KEYS[i], KEYS[j]))


def test_leaders_never_chain_and_prefer_best_score() -> None:
    rank = np.arange(4)
    pairs = np.array([[0, 1], [1, 2], [0, 3], [2, 3]])
    scores = np.array([0.95, 0.95, 0.91, 0.99])
    leader, best = assign_leaders(rank, pairs, scores, 0.9)
    # 1 copies 0; 2 copies 1 only, and 1 is not kept, so 2 is kept; 3 prefers kept 2 (0.99) over 0.
    assert leader.tolist() == [0, 0, 2, 2]
    assert best.tolist() == [1.0, 0.95, 1.0, 0.99]


def test_leaders_follow_keep_order() -> None:
    rank = np.array([1, 0])  # unit 1 is kept first (keep="longest")
    leader, _ = assign_leaders(rank, np.array([[0, 1]]), np.array([0.95]), 0.9)
    assert leader.tolist() == [1, 1]


def test_normalize_folds_light_noise() -> None:
    variants = [
        'He said "yes" - twice',
        "He said \u201cyes\u201d \u2014 twice",
        'he  said "YES"\u00a0-\ttwice ',
        'He said\u200b "yes" \u2013 twice',
        'Ｈｅ said "yes" - twice',
    ]
    assert {normalize(v) for v in variants} == {'he said "yes" - twice'}
    assert normalize("Straße") == normalize("STRASSE")


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("a\nb", [(0, 1), (2, 3)]),
        ("a\r\nb\r\n", [(0, 1), (3, 4)]),
        ("a\rb\r", [(0, 1), (2, 3)]),
        ("\n\n  a  \n \t\n\u200b\nb", [(2, 7), (13, 14)]),
        ("", []),
        ("\n\r\n", []),
    ],
)
def test_split_spans(text: str, spans: list[tuple[int, int]]) -> None:
    paragraphs = split_paragraphs(text)
    assert [(p.start, p.end) for p in paragraphs] == spans
    assert [p.text for p in paragraphs] == [text[s:e] for s, e in spans]
    assert [p.index for p in paragraphs] == list(range(len(spans)))


def test_split_blank_mode_joins_wrapped_lines() -> None:
    text = "one\ntwo\n\n\nthree\r\nfour\n"
    assert [p.text for p in split_paragraphs(text, "blank")] == ["one\ntwo", "three\r\nfour"]


LONG = "A paragraph long enough to count as prose rather than a heading, repeated by a careless scraper."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"{LONG}\nB\n{LONG}",
            "A paragraph long enough to count as prose rather than a heading, repeated by a careless scraper.\nB",
        ),
        (f"{LONG}\nB\n{LONG}\n", f"{LONG}\nB\n"),
        (f"{LONG}\r\nB\r\n{LONG}\r\nC", f"{LONG}\r\nB\r\nC"),
        (f"{LONG}\n\nB\n\n{LONG}", f"{LONG}\n\nB"),
        (f"{LONG}\n\n{LONG}\n\nC\n", f"{LONG}\n\nC\n"),
        (f"  \n{LONG}\n{LONG}", f"  \n{LONG}"),
    ],
)
def test_removal_takes_one_separator_and_never_adds_a_line_break(text: str, expected: str) -> None:
    assert dedupe_text(text) == expected


def test_keep_longest_keeps_fuller_copy_even_when_later() -> None:
    short = LONG
    longer = LONG.replace("careless", "very careless")
    _, removed, _, _ = dedupe_and_explain(f"{short}\nB\n{longer}", keep="longest")
    assert [(m.index, m.kept_index, m.kind) for m in removed] == [(0, 2, "near")]


def test_dedupe_paragraphs_uses_list_positions() -> None:
    result = dedupe.dedupe_paragraphs([LONG, "", "Other.", LONG])
    assert [(m.index, m.kept_index) for m in result.removed] == [(3, 0)]
    assert result.text == f"{LONG}\n\nOther."


def test_config_validates_and_overrides() -> None:
    with pytest.raises(ConfigError, match="threshold"):
        DedupeConfig(threshold=1.5)
    with pytest.raises(ConfigError, match="bands"):
        DedupeConfig(bands=64, rows=4)
    with pytest.raises(TypeError):
        dedupe_text("x", thresold=0.5)
    config = DedupeConfig(threshold=0.8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.threshold = 0.7  # type: ignore[misc]


def test_bytes_input_gets_guidance() -> None:
    with pytest.raises(TypeError, match="decode"):
        dedupe_text(b"bytes")  # type: ignore[arg-type]


def test_api_does_not_import_datasketch() -> None:
    import subprocess
    import sys

    code = "import sys, dedupe; dedupe.dedupe_text(open(sys.argv[1]).read()); print('datasketch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code, str(SEEDS / "000_6ef43e2731afccca.txt")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_the_one_file_command_line_loads_no_corpus_mode() -> None:
    # Start-up time: the index, its stores and the package metadata load only when asked for.
    import subprocess
    import sys

    heavy = [
        "dedupe.corpus",
        "dedupe.store",
        "dedupe.cli_corpus",
        "dedupe.records",
        "dedupe.report",
        "importlib.metadata",
        "datasketch",
        "pandas",
        "pyarrow",
    ]
    code = (
        "import sys; from dedupe.cli import main; main(['-q', '-o', '/dev/null', sys.argv[1]]); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    seed = str(SEEDS / "000_6ef43e2731afccca.txt")
    out = subprocess.run([sys.executable, "-c", code, seed], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    code = "import dedupe; print(dedupe.Deduper.__module__, dedupe.IndexStats.__name__, bool(dedupe.__version__))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["dedupe.corpus", "IndexStats", "True"]
    code = "import dedupe; print(dedupe.dedupe_records.__module__, dedupe.Report.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["dedupe.records", "dedupe.report"]


def test_wide_characters_are_east_asian_wide() -> None:
    import unicodedata

    from dedupe.blocks import _WIDE, display_width

    wide = [c for c in map(chr, range(0x110000)) if _WIDE.match(c)]
    assert all(unicodedata.east_asian_width(c) in "WF" for c in wide)
    assert display_width("서울 Seoul 東京 とうきょう") == 2 * 2 + 1 + 5 + 1 + 2 * 2 + 1 + 5 * 2


def _straightforward_spans(text: str, mode: str) -> list[list[int]]:
    """Lines by a regex, visibility by a loop over characters, paragraphs by a loop over lines."""
    invisible = set("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")
    lines = []
    for m in re.finditer(r"[^\r\n]*(\r\n|\r|\n|\Z)", text):
        if m.start() == len(text) and (not text or text.endswith(("\r", "\n"))):
            break  # no line after a final break
        line = m.group().rstrip("\r\n")
        lines.append((m.start(), m.start() + len(line), any(not c.isspace() and c not in invisible for c in line)))
    if mode == "line":
        return [[s, e] for s, e, visible in lines if visible]
    spans: list[list[int]] = []
    previous = False
    for s, e, visible in lines:
        if visible and previous:
            spans[-1][1] = e
        elif visible:
            spans.append([s, e])
        previous = visible
    return spans


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize("small", [0, 1 << 16])
def test_span_array_in_any_chunks_equals_the_straightforward_split(
    chunk: int, small: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small=0: every text through the chunked numpy scan; else short texts without \r by str.split.
    import dedupe.split

    monkeypatch.setattr(dedupe.split, "_CHUNK", chunk)
    monkeypatch.setattr(dedupe.split, "_SMALL", small)
    rng = np.random.default_rng(chunk)
    alphabet = ["a", "가", "\U00020000", " ", "\t", "\u200b", "\x0c", "\u2028", "\x85", "\n", "\r", "\r\n"]
    for _ in range(1500):
        text = "".join(rng.choice(alphabet, rng.integers(0, 16)))
        for mode in ("line", "blank"):
            spans = dedupe.split.span_array(text, mode)  # type: ignore[arg-type]
            assert spans.tolist() == _straightforward_spans(text, mode), (repr(text), mode)
            assert spans.dtype == np.int32
            assert dedupe.split.paragraph_spans(text, mode) == list(map(tuple, spans.tolist()))  # type: ignore[arg-type]


def test_invisible_characters_are_whitespace_and_the_zero_width_family() -> None:
    from dedupe.split import _INVISIBLE, _VISIBLE

    zero_width = set("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")
    assert set(_INVISIBLE) == {c for c in map(chr, range(0x110000)) if c.isspace()} | zero_width
    assert all(_VISIBLE.match(c) is None for c in _INVISIBLE)
