"""The optional compiled modules, each ``None`` where it is not built (no C compiler at install).

``DEDUPE_KERNEL=numpy`` in the environment asks for none of them: numpy and Python then do
the same work with the same results (tests run both).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def _load(name: str) -> ModuleType | None:
    if os.environ.get("DEDUPE_KERNEL") == "numpy":
        return None
    try:
        return importlib.import_module(f"dedupe.{name}")
    except ImportError:
        return None


MINHASH = _load("_minhash")
"""``dedupe._minhash``: MinHash signatures and shingle hashes (``_minhash.c``)."""
KEYS = _load("_keys")
"""``dedupe._keys``: matching keys (``_keys.c``, with the table of :mod:`dedupe.keytable`)."""
RADIX = _load("_radix")
"""``dedupe._radix``: a stable radix argsort of uint64 keys, for LSH bucket keys (``_radix.c``)."""
