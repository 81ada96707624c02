"""Blocks of repeats, and the rule that decides which blocks are removed.

A block is a run of consecutive repeated paragraphs that copies a run of consecutive kept
paragraphs; an isolated repeat is a block of one. The rule works on blocks because that is
how a scraper repeats an article body: several long paragraphs at once. Articles also
repeat lines on purpose, and those look different:

* short lines — headings, labels, prices, bullets, "Buy now" — repeat as parts of a
  layout. A block is removed only when its paragraphs are long on average: at least
  ``min_chars`` display columns (East Asian wide characters count 2, so a Korean or
  Chinese sentence weighs about what its English translation does);
* template lines — an interview question asked of every interviewee, a recipe step —
  recur many times, each time between distinct text. A block of one whose paragraph
  occurs more than ``max_copies`` times in the document is kept.

On the 10 gold article bodies of the article-extraction benchmark that repeat lines on
purpose (354 repeats found), the defaults remove 15, all near-identical lines of one meal
plan page, and they remove both blocks of the reference article.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from dedupe.config import DedupeConfig
from dedupe.matching import Copy


def display_width(text: str) -> int:
    """Return the width of ``text`` in columns, East Asian wide and full-width characters counting 2.

    >>> display_width("Seoul"), display_width("서울")
    (5, 4)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def group_runs(copies: Sequence[Copy]) -> list[list[Copy]]:
    """Group copies (in document order) into runs that copy consecutive kept paragraphs."""
    runs: list[list[Copy]] = []
    for c in copies:
        last = runs[-1][-1] if runs else None
        if last is not None and last.index == c.index - 1 and last.kept_index == c.kept_index - 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def decide(runs: Sequence[list[Copy]], keys: Sequence[str], config: DedupeConfig) -> list[tuple[bool, str]]:
    """Return, for each run, whether the rule removes it and why."""
    occurrences = Counter(c.kept_index for run in runs for c in run)
    decisions = []
    for run in runs:
        mean_width = sum(display_width(keys[c.index]) for c in run) / len(run)
        count = occurrences[run[0].kept_index] + 1
        if mean_width < config.min_chars:
            decisions.append((False, f"short: {mean_width:.0f} columns on average < min_chars={config.min_chars}"))
        elif len(run) == 1 and count > config.max_copies:
            decisions.append((False, f"template line: occurs {count} times > max_copies={config.max_copies}"))
        elif len(run) == 1:
            decisions.append((True, f"repeated paragraph of {mean_width:.0f} columns"))
        else:
            decisions.append((True, f"repeated run of {len(run)} paragraphs, {mean_width:.0f} columns on average"))
    return decisions
