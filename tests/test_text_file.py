"""A large file's text stays in the file (``dedupe.text_file``): the paragraphs, their spans, the
kept bytes and every error must be those of the text read whole (``read_source``, ``span_array``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedupe import api, files, text_file
from dedupe.cli import main
from dedupe.errors import InputError
from dedupe.split import join_spans, span_array, split_paragraphs
from dedupe.text_file import UNIT, FileText, Undecodable
from tests.scale import examples
from tests.test_cli import fake_stdin

# Characters of one to four bytes in UTF-8 (and a surrogate pair in UTF-16), every line break,
# and invisible characters that leave a line blank. U+0A15 and U+0D17 next to U+0100 hold the
# bytes of an encoded \n and \r across two UTF-16 or UTF-32 code units: no line ends there.
PIECES = ["a", "b", "é", "한", "😀", "Ā", "ਕ", "ഗ", " ", "\u3000", "\u200b", "\n", "\r", "\r\n", "\n\n"]
BOMS = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}


def file_text(path: Path, codec: str, mode: str = "line", start: int = 0) -> FileText:
    return FileText(path.open("rb"), str(path), codec, start, mode)  # type: ignore[arg-type]


@examples(300)
@given(
    text=st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    codec=st.sampled_from(sorted(UNIT)),
    mode=st.sampled_from(["line", "blank"]),
    block=st.integers(1, 24),
    gap=st.integers(0, 8),
    bom=st.booleans(),
    chosen=st.lists(st.integers(0, 30), max_size=12),
)
def test_a_file_gives_what_its_text_read_whole_gives(
    text: str,
    codec: str,
    mode: str,
    block: int,
    gap: int,
    bom: bool,
    chosen: list[int],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Blocks of a few bytes: lines, \r\n and blank-line paragraphs cross the cuts all the time.
    path = tmp_path_factory.mktemp("text") / "in.txt"
    mark = BOMS.get(codec, b"") if bom else b""
    path.write_bytes(mark + text.encode(codec))
    spans = span_array(text, mode)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_file, "_BLOCK", block)
        patch.setattr(text_file, "_GAP", gap)
        got = file_text(path, codec, mode, len(mark))
        try:
            assert got.spans.tolist() == spans.tolist()
            assert got.spans.dtype == got.byte_spans.dtype == np.int32  # 16 bytes a paragraph under 2 GB
            assert len(got) == len(text)
            expected = [text[s:e] for s, e in spans.tolist()]
            assert list(got.paragraphs) == expected
            assert [got.paragraphs[i] for i in range(len(expected))] == expected
            remove = [i for i in chosen if i < len(spans)]  # in any order, some twice
            assert list(got.paragraphs.picked(np.array(remove, dtype=np.int64))) == [expected[i] for i in remove]
            assert list(got.paragraphs.picked(np.array(sorted(remove), dtype=np.int64))) == [
                expected[i] for i in sorted(remove)
            ]
            assert b"".join(got.kept_bytes(remove)) == mark + join_spans(text, spans, remove).encode(codec)
        finally:
            got.close()


@pytest.mark.parametrize(
    ("data", "codec"),
    [
        (b"line\n" * 300_000 + b"\xff\n", "utf-8"),  # an invalid byte blocks after the first
        (b"line\n" * 300_000 + b"\xc3", "utf-8"),  # a sequence cut short by the end
        (b"line\n" * 300_000 + b"a\x00b\n", "utf-8"),  # a NUL: a binary file
        ("line\n".encode("utf-16-le") * 3 + b"\x00", "utf-16-le"),  # half a code unit
        ("a\n".encode("utf-16-le") + b"\x00\xdc\n\x00", "utf-16-le"),  # a lone low surrogate
    ],
)
def test_what_does_not_decode_is_undecodable(data: bytes, codec: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(Undecodable):
        file_text(path, codec)


def test_a_file_that_shrinks_after_the_scan_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("One paragraph.\nAnother one.\nOne paragraph.\n", encoding="utf-8")
    got = file_text(path, "utf-8")
    try:
        os.truncate(path, 10)
        with pytest.raises(InputError, match="shrank"):
            b"".join(got.kept_bytes([2]))
        with pytest.raises(InputError, match="shrank"):
            got.paragraphs[1]
    finally:
        got.close()


def _run(argv: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, bytes]:
    status = main(argv)
    out, err = capsysbinary.readouterr()
    return status, out, err


BAD = {
    "invalid": b"Fine.\n" * 50_000 + b"caf\xe9\n",
    "nul-char": b"Fine.\n" * 50_000 + b"a\x00b\n",
    "nul-and-invalid": b"Fine.\n" * 50_000 + b"a\x00b\n\xff\n",
    "truncated": b"Fine.\n" * 50_000 + b"\xe2\x82",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_errors_are_those_of_the_text_read_whole(
    name: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(BAD[name])
    whole = _run([str(path)], capsysbinary)
    fake_stdin(monkeypatch, BAD[name])
    whole_stdin = _run(["-"], capsysbinary)
    monkeypatch.setattr(api, "LEAN_FROM", 0)
    assert _run([str(path)], capsysbinary) == whole
    fake_stdin(monkeypatch, BAD[name])
    assert _run(["-"], capsysbinary) == whole_stdin
    assert whole[0] == 2 and whole[2].count(b"\n") == 1
    assert whole_stdin[2] == whole[2].replace(str(path).encode(), b"<stdin>")


def test_a_large_file_is_left_in_its_file(
    seed_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the bar up the text is never read whole; below it (and for --diff, another codec) it is."""
    expected = seed_path.with_suffix(".expected.txt").read_bytes()
    size = seed_path.stat().st_size
    opened: list[str] = []
    read = files.read_source
    monkeypatch.setattr(files, "FileText", lambda *a: opened.append("file") or FileText(*a))
    monkeypatch.setattr("dedupe.cli.read_source", lambda *a: opened.append("whole") or read(*a))
    monkeypatch.setattr(files, "read_source", lambda *a: opened.append("whole") or read(*a))
    for bar in (size, size + 1):
        monkeypatch.setattr(api, "LEAN_FROM", bar)
        assert _run([str(seed_path)], capsysbinary)[:2] == (0, expected)
        fake_stdin(monkeypatch, seed_path.read_bytes())  # copied to a temporary file from the bar up
        assert _run(["-"], capsysbinary)[:2] == (0, expected)
    monkeypatch.setattr(api, "LEAN_FROM", 0)
    assert _run(["--diff", str(seed_path)], capsysbinary)[0] == 0
    assert _run(["--encoding", "latin-1", str(seed_path)], capsysbinary)[0] == 0
    assert _run(["--encoding", "utf-32", str(seed_path)], capsysbinary)[0] == 2  # undecodable: read whole to say so
    assert opened == ["file", "file", "whole", "whole", "whole", "whole", "file", "whole"]


def test_standard_input_copied_to_a_file_leaves_no_name(
    seed_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy of a large standard input has no name at any moment: nothing to leave behind, however the run ends."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fake_stdin(monkeypatch, seed_path.read_bytes())
    source = files.open_source("-", "utf-8", "line", large=1)
    try:
        assert source.file is not None and source.text == ""
        assert list(tmp_path.iterdir()) == []
        assert list(source.file.paragraphs) == [p.text for p in split_paragraphs(seed_path.read_text("utf-8"))]
    finally:
        source.file.close()
