"""The quality gate: F1 per planted kind on a small benchmark corpus must not drop below its floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.corpus import KINDS, make_corpus
from benchmarks.quality import score
from dedupe import dedupe_paragraphs

FLOORS = json.loads((Path(__file__).resolve().parent.parent / "benchmarks" / "floors.json").read_text())


@pytest.fixture(scope="module")
def scores() -> dict[str, object]:
    corpus = make_corpus(FLOORS["n"], FLOORS["seed"])
    result = dedupe_paragraphs(corpus.paragraphs)
    return score(corpus, [(m.index, m.kept_index, m.score) for m in (*result.removed, *result.kept)])


@pytest.mark.parametrize("kind", KINDS)
def test_f1_per_kind_is_above_its_floor(scores: dict[str, object], kind: str) -> None:
    assert scores[kind].f1 >= FLOORS["f1"][kind], scores[kind]  # type: ignore[attr-defined]


def test_overall_f1_is_above_its_floor(scores: dict[str, object]) -> None:
    assert scores["overall"].f1 >= FLOORS["overall_f1"], scores["overall"]  # type: ignore[attr-defined]


def test_no_false_positives(scores: dict[str, object]) -> None:
    assert scores["false positives"].claimed <= FLOORS["max_claims_on_originals_and_hard_negatives"]  # type: ignore[attr-defined]


def test_every_kind_has_a_floor() -> None:
    assert set(FLOORS["f1"]) == set(KINDS)
