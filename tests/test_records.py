"""The records API (:func:`dedupe.dedupe_records`): the same removals as ``dedupe-file --jsonl``.

Every comparison runs the real command line on a real file and the API on the same
records, and compares the cleaned texts record by record.
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest

import dedupe
from tests.test_jsonl import pages, paragraph, run, texts, write_jsonl

FOOTER = "Subscribe to our newsletter for the best stories of the week, delivered every Friday morning."


def jsonl_of(rows: list[dict[str, Any]], path: Path) -> Path:
    return write_jsonl(path, [(json.dumps(r, ensure_ascii=False) + "\n").encode() for r in rows])


def cli_texts(capsysbinary: Any, *argv: object) -> list[str]:
    assert run(["-q", *argv]) == 0
    return texts(capsysbinary.readouterr().out)


def mixed_pages(seed: int = 5) -> list[dict[str, Any]]:
    """Pages of three sites (menu, body, footer), some repeating part of their body, some another site's."""
    rng = random.Random(seed)
    rows = [{k: v for k, v in p.items() if k != "body"} for p in pages(per_site=4, seed=seed)]
    for row in rows[::3]:
        first = row["text"].split("\n")[1]
        row["text"] += f"\n{first}"  # a scraper repeated the first paragraph of the body
    rows[4]["text"] += "\n" + rows[0]["text"].split("\n")[1]  # a copy from another site's page
    rows.append({"id": "extra", "url": "https://other.example/1", "text": f"{paragraph(rng)}\n{FOOTER}"})
    return rows


@pytest.mark.parametrize(
    ("options", "argv"),
    [
        ({}, []),
        ({"policy": "seen"}, ["--scope", "corpus"]),
        ({"policy": "seen", "site_field": "url"}, ["--scope", "corpus", "--site-field", "url"]),
        ({"policy": "boilerplate", "site_field": "url"}, ["--boilerplate", 2, "--site-field", "url"]),
        ({"policy": "boilerplate", "min_docs": 3}, ["--boilerplate", 3]),
    ],
)
def test_records_give_the_texts_of_the_command_line(
    tmp_path: Path, capsysbinary: Any, options: dict[str, Any], argv: list[object]
) -> None:
    rows = mixed_pages()
    expected = cli_texts(capsysbinary, "--jsonl", *argv, jsonl_of(rows, tmp_path / "p.jsonl"))
    assert expected != [r["text"] for r in rows]  # something goes
    got = list(dedupe.dedupe_records(rows, **options))
    assert [r["text"] for r in got] == expected
    assert [{k: v for k, v in r.items() if k != "text"} for r in got] == [
        {k: v for k, v in r.items() if k != "text"} for r in rows
    ]
    assert all(g is not r for g, r in zip(got, rows, strict=True))  # copies: the input is left as it was
    assert [r["text"] for r in rows] == [r["text"] for r in mixed_pages()]


def test_a_one_shot_iterator_works_for_both_passes_of_boilerplate() -> None:
    rows = mixed_pages()
    from_list = [r["text"] for r in dedupe.dedupe_records(rows, policy="boilerplate")]
    from_iterator = [r["text"] for r in dedupe.dedupe_records(iter(rows), policy="boilerplate")]
    assert from_iterator == from_list
    assert any(FOOTER not in t and "Subscribe" not in t for t in from_list)


def test_records_are_read_lazily(tmp_path: Path) -> None:
    rows = mixed_pages()
    read = []

    def stream() -> Any:
        for r in rows:
            read.append(r["id"])
            yield r

    cleaned = dedupe.dedupe_records(stream(), policy="seen")
    assert read == []
    next(cleaned)
    assert read == [rows[0]["id"]]


def test_ids_name_the_copied_documents_and_default_to_the_position() -> None:
    rows = [{"id": "a", "text": f"One.\n{FOOTER}"}, {"text": f"Two.\n{FOOTER}"}, {"id": 7, "text": f"Three.\n{FOOTER}"}]
    results = list(dedupe.dedupe_records_and_explain(rows, policy="seen"))
    assert [c.outcome.doc_id for c in results] == ["a", "<records>:2", "7"]
    assert [m.kept_doc for c in results for m in c.outcome.explained.removed] == ["a", "a"]
    named = list(dedupe.dedupe_records_and_explain(rows, policy="seen", id_field="id"))
    assert [c.outcome.doc_id for c in named] == ["a", "<records>:2", "7"]


