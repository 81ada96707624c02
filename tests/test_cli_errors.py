"""Tests of ``dedupe-file`` when things go wrong around it: a full disk or standard output,
lack of memory, Ctrl-C, SIGTERM and kill -9 (and the temporary files they leave), codecs
that cannot encode, empty option values, and ``-o`` naming a descriptor (``/dev/stdout``).

Each failure must give one line on standard error (no traceback), exit 2 (130 after
Ctrl-C, 143 after SIGTERM), and leave no temporary file and no half-written target.
Signals are sent to the installed ``dedupe-file`` in a subprocess, at a moment made
certain by a pipe that keeps it waiting once its temporary file exists.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import dedupe.corpus
from dedupe.cli import main
from dedupe.tempfiles import TempFile

PROG = "dedupe-file"
LONG = "The storm reached the coast on Monday night, cutting power to 40,000 homes in three counties today."
OTHER = "Rescue crews worked through the night to reach villages cut off by the flooding in the river valley."
TEXT = f"{LONG}\n{OTHER}\n{LONG}\nshort\n"
CLEAN = f"{LONG}\n{OTHER}\nshort\n".encode()
LINUX = sys.platform.startswith("linux")


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


def the_error(err: bytes | str, *fragments: str) -> str:
    """Assert that standard error is exactly one ``dedupe-file: error:`` line; return it."""
    text = err.decode("utf-8", "backslashreplace") if isinstance(err, bytes) else err
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{PROG}: error: "), text
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".dedupe-"))


def records(count: int) -> bytes:
    """``count`` JSON Lines records that share a paragraph."""
    rows = [
        {"id": str(i), "text": f"{LONG}\nRecord {i} has a body of its own, about item number {i}."}
        for i in range(count)
    ]
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def wait_for_temp(folder: Path, proc: subprocess.Popen[bytes]) -> Path:
    """Wait until ``proc`` has created its temporary file in ``folder`` (it then waits on its input)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [p for p in folder.iterdir() if p.name.startswith(".dedupe-") and p.name.endswith(".tmp")]
        if found:
            return found[0]
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"no temporary file appeared in {folder}; stderr: {err!r}")


