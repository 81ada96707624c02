"""Tests of the ``dedupe-file`` command line: mostly in-process through ``main([...])``.

``main`` writes the cleaned text as bytes to ``sys.stdout.buffer`` and the summary and
errors as text to ``sys.stderr``. Usage errors found by argparse raise ``SystemExit(2)``;
:func:`run` turns that into a return code so that every test can compare exit statuses.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import types
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import pytest

import dedupe
from dedupe.cli import build_parser, main

PROG = "dedupe-file"
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_6ef43e2731afccca.txt"

# One paragraph long enough (>= 80 columns) for the default rule to remove its copies.
LONG = "The storm reached the coast on Monday night, cutting power to 40,000 homes in three counties today."
OTHER = "Rescue crews worked through the night to reach villages cut off by the flooding in the river valley."


# --------------------------------------------------------------------------- helpers


def run(argv: Sequence[object]) -> int:
    """Run ``main`` and return its exit status, also when argparse exits."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
        return 0 if code is None else code if isinstance(code, int) else 1


def seed_bytes() -> bytes:
    return SEED.read_bytes()


def seed_lines() -> list[bytes]:
    """The 21 lines of the seed, without their line breaks."""
    lines = seed_bytes().split(b"\n")
    assert len(lines) == 21 and lines[-1], "the seed has 21 lines and no trailing newline"
    return lines


def seed_expected(newline: bytes = b"\n") -> bytes:
    """Lines 1–11 and line 21 of the seed (1-based), joined by ``newline``, no trailing break."""
    lines = seed_lines()
    return newline.join([*lines[:11], lines[20]])


def err_text(err: bytes | str) -> str:
    return err.decode("utf-8", "backslashreplace") if isinstance(err, bytes) else err


def one_error(err: bytes | str, *fragments: str, rest: str = "none") -> str:
    """Assert stderr holds exactly one ``dedupe-file: error:`` line and no traceback; return it.

    ``rest`` says what else stderr may hold: ``"none"``, argparse's ``"usage"`` text (usage
    errors), or the one-line ``"summary"`` (when other files were processed).
    """
    text = err_text(err)
    assert "Traceback" not in text, text
    lines = text.splitlines()
    errors = [line for line in lines if line.startswith(f"{PROG}: error:")]
    assert len(errors) == 1, text
    others = [line for line in lines if line not in errors]
    if rest == "none":
        assert others == [], text
    elif rest == "usage":
        assert others and others[0].startswith(f"usage: {PROG}"), text
        assert all(line.startswith((" ", "usage:")) for line in others), text
        assert lines[-1] == errors[0], text
    else:
        assert len(others) == 1 and others[0].startswith(f"{PROG}: "), text
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


def summary_line(err: bytes | str) -> str:
    lines = [line for line in err_text(err).splitlines() if not line.startswith(f"{PROG}: error:")]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{PROG}: "), lines
    return lines[0]


def fake_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(data)))


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def hunk_counts_match(diff: bytes) -> bool:
    """Whether every hunk header of a unified diff counts the lines that follow it."""
    lines = diff.split(b"\n")
    i = 0
    ok = False
    while i < len(lines):
        m = re.match(rb"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@", lines[i])
        i += 1
        if not m:
            continue
        ok = True
        old = int(m.group(1) or 1)
        new = int(m.group(2) or 1)
        while old or new:
            line = lines[i]
            i += 1
            if line.startswith(b"\\"):
                continue
            tag = line[:1]
            if tag == b" ":
                old, new = old - 1, new - 1
            elif tag == b"-":
                old -= 1
            elif tag == b"+":
                new -= 1
            else:
                return False
            if old < 0 or new < 0:
                return False
    return ok


# --------------------------------------------------------------------------- the seed


def test_seed_is_what_the_tests_assume() -> None:
    lines = seed_lines()
    assert lines[11:14] == lines[1:4]
    assert lines[14:20] == lines[5:11]
    assert len(set([*lines[:11], lines[20]])) == 12


