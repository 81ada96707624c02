"""All the knobs of the pipeline, in one frozen dataclass."""

from __future__ import annotations

import dataclasses
import numbers
import operator
from dataclasses import dataclass
from typing import Any, Literal

from dedupe.errors import ConfigError

KeepPolicy = Literal["first", "longest"]
ParagraphMode = Literal["line", "blank"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DedupeConfig:
    """Options of the deduplication pipeline; every score and threshold is on a 0–1 scale.

    Matching:
        threshold: least rapidfuzz similarity (normalised Indel, ``fuzz.ratio / 100``) of two
            normalised paragraphs for one to count as a copy of the other. 0.9 accepts a few
            per cent of character edits and rejects paragraphs that only share their opening.
        shingle_size: length of the character n-grams that MinHash sees. Characters rather
            than words, so Korean, Chinese and Japanese need no tokenizer.
        num_perm: number of MinHash permutations.
        bands, rows: LSH banding; ``bands * rows`` must not exceed ``num_perm``. The default
            32 × 4 proposes a pair with probability 0.87 at shingle Jaccard 0.5 and 0.99 at
            0.6 (a copy with 5 % typos sits near 0.6); verification removes false candidates.
        min_jaccard: candidate pairs whose MinHash-estimated shingle Jaccard is below this are
            dropped before verification. Banding proposes many pairs far below any copy; a
            copy with 10 % of its characters changed still sits near 0.3.
        seed: seed of the MinHash permutations (datasketch's ``MinHash(seed=...)``).
        coverage: least share of a paragraph's characters that kept paragraphs must cover,
            in aligned runs of 5 or more characters, for it to be a *partial* copy (a
            truncated copy, an excerpt, paragraphs joined into one). 0.9 leaves room for
            light noise (a copy with 3 % typos is covered about 0.95) and is far above the
            0.5 of two paragraphs that share only their opening (:mod:`dedupe.partial`).

    What is removed (see :mod:`dedupe.blocks` for the rule and its reasons):
        min_chars: a block of repeats is removed only when its paragraphs average at least
            this many display columns (East Asian wide characters count 2): short lines
            (headings, labels, bullets, "Buy now") repeat on purpose. A run of three or
            more repeated lines each at least ``min_chars / 2`` columns wide (a repeated
            list) is removed all the same.
        max_copies: a repeated paragraph that occurs more than this many times close
            together — in a row, each occurrence within 36 paragraphs of the previous one —
            is a template line (an interview question, a recipe step) and is kept, and so
            is a block of template lines that does not follow an occurrence of itself (a
            day of a meal plan). Copies farther apart do not count together, however long
            the text.

    Output:
        keep: ``"first"`` keeps the earliest copy; ``"longest"`` keeps the copy with the most
            normalised characters (the earliest of equals).
        paragraphs: ``"line"`` makes every non-blank line a paragraph; ``"blank"`` makes each
            run of non-blank lines one paragraph (hard-wrapped text separated by blank lines).
    """

    threshold: float = 0.9
    shingle_size: int = 5
    num_perm: int = 128
    bands: int = 32
    rows: int = 4
    min_jaccard: float = 0.2
    seed: int = 1
    coverage: float = 0.9
    min_chars: int = 80
    max_copies: int = 2
    keep: KeepPolicy = "first"
    paragraphs: ParagraphMode = "line"

    def __post_init__(self) -> None:
        # Types first, so that a float where an int belongs (bands=32.0) fails here and not
        # deep in numpy; numpy scalars become Python numbers (the index header is JSON).
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            kind = type(field.default)  # every field's default is an int, a float or a str
            if kind is int:
                value = as_int(field.name, value)
            elif kind is float:
                value = as_float(field.name, value)
            elif not isinstance(value, str):
                raise TypeError(f"{field.name} must be a str, got {type(value).__name__} {value!r}")
            object.__setattr__(self, field.name, value)
        _check(0.0 < self.threshold <= 1.0, "threshold", self.threshold, "in (0, 1]")
        _check(1 <= self.shingle_size <= 32, "shingle_size", self.shingle_size, "in 1..32")
        _check(2 <= self.num_perm <= 1024, "num_perm", self.num_perm, "in 2..1024")
        _check(self.bands >= 1, "bands", self.bands, "at least 1")
        _check(self.rows >= 1, "rows", self.rows, "at least 1")
        _check(
            self.bands * self.rows <= self.num_perm,
            "bands",
            self.bands,
            f"such that bands * rows ({self.bands} * {self.rows}) <= num_perm ({self.num_perm})",
        )
        _check(0.0 <= self.min_jaccard <= 1.0, "min_jaccard", self.min_jaccard, "in [0, 1]")
        _check(0 <= self.seed < 2**32, "seed", self.seed, "in 0..2**32-1")
        _check(0.0 < self.coverage <= 1.0, "coverage", self.coverage, "in (0, 1]")
        _check(self.min_chars >= 0, "min_chars", self.min_chars, "at least 0")
        _check(self.max_copies >= 2, "max_copies", self.max_copies, "at least 2")
        _check(self.keep in ("first", "longest"), "keep", self.keep, "'first' or 'longest'")
        _check(self.paragraphs in ("line", "blank"), "paragraphs", self.paragraphs, "'line' or 'blank'")


def _check(ok: bool, name: str, value: object, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{name}={value!r} is out of range: it must be {allowed}")


def as_int(name: str, value: object) -> int:
    """Return ``value`` as an int, or raise TypeError: ints and numpy integers, not bool, float or str."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")


def as_float(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise TypeError: real numbers (ints included), not bool or str."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def resolve(config: DedupeConfig | None, overrides: dict[str, Any]) -> DedupeConfig:
    """Return ``config`` (or the defaults) with ``overrides`` applied.

    A misspelt option name raises ``TypeError``, as ``dataclasses.replace`` does, and so
    does a ``config`` that is not a :class:`DedupeConfig`.
    """
    if config is not None and not isinstance(config, DedupeConfig):
        raise TypeError(f"config must be a DedupeConfig, got {type(config).__name__}")
    base = config if config is not None else DedupeConfig()
    return dataclasses.replace(base, **overrides) if overrides else base
