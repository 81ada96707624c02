"""The fuzz targets of tests/fuzz: every seed replayed in plain Python, and a brief fuzzing run of each.

A seed is an input that once found a bug (or an ordinary one the fuzzer starts from);
replaying it needs no fuzzer. The fuzzing runs need atheris (the ``test`` extra installs it
where a wheel exists). In CI they are brief and deterministic: a fixed ``-seed`` and
``-runs``, hash seed 0, so a run finds the same inputs every time on the same code.
``DEDUPE_FUZZ_TIME=600`` (``make fuzz``) fuzzes each target that many seconds instead,
with a random seed, growing a corpus in ``.fuzz/<target>/corpus``.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.targets import TARGETS

FUZZ = Path(__file__).resolve().parent / "fuzz"
SEEDS = FUZZ / "seeds"
ROOT = FUZZ.parents[1]

# Seeds of bugs that are still open: their replay is an expected failure. Remove an entry
# when its bug is fixed (the replay then passes, and keeps it fixed).
KNOWN_OPEN: dict[str, str] = {}

# Runs of each brief fuzzing run: a few seconds each on one core.
BRIEF_RUNS = {"split": 1500, "normalize": 20000, "jsonl": 6000, "index": 400, "cli": 200}
FUZZ_TIME = int(os.environ.get("DEDUPE_FUZZ_TIME", "0") or 0)

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
# Where the test extra installs atheris (it has wheels for Linux x86_64 only).
ATHERIS_EXPECTED = sys.platform == "linux" and platform.machine() == "x86_64"


def _seeds() -> list[Any]:
    cases = []
    for target in TARGETS:
        for path in sorted((SEEDS / target).iterdir()):
            name = f"{target}/{path.name}"
            marks = [pytest.mark.xfail(strict=False, reason=KNOWN_OPEN[name])] if name in KNOWN_OPEN else []
            cases.append(pytest.param(target, path, id=name, marks=marks))
    return cases


def test_every_known_open_seed_exists() -> None:
    assert sorted(k for k in KNOWN_OPEN if not (SEEDS / k).is_file()) == []


@pytest.mark.parametrize(("target", "path"), _seeds())
def test_seed(target: str, path: Path) -> None:
    TARGETS[target](path.read_bytes())


def failure(target: str, data: bytes) -> tuple[str, ...] | None:
    """How ``data`` fails ``target``: the exception's type, the function of ours it left, the one that raised it.

    Functions, not lines: one bug shows at many lines of a function (a member read as
    bytes fails at whichever array the loader touches first).
    """
    try:
        TARGETS[target](data)
    except Exception as err:
        frames = traceback.extract_tb(err.__traceback__)
        ours = [f for f in frames if f.filename.startswith(str(ROOT)) and "site-packages" not in f.filename]
        return (type(err).__name__, *(f"{Path(f.filename).name}:{f.name}" for f in ours[-1:] + frames[-1:]))
    return None


@pytest.mark.parametrize("target", list(TARGETS))
def test_fuzz_run(target: str, tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        if IN_CI and ATHERIS_EXPECTED:
            pytest.fail("atheris is not installed: the test extra installs it on Linux x86_64")
        pytest.skip("atheris is not installed (pip install atheris): the seeds are still replayed")
    # libFuzzer adds the inputs it finds to the first corpus directory: never the seeds.
    corpus = ROOT / ".fuzz" / target / "corpus" if FUZZ_TIME else tmp_path / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for path in (SEEDS / target).iterdir():
        if f"{target}/{path.name}" not in KNOWN_OPEN:
            shutil.copy(path, corpus)
    artifacts = tmp_path / "found"
    artifacts.mkdir()
    flags = [f"-max_total_time={FUZZ_TIME}", "-seed=0"] if FUZZ_TIME else [f"-runs={BRIEF_RUNS[target]}", "-seed=1"]
    flags += ["-timeout=60", "-rss_limit_mb=3072", f"-artifact_prefix={artifacts}/"]
    done = subprocess.run(
        [sys.executable, str(FUZZ / f"fuzz_{target}.py"), *flags, str(corpus)],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=FUZZ_TIME + 600,
        cwd=ROOT,
    )
    found = sorted(artifacts.iterdir())
    if done.returncode == 0 and not found:
        assert "Done " in done.stderr, done.stderr[-2000:]
        return
    known = {failure(target, (SEEDS / k).read_bytes()): k for k in KNOWN_OPEN if k.startswith(f"{target}/")}
    known.pop(None, None)
    for path in found:
        how = failure(target, path.read_bytes())
        if how in known:
            pytest.xfail(f"the fuzzer met an open bug again, as {known[how]} does: {KNOWN_OPEN[known[how]]}")
        pytest.fail(
            f"fuzz_{target} found a failing input ({how or path.name}); keep it as a seed in "
            f"tests/fuzz/seeds/{target}/: {path.read_bytes()[:4000]!r}\n{done.stderr[-3000:]}"
        )
    pytest.fail(f"fuzz_{target} exited with {done.returncode}:\n{done.stderr[-3000:]}")
