"""Property tests of the public pipeline, checked against brute-force references.

Every reference here is computed independently of the library's matching machinery:
similarity is ``rapidfuzz.distance.Indel.normalized_similarity`` on ``normalize()`` keys
of the paragraphs, paragraph splitting is re-done with ``re.split`` on the three line
breaks, and subsequence / ordering checks are plain Python loops.
"""

from __future__ import annotations

import itertools
import random
import re
import string

from hypothesis import assume, example, given
from hypothesis import strategies as st
from rapidfuzz.distance import Indel

from dedupe import DedupeConfig, dedupe_and_explain, dedupe_text, join_paragraphs, split_paragraphs
from dedupe.normalize import normalize
from tests.scale import examples

DEFAULT = DedupeConfig()
SMALL = {"num_perm": 32, "bands": 8, "rows": 4}

# --------------------------------------------------------------------------- references

BREAK = re.compile(r"(\r\n|\r|\n)")
# Characters that do not make a line visible (besides str.isspace()): the zero-width family.
INVISIBLE = set("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")


def visible(line: str) -> bool:
    return any(not c.isspace() and c not in INVISIBLE for c in line)


def reference_split(text: str, mode: str) -> list[str]:
    """Paragraph texts by brute force: lines by re.split, grouped by blank lines in "blank" mode."""
    pieces = BREAK.split(text)
    lines, breaks = pieces[0::2], [*pieces[1::2], ""]
    if mode == "line":
        return [line for line in lines if visible(line)]
    out: list[str] = []
    current: list[str] = []
    for line, brk in zip(lines, breaks, strict=True):
        if visible(line):
            current.append(line)
            current.append(brk)
        elif current:
            out.append("".join(current[:-1]))
            current = []
    if current:
        out.append("".join(current[:-1]))
    return out


def sim(a: str, b: str) -> float:
    return float(Indel.normalized_similarity(a, b))


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def texts(text: str, mode: str) -> list[str]:
    return [p.text for p in split_paragraphs(text, mode)]


def all_matches(result):
    return list(result.removed) + list(result.kept)


# --------------------------------------------------------------------------- strategies

ASCII = st.sampled_from(string.ascii_letters + "      ")
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
CYRILLIC = st.characters(min_codepoint=0x0400, max_codepoint=0x04FF)
PUNCT = st.sampled_from(string.punctuation + "\u2018\u2019\u201c\u201d\u2014")
ODD_SPACES = st.sampled_from("\u00a0\u200b ")
MIXED = st.one_of(ASCII, HANGUL, CJK, CYRILLIC, PUNCT, ODD_SPACES)
ALPHABETS = [
    MIXED,
    st.one_of(ASCII, PUNCT, ODD_SPACES),
    st.one_of(HANGUL, st.just(" "), PUNCT),
    st.one_of(CJK, PUNCT),
    st.one_of(CYRILLIC, st.just(" "), ODD_SPACES),
]


def paragraph(min_size: int = 0, max_size: int = 300) -> st.SearchStrategy[str]:
    """One line of text (no line breaks) drawn from one of several alphabets."""
    return st.sampled_from(ALPHABETS).flatmap(lambda a: st.text(a, min_size=min_size, max_size=max_size))


SEPARATORS = st.sampled_from(
    ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r", "\n \n", "\n\u200b\n", "\r\n\t\n", "\n\n\n", "\r\n\n"]
)
LEADS = st.sampled_from(["", "\n", "\r\n", " \n", "\n\n"])
TAILS = st.sampled_from(["", "\n", "\r\n", "\r", "\n\n", " ", "\n \n"])
PADDING = st.sampled_from(["", "", "", " ", "  ", "\t", "\u00a0", "\u200b", " \u00a0"])

