"""Parquet records in corpus mode: the removals of the same records as JSON Lines, the table kept."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

import dedupe
from tests.test_jsonl import one_error, pages, run, texts, write_jsonl

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def site_rows() -> list[dict[str, Any]]:
    rows = [{k: v for k, v in p.items() if k != "body"} for p in pages(per_site=4, seed=8)]
    for n, row in enumerate(rows):
        row["n"] = n
        row["tags"] = [f"t{n}", "x"]
    rows[2]["text"] += "\n" + rows[2]["text"].split("\n")[1]  # a repeat within the record
    return rows


def write_parquet(path: Path, rows: list[dict[str, Any]], row_group_size: int = 5) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write_jsonl(path, [(json.dumps(r) + "\n").encode() for r in rows])


@pytest.mark.parametrize("policy", [["--boilerplate", 2, "--site-field", "url"], ["--scope", "corpus"], []])
def test_parquet_gives_the_texts_of_json_lines_and_keeps_the_table(
    tmp_path: Path, capsysbinary: Any, policy: list[object]
) -> None:
    rows = site_rows()
    source = write_parquet(tmp_path / "in.parquet", rows)
    assert run(["-q", "--jsonl", *policy, write_rows(tmp_path / "in.jsonl", rows)]) == 0
    expected = texts(capsysbinary.readouterr().out)
    assert expected != [r["text"] for r in rows]
    out = tmp_path / "out.parquet"
    assert run(["-q", *policy, source, "-o", out]) == 0
    before, after = pq.read_table(source), pq.read_table(out)
    assert after.schema == before.schema
    assert after.column("text").to_pylist() == expected
    assert after.drop(["text"]).equals(before.drop(["text"]))
    assert pq.ParquetFile(out).num_row_groups == pq.ParquetFile(source).num_row_groups == 3


def test_explain_check_annotate_and_drop_as_for_json_lines(tmp_path: Path, capsysbinary: Any) -> None:
    rows = site_rows()
    rows.append({"id": "copy", "url": rows[0]["url"], "text": rows[0]["text"], "n": 99, "tags": []})
    source, lines = write_parquet(tmp_path / "in.parquet", rows), write_rows(tmp_path / "in.jsonl", rows)
    argv = ["-q", "--scope", "corpus", "--site-field", "url"]
    assert run([*argv, "--jsonl", "--explain", lines]) == 0
    from_lines = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert run([*argv, "--explain", source]) == 0
    from_rows = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [{**r, "file": None} for r in from_rows] == [{**r, "file": None} for r in from_lines]
    assert {r["file"] for r in from_rows} == {str(source)}
    assert run([*argv, "--check", source]) == 1
    out = tmp_path / "out.parquet"
    assert run([*argv, "--drop-empty", "--annotate", "dd", source, "-o", out]) == 0
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == [r["id"] for r in rows[:-1]]  # the whole copy is left out
    api = list(dedupe.dedupe_records(rows, policy="seen", site_field="url", drop_empty=True, annotate="dd"))
    assert table.column("dd").to_pylist() == [r["dd"] for r in api]
    assert table.column("text").to_pylist() == [r["text"] for r in api]


def test_in_place_rewrites_the_parquet_file(tmp_path: Path) -> None:
    rows = site_rows()
    source = write_parquet(tmp_path / "in.parquet", rows)
    untouched = write_parquet(tmp_path / "plain.parquet", [{"id": "z", "text": "Nothing repeats here."}])
    stamp = untouched.stat().st_mtime_ns
    assert run(["-q", "--boilerplate", 2, "--in-place", source]) == 0
    assert pq.read_table(source).column("text").to_pylist() == [
        r["text"] for r in dedupe.dedupe_records(rows, policy="boilerplate")
    ]
    assert run(["-q", "--jsonl", "--in-place", untouched]) == 0
    assert untouched.stat().st_mtime_ns == stamp


def test_a_null_text_is_a_bad_row(tmp_path: Path, capsys: Any) -> None:
    rows = site_rows()
    rows[3]["text"] = None
    source = write_parquet(tmp_path / "in.parquet", rows)
    out = tmp_path / "out.parquet"
    assert run(["--scope", "corpus", source, "-o", out]) == 2
    one_error(capsys.readouterr().err, f"{source}:4: column 'text' is null")
    assert not out.exists()
    assert run(["-q", "--scope", "corpus", "--skip-bad-lines", source, "-o", out]) == 0
    assert pq.read_table(out).column("id").to_pylist() == [r["id"] for n, r in enumerate(rows) if n != 3]


@pytest.mark.parametrize(
    ("table", "argv", "fragment"),
    [
        ({"id": ["a"], "text": [5]}, [], "column 'text' is int64, not a string"),
        ({"id": ["a"], "body": ["x"]}, [], "no column 'text' (columns: id, body)"),
        (
            {"id": ["a"], "text": ["x"]},
            ["--scope", "corpus", "--site-field", "domain"],
            "--site-field domain: no record",
        ),
    ],
)
def test_unusable_tables_are_refused_in_one_line(
    tmp_path: Path, capsys: Any, table: dict[str, list[Any]], argv: list[str], fragment: str
) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table(table), source)
    out = tmp_path / "out.parquet"
    out.write_bytes(b"before")
    assert run([*argv, source, "-o", out]) == 2
    one_error(capsys.readouterr().err, fragment)
    assert out.read_bytes() == b"before"


def test_a_file_that_is_not_parquet_and_mixed_inputs(tmp_path: Path, capsys: Any) -> None:
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PAR1 not really")
    assert run(["--jsonl", fake]) == 2
    one_error(capsys.readouterr().err, f"{fake}: not a Parquet file")
    rows = site_rows()
    source, lines = write_parquet(tmp_path / "in.parquet", rows), write_rows(tmp_path / "in.jsonl", rows)
    assert run(["--jsonl", source, lines]) == 2
    one_error(capsys.readouterr().err, "Parquet and other inputs cannot be mixed", usage=True)
    assert run(["--compress", "gzip", source]) == 2
    one_error(capsys.readouterr().err, "--compress gzip is for JSON Lines", usage=True)


def test_without_pyarrow_the_error_names_the_extra(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_parquet(tmp_path / "in.parquet", site_rows())
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    assert run(["--jsonl", source]) == 2
    one_error(capsys.readouterr().err, "Parquet needs pyarrow: pip install 'news-dedupe[arrow]'")


# --------------------------------------------------------------------------- logging


def test_verbose_logs_one_decision_per_record_and_the_library_is_quiet_at_info(
    tmp_path: Path, capsys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    rows = site_rows()
    lines = write_rows(tmp_path / "in.jsonl", rows)
    assert run(["--jsonl", "--scope", "corpus", "--site-field", "url", "-o", tmp_path / "out.jsonl", lines]) == 0
    assert capsys.readouterr().err.count("\n") == 1  # the summary only
    with caplog.at_level(logging.INFO, logger="dedupe"):
        assert (
            run(["-v", "--jsonl", "--scope", "corpus", "--site-field", "url", "-o", tmp_path / "o.jsonl", lines]) == 0
        )
    decisions = [r.getMessage() for r in caplog.records if "paragraphs removed" in r.getMessage()]
    assert len(decisions) == len(rows)
    assert decisions[1].startswith(f"{lines}:2 (id {rows[1]['id']!r}): 2 of ")
    assert "copies of " + repr(rows[0]["id"]) in decisions[1]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dedupe"):
        list(dedupe.dedupe_records(rows, policy="seen", site_field="url"))
    assert caplog.records == []
    with caplog.at_level(logging.DEBUG, logger="dedupe"):
        list(dedupe.dedupe_records(rows, policy="seen", site_field="url"))
    assert len([r for r in caplog.records if "paragraphs removed" in r.getMessage()]) == len(rows)


# --------------------------------------------------------------------------- converting


def test_json_lines_to_parquet_and_back(tmp_path: Path, capsysbinary: Any) -> None:
    rows = site_rows()
    lines = write_rows(tmp_path / "in.jsonl", rows)
    argv = ["-q", "--boilerplate", 2, "--site-field", "url"]
    assert run([*argv, "--jsonl", lines]) == 0
    expected = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert run([*argv, "--jsonl", lines, "-o", tmp_path / "out.parquet"]) == 0
    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == expected
    source = write_parquet(tmp_path / "in.parquet", rows)
    assert run([*argv, source, "-o", tmp_path / "out.jsonl.gz"]) == 0
    import gzip

    with gzip.open(tmp_path / "out.jsonl.gz") as f:
        assert [json.loads(line) for line in f] == expected


def test_parquet_to_json_lines_writes_dates_as_iso_8601(tmp_path: Path, capsysbinary: Any) -> None:
    import datetime

    when = datetime.datetime(2026, 12, 4, 18, 30, tzinfo=datetime.UTC)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a"], "text": ["One."], "seen": [when], "day": [when.date()]}), source)
    assert run(["-q", source, "-o", tmp_path / "out.jsonl"]) == 0
    assert json.loads((tmp_path / "out.jsonl").read_text()) == {
        "id": "a",
        "text": "One.",
        "seen": "2026-12-04T18:30:00+00:00",
        "day": "2026-12-04",
    }


def test_records_that_do_not_fit_the_first_ones_columns_are_refused(tmp_path: Path, capsys: Any) -> None:
    lines = write_jsonl(
        tmp_path / "in.jsonl", [b'{"id": "a", "text": "x", "n": 1}\n', b'{"id": "b", "text": "y", "n": "two"}\n']
    )
    out = tmp_path / "out.parquet"
    out.write_bytes(b"before")
    assert run(["--jsonl", lines, "-o", out]) == 2
    one_error(capsys.readouterr().err, f"{lines}: records do not fit the Parquet columns taken from the first records")
    assert out.read_bytes() == b"before"
    text = tmp_path / "a.txt"
    text.write_text("One line.\n")
    assert run([text, "-o", tmp_path / "a.parquet"]) == 2
    one_error(capsys.readouterr().err, "a Parquet output holds records: read them with --jsonl", usage=True)


def test_the_schema_metadata_of_the_input_is_kept(tmp_path: Path) -> None:
    rows = site_rows()
    table = pa.Table.from_pylist(rows).replace_schema_metadata({b"source": b"crawl 2026-12-04"})
    source = tmp_path / "in.parquet"
    pq.write_table(table, source, row_group_size=5)
    out = tmp_path / "out.parquet"
    assert run(["-q", "--boilerplate", 2, source, "-o", out]) == 0
    written = pq.read_table(out)
    assert written.schema.equals(pq.read_table(source).schema, check_metadata=True)
    assert written.schema.metadata[b"source"] == b"crawl 2026-12-04"
