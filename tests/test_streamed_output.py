"""dedupe-file writes the kept text a chunk at a time (``split.kept_chunks``, ``Source.encode_chunks``):
the bytes must be those of the cleaned text encoded at once, on standard output, with -o and in place."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.corpus import corpus_text, make_corpus
from dedupe import dedupe_text
from dedupe.files import Spool
from dedupe.split import cuts_of, join_spans, kept_chunks, span_array
from tests.scale import examples

# About 2.8 million characters: the kept text crosses the 1,048,576-character chunks twice.
TEXT = corpus_text(make_corpus(9000, seed=11)).replace("\n", "\r\n", 500)
CLEANED = dedupe_text(TEXT)
ENCODINGS = [
    ("utf-8", b"", "utf-8"),
    ("utf-16", b"\xff\xfe", "utf-16-le"),  # a byte order mark is kept as found
    ("utf-32-be", b"", "utf-32-be"),
    ("utf-8-sig", b"\xef\xbb\xbf", "utf-8"),
    ("gb18030", b"", "gb18030"),  # not written by chunks: joined and encoded at once
]


# dedupe-file with every input large (``dedupe.text_file``: the text is left in its file).
_LARGE = ["-c", "import sys; from dedupe import api, cli; api.LEAN_FROM = 0; sys.exit(cli.main())"]


def dedupe_file(*args: object, data: bytes | None = None, large: bool = False) -> subprocess.CompletedProcess[bytes]:
    argv = [sys.executable, *(_LARGE if large else ["-m", "dedupe"]), "-q", *map(str, args)]
    return subprocess.run(argv, input=data, capture_output=True, timeout=300, check=False)


def test_the_text_crosses_chunks() -> None:
    assert len(CLEANED) > 2 * (1 << 20) and len(CLEANED) < len(TEXT) - 100_000


@pytest.mark.parametrize("large", [False, True], ids=["held", "left-in-file"])
@pytest.mark.parametrize(("encoding", "bom", "codec"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_output_is_the_cleaned_text_encoded(encoding: str, bom: bytes, codec: str, large: bool, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(bom + TEXT.encode(codec))
    expected = bom + CLEANED.encode(codec)
    out = dedupe_file("--encoding", encoding, source, large=large)
    assert (out.returncode, out.stderr) == (0, b"")
    assert out.stdout == expected
    assert dedupe_file("--encoding", encoding, "-", data=source.read_bytes(), large=large).stdout == expected
    assert dedupe_file("--encoding", encoding, "-o", tmp_path / "out.txt", source, large=large).returncode == 0
    assert (tmp_path / "out.txt").read_bytes() == expected
    assert dedupe_file("--encoding", encoding, "--in-place", source, large=large).returncode == 0
    assert source.read_bytes() == expected
    assert dedupe_file("--encoding", encoding, "--check", source, large=large).returncode == 0  # nothing left


def test_two_files_follow_one_another(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8", newline="")
    (tmp_path / "b.txt").write_text("Short.\nShort.\n", encoding="utf-8", newline="")
    out = dedupe_file(tmp_path / "a.txt", tmp_path / "b.txt", "--jobs", "1")
    assert out.stdout == CLEANED.encode() + b"Short.\nShort.\n"


def test_a_codec_that_may_fail_writes_nothing_of_a_text_it_cannot_encode(tmp_path: Path) -> None:
    # Over a million characters of idna labels, then a removal that joins two labels into one
    # too long to encode: encoded chunk by chunk, the first chunks would reach the output first.
    labels = (hashlib.sha256(str(i).encode()).hexdigest() for i in range(18_000))
    lines = "".join(f"{h[:32]}.{h[32:]}\n" for h in labels) + "b.c\n" + "a" * 40 + "\nb.c\n" + "d" * 40 + "\n"
    assert len(lines) > 1 << 20
    (tmp_path / "a.txt").write_text(lines, encoding="ascii", newline="")
    out = dedupe_file("--encoding", "idna", "--min-chars", "0", tmp_path / "a.txt")
    assert out.returncode == 2 and b"cannot be written in idna" in out.stderr
    assert out.stdout == b""


@examples(200)
@given(
    text=st.text(st.sampled_from("ab\n\r "), max_size=60),
    chosen=st.lists(st.integers(0, 30), max_size=10),
    size=st.integers(1, 8),
)
def test_chunks_join_to_the_kept_text(text: str, chosen: list[int], size: int) -> None:
    spans = span_array(text)
    cuts = cuts_of(spans, chosen)
    chunks = list(kept_chunks(text, cuts, size))
    assert "".join(chunks) == join_spans(text, spans, chosen)
    assert all(size <= len(c) < 2 * size for c in chunks[:-1])


def test_output_goes_into_its_temporary_file_as_it_comes(tmp_path: Path) -> None:
    """-o OUT holds nothing back for a file: the bytes are in the temporary file beside OUT,
    which replaces OUT only at the commit; for a pipe or a descriptor's name they are held."""
    out = tmp_path / "out.txt"
    out.write_bytes(b"old\n")
    spool = Spool(str(out))
    chunk = b"x" * (1 << 20)
    spool.write(chunk)
    spool.write(chunk)
    (temp,) = (p for p in tmp_path.iterdir() if p != out)
    assert temp.stat().st_size >= len(chunk) and spool.held == [] and out.read_bytes() == b"old\n"
    spool.commit()
    assert out.read_bytes() == chunk * 2 and list(tmp_path.iterdir()) == [out]
    dropped = Spool(str(out))
    dropped.write(b"never")
    dropped.discard()
    assert out.read_bytes() == chunk * 2 and list(tmp_path.iterdir()) == [out]
    held = Spool("/dev/null")
    held.write(b"kept back")
    assert held.held == [b"kept back"]
    held.commit()


def test_an_input_that_fails_after_one_written_leaves_out_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8", newline="")
    (tmp_path / "b.txt").write_bytes(b"caf\xe9\n")
    out = tmp_path / "out.txt"
    out.write_bytes(b"old\n")
    done = dedupe_file("--jobs", "1", "-o", out, tmp_path / "a.txt", tmp_path / "b.txt")
    assert done.returncode == 2 and done.stderr.count(b"\n") == 1 and b"b.txt" in done.stderr
    assert out.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "out.txt"]
