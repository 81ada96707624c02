from __future__ import annotations

from pathlib import Path

import pytest

from dedupe import DedupeConfig
from tests.scale import SCALE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# tests/fuzz holds libFuzzer entry points (scripts, not tests): tests/test_fuzz.py runs them.
collect_ignore = ["fuzz"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--lean", action="store_true", help="work on every text as on a long one (dedupe.api.LEAN_FROM = 0)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    lean = "; every text lean (--lean)" if config.getoption("--lean") else ""
    return f"property tests: DEDUPE_PROPERTY_SCALE={SCALE} (examples per test: its CI count times {SCALE}){lean}"


@pytest.fixture(autouse=True)
def _lean(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --lean, every text is worked on as a long one is: the results must not change."""
    if request.config.getoption("--lean"):
        monkeypatch.setattr("dedupe.api.LEAN_FROM", 0)


@pytest.fixture
def config() -> DedupeConfig:
    """A fast configuration: fewer permutations, same banding shape."""
    return DedupeConfig(num_perm=32, bands=8, rows=4)


@pytest.fixture
def seed_path() -> Path:
    return SEEDS / "000_6ef43e2731afccca.txt"
