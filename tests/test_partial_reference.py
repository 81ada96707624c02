"""Partial copies against a brute-force reference: every pair of keys scored and aligned, no LSH.

For a small text (a handful of paragraphs made from a few long base paragraphs and their
truncated, merged, appended, near and hard-negative variants), the reference scores every
pair of distinct normalised keys with the verification scorer and aligns every pair that
fails it with :func:`dedupe.partial.partial_alignment`, then decides, unit by unit in keep
order (``keep="first"``), what each one is:

* a whole copy (exact or near) of the best-scoring earlier kept unit it reaches the
  threshold against (the earliest among equals);
* failing that, a partial copy when the earlier kept units that align with it cover at
  least ``coverage`` of its characters together (characters covered twice count once); its
  main paragraph is the one covering the most (the earliest among equals), its score the
  similarity to that one, and it names every kept paragraph that adds covered characters,
  taken in that order;
* failing that, an extended copy (kept, reported in ``Explained.kept``) when it holds an
  earlier kept unit (that one is covered ``coverage`` or more by the alignment); its
  coverage is what those hold of it;
* else kept.

On small texts, banding does not propose every pair: a pair is a candidate only when the
two share a bucket (a band of 4 of 128 MinHash values, or of 2 of the first 32) and their
Jaccard estimate reaches ``min_jaccard`` (0.2). A short teaser of a long paragraph, or
text of a few repeated characters (whose shingle sets are tiny, however similar the texts)
falls below that. So the library is compared with the reference in three settings:

* with the rule out of the way (``min_chars=0``, ``max_copies`` large), every copy found is
  removed; the library must agree paragraph by paragraph (removed set, kinds, kept
  paragraph, score, coverage, covering paragraphs). Every pair it verified must be one the
  reference verifies the same way. When it lacks a pair that the reference's decisions rest
  on (a pair between a unit and an earlier kept one), that pair must be one that LSH never
  proposed (no shared bucket, or an estimate below ``min_jaccard``), and the library must
  then agree with the reference restricted to the pairs it has;
* with the candidates replaced by every pair (``all_pairs``), exactly; and by a fixed
  random share of them (``some_pairs``), with the reference restricted to the pairs found;
* with the removal rule (``min_chars`` and ``max_copies`` varied), pass after pass, each
  pass comparing every pair of the paragraphs still present, the runs judged by the rule's
  own reference from ``tests/test_compact.py``; compared when no needed pair is missing.

A pair found by the lookups of the rest of a paragraph is verified whole too (``LOOKED_UP``
was a near copy that came back as a partial one when it was only aligned).
"""

from __future__ import annotations

import contextlib
import functools
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from unittest import mock

import numpy as np
from hypothesis import event, example, given
from hypothesis import strategies as st
from rapidfuzz.distance import Indel

import dedupe.matching
from dedupe import dedupe_and_explain
from dedupe.blocks import display_width
from dedupe.config import DedupeConfig, resolve
from dedupe.index import PARTIAL_BANDS, PARTIAL_ROWS, Candidates, band_keys, ranked_buckets
from dedupe.matching import Copy, Links
from dedupe.normalize import normalize
from dedupe.partial import Alignment, Cover, adds_new_text, partial_alignment
from dedupe.signature import sign_keys
from dedupe.verify import score
from tests.scale import examples
from tests.test_compact import reference_decide, reference_runs
from tests.test_properties import ASCII, CJK, CYRILLIC, HANGUL, PUNCT, assemble, noisy, reference_split

# The rule out of the way: every copy found goes (min_chars=0), no template lines.
NO_RULE = {"min_chars": 0, "max_copies": 1000}
TOLERANCE = 1e-9

# --------------------------------------------------------------------------- the reference


class Outcome(NamedTuple):
    """What became of one paragraph that is not simply kept."""

    kind: str  # "exact", "near", "partial" (removed) or "extended" (kept, holds a kept paragraph and more)
    kept: int  # the kept paragraph it copies (for partial and extended: the main one)
    score: float
    coverage: float | None = None
    parts: frozenset[int] = frozenset()  # the kept paragraphs that cover it (partial, extended)


