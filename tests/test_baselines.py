"""The benchmark baselines share one set of rules: same keys, same scores, same keep-first greedy."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest
from rapidfuzz.distance import Indel

from benchmarks.baselines import (
    BASELINES,
    Match,
    all_pairs,
    datasketch_update,
    datasketch_update_batch,
    datatrove_line_dedup,
    exact_hash,
    shingles,
)
from dedupe.normalize import normalize

NEAR: list[Callable[[Sequence[str]], list[Match]]] = [datasketch_update, datasketch_update_batch, all_pairs]

PARAGRAPHS = [
    "The council approved the flood barrier on Tuesday. It is the largest public works project in the city's history.",
    "서울시의회는 화요일 홍수 방벽 건설안을 승인했다. 도시 역사상 최대 규모의 공공사업이다.",
    "The mayor spoke after the vote on Tuesday. She said the barrier would protect 40,000 homes by 2031.",
    # 3: an exact copy of 0
    "The council approved the flood barrier on Tuesday. It is the largest public works project in the city's history.",
    # 4: 1 with one typo (이다 -> 이디)
    "서울시의회는 화요일 홍수 방벽 건설안을 승인했다. 도시 역사상 최대 규모의 공공사업이디.",
    # 5: 2 with one typo (2031 -> 2013)
    "The mayor spoke after the vote on Tuesday. She said the barrier would protect 40,000 homes by 2013.",
    # 6: 0 with a curly apostrophe and a no-break space: the same key
    "The council approved the flood barrier on Tuesday.\u00a0It is the largest public works project"
    " in the city\u2019s history.",
    # 7, 8: hard negatives, the same opening sentence as 2 and 1, another second half
    "The mayor spoke after the vote on Tuesday. Opposition members called the parking tax unfair.",
    "서울시의회는 화요일 홍수 방벽 건설안을 승인했다. 야당은 주차세 신설에 반대했다.",
    # 9: an exact copy of the near copy 5: it copies 5's kept paragraph, 2, with 5's score
    "The mayor spoke after the vote on Tuesday. She said the barrier would protect 40,000 homes by 2013.",
    "Hi.",
    "Hi.",
]


def score(paragraphs: Sequence[str], i: int, j: int) -> float:
    return Indel.normalized_similarity(normalize(paragraphs[i]), normalize(paragraphs[j]))


def reference(paragraphs: Sequence[str], threshold: float = 0.9) -> list[Match]:
    """The rules written out by brute force: each paragraph against every earlier kept paragraph."""
    keys = [normalize(p) for p in paragraphs]
    kept: list[int] = []
    matches: list[Match] = []
    for i, key in enumerate(keys):
        scored = [(Indel.normalized_similarity(keys[j], key), -j) for j in kept]
        best = max(scored, default=(0.0, 0))
        if scored and best[0] >= threshold:
            matches.append((i, -best[1], best[0]))
        else:
            kept.append(i)
    return matches


def test_registry() -> None:
    assert list(BASELINES) == ["exact-hash", "datasketch update", "datasketch update_batch", "all-pairs rapidfuzz"]
    for baseline in BASELINES.values():
        assert baseline([]) == []


def test_shingles() -> None:
    assert shingles("abcdef") == {"abcde", "bcdef"}
    assert shingles("abc") == {"abc"}
    assert shingles("") == {""}


def test_hand_made_list() -> None:
    p = PARAGRAPHS
    assert score(p, 2, 7) < 0.75 and score(p, 1, 8) < 0.75  # the hard negatives are far below 0.9
    assert score(p, 1, 4) >= 0.9 and score(p, 2, 5) >= 0.9
    exact = [(3, 0, 1.0), (6, 0, 1.0), (9, 5, 1.0), (11, 10, 1.0)]
    assert exact_hash(p) == exact
    near = [(4, 1, score(p, 1, 4)), (5, 2, score(p, 2, 5)), (9, 2, score(p, 2, 5))]
    expected = sorted(exact[:2] + near + exact[3:])
    assert reference(p) == expected
    for baseline in NEAR:
        assert baseline(p) == expected, baseline.__name__


def test_no_chaining() -> None:
    rng = random.Random(7)
    a = " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(40))
    a = a[:150]
    b = a[:20] + "01234567" + a[28:]  # 8 of 150 characters (5 %) changed
    c = b[:100] + "αβγδεζηθ" + b[108:]  # 8 more, elsewhere
    p = [a, b, c]
    assert score(p, 0, 1) >= 0.9 and score(p, 1, 2) >= 0.9 and score(p, 0, 2) < 0.9
    for baseline in NEAR:
        # B copies A and is not kept; C is compared with A only, and kept.
        assert baseline(p) == [(1, 0, score(p, 0, 1))], baseline.__name__


def random_paragraphs(n: int = 300, copies: int = 20, seed: int = 11) -> tuple[list[str], list[tuple[int, int]]]:
    """``n`` random paragraphs, half English-like and half Korean-like, and ``copies`` planted 1-typo copies.

    Returns the paragraphs and the planted ``(copy, source)`` pairs.
    """
    rng = random.Random(seed)
    english = ["".join(rng.choice("etaoinshrdlucmfwypvbgk") for _ in range(rng.randint(2, 8))) for _ in range(400)]
    korean = ["".join(chr(rng.randrange(0xAC00, 0xAC00 + 400)) for _ in range(rng.randint(1, 3))) for _ in range(400)]
    paragraphs = [" ".join(rng.choices(rng.choice([english, korean]), k=rng.randint(15, 40))) + "." for _ in range(n)]
    planted: list[tuple[int, int]] = []
    for _ in range(copies):
        source = rng.choice(sorted(set(range(len(paragraphs))) - {c for c, _ in planted}))  # copy originals only
        text = paragraphs[source]
        at = rng.randrange(len(text))
        where = rng.randrange(source + 1, len(paragraphs) + 1)
        paragraphs.insert(where, text[:at] + "x" + text[at + 1 :])
        planted = [(c + (c >= where), s + (s >= where)) for c, s in planted] + [(where, source)]
    return paragraphs, planted


def test_random_paragraphs_agree() -> None:
    paragraphs, planted = random_paragraphs()
    truth = all_pairs(paragraphs)
    assert truth == reference(paragraphs)
    assert {(i, j) for i, j, _ in truth} >= set(planted)
    found = {baseline.__name__: baseline(paragraphs) for baseline in NEAR}
    assert found["datasketch_update"] == found["datasketch_update_batch"]  # the same signatures
    for name, matches in found.items():
        removed = {i for i, _, _ in matches}
        for i, j, s in matches:
            assert j < i and j not in removed, (name, i, j)
            assert s == pytest.approx(score(paragraphs, i, j)) and s >= 0.9, (name, i, j)
        pairs, reference_pairs = {(i, j) for i, j, _ in matches}, {(i, j) for i, j, _ in truth}
        assert len(pairs & reference_pairs) >= 0.95 * len(pairs | reference_pairs), name


def test_datatrove_line_dedup() -> None:
    # The optional corpus-mode baseline; its import needs regex and tokenizers besides datatrove.
    pytest.importorskip("datatrove.pipeline.dedup")
    footer = "Sign up for our newsletter."
    documents = [
        f"The council met on Tuesday.\n{footer}\nRain is expected tonight.",
        "The mayor spoke after the vote.\nThe budget passed.",
        f"A new park opens.\n{footer}",
    ]
    assert datatrove_line_dedup(documents) == [[], [], [1]]  # the footer, where it comes again
    # What it counts as the same line: its own normalisation, exact match only, within a document too.
    documents = [
        "Turnout was 61.5 percent in 2019.\nThe mayor spoke after the vote on Tuesday.",
        "TURNOUT WAS 48 PERCENT IN 2024!\nThe mayor spoke after the vote on Tuesday",  # digits, case, punctuation
        "The mayor spoke after the vote on Tuesdays.\nOne more line.\nOne more line.",  # a near copy stays
    ]
    assert datatrove_line_dedup(documents) == [[], [0, 1], [2]]