CURLY = str.maketrans({"'": "\u2019", '"': "\u201c"})
STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@st.composite
def noisy(draw, text: str, key_preserving: bool = False) -> str:
    """A copy of ``text`` with light scraper noise."""
    kinds = ["double space", "quotes", "nbsp", "zwsp"] + ([] if key_preserving else ["full stop", "insert"])
    kind = draw(st.sampled_from(kinds))
    if kind == "double space":
        return text.replace(" ", "  ", 1) if " " in text else text + "  "
    if kind == "quotes":
        swapped = text.translate(CURLY)
        return swapped if swapped != text else text.translate(STRAIGHT)
    if kind == "nbsp":
        return text.replace(" ", "\u00a0", 1)
    if kind == "zwsp":
        at = draw(st.integers(0, len(text)))
        return text[:at] + "\u200b" + text[at:]
    if kind == "full stop":
        return text + "."
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from("., x가")) + text[at:]


def assemble(draw, parts: list[str]) -> str:
    """Join lines with mixed separators, padding, a lead and a tail (or none)."""
    padded = [draw(PADDING) + p + draw(PADDING) for p in parts]
    out = [draw(LEADS)]
    for i, p in enumerate(padded):
        if i:
            out.append(draw(SEPARATORS))
        out.append(p)
    out.append(draw(TAILS))
    return "".join(out)


@st.composite
def documents(draw, min_size: int = 0, max_pool: int = 5, max_len: int = 12) -> str:
    """A document picked from a small pool of paragraphs, so that repeats are frequent."""
    pool = draw(st.lists(paragraph(min_size=min_size), min_size=1, max_size=max_pool))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), max_size=max_len))
    parts = []
    for i in picks:
        text = pool[i]
        if draw(st.integers(0, 3)) == 0:
            text = draw(noisy(text))
        parts.append(text)
    return assemble(draw, parts)


@st.composite
def configs(draw) -> dict:
    """Keyword overrides: defaults, the small LSH, and random rule settings."""
    out: dict = {}
    if draw(st.booleans()):
        out.update(SMALL)
    if draw(st.booleans()):
        out["threshold"] = draw(st.floats(0.5, 1.0))
    out["min_chars"] = draw(st.sampled_from([0, 0, 10, 80]))
    out["max_copies"] = draw(st.sampled_from([2, 2, 3]))
    out["keep"] = draw(st.sampled_from(["first", "longest"]))
    out["paragraphs"] = draw(st.sampled_from(["line", "line", "blank"]))
    return out


RAW_TEXT = st.lists(
    st.one_of(MIXED, st.sampled_from(["\n", "\r", "\r\n", "\n\r", "\t", " ", "\u2028", "\x0b"])), max_size=200
).map("".join)

# Examples per test in CI; DEDUPE_PROPERTY_SCALE multiplies them (tests/scale.py).
FAST = examples(120)
MEDIUM = examples(200)

# Five long paragraphs (ASCII, well above min_chars) for the hand-made example below.
LONG = [(c + " ") * 50 for c in "abxyz"]
# A B X Y A X Y B A B: pass 1 removes [5, 6] and [8, 9]; the lone copies 4 and 7 are
# template lines until then, and pass 2 removes them as the run [4, 7].
INTERLEAVED = "\n".join(LONG[i] for i in [0, 1, 2, 3, 0, 2, 3, 1, 0, 1])


# --------------------------------------------------------------------------- 1. idempotent


@FAST
@given(documents(), configs())
def test_idempotent(text, overrides):
    once = dedupe_text(text, **overrides)
    assert dedupe_text(once, **overrides) == once


@FAST
@given(documents(min_size=60))
def test_idempotent_default_config_long_paragraphs(text):
    once = dedupe_text(text)
    assert dedupe_text(once) == once


@examples(25)
@given(
    st.sampled_from("=-*~#.a가"),
    st.integers(40, 140),
    st.integers(0, 2**16),
    st.sampled_from(["first", "longest"]),
    st.booleans(),
)
def test_idempotent_many_near_identical_lines(char, count, seed, keep, small):
    # Rules of different lengths ("=====...", at least 80 wide) are distinct, pairwise similar
    # lines whose shingle sets are identical, so they all share one LSH bucket, which is capped
    # at 64 pairs per member (index.candidate_pairs). The document is drawn from a seed rather
    # than as a list so that shrinking stays cheap.
    lengths = random.Random(seed).sample(range(80, 80 + 2 * count), count)
    text = "\n".join(char * n for n in lengths)
    overrides = {"keep": keep, **(SMALL if small else {})}
    once = dedupe_text(text, **overrides)
    assert dedupe_text(once, **overrides) == once