class Reference(NamedTuple):
    outcomes: dict[int, Outcome]  # paragraph -> outcome, for every paragraph not simply kept
    needed: set[tuple[int, int]]  # unit pairs (lower, higher) that the decisions rest on
    keys: list[str]  # per unit


def covered(length: int, coverers: list[tuple[int, Alignment]]) -> tuple[float, list[int]]:
    """The share of ``length`` characters covered by the runs of the alignments (covered key on side 0),
    and the coverers that add characters, taken the one covering the most first (then the earliest)."""
    chars: set[int] = set()
    adding = []
    for unit, alignment in sorted(coverers, key=lambda c: (-c[1].solid, c[0])):
        more = {i + d for i, _, size in alignment.runs for d in range(size)} - chars
        if more:
            chars |= more
            adding.append(unit)
    return len(chars) / length, adding


def whole_copy(a: str, b: str, config: DedupeConfig) -> bool:
    """Whether two keys are copies whole: they score the threshold, and neither is the other and new text."""
    if score(a, b) < config.threshold:
        return False
    alignment = partial_alignment(a, b, config.threshold, config.coverage)
    return alignment is None or not adds_new_text(a, b, alignment, config.coverage)


def brute_force(paragraphs: list[str], config: DedupeConfig, allowed: set[tuple[int, int]] | None = None) -> Reference:
    """The reference (see the module's documentation) on paragraph texts, every pair compared.

    With ``allowed`` (unit pairs, lower first), only those pairs are compared, as when LSH
    proposed only them: then a near copy of a partial copy is also aligned directly with
    the paragraphs that cover that one, as :func:`dedupe.cluster.assign_with_partials` does
    (with every pair compared, those alignments are there already).
    """
    assert config.keep == "first"
    threshold, coverage = config.threshold, config.coverage
    keys: list[str] = []
    unit_of: dict[str, int] = {}
    first: list[int] = []  # the first paragraph of each unit
    for i, p in enumerate(paragraphs):
        key = normalize(p)
        if key not in unit_of:
            unit_of[key] = len(keys)
            keys.append(key)
            first.append(i)
    units = [unit_of[normalize(p)] for p in paragraphs]
    decided: dict[int, Outcome] = {}  # unit -> outcome (copies, and extended units)
    covering: dict[int, list[int]] = {}  # partial unit -> the units that cover it
    needed: set[tuple[int, int]] = set()
    for x, key in enumerate(keys):
        whole: list[tuple[float, int]] = []
        aligned: dict[int, Alignment] = {}
        for y in range(x):
            if allowed is not None and (y, x) not in allowed:
                continue
            s = score(key, keys[y])
            if y not in decided or decided[y].kind == "extended":  # a kept unit
                if whole_copy(key, keys[y], config):
                    whole.append((s, y))
                    needed.add((y, x))
                    continue
                alignment = partial_alignment(key, keys[y], threshold, coverage)
                if alignment is not None:
                    aligned[y] = alignment
                    needed.add((y, x))
        if whole:
            s, y = min(whole, key=lambda c: (-c[0], c[1]))
            decided[x] = Outcome("near", first[y], s)
            continue
        holds = [(y, a) for y, a in aligned.items() if a.solid >= coverage * len(keys[y])]
        for e in range(x):  # x a near copy of a partial copy: aligned with what covers that one
            if e in covering and (allowed is None or (e, x) in allowed) and whole_copy(key, keys[e], config):
                for y in covering[e]:
                    if y not in aligned and (alignment := partial_alignment(key, keys[y], threshold, coverage)):
                        aligned[y] = alignment
        if aligned:
            share, adding = covered(len(key), list(aligned.items()))
            if share >= coverage:
                main = adding[0]
                covering[x] = adding
                decided[x] = Outcome(
                    "partial", first[main], Indel.normalized_similarity(key, keys[main]), share,
                    frozenset(first[y] for y in adding),
                )  # fmt: skip
                continue
            if holds:
                share, adding = covered(len(key), holds)
                main = adding[0]
                decided[x] = Outcome(
                    "extended", first[main], Indel.normalized_similarity(key, keys[main]), share,
                    frozenset(first[y] for y in adding),
                )  # fmt: skip
    outcomes: dict[int, Outcome] = {}
    for i, u in enumerate(units):
        got = decided.get(u)
        if i == first[u]:
            if got is not None:
                outcomes[i] = got
        elif got is None or got.kind == "extended":
            outcomes[i] = Outcome("exact", first[u], 1.0)  # a repeat of a kept key
        else:
            outcomes[i] = got  # a repeat of a copy's key is that copy again
    return Reference(outcomes, needed, keys)


