"""The compact pipeline (arrays per paragraph, no record per repeat) against the straightforward one.

The reference below is the pipeline as first written: one normalised key and one
``Copy`` record per paragraph, runs as lists, the rule applied run by run in Python. The
library now does the same work on arrays, in chunks, and renders only what it must; on any
input both must give the same explanation, field for field.
"""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import dedupe.blocks
import dedupe.normalize
from dedupe import dedupe_and_explain
from dedupe.api import _Partials, explain_removals, paragraphs_of
from dedupe.blocks import RUN_LINES, TEMPLATE_GAP, display_width, group_runs
from dedupe.cluster import Partials, assign_with_partials
from dedupe.config import DedupeConfig, resolve
from dedupe.index import band_keys
from dedupe.matching import Copies, Copy, Links
from dedupe.normalize import normalize
from dedupe.partial import Cover
from dedupe.results import Block, Explained, Match
from dedupe.split import join_spans, paragraph_spans, span_array
from tests.test_properties import FAST, INTERLEAVED, LONG, MEDIUM, configs, documents, paragraph

# --------------------------------------------------------------------------- the reference


def reference_copies(links: Links, active: list[int]) -> tuple[list[Copy], dict[int, Cover]]:
    """Every copy among ``active``, one record each (the verified pairs are the library's)."""
    positions = np.asarray(active, dtype=np.int64)
    units = links.units[positions]
    first = np.full(len(links.unit_keys), -1, dtype=np.int64)
    first[units[::-1]] = positions[::-1]
    present = first >= 0
    if links.config.keep == "first":
        rank = first
    else:
        order = np.lexsort((first, -links.unit_lengths))
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
    # The verified pairs among them are the library's (as in the compact pipeline):
    pairs, scores, (partial_pairs, alignments) = links.pairs_among(present, first)
    # Partial copies are decided by the library's one function (tested on its own, against
    # the brute-force checks in tests/test_properties.py); the rest is rebuilt here.
    outcome = assign_with_partials(
        rank, pairs, scores, Partials(partial_pairs, alignments), links.unit_keys, links.config
    )
    leader, best = outcome.leader, outcome.best
    copies = []
    for i, u in zip(active, units.tolist(), strict=True):
        lead = int(leader[u])
        kept = int(first[lead])
        if kept != i:
            got = outcome.covers.get(u)
            if got is not None:
                got = got._replace(
                    main=int(first[got.main]), parts=tuple(p._replace(kept=int(first[p.kept])) for p in got.parts)
                )
            copies.append(Copy(i, kept, 1.0 if lead == u else float(best[u]), lead == u, got))
    extends = {
        int(first[u]): got._replace(
            main=int(first[got.main]), parts=tuple(p._replace(kept=int(first[p.kept])) for p in got.parts)
        )
        for u, got in outcome.extends.items()
    }
    return copies, extends


def reference_runs(copies: list[Copy], active: list[int]) -> list[list[Copy]]:
    position = {index: pos for pos, index in enumerate(active)}
    runs: list[list[Copy]] = []
    for c in copies:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and position[last.index] == position[c.index] - 1
            and position[last.kept_index] == position[c.kept_index] - 1
        ):
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def reference_close_together(positions: list[int], here: int) -> int:
    """The size of the group holding ``here`` when ``positions`` are cut wherever a gap exceeds TEMPLATE_GAP."""
    groups = [[positions[0]]]
    for a, b in itertools.pairwise(positions):
        if b - a > TEMPLATE_GAP:
            groups.append([])
        groups[-1].append(b)
    return next(len(group) for group in groups if here in group)