# --------------------------------------------------------------------------- 2. subsequence


@MEDIUM
@given(documents(), configs())
@example(INTERLEAVED, {})
def test_output_is_subsequence_and_explanation_reproduces_it(text, overrides):
    mode = overrides.get("paragraphs", "line")
    result = dedupe_and_explain(text, **overrides)
    before = texts(text, mode)
    after = texts(result.text, mode)
    assert is_subsequence(after, before)
    removed = {m.index for m in result.removed}
    # Exactly the paragraphs that the explanation does not remove, in order.
    assert after == [t for i, t in enumerate(before) if i not in removed]
    assert result.text == join_paragraphs(text, split_paragraphs(text, mode), removed)


# --------------------------------------------------------------------------- 3. split/join


def check_split(text: str, mode: str) -> None:
    paragraphs = split_paragraphs(text, mode)
    assert join_paragraphs(text, paragraphs) == text
    assert [p.text for p in paragraphs] == reference_split(text, mode)
    previous_end = -1
    for i, p in enumerate(paragraphs):
        assert p.index == i
        assert p.text == text[p.start : p.end]
        assert previous_end < p.start < p.end
        previous_end = p.end
        assert visible(p.text), "whitespace-only paragraph"
        assert p.text.strip() != ""
        if mode == "line":
            assert "\n" not in p.text and "\r" not in p.text
        # A paragraph begins at a line start and ends at a line end.
        assert p.start == 0 or text[p.start - 1] in "\r\n"
        assert p.end == len(text) or text[p.end] in "\r\n"


@MEDIUM
@given(RAW_TEXT, st.sampled_from(["line", "blank"]))
@example("a\r\nb\rc\n\r\nd", "line")
@example("a\r\rb\n \nc\r\n\u200b\r\nd\n", "blank")
def test_split_join_lossless_raw_text(text, mode):
    check_split(text, mode)


@FAST
@given(documents(), st.sampled_from(["line", "blank"]))
def test_split_join_lossless_documents(text, mode):
    check_split(text, mode)


# --------------------------------------------------------------------------- 4. no duplicates


@st.composite
def distinct_documents(draw):
    """Paragraphs each used once; the test then assumes they are pairwise different."""
    return assemble(draw, draw(st.lists(paragraph(), max_size=8, unique_by=normalize)))


def pairwise_different(paras: list[str], threshold: float) -> bool:
    keys = [normalize(p) for p in paras]
    return all(sim(a, b) < threshold for a, b in itertools.combinations(keys, 2))


@MEDIUM
@given(st.data(), st.sampled_from(["line", "blank"]), st.booleans())
def test_no_duplicates_is_byte_identical_default_threshold(data, mode, small):
    text = data.draw(distinct_documents())
    assume(pairwise_different(texts(text, mode), DEFAULT.threshold))
    overrides = {"paragraphs": mode, **(SMALL if small else {})}
    assert dedupe_text(text, **overrides) == text
    result = dedupe_and_explain(text, **overrides)
    assert result.removed == [] and result.kept == [] and result.blocks == []


@FAST
@given(st.data(), st.floats(0.5, 1.0), st.sampled_from(["line", "blank"]))
def test_no_duplicates_is_byte_identical_random_threshold(data, threshold, mode):
    text = data.draw(distinct_documents())
    assume(pairwise_different(texts(text, mode), threshold))
    result = dedupe_and_explain(text, threshold=threshold, paragraphs=mode, min_chars=0)
    assert result.text == text
    assert result.removed == [] and result.kept == []
    assert dedupe_text(text, threshold=threshold, paragraphs=mode) == text


# --------------------------------------------------------------------------- 5. no false positive


