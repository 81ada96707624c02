"""The README stays true: its example runs, its commands are CI's, and every flag is documented."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

from dedupe.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_python_example_runs() -> None:
    blocks = re.findall(r"```pycon\n(.*?)```", README, flags=re.DOTALL)
    assert blocks, "the README's first screen has a pycon example"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, {}, f"README block {number}", "README.md", 0))
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3
    assert result.failed == 0


def test_every_cli_flag_is_in_the_readme() -> None:
    flags = {opt for action in build_parser()._actions for opt in action.option_strings if opt.startswith("--")}
    missing = sorted(flag for flag in flags - {"--help"} if flag not in README)
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    first_screen = README.split("\n## ")[0]
    commands = re.findall(r"```sh\n(.*?)\n```", first_screen, flags=re.DOTALL)
    assert len(commands) == 2, "the first screen gives two commands: run the seed, run the tests"
    assert "dedupe-file seeds/000_6ef43e2731afccca.txt" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