def reference_decide(
    runs: list[list[Copy]], keys: list[str], config: DedupeConfig, active: list[int]
) -> list[tuple[bool, str]]:
    position = {index: pos for pos, index in enumerate(active)}

    def line(c: Copy) -> object:
        # A whole copy is an occurrence of its kept paragraph; a partial copy (truncated,
        # merged) is not that line, but one of its own: the partial copies with its key.
        return ("partial", keys[c.index]) if c.cover is not None else c.kept_index

    occurrences: dict[object, list[int]] = {}
    for c in (c for run in runs for c in run):
        start = [] if c.cover is not None else [position[c.kept_index]]
        occurrences.setdefault(line(c), start).append(position[c.index])
    decisions = []
    for run in runs:
        mean_length = sum(len(keys[c.index]) for c in run) / len(run)
        if mean_length < config.min_chars:
            widths = [display_width(keys[c.index]) for c in run]
            mean_width = sum(widths) / len(run)
            if (
                mean_width < config.min_chars
                and len(run) >= RUN_LINES
                and all(2 * w >= config.min_chars for w in widths)
            ):
                decisions.append((True, f"repeated run of {len(run)} lines, the shortest {min(widths)} columns"
                                        f" >= min_chars/2={config.min_chars / 2:g}"))  # fmt: skip
                continue
            if mean_width < config.min_chars:
                decisions.append((False, f"short: {mean_width:.0f} columns on average < min_chars={config.min_chars}"))
                continue
        # A run of template lines: each copy among more than max_copies occurrences close together,
        # and the paragraph before the run not an occurrence of its last line (not a stutter).
        count = min(reference_close_together(sorted(occurrences[line(c)]), position[c.index]) for c in run)
        template = count > config.max_copies and position[run[0].index] - 1 not in occurrences[line(run[-1])]
        if len(run) == 1 and template:
            decisions.append((False, f"template line: occurs {count} times, each within {TEMPLATE_GAP} paragraphs"
                                     f" of the last, > max_copies={config.max_copies}"))  # fmt: skip
        elif template:
            decisions.append((False, f"run of {len(run)} template lines: each occurs at least {count} times,"
                                     f" each within {TEMPLATE_GAP} paragraphs of the last,"
                                     f" > max_copies={config.max_copies}"))  # fmt: skip
        elif len(run) == 1:
            decisions.append((True, f"repeated paragraph of {mean_length:.0f} characters"))
        else:
            decisions.append((True, f"repeated run of {len(run)} paragraphs, {mean_length:.0f} characters on average"))
    return decisions


def reference_explain(text: str, **overrides: object) -> Explained:
    config = resolve(None, overrides)
    spans = paragraph_spans(text, config.paragraphs)
    keys = [normalize(text[s:e]) for s, e in spans]
    links = Links((text[s:e] for s, e in spans), config)
    active = list(range(len(spans)))
    found: list[tuple[list[Copy], bool, str]] = []
    while True:
        copies, extends = reference_copies(links, active)
        runs = reference_runs(copies, active)
        decisions = reference_decide(runs, keys, config, active)
        gone = {c.index for run, (removed, _) in zip(runs, decisions, strict=True) if removed for c in run}
        final = not gone or (not links.truncated and all(removed for removed, _ in decisions))
        found += [(run, removed, why) for run, (removed, why) in zip(runs, decisions, strict=True) if removed or final]
        if final:
            break
        active = [i for i in active if i not in gone]
    found.sort(key=lambda f: f[0][0].index)
    removed: list[Match] = []
    kept: list[Match] = []
    blocks: list[Block] = []
    render = _Partials(paragraphs_of(text, spans), spans)
    for run, is_removed, why in found:
        first, last = run[0], run[-1]
        number = len(blocks)
        span = (spans[first.index][0], spans[last.index][1])
        kept_span = (spans[first.kept_index][0], spans[last.kept_index][1])
        blocks.append(
            Block(number, first.index, last.index, span, first.kept_index, last.kept_index, kept_span, is_removed, why)
        )
        for c in run:
            kind = "exact" if c.exact else "near"
            if c.cover is not None:
                (removed if is_removed else kept).append(render.match(c.index, c.cover, number))
                continue
            (removed if is_removed else kept).append(
                Match(c.index, spans[c.index], c.kept_index, spans[c.kept_index], c.score, kind, number)
            )
    for i, got in sorted(extends.items()):
        number = len(blocks)
        match = render.match(i, got, number)
        why = f"holds new text: {got.coverage:.2f} of it is paragraph {got.main}, below coverage"
        blocks.append(Block(number, i, i, match.span, got.main, got.main, match.kept_span, False, why))
        kept.append(match)
    removed.sort(key=lambda m: m.index)
    kept.sort(key=lambda m: m.index)
    cleaned = join_spans(text, spans, {m.index for m in removed})
    return Explained(cleaned, removed, kept, blocks)