def check_matches(text: str, result, threshold: float, mode: str) -> None:
    paragraphs = split_paragraphs(text, mode)
    removed = {m.index for m in result.removed}
    for m in all_matches(result):
        p, k = paragraphs[m.index], paragraphs[m.kept_index]
        a, b = normalize(p.text), normalize(k.text)
        score = sim(a, b)
        assert m.index != m.kept_index
        if m.kind == "partial":
            check_partial(text, m, paragraphs, removed, threshold)
            assert abs(m.score - score) <= 1e-9, (m, score)
            continue
        assert score >= threshold, (m, a, b, score)
        assert (m.kind == "exact") == (a == b), (m, a, b)
        assert abs(m.score - score) <= 1e-9, (m, score)
        assert m.span == (p.start, p.end)
        assert m.kept_span == (k.start, k.end)
        assert m.kept_index not in removed


@MEDIUM
@given(documents(), configs())
def test_no_false_positive(text, overrides):
    result = dedupe_and_explain(text, **overrides)
    check_matches(text, result, overrides.get("threshold", DEFAULT.threshold), overrides.get("paragraphs", "line"))


@FAST
@given(documents(min_size=40), st.booleans())
def test_no_false_positive_default_config(text, small):
    result = dedupe_and_explain(text, **(SMALL if small else {}))
    check_matches(text, result, DEFAULT.threshold, "line")


def check_partial(text: str, m, paragraphs, removed: set[int], threshold: float) -> None:
    """Each part of a partial match: inside its paragraphs, against a kept paragraph, and a near copy of it."""
    p = paragraphs[m.index]
    assert (m.parts and m.parts[0].kept_index == m.kept_index) or m.kept_index in {q.kept_index for q in m.parts}
    assert 0 < m.coverage <= 1
    if m.index in removed:
        assert m.coverage >= DEFAULT.coverage, m
    for part in m.parts:
        k = paragraphs[part.kept_index]
        assert p.start <= part.span[0] < part.span[1] <= p.end, (m, part)
        assert k.start <= part.kept_span[0] < part.kept_span[1] <= k.end, (m, part)
        assert part.kept_index not in removed
        if m.index in removed:
            assert part.kept_index != m.index
        x, y = normalize(text[slice(*part.span)]), normalize(text[slice(*part.kept_span)])
        # The aligned stretches are near copies: the solid runs alone reach the threshold.
        assert sim(x, y) >= threshold - 0.02 or min(len(x), len(y)) < 10, (m, part, x, y)


# --------------------------------------------------------------------------- 6. exact duplicates


@MEDIUM
@given(documents(), configs())
def test_every_exact_duplicate_is_reported(text, overrides):
    mode = overrides.get("paragraphs", "line")
    result = dedupe_and_explain(text, **overrides)
    reported = {m.index for m in all_matches(result)}
    seen: set[str] = set()
    for i, t in enumerate(texts(text, mode)):
        key = normalize(t)
        if key in seen:
            assert i in reported, (i, t)
        seen.add(key)


LONG_PARAGRAPH = st.sampled_from(ALPHABETS[:2] + ALPHABETS[4:]).flatmap(
    lambda a: st.text(a, min_size=100, max_size=300)
) | st.text(st.one_of(HANGUL, CJK), min_size=100, max_size=200)


@st.composite
def long_documents(draw):
    """Long paragraphs, pairwise different, each used at most twice (copies keep the key)."""
    pool = draw(
        st.lists(
            LONG_PARAGRAPH.filter(lambda p: len(normalize(p)) >= 100),
            min_size=1,
            max_size=6,
            unique_by=normalize,
        )
    )
    assume(pairwise_different(pool, DEFAULT.threshold))
    picks = draw(st.permutations(list(range(len(pool))) * 2))
    used = draw(st.lists(st.booleans(), min_size=len(picks), max_size=len(picks)))
    parts = []
    for i, keep in zip(picks, used, strict=True):
        if keep:
            text = pool[i]
            parts.append(draw(noisy(text, key_preserving=True)) if draw(st.booleans()) else text)
    return assemble(draw, parts)


@FAST
@given(long_documents(), st.booleans())
def test_every_exact_copy_of_long_paragraph_is_removed(text, small):
    result = dedupe_and_explain(text, **(SMALL if small else {}))
    removed = {m.index for m in result.removed}
    seen: set[str] = set()
    for i, t in enumerate(texts(text, "line")):
        key = normalize(t)
        assert len(key) >= 100
        if key in seen:
            assert i in removed, (i, t)
        seen.add(key)


