"""``--report``, ``--drop-empty``, ``--min-kept``, ``--flag`` and ``--annotate`` of ``dedupe-file --jsonl``.

The report must count exactly what the run removes: each test that checks figures
compares them with ``--explain`` of the same input, never with numbers written here.
"""

from __future__ import annotations

import collections
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

import dedupe
from tests.test_jsonl import one_error, pages, paragraph, run, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
FOOTER = "Subscribe to our newsletter for the best stories of the week, delivered every Friday morning."


def real_pages() -> Path:
    """The 181 real pages of the article-extraction benchmark (``DEDUPE_PAGES`` or beside the project)."""
    for candidate in (
        os.environ.get("DEDUPE_PAGES"),
        ROOT.parent / "shared" / "data" / "article-extraction-benchmark" / "pages.jsonl",
        Path("/work/shared/data/article-extraction-benchmark/pages.jsonl"),
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    pytest.skip("the real pages are not on this machine (set DEDUPE_PAGES)")


def site_file(tmp_path: Path) -> Path:
    rows = [{k: v for k, v in p.items() if k != "body"} for p in pages(per_site=3, seed=4)]
    rows[1]["text"] += "\n" + rows[1]["text"].split("\n")[1]  # a repeat within the record
    return write_jsonl(tmp_path / "pages.jsonl", [(json.dumps(r) + "\n").encode() for r in rows])


def explained_counts(capsysbinary: Any, *argv: object) -> collections.Counter[str]:
    assert run(["-q", "--explain", *argv]) == 0
    return collections.Counter(json.loads(line)["id"] for line in capsysbinary.readouterr().out.splitlines())


# --------------------------------------------------------------------------- --report


@pytest.mark.parametrize("policy", [["--boilerplate", 2], ["--scope", "corpus"], []])
def test_report_counts_what_explain_lists(tmp_path: Path, capsysbinary: Any, policy: list[object]) -> None:
    path = site_file(tmp_path)
    argv = ["--jsonl", *policy, "--site-field", "url"] if policy else ["--jsonl"]
    expected = explained_counts(capsysbinary, *argv, path)
    report = tmp_path / "r.json"
    assert run(["-q", *argv, "--report", report, "-o", tmp_path / "out.jsonl", path]) == 0
    data = json.loads(report.read_text())
    assert {r["id"]: r["removed"] for r in data["records"] if r["removed"]} == dict(expected)
    assert data["total"]["removed"] == sum(expected.values()) > 0
    assert sum(s["removed"] for s in data["sites"].values()) == data["total"]["removed"]
    cleaned = [json.loads(line)["text"] for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    original = [json.loads(line)["text"] for line in path.read_text().splitlines()]
    assert data["total"]["chars_removed"] == sum(map(len, original)) - sum(map(len, cleaned))
    assert data["look"] is False


def test_report_names_the_footer_of_each_site_and_reads_as_markdown_and_html(tmp_path: Path, capsysbinary: Any) -> None:
    path = site_file(tmp_path)
    md, page, js = tmp_path / "r.md", tmp_path / "r.html", tmp_path / "r.json"
    argv = ["--jsonl", "--boilerplate", 2, "--site-field", "url", "--check"]
    assert run(["-q", *argv, "--report", md, "--report", page, "--report", js, path]) == 1  # --check: would remove
    data = json.loads(js.read_text())
    assert data["look"] is True
    for site, numbers in data["sites"].items():
        top = numbers["top_removed"][0]
        assert top["times"] == 3  # the menu or the footer, on each of the site's three pages
        assert top["text"].replace("|", "\\|") in md.read_text()  # a pipe would end the cell
        assert site in md.read_text() and site in page.read_text()
    text = md.read_text()
    assert text.startswith("# dedupe report\n") and "would be removed" in text
    assert "| site | records |" in text and "## Lines removed most often, per site" in text
    assert page.read_text().startswith("<!DOCTYPE html>") and "<table>" in page.read_text()


def test_report_escapes_what_a_line_holds(tmp_path: Path) -> None:
    line = "<b>Share</b> | this story with your friends | on every social network you can think of today"
    rows = [{"id": str(n), "text": f"{paragraph(random.Random(n))}\n{line}"} for n in range(2)]
    path = write_jsonl(tmp_path / "p.jsonl", [(json.dumps(r) + "\n").encode() for r in rows])
    reports = ["--report", tmp_path / "r.md", "--report", tmp_path / "r.html"]
    assert run(["-q", "--jsonl", "--boilerplate", 2, *reports, path]) == 0
    assert "&lt;b&gt;Share&lt;/b&gt;" in (tmp_path / "r.html").read_text()
    assert "<b>Share</b> \\| this story" in (tmp_path / "r.md").read_text()


def test_a_report_that_cannot_be_written_is_refused_before_any_output(tmp_path: Path, capsysbinary: Any) -> None:
    path = site_file(tmp_path)
    assert run(["--jsonl", "--report", tmp_path / "no" / "r.md", path]) == 2
    got = capsysbinary.readouterr()
    assert got.out == b""  # standard output cannot be taken back: nothing went there
    one_error(got.err.decode(), f"--report {tmp_path / 'no' / 'r.md'}: no directory")


def test_a_failed_run_writes_no_report(tmp_path: Path, capsys: Any) -> None:
    path = site_file(tmp_path)
    with path.open("ab") as f:
        f.write(b"not json\n")
    report = tmp_path / "r.json"
    report.write_text("before\n")
    assert run(["--jsonl", "--boilerplate", 2, "--report", report, path]) == 2
    one_error(capsys.readouterr().err, f"{path}:10: not valid JSON")
    assert report.read_text() == "before\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dedupe-")]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--jsonl", "--report", "r.txt"], "--report r.txt: a report is a .json, .md or .html file"),
        (["--report", "r.md"], "--report is for a corpus run"),
        (["--jsonl", "--report", "out.json", "-o", "out.json"], "--report out.json is also the output (-o)"),
        (["--jsonl", "--report", "r.md", "--report", "r.md"], "--report r.md is also another --report"),
        (["--jsonl", "--min-kept", "0"], "--min-kept 0.0: F is a share of the paragraphs"),
        (["--jsonl", "--min-kept", "1.5"], "--min-kept 1.5"),
        (["--jsonl", "--flag"], "--flag marks what --drop-empty or --min-kept would leave out"),
        (["--jsonl", "--annotate", "text"], "--annotate text is the field that is cleaned"),
        (["--drop-empty"], "--drop-empty needs --jsonl"),
        (["--annotate", "x"], "--annotate needs --jsonl"),
    ],
)
def test_usage_errors(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, argv: list[str], fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = site_file(tmp_path)
    assert run([*argv, path]) == 2
    one_error(capsys.readouterr().err, fragment, usage=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.jsonl"]


def test_report_and_output_agree_on_the_real_pages(tmp_path: Path, capsysbinary: Any) -> None:
    path = real_pages()
    for policy in (["--boilerplate", 2], ["--scope", "corpus"]):
        argv = ["--jsonl", *policy, "--site-field", "url"]
        expected = explained_counts(capsysbinary, *argv, path)
        report, out = tmp_path / "r.json", tmp_path / "out.jsonl"
        assert run(["-q", *argv, "--report", report, "--report", tmp_path / "r.md", "-o", out, path]) == 0
        data = json.loads(report.read_text())
        assert data["total"]["documents"] == 181
        assert {r["id"]: r["removed"] for r in data["records"] if r["removed"]} == dict(expected)
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        api = dedupe.dedupe_records(rows, policy=policy[0].lstrip("-").replace("scope", "seen"), site_field="url")
        assert [r["text"] for r in api] == [json.loads(line)["text"] for line in out.read_text().splitlines()]


# --------------------------------------------------------------------------- records as a whole


def emptied_file(tmp_path: Path) -> tuple[list[dict[str, Any]], Path]:
    body = [paragraph(random.Random(n)) for n in range(4)]
    rows = [
        {"id": "a", "text": "\n".join(body)},
        {"id": "b", "text": body[0]},
        {"id": "c", "text": "\n".join([*body[:3], paragraph(random.Random(9))])},
        {"id": "d", "text": "", "n": 1.50},
    ]
    return rows, write_jsonl(tmp_path / "p.jsonl", [(json.dumps(r) + "\n").encode() for r in rows])


def test_drop_empty_and_min_kept_leave_records_out_and_say_so(tmp_path: Path, capsysbinary: Any) -> None:
    _, path = emptied_file(tmp_path)
    assert run(["--jsonl", "--scope", "corpus", "--drop-empty", path]) == 0
    got = capsysbinary.readouterr()
    assert [json.loads(line)["id"] for line in got.out.splitlines()] == ["a", "c"]
    assert "2 records dropped (2 empty)" in got.err.decode()
    assert run(["--jsonl", "--scope", "corpus", "--drop-empty", "--min-kept", 0.3, path]) == 0
    got = capsysbinary.readouterr()
    assert [json.loads(line)["id"] for line in got.out.splitlines()] == ["a"]
    assert "3 records dropped (2 empty, 1 below --min-kept 0.3)" in got.err.decode()
    assert run(["--jsonl", "--scope", "corpus", "--drop-empty", "--flag", path]) == 0
    got = capsysbinary.readouterr()
    assert [json.loads(line)["dedupe"]["flagged"] for line in got.out.splitlines()] == [None, "empty", None, "empty"]
    assert "2 records flagged (2 empty)" in got.err.decode()


def test_check_fails_on_a_record_that_would_only_be_dropped(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [b'{"id": "a", "text": "One line."}\n', b'{"id": "b", "text": ""}\n'])
    assert run(["-q", "--jsonl", "--check", path]) == 0
    assert run(["-q", "--jsonl", "--check", "--drop-empty", path]) == 1


def test_in_place_rewrites_a_file_that_only_loses_a_record(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [b'{"id": "a", "text": "One line."}\n', b'{"id": "b", "text": ""}\n'])
    assert run(["-q", "--jsonl", "--in-place", "--drop-empty", path]) == 0
    assert path.read_bytes() == b'{"id": "a", "text": "One line."}\n'


def test_annotate_adds_one_field_and_keeps_every_other_byte(tmp_path: Path, capsysbinary: Any) -> None:
    lines = [
        b'{"id":"a",  "text" : "One line.\\nAnother line.\\u00e9" ,"n": 1.50 }\r\n',
        b'{"id": "b", "text": "Nothing to remove.", "dd": {"old": true}, "z": [ 1 ]}\n',
    ]
    path = write_jsonl(tmp_path / "p.jsonl", lines)
    assert run(["-q", "--jsonl", "--annotate", "dd", "--min-chars", 0, path]) == 0
    out = capsysbinary.readouterr().out.splitlines(keepends=True)
    first, second = (json.loads(line) for line in out)
    assert out[0].startswith(b'{"id":"a",  "text" : "One line.\\nAnother line.\\u00e9" ,"n": 1.50 , "dd": {')
    assert out[0].endswith(b"}}\r\n")
    assert first["dd"]["removed"] == 0 and first["text"] == "One line.\nAnother line.é"
    assert out[1].startswith(b'{"id": "b", "text": "Nothing to remove.", "dd": {"paragraphs": 1,')
    assert out[1].endswith(b', "z": [ 1 ]}\n') and second["dd"]["flagged"] is None
    # Cleaning the annotated output again replaces the field: one "dd" per record.
    again = write_jsonl(tmp_path / "again.jsonl", out)
    assert run(["-q", "--jsonl", "--annotate", "dd", again]) == 0
    assert [line.count(b'"dd"') for line in capsysbinary.readouterr().out.splitlines()] == [1, 1]


def test_annotate_names_the_documents_copied(tmp_path: Path, capsysbinary: Any) -> None:
    rows, path = emptied_file(tmp_path)
    assert run(["-q", "--jsonl", "--scope", "corpus", "--annotate", "dd", path]) == 0
    notes = [json.loads(line)["dd"] for line in capsysbinary.readouterr().out.splitlines()]
    assert [n["copied_from"] for n in notes] == [[], ["a"], ["a"], []]
    assert [n["removed"] for n in notes] == [0, 1, 3, 0]
    assert notes == [
        r["dd"] for r in dedupe.dedupe_records(rows, policy="seen", annotate="dd")
    ]  # the API's annotation, to the key


def test_a_report_of_many_records_keeps_those_that_lost_the_most(monkeypatch: pytest.MonkeyPatch) -> None:
    import dedupe.report

    monkeypatch.setattr(dedupe.report, "_MAX_RECORDS", 20)
    monkeypatch.setattr(dedupe.report, "_WORST_RECORDS", 5)
    rng = random.Random(2)
    rows = []
    for n in range(60):
        repeated = paragraph(rng)
        rows.append({"id": str(n), "text": "\n".join([paragraph(rng), *[repeated] * (1 + n % 7)])})
    report = dedupe.Report()
    cleaned = list(dedupe.dedupe_records_and_explain(rows, report=report))
    brute = sorted(((c.outcome.chars_removed, -n, c.outcome.doc_id) for n, c in enumerate(cleaned)), reverse=True)[:5]
    assert report.complete is False and report.as_dict()["records_complete"] is False
    assert [r["id"] for r in report.records] == [doc_id for _, _, doc_id in brute]
    assert report.total.documents == 60  # the totals still count every record
    assert report.total.chars_removed == sum(c.outcome.chars_removed for c in cleaned)
