"""The in-memory LSH buckets against a dict of lists, over random streams of adds and lookups.

What a lookup sees must not depend on how the entries were batched, on when runs were merged,
nor on the filter in front of the runs (its size and false positives): only on the entries,
in id order. Keys come from a small pool so that buckets grow past both caps, and a small
``filter_bits`` makes the filter full of false positives and grow often.
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from dedupe.store import CROWDED_BUCKET, FIRST_OF_BUCKET, Crowded, _Buckets
from tests.scale import examples

WIDTH = 3  # bands per entry


def reference(buckets: dict[int, list[int]], bands: np.ndarray, crowded: Crowded) -> tuple[list[int], list[int]]:
    """Each (row, id) by the rules of Store.find_near, read off the plain buckets."""
    rows, ids = [], []
    for row, keys in enumerate(bands.tolist()):
        seen: set[int] = set()
        for key in keys:
            members = buckets.get(key, [])
            if crowded == "first":
                seen.update(members[:FIRST_OF_BUCKET])
            elif len(members) <= CROWDED_BUCKET:
                seen.update(members)
        rows += [row] * len(seen)
        ids += sorted(seen)
    return rows, ids


pools = st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=6, unique=True)
steps = st.lists(
    st.tuples(st.sampled_from(["add", "find"]), st.one_of(st.integers(1, 4), st.integers(20, 90))),
    min_size=1,
    max_size=25,
)


@given(pools, steps, st.sampled_from([0, 1, 2, 16]), st.integers(0, 2**32 - 1))
@example(pool=[5], steps=[("add", 70), ("find", 2)], filter_bits=16, seed=0)  # one bucket past both caps
@examples(150)
def test_lookups_match_a_dict_of_lists(
    pool: list[int], steps: list[tuple[str, int]], filter_bits: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    buckets = _Buckets(filter_bits=filter_bits)
    plain: dict[int, list[int]] = {}
    added: list[tuple[np.ndarray, np.ndarray]] = []
    next_id = 0

    def draw(rows: int) -> np.ndarray:
        """Band keys from the pool, now and then one in no bucket, and (to look up) one already added."""
        keys = np.asarray(pool, dtype=np.uint64)[rng.integers(0, len(pool), (rows, WIDTH))]
        fresh = rng.random((rows, WIDTH)) < 0.2
        keys[fresh] = rng.integers(0, 2**64, int(fresh.sum()), dtype=np.uint64)
        if added:
            old = rng.random((rows, WIDTH)) < 0.3
            keys[old] = rng.choice(np.concatenate([b.ravel() for b, _ in added]), int(old.sum()))
        return keys

    for kind, rows in steps:
        bands = draw(rows)
        if kind == "add":
            ids = next_id + np.cumsum(rng.integers(1, 3, rows))  # increasing, not always consecutive
            next_id = int(ids[-1])
            buckets.add(bands, ids)
            added.append((bands, ids))
            for keys, i in zip(bands.tolist(), ids.tolist(), strict=True):
                for key in keys:
                    plain.setdefault(key, []).append(i)
            continue
        for crowded in ("first", "skip"):
            want = reference(plain, bands, crowded)
            got = buckets.find(bands, crowded)
            assert (got[0].tolist(), got[1].tolist()) == want, crowded
            if added:  # one run of everything, as rebuilt after loading
                all_bands = np.concatenate([b for b, _ in added])
                all_ids = np.concatenate([i for _, i in added])
                rebuilt = _Buckets(all_bands.ravel(), np.repeat(all_ids, WIDTH), filter_bits=filter_bits)
                got = rebuilt.find(bands, crowded)
                assert (got[0].tolist(), got[1].tolist()) == want, (crowded, "rebuilt")
    assert buckets.pairs == WIDTH * sum(len(i) for _, i in added)
    if filter_bits:  # the filter's memory is counted, and stays within its bound
        arrays = sum(k.nbytes + i.nbytes for k, i in buckets.runs)
        assert arrays < buckets.nbytes <= arrays + buckets.pairs * filter_bits // 4 + 16


def test_caps_at_their_edges_across_merged_runs() -> None:
    buckets = _Buckets(filter_bits=1)
    n = CROWDED_BUCKET * 2 + 1
    ids = np.arange(n, dtype=np.int64)
    bands = np.stack(
        [
            np.full(n, 7, dtype=np.uint64),  # one bucket of everything
            np.where(ids < CROWDED_BUCKET, 2**63 + 1, 2**64 - 1).astype(np.uint64),  # exactly at the cap, and one past
            1000 + ids.astype(np.uint64),  # a bucket each
        ],
        axis=1,
    )
    for start in range(0, n, 9):
        buckets.add(bands[start : start + 9], ids[start : start + 9])
    assert len(buckets.runs) > 1

    def ids_for(keys: list[int], crowded: Crowded) -> list[int]:
        return buckets.find(np.array([keys], dtype=np.uint64), crowded)[1].tolist()

    assert ids_for([7, 5, 1005], "first") == list(range(FIRST_OF_BUCKET))
    assert ids_for([2**64 - 1], "first") == list(range(CROWDED_BUCKET, CROWDED_BUCKET + FIRST_OF_BUCKET))
    assert ids_for([2**63 + 1], "skip") == list(range(CROWDED_BUCKET))
    assert ids_for([7, 2**64 - 1, 1100], "skip") == [100]