# --------------------------------------------------------------------------- 7. determinism, keep="longest"


@FAST
@given(documents(), configs())
def test_deterministic(text, overrides):
    assert dedupe_and_explain(text, **overrides) == dedupe_and_explain(text, **overrides)


@MEDIUM
@given(documents(), configs())
def test_keep_longest(text, overrides):
    overrides["keep"] = "longest"
    mode = overrides.get("paragraphs", "line")
    result = dedupe_and_explain(text, **overrides)
    before = texts(text, mode)
    assert is_subsequence(texts(result.text, mode), before)
    for m in all_matches(result):
        assert len(normalize(before[m.kept_index])) >= len(normalize(before[m.index])), m


# --------------------------------------------------------------------------- 8. no chaining


@MEDIUM
@given(documents(), configs())
def test_no_chaining(text, overrides):
    result = dedupe_and_explain(text, **overrides)
    # A paragraph kept because it holds new text next to a kept one is no repeat (it is kept).
    repeats = {m.index for m in all_matches(result) if not extends(m, result)}
    for m in all_matches(result):
        assert m.kept_index not in repeats, m
        assert all(part.kept_index not in repeats for part in m.parts), m


def extends(m, result) -> bool:
    return m.kind == "partial" and m in result.kept and m.coverage < DEFAULT.coverage


def test_no_chaining_hand_made():
    # A ≈ B and B ≈ C, but C is not close enough to A: C must not be removed through B.
    a = "The council approved the new budget on Tuesday after a long debate about school funding and roads."
    b = a + " Officials"  # a few characters more: light noise, a copy whole
    c = b + " said it would pass."
    assert sim(normalize(a), normalize(b)) >= 0.9 and sim(normalize(b), normalize(c)) >= 0.9
    assert sim(normalize(a), normalize(c)) < 0.9
    result = dedupe_and_explain("\n".join([a, b, c]))
    assert [(m.index, m.kept_index) for m in result.removed] == [(1, 0)]
    # C holds A and more: it is kept, and reported as extending A (verified against A itself).
    assert [(m.index, m.kept_index, m.kind) for m in result.kept] == [(2, 0, "partial")]


def test_new_text_keeps_a_paragraph_that_scores_as_a_copy_whole():
    # 0.93 as wholes, but A covers 0.86 of B: B's appended sentence is new text (kept, reported).
    a = (
        "The city council voted on Tuesday to extend the night bus network to the eastern suburbs, after a two-year "
        "pilot carried more than 1.2 million passengers and cut late-night taxi waits by half, officials said."
    )
    b = a + " The first routes start in March."
    assert sim(normalize(a), normalize(b)) >= 0.9
    result = dedupe_and_explain(f"{a}\nOther line in between here.\n{b}")
    assert result.removed == []
    (m,) = result.kept
    assert (m.index, m.kept_index, m.kind) == (2, 0, "partial") and 0.85 < m.coverage < 0.9
    # With keep="longest" the shorter goes, as a partial copy of the longer.
    (gone,) = dedupe_and_explain(f"{a}\nOther line in between here.\n{b}", keep="longest").removed
    assert (gone.index, gone.kept_index, gone.kind) == (0, 2, "partial")


# --------------------------------------------------------------------------- 9. the explanation's own contract (extra)


@MEDIUM
@given(documents(), configs())
@example(INTERLEAVED, {})
def test_explanation_is_consistent(text, overrides):
    """results.Explained: ``removed`` holds one Match per removed paragraph, in document order."""
    # A block found in a later pass of api._explain can straddle a block removed in an earlier
    # pass; before removed/kept were sorted in _report, INTERLEAVED gave [4, 7, 5, 6, 8, 9].
    result = dedupe_and_explain(text, **overrides)
    removed = [m.index for m in result.removed]
    assert removed == sorted(set(removed)), removed
    every = [m.index for m in all_matches(result)]
    assert len(every) == len(set(every))
    for m in all_matches(result):
        block = result.blocks[m.block]
        assert block.first <= m.index <= block.last
        assert block.removed == (m in result.removed)