def start_waiting(folder: Path, argv: Sequence[object], first: bytes) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``dedupe-file argv`` in ``folder`` reading a pipe that gets ``first`` and stays open."""
    proc = subprocess.Popen(
        [script(), *map(str, argv)],
        cwd=folder,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(first)
    proc.stdin.flush()
    return proc, wait_for_temp(folder, proc)


def finish(proc: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """Close the pipe of a stopped process, reap it, and return its status and standard error."""
    assert proc.stdin is not None and proc.stderr is not None
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    status = proc.wait(timeout=60)
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.stdout is not None:
        proc.stdout.close()
    return status, err


# A wrapper of the CLI whose index save writes part of the file, then waits on standard input:
# a deterministic moment to signal or kill a process in the middle of writing its index.
SLOW_SAVE = textwrap.dedent(
    """
    import sys
    import numpy as np
    from dedupe.cli import main

    def savez(file, **arrays):
        file.write(b"PK part of an index")
        file.flush()
        open(sys.argv[1], "w").close()  # the temporary file exists and is half written
        sys.stdin.buffer.read()

    np.savez = savez
    sys.exit(main(sys.argv[2:]))
    """
)


def start_slow_save(folder: Path, argv: Sequence[object]) -> tuple[subprocess.Popen[bytes], Path]:
    marker = folder.parent / f"{folder.name}.saving"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE, str(marker), *map(str, argv)],
        cwd=folder,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if not marker.exists():
        proc.kill()
        pytest.fail(f"the index save never started; stderr: {proc.communicate()[1]!r}")
    return proc, wait_for_temp(folder, proc)


# --------------------------------------------------------------------------- a full standard output or disk


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "argv",
    [["a.txt"], ["--explain", "a.txt"], ["--diff", "a.txt"], ["--scope", "corpus", "a.txt"], ["--jsonl", "b.jsonl"]],
    ids=["text", "explain", "diff", "corpus", "jsonl"],
)
def test_standard_output_on_dev_full(tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.jsonl").write_bytes(records(3))
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([script(), *argv], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 2, proc.stderr
    the_error(proc.stderr, "standard output", "No space left on device")


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Temporary files are created as usual, but whatever is written to them hits a full disk."""
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    mkstemp = tempfile.mkstemp

    def on_a_full_disk(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, path = mkstemp(*args, **kwargs)
        full = os.open("/dev/full", os.O_WRONLY)
        os.dup2(full, fd)
        os.close(full)
        return fd, path

    monkeypatch.setattr(tempfile, "mkstemp", on_a_full_disk)


@pytest.mark.parametrize(
    "argv",
    [
        ["-o", "out.txt", "a.txt"],
        ["--scope", "corpus", "-o", "out.txt", "a.txt"],
        ["--jsonl", "-o", "out.txt", "b.jsonl"],
        ["--in-place", "a.txt"],
        ["--scope", "corpus", "--in-place", "a.txt"],
    ],
    ids=["text-o", "corpus-o", "jsonl-o", "text-in-place", "corpus-in-place"],
)
@pytest.mark.usefixtures("full_disk")
def test_full_disk_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.jsonl").write_bytes(records(300))  # more than a write buffer
    (tmp_path / "out.txt").write_bytes(b"precious\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert run(["-q", *argv]) == 2
    out, err = capsysbinary.readouterr()
    the_error(err, "cannot write", "No space left on device")
    assert out == b""
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.usefixtures("full_disk")
def test_full_disk_while_saving_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(TEXT)
    assert run(["-q", "--scope", "corpus", "--index", "seen.npz", "a.txt"]) == 2
    err = capsysbinary.readouterr().err
    the_error(err, "seen.npz", "No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("mode", [[], ["--scope", "corpus"], ["--jsonl"]], ids=["text", "corpus", "jsonl"])
def test_output_to_a_full_device(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], mode: list[str]) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.jsonl").write_bytes(records(3))
    assert run(["-q", *mode, "-o", "/dev/full", tmp_path / ("b.jsonl" if mode == ["--jsonl"] else "a.txt")]) == 2
    the_error(capsysbinary.readouterr().err, "/dev/full", "No space left on device")


# --------------------------------------------------------------------------- lack of memory, Ctrl-C in-process


@pytest.mark.parametrize("failure", [MemoryError, KeyboardInterrupt])
@pytest.mark.parametrize(
    "mode", [[], ["--scope", "corpus"], ["--jsonl", "--scope", "corpus"]], ids=["text", "corpus", "jsonl"]
)
def test_out_of_memory_or_interrupted_mid_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
    failure: type[BaseException],
    mode: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.jsonl").write_bytes(records(5))
    (tmp_path / "out.txt").write_bytes(b"precious\n")
    fed: list[str] = []

    def fail(*args: Any, **kwargs: Any) -> Any:
        fed.append("x")
        if len(fed) == 2 or not mode:  # corpus mode: in the second document, its output file open
            raise failure
        return real_feed(*args, **kwargs)

    real_feed = dedupe.corpus.Deduper.feed
    monkeypatch.setattr("dedupe.cli.explain_removals", fail)
    monkeypatch.setattr("dedupe.cli.removals", fail)
    monkeypatch.setattr(dedupe.corpus.Deduper, "feed", fail)
    (tmp_path / "c.txt").write_text(TEXT)
    inputs = ["b.jsonl"] if "--jsonl" in mode else ["a.txt", "c.txt"]
    status = run(["-q", *mode, "-o", "out.txt", *inputs])
    err = capsysbinary.readouterr().err
    if failure is MemoryError:
        assert status == 2
        the_error(err, "out of memory")
    else:
        assert status == 130
        the_error(err, "interrupted")
    assert fed
    assert (tmp_path / "out.txt").read_bytes() == b"precious\n"
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- signals, in a real process


@pytest.mark.skipif(not LINUX, reason="signals and /proc as on Linux")
@pytest.mark.parametrize(
    ("signum", "status", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_signal_mid_run_leaves_no_temporary_file(tmp_path: Path, signum: int, status: int, word: str) -> None:
    (tmp_path / "out.jsonl").write_bytes(b"precious\n")
    (tmp_path / "first.jsonl").write_bytes(records(2000))
    # The first file is a large input; standard input then keeps the run waiting, -o open.
    argv = ["--jsonl", "--scope", "corpus", "-o", "out.jsonl", "first.jsonl", "-"]
    proc, _ = start_waiting(tmp_path, argv, records(100))
    proc.send_signal(signum)
    got, err = finish(proc)
    assert got == status, err
    the_error(err, word)
    assert leftovers(tmp_path) == []
    assert (tmp_path / "out.jsonl").read_bytes() == b"precious\n"


@pytest.mark.skipif(not LINUX, reason="signals and FIFOs as on Linux")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_in_place_run_leaves_every_file_as_it_was(tmp_path: Path, signum: int, status: int) -> None:
    (tmp_path / "first.txt").write_text(TEXT)
    # A FIFO as the second file: --in-place writes it directly, and opening it waits for a reader,
    # which never comes; by then the first file's temporary file waits for the rename at the end.
    os.mkfifo(tmp_path / "wait.txt")
    proc = subprocess.Popen(
        [script(), "--scope", "corpus", "--in-place", "first.txt", "wait.txt"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for_temp(tmp_path, proc)
    proc.send_signal(signum)
    got, err = finish(proc)
    assert got == status, err
    the_error(err)
    assert leftovers(tmp_path) == []
    assert (tmp_path / "first.txt").read_text() == TEXT


@pytest.mark.skipif(not LINUX, reason="signals and /proc as on Linux")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_saving_the_index(tmp_path: Path, signum: int, status: int) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.txt").write_text(f"{OTHER}\nsomething new in b, long enough to be remembered by the index as well\n")
    assert run(["-q", "--scope", "corpus", "--index", tmp_path / "seen.npz", tmp_path / "a.txt"]) == 0
    index = (tmp_path / "seen.npz").read_bytes()
    proc, temp = start_slow_save(tmp_path, ["-q", "--scope", "corpus", "--index", "seen.npz", "-o", "out.txt", "b.txt"])
    assert temp.name.startswith(f".dedupe-{proc.pid}-")
    proc.send_signal(signum)
    got, err = finish(proc)
    assert got == status, err
    the_error(err)
    assert (tmp_path / "seen.npz").read_bytes() == index
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- kill -9 leftovers, removed next time


@pytest.mark.skipif(not LINUX, reason="signals and /proc as on Linux")
def test_next_run_removes_what_kill_9_left_of_an_output(tmp_path: Path) -> None:
    proc, temp = start_waiting(tmp_path, ["--jsonl", "--scope", "corpus", "-o", "out.jsonl", "-"], records(100))
    assert temp.name.startswith(f".dedupe-{proc.pid}-")
    proc.kill()
    assert finish(proc)[0] == -signal.SIGKILL
    assert leftovers(tmp_path) == [temp.name], "kill -9 leaves the temporary file"
    (tmp_path / "a.txt").write_text(TEXT)
    done = subprocess.run([script(), "-v", "-o", "other.txt", "a.txt"], cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"removed {temp}, a temporary file left by process {proc.pid}".encode() in done.stderr
    assert leftovers(tmp_path) == []
    assert (tmp_path / "other.txt").read_bytes() == CLEAN


@pytest.mark.skipif(not LINUX, reason="signals and /proc as on Linux")
def test_next_run_removes_what_kill_9_left_of_an_index(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    proc, temp = start_slow_save(tmp_path, ["-q", "--scope", "corpus", "--index", "seen.npz", "a.txt"])
    assert temp.stat().st_size > 0
    proc.kill()
    assert finish(proc)[0] == -signal.SIGKILL
    assert leftovers(tmp_path) == [temp.name]
    # Another run that saves an index in the same directory removes it.
    sub = tmp_path / "elsewhere"
    sub.mkdir()
    done = subprocess.run(
        [script(), "-v", "--scope", "corpus", "--index", "seen.npz", "-o", sub / "out.txt", "a.txt"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"removed {temp}".encode() in done.stderr
    assert leftovers(tmp_path) == []
    assert (tmp_path / "seen.npz").exists()


def test_temporary_files_of_live_writers_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dedupe")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(TEXT)
    # A name that says this (live) process wrote it, with no lock held: kept, by the pid.
    mine = tmp_path / f".dedupe-{os.getpid()}-abcd1234.tmp"
    mine.write_bytes(b"half")
    # A name whose process is gone, while a writer holds its lock on the directory: kept, by the lock.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    orphan = tmp_path / f".dedupe-{int(gone.stdout)}-abcd1234.tmp"
    orphan.write_bytes(b"half")
    writer = TempFile(str(tmp_path))
    os.close(writer.fd)
    try:
        assert run(["-v", "-o", "out.txt", "a.txt"]) == 0
        assert not [m for m in caplog.messages if "temporary file" in m]
        assert set(leftovers(tmp_path)) == {mine.name, orphan.name, Path(writer.path).name}
    finally:
        writer.remove()
    # The writer is done: the orphan goes, the file named after this process stays.
    assert run(["-v", "-o", "out.txt", "a.txt"]) == 0
    assert [m for m in caplog.messages if "temporary file" in m] == [
        f"removed {orphan}, a temporary file left by process {int(gone.stdout)}, which is gone"
    ]
    assert leftovers(tmp_path) == [mine.name]


def test_store_save_writes_through_a_temporary_file_named_for_its_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from dedupe import Deduper

    seen: list[list[str]] = []
    real = np.savez

    def savez(file: Any, **arrays: Any) -> None:
        seen.append(leftovers(tmp_path))
        real(file, **arrays)

    monkeypatch.setattr(np, "savez", savez)
    deduper = Deduper(index=str(tmp_path / "seen.npz"))
    deduper.feed(TEXT, doc_id="a")
    deduper.save()
    (names,) = seen
    assert len(names) == 1 and names[0].startswith(f".dedupe-{os.getpid()}-") and names[0].endswith(".tmp")
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- codecs that cannot round-trip


def test_undefined_encoding_is_a_usage_error(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    assert run(["--encoding", "undefined", tmp_path / "a.txt"]) == 2
    err = capsysbinary.readouterr().err.decode()
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith(f"{PROG}: error: --encoding undefined")


@pytest.mark.parametrize(
    ("data", "options", "fragment"),
    [
        (b"xn--zz\n", [], "not valid idna"),  # punycode that does not decode
        (b"a" * 100 + b"\n", [], "cannot be written in idna"),  # decodes, but a label over 63 is not encoded back
        # Decodes and encodes, until the removal of the second "b.c" joins two labels into one too long.
        (b"b.c\n" + b"a" * 40 + b"\nb.c\n" + b"d" * 40 + b"\n", ["--min-chars", "0"], "cannot be written in idna"),
    ],
    ids=["bad-punycode", "long-label", "label-grows"],
)
@pytest.mark.parametrize("mode", [[], ["--scope", "corpus"]], ids=["text", "corpus"])
def test_idna_errors_are_one_line(
    tmp_path: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
    data: bytes,
    options: list[str],
    fragment: str,
    mode: list[str],
) -> None:
    (tmp_path / "a.txt").write_bytes(data)
    (tmp_path / "out.txt").write_bytes(b"precious\n")
    assert run(["-q", *mode, "--encoding", "idna", *options, "-o", tmp_path / "out.txt", tmp_path / "a.txt"]) == 2
    the_error(capsysbinary.readouterr().err, "a.txt", fragment)
    assert (tmp_path / "out.txt").read_bytes() == b"precious\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [[], ["--scope", "corpus"]], ids=["text", "corpus"])
def test_unicode_escape_surrogate_in_explain(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], mode: list[str]
) -> None:
    # unicode_escape decodes the six characters \ud800 to a lone surrogate, which JSON can only escape.
    line = LONG.encode() + rb"\ud800"
    (tmp_path / "a.txt").write_bytes(line + b"\nmid\n" + line + b"\n")
    assert run(["-q", *mode, "--encoding", "unicode_escape", "--explain", tmp_path / "a.txt"]) == 0
    out, err = capsysbinary.readouterr()
    assert err == b""
    (row,) = [json.loads(r) for r in out.splitlines()]
    assert row["text"] == LONG + "\ud800"
    assert row["line"] == 3


@pytest.mark.parametrize("mode", [[], ["--scope", "corpus"]], ids=["text", "corpus"])
def test_a_file_name_with_a_line_break_still_gives_one_line(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], mode: list[str]
) -> None:
    assert run(["-q", *mode, tmp_path / "two\nlines.txt"]) == 2
    the_error(capsysbinary.readouterr().err, "two\\nlines.txt")


# --------------------------------------------------------------------------- empty option values


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--jsonl", "--field", ""], "--field"),
        (["--jsonl", "--id-field", ""], "--id-field"),
        (["--jsonl", "--scope", "corpus", "--site-field", ""], "--site-field"),
        (["--scope", "corpus", "--index", "redis://127.0.0.1:1/0", "--index-prefix", ""], "--index-prefix"),
    ],
)
def test_empty_names_are_refused(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], argv: list[str], option: str
) -> None:
    (tmp_path / "b.jsonl").write_bytes(records(3))
    assert run([*argv, "-o", tmp_path / "out", tmp_path / "b.jsonl"]) == 2
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert err.decode().splitlines()[-1] == f"{PROG}: error: {option} needs a name, not an empty string"
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- -o naming an open descriptor


@pytest.mark.skipif(not LINUX, reason="/dev/stdout, /dev/fd and /proc/self/fd as on Linux")
@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("/dev/stdout", []),
        ("/dev/fd/1", []),
        ("/proc/self/fd/1", []),
        ("/dev/stdout", ["--scope", "corpus"]),
    ],
    ids=["stdout", "fd", "proc", "stdout-corpus"],
)
def test_output_to_a_pipe_by_name(tmp_path: Path, name: str, mode: list[str]) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    proc = subprocess.run([script(), "-q", *mode, "-o", name, "a.txt"], cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == CLEAN
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not LINUX, reason="/dev/stdout as on Linux")
@pytest.mark.parametrize("mode", [[], ["--scope", "corpus"]], ids=["text", "corpus"])
def test_output_to_dev_stdout_appends_to_a_file_opened_for_appending(tmp_path: Path, mode: list[str]) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    log = tmp_path / "log.txt"
    log.write_bytes(b"earlier\n")
    with open(log, "ab") as f:
        proc = subprocess.run(
            [script(), "-q", *mode, "-o", "/dev/stdout", "a.txt"],
            cwd=tmp_path,
            stdout=f,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    assert log.read_bytes() == b"earlier\n" + CLEAN  # written to, not replaced
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("path", "fd"),
    [
        ("/dev/stdout", 1),
        ("/dev/stderr", 2),
        ("/dev/fd/7", 7),
        ("/proc/self/fd/3", 3),
        (f"/proc/{os.getpid()}/fd/4", 4),
        ("/proc/1/fd/4", None),
        ("/dev/stdout.txt", None),
        ("stdout", None),
    ],
)
def test_descriptor_named(path: str, fd: int | None) -> None:
    from dedupe.files import descriptor_named

    assert descriptor_named(path) == fd


@pytest.mark.parametrize("failure", [KeyboardInterrupt, MemoryError])
def test_a_stop_while_a_temporary_file_is_being_opened_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], failure: type
) -> None:
    # The moment between making a temporary file and its owner holding it: nothing but the
    # process-wide list of temporary files knows it then.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.txt").write_text(TEXT)
    real_fdopen = os.fdopen
    opened: list[int] = []

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        opened.append(fd)
        if len(opened) == 2:  # the second file's temporary file, made but not yet held
            raise failure
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr("dedupe.files.os.fdopen", fdopen)
    status = run(["-q", "--scope", "corpus", "--in-place", "a.txt", "b.txt"])
    assert status == (130 if failure is KeyboardInterrupt else 2)
    the_error(capsysbinary.readouterr().err, "interrupted" if failure is KeyboardInterrupt else "out of memory")
    assert len(opened) == 2
    assert leftovers(tmp_path) == []
    assert (tmp_path / "a.txt").read_text() == TEXT and (tmp_path / "b.txt").read_text() == TEXT
