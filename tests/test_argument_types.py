"""Every public entry point checks the types of its arguments when it is called.

A wrong type is a ``TypeError`` naming the argument, raised before any work is done (not
an AttributeError or a numpy error later); a value of the right type outside its range is
a ``ConfigError``. ``bool`` is not accepted where a number belongs; numpy scalars are, and
become Python numbers (the index header is JSON).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from dedupe import ConfigError, DedupeConfig, Deduper, dedupe_and_explain, dedupe_paragraphs, dedupe_text
from dedupe.api import timed_explain

INT_FIELDS = ["shingle_size", "num_perm", "bands", "rows", "seed", "min_chars", "max_copies"]
FLOAT_FIELDS = ["threshold", "min_jaccard", "coverage"]
STR_FIELDS = ["keep", "paragraphs"]
NOT_INTS = [5.0, 2.5, True, False, np.bool_(True), "5", None, [5], 5 + 0j]
NOT_FLOATS = ["0.9", True, np.bool_(False), None, [0.9], b"0.9", 0.9j]
NOT_STRS = [1, None, b"first", ["first"], 1.0]


def test_every_field_is_covered() -> None:
    assert sorted(INT_FIELDS + FLOAT_FIELDS + STR_FIELDS) == sorted(f.name for f in dataclasses.fields(DedupeConfig))


@pytest.mark.parametrize("value", NOT_INTS, ids=repr)
@pytest.mark.parametrize("field", INT_FIELDS)
def test_int_fields_refuse_other_types(field: str, value: object) -> None:
    with pytest.raises(TypeError, match=f"{field} must be an int"):
        DedupeConfig(**{field: value})
    with pytest.raises(TypeError, match=field):
        dedupe_text("text", **{field: value})
    with pytest.raises(TypeError, match=field):
        Deduper(**{field: value})


@pytest.mark.parametrize("value", NOT_FLOATS, ids=repr)
@pytest.mark.parametrize("field", FLOAT_FIELDS)
def test_float_fields_refuse_other_types(field: str, value: object) -> None:
    with pytest.raises(TypeError, match=f"{field} must be a number"):
        DedupeConfig(**{field: value})
    with pytest.raises(TypeError, match=field):
        Deduper(**{field: value})


@pytest.mark.parametrize("value", NOT_STRS, ids=repr)
@pytest.mark.parametrize("field", STR_FIELDS)
def test_str_fields_refuse_other_types(field: str, value: object) -> None:
    with pytest.raises(TypeError, match=f"{field} must be a str"):
        DedupeConfig(**{field: value})


def test_numpy_scalars_and_ints_for_floats_are_accepted_as_python_numbers() -> None:
    config = DedupeConfig(
        threshold=1, min_jaccard=np.float32(0.25), seed=np.int64(7), bands=np.uint8(16), rows=np.int32(4)
    )
    assert (config.threshold, config.min_jaccard, config.seed, config.bands, config.rows) == (1.0, 0.25, 7, 16, 4)
    assert [type(getattr(config, f)) for f in ["threshold", "min_jaccard", "seed", "bands", "rows"]] == [
        float,
        float,
        int,
        int,
        int,
    ]
    json.dumps(dataclasses.asdict(config))  # what an index header holds


def test_an_index_built_with_numpy_options_can_be_saved(tmp_path) -> None:
    path = tmp_path / "index.npz"
    d = Deduper(index=path, min_docs=np.int64(2), seed=np.int64(3), num_perm=np.int16(64), bands=np.int64(16))
    d.feed("A paragraph long enough to be prose, not a heading, so that the index has one entry.", doc_id="a")
    d.save()
    assert Deduper(index=path, seed=3, num_perm=64, bands=16).stats().entries == 1


def test_out_of_range_values_of_the_right_type_stay_config_errors() -> None:
    with pytest.raises(ConfigError, match="shingle_size"):
        DedupeConfig(shingle_size=0)
    with pytest.raises(ConfigError, match="min_docs"):
        Deduper(policy="boilerplate", min_docs=np.int64(1))
    with pytest.raises(ConfigError, match="policy"):
        Deduper(policy="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("policy", 5),
        ("policy", None),
        ("min_docs", 2.5),
        ("min_docs", 2.0),
        ("min_docs", True),
        ("min_docs", "2"),
        ("min_docs", None),
        ("index", 5),
        ("index", 3.5),
        ("index", b"index.npz"),
        ("index", object()),
        ("prefix", None),
        ("prefix", 5),
        ("prefix", b"dedupe"),
        ("config", 5),
        ("config", {"threshold": 0.9}),
    ],
    ids=repr,
)
def test_deduper_arguments_are_typed(argument: str, value: object) -> None:
    with pytest.raises(TypeError, match=argument):
        Deduper(**{argument: value})


@pytest.mark.parametrize("verb", ["feed", "count"])
@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("text", 5),
        ("text", None),
        ("text", ["a paragraph"]),
        ("text", b"bytes"),
        ("doc_id", 5),
        ("doc_id", b"a"),
        ("doc_id", 1.0),
        ("site", 5),
        ("site", b"example.com"),
        ("site", ["example.com"]),
    ],
    ids=repr,
)
def test_feed_and_count_arguments_are_typed(verb: str, argument: str, value: object) -> None:
    d = Deduper(policy="boilerplate" if verb == "count" else "seen")
    arguments: dict[str, object] = {"text": "Some text.", "doc_id": "a", "site": "example.com", argument: value}
    text = arguments.pop("text")
    with pytest.raises(TypeError, match=argument):
        getattr(d, verb)(text, **arguments)
    # Nothing was recorded by the refused call.
    assert d.stats().entries == 0 and d.documents == 0 and d.counted == 0


@pytest.mark.parametrize("function", [dedupe_text, dedupe_and_explain])
@pytest.mark.parametrize(
    ("argument", "value"), [("text", 5), ("text", None), ("text", ["x"]), ("config", 5), ("config", "first")], ids=repr
)
def test_text_functions_are_typed(function, argument: str, value: object) -> None:
    arguments: dict[str, object] = {"text": "Some text.", argument: value}
    with pytest.raises(TypeError, match=argument):
        function(arguments.pop("text"), **arguments)


@pytest.mark.parametrize(
    ("paragraphs", "message"),
    [
        ("one text", "paragraphs"),
        (b"bytes", "paragraphs"),
        (5, "int"),
        ([1, 2], r"paragraphs\[0\]"),
        (["ok", None], r"\[1\]"),
    ],
    ids=repr,
)
def test_dedupe_paragraphs_wants_a_list_of_str(paragraphs: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        dedupe_paragraphs(paragraphs)  # type: ignore[arg-type]


def test_timed_explain_checks_its_config() -> None:
    with pytest.raises(TypeError, match="config"):
        timed_explain("Some text.", 5)  # type: ignore[arg-type]