def library_outcomes(text: str, overrides: dict[str, object]) -> dict[int, Outcome]:
    """What ``dedupe_and_explain`` says, in the reference's terms (the rule being out of the way)."""
    result = dedupe_and_explain(text, **overrides)
    out: dict[int, Outcome] = {}
    for m in result.removed:
        parts = frozenset(p.kept_index for p in m.parts)
        out[m.index] = Outcome(m.kind, m.kept_index, m.score, m.coverage, parts)
    for m in result.kept:
        # With the rule out of the way, the only repeats kept are paragraphs holding new text.
        assert m.kind == "partial" and m.coverage is not None, m
        assert m.coverage < resolve(None, overrides).coverage, m
        assert result.blocks[m.block].reason.startswith("holds new text"), m
        out[m.index] = Outcome("extended", m.kept_index, m.score, m.coverage, frozenset(p.kept_index for p in m.parts))
    return out


def same(got: dict[int, Outcome], expected: dict[int, Outcome]) -> bool:
    if set(got) != set(expected):
        return False
    for i, e in expected.items():
        g = got[i]
        if (g.kind, g.kept, g.parts) != (e.kind, e.kept, e.parts) or abs(g.score - e.score) > TOLERANCE:
            return False
        if (g.coverage is None) != (e.coverage is None):
            return False
        if g.coverage is not None and e.coverage is not None and abs(g.coverage - e.coverage) > TOLERANCE:
            return False
    return True


Difference = tuple[int, Outcome | None, Outcome | None]  # paragraph, expected, got


def differences(got: dict[int, Outcome], expected: dict[int, Outcome]) -> list[Difference]:
    return [
        (i, expected.get(i), got.get(i))
        for i in sorted({*got, *expected})
        if not same({i: got[i]} if i in got else {}, {i: expected[i]} if i in expected else {})
    ]


