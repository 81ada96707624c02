from __future__ import annotations

from pathlib import Path

import pytest

from dedupe import DedupeConfig
from tests.scale import SCALE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# tests/fuzz holds libFuzzer entry points (scripts, not tests): tests/test_fuzz.py runs them.
collect_ignore = ["fuzz"]


def pytest_report_header() -> str:
    return f"property tests: DEDUPE_PROPERTY_SCALE={SCALE} (examples per test: its CI count times {SCALE})"


@pytest.fixture
def config() -> DedupeConfig:
    """A fast configuration: fewer permutations, same banding shape."""
    return DedupeConfig(num_perm=32, bands=8, rows=4)


@pytest.fixture
def seed_path() -> Path:
    return SEEDS / "000_6ef43e2731afccca.txt"