def test_seed_output_is_byte_exact(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run([SEED]) == 0
    out, err = capsysbinary.readouterr()
    assert out == seed_expected()
    assert not out.endswith(b"\n")
    summary = summary_line(err)
    assert "9 of 21" in summary
    assert err_text(err).count("\n") == 1


def test_seed_summary_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([SEED]) == 0
    assert capsys.readouterr().err == f"{PROG}: 9 of 21 paragraphs removed (9 exact, 0 near) in 2 blocks, 1 file\n"


def test_quiet_prints_nothing_on_stderr(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["-q", SEED]) == 0
    out, err = capsysbinary.readouterr()
    assert out == seed_expected()
    assert err == b""


def test_output_is_idempotent(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    once = write(tmp_path / "once.txt", seed_expected())
    assert run([once]) == 0
    out, err = capsysbinary.readouterr()
    assert out == seed_expected()
    assert "0 of 12" in err_text(err)


# --------------------------------------------------------------------------- --explain


def test_explain_seed(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["--explain", SEED]) == 0
    out, err = capsysbinary.readouterr()
    assert out.endswith(b"\n")
    rows = out.decode("utf-8").splitlines()
    assert len(rows) == 9
    records = [json.loads(row) for row in rows]
    text = seed_bytes().decode("utf-8")
    lines = seed_lines()
    keys = {"file", "index", "line", "span", "kept_index", "kept_line", "kept_span", "score", "kind", "block", "text"}
    for number, record in enumerate(records):
        assert keys <= record.keys(), record.keys()
        assert record["file"] == str(SEED)
        removed_line = 12 + number
        kept_line = removed_line - 10 if number < 3 else removed_line - 9
        assert record["line"] == removed_line
        assert record["index"] == removed_line - 1  # every seed line is a paragraph
        assert record["kept_line"] == kept_line
        assert record["kept_index"] == kept_line - 1
        assert record["text"] == lines[removed_line - 1].decode("utf-8")
        start, end = record["span"]
        assert text[start:end] == record["text"]
        kept_start, kept_end = record["kept_span"]
        assert text[kept_start:kept_end] == lines[kept_line - 1].decode("utf-8")
        assert record["kind"] == "exact"
        assert record["score"] == pytest.approx(1.0)
        block = record["block"]
        if number < 3:
            assert block["lines"] == [12, 14] and block["kept_lines"] == [2, 4]
        else:
            assert block["lines"] == [15, 20] and block["kept_lines"] == [6, 11]
    assert "9 of 21" in summary_line(err)


def test_explain_nothing_removed_prints_nothing(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    clean = write(tmp_path / "clean.txt", f"{LONG}\n{OTHER}\n")
    assert run(["-q", "--explain", clean]) == 0
    assert capsysbinary.readouterr() == (b"", b"")


def test_explain_line_numbers_with_crlf_and_cr(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    for newline in (b"\r\n", b"\r"):
        path = write(tmp_path / "t.txt", seed_bytes().replace(b"\n", newline))
        assert run(["-q", "--explain", path]) == 0
        out, _ = capsysbinary.readouterr()
        records = [json.loads(row) for row in out.decode("utf-8").splitlines()]
        assert [r["line"] for r in records] == list(range(12, 21))
        assert [r["kept_line"] for r in records] == [2, 3, 4, 6, 7, 8, 9, 10, 11]


def test_explain_jsonl_has_the_text_mode_keys_and_the_documents(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    footer = "foot line for the site, repeated on every page"
    docs = [{"id": "a", "text": f"{LONG}\n{footer}\n"}, {"id": "b", "text": f"{OTHER}\n{footer}\n"}]
    path = write(tmp_path / "docs.jsonl", "".join(json.dumps(d) + "\n" for d in docs))
    assert run(["-q", "--jsonl", "--boilerplate", "2", "--explain", path]) == 0
    out, _ = capsysbinary.readouterr()
    records = [json.loads(row) for row in out.decode("utf-8").splitlines()]
    keys = {"file", "index", "line", "span", "kept_index", "kept_line", "kept_span", "score", "kind", "block", "text"}
    assert [r["id"] for r in records] == ["a", "b"]
    for line, (record, doc) in enumerate(zip(records, docs, strict=True), start=1):
        assert keys | {"id", "kept_doc"} <= record.keys(), record.keys()
        assert record["line"] == line and record["text"] == footer and record["kept_doc"] == "a"
        start, end = record["span"]
        assert doc["text"][start:end] == footer


# --------------------------------------------------------------------------- --check and --diff


def test_check_seed_exits_1_and_writes_nothing(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["--check", SEED]) == 1
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert "9 of 21 paragraphs would be removed" in summary_line(err)


def test_check_without_repeats_exits_0(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    clean = write(tmp_path / "clean.txt", seed_expected())
    assert run(["--check", clean]) == 0
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert "0 of 12" in summary_line(err)
    assert run(["-q", "--check", clean]) == 0
    assert capsysbinary.readouterr() == (b"", b"")


def test_check_with_diff_prints_diff_and_exits_1(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["-q", "--check", "--diff", SEED]) == 1
    out, _ = capsysbinary.readouterr()
    assert out.startswith(f"--- {SEED}\n".encode())
    assert [line[1:] for line in out.split(b"\n") if line.startswith(b"-") and not line.startswith(b"---")] == (
        seed_lines()[11:20]
    )


def test_diff_seed(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["--diff", SEED]) == 0
    out, err = capsysbinary.readouterr()
    lines = out.split(b"\n")
    assert lines[0] == f"--- {SEED}".encode()
    assert lines[1].startswith(f"+++ {SEED}".encode())
    removed = [line[1:] for line in lines[2:] if line.startswith(b"-")]
    added = [line for line in lines[2:] if line.startswith(b"+")]
    assert removed == seed_lines()[11:20]
    assert added == []
    # The seed has no final newline: line 21 is kept and the diff says so, as diff(1) does.
    assert lines[-2:] == [b"\\ No newline at end of file", b""]
    assert b" " + seed_lines()[20] in lines
    assert hunk_counts_match(out)
    assert "9 of 21" in summary_line(err)


def test_diff_without_repeats_is_empty(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    clean = write(tmp_path / "clean.txt", f"{LONG}\n{OTHER}\n")
    assert run(["-q", "--diff", clean]) == 0
    assert capsysbinary.readouterr() == (b"", b"")


def test_diff_when_the_last_line_is_removed(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(tmp_path / "t.txt", f"{LONG}\nmid\n{LONG}")
    assert run(["-q", "--diff", path]) == 0
    out, _ = capsysbinary.readouterr()
    expected = (
        f"--- {path}\n+++ {path} (deduplicated)\n@@ -1,3 +1,2 @@\n {LONG}\n-mid\n-{LONG}\n"
        "\\ No newline at end of file\n+mid\n\\ No newline at end of file\n"
    )
    assert out.decode("utf-8") == expected
    assert hunk_counts_match(out)


# --------------------------------------------------------------------------- -o / --output


def test_output_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out_path = tmp_path / "out.txt"
    assert run(["-o", out_path, SEED]) == 0
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert out_path.read_bytes() == seed_expected()
    assert "9 of 21" in summary_line(err)
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_output_file_replaces_existing_and_keeps_its_mode(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out_path = write(tmp_path / "out.txt", b"old content that is much longer than nothing\n" * 200)
    out_path.chmod(0o640)
    assert run(["-q", "--output", out_path, SEED]) == 0
    assert out_path.read_bytes() == seed_expected()
    assert stat.S_IMODE(out_path.stat().st_mode) == 0o640
    assert capsysbinary.readouterr() == (b"", b"")


def test_output_dash_is_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["-q", "-o", "-", SEED]) == 0
    assert capsysbinary.readouterr().out == seed_expected()


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "symlink"])
def test_output_equal_to_input_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], spelling: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in.txt", seed_bytes())
    before = (tmp_path / "in.txt").stat()
    if spelling == "symlink":
        (tmp_path / "alias.txt").symlink_to("in.txt")
    output = {"same": "in.txt", "dot-slash": "./in.txt", "symlink": "alias.txt"}[spelling]
    assert run(["-o", output, "in.txt"]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, "also an input", rest="usage")
    assert (tmp_path / "in.txt").read_bytes() == seed_bytes()
    after = (tmp_path / "in.txt").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dedupe-")]


def test_output_write_failure_is_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out_path = write(tmp_path / "out.txt", b"previous\n")

    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("dedupe.cli.os.replace", refuse)
    assert run(["-q", "-o", out_path, SEED]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(out_path), "cannot write", "Permission denied")
    assert out_path.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_output_in_missing_directory(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["-q", "-o", tmp_path / "nowhere" / "out.txt", SEED]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, "cannot write")


# --------------------------------------------------------------------------- --in-place


def test_in_place_rewrites_and_keeps_mode(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(tmp_path / "article.txt", seed_bytes())
    path.chmod(0o640)
    assert run(["--in-place", path]) == 0
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert path.read_bytes() == seed_expected()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "9 of 21" in summary_line(err)
    assert [p.name for p in tmp_path.iterdir()] == ["article.txt"]


def test_in_place_several_files(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    a = write(tmp_path / "a.txt", seed_bytes())
    b = write(tmp_path / "b.txt", f"{LONG}\n{OTHER}\n{LONG}\n")
    assert run(["-q", "-i", a, b]) == 0
    assert a.read_bytes() == seed_expected()
    assert b.read_bytes() == f"{LONG}\n{OTHER}\n".encode()
    assert capsysbinary.readouterr() == (b"", b"")


def test_in_place_leaves_clean_file_untouched(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(tmp_path / "clean.txt", seed_expected())
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = path.stat()
    assert run(["--in-place", path]) == 0
    after = path.stat()
    assert path.read_bytes() == seed_expected()
    assert (after.st_ino, after.st_mtime_ns, after.st_mode) == (before.st_ino, before.st_mtime_ns, before.st_mode)
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert "0 of 12" in summary_line(err)


@pytest.mark.parametrize("files", [["-"], []], ids=["dash", "no-file"])
def test_in_place_with_stdin_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], files: list[str]
) -> None:
    fake_stdin(monkeypatch, seed_bytes())
    assert run(["--in-place", *files]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, "--in-place", rest="usage")


@pytest.mark.parametrize("other", ["--diff", "--explain", "--check"])
def test_in_place_conflicts(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], other: str) -> None:
    path = write(tmp_path / "t.txt", seed_bytes())
    assert run(["--in-place", other, path]) == 2
    assert capsysbinary.readouterr().out == b""
    assert path.read_bytes() == seed_bytes()


def test_in_place_write_failure_is_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = write(tmp_path / "article.txt", seed_bytes())
    before = path.stat()

    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("dedupe.cli.os.replace", refuse)
    assert run(["--in-place", path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(path), "cannot write", "Permission denied")
    assert path.read_bytes() == seed_bytes()
    assert path.stat().st_ino == before.st_ino
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dedupe-")]


# --------------------------------------------------------------------------- standard input


def test_stdin_dash(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    fake_stdin(monkeypatch, seed_bytes())
    assert run(["-"]) == 0
    out, err = capsysbinary.readouterr()
    assert out == seed_expected()
    assert "9 of 21" in summary_line(err)


def test_stdin_without_file(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    fake_stdin(monkeypatch, seed_bytes())
    assert run([]) == 0
    out, err = capsysbinary.readouterr()
    assert out == seed_expected()
    assert "9 of 21" in summary_line(err)


def test_stdin_labels(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    fake_stdin(monkeypatch, seed_bytes())
    assert run(["-q", "--explain"]) == 0
    records = [json.loads(row) for row in capsysbinary.readouterr().out.decode().splitlines()]
    assert {r["file"] for r in records} == {"<stdin>"}
    fake_stdin(monkeypatch, seed_bytes())
    assert run(["-q", "--diff", "-"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"--- <stdin>\n+++ <stdin> (deduplicated)\n")


def test_stdin_invalid_utf8_names_stdin(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    fake_stdin(monkeypatch, b"ok\n\xc3\x28\n")
    assert run([]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, "<stdin>", "byte 3")


# --------------------------------------------------------------------------- several files


def test_several_files_are_cleaned_separately(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    a = write(tmp_path / "a.txt", f"{LONG}\nfirst file\n")
    b = write(tmp_path / "b.txt", f"{LONG}\nsecond file\n{LONG}\n")
    assert run([a, SEED, b]) == 0
    out, err = capsysbinary.readouterr()
    # LONG in b.txt copies LONG in a.txt but stays: files are independent. Its own
    # repeat inside b.txt goes.
    assert out == f"{LONG}\nfirst file\n".encode() + seed_expected() + f"{LONG}\nsecond file\n".encode()
    assert "10 of 26" in summary_line(err) and "3 files" in summary_line(err)


def test_several_files_explain_and_diff_name_each_file(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    a = write(tmp_path / "a.txt", f"{LONG}\nx\n{LONG}\n")
    b = write(tmp_path / "b.txt", f"{OTHER}\ny\n{OTHER}\n")
    assert run(["-q", "--explain", a, b]) == 0
    records = [json.loads(row) for row in capsysbinary.readouterr().out.decode().splitlines()]
    assert [(r["file"], r["line"], r["kept_line"]) for r in records] == [(str(a), 3, 1), (str(b), 3, 1)]
    assert run(["-q", "--diff", a, b]) == 0
    out = capsysbinary.readouterr().out
    assert [line for line in out.split(b"\n") if line.startswith(b"--- ")] == [f"--- {a}".encode(), f"--- {b}".encode()]


def test_several_files_to_output_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    a = write(tmp_path / "a.txt", f"{LONG}\nx\n{LONG}\n")
    out_path = tmp_path / "out.txt"
    assert run(["-q", "-o", out_path, a, SEED]) == 0
    assert out_path.read_bytes() == f"{LONG}\nx\n".encode() + seed_expected()
    assert capsysbinary.readouterr() == (b"", b"")


# --------------------------------------------------------------------------- line breaks


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("final", [False, True], ids=["no-final-break", "final-break"])
def test_line_breaks_preserved(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], newline: bytes, final: bool
) -> None:
    data = seed_bytes().replace(b"\n", newline) + (newline if final else b"")
    path = write(tmp_path / "t.txt", data)
    assert run(["-q", path]) == 0
    out, _ = capsysbinary.readouterr()
    assert out == seed_expected(newline) + (newline if final else b"")


def test_mixed_line_breaks_stay_with_their_lines(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    data = f"{LONG}\r\nsecond\n{OTHER}\rthird\r\n{LONG}\n{OTHER}\r\nlast".encode()
    path = write(tmp_path / "t.txt", data)
    assert run(["-q", path]) == 0
    assert capsysbinary.readouterr().out == f"{LONG}\r\nsecond\n{OTHER}\rthird\r\nlast".encode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{LONG}\nmid\n{LONG}", f"{LONG}\nmid"),
        (f"{LONG}\nmid\n{LONG}\n", f"{LONG}\nmid\n"),
        (f"{LONG}\r\nmid\r\n{LONG}", f"{LONG}\r\nmid"),
        (f"{LONG}\n\n\nmid\n\n{LONG}\n\n", f"{LONG}\n\n\nmid\n\n"),
        (f"{LONG}\n{LONG}", f"{LONG}"),
        (f"{LONG}\n{LONG}\n", f"{LONG}\n"),
    ],
)
def test_no_line_break_is_added(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], text: str, expected: str
) -> None:
    path = write(tmp_path / "t.txt", text)
    assert run(["-q", path]) == 0
    assert capsysbinary.readouterr().out == expected.encode()


# --------------------------------------------------------------------------- errors


def test_invalid_utf8_names_file_and_byte_offset(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    prefix = "서울 café\n".encode()  # 12 bytes of valid UTF-8 (non-ASCII, so offsets are in bytes)
    path = write(tmp_path / "bad.txt", prefix + b"caf\xe9 au lait\n")
    assert run([path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(path), f"byte {len(prefix) + 3}", "--encoding")


def test_truncated_utf8_at_end(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(tmp_path / "cut.txt", "서울".encode() + "울".encode()[:2])
    assert run([path]) == 2
    one_error(capsysbinary.readouterr().err, str(path), "byte 6")


def test_latin1_succeeds_and_round_trips(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    data = b"Caf\xe9 cr\xe8me br\xfbl\xe9e\r\nna\xefve \xa9 2024\n\xff\xfe last line"
    path = write(tmp_path / "latin.txt", data)
    assert run(["-q", path]) == 2
    capsysbinary.readouterr()
    assert run(["-q", "--encoding", "latin-1", path]) == 0
    assert capsysbinary.readouterr() == (data, b"")


def test_latin1_removes_repeats(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    long = LONG.replace("Monday", "Montag \xe9t\xe9").encode("latin-1")
    path = write(tmp_path / "latin.txt", long + b"\n\xe9\n" + long + b"\n")
    assert run(["-q", "--encoding", "latin-1", path]) == 0
    assert capsysbinary.readouterr().out == long + b"\n\xe9\n"


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe\x00\x10",
        b"text at first\n\x00\x00\x00",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
    ],
)
def test_binary_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], data: bytes) -> None:
    path = write(tmp_path / "blob.bin", data)
    assert run([path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(path), "binary")


def test_binary_even_when_it_decodes(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(tmp_path / "blob.bin", b"\x00\x01\xff\xfe")
    assert run(["--encoding", "latin-1", path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(path), "binary")


def test_missing_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    missing = tmp_path / "missing.txt"
    assert run([missing]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(missing), "No such file")


def test_directory(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run([tmp_path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, str(tmp_path), "directory")


@pytest.mark.parametrize("encoding", ["no-such-codec", "rot13", "base64"])
def test_unknown_encoding(capsysbinary: pytest.CaptureFixture[bytes], encoding: str) -> None:
    assert run(["--encoding", encoding, SEED]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, encoding, rest="usage")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--threshold", "1.5"], "threshold"),
        (["--threshold", "0"], "threshold"),
        (["--threshold", "nan"], "threshold"),
        (["--threshold", "high"], "threshold"),
        (["--min-chars", "-1"], "min_chars"),
        (["--max-copies", "1"], "max_copies"),
        (["--bands", "64", "--rows", "4"], "bands"),
        (["--keep", "last"], "keep"),
        (["--paragraphs", "sentence"], "paragraphs"),
    ],
)
def test_bad_option_values(capsysbinary: pytest.CaptureFixture[bytes], argv: list[str], fragment: str) -> None:
    assert run([*argv, SEED]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, fragment, rest="usage")


@pytest.mark.parametrize(
    "argv",
    [["--check", "-o", "OUT"], ["--check", "--in-place"], ["--diff", "--explain"], ["-o", "OUT", "--in-place"]],
)
def test_conflicting_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "in.txt", seed_bytes())
    assert run([*argv, path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, rest="usage")
    assert not (tmp_path / "OUT").exists()
    assert path.read_bytes() == seed_bytes()


def test_empty_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(tmp_path / "empty.txt", b"")
    assert run([path]) == 0
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert "0 of 0" in summary_line(err)


@pytest.mark.parametrize("data", [b"\n", b"\r\n\r\n", b"   \n\t\n"])
def test_blank_only_file_is_unchanged(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], data: bytes) -> None:
    path = write(tmp_path / "blank.txt", data)
    assert run(["-q", path]) == 0
    assert capsysbinary.readouterr() == (data, b"")


@pytest.mark.parametrize("missing_first", [True, False])
def test_one_missing_of_two(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], missing_first: bool) -> None:
    missing = tmp_path / "missing.txt"
    files = [missing, SEED] if missing_first else [SEED, missing]
    assert run(files) == 2
    out, err = capsysbinary.readouterr()
    assert out == seed_expected()
    one_error(err, str(missing), "No such file", rest="summary")
    assert "9 of 21" in summary_line(err) and "1 file failed" in summary_line(err)


def test_one_missing_of_two_with_quiet(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    missing = tmp_path / "missing.txt"
    assert run(["-q", SEED, missing]) == 2
    out, err = capsysbinary.readouterr()
    assert out == seed_expected()
    one_error(err, str(missing))


# --------------------------------------------------------------------------- large input


def test_large_single_line(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    # 50 MB in one line with no line break. No spaces: whitespace normalisation of a
    # spaced 50 MB line alone takes several seconds and adds nothing to what is tested.
    data = b"abcdefghij" * 5_000_000
    assert len(data) >= 50_000_000
    path = write(tmp_path / "big.txt", data)
    assert run([path]) == 0
    out, err = capsysbinary.readouterr()
    identical = out == data  # not inside assert: pytest would try to diff 50 MB on failure
    assert identical, f"output of {len(out)} bytes differs from the {len(data)}-byte input"
    assert "0 of 1 " in summary_line(err)


# --------------------------------------------------------------------------- --version and --help


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out == f"{PROG} {dedupe.__version__}\n"
    assert dedupe.__version__ == version("news-dedupe")


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {PROG}")
    for option in ("--in-place", "--check", "--diff", "--explain", "--encoding", "--min-chars", "--keep"):
        assert option in out
    assert build_parser().prog == PROG


# --------------------------------------------------------------------------- flags change behaviour


def test_min_chars_zero_removes_short_repeats(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = write(tmp_path / "t.txt", f"Breaking news\n{LONG}\nBreaking news\nend")
    assert run(["-q", path]) == 0
    assert capsysbinary.readouterr().out == f"Breaking news\n{LONG}\nBreaking news\nend".encode()
    assert run(["-q", "--min-chars", "0", path]) == 0
    assert capsysbinary.readouterr().out == f"Breaking news\n{LONG}\nend".encode()


def test_keep_longest(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    longer = LONG[:-1] + ", police."  # within light noise of LONG: a copy whole
    path = write(tmp_path / "t.txt", f"{LONG}\nmiddle line here\n{longer}\n")
    assert run(["-q", path]) == 0
    assert capsysbinary.readouterr().out == f"{LONG}\nmiddle line here\n".encode()
    assert run(["-q", "--keep", "longest", path]) == 0
    assert capsysbinary.readouterr().out == f"middle line here\n{longer}\n".encode()
    assert run(["-q", "--explain", "--keep", "longest", path]) == 0
    (record,) = [json.loads(row) for row in capsysbinary.readouterr().out.decode().splitlines()]
    assert (record["line"], record["kept_line"], record["kind"]) == (1, 3, "near")
    assert 0.9 <= record["score"] < 1


def test_paragraphs_blank(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    wrapped = (
        "The storm reached the coast on Monday night,\ncutting power to 40,000 homes in three\n"
        "counties, officials said."
    )
    text = f"{wrapped}\n\nSomething else entirely.\n\n{wrapped}\n"
    path = write(tmp_path / "t.txt", text)
    assert run(["-q", path]) == 0  # each wrapped line alone is too short to be removed
    assert capsysbinary.readouterr().out == text.encode()
    assert run(["--paragraphs", "blank", path]) == 0
    out, err = capsysbinary.readouterr()
    assert out == f"{wrapped}\n\nSomething else entirely.\n".encode()
    assert "1 of 3" in summary_line(err)


def test_threshold_changes_what_is_a_copy(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    typos = LONG.replace("Monday", "Mondya").replace("homes", "hoems")  # similarity 0.98
    path = write(tmp_path / "t.txt", f"{LONG}\nmiddle line here\n{typos}\n")
    assert run(["-q", "--threshold", "0.99", path]) == 0
    assert capsysbinary.readouterr().out == f"{LONG}\nmiddle line here\n{typos}\n".encode()
    assert run(["-q", "-t", "0.9", path]) == 0
    assert capsysbinary.readouterr().out == f"{LONG}\nmiddle line here\n".encode()


# --------------------------------------------------------------------------- installed entry points


def _console_script() -> str:
    found = shutil.which(PROG)
    if found:
        return found
    candidate = Path(sys.executable).parent / PROG
    if not candidate.exists():
        pytest.skip(f"{PROG} is not installed next to {sys.executable}")
    return str(candidate)


def test_installed_console_script() -> None:
    proc = subprocess.run([_console_script(), str(SEED)], capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == seed_expected()
    assert b"9 of 21" in proc.stderr
    assert proc.stderr.count(b"\n") == 1


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dedupe", "--check", str(SEED)], capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == b""
    proc = subprocess.run(
        [sys.executable, "-m", "dedupe", "-"], input=seed_bytes(), capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == seed_expected()
    assert b"9 of 21" in proc.stderr


def test_console_script_error_has_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [_console_script(), str(tmp_path / "missing.txt")], capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 2
    assert proc.stdout == b""
    one_error(proc.stderr, "missing.txt")


# --------------------------------------------------------------------------- edge cases of files and encodings


def test_output_file_new_gets_umask_mode(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    old = os.umask(0o022)
    try:
        assert run(["-q", "-o", tmp_path / "new.txt", SEED]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_output_through_symlink_writes_the_target(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    target = write(tmp_path / "target.txt", b"old\n")
    link = tmp_path / "link.txt"
    link.symlink_to("target.txt")
    assert run(["-q", "-o", link, SEED]) == 0
    assert link.is_symlink()
    assert target.read_bytes() == seed_expected()


def test_output_untouched_when_no_input_was_read(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out_path = write(tmp_path / "out.txt", b"precious\n")
    assert run(["-q", "-o", out_path, tmp_path / "missing.txt"]) == 2
    one_error(capsysbinary.readouterr().err, "missing.txt")
    assert out_path.read_bytes() == b"precious\n"


@pytest.mark.parametrize("odd", ["\u2028", "\x0c", "\x85", "\x1c"], ids=["U+2028", "FF", "NEL", "FS"])
def test_diff_breaks_lines_like_the_tool(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], odd: str) -> None:
    path = write(tmp_path / "t.txt", f"{LONG}\nintro{odd}part two\n{LONG}\nend\n")
    assert run(["-q", "--diff", path]) == 0
    out = capsysbinary.readouterr().out
    expected = f"--- {path}\n+++ {path} (deduplicated)\n@@ -1,4 +1,3 @@\n {LONG}\n intro{odd}part two\n-{LONG}\n end\n"
    assert out == expected.encode()


@pytest.mark.parametrize(
    ("raw_name", "encoding", "mode"),
    [
        ("기사.txt".encode(), "latin-1", "--diff"),
        (b"caf\xe9.txt", "utf-8", "--diff"),
        (b"caf\xe9.txt", "utf-8", "--explain"),
    ],
    ids=["korean-name-latin1-diff", "undecodable-name-diff", "undecodable-name-explain"],
)
def test_file_names_that_do_not_fit_the_encoding(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], raw_name: bytes, encoding: str, mode: str
) -> None:
    try:
        path = write(tmp_path / os.fsdecode(raw_name), f"{LONG}\nmid\n{LONG}\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system cannot hold that file name")
    assert run(["-q", mode, "--encoding", encoding, path]) == 0
    out, err = capsysbinary.readouterr()
    assert err == b""
    if mode == "--diff":
        # Like diff(1): the header holds the name's bytes as they are on disk.
        assert out.startswith(b"--- " + os.fsencode(path) + b"\n")
    else:
        (record,) = [json.loads(row) for row in out.decode("utf-8").splitlines()]
        assert record["line"] == 3


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8-sig", f"{LONG}\n{OTHER}\n".encode()),
        ("utf-16", b"\xfe\xff" + f"{LONG}\n{OTHER}\n".encode("utf-16-be")),
    ],
    ids=["utf-8-sig-without-bom", "utf-16-big-endian"],
)
def test_bom_encodings_round_trip(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], encoding: str, data: bytes
) -> None:
    path = write(tmp_path / "t.txt", data)
    assert run(["-q", "--encoding", encoding, path]) == 0
    assert capsysbinary.readouterr().out == data


def test_closed_stdin_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    assert run([]) == 2
    one_error(capsysbinary.readouterr().err, "<stdin>")


def test_summary_does_not_count_a_file_that_could_not_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = write(tmp_path / "article.txt", seed_bytes())

    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("dedupe.cli.os.replace", refuse)
    assert run(["--in-place", path]) == 2
    err = err_text(capsysbinary.readouterr().err)
    assert "9 of 21 paragraphs removed" not in err
