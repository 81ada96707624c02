"""A long text is worked on lean (``dedupe.api.LEAN_FROM``): its keys are normalised again when
needed (``dedupe.unit_keys``) instead of held, its sorted bucket keys wait in a temporary file
while banding holds the signatures (``dedupe.spill``), and the signatures are dropped after
verification and computed again for what asks for them later. The results must be those of
the text worked on in memory, whatever the key hashes do (clashes included)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from benchmarks.corpus import corpus_text, make_corpus
from dedupe import api, dedupe_and_explain, spill, unit_keys
from dedupe.cli import build_parser, config_from_args
from dedupe.config import DedupeConfig
from dedupe.index import band_keys, ranked_buckets
from dedupe.matching import Links
from dedupe.normalize import normalize
from dedupe.signature import sign_keys
from dedupe.split import Paragraphs, span_array
from tests import low_vocabulary
from tests.scale import examples
from tests.test_cases import CASES, read_case
from tests.test_properties import configs, documents


def both_ways(text: str, monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> tuple[Any, Any]:
    """The explanation worked on in memory, then lean."""
    with monkeypatch.context() as held:
        held.setattr(api, "LEAN_FROM", 1 << 62)
        kept = dedupe_and_explain(text, **overrides)
    with monkeypatch.context() as lean:
        lean.setattr(api, "LEAN_FROM", 0)
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


def test_crowded_buckets_give_the_same_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    # Capped buckets: each pass of the removal rule pairs them again and verifies what it
    # finds, which a lean text signs again.
    text = "\n".join(low_vocabulary.records(120, copies=0.2, words=low_vocabulary.WORDS[:8]))
    held, lean = both_ways(text, monkeypatch, min_chars=0)
    assert len(held.removed) > 40
    assert lean == held


@pytest.mark.parametrize("keep", ["first", "longest"])
def test_a_bucket_of_near_identical_lines_gives_the_same_explanation(
    keep: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rules of 120 lengths share one capped bucket: each later pass pairs it again, through the
    # bound of low bits of the signatures kept from banding (a lean text) or held.
    lengths = random.Random(3).sample(range(80, 320), 120)
    held, lean = both_ways("\n".join("=" * n for n in lengths), monkeypatch, keep=keep)
    assert len(held.removed) > 60
    assert lean == held


def test_signatures_computed_again_are_those_dropped() -> None:
    text = "\n".join(low_vocabulary.records(120, copies=0.2, words=low_vocabulary.WORDS[:8]))
    spans, config = span_array(text), DedupeConfig()
    held = Links(Paragraphs(text, spans), config, count=len(spans))
    lean = Links(Paragraphs(text, spans), config, count=len(spans), lean=True)
    assert held.truncated and lean.truncated and len(lean.signatures) == 0
    units = np.array([3, 0, 7, len(held.unit_keys) - 1], dtype=np.int64)
    signatures, rows = lean._signatures_of(units)
    assert np.array_equal(signatures[rows[units]], held.signatures[units])
    # Those of the units in capped buckets, which later passes pair again, are kept from banding.
    capped = np.unique(np.concatenate(lean.capped))
    signatures, rows = lean._signatures_of(capped[::-3])
    assert signatures is lean._kept_signatures and len(capped) == len(signatures) < len(held.unit_keys)
    assert np.array_equal(signatures[rows[capped]], held.signatures[capped])
    # The sorted bands that a subset may need when banding kept none (it found no partial
    # copy): a lean text signs every banded unit again.
    lean._bands = None
    assert all(np.array_equal(a, b) for a, b in zip(lean._sorted_bands(), held._sorted_bands(), strict=True))


def test_sorted_bands_kept_in_their_file_are_those_made_and_found_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    text = corpus_text(make_corpus(3000, seed=5))
    spans, config = span_array(text), DedupeConfig()
    held = Links(Paragraphs(text, spans), config, count=len(spans))
    lean = Links(Paragraphs(text, spans), config, count=len(spans), lean=True)
    assert lean._bands is not None and held._bands is not None  # partial copies found: kept for lookups
    assert all(np.array_equal(a, b) for a, b in zip(lean._bands, held._bands, strict=True))
    assert all(spill.spilled_array(a) for a in lean._bands) and not any(map(spill.spilled_array, held._bands))
    # Looked up band by band in the file, or all bands at once on the heap: the same rows.
    queries = band_keys(sign_keys(held.unit_keys[:400], 5, config.num_perm, config.seed), 0, config.bands, config.rows)
    allowed = np.ones(len(held._members), dtype=bool)
    allowed[::7] = False
    released: list[object] = []
    monkeypatch.setattr("dedupe.index.release", released.append)
    found = ranked_buckets(held._bands, allowed, queries)
    assert not released
    in_file = ranked_buckets(lean._bands, allowed, queries)
    assert len(found[0]) and all(np.array_equal(a, b) for a, b in zip(found, in_file, strict=True))
    assert len(released) == 3 * config.bands  # each band's pages handed back after its search
