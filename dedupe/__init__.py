"""Find and remove repeated paragraphs and repeated blocks of paragraphs in scraped text.

>>> import dedupe
>>> dedupe.dedupe_text("A paragraph long enough to be prose, not a heading or a label, that a scraper repeated.\\n" * 2)
'A paragraph long enough to be prose, not a heading or a label, that a scraper repeated.\\n'
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from dedupe.api import dedupe_and_explain, dedupe_paragraphs, dedupe_text
from dedupe.config import DedupeConfig
from dedupe.corpus import Deduper, IndexStats
from dedupe.errors import ConfigError, CorpusIndexError, DedupeError, IndexMismatchError, InputError
from dedupe.results import Block, Explained, Match, Paragraph
from dedupe.site import site_of
from dedupe.split import join_paragraphs, split_paragraphs

try:
    __version__ = version("news-dedupe")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

logging.getLogger("dedupe").addHandler(logging.NullHandler())

__all__ = [
    "Block",
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
    "Paragraph",
    "__version__",
    "dedupe_and_explain",
    "dedupe_paragraphs",
    "dedupe_text",
    "join_paragraphs",
    "site_of",
    "split_paragraphs",
]
