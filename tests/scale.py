"""How many examples each property test runs: its CI count times ``DEDUPE_PROPERTY_SCALE``.

CI runs every property test at scale 1 (a few hundred examples at most, seconds each).
A longer bug hunt raises the scale for every property test at once, in this one place:
``DEDUPE_PROPERTY_SCALE=400 python -m pytest -m hypothesis`` (``make test-long``) runs at
least 10,000 examples of each, the smallest CI count being 25.
"""

from __future__ import annotations

import os

from hypothesis import settings


def _scale() -> int:
    raw = os.environ.get("DEDUPE_PROPERTY_SCALE", "").strip() or "1"
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        # A typo must not silently run the CI scale (or none at all) in a long job.
        raise ValueError(f"DEDUPE_PROPERTY_SCALE={raw!r}: a whole number of at least 1 is needed")
    return value


SCALE = _scale()


def examples(ci_count: int) -> settings:
    """Hypothesis settings for a test that runs ``ci_count`` examples in CI, scaled (no deadline)."""
    return settings(max_examples=ci_count * SCALE, deadline=None)