def test_a_named_field_that_no_record_has_is_an_error_and_one_some_lack_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = mixed_pages()
    no_field = r"site_field='domain': no record has this field \(fields seen: id, url"
    with pytest.raises(dedupe.InputError, match=no_field):
        list(dedupe.dedupe_records(rows, policy="seen", site_field="domain"))
    with pytest.raises(dedupe.InputError, match="id_field='uid'"):
        list(dedupe.dedupe_records(rows, policy="seen", id_field="uid"))
    del rows[0]["url"], rows[1]["url"]
    report = dedupe.Report()
    with caplog.at_level(logging.WARNING, logger="dedupe"):
        out = list(dedupe.dedupe_records(rows, policy="seen", site_field="url", report=report))
    assert len(out) == len(rows)
    assert report.missing == {"site_field": ("url", 2)}
    assert [r.getMessage() for r in caplog.records] == [
        "record 1: no field 'url' (site_field); such records are counted"
    ]


def test_bad_records_raise_the_library_error() -> None:
    with pytest.raises(dedupe.InputError, match="record 2: no field 'text'"):
        list(dedupe.dedupe_records([{"text": "a"}, {"body": "b"}]))
    with pytest.raises(dedupe.InputError, match="record 1: field 'text' is a int, not a str"):
        list(dedupe.dedupe_records([{"text": 5}]))
    with pytest.raises(dedupe.InputError, match="record 1: a list, not a mapping"):
        list(dedupe.dedupe_records([["text"]]))
    with pytest.raises(TypeError, match="iterable of mappings"):
        dedupe.dedupe_records({"text": "a"})
    with pytest.raises(dedupe.ConfigError, match="min_kept"):
        dedupe.dedupe_records([], min_kept=0)
    with pytest.raises(dedupe.ConfigError, match="policy"):
        dedupe.dedupe_records([], policy="seen-before")
    with pytest.raises(TypeError, match="treshold"):
        dedupe.dedupe_records([], treshold=0.8)
    with pytest.raises(dedupe.ConfigError, match="an index belongs to a policy"):
        dedupe.dedupe_records([], index="seen.npz")
    with pytest.raises(dedupe.ConfigError, match="overwrite the text field"):
        dedupe.dedupe_records([], annotate="text")


def test_an_index_file_is_checked_at_the_call_and_saved_when_all_records_are_out(tmp_path: Path) -> None:
    with pytest.raises(dedupe.DedupeError, match="no/such"):
        dedupe.dedupe_records([], policy="seen", index=tmp_path / "no" / "such" / "x.npz")
    rows = mixed_pages()
    path = tmp_path / "seen.npz"
    cleaned = dedupe.dedupe_records(rows, policy="seen", index=path)
    next(cleaned)
    assert not path.exists()  # not before the last record
    rest = list(cleaned)
    assert path.exists() and len(rest) == len(rows) - 1
    # A second run against the saved index: every page is seen before, as it was, so it comes out the same.
    again = [r["text"] for r in dedupe.dedupe_records(rows, policy="seen", index=path)]
    assert again == [r["text"] for r in dedupe.dedupe_records(rows, policy="seen")]
    stopped = tmp_path / "stopped.npz"
    partial = dedupe.dedupe_records(rows, policy="seen", index=stopped)
    next(partial)
    partial.close()  # the caller stopped early: nothing is saved
    assert not stopped.exists()


# --------------------------------------------------------------------------- document-level results


def emptied_rows() -> list[dict[str, Any]]:
    body = [paragraph(random.Random(n)) for n in range(4)]
    return [
        {"id": "a", "text": "\n".join(body)},
        {"id": "b", "text": body[0]},  # all of it seen before: left empty
        {"id": "c", "text": "\n".join([*body[:3], paragraph(random.Random(9))])},  # keeps 1 of 4
        {"id": "d", "text": ""},  # empty to start with
    ]


def test_drop_empty_and_min_kept_drop_records_and_flag_keeps_them_marked() -> None:
    rows = emptied_rows()
    assert [r["id"] for r in dedupe.dedupe_records(rows, policy="seen")] == ["a", "b", "c", "d"]
    assert [r["id"] for r in dedupe.dedupe_records(rows, policy="seen", drop_empty=True)] == ["a", "c"]
    assert [r["id"] for r in dedupe.dedupe_records(rows, policy="seen", min_kept=0.3)] == ["a", "d"]
    assert [r["id"] for r in dedupe.dedupe_records(rows, policy="seen", min_kept=0.25)] == ["a", "c", "d"]
    flagged = list(dedupe.dedupe_records(rows, policy="seen", drop_empty=True, min_kept=0.3, flag=True))
    assert [r["dedupe"]["flagged"] for r in flagged] == [None, "empty", "min_kept", "empty"]


def test_the_annotation_says_what_went() -> None:
    rows = emptied_rows()
    a, b, c, d = dedupe.dedupe_records(rows, policy="seen", annotate="dd")
    assert a["dd"] == {
        "paragraphs": 4,
        "removed": 0,
        "within": 0,
        "exact": 0,
        "near": 0,
        "partial": 0,
        "chars_removed": 0,
        "copied_from": [],
        "flagged": None,
    }
    assert c["dd"]["removed"] == 3 and c["dd"]["exact"] == 3 and c["dd"]["copied_from"] == ["a"]
    assert c["dd"]["chars_removed"] == len(rows[2]["text"]) - len(c["text"])
    assert b["dd"]["paragraphs"] == 1 and b["text"] == "" and d["dd"]["paragraphs"] == 0


