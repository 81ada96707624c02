"""Find and remove repeated paragraphs and repeated blocks of paragraphs in scraped text.

>>> import dedupe
>>> dedupe.dedupe_text("A paragraph long enough to be prose, not a heading or a label, that a scraper repeated.\\n" * 2)
'A paragraph long enough to be prose, not a heading or a label, that a scraper repeated.\\n'
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from dedupe.api import dedupe_and_explain, dedupe_paragraphs, dedupe_text
from dedupe.config import DedupeConfig
from dedupe.errors import (
    ConfigError,
    CorpusIndexError,
    DedupeError,
    IndexMismatchError,
    InputError,
    NotCountedError,
)
from dedupe.results import Block, Explained, Match, Paragraph
from dedupe.site import site_of
from dedupe.split import join_paragraphs, split_paragraphs

if TYPE_CHECKING:
    from dedupe.corpus import Deduper, IndexStats
    from dedupe.records import Cleaned, Outcome, dedupe_records, dedupe_records_and_explain
    from dedupe.report import Report

    __version__: str


def __getattr__(name: str) -> Any:
    # Corpus mode (its index, stores, Redis client), the records API, the report and the
    # package metadata load when first asked for: the one-article command line starts without them.
    if name in ("Deduper", "IndexStats"):
        from dedupe import corpus

        return getattr(corpus, name)
    if name in ("Cleaned", "Outcome", "dedupe_records", "dedupe_records_and_explain"):
        from dedupe import records

        return getattr(records, name)
    if name == "Report":
        from dedupe.report import Report

        return Report
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("news-dedupe")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'dedupe' has no attribute {name!r}")


logging.getLogger("dedupe").addHandler(logging.NullHandler())

__all__ = [
    "Block",
    "Cleaned",
    "ConfigError",
    "CorpusIndexError",
    "DedupeConfig",
    "DedupeError",
    "Deduper",
    "Explained",
    "IndexMismatchError",
    "IndexStats",
    "InputError",
    "Match",
    "NotCountedError",
    "Outcome",
    "Paragraph",
    "Report",
    "__version__",
    "dedupe_and_explain",
    "dedupe_paragraphs",
    "dedupe_records",
    "dedupe_records_and_explain",
    "dedupe_text",
    "join_paragraphs",
    "site_of",
    "split_paragraphs",
]
