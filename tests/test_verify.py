"""Verification scores: rapidfuzz's exact Indel similarity, and piece by piece for very long texts."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel
from rapidfuzz.process import cpdist

from dedupe import Deduper, dedupe_and_explain, verify
from dedupe.normalize import normalize
from dedupe.verify import BLOCK, EXACT_LIMIT, aligned_pieces, score, score_each

VOCABULARY = (
    "council flood barrier mayor harbour budget vote river police school hospital market train station report "
    "minister court ruling storm season museum festival union strike factory export farmer price housing rent "
    "서울시는 내년부터 심야 버스 노선을 늘리고 배차 간격을 줄이기로 했다 시장은 연설에서 강조했다"
)
WORDS = VOCABULARY.split()


def prose(rng: random.Random, size: int) -> str:
    words: list[str] = []
    length = 0
    while length < size:
        words.append(rng.choice(WORDS) + (", " if rng.random() < 0.1 else " "))
        length += len(words[-1])
    return "".join(words)[:size]


def edited(rng: random.Random, text: str, rate: float) -> str:
    """``text`` with about ``rate`` of its characters deleted, replaced or followed by another."""
    out = []
    for ch in text:
        r = rng.random()
        if r < rate / 3:
            continue
        out.append(rng.choice("xyz 가") if r < 2 * rate / 3 else ch)
        if 2 * rate / 3 <= r < rate:
            out.append(rng.choice("xyz 가"))
    return "".join(out)


def exact(a: str, b: str) -> float:
    return float(Indel.normalized_similarity(a, b))


def test_pairs_with_a_text_up_to_the_limit_are_scored_exactly_as_before() -> None:
    rng = random.Random(1)
    long = prose(rng, EXACT_LIMIT + 5000)
    pairs = [
        (prose(rng, 120), prose(rng, 130)),
        (long[:100], edited(rng, long[:100], 0.05)),
        (long[:EXACT_LIMIT], edited(rng, long[:EXACT_LIMIT], 0.02)),  # at the limit: still exact
        (long[:EXACT_LIMIT], long),  # one text above the limit, the other not
        ("", long),
    ]
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    for cutoff in (0.0, 0.9):
        want = cpdist(left, right, scorer=Indel.normalized_similarity, score_cutoff=cutoff, dtype=np.float64)
        assert score_each(left, right, cutoff).tolist() == np.asarray(want).tolist()
    assert [score(a, b) for a, b in pairs] == [exact(a, b) for a, b in pairs]


@pytest.mark.parametrize(
    ("a", "b", "cutoff"),
    [
        ("a" * 150, "a" * 100, 0.8),  # 2 * 100 / 250 = 0.8 exactly
        ("x" * 110, "x" * 90, 0.9),  # 2 * 90 / 200 = 0.9, the default threshold
        ("ab" * 50, "ab" * 45 + "cd" * 5, 0.9),
        ("ab" * 50, "ab" * 50, 1.0),
    ],
)
def test_a_pair_scoring_the_cutoff_exactly_reaches_it(a: str, b: str, cutoff: float) -> None:
    # rapidfuzz alone rounds its distance cutoff (1 - cutoff) down and returns 0 for these
    # (found by tests/test_partial_reference.py: such a pair was a near copy for score() and
    # a partial one in the pipeline).
    assert score(a, b) == exact(a, b) >= cutoff
    assert score_each([a], [b], cutoff).tolist() == [exact(a, b)]
    assert score_each([a, "zzzz"], [b, "qqqq"], cutoff).tolist() == [exact(a, b), 0.0]


def test_a_long_near_copy_still_matches_and_scores_within_a_thousandth_of_exact() -> None:
    rng = random.Random(2)
    a = prose(rng, 60_000)
    b = edited(rng, a[:30_000], 0.01) + prose(rng, 300) + edited(rng, a[30_000:], 0.01)  # light noise, a sentence added
    s = score(a, b)
    assert exact(a, b) - 0.001 <= s <= exact(a, b)
    assert s >= 0.9 and score(b, a) == s
    assert score_each([a, b], [b, a], 0.9).tolist() == [s, s]


def test_a_long_different_text_of_the_same_length_does_not_match() -> None:
    rng = random.Random(3)
    a, c = prose(rng, 60_000), prose(rng, 60_000)
    s = score(a, c)
    assert 0.0 <= s <= exact(a, c) < 0.9
    assert score_each([a], [c], 0.9).tolist() == [0.0]


def test_long_texts_are_aligned_in_pieces_whose_cost_is_linear() -> None:
    rng = random.Random(4)
    a = prose(rng, 1_000_000)
    b = edited(rng, a, 0.01)
    first, second = aligned_pieces(a, b)
    low, high = sorted([a, b])
    assert "".join(first) == low and "".join(second) == high and len(first) == len(second)
    assert max(map(len, first)) <= BLOCK + BLOCK // 4
    # rapidfuzz's work on a pair of pieces is the product of their lengths: about BLOCK per
    # character here, where the whole pair at once would cost a million per character.
    work = sum(len(p) * len(q) for p, q in zip(first, second, strict=True))
    assert work <= 1.25 * BLOCK * len(high)
    assert score(a, b) >= 0.97


texts = st.text(alphabet="ab c", min_size=0, max_size=300)


@settings(max_examples=200, deadline=None)
@given(texts, texts, st.floats(0, 0.3), st.randoms())
def test_by_pieces_is_a_symmetric_lower_bound_of_the_exact_score(a: str, extra: str, rate: float, rng) -> None:
    b = edited(rng, a, rate) + extra
    with pytest.MonkeyPatch.context() as patch:  # small limits, so that short texts go by pieces
        patch.setattr(verify, "EXACT_LIMIT", 8)
        patch.setattr(verify, "BLOCK", 16)
        patch.setattr(verify, "ANCHOR", 4)
        s = score(a, b)
        assert score(b, a) == s
        first, second = aligned_pieces(a, b)
    assert 0.0 <= s <= exact(a, b) + 1e-12
    assert sorted(["".join(first), "".join(second)]) == sorted([a, b])
    assert (s == 1.0) == (a == b)


def test_long_lines_through_the_pipeline() -> None:
    rng = random.Random(5)
    a = prose(rng, 100_000)
    b = edited(rng, a, 0.01)
    (m,) = dedupe_and_explain(f"{a}\n{b}\n").removed
    assert (m.index, m.kept_index, m.kind) == (1, 0, "near")
    assert m.score == score(normalize(b), normalize(a)) >= 0.9
    d = Deduper()
    d.feed(a, doc_id="one")
    assert d.feed(f"{b}\nShort news.", doc_id="two").text == "Short news."
