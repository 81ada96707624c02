"""File names that would make one file both read and written: refused before anything is written.

Two names of one file in a corpus run (the second is read as a copy of the first) and an
index path that is also an input or the output each lost a user's file with exit 0.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from dedupe.cli import main

P = "The council approved the flood barrier on Tuesday, the largest public works project in the city's history."
Q = "Residents of the low-lying districts have waited more than a decade for protection from the storm surges."
TEXT = f"{P}\n{Q}\nshort\n".encode()
RECORDS = [{"id": "a", "text": f"{P}\n{Q}\nshort\n"}, {"id": "b", "text": f"{Q}\nother\n"}]
JSONL = "".join(json.dumps(r) + "\n" for r in RECORDS).encode()


def run(argv: Sequence[object]) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def usage_error(err: str, fragment: str) -> None:
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("dedupe-file: error:")]
    assert len(errors) == 1 and fragment in errors[0], err


def second_name(tmp_path: Path, spelling: str) -> str:
    """Another name of ``art`` in ``tmp_path`` (the current directory)."""
    if spelling == "symlink":
        (tmp_path / "alias").symlink_to("art")
        return "alias"
    if spelling == "hardlink":
        os.link(tmp_path / "art", tmp_path / "alias")
        return "alias"
    return {"same": "art", "dot-slash": "./art", "absolute": str(tmp_path / "art")}[spelling]


MODES: dict[str, tuple[list[str], bytes]] = {
    "corpus in place": (["--scope", "corpus", "--in-place"], TEXT),
    "jsonl corpus in place": (["--jsonl", "--scope", "corpus", "--in-place"], JSONL),
    "boilerplate in place": (["--boilerplate", "2", "--in-place"], TEXT),
    "jsonl boilerplate in place": (["--jsonl", "--boilerplate", "2", "--in-place"], JSONL),
    "document in place": (["--in-place"], TEXT),
    "corpus to stdout": (["--scope", "corpus"], TEXT),
    "jsonl corpus with an index": (["--jsonl", "--scope", "corpus", "--index", "idx.npz", "-o", "out"], JSONL),
}


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "absolute", "symlink", "hardlink"])
@pytest.mark.parametrize("mode", list(MODES))
def test_one_file_named_twice_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mode: str, spelling: str
) -> None:
    monkeypatch.chdir(tmp_path)
    flags, data = MODES[mode]
    (tmp_path / "art").write_bytes(data)
    before = (tmp_path / "art").stat()
    assert run([*flags, "art", second_name(tmp_path, spelling)]) == 2
    out, err = capsys.readouterr()
    usage_error(err, "name each input once")
    assert out == ""
    assert (tmp_path / "art").read_bytes() == data
    assert (tmp_path / "art").stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["art", *(["alias"] if "link" in spelling else [])])


def test_two_names_of_one_file_in_document_mode_to_stdout_are_two_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Like ``cat a a``: each file is cleaned on its own and nothing is written to a file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "art").write_bytes(TEXT)
    assert run(["-q", "art", "./art"]) == 0
    assert capsysbinary.readouterr().out == TEXT + TEXT


def test_the_refusal_runs_in_the_installed_command(tmp_path: Path) -> None:
    """The reported case, as a user typed it."""
    import subprocess
    import sys

    script = Path(sys.executable).parent / "dedupe-file"
    if not script.exists():
        pytest.skip("dedupe-file is not installed next to the interpreter")
    (tmp_path / "art.txt").write_bytes(TEXT)
    done = subprocess.run(
        [script, "--scope", "corpus", "--in-place", "art.txt", "./art.txt"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    usage_error(done.stderr.decode(), "./art.txt is the same file as art.txt")
    assert (tmp_path / "art.txt").read_bytes() == TEXT


Place = Callable[[Path], tuple[list[str], list[Path]]]


def index_is_output(tmp_path: Path) -> tuple[list[str], list[Path]]:
    return ["--index", "X", "-o", "X", "in"], []


def index_is_existing_output(tmp_path: Path) -> tuple[list[str], list[Path]]:
    (tmp_path / "X").write_bytes(b"an earlier output\n")
    return ["--index", "X", "-o", "./X", "in"], [tmp_path / "X"]


def index_links_to_output(tmp_path: Path) -> tuple[list[str], list[Path]]:
    (tmp_path / "out").write_bytes(b"an earlier output\n")
    (tmp_path / "idx.npz").symlink_to("out")
    return ["--index", "idx.npz", "-o", "out", "in"], [tmp_path / "out"]


def index_is_input(tmp_path: Path) -> tuple[list[str], list[Path]]:
    return ["--index", "in", "in"], [tmp_path / "in"]


def index_is_input_in_place(tmp_path: Path) -> tuple[list[str], list[Path]]:
    (tmp_path / "other").write_bytes(TEXT)
    return ["--index", "./other", "--in-place", "in", "other"], [tmp_path / "in", tmp_path / "other"]


@pytest.mark.parametrize(
    "place", [index_is_output, index_is_existing_output, index_links_to_output, index_is_input, index_is_input_in_place]
)
@pytest.mark.parametrize("jsonl", [False, True], ids=["text", "jsonl"])
def test_index_path_must_differ_from_inputs_and_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], place: Place, jsonl: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    data = JSONL if jsonl else TEXT
    (tmp_path / "in").write_bytes(data)
    argv, kept = place(tmp_path)
    before = {path: path.read_bytes() for path in [tmp_path / "in", *kept]}
    names = {p.name for p in tmp_path.iterdir()}
    assert run([*(["--jsonl"] if jsonl else []), "--scope", "corpus", *argv]) == 2
    out, err = capsys.readouterr()
    usage_error(err, "the index needs a file of its own")
    assert out == ""
    assert {path: path.read_bytes() for path in before} == before
    assert {p.name for p in tmp_path.iterdir()} == names  # no index, no output, no temporary file


def test_an_index_beside_the_output_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").write_bytes(JSONL)
    assert run(["-q", "--jsonl", "--scope", "corpus", "--index", "idx.npz", "-o", "out", "in"]) == 0
    assert (tmp_path / "idx.npz").read_bytes()[:2] == b"PK"
    assert (tmp_path / "out").read_bytes().count(b"\n") == 2


@pytest.mark.parametrize("index", ["http://example.com/idx.npz", "s3://bucket/idx.npz", "REDIS+x://h/0"])
def test_an_index_url_of_another_scheme_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], index: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").write_bytes(TEXT)
    assert run(["--scope", "corpus", "--index", index, "in"]) == 2
    usage_error(capsys.readouterr().err, "an index is a file or a redis://, rediss:// or unix:// URL")
    assert [p.name for p in tmp_path.iterdir()] == ["in"]


@pytest.mark.parametrize("look", ["--diff", "--explain", "--check"])
@pytest.mark.parametrize("corpus", [False, True], ids=["document", "corpus"])
def test_a_look_says_would_be_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], look: str, corpus: bool
) -> None:
    (tmp_path / "in").write_bytes(f"{P}\n{P}\n".encode())
    run([*(["--scope", "corpus"] if corpus else []), look, tmp_path / "in"])
    summary = capsys.readouterr().err.splitlines()[-1]
    assert "1 of 2 paragraphs would be removed" in summary, summary