def never_proposed(links: Links, pair: tuple[int, int]) -> bool:
    """Whether LSH could not propose the unit pair: no shared bucket in the main or the partial bands,
    or a MinHash Jaccard estimate below ``min_jaccard`` (verification never sees such a pair)."""
    config = links.config
    sig = links.signatures[list(pair)]
    if float((sig[0] == sig[1]).mean()) < config.min_jaccard:
        return True
    main = band_keys(sig, 0, config.bands, config.rows)
    shared = bool((main[0] == main[1]).any())
    bands = min(PARTIAL_BANDS, sig.shape[1] // PARTIAL_ROWS)
    if bands:
        part = band_keys(np.ascontiguousarray(sig[:, : bands * PARTIAL_ROWS]), 0, bands, PARTIAL_ROWS)
        shared |= bool((part[0] == part[1]).any())
    return not shared


def check(text: str, overrides: dict[str, object], *, banded: bool = True) -> None:
    """The library against the reference on ``text``.

    The library must agree with the reference restricted to the pairs that it verified,
    whole or in part; those are the reference's own verdicts on them; and when they hold
    every pair that the reference's decisions rest on, with the reference itself. With
    real banding (``banded``), a pair that it lacks must be one that LSH never proposed
    (see :func:`never_proposed`).
    """
    config = resolve(None, overrides)
    paragraphs = reference_split(text, config.paragraphs)
    expected = brute_force(paragraphs, config)
    for kind in sorted({o.kind for o in expected.outcomes.values()}):
        event(f"reference: {kind}")
    got = library_outcomes(text, overrides)
    links = Links(paragraphs, config)
    keys = expected.keys
    whole = {(a, b) for a, b in [*links.pairs.tolist(), *links.looked_up.pairs.tolist()]}
    partial = {(a, b) for a, b in links.partials.pairs.tolist()}
    for a, b in whole:
        assert whole_copy(keys[a], keys[b], config), (a, b, keys)
    for a, b in partial:
        assert partial_alignment(keys[a], keys[b], config.threshold, config.coverage) is not None, (a, b, keys)
        assert not whole_copy(keys[a], keys[b], config), (a, b, keys)
    found = whole | partial
    missing = sorted(expected.needed - found)
    for pair in missing if banded else []:
        assert never_proposed(links, pair), ("proposed, verified by the reference, but not found", pair, keys)
    if missing:
        event("LSH left a needed pair unproposed")
        restricted = brute_force(paragraphs, config, found)
        assert same(got, restricted.outcomes), differences(got, restricted.outcomes)
    else:
        assert same(got, expected.outcomes), differences(got, expected.outcomes)


@contextlib.contextmanager
def all_pairs() -> Iterator[None]:
    """Every pair of banded units is a candidate (complete), as if LSH proposed everything."""

    def every_pair(signatures: np.ndarray, bands: int, rows: int, bucket_cap: int = 64, **_: object):
        n = len(signatures)
        a, b = np.triu_indices(n, 1)
        pairs = np.stack([a, b], axis=1).astype(np.int64).reshape(-1, 2)
        return Candidates(pairs, np.ones(len(pairs), dtype=bool), [])

    with (
        mock.patch.object(dedupe.matching, "candidate_pairs", every_pair),
    ):
        yield


@contextlib.contextmanager
def some_pairs(seed: int, share: float) -> Iterator[None]:
    """Candidates are a fixed pseudo-random ``share`` of all pairs (the same on every call for one
    ``seed``), as if LSH missed the others; the lookups of the rest of a paragraph stay real."""

    def chosen(signatures: np.ndarray, bands: int, rows: int, bucket_cap: int = 64, **_: object):
        n = len(signatures)
        pairs = [
            (a, b)
            for a in range(n)
            for b in range(a + 1, n)
            if zlib.crc32(f"{seed} {a} {b}".encode()) % 1000 < share * 1000
        ]
        packed = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return Candidates(packed, np.ones(len(packed), dtype=bool), [])

    with (
        mock.patch.object(dedupe.matching, "candidate_pairs", chosen),
    ):
        yield


# --------------------------------------------------------------------------- strategies

# Base paragraphs: text of one script, at least 80 display columns once normalised.
SCRIPTS = [
    (st.one_of(ASCII, ASCII, st.sampled_from(",.'")), 90, 220),
    (st.one_of(HANGUL, HANGUL, HANGUL, st.just(" "), PUNCT), 45, 120),
    (st.one_of(CJK, CJK, CJK, st.sampled_from("，。")), 45, 110),
    (st.one_of(CYRILLIC, CYRILLIC, st.just(" ")), 90, 200),
]
VARIANTS = [
    "exact", "noisy", "truncated", "truncated", "merged", "merged", "appended", "prepended", "negative", "fresh"
]  # fmt: skip


def fresh(script: int, low: int, high: int) -> st.SearchStrategy[str]:
    alphabet = SCRIPTS[script][0]
    return st.text(alphabet, min_size=low, max_size=high)


@st.composite
def base_paragraph(draw) -> tuple[int, str]:
    script = draw(st.integers(0, len(SCRIPTS) - 1))
    _, low, high = SCRIPTS[script]
    text = draw(fresh(script, low, high).filter(lambda t: display_width(normalize(t)) >= 80))
    return script, text


@st.composite
def variant(draw, bases: list[tuple[int, str]]) -> str:
    script, base = draw(st.sampled_from(bases))
    kind = draw(st.sampled_from(VARIANTS))
    n = len(base)
    if kind == "exact":
        out = base
    elif kind == "noisy":
        out = draw(noisy(base))
    elif kind == "truncated":  # a contiguous part: the start, or from somewhere in the first third
        lo = draw(st.integers(0, n // 3)) if draw(st.booleans()) else 0
        out = base[lo : lo + draw(st.integers(max(1, 3 * n // 10), 95 * n // 100))]
    elif kind == "merged":  # joined with another base (or the start of one)
        _, other = draw(st.sampled_from(bases))
        if draw(st.booleans()):
            other = other[: draw(st.integers(len(other) // 3, len(other)))]
        joint = draw(st.sampled_from([" ", "", " — "]))
        out = base + joint + other if draw(st.booleans()) else other + joint + base
    elif kind == "appended":
        out = base + " " + draw(fresh(script, 10, 80))
    elif kind == "prepended":
        out = draw(fresh(script, 10, 80)) + " " + base
    elif kind == "negative":  # the same opening, a different second half
        out = base[: n // 2] + draw(fresh(script, n - n // 2, n - n // 2))
    else:
        out = draw(fresh(script, *SCRIPTS[script][1:]))
    if kind != "noisy" and draw(st.integers(0, 3)) == 0:
        out = draw(noisy(out))
    return out


@st.composite
def partial_texts(draw) -> str:
    """One to three base paragraphs and one to five variants, in any order, in line mode."""
    bases = draw(st.lists(base_paragraph(), min_size=1, max_size=3))
    parts = [text for _, text in bases] + draw(st.lists(variant(bases), min_size=1, max_size=5))
    return assemble(draw, draw(st.permutations(parts)))


CONFIGS = st.sampled_from(
    [
        {},
        {"num_perm": 32, "bands": 8, "rows": 4},
        {"threshold": 0.8},
        {"coverage": 0.8},
        {"min_jaccard": 0.0},
    ]
)

# Hand-made inputs: every kind at least once.
LEAD = (
    "The regional water board confirmed on Monday that the reservoir north of the city had reached its lowest"
    " level in thirty years."
)
ASK = (
    "Farmers in the valley have been asked to cut their water use by a fifth until the autumn rains arrive,"
    " a spokeswoman for the board said."
)
KOREAN = (
    "서울시는 내년부터 청년 가구를 위한 공공임대주택 2만 호를 추가로 공급하고, 임대료는 주변 시세의 70퍼센트"
    " 이하로 묶겠다고 1일 밝혔다."
)
HAND_MADE = [
    "\n".join([LEAD, ASK, LEAD[:70], f"{LEAD} {ASK}"]),  # truncated, merged
    "\n".join([LEAD[:90], LEAD, f"{LEAD} The board meets again next week to decide."]),  # extended twice
    "\n".join([LEAD, LEAD[: len(LEAD) // 2] + " The mayor said the city had enough water for the summer."]),
    "\n".join([KOREAN, KOREAN[:40], KOREAN + " 시는 역세권 부지를 우선 활용할 계획이다.", ASK, f"{KOREAN} {ASK[:60]}"]),
    "\n".join([LEAD, ASK, f"{LEAD} {ASK}", f"{LEAD}  {ASK}."]),  # a near copy of a merged paragraph
    "\n".join([ASK, LEAD, f"{ASK[:-1]}!", LEAD.upper(), ASK[20:]]),  # near, exact, truncated in the middle
    # A near copy of two kept paragraphs (0.92 and 0.96; those two 0.88 apart) copies the better
    # one, with partial copies in the text (assign_with_partials) or without (assign_leaders).
    "\n".join(["XXXXXXXXXX" + LEAD[10:], LEAD[:-5] + "QQQQQ", LEAD, ASK, ASK[:70]]),
    "\n".join(["XXXXXXXXXX" + LEAD[10:], LEAD[:-5] + "QQQQQ", LEAD]),
]


# --------------------------------------------------------------------------- properties


@examples(150)
@given(partial_texts(), CONFIGS)
@example(HAND_MADE[0], {})
@example(HAND_MADE[1], {})
@example(HAND_MADE[2], {})
@example(HAND_MADE[3], {})
@example(HAND_MADE[4], {})
@example(HAND_MADE[5], {})
@example(HAND_MADE[6], {})
@example(HAND_MADE[7], {})
def test_partial_copies_agree_with_the_brute_force_reference(text, overrides):
    check(text, {**overrides, **NO_RULE})


@examples(150)
@given(partial_texts(), CONFIGS)
@example(HAND_MADE[0], {})
@example(HAND_MADE[3], {})
@example(HAND_MADE[4], {})
def test_partial_copies_agree_with_the_brute_force_reference_when_every_pair_is_a_candidate(text, overrides):
    overrides = {**overrides, **NO_RULE, "min_jaccard": 0.0}
    config = resolve(None, overrides)
    paragraphs = reference_split(text, config.paragraphs)
    expected = brute_force(paragraphs, config)
    with all_pairs():
        got = library_outcomes(text, overrides)
    assert same(got, expected.outcomes), differences(got, expected.outcomes)


# Banding leaves 0 ~ 1 and 2 ~ 3 unproposed (their shingle sets are {"aaaaa"} and six
# shingles: a MinHash Jaccard estimate near 1/6, below min_jaccard 0.2). The rest of 3, not
# covered by 1, is looked up and finds 2; 2 ~ 3 verifies whole, so 3 is a near copy of 2
# (0.997), as the reference says. (When looked-up pairs were only aligned, 3 came back as a
# partial copy of 2 and 1, coverage 1.0.)
LOOKED_UP = "\n".join(["A" * 90, "A" * 90 + " " + "A" * 10, "A" * 180, "A" * 90 + "  " + "A" * 90])


def test_a_pair_found_by_a_lookup_that_verifies_whole_is_a_near_copy():
    got = library_outcomes(LOOKED_UP, NO_RULE)
    assert got[3].kind == "near" and got[3].kept == 2, got[3]


@examples(150)
@given(partial_texts(), CONFIGS, st.integers(0, 2**16), st.sampled_from([0.3, 0.6, 0.9]))
@example(HAND_MADE[4], {}, 12, 0.6)  # 3 ~ 2 (merged from 0 and 1) found, 3 ~ 0 and 3 ~ 1 not
def test_partial_copies_agree_with_the_reference_on_the_pairs_found_when_candidates_are_missed(
    text, overrides, seed, share
):
    # What the library decides from the pairs it has (a near copy of a partial copy aligned
    # with what covers that one, the rest of a paragraph looked up) against the reference
    # restricted to those pairs, when candidates go missing far more often than LSH misses them.
    with some_pairs(seed, share):
        check(text, {**overrides, **NO_RULE, "min_jaccard": 0.0}, banded=False)


# --------------------------------------------------------------------------- with the removal rule

# A stand-in cover: the rule's reference (tests/test_compact.py) asks only whether a copy is partial.
PARTIAL_COVER = Cover(1.0, 1.0, 0, ())


def with_rule(paragraphs: list[str], config: DedupeConfig) -> tuple[dict[int, Outcome], dict[int, Outcome], set]:
    """The reference with the removal rule: removed and kept repeats, and the pairs (as key pairs) it rests on.

    Each pass compares every pair of the paragraphs still present (:func:`brute_force`), groups
    the copies into runs and judges them as the rule's own reference does
    (``reference_runs``, ``reference_decide``); removed runs go and the next pass starts,
    until a pass removes nothing or everything.
    """
    keys = [normalize(p) for p in paragraphs]
    active = list(range(len(paragraphs)))
    removed: dict[int, Outcome] = {}
    needed: set[frozenset[str]] = set()
    while True:
        ref = brute_force([paragraphs[i] for i in active], config)
        needed |= {frozenset((ref.keys[a], ref.keys[b])) for a, b in ref.needed}
        outcomes = {
            active[i]: o._replace(kept=active[o.kept], parts=frozenset(active[k] for k in o.parts))
            for i, o in ref.outcomes.items()
        }
        copies = [
            Copy(i, o.kept, o.score, o.kind == "exact", PARTIAL_COVER if o.kind == "partial" else None)
            for i, o in sorted(outcomes.items())
            if o.kind != "extended"
        ]
        runs = reference_runs(copies, active)
        decisions = reference_decide(runs, keys, config, active)
        gone = {c.index for run, (goes, _) in zip(runs, decisions, strict=True) if goes for c in run}
        removed.update({i: outcomes[i] for i in gone})
        if not gone or len(gone) == len(copies):
            return removed, {i: o for i, o in outcomes.items() if i not in gone}, needed
        active = [i for i in active if i not in gone]


def outcomes_of(matches, result) -> dict[int, Outcome]:
    out = {}
    for m in matches:
        extended = m.kind == "partial" and result.blocks[m.block].reason.startswith("holds new text")
        parts = frozenset(p.kept_index for p in m.parts)
        out[m.index] = Outcome("extended" if extended else m.kind, m.kept_index, m.score, m.coverage, parts)
    return out


# The inputs of some case files (before their "# output" line, without their headers).
CASES = {
    name: "".join(line for line in (Path(__file__).parent / "cases" / f"{name}.txt").read_text(encoding="utf-8")
                  .split("# output\n")[0].splitlines(keepends=True) if not line.startswith("# "))
    for name in ("merged_copy_not_a_template_occurrence", "truncated_copy_not_a_template_occurrence",
                 "korean_truncated_and_merged", "template_question_kept")
}  # fmt: skip
RULES = st.sampled_from([{}, {}, {"min_chars": 0}, {"max_copies": 3}, {"min_chars": 40}, {"min_chars": 120}])


@examples(150)
@given(partial_texts(), CONFIGS, RULES)
@example(HAND_MADE[0], {}, {})
@example(HAND_MADE[3], {}, {})
@example(CASES["merged_copy_not_a_template_occurrence"], {}, {})
@example(CASES["truncated_copy_not_a_template_occurrence"], {}, {})
@example(CASES["korean_truncated_and_merged"], {}, {})
@example(CASES["template_question_kept"], {}, {})
def test_partial_copies_agree_with_the_brute_force_reference_under_the_removal_rule(text, overrides, rule):
    overrides = {**overrides, **rule}
    config = resolve(None, overrides)
    paragraphs = reference_split(text, config.paragraphs)
    removed, kept, needed = with_rule(paragraphs, config)
    links = Links(paragraphs, config)
    keys = links.unit_keys
    pairs = [*links.pairs.tolist(), *links.looked_up.pairs.tolist(), *links.partials.pairs.tolist()]
    found = {frozenset((keys[a], keys[b])) for a, b in pairs}
    if needed - found:
        event("LSH left a needed pair unproposed")  # what then happens is checked without the rule, above
        return
    result = dedupe_and_explain(text, **overrides)
    for name, got, expected in (("removed", result.removed, removed), ("kept", result.kept, kept)):
        got_outcomes = outcomes_of(got, result)
        assert same(got_outcomes, expected), (name, differences(got_outcomes, expected))
        event(f"rule: some {name}" if expected else f"rule: none {name}")
    for block in result.blocks:
        event(f"rule: {block.reason.split(':')[0].split(' of ')[0]}")


def test_the_hand_made_inputs_hold_every_kind():
    kinds = set()
    for text in HAND_MADE:
        config = resolve(None, NO_RULE)
        expected = brute_force(reference_split(text, "line"), config).outcomes
        kinds |= {o.kind for o in expected.values()}
        assert same(library_outcomes(text, NO_RULE), expected)
    assert kinds >= {"exact", "near", "partial", "extended"}, kinds


# --------------------------------------------------------------------------- later passes


class Unremembered(Links):
    """Links that look up each stretch among the allowed rows alone and verify each pair it finds, every time."""

    def _looked_up(self, stretches, allowed):
        c = self.config
        queries = [self.unit_keys[unit][lo:hi] for unit, lo, hi in stretches]
        asking = band_keys(sign_keys(queries, c.shingle_size, c.num_perm, c.seed), 0, c.bands, c.rows)
        query, row = ranked_buckets(self._sorted_bands(), allowed, asking)
        best = np.arange(len(query)) - np.searchsorted(query, query) < dedupe.matching.QUERY_HITS
        return query[best], row[best]

    def _stretch_outcome(self, pair):
        self._outcomes.clear()
        return super()._stretch_outcome(pair)


# The rest of 4 (after LEAD) is looked up: its stretch that is 1 finds 1 and 2 (one of them
# kept when _RANKED_KEPT is 1), and without 1 it must still find 2.
MERGED = "\n".join([LEAD, KOREAN[:60], KOREAN[:60].replace("청년", "청녀"), ASK, f"{LEAD} {KOREAN[:60]} {ASK}"])


@given(partial_texts(), CONFIGS, st.data(), st.sampled_from([1, 2, 256]))
@example(HAND_MADE[0], {}, None, 1)
@example(HAND_MADE[3], {}, None, 1)
@example(HAND_MADE[4], {}, None, 2)
@example(MERGED, {}, None, 1)
@example(MERGED, {}, None, 256)
def test_later_passes_find_the_pairs_that_links_never_used_find(text, overrides, data, kept):
    # A Links remembers its lookups of stretches (ranked against every row) and how the pairs
    # they find verify, from pass to pass; each subset must get what is found without them.
    _check_later_passes(text, overrides, data, kept)


# Near copies of one line, each a character apart: with buckets capped at 2 members every
# band of these paragraphs holds a capped bucket, paired again (as a window) in each subset.
CROWDED = "\n".join([*(LEAD[:k] + "#" + LEAD[k + 1 :] for k in range(0, 96, 8)), ASK, f"{LEAD} {ASK}"])


@given(partial_texts(), CONFIGS, st.data(), st.sampled_from([1, 256]))
@example(CROWDED, {}, None, 256)
def test_later_passes_pair_capped_buckets_as_links_never_used_do(text, overrides, data, kept):
    # A Links remembers the window pairs of each capped bucket and their verification: a
    # bucket whose members changed must be paired again, and the verification redone.
    capped = functools.partial(dedupe.matching.candidate_pairs, bucket_cap=2)
    windows = functools.partial(dedupe.matching.window_pairs, bucket_cap=2)
    with (
        mock.patch.object(dedupe.matching, "candidate_pairs", capped),
        mock.patch.object(dedupe.matching, "window_pairs", windows),
    ):
        used = _check_later_passes(text, overrides, data, kept)
    event(f"capped buckets: {bool(used.capped)}")
    if text == CROWDED:
        assert used.capped and used._windows


def _check_later_passes(text, overrides, data, kept):
    config = resolve(None, {**overrides, **NO_RULE})
    paragraphs = reference_split(text, config.paragraphs)
    n = len(paragraphs)
    drawn = [[True] * n, *([i != k for i in range(n)] for k in range(n)), [i % 2 == 0 for i in range(n)], [True] * n]
    if data is not None:
        drawn += data.draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n), max_size=3))
    with mock.patch.object(dedupe.matching, "_RANKED_KEPT", kept), mock.patch.object(dedupe.matching, "QUERY_HITS", 2):
        used = Links(paragraphs, config)
        for mask in drawn:
            active = np.flatnonzero(mask)
            first = np.full(len(used.unit_keys), -1, dtype=np.int64)
            first[used.units[active][::-1]] = active[::-1]
            got = used.pairs_among(first >= 0, first)
            fresh = Unremembered(paragraphs, config).pairs_among(first >= 0, first)
            assert got[0].tolist() == fresh[0].tolist() and got[1].tolist() == fresh[1].tolist()
            assert got[2].pairs.tolist() == fresh[2].pairs.tolist() and got[2].alignments == fresh[2].alignments
        event(f"stretches looked up: {bool(used._ranked)}, cut: {bool(used._cut)}")
    return used
