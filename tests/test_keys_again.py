"""A long text's keys are normalised again when needed instead of held (``dedupe.unit_keys``):
the results must be those of held keys, whatever the key hashes do (clashes included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from benchmarks.corpus import corpus_text, make_corpus
from dedupe import dedupe_and_explain, unit_keys
from dedupe.cli import build_parser, config_from_args
from dedupe.normalize import normalize
from dedupe.split import Paragraphs, span_array
from tests.scale import examples
from tests.test_cases import CASES, read_case
from tests.test_properties import configs, documents


def both_ways(text: str, monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> tuple[Any, Any]:
    """The explanation with keys held, then with keys normalised again."""
    with monkeypatch.context() as held:
        held.setattr(unit_keys, "HELD_BELOW", 1 << 62)
        kept = dedupe_and_explain(text, **overrides)
    with monkeypatch.context() as again:
        again.setattr(unit_keys, "HELD_BELOW", 0)
        return kept, dedupe_and_explain(text, **overrides)


def clashing(key: str) -> int:
    """A key hash under which most keys clash (four values)."""
    return len(key) % 4


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_files_give_the_same_explanation(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = read_case(path)
    config = config_from_args(build_parser().parse_args(case.flags))
    held, again = both_ways(case.source, monkeypatch, config=config)
    assert again == held
    monkeypatch.setattr(unit_keys, "key_hash", clashing)
    assert both_ways(case.source, monkeypatch, config=config)[1] == held


@examples(40)
@given(text=documents(), overrides=configs())
def test_any_document_gives_the_same_explanation(text: str, overrides: dict[str, Any]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        held, again = both_ways(text, monkeypatch, **overrides)
        assert again == held
        monkeypatch.setattr(unit_keys, "key_hash", clashing)
        assert both_ways(text, monkeypatch, **overrides)[1] == held


def test_a_corpus_gives_the_same_explanation_with_clashing_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Planted copies of every kind (exact, near, partial), hard negatives, several scripts.
    text = corpus_text(make_corpus(3000, seed=5))
    held, again = both_ways(text, monkeypatch)
    assert len(held.removed) > 300 and any(m.kind == "partial" for m in held.removed)
    assert again == held
    monkeypatch.setattr(unit_keys, "key_hash", lambda key: hash(key) & 0xF)  # 16 values among ~2,600 keys
    assert both_ways(text, monkeypatch)[1] == held


def test_units_are_those_of_held_keys_when_hashes_clash(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Alpha one\nbeta two\nALPHA  one\ngamma three\nBeta two\nalpha one\ndelta\n"
    paragraphs = Paragraphs(text, span_array(text))
    held_units, held_keys = unit_keys.held_units(paragraphs)
    assert held_units.tolist() == [0, 1, 0, 2, 1, 0, 3]
    monkeypatch.setattr(unit_keys, "key_hash", lambda key: 7)  # every key clashes with the first
    units, keys = unit_keys.units_again(paragraphs)
    assert units.tolist() == held_units.tolist()
    assert list(keys) == held_keys and [keys[u] for u in range(len(keys))] == held_keys
    assert keys.lengths.tolist() == [len(k) for k in held_keys]
    assert keys.firsts.tolist() == [0, 1, 3, 6]


def test_keys_picked_are_made_when_read() -> None:
    text = "One\nTwo\nThree\n"
    _, keys = unit_keys.units_again(Paragraphs(text, span_array(text)))
    picked = unit_keys.Picked(keys, np.array([2, 0], dtype=np.int64))
    assert len(picked) == 2 and list(picked) == [normalize("Three"), normalize("One")] and picked[1] == "one"
