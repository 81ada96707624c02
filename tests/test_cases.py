"""Case files: ``tests/cases/*.txt``, each an input, a ``# output`` line and the expected text.

Header lines at the top: ``# flags: ...`` (parsed by the real ``dedupe-file`` parser),
``# note: ...`` (what the case shows) and ``# expect: fail`` (a known miss, run as a strict
xfail so that an improvement turns the suite red until the case is promoted).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import NamedTuple

import pytest

from dedupe import dedupe_and_explain, dedupe_text
from dedupe.cli import build_parser, config_from_args

CASES = sorted((Path(__file__).parent / "cases").glob("*.txt"))


class Case(NamedTuple):
    flags: list[str]
    expect_fail: bool
    source: str
    expected: str


def read_case(path: Path) -> Case:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    flags: list[str] = []
    expect_fail = False
    while lines and lines[0].startswith("# "):
        header = lines.pop(0)[2:].strip()
        name, _, value = header.partition(":")
        if name == "flags":
            flags = shlex.split(value)
        elif name == "expect":
            expect_fail = value.strip() == "fail"
        elif name != "note":
            raise ValueError(f"{path.name}: unknown header {header!r}")
    split = lines.index("# output\n")
    return Case(flags, expect_fail, "".join(lines[:split]), "".join(lines[split + 1 :]))


def case_params() -> list[object]:
    params: list[object] = []
    for path in CASES:
        marks = [pytest.mark.xfail(strict=True, reason="known miss")] if read_case(path).expect_fail else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("path", case_params())
def test_case(path: Path) -> None:
    case = read_case(path)
    config = config_from_args(build_parser().parse_args(case.flags))
    assert dedupe_text(case.source, config=config) == case.expected


@pytest.mark.parametrize("path", [p for p in CASES if not read_case(p).expect_fail], ids=lambda p: p.stem)
def test_case_explanation_reproduces_output(path: Path) -> None:
    case = read_case(path)
    config = config_from_args(build_parser().parse_args(case.flags))
    text, removed, _, blocks = dedupe_and_explain(case.source, config=config)
    source_lines = case.source.splitlines()
    kept_lines = [line for i, line in enumerate(source_lines) if i not in {m.index for m in removed}]
    if config.paragraphs == "line":
        assert text.splitlines() == kept_lines
    for m in removed:
        assert blocks[m.block].removed
        assert blocks[m.block].first <= m.index <= blocks[m.block].last


def test_there_are_cases() -> None:
    assert len(CASES) >= 10
