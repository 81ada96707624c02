from __future__ import annotations

from pathlib import Path

import pytest

from dedupe import DedupeConfig

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def config() -> DedupeConfig:
    """A fast configuration: fewer permutations, same banding shape."""
    return DedupeConfig(num_perm=32, bands=8, rows=4)


@pytest.fixture
def seed_path() -> Path:
    return SEEDS / "000_6ef43e2731afccca.txt"
