"""Tests of corpus mode of ``dedupe-file``: JSON Lines records, --scope corpus, --boilerplate, --index.

Real files in ``tmp_path``; the installed ``dedupe-file`` in a subprocess where the process
matters (exit status, stderr, a terminal), ``main([...])`` in-process elsewhere.
"""

from __future__ import annotations

import io
import json
import os
import pty
import random
import shutil
import socket
import subprocess
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dedupe.corpus
from dedupe.cli import main
from dedupe.errors import CorpusIndexError
from dedupe.store import MemoryStore

PROG = "dedupe-file"
SYLLABLES = ("ka", "lo", "mi", "ren", "tas", "vo", "pel", "dru", "shi", "nom", "bar", "qui", "zet", "fo", "gla", "tem")

SITES = {
    "a.example.com": ["Home | World | Business | Sport | Opinion", "© 2026 Alpha News Ltd. All rights reserved."],
    "b.example.org": ["Menu: Politics, Economy, Science, Culture", "Subscribe to the Beta Tribune newsletter."],
    "c.example.net": ["Skip to main content", "Gamma Daily, 1 Harbour Road — letters@gamma.example.net"],
}


# --------------------------------------------------------------------------- helpers


def run(argv: Sequence[object]) -> int:
    """Run ``main`` in-process and return its exit status, also when argparse exits."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1


def script() -> str:
    found = shutil.which(PROG) or str(Path(sys.executable).parent / PROG)
    if not os.path.exists(found):
        pytest.skip(f"{PROG} is not installed next to {sys.executable}")
    return found


def run_script(*argv: object, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([script(), *map(str, argv)], input=stdin, capture_output=True, timeout=120, check=False)


def one_error(err: bytes | str, *fragments: str, usage: bool = False) -> str:
    """Assert stderr is one ``dedupe-file: error:`` line (after argparse's usage, for usage errors)."""
    text = err.decode("utf-8", "backslashreplace") if isinstance(err, bytes) else err
    assert "Traceback" not in text, text
    lines = text.splitlines()
    errors = [line for line in lines if line.startswith(f"{PROG}: error:")]
    assert len(errors) == 1, text
    if usage:
        assert lines[0].startswith(f"usage: {PROG}") and lines[-1] == errors[0], text
    else:
        assert lines == errors, text
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


def paragraph(rng: random.Random) -> str:
    """A long paragraph of made-up words: two of them never verify as copies of each other."""
    words = ("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(16, 28)))
    return " ".join(words).capitalize() + "."


def pages(per_site: int = 4, seed: int = 1) -> list[dict[str, Any]]:
    """Pages of three sites: the site's menu line, an article body, the site's footer line."""
    rng = random.Random(seed)
    out = []
    for site, (menu, footer) in SITES.items():
        for k in range(per_site):
            body = [paragraph(rng) for _ in range(rng.randint(2, 4))]
            out.append(
                {
                    "id": f"{site}/{k}",
                    "url": f"https://www.{site.upper()}/news/{k}?ref=home",
                    "body": body,
                    "text": "\n".join([menu, *body, footer]),
                }
            )
    return out


def record_line(page: dict[str, Any], n: int) -> bytes:
    """A JSON line with odd but valid formatting around the text field, which the output must keep."""
    text = json.dumps(page["text"], ensure_ascii=n % 2 == 0)  # escaped on even lines, raw UTF-8 on odd ones
    return (
        f'{{"id":{json.dumps(page["id"])},  "n" : {n}.50, "big": 1E+3,\t"url": "{page["url"]}",'
        f' "text" : {text} ,"tags":["x" , "caf\\u00e9", {{}}], "ok":true }}\n'
    ).encode()


def spliced(line: bytes, new_text: str) -> bytes:
    """``line`` with the value of its top-level "text" member replaced, the way the tool must do it."""
    decoded = line.decode("utf-8")
    start = decoded.index('"text" : ') + len('"text" : ')
    _, end = json.JSONDecoder().raw_decode(decoded, start)
    return (decoded[:start] + json.dumps(new_text, ensure_ascii=False) + decoded[end:]).encode("utf-8")


def write_jsonl(path: Path, lines: Sequence[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def texts(out: bytes) -> list[str]:
    return [json.loads(line)["text"] for line in out.splitlines() if line.strip()]


def by_id(out: bytes) -> dict[str, bytes]:
    return {json.loads(line)["id"]: line for line in out.splitlines(keepends=True) if line.strip()}


def fake_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(data)))


@pytest.fixture
def site_pages(tmp_path: Path) -> tuple[list[dict[str, Any]], list[bytes], Path]:
    items = pages()
    lines = [record_line(p, n) for n, p in enumerate(items)]
    return items, lines, write_jsonl(tmp_path / "pages.jsonl", lines)


# --------------------------------------------------------------------------- --boilerplate


def test_boilerplate_drops_site_lines_and_keeps_bodies(
    site_pages: tuple[list[dict[str, Any]], list[bytes], Path],
) -> None:
    items, lines, path = site_pages
    proc = run_script("--jsonl", "--boilerplate", 2, "--site-field", "url", path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines(keepends=True)
    assert len(out) == len(items)
    for page, line, got in zip(items, lines, out, strict=True):
        assert got == spliced(line, "\n".join(page["body"]))  # every other byte of the line as it was
    summary = proc.stderr.decode()
    assert summary.count("\n") == 1 and "Traceback" not in summary
    assert f"{len(items)} records: {2 * len(items)} of " in summary
    assert f"{2 * len(items)} boilerplate" in summary and "index: " in summary


def test_identical_line_of_another_site_is_kept_when_scoped(tmp_path: Path, capsysbinary: Any) -> None:
    shared = "Share this article on social media with your friends and family."
    rng = random.Random(3)
    rows = [
        {"id": "a1", "url": "https://a.example.com/1", "text": f"{paragraph(rng)}\n{shared}"},
        {"id": "a2", "url": "https://a.example.com/2", "text": f"{paragraph(rng)}\n{shared}"},
        {"id": "b1", "url": "http://www.B.example.com:8080/x", "text": f"{paragraph(rng)}\n{shared}"},
    ]
    path = write_jsonl(tmp_path / "p.jsonl", [(json.dumps(r) + "\n").encode() for r in rows])
    assert run(["-q", "--jsonl", "--boilerplate", 2, "--site-field", "url", path]) == 0
    scoped = texts(capsysbinary.readouterr().out)
    assert [shared in t for t in scoped] == [False, False, True]
    assert run(["-q", "--jsonl", "--boilerplate", 2, path]) == 0  # one scope for all: 3 documents
    assert [shared in t for t in texts(capsysbinary.readouterr().out)] == [False, False, False]
    assert run(["-q", "--jsonl", "--scope", "corpus", "--min-chars", 0, "--site-field", "url", path]) == 0
    assert [shared in t for t in texts(capsysbinary.readouterr().out)] == [True, False, True]


def test_boilerplate_independent_of_order_and_of_files(
    tmp_path: Path, site_pages: tuple[list[dict[str, Any]], list[bytes], Path], capsysbinary: Any
) -> None:
    _, lines, path = site_pages
    argv = ["-q", "--jsonl", "--boilerplate", 2, "--site-field", "url"]
    assert run([*argv, path]) == 0
    reference = capsysbinary.readouterr().out
    assert sorted(reference.splitlines()) != sorted(lines)  # something was removed
    shuffled = list(lines)
    random.Random(9).shuffle(shuffled)
    assert shuffled != lines
    assert run([*argv, write_jsonl(tmp_path / "shuffled.jsonl", shuffled)]) == 0
    assert sorted(capsysbinary.readouterr().out.splitlines()) == sorted(reference.splitlines())
    first = write_jsonl(tmp_path / "first.jsonl", shuffled[:5])
    second = write_jsonl(tmp_path / "second.jsonl", shuffled[5:])
    assert run([*argv, first, second]) == 0
    assert sorted(capsysbinary.readouterr().out.splitlines()) == sorted(reference.splitlines())


def test_boilerplate_from_stdin_is_read_twice(
    site_pages: tuple[list[dict[str, Any]], list[bytes], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: Any,
) -> None:
    _, lines, path = site_pages
    argv = ["-q", "--jsonl", "--boilerplate", 2, "--site-field", "url"]
    assert run([*argv, path]) == 0
    from_file = capsysbinary.readouterr().out
    fake_stdin(monkeypatch, b"".join(lines))
    assert run(argv) == 0
    assert capsysbinary.readouterr().out == from_file


def test_pass_count_then_clean_equals_pass_all(
    tmp_path: Path, site_pages: tuple[list[dict[str, Any]], list[bytes], Path], capsysbinary: Any
) -> None:
    _, lines, path = site_pages
    argv = ["--jsonl", "--boilerplate", 2, "--site-field", "url"]
    assert run(["-q", *argv, path]) == 0
    everything = capsysbinary.readouterr().out
    one = write_jsonl(tmp_path / "one.jsonl", lines[::2])
    two = write_jsonl(tmp_path / "two.jsonl", lines[1::2])
    index = tmp_path / "counts.npz"
    for share in (one, two):  # two workers, one index file in turn
        assert run([*argv, "--index", index, "--pass", "count", share]) == 0
        out, err = capsysbinary.readouterr()
        assert out == b"" and "counted 6 records" in err.decode()
    assert index.exists()
    cleaned = b""
    for share in (one, two):
        assert run(["-q", *argv, "--index", index, "--pass", "clean", share]) == 0
        cleaned += capsysbinary.readouterr().out
    assert sorted(cleaned.splitlines()) == sorted(everything.splitlines())


def test_pass_clean_of_an_uncounted_document_fails(
    tmp_path: Path, site_pages: tuple[list[dict[str, Any]], list[bytes], Path], capsysbinary: Any
) -> None:
    _, lines, path = site_pages
    index = tmp_path / "counts.npz"
    argv = ["--jsonl", "--boilerplate", 2, "--index", index]
    assert run(["-q", *argv, "--pass", "count", write_jsonl(tmp_path / "part.jsonl", lines[:3])]) == 0
    out_path = tmp_path / "out.jsonl"
    assert run([*argv, "--pass", "clean", "-o", out_path, path]) == 2
    one_error(capsysbinary.readouterr().err, f"{path}:4", "not counted")
    assert not out_path.exists()


# --------------------------------------------------------------------------- --scope corpus


def test_scope_corpus_removes_repeats_from_later_records_only(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(4)
    p, a, b, c = (paragraph(rng) for _ in range(4))
    rows = [{"id": "r1", "text": f"{p}\n{a}"}, {"id": "r2", "text": f"{b}\n{p}"}, {"id": "r3", "text": f"{p}\n{c}"}]
    lines = [(json.dumps(r) + "\n").encode() for r in rows]
    path = write_jsonl(tmp_path / "r.jsonl", lines)
    assert run(["--jsonl", "--scope", "corpus", path]) == 0
    out, err = capsysbinary.readouterr()
    got = out.splitlines(keepends=True)
    assert got[0] == lines[0]
    assert texts(out) == [f"{p}\n{a}", b, c]
    assert "3 records: 2 of 6 paragraphs removed (2 seen before, 0 within records" in err.decode()
    assert run(["-q", "--jsonl", "--scope", "corpus", "--explain", path]) == 0
    rows_out = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [(r["id"], r["line"], r["index"], r["kept_doc"], r["kept_index"]) for r in rows_out] == [
        ("r2", 2, 1, "r1", 0),
        ("r3", 3, 0, "r1", 0),
    ]
    second = rows_out[0]
    assert second["text"] == p and second["kind"] == "exact" and second["score"] == 1.0
    assert second["span"] == [len(b) + 1, len(b) + 1 + len(p)] and second["kept_span"] == [0, len(p)]
    assert second["file"] == str(path) and "seen before" in second["block"]["reason"]
    assert set(second) == {
        "file", "line", "id", "index", "span", "kept_doc", "kept_index", "kept_line", "kept_span", "score", "kind",
        "block", "text"
    }  # fmt: skip
    assert second["kept_line"] is None and second["block"]["kept_lines"] == [None, None]
    assert second["block"]["lines"] == [2, 2]  # the second line of the record's text
    # The keys of text mode, and the record's id.
    text_mode = tmp_path / "r2.txt"
    text_mode.write_text(f"{p}\n{a}\n{p}\n", encoding="utf-8")
    assert run(["-q", "--scope", "corpus", "--explain", text_mode]) == 0
    (row,) = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert set(second) == {*row, "id"} and set(second["block"]) == set(row["block"])


def test_scope_document_is_each_record_on_its_own(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(6)
    p, a = paragraph(rng), paragraph(rng)
    lines = [(json.dumps({"text": f"{p}\n{a}\n{p}"}) + "\n").encode(), (json.dumps({"text": p}) + "\n").encode()]
    path = write_jsonl(tmp_path / "d.jsonl", lines)
    assert run(["--jsonl", path]) == 0
    out, err = capsysbinary.readouterr()
    assert texts(out) == [f"{p}\n{a}", p]
    assert out.splitlines(keepends=True)[1] == lines[1]
    assert "2 records: 1 of 4 paragraphs removed (1 exact, 0 near)" in err.decode()


def test_text_files_with_scope_corpus(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(8)
    p, q, a, b = (paragraph(rng) for _ in range(4))
    first = tmp_path / "a.txt"
    first.write_bytes(f"{p}\r\n{a}\r\n{q}\r\n".encode())
    second = tmp_path / "b.txt"
    second.write_bytes(f"{q}\n{b}\n{p}".encode())
    assert run(["--scope", "corpus", first, second]) == 0
    out, err = capsysbinary.readouterr()
    assert out == first.read_bytes() + b.encode()  # the last paragraph left takes no line break with it
    assert "2 files: 2 of 6 paragraphs removed (2 seen before" in err.decode()
    assert run(["-q", "--scope", "corpus", "--explain", first, second]) == 0
    rows = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [(r["file"], r["line"], r["kept_doc"], r["kept_line"]) for r in rows] == [
        (str(second), 1, str(first), None),
        (str(second), 3, str(first), None),
    ]
    assert run(["-q", "--scope", "corpus", "--diff", first, second]) == 0
    diff = capsysbinary.readouterr().out.decode()
    assert diff.startswith(f"--- {second}\n") and f"-{q}\n" in diff and f"-{p}\n" in diff
    assert run(["-q", "--scope", "corpus", "--in-place", first, second]) == 0
    assert first.read_bytes() == f"{p}\r\n{a}\r\n{q}\r\n".encode()
    assert second.read_bytes() == b.encode()


# --------------------------------------------------------------------------- the line is kept byte for byte


def test_other_fields_and_formats_preserved(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(2)
    p, a = paragraph(rng), f"서울 café — {paragraph(rng)}\u2028{paragraph(rng)}"
    text = json.dumps(f"{p}\n{a}\n{p}")  # escaped as ASCII in the input
    line = (
        f'  {{ "z" : 1.50e+01 ,"text":"stale value", "title":"caf\\u00e9 \\/ d\\u00e9j\\u00e0" ,'
        f'"text" :\t{text}  , "n":[1 , 2.0,{{"text":"nested"}}], "s": "\\ud83d\\ude00" }}  \r\n'
    ).encode()
    path = write_jsonl(tmp_path / "f.jsonl", [line])
    assert run(["-q", "--jsonl", path]) == 0
    out = capsysbinary.readouterr().out
    start = line.index(b"\t") + 1
    end = start + len(text)
    # The new value: UTF-8 as it is, but a line separator escaped (str.splitlines would break the line there).
    value = json.dumps(f"{p}\n{a}", ensure_ascii=False).replace("\u2028", "\\u2028").encode()
    assert "서울 café —".encode() in value and b"\\u2028" in value
    assert out == line[:start] + value + line[end:]
    assert b'"text":"stale value"' in out and b'{"text":"nested"}' in out
    assert len(out.decode().splitlines()) == 1


def test_unchanged_lines_are_byte_identical(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(5)
    p = paragraph(rng)
    lines = [
        b'{"text": "Caf\\u00e9 \\/ r\\u00e9sum\\u00e9\\nsecond line", "id": 7}\n',
        b"\n",
        b"   \t\r\n",
        b'{"id":"x","text":"' + paragraph(rng).encode() + b'"}\r\n',
        b'{"text":"' + f"{p}\\n{p}".encode() + b'", "after": 1.0}\n',  # the one line that changes
        b'{"text":"\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \\u2028 text"}',  # no line break at the end
    ]
    expected = [*lines[:4], b'{"text":"' + p.encode() + b'", "after": 1.0}\n', lines[5]]
    path = write_jsonl(tmp_path / "same.jsonl", lines)
    for argv in (["--jsonl"], ["--jsonl", "--scope", "corpus"], ["--jsonl", "--boilerplate", 2]):
        assert run(["-q", *argv, path]) == 0
        assert capsysbinary.readouterr().out == b"".join(expected)
    assert run(["--jsonl", path]) == 0
    assert "4 records: 1 of 6 paragraphs removed" in capsysbinary.readouterr().err.decode()


def test_field_option(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(7)
    p, a = paragraph(rng), paragraph(rng)
    rows = [{"text": f"{p}\n{p}", "body": f"{a}\n{p}\n{a}"}, {"body": p}]
    path = write_jsonl(tmp_path / "b.jsonl", [(json.dumps(r) + "\n").encode() for r in rows])
    assert run(["-q", "--jsonl", "--field", "body", path]) == 0
    got = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert got == [{"text": f"{p}\n{p}", "body": f"{a}\n{p}"}, {"body": p}]
    assert run(["-q", "--jsonl", path]) == 2  # line 2 has no "text"
    one_error(capsysbinary.readouterr().err, f"{path}:2", "no field 'text'")


def test_id_field_option(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(11)
    p, a, b, c = (paragraph(rng) for _ in range(4))
    lines = [
        (json.dumps({"id": "wrong", "doc": 1.50, "text": f"{p}\n{a}"}) + "\n").encode().replace(b"1.5", b"1.50"),
        (json.dumps({"doc": True, "text": f"{b}\n{p}"}) + "\n").encode(),
        (json.dumps({"doc": "third", "text": f"{p}\n{c}"}) + "\n").encode(),
    ]
    path = write_jsonl(tmp_path / "ids.jsonl", lines)
    assert run(["-q", "--jsonl", "--scope", "corpus", "--explain", "--id-field", "doc", path]) == 0
    rows = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [(r["id"], r["kept_doc"]) for r in rows] == [(f"{path}:2", "1.50"), ("third", "1.50")]
    assert run(["-q", "--jsonl", "--scope", "corpus", "--explain", path]) == 0
    rows = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert [(r["id"], r["kept_doc"]) for r in rows] == [(f"{path}:2", "wrong"), (f"{path}:3", "wrong")]


# --------------------------------------------------------------------------- malformed lines


BAD_LINES = {
    "bad-json": (b'{"text": "unfinished\n', "not valid JSON"),
    "array": (b'["text", "an array"]\n', "array, not an object"),
    "missing-field": (b'{"title": "no text here"}\n', "no field 'text'"),
    "number-field": (b'{"text": 42}\n', "'text' is a number, not a string"),
    "null-field": (b'{"text": null}\n', "'text' is null, not a string"),
    "invalid-utf8": (b'{"text": "caf\xe9"}\n', "not valid UTF-8 at byte 13"),
    "nul-byte": (b'{"text": "a"}\x00\n', "NUL byte"),
    "trailing-data": (b'{"text": "a"} {"text": "b"}\n', "not valid JSON"),
}


@pytest.mark.parametrize("kind", BAD_LINES)
def test_malformed_line_is_an_error(tmp_path: Path, capsysbinary: Any, kind: str) -> None:
    bad, reason = BAD_LINES[kind]
    path = write_jsonl(tmp_path / "bad.jsonl", [b'{"text": "fine"}\n', b"\n", bad, b'{"text": "after"}\n'])
    assert run(["--jsonl", "--scope", "corpus", path]) == 2
    one_error(capsysbinary.readouterr().err, f"{path}:3: ", reason)


def test_an_escaped_nul_in_the_text_is_text(tmp_path: Path) -> None:
    """JSON allows ``\\u0000`` in a string: the record is cleaned and written back like any other."""
    body = "A paragraph long enough to count as prose, which a scraper repeated, with a \x00 in it."
    records = [
        {"id": "a", "text": f"{body}\nNext.\n{body}\n"},
        {"id": "b", "text": "Nothing\x00repeated here.\n"},
    ]
    raw = [(json.dumps(r) + "\n").encode() for r in records]
    assert b"\\u0000" in raw[0]
    path = write_jsonl(tmp_path / "nul.jsonl", raw)
    for argv in (["--jsonl"], ["--jsonl", "--skip-bad-lines"], ["--jsonl", "--scope", "corpus"]):
        proc = run_script(*argv, "-q", path)
        assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
        out = proc.stdout.splitlines(keepends=True)
        assert json.loads(out[0]) == {"id": "a", "text": f"{body}\nNext.\n"}
        assert out[1] == raw[1]  # nothing removed: byte for byte


def test_malformed_line_in_the_installed_script(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [b'{"text": "fine"}\n', b'{"text": 1}\n'])
    proc = run_script("--jsonl", path)
    assert proc.returncode == 2
    one_error(proc.stderr, f"{path}:2: ", "not a string")
    proc = run_script("--jsonl", "--boilerplate", 2, "-", stdin=b'{"text": "ok"}\n[1]\n')
    assert proc.returncode == 2 and proc.stdout == b""
    one_error(proc.stderr, "<stdin>:2: ", "not an object")


def test_skip_bad_lines_counts_them(tmp_path: Path, capsysbinary: Any) -> None:
    good = [b'{"text": "first record"}\n', b'{"text": "second record"}\n']
    lines = [good[0], *(bad for bad, _ in BAD_LINES.values()), good[1]]
    path = write_jsonl(tmp_path / "mixed.jsonl", lines)
    for argv in (["--jsonl"], ["--jsonl", "--boilerplate", 2]):  # two passes: each line told once
        assert run([*argv, "--skip-bad-lines", path]) == 0
        out, err = capsysbinary.readouterr()
        assert out == b"".join(good)
        warnings = err.decode().splitlines()
        assert "Traceback" not in err.decode()
        assert len(warnings) == len(BAD_LINES) + 1
        for number, (line, (_, reason)) in enumerate(zip(warnings, BAD_LINES.values(), strict=False), start=2):
            assert line.startswith(f"{PROG}: {path}:{number}: skipped: ") and reason in line
        assert "2 records: 0 of 2 paragraphs removed" in warnings[-1]
        assert f"; {len(BAD_LINES)} bad lines skipped" in warnings[-1]


def test_output_untouched_on_error(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(12)
    p = paragraph(rng)
    lines = [(json.dumps({"text": f"{p}\n{p}"}) + "\n").encode(), b"not json\n"]
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    out_path = tmp_path / "out.jsonl"
    out_path.write_bytes(b"precious\n")
    index = ["--index", tmp_path / "i.npz"]
    for argv in (["--jsonl"], ["--jsonl", "--scope", "corpus"], ["--jsonl", "--scope", "corpus", *index]):
        assert run([*argv, "-o", out_path, path]) == 2
        one_error(capsysbinary.readouterr().err, f"{path}:2: ")
        assert out_path.read_bytes() == b"precious\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]
    assert run(["--jsonl", "--in-place", path]) == 2
    assert path.read_bytes() == b"".join(lines)
    assert run(["-q", "--jsonl", "--skip-bad-lines", "-o", out_path, path]) == 0
    assert out_path.read_bytes() == (json.dumps({"text": p}) + "\n").encode()


# --------------------------------------------------------------------------- --index


def day(tmp_path: Path, name: str, rows: list[dict[str, str]]) -> Path:
    return write_jsonl(tmp_path / name, [(json.dumps(r) + "\n").encode() for r in rows])


def test_index_file_remembers_yesterday(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(13)
    p, a, b, c = (paragraph(rng) for _ in range(4))
    index = tmp_path / "seen.npz"
    monday = day(tmp_path, "monday.jsonl", [{"id": "m1", "text": f"{p}\n{a}"}])
    tuesday = day(tmp_path, "tuesday.jsonl", [{"id": "t1", "text": f"{b}\n{p}"}, {"id": "t2", "text": c}])
    assert run(["--jsonl", "--scope", "corpus", "--index", index, monday]) == 0
    assert "index: 2 entries" in capsysbinary.readouterr().err.decode()
    saved = index.read_bytes()
    # A look does not save: --check and --explain leave the index as it was.
    assert run(["-q", "--jsonl", "--scope", "corpus", "--index", index, "--check", tuesday]) == 1
    assert run(["-q", "--jsonl", "--scope", "corpus", "--index", index, "--explain", tuesday]) == 0
    (row,) = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert (row["id"], row["kept_doc"], row["text"]) == ("t1", "m1", p)
    assert index.read_bytes() == saved
    assert run(["-q", "--jsonl", "--scope", "corpus", "--index", index, tuesday]) == 0
    assert texts(capsysbinary.readouterr().out) == [b, c]
    assert index.read_bytes() != saved
    # Without the index, Tuesday has nothing to remove.
    assert run(["-q", "--jsonl", "--scope", "corpus", tuesday]) == 0
    assert texts(capsysbinary.readouterr().out) == [f"{b}\n{p}", c]


def test_index_with_other_parameters_is_refused(tmp_path: Path, capsysbinary: Any) -> None:
    rng = random.Random(14)
    path = day(tmp_path, "d.jsonl", [{"text": paragraph(rng)}])
    index = tmp_path / "small.npz"
    small = ["--num-perm", 64, "--bands", 16]
    assert run(["-q", "--jsonl", "--scope", "corpus", *small, "--index", index, path]) == 0
    capsysbinary.readouterr()
    out_path = tmp_path / "out.jsonl"
    proc = run_script("--jsonl", "--scope", "corpus", "--index", index, "-o", out_path, path)
    assert proc.returncode == 2 and proc.stdout == b""
    one_error(proc.stderr, str(index), "num_perm=64", "128")
    assert not out_path.exists()
    assert run(["--jsonl", "--boilerplate", 2, *small, "--index", index, path]) == 2  # another policy
    one_error(capsysbinary.readouterr().err, "policy")


@pytest.mark.parametrize("damage", ["random-bytes", "wrong-header", "empty"])
def test_corrupt_index_is_refused(tmp_path: Path, capsysbinary: Any, damage: str) -> None:
    index = tmp_path / "bad.npz"
    if damage == "random-bytes":
        index.write_bytes(random.Random(1).randbytes(4096))
    elif damage == "wrong-header":
        header = np.frombuffer(json.dumps({"format": "something-else"}).encode(), dtype=np.uint8)
        np.savez(index, header=header, signatures=np.zeros((1, 128), dtype=np.uint32))
    else:
        index.write_bytes(b"")
    before = index.read_bytes()
    path = day(tmp_path, "d.jsonl", [{"text": "one record"}])
    assert run(["--jsonl", "--scope", "corpus", "--index", index, path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(index))
    assert index.read_bytes() == before


def test_index_usage_errors(tmp_path: Path, capsysbinary: Any) -> None:
    path = day(tmp_path, "d.jsonl", [{"text": "one record"}])
    cases: list[tuple[list[object], str]] = [
        (["--index", tmp_path / "i.npz"], "--index needs --scope corpus or --boilerplate"),
        (["--scope", "corpus", "--boilerplate", 2], "two policies"),
        (["--boilerplate", 1], "at least 2"),
        (["--scope", "corpus", "--diff"], "--diff"),
        (["--scope", "corpus", "--index", "redis://localhost:6379/0", "--check"], "Redis"),
        (["--scope", "corpus", "--index", "redis://localhost:6379/0", "--explain"], "Redis"),
        (["--scope", "corpus", "--index-prefix", "x"], "--index-prefix"),
        (["--pass", "count"], "--pass needs --boilerplate"),
        (["--boilerplate", 2, "--pass", "count"], "--pass count needs --index"),
        (["--boilerplate", 2, "--pass", "count", "--index", tmp_path / "i.npz", "--check"], "writes no text"),
        (["--site-field", "url"], "--site-field needs --scope corpus or --boilerplate"),
        (["--encoding", "latin-1"], "UTF-8"),
    ]
    for argv, fragment in cases:
        assert run(["--jsonl", *argv, path]) == 2, argv
        out, err = capsysbinary.readouterr()
        assert out == b""
        one_error(err, fragment, usage=True)
    for option in (["--field", "body"], ["--id-field", "doc"], ["--skip-bad-lines"]):
        assert run([*option, "--scope", "corpus", path]) == 2
        one_error(capsysbinary.readouterr().err, "needs --jsonl", usage=True)
    assert not (tmp_path / "i.npz").exists()


# --------------------------------------------------------------------------- a shared index that fails


def fail_after(monkeypatch: pytest.MonkeyPatch, documents: int) -> None:
    """Make every index break down, as a Redis server going away, when document ``documents + 1`` comes."""
    feed = dedupe.corpus.Deduper.feed

    def failing_feed(self: dedupe.corpus.Deduper, text: str, **kwargs: Any) -> Any:
        if self.documents >= documents:
            raise CorpusIndexError("redis://localhost:6379/0: Connection refused")
        return feed(self, text, **kwargs)

    monkeypatch.setattr(dedupe.corpus.Deduper, "feed", failing_feed)
    # No server: the "Redis" index is kept in memory.
    monkeypatch.setattr(dedupe.corpus, "open_store", lambda index, prefix="dedupe": MemoryStore())


def test_shared_index_failure_keeps_the_records_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: Any
) -> None:
    rng = random.Random(16)
    bodies = [paragraph(rng) for _ in range(5)]
    path = day(tmp_path, "d.jsonl", [{"id": f"r{k}", "text": f"{p}\n{p}"} for k, p in enumerate(bodies)])
    lines = path.read_bytes().splitlines(keepends=True)
    cleaned = [(json.dumps({"id": f"r{k}", "text": p}) + "\n").encode() for k, p in enumerate(bodies)]
    fail_after(monkeypatch, 3)
    out_path = tmp_path / "out.jsonl"
    out_path.write_bytes(b"old\n")
    argv = ["--jsonl", "--scope", "corpus", "--index", "redis://localhost:6379/0"]
    assert run([*argv, "-o", out_path, path]) == 2
    one_error(capsysbinary.readouterr().err, f"{path}:4: ", "Connection refused", f"{out_path} holds the first 3")
    assert out_path.read_bytes() == b"".join(cleaned[:3])
    assert run([*argv, path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b"".join(cleaned[:3])
    one_error(err, "standard output holds the first 3 records")
    assert run([*argv, "--in-place", path]) == 2
    one_error(capsysbinary.readouterr().err, str(path), "rest unchanged")
    assert path.read_bytes() == b"".join([*cleaned[:3], *lines[3:]])
    # A file index that fails leaves -o as it was.
    out_path.write_bytes(b"old\n")
    assert run(["--jsonl", "--scope", "corpus", "--index", tmp_path / "i.npz", "-o", out_path, path]) == 2
    one_error(capsysbinary.readouterr().err, "Connection refused")
    assert out_path.read_bytes() == b"old\n"
    assert not (tmp_path / "i.npz").exists()


# --------------------------------------------------------------------------- progress bar


def big_input(tmp_path: Path) -> Path:
    rng = random.Random(15)
    lines = [
        (json.dumps({"id": k, "text": f"{paragraph(rng)}\n{paragraph(rng)}"}) + "\n").encode() for k in range(3400)
    ]
    path = write_jsonl(tmp_path / "big.jsonl", lines)
    assert path.stat().st_size >= 1_000_000
    return path


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    path = big_input(tmp_path)
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            [script(), "--jsonl", "--scope", "corpus", str(path)],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
            check=False,
        )
    finally:
        os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 0
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert "docs/s" in terminal and "3,400 records" in terminal, terminal[-500:]
    piped = run_script("--jsonl", "--scope", "corpus", path)
    assert piped.returncode == 0 and piped.stdout == proc.stdout
    assert "docs/s" not in piped.stderr.decode() and piped.stderr.decode().count("\n") == 1


def test_no_progress_bar_when_quiet_or_small(tmp_path: Path) -> None:
    path = day(tmp_path, "small.jsonl", [{"text": "a small record"}])
    for argv in (["--jsonl", path], ["-q", "--jsonl", big_input(tmp_path)]):
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([script(), *map(str, argv)], stdout=subprocess.PIPE, stderr=slave, timeout=120)
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        try:
            terminal = os.read(master, 65536).decode("utf-8", "replace")
        except OSError:
            terminal = ""
        os.close(master)
        assert proc.returncode == 0
        assert "docs/s" not in terminal


# --------------------------------------------------------------------------- summary wording


def test_summary_counts(tmp_path: Path, site_pages: tuple[list[dict[str, Any]], list[bytes], Path]) -> None:
    items, _, path = site_pages
    proc = run_script("--jsonl", "--boilerplate", 2, "--site-field", "url", "--check", path)
    assert proc.returncode == 1 and proc.stdout == b""
    line = proc.stderr.decode()
    total = sum(len(p["body"]) + 2 for p in items)
    assert line.startswith(f"{PROG}: 12 records: 24 of {total} paragraphs would be removed (24 boilerplate, 0 within")
    assert line.count("\n") == 1 and "; index: " in line and line.endswith(" bytes per entry)\n")


# --------------------------------------------------------------------------- a Redis index, for real


@pytest.fixture(scope="module")
def redis_url() -> Any:
    try:
        import redis  # noqa: F401

        from tests.redis_server import redis_server, server_binary
    except ImportError as err:
        pytest.skip(f"no Redis test support: {err}")
    if server_binary() is None:
        pytest.skip("redis-server is not installed")
    with redis_server() as server:
        yield server.url


def test_redis_workers_count_then_clean(
    tmp_path: Path, site_pages: tuple[list[dict[str, Any]], list[bytes], Path], redis_url: str
) -> None:
    _, lines, path = site_pages
    argv = ["--jsonl", "--boilerplate", 2, "--site-field", "url"]
    alone = run_script(*argv, path)
    assert alone.returncode == 0
    shares = [write_jsonl(tmp_path / f"share{k}.jsonl", lines[k::3]) for k in range(3)]
    shared = ["--index", redis_url, "--index-prefix", "workers"]
    counts = [subprocess.Popen([script(), *map(str, [*argv, *shared, "--pass", "count", s])]) for s in shares]
    assert [c.wait(timeout=120) for c in counts] == [0, 0, 0]
    cleaned = [run_script(*argv, *shared, "--pass", "clean", "-q", s) for s in shares]
    assert [c.returncode for c in cleaned] == [0, 0, 0]
    assert sorted(b"".join(c.stdout for c in cleaned).splitlines()) == sorted(alone.stdout.splitlines())


def test_redis_scope_corpus_across_runs(tmp_path: Path, redis_url: str) -> None:
    rng = random.Random(17)
    p, a, b = (paragraph(rng) for _ in range(3))
    first = day(tmp_path, "first.jsonl", [{"id": "f", "text": f"{p}\n{a}"}])
    second = day(tmp_path, "second.jsonl", [{"id": "s", "text": f"{b}\n{p}"}])
    shared = ["--jsonl", "--scope", "corpus", "--index", redis_url, "--index-prefix", "runs"]
    assert run_script(*shared, first).stdout == first.read_bytes()
    proc = run_script(*shared, second)
    assert proc.returncode == 0 and texts(proc.stdout) == [b]
    assert "1 seen before" in proc.stderr.decode()


def test_redis_server_lost_mid_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: Any) -> None:
    try:
        import redis  # noqa: F401

        from tests.redis_server import redis_server, server_binary
    except ImportError as err:
        pytest.skip(f"no Redis test support: {err}")
    if server_binary() is None:
        pytest.skip("redis-server is not installed")
    rng = random.Random(18)
    path = day(tmp_path, "d.jsonl", [{"id": f"r{k}", "text": paragraph(rng)} for k in range(6)])
    lines = path.read_bytes().splitlines(keepends=True)
    out_path = tmp_path / "out.jsonl"
    with redis_server() as server:
        feed = dedupe.corpus.Deduper.feed
        fed = []

        def feed_then_fail(self: Any, text: str, **kwargs: Any) -> Any:
            if len(fed) == 4:
                server.stop()
            fed.append(text)
            return feed(self, text, **kwargs)

        monkeypatch.setattr(dedupe.corpus.Deduper, "feed", feed_then_fail)
        code = run(["--jsonl", "--scope", "corpus", "--index", server.url, "-o", out_path, path])
    assert code == 2
    one_error(capsysbinary.readouterr().err, f"{path}:5: ", server.url, f"{out_path} holds the first 4 records")
    assert out_path.read_bytes() == b"".join(lines[:4])


# --------------------------------------------------------------------------- named fields

FOOTER_LINE = "Copyright 2026 Alpha News Ltd. All rights reserved. Reproduction of this page is prohibited."
THREE_SITES = [
    {"id": "1", "url": "https://a.example/x", "text": f"{FOOTER_LINE}\nFirst story."},
    {"id": "2", "url": "https://b.example/y", "text": f"{FOOTER_LINE}\nSecond story."},
    {"id": "3", "url": "https://c.example/z", "text": f"{FOOTER_LINE}\nThird story."},
]


def jsonl_bytes(records: Sequence[dict[str, Any]]) -> bytes:
    return b"".join((json.dumps(r) + "\n").encode() for r in records)


@pytest.mark.parametrize("policy", [["--scope", "corpus"], ["--boilerplate", "2"]], ids=["seen", "boilerplate"])
@pytest.mark.parametrize("option", ["--site-field", "--id-field"])
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_field_no_record_has_is_an_error(tmp_path: Path, policy: list[str], option: str, source: str) -> None:
    data = jsonl_bytes(THREE_SITES)
    path = write_jsonl(tmp_path / "in.jsonl", [data])
    out = write_jsonl(tmp_path / "out.jsonl", [b"before\n"])
    args = ["--jsonl", *policy, option, "domain", "-o", out, *(["-"] if source == "stdin" else [path])]
    proc = run_script(*args, stdin=data if source == "stdin" else None)
    assert proc.returncode == 2
    one_error(proc.stderr, f"{option} domain: no record has this field (fields seen: id, url, text)")
    assert out.read_bytes() == b"before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_a_field_some_records_lack_is_counted_and_told_once(tmp_path: Path) -> None:
    records = [dict(r) for r in THREE_SITES] + [{"id": "4", "text": f"{FOOTER_LINE}\nFourth."}]
    del records[1]["url"]
    data = jsonl_bytes(records)
    path = write_jsonl(tmp_path / "in.jsonl", [data])
    from_file = run_script("--jsonl", "--boilerplate", 2, "--site-field", "url", path)
    from_stdin = run_script("--jsonl", "--boilerplate", 2, "--site-field", "url", "-", stdin=data)
    for proc, label in ((from_file, str(path)), (from_stdin, "<stdin>")):
        assert proc.returncode == 0
        lines = proc.stderr.decode().splitlines()
        assert lines[0] == f"{PROG}: {label}:2: no field 'url' (--site-field); such records are counted in the summary"
        assert len(lines) == 2 and "; 2 records without --site-field 'url'" in lines[1]
        # The two records without a site share one scope: their footer goes.
        assert texts(proc.stdout) == [records[0]["text"], "Second story.", records[2]["text"], "Fourth."]
    assert from_stdin.stdout == from_file.stdout


def test_a_field_first_seen_late_on_standard_input_loses_no_line(tmp_path: Path) -> None:
    """The lines read ahead to find the field are read again by the passes."""
    records = [{"id": str(k), "text": f"{FOOTER_LINE}\nStory {k}."} for k in range(50)]
    records[-1]["url"] = "https://a.example/late"
    data = b"\n" + jsonl_bytes(records)
    path = write_jsonl(tmp_path / "in.jsonl", [data])
    for policy in (["--scope", "corpus"], ["--boilerplate", 2]):
        argv = ["-q", "--jsonl", *policy, "--site-field", "url"]
        from_stdin = run_script(*argv, "-", stdin=data)
        assert from_stdin.returncode == 0, from_stdin.stderr
        assert from_stdin.stdout == run_script(*argv, path).stdout
        assert from_stdin.stdout.count(b"\n") == 51


def test_standard_input_named_twice_in_corpus_mode_is_refused(capsysbinary: Any) -> None:
    assert run(["--jsonl", "--scope", "corpus", "-", "-"]) == 2
    one_error(capsysbinary.readouterr().err, "standard input is named twice", usage=True)


def test_a_repeated_id_is_told_once_and_counted(tmp_path: Path) -> None:
    records = [{"id": "x", "text": f"{FOOTER_LINE}\nOne."}, {"id": "y", "text": "Two."}]
    records += [{"id": "x", "text": f"{FOOTER_LINE}\nThree."}, {"id": "x", "text": "Four."}]
    path = write_jsonl(tmp_path / "in.jsonl", [jsonl_bytes(records)])
    for policy in (["--scope", "corpus"], ["--boilerplate", 2]):
        proc = run_script("--jsonl", *policy, path)
        assert proc.returncode == 0
        lines = proc.stderr.decode().splitlines()
        assert lines[0].startswith(f"{PROG}: {path}:3: id 'x' again: counted as the same document as the first")
        assert len(lines) == 2 and "; 2 records with the id of an earlier record" in lines[1]
    proc = run_script("--jsonl", path)  # each record on its own: an id names, nothing more
    assert proc.returncode == 0 and "again" not in proc.stderr.decode()


def test_redis_flushed_mid_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: Any) -> None:
    """The server loses the index after record 4: the run stops there, with the first 4 records out."""
    try:
        import redis

        from tests.redis_server import redis_server, server_binary
    except ImportError as err:
        pytest.skip(f"no Redis test support: {err}")
    if server_binary() is None:
        pytest.skip("redis-server is not installed")
    rng = random.Random(19)
    shared = paragraph(rng)  # in every record: kept in the first only, as long as the index remembers
    path = day(tmp_path, "d.jsonl", [{"id": f"r{k}", "text": f"{paragraph(rng)}\n{shared}"} for k in range(8)])
    argv = ["--jsonl", "--scope", "corpus", path]
    alone = run_script(*argv)
    assert alone.returncode == 0 and texts(alone.stdout).count(shared) == 0
    out_path = tmp_path / "out.jsonl"
    with redis_server() as server:
        feed = dedupe.corpus.Deduper.feed
        fed = []

        def feed_after_flush(self: Any, text: str, **kwargs: Any) -> Any:
            if len(fed) == 4:
                with redis.Redis.from_url(server.url) as client:
                    client.flushall()
            fed.append(text)
            return feed(self, text, **kwargs)

        monkeypatch.setattr(dedupe.corpus.Deduper, "feed", feed_after_flush)
        code = run([*argv[:-1], "--index", server.url, "-o", out_path, path])
    assert code == 2
    one_error(
        capsysbinary.readouterr().err, f"{path}:5: ", "the index is gone", f"{out_path} holds the first 4 records"
    )
    assert out_path.read_bytes() == b"".join(alone.stdout.splitlines(keepends=True)[:4])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis://127.0.0.1:6379/0?foo=bar", "unknown parameter 'foo'"),
        ("redis://127.0.0.1:6379/abc", "the database is '/abc', not a number"),
        ("redis://:s3cret@127.0.0.1:6379/0?timeout=never", "timeout='never' is not a number of seconds"),
        ("rediss://127.0.0.1:6379/0?ssl_cert_reqs=maybe", "ssl_cert_reqs='maybe'"),
    ],
)
def test_redis_bad_url(tmp_path: Path, capsysbinary: Any, url: str, reason: str) -> None:
    path = day(tmp_path, "d.jsonl", [{"text": "one record"}])
    out_path = tmp_path / "out.jsonl"
    out_path.write_bytes(b"old\n")
    assert run(["--jsonl", "--scope", "corpus", "--index", url, "-o", out_path, path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b"" and out_path.read_bytes() == b"old\n"
    line = one_error(err, "not a usable Redis URL", reason)
    assert "s3cret" not in line


def test_redis_server_that_never_answers(tmp_path: Path, capsysbinary: Any) -> None:
    pytest.importorskip("redis")
    path = day(tmp_path, "d.jsonl", [{"text": "one record"}])
    with socket.socket() as listener:  # accepts (the kernel does, into the backlog) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0?timeout=0.5"
        assert run(["--jsonl", "--scope", "corpus", "--index", url, path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, f"{url.split('?')[0]}: cannot connect (Timeout")