# --------------------------------------------------------------------------- strategies


@st.composite
def near_copies(draw) -> str:
    """Dozens of near copies of one long line among short ones: LSH buckets overflow their cap."""
    base = draw(paragraph(min_size=90, max_size=120))
    lines = []
    for _ in range(draw(st.integers(66, 110))):
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["Buy now", "1", "22", base])))
            continue
        chars = list(base)
        for _ in range(draw(st.integers(0, 3))):
            chars[draw(st.integers(0, len(chars) - 1))] = draw(st.sampled_from("xyz"))
        lines.append("".join(chars))
    return "\n".join(lines)


WORDS = ["amber", "basil", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper"]


@st.composite
def spread_documents(draw) -> str:
    """Up to 150 lines: a few paragraphs (alone or as one block) recurring near and far apart
    among distinct filler lines, so that gaps on either side of TEMPLATE_GAP occur."""
    pool = draw(st.lists(paragraph(min_size=30, max_size=130), min_size=1, max_size=4))
    picks = draw(
        st.lists(st.sampled_from(["filler"] * 6 + ["block"] + list(range(len(pool)))), min_size=20, max_size=150)
    )
    lines: list[str] = []
    for pick in picks:
        if pick == "filler":
            k = len(lines)
            lines.append(f"{WORDS[k % 10]} {WORDS[k // 10 % 10]} {k}")
        elif pick == "block":
            lines.extend(pool)
        else:
            lines.append(pool[pick])
    return "\n".join(lines)


def check_against_reference(text: str, overrides: dict[str, object]) -> None:
    expected = reference_explain(text, **overrides)
    saved = dedupe.blocks.SMALL
    try:  # a few copies are judged in plain Python, more in numpy: both must agree with the reference
        for small in (saved, 0):
            dedupe.blocks.SMALL = small
            check_one(text, overrides, expected)
    finally:
        dedupe.blocks.SMALL = saved


def check_one(text: str, overrides: dict[str, object], expected: Explained) -> None:
    assert tuple(dedupe_and_explain(text, **overrides)) == tuple(expected)
    lean, paragraphs = explain_removals(text, **overrides)
    assert lean.text == expected.text and lean.removed == expected.removed and lean.kept == []
    assert lean.blocks == [b for b in expected.blocks if b.removed]
    assert paragraphs == len(paragraph_spans(text, resolve(None, overrides).paragraphs))


# --------------------------------------------------------------------------- properties


@MEDIUM
@given(documents(max_len=20), configs())
@example(INTERLEAVED, {})  # two passes of the rule
@example("\n".join(["1", "22", "1", LONG[0], "22", LONG[0], "1"] * 3), {"min_chars": 0, "max_copies": 3})
def test_compact_pipeline_equals_the_straightforward_one(text, overrides):
    check_against_reference(text, overrides)


LIST_CASE = (Path(__file__).parent / "cases" / "short_list_run_removed.txt").read_text(encoding="utf-8")


@MEDIUM
@given(spread_documents(), configs())
@example(LIST_CASE, {})  # a run of lines removed although short on average
@example(LIST_CASE, {"min_chars": 200})  # ... and kept when they are short of min_chars / 2
def test_compact_pipeline_equals_the_straightforward_one_on_spread_documents(text, overrides):
    check_against_reference(text, overrides)


@FAST
@given(near_copies(), configs())
def test_compact_pipeline_equals_the_straightforward_one_with_capped_buckets(text, overrides):
    check_against_reference(text, overrides)


@FAST
@given(st.lists(st.sampled_from(["1", "22", "333", "Buy now", LONG[0], LONG[1]]), max_size=200), configs())
def test_compact_pipeline_equals_the_straightforward_one_on_many_short_lines(lines, overrides):
    check_against_reference("\n".join(lines), overrides)


@FAST
@given(st.data())
def test_runs_and_verdicts_do_not_depend_on_the_chunk(data):
    text = data.draw(documents(max_len=30) | spread_documents())
    overrides = data.draw(configs())
    config = resolve(None, overrides)
    spans = span_array(text, config.paragraphs)
    links = Links((text[s:e] for s, e in spans.tolist()), config)
    active = np.arange(len(spans), dtype=np.int32)
    if data.draw(st.booleans()):  # some paragraphs gone, as in a later pass of the rule
        active = active[np.asarray(data.draw(st.lists(st.booleans(), min_size=len(spans), max_size=len(spans))), bool)]
    copies = links.copies(active)
    reference = reference_runs(reference_copies(links, active.tolist())[0], active.tolist())
    assert [(c.index, c.kept_index) for run in reference for c in run] == list(
        zip(copies.index.tolist(), copies.kept.tolist(), strict=True)
    )
    expected = np.cumsum([0] + [len(run) for run in reference]).tolist()
    in_python = dedupe.blocks.judge(copies, active, links)  # a few copies: plain Python
    assert in_python.bounds.tolist() == expected
    for chunk in (1, 2, 3, 1 << 16):
        bounds = group_runs(copies, active, chunk=chunk)
        assert bounds.tolist() == expected
        verdicts = dedupe.blocks.decide(copies, active, bounds, links, chunk=chunk)
        assert verdicts.code.tolist() == in_python.code.tolist()
        assert verdicts.value.tolist() == in_python.value.tolist()


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "cases").glob("*.txt")), ids=lambda p: p.stem)
def test_judge_in_python_and_decide_in_numpy_agree_on_the_case_files(path: Path) -> None:
    # Both halves of each case file, and the whole file (its headers and "# output" line as paragraphs).
    whole = path.read_text(encoding="utf-8")
    for text in [*whole.split("# output\n"), whole]:
        for overrides in ({}, {"min_chars": 0}, {"max_copies": 3}, {"min_chars": 120}):
            config = resolve(None, overrides)
            spans = span_array(text, config.paragraphs)
            links = Links((text[s:e] for s, e in spans.tolist()), config)
            active = np.arange(len(spans), dtype=np.int32)
            copies = links.copies(active)
            in_python = dedupe.blocks.judge(copies, active, links)
            for chunk in (1, 3, 1 << 16):
                verdicts = dedupe.blocks.decide(copies, active, group_runs(copies, active), links, chunk=chunk)
                assert verdicts.code.tolist() == in_python.code.tolist()
                assert verdicts.value.tolist() == in_python.value.tolist()


