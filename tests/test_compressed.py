"""Compressed JSON Lines in and out of ``dedupe-file --jsonl``: gzip, bzip2, xz and zstd.

Every input is compressed here by the format's own library (not by the code under test), and
every output is checked against the plain run's output, byte for byte, after decompressing it
with that library. ``main([...])`` runs in-process; the installed ``dedupe-file`` runs in a
subprocess where a pipe on standard input matters.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import zstandard

from dedupe.compression import Prefixed, sniff
from tests.test_cli import one_error, run, write
from tests.test_jsonl import fail_after, pages, paragraph, record_line, run_script, script

EXTENSIONS = {"gzip": ".gz", "bz2": ".bz2", "xz": ".xz", "zstd": ".zst"}
FORMATS = list(EXTENSIONS)
BOILERPLATE = ["--jsonl", "--boilerplate", 2, "--site-field", "url"]


def compress(fmt: str, data: bytes) -> bytes:
    """``data`` compressed by the format's own library."""
    if fmt == "gzip":
        return gzip.compress(data, mtime=0)
    if fmt == "bz2":
        return bz2.compress(data)
    if fmt == "xz":
        return lzma.compress(data)
    return zstandard.ZstdCompressor().compress(data)


def decompress(fmt: str, data: bytes) -> bytes:
    """``data`` decompressed by the format's own library; it must be one whole stream of ``fmt``."""
    assert format_of_bytes(data) == fmt, data[:8]
    if fmt == "gzip":
        return gzip.decompress(data)
    if fmt == "bz2":
        return bz2.decompress(data)
    if fmt == "xz":
        return lzma.decompress(data)
    frame = zstandard.ZstdDecompressor().decompressobj()
    out = frame.decompress(data)
    assert frame.eof and not frame.unused_data
    return out


def format_of_bytes(data: bytes) -> str | None:
    magic = {"gzip": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ\x00", "zstd": b"\x28\xb5\x2f\xfd"}
    return next((fmt for fmt, m in magic.items() if data.startswith(m)), None)


def site_lines() -> bytes:
    """Pages of three sites, each with its site's menu and footer lines: boilerplate for N=2."""
    return b"".join(record_line(page, n) for n, page in enumerate(pages()))


def repeated_lines(seed: int = 5, count: int = 4) -> bytes:
    """Records whose one paragraph comes twice, so each record loses a copy without any policy."""
    rng = random.Random(seed)
    bodies = [paragraph(rng) for _ in range(count)]
    return b"".join((json.dumps({"id": f"r{k}", "text": f"{p}\n{p}"}) + "\n").encode() for k, p in enumerate(bodies))


def plain_run(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], argv: list[Any], data: bytes) -> bytes:
    """What the run writes on standard output for ``data`` as a plain file."""
    path = write(tmp_path / "plain-reference.jsonl", data)
    assert run(["-q", *argv, path]) == 0
    out = capsysbinary.readouterr().out
    assert out and out != data  # something was removed: the outputs compared below tell runs apart
    return out