def test_document_options_give_the_records_of_the_command_line(tmp_path: Path, capsysbinary: Any) -> None:
    rows = emptied_rows()
    path = jsonl_of(rows, tmp_path / "p.jsonl")
    argv = ["--jsonl", "--scope", "corpus", "--drop-empty", "--min-kept", 0.3, "--flag", path]
    assert run(["-q", *argv]) == 0
    from_cli = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    api = list(dedupe.dedupe_records(rows, policy="seen", drop_empty=True, min_kept=0.3, flag=True))
    assert from_cli == api


# --------------------------------------------------------------------------- tables


def table_rows() -> list[dict[str, Any]]:
    rows = mixed_pages()
    for n, row in enumerate(rows):
        row["n"] = n
    return rows


def test_a_pandas_frame_comes_back_a_frame_with_the_column_cleaned() -> None:
    pd = pytest.importorskip("pandas")
    rows = table_rows()
    frame = pd.DataFrame(rows)
    out = dedupe.dedupe_records(frame, policy="boilerplate", site_field="url")
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(frame.columns)
    expected = [r["text"] for r in dedupe.dedupe_records(rows, policy="boilerplate", site_field="url")]
    assert out["text"].tolist() == expected
    assert out["n"].tolist() == frame["n"].tolist() and frame["text"].tolist() == [r["text"] for r in rows]
    dropped = dedupe.dedupe_records(frame, policy="seen", min_kept=0.9, annotate="dd")
    expected = list(dedupe.dedupe_records(rows, policy="seen", min_kept=0.9, annotate="dd"))
    assert dropped["id"].tolist() == [r["id"] for r in expected] and len(expected) < len(rows)
    assert dropped["dd"].tolist() == [r["dd"] for r in expected]


def test_a_pyarrow_table_keeps_its_schema() -> None:
    pa = pytest.importorskip("pyarrow")
    rows = table_rows()
    table = pa.Table.from_pylist(rows).cast(
        pa.schema([("id", pa.string()), ("url", pa.string()), ("text", pa.large_string()), ("n", pa.int32())])
    )
    out = dedupe.dedupe_records(table, policy="seen", site_field="url")
    assert isinstance(out, pa.Table) and out.schema == table.schema
    assert out.column("text").to_pylist() == [
        r["text"] for r in dedupe.dedupe_records(rows, policy="seen", site_field="url")
    ]
    flagged = dedupe.dedupe_records(table, policy="seen", min_kept=0.9, flag=True)
    assert flagged.num_rows == table.num_rows and flagged.column_names == [*table.column_names, "dedupe"]
    assert sum(f is not None for f in flagged.column("dedupe").to_pylist() for f in [f["flagged"]]) >= 1


def test_a_datasets_dataset_comes_back_a_dataset() -> None:
    datasets = pytest.importorskip("datasets")
    rows = table_rows()
    ds = datasets.Dataset.from_list(rows)
    out = dedupe.dedupe_records(ds, policy="boilerplate", site_field="url", drop_empty=True, annotate="dd")
    expected = list(dedupe.dedupe_records(rows, policy="boilerplate", site_field="url", drop_empty=True, annotate="dd"))
    assert isinstance(out, datasets.Dataset)
    assert out.column_names == [*ds.column_names, "dd"]
    assert out.to_list() == expected


def test_a_table_without_the_named_column_is_an_error() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(table_rows())
    no_column = r"site_field='domain': the table has no such column \(columns: id, url"
    with pytest.raises(dedupe.InputError, match=no_column):
        dedupe.dedupe_records(frame, policy="seen", site_field="domain")
    with pytest.raises(dedupe.InputError, match="field='body'"):
        dedupe.dedupe_records(frame, field="body")


@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_jobs_give_the_same_records_and_fail_at_the_same_record(policy: str) -> None:
    rows = mixed_pages() * 3  # (the same ids again: fed again, they give what they gave)
    one = list(dedupe.dedupe_records(rows, policy=policy, site_field="url"))
    assert list(dedupe.dedupe_records(rows, policy=policy, site_field="url", jobs=2)) == one
    broken = [*rows[:20], {"id": "x"}, *rows[20:]]
    for jobs in (1, 2):
        out = []
        with pytest.raises(dedupe.InputError, match="record 21: no field 'text'"):
            for record in dedupe.dedupe_records(broken, policy="seen", jobs=jobs):
                out.append(record)
        assert len(out) == 20
    with pytest.raises(dedupe.ConfigError, match="jobs=0"):
        dedupe.dedupe_records(rows, policy=policy, jobs=0)