def test_run_bounds_of_copies_not_in_a_row() -> None:
    copies = Copies(np.array([2, 3, 5, 6, 9], np.int32), np.array([0, 1, 3, 4, 0], np.int32), np.ones(1))
    assert group_runs(copies, np.arange(10, dtype=np.int32)).tolist() == [0, 2, 4, 5]
    # With paragraph 4 gone, 3 and 5 are next to each other, and so are 2 and 6... but not their kept ones.
    active = np.array([0, 1, 2, 3, 5, 6, 7, 8, 9], np.int32)
    assert group_runs(copies, active, chunk=2).tolist() == [0, 2, 4, 5]


# --------------------------------------------------------------------------- normalisation in pieces


def test_nfkc_composes_nothing_with_a_space() -> None:
    # What makes a cut after a space safe for normalize() of a long text in pieces.
    for c in map(chr, range(0x110000)):
        if not 0xD800 <= ord(c) < 0xE000:
            assert unicodedata.normalize("NFKC", " " + c) == " " + unicodedata.normalize("NFKC", c), hex(ord(c))
            assert unicodedata.normalize("NFKC", c + " ") == unicodedata.normalize("NFKC", c) + " ", hex(ord(c))


# Spaces, combining marks, jamo, ligatures, case oddities, quotes, dashes, invisible characters.
PIECES = st.sampled_from(list("aB \u00a0\u200be\u0301\u0316Σßﬁ\u1100\u1161\u11a8가\u314f“—\t\n\u212bǅ\u0345İＨ"))


