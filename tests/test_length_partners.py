"""Length partners and first-occurrence order, counted instead of sorted: the same as by brute force."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedupe.config import DedupeConfig
from dedupe.matching import Links, _has_length_partner
from tests.scale import examples

THRESHOLDS = st.sampled_from([0.0, 0.5, 0.8, 0.9, 1.0])


def brute_force_partners(lengths: list[int], threshold: float) -> list[bool]:
    ratio = threshold / (2 - threshold)
    return [any(min(a, b) >= ratio * max(a, b) for j, b in enumerate(lengths) if j != i) for i, a in enumerate(lengths)]


@examples(300)
@given(st.lists(st.integers(0, 60), max_size=40), THRESHOLDS)
def test_length_partners_are_those_of_every_pair(lengths: list[int], threshold: float) -> None:
    got = _has_length_partner(np.asarray(lengths, dtype=np.int64), threshold)
    assert got.tolist() == brute_force_partners(lengths, threshold)


@examples(50)
@given(st.lists(st.integers(0, 60), max_size=20), st.integers(2, 3), THRESHOLDS)
def test_huge_lengths_take_the_sorted_way_with_the_same_answer(lengths: list[int], huge: int, threshold: float) -> None:
    # Past 4 x keys + 2**20 the lengths are sorted (a table of every length would be larger).
    lengths = [*lengths, *[(1 << 21) + k for k in range(huge - 1)], 1 << 22]
    got = _has_length_partner(np.asarray(lengths, dtype=np.int64), threshold)
    assert got.tolist() == brute_force_partners(lengths, threshold)


@examples(100)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.data())
def test_units_in_first_order_are_those_a_stable_sort_gives(choices: list[int], data: st.DataObject) -> None:
    texts = [f"Paragraph number {c} of a short story." for c in choices]
    links = Links(texts, DedupeConfig())
    mask = data.draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts)))
    active = np.flatnonzero(mask)
    first = np.full(len(links.unit_keys), -1, dtype=np.int64)
    first[links.units[active][::-1]] = active[::-1]
    ids = np.flatnonzero(first >= 0)
    expected = ids[np.argsort(first[ids], kind="stable")]
    assert links._in_first_order(first[ids]).tolist() == expected.tolist()