def compressed_file(tmp_path: Path, fmt: str, data: bytes, stem: str = "pages") -> Path:
    return write(tmp_path / f"{stem}.jsonl{EXTENSIONS[fmt]}", compress(fmt, data))


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str) -> None:
    data = site_lines()
    expected = plain_run(tmp_path, capsysbinary, BOILERPLATE, data)
    path = compressed_file(tmp_path, fmt, data)
    out = tmp_path / "out.jsonl"
    assert run(["-q", *BOILERPLATE, path, "-o", out]) == 0
    assert out.read_bytes() == expected
    packed = tmp_path / f"out.jsonl{EXTENSIONS[fmt]}"
    assert run(["-q", *BOILERPLATE, path, "-o", packed]) == 0
    assert decompress(fmt, packed.read_bytes()) == expected
    assert run(["-q", *BOILERPLATE, path]) == 0  # standard output keeps the input's format
    assert decompress(fmt, capsysbinary.readouterr().out) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_standard_input_is_told_by_its_magic_bytes(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    data = repeated_lines()
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    proc = run_script("-q", "--jsonl", stdin=compress(fmt, data))
    assert proc.returncode == 0, proc.stderr
    assert decompress(fmt, proc.stdout) == expected  # written in the format it came in
    proc = run_script("-q", "--jsonl", "-o", tmp_path / "out.jsonl", "-", stdin=compress(fmt, data))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.jsonl").read_bytes() == expected


def test_plain_standard_input_passes_through(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    data = repeated_lines()
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    proc = run_script("-q", "--jsonl", stdin=data)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    # Shorter than any magic number, and blank lines only: every byte comes back.
    proc = run_script("-q", "--jsonl", stdin=b"\n \n")
    assert (proc.returncode, proc.stdout) == (0, b"\n \n"), proc.stderr
    # A first line that starts like a magic number but is not one is a bad line like any other.
    proc = run_script("-q", "--jsonl", "--skip-bad-lines", stdin=b"BZ\n" + data)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected


def bytes_read(pid: int) -> int | None:
    """How many bytes the process has read, if it is blocked reading a pipe now (else ``None``)."""
    if "pipe_read" not in Path(f"/proc/{pid}/wchan").read_text():
        return None
    return int(Path(f"/proc/{pid}/io").read_text().split()[1])  # rchar


def tells_a_wait_on_a_pipe() -> bool:
    """Whether this system's /proc says that a process waits to read a pipe."""
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if bytes_read(reader.pid) is not None:
                    return True
            except OSError:
                return False
            time.sleep(0.01)
        return False
    finally:
        reader.communicate(b"", timeout=60)


def wait_for_a_read(pid: int, after: int) -> int:
    """Wait until the process has read more than ``after`` bytes and waits for more on its pipe."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        count = bytes_read(pid)
        if count is not None and count > after:
            return count
        time.sleep(0.005)
    raise AssertionError("the process does not read its standard input")


@pytest.mark.parametrize("fmt", ["gzip", "zstd"])
def test_magic_bytes_that_come_through_the_pipe_one_at_a_time(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    # Each of the first bytes is written only once the run waits for it: a look at what the
    # pipe holds (peek) would see one byte, and take the stream for plain.
    if not tells_a_wait_on_a_pipe():
        pytest.skip("no /proc/PID/wchan that tells when a process waits on a pipe")
    data = repeated_lines()
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    packed = compress(fmt, data)
    proc = subprocess.Popen(
        [script(), "-q", "--jsonl", "-o", tmp_path / "out.jsonl"], stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stderr is not None
    count = wait_for_a_read(proc.pid, -1)
    for byte in packed[:4]:
        proc.stdin.write(bytes([byte]))
        proc.stdin.flush()
        count = wait_for_a_read(proc.pid, count)
    proc.stdin.write(packed[4:])
    proc.stdin.close()
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    proc.stderr.close()
    assert (tmp_path / "out.jsonl").read_bytes() == expected


class OneByteAtATime(io.RawIOBase):
    """A stream whose every read gives at most one byte, as a raw pipe may."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.data or not len(buffer):
            return 0
        buffer[0], self.data = self.data[0], self.data[1:]
        return 1


def test_sniffing_gives_every_byte_back() -> None:
    for data in (b"", b"{", b"\x1f", b'{"text": "x"}\n{"text": "y"}\n', gzip.compress(b"a\n", mtime=0)):
        fmt, stream = sniff(io.BytesIO(data))
        assert fmt == format_of_bytes(data)
        assert stream.read() == data
    fmt, stream = sniff(OneByteAtATime(b"\xfd7zXZ\x00 and the rest"))
    assert fmt == "xz" and stream.read() == b"\xfd7zXZ\x00 and the rest"
    _, stream = sniff(io.BytesIO(b'{"text": "a long first line"}\nsecond\n'))
    assert list(stream) == [b'{"text": "a long first line"}\n', b"second\n"]  # the first line is not cut at 6 bytes


def test_prefixed_joins_a_line_cut_between_head_and_tail() -> None:
    stream = Prefixed(io.BytesIO(b"one\ntw"), io.BytesIO(b"o\nthree\n"))
    assert list(stream) == [b"one\n", b"two\n", b"three\n"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_concatenated_streams_are_read_whole(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    data = repeated_lines(count=6)
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    lines = data.splitlines(keepends=True)
    path = write(
        tmp_path / f"two.jsonl{EXTENSIONS[fmt]}",
        compress(fmt, b"".join(lines[:2])) + compress(fmt, b"".join(lines[2:])),
    )
    assert run(["-q", "--jsonl", "--compress", "none", path]) == 0
    assert capsysbinary.readouterr().out == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_boilerplate_reads_compressed_standard_input_twice(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    # Two passes over standard input, spooled, after the look-ahead for --site-field.
    data = site_lines()
    expected = plain_run(tmp_path, capsysbinary, BOILERPLATE, data)
    proc = run_script("-q", *BOILERPLATE, stdin=compress(fmt, data))
    assert proc.returncode == 0, proc.stderr
    assert decompress(fmt, proc.stdout) == expected
    # The look-ahead reads the decompressed records: a misspelt field is still told as such.
    proc = run_script("--jsonl", "--boilerplate", 2, "--site-field", "domain", stdin=compress(fmt, data))
    assert proc.returncode == 2 and proc.stdout == b""
    one_error(proc.stderr, "--site-field domain: no record has this field (fields seen: id, n, big, url, text")


def test_boilerplate_reopens_compressed_files(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    data = site_lines()
    expected = plain_run(tmp_path, capsysbinary, BOILERPLATE, data)
    lines = data.splitlines(keepends=True)
    parts = [compressed_file(tmp_path, fmt, b"".join(lines[k::4]), stem=f"part{k}") for k, fmt in enumerate(FORMATS)]
    out = tmp_path / "out.jsonl"
    assert run(["-q", *BOILERPLATE, *parts, "-o", out]) == 0
    got = out.read_bytes().splitlines(keepends=True)
    assert sorted(got) == sorted(expected.splitlines(keepends=True))


def test_skip_bad_lines_applies_per_record(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    lines = repeated_lines().splitlines(keepends=True)
    data = b"".join([lines[0], b"not json\n", *lines[1:]])
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl", "--skip-bad-lines"], data)
    path = compressed_file(tmp_path, "xz", data)
    assert run(["--jsonl", "--compress", "none", path]) == 2
    one_error(capsysbinary.readouterr().err, f"{path}:2: ", "--skip-bad-lines")
    assert run(["--jsonl", "--skip-bad-lines", "--compress", "none", path]) == 0
    out, err = capsysbinary.readouterr()
    assert out == expected
    assert f"{path}:2: skipped" in err.decode()


# --------------------------------------------------------------------------- writing


@pytest.mark.parametrize("fmt", FORMATS)
def test_o_with_a_compressed_name_is_written_in_its_format(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    data = repeated_lines()
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    plain = write(tmp_path / "in.jsonl", data)
    out = tmp_path / f"out.jsonl{EXTENSIONS[fmt]}"
    assert run(["-q", "--jsonl", plain, "-o", out]) == 0
    assert decompress(fmt, out.read_bytes()) == expected
    # -o without such an extension is plain, whatever the input.
    other = tmp_path / "out.jsonl"
    assert run(["-q", "--jsonl", compressed_file(tmp_path, fmt, data), "-o", other]) == 0
    assert other.read_bytes() == expected


def test_standard_output_takes_the_format_of_the_first_input(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    lines = repeated_lines().splitlines(keepends=True)
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], b"".join(lines))
    first = compressed_file(tmp_path, "xz", b"".join(lines[:2]), stem="first")
    second = compressed_file(tmp_path, "gzip", b"".join(lines[2:]), stem="second")
    assert run(["-q", "--jsonl", first, second]) == 0
    assert decompress("xz", capsysbinary.readouterr().out) == expected
    plain = write(tmp_path / "second.jsonl", b"".join(lines[2:]))
    assert run(["-q", "--jsonl", plain, first]) == 0  # a plain first input: plain output
    cleaned = expected.splitlines(keepends=True)
    assert capsysbinary.readouterr().out == b"".join([*cleaned[2:], *cleaned[:2]])


@pytest.mark.parametrize("fmt", FORMATS)
def test_compress_overrides_the_rules(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str) -> None:
    data = repeated_lines()
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    other = "zstd" if fmt == "gzip" else "gzip"
    path = compressed_file(tmp_path, other, data)
    assert run(["-q", "--jsonl", "--compress", fmt, path]) == 0
    assert decompress(fmt, capsysbinary.readouterr().out) == expected
    assert run(["-q", "--jsonl", "--compress", "none", path]) == 0
    assert capsysbinary.readouterr().out == expected
    named = tmp_path / f"out.jsonl{EXTENSIONS[other]}"  # the name says one format, the option another
    assert run(["-q", "--jsonl", "--compress", fmt, path, "-o", named]) == 0
    assert decompress(fmt, named.read_bytes()) == expected
    plain = write(tmp_path / "in.jsonl", data)
    assert run(["-q", "--jsonl", "--compress", fmt, plain, "-o", tmp_path / "out.jsonl"]) == 0
    assert decompress(fmt, (tmp_path / "out.jsonl").read_bytes()) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_compressed_output_is_deterministic(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    path = compressed_file(tmp_path, fmt, site_lines())
    outputs = []
    for k in range(2):
        out = tmp_path / f"out{k}.jsonl{EXTENSIONS[fmt]}"
        assert run(["-q", *BOILERPLATE, path, "-o", out]) == 0
        outputs.append(out.read_bytes())
        assert run(["-q", *BOILERPLATE, path]) == 0
        outputs.append(capsysbinary.readouterr().out)
        time.sleep(1.1 if fmt == "gzip" and k == 0 else 0)  # a gzip header with the time would now differ
    assert len(set(outputs)) == 1
    if fmt == "gzip":
        header = outputs[0][:10]
        assert header[4:8] == b"\0\0\0\0"  # no modification time
        assert header[3] & 0x08 == 0  # no file name


@pytest.mark.parametrize("fmt", FORMATS)
def test_in_place_keeps_each_format_and_leaves_unchanged_files_alone(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    data = repeated_lines()
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    changed = compressed_file(tmp_path, fmt, data, stem="changed")
    clean = compressed_file(tmp_path, fmt, expected, stem="clean")
    before = clean.read_bytes(), clean.stat().st_ino, clean.stat().st_mtime_ns
    assert run(["-q", "--jsonl", "--in-place", changed, clean]) == 0
    assert decompress(fmt, changed.read_bytes()) == expected
    assert (clean.read_bytes(), clean.stat().st_ino, clean.stat().st_mtime_ns) == before
    # Run again: nothing left to remove, nothing rewritten.
    again = changed.read_bytes(), changed.stat().st_ino
    assert run(["-q", "--jsonl", "--in-place", changed]) == 0
    assert (changed.read_bytes(), changed.stat().st_ino) == again


def test_explanations_are_plain_on_standard_output(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    data = repeated_lines()
    plain = write(tmp_path / "in.jsonl", data)
    path = compressed_file(tmp_path, "gzip", data)
    assert run(["-q", "--jsonl", "--explain", plain]) == 0
    reference = [json.loads(row) for row in capsysbinary.readouterr().out.splitlines()]
    assert run(["-q", "--jsonl", "--explain", path]) == 0
    rows = [json.loads(row) for row in capsysbinary.readouterr().out.splitlines()]
    assert len(rows) == len(reference) == 4
    for row, ref in zip(rows, reference, strict=True):
        assert row.pop("file") == str(path) and ref.pop("file") == str(plain)
        assert row == ref
    out = tmp_path / "why.jsonl.gz"  # -o's name still says the format
    assert run(["-q", "--jsonl", "--explain", path, "-o", out]) == 0
    assert len(decompress("gzip", out.read_bytes()).splitlines()) == 4


def test_check_reads_compressed_input(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    data = repeated_lines()
    expected = plain_run(tmp_path, capsysbinary, ["--jsonl"], data)
    for fmt in FORMATS:
        assert run(["--jsonl", "--check", compressed_file(tmp_path, fmt, data)]) == 1
        out, err = capsysbinary.readouterr()
        assert out == b"" and "4 of 8 paragraphs would be removed" in err.decode()
        assert run(["--jsonl", "--check", compressed_file(tmp_path, fmt, expected, stem="clean")]) == 0
        assert capsysbinary.readouterr().out == b""


def test_shared_index_failure_finishes_the_compressed_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    data = repeated_lines(count=5)
    lines = data.splitlines(keepends=True)
    cleaned = plain_run(tmp_path, capsysbinary, ["--jsonl"], data).splitlines(keepends=True)
    fail_after(monkeypatch, 3)
    argv = ["--jsonl", "--scope", "corpus", "--index", "redis://localhost:6379/0"]
    out = tmp_path / "out.jsonl.xz"
    path = compressed_file(tmp_path, "gzip", data)
    assert run([*argv, "-o", out, path]) == 2
    one_error(capsysbinary.readouterr().err, f"{path}:4: ", f"{out} holds the first 3")
    assert decompress("xz", out.read_bytes()) == b"".join(cleaned[:3])  # a whole stream, not cut short
    assert run([*argv, "--in-place", path]) == 2
    one_error(capsysbinary.readouterr().err, str(path), "rest unchanged")
    assert decompress("gzip", path.read_bytes()) == b"".join([*cleaned[:3], *lines[3:]])


# --------------------------------------------------------------------------- damaged input


def damaged(fmt: str, data: bytes) -> dict[str, bytes]:
    packed = compress(fmt, data)
    return {"not compressed": data, "truncated": packed[: len(packed) * 2 // 3], "cut at the end": packed[:-3]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_damaged_input_is_one_error_and_leaves_o_untouched(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    data = repeated_lines(count=40)  # a few blocks of compressed data: a cut lands inside them
    out = write(tmp_path / "out.jsonl", b"old\n")
    for how, content in damaged(fmt, data).items():
        path = write(tmp_path / f"bad.jsonl{EXTENSIONS[fmt]}", content)
        assert run(["--jsonl", path, "-o", out]) == 2, how
        line = one_error(capsysbinary.readouterr().err, f"{path}: not a valid {fmt} stream (")
        if how != "not compressed":
            assert "truncated" in line, line
        assert out.read_bytes() == b"old\n"
        assert sorted(os.listdir(tmp_path)) == [path.name, "out.jsonl"]  # no temporary file left


@pytest.mark.parametrize("fmt", FORMATS)
def test_damaged_standard_input_is_one_error(tmp_path: Path, fmt: str) -> None:
    data = repeated_lines(count=40)
    out = write(tmp_path / "out.jsonl", b"old\n")
    packed = compress(fmt, data)
    for argv in (["--jsonl"], BOILERPLATE, ["--jsonl", "--scope", "corpus", "--id-field", "id"]):
        proc = run_script(*argv, "-o", out, stdin=packed[: len(packed) // 2])
        assert proc.returncode == 2
        one_error(proc.stderr, f"<stdin>: not a valid {fmt} stream (truncated")
        assert out.read_bytes() == b"old\n"


def test_a_read_error_is_not_taken_for_damage(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    # /proc/self/mem cannot be read from offset 0: EIO, which is the file's error, not the format's.
    if not os.path.exists("/proc/self/mem"):
        pytest.skip("no /proc/self/mem")
    link = tmp_path / "mem.jsonl.gz"
    link.symlink_to("/proc/self/mem")
    assert run(["--jsonl", link]) == 2
    line = one_error(capsysbinary.readouterr().err, str(link))
    assert "not a valid" not in line, line


# --------------------------------------------------------------------------- zstd without zstandard

# Runs dedupe-file with the zstandard module made unimportable.
WITHOUT_ZSTANDARD = (
    "import sys; sys.modules['zstandard'] = None; from dedupe.cli import main; sys.exit(main(sys.argv[1:]))"
)


def without_zstandard(*argv: object, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_ZSTANDARD, *map(str, argv)], input=stdin, capture_output=True, timeout=120
    )


def test_zstd_without_zstandard_names_the_extra(tmp_path: Path) -> None:
    data = repeated_lines()
    zst = compressed_file(tmp_path, "zstd", data)
    plain = write(tmp_path / "in.jsonl", data)
    out = write(tmp_path / "out.jsonl", b"old\n")
    zst_out = write(tmp_path / "out.jsonl.zst", b"old\n")
    cases: list[tuple[list[object], bytes | None, str]] = [
        (["--jsonl", zst, "-o", out], None, str(zst)),
        (["--jsonl", "-o", out], zst.read_bytes(), "<stdin>"),
        (["--jsonl", plain, "-o", zst_out], None, str(zst_out)),
        (["--jsonl", "--compress", "zstd", plain], None, "standard output"),
        ([*BOILERPLATE, "-o", out], zst.read_bytes(), "<stdin>"),
    ]
    for argv, stdin, who in cases:
        proc = without_zstandard(*argv, stdin=stdin)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == b""
        one_error(proc.stderr, f"{who}: zstd needs the zstandard package", "pip install 'news-dedupe[zstd]'")
    assert out.read_bytes() == b"old\n" and zst_out.read_bytes() == b"old\n"
    # The other formats need nothing more.
    proc = without_zstandard("-q", "--jsonl", compressed_file(tmp_path, "gzip", data), stdin=None)
    assert proc.returncode == 0, proc.stderr
    assert decompress("gzip", proc.stdout) == proc_plain(tmp_path, data)


def proc_plain(tmp_path: Path, data: bytes) -> bytes:
    proc = run_script("-q", "--jsonl", write(tmp_path / "reference.jsonl", data))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_zstandard_is_imported_only_for_zstd(tmp_path: Path) -> None:
    data = repeated_lines()
    code = (
        "import sys, dedupe; from dedupe.cli import main; main(['-q', '--jsonl', '-o', '/dev/null', *sys.argv[1:]]); "
        "print('zstandard' in sys.modules)"
    )

    def imported(*inputs: Path) -> str:
        done = subprocess.run([sys.executable, "-c", code, *map(str, inputs)], capture_output=True, check=True)
        return done.stdout.decode().strip()

    assert imported(write(tmp_path / "in.jsonl", data), compressed_file(tmp_path, "gzip", data)) == "False"
    assert imported(compressed_file(tmp_path, "zstd", data)) == "True"
    done = subprocess.run(
        [sys.executable, "-c", "import sys, dedupe, dedupe.cli; print('zstandard' in sys.modules)"],
        capture_output=True,
        check=True,
    )
    assert done.stdout.strip() == b"False"


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--compress", "gzip"], "--compress gzip needs --jsonl"),
        (["--jsonl", "--compress", "xz", "--in-place"], "--in-place keeps each file's format"),
        (["--jsonl", "--compress", "none", "--check"], "--check writes nothing"),
    ],
)
def test_compress_usage_errors(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], argv: list[str], fragment: str
) -> None:
    path = write(tmp_path / "in.jsonl", repeated_lines())
    before = path.read_bytes()
    assert run([*argv, path]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    one_error(err, fragment, rest="usage")
    assert path.read_bytes() == before


def test_text_mode_is_left_as_it_was(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    # Without --jsonl a file is text: a .gz name changes nothing, in or out.
    text = "A line of its own.\nA line of its own.\n"
    path = write(tmp_path / "notes.txt.gz", text)
    out = tmp_path / "out.txt.gz"
    assert run(["-q", "--scope", "corpus", "--min-chars", 0, path, "-o", out]) == 0
    assert out.read_bytes() == b"A line of its own.\n"