@MEDIUM
@given(st.lists(PIECES, max_size=40).map("".join), st.integers(1, 6))
@example("\u0130\u0316 \u201c", 1)  # folding leaves marks to reorder in piece one, the quote is in piece two
@example("\u200b \u00df\u0301", 1)
def test_normalize_in_pieces_equals_normalize_of_the_whole(text, piece):
    whole = dedupe.normalize._normalize(text)
    saved = dedupe.normalize.PIECE
    dedupe.normalize.PIECE = piece
    try:
        assert normalize(text) == whole
    finally:
        dedupe.normalize.PIECE = saved


def test_every_folded_character_is_folded_in_ascii_and_other_text() -> None:
    for char, folded in dedupe.normalize._FOLD.items():
        if unicodedata.normalize("NFKC", char) != char:
            continue  # NFKC comes first: "\u00b4" is a space and a combining accent by then
        for around in ("ab", "\uac00\uac01"):
            assert normalize(around[0] + char + around[1]) == around[0] + folded + around[1], hex(ord(char))


@MEDIUM
@given(st.lists(st.one_of(PIECES, st.characters(codec="utf-8")), max_size=12).map("".join))
@example("\ufb01\u0130\U00011a47\u03a3")  # "İ" folds to "i\u0307", which a later mark must be ordered with
@example("\u01f0")  # folds to "j\u030c", which NFKC composes back: the key is the folded form, and stays
def test_a_key_is_its_own_key(text):
    key = normalize(text)
    assert normalize(key) == key


# --------------------------------------------------------------------------- smaller pieces


def test_band_keys_are_the_weighted_sums_of_their_rows() -> None:
    from dedupe.index import _BAND_MULTIPLIERS

    sig = np.random.default_rng(1).integers(0, 2**32, size=(50, 12), dtype=np.uint32)
    keys = band_keys(sig, 1, 3, 4)
    for i in range(50):
        for b in (1, 2):
            row = sig[i, b * 4 : b * 4 + 4]
            expected = sum(int(v) * int(m) for v, m in zip(row, _BAND_MULTIPLIERS[:4], strict=True)) % 2**64
            assert int(keys[i, b - 1]) == expected


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        (set(), "a\r\nb\n\nc\nd\n"),
        ({0}, "b\n\nc\nd\n"),
        ({1, 2}, "a\r\nd\n"),
        ({3}, "a\r\nb\n\nc\n"),
        ({0, 1, 2, 3}, "\n"),
        ({0, 2, 9, -1}, "b\n\nd\n"),
    ],
)
def test_join_on_an_array_of_spans_equals_join_on_tuples(remove: set[int], expected: str) -> None:
    text = "a\r\nb\n\nc\nd\n"
    assert join_spans(text, paragraph_spans(text), remove) == expected
    assert join_spans(text, span_array(text), remove) == expected


# --------------------------------------------------------------------------- the command line


def test_cli_explains_removals_under_their_numbers_among_all_blocks(tmp_path, capsysbinary) -> None:
    # Kept repeats (short lines) come first: the removed block is block 2 of the whole
    # explanation, and the command line, which renders only the removals, still calls it
    # that, in text mode and for a JSON Lines record.
    import json

    from dedupe.cli import main

    long = LONG[0]
    text = "\n".join(["Q?", "A.", "Q?", "1", "1", long, "B", long, "1"])
    expected = dedupe_and_explain(text)
    assert [b.removed for b in expected.blocks] == [False, False, True, False]
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    record = tmp_path / "a.jsonl"
    record.write_text(json.dumps({"id": "a", "text": text}) + "\n", encoding="utf-8")
    assert main(["--explain", "-q", str(path)]) == 0
    rows = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [(r["index"], r["block"]["index"], r["block"]["reason"]) for r in rows] == [
        (m.index, m.block, expected.blocks[m.block].reason) for m in expected.removed
    ]
    assert main(["--jsonl", "--explain", "-q", str(record)]) == 0
    rows = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [(r["index"], r["block"]["reason"]) for r in rows] == [
        (m.index, expected.blocks[m.block].reason) for m in expected.removed
    ]
