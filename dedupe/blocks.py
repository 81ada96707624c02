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

On the 181 gold article bodies of the article-extraction benchmark, which hold 285 later
exact copies of a line (345 repeats with near copies), the defaults remove 15, all long
lines of one meal-plan page, and they remove both blocks of the reference article
(``python -m benchmarks.legit_repeats``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from dedupe.config import DedupeConfig
from dedupe.matching import Copy

# The East Asian wide scripts, which carry about twice the text per character of Latin or
# Cyrillic: Hangul Jamo, CJK punctuation, Kana, CJK ideographs, Yi, Hangul syllables,
# full-width forms and the supplementary ideograph planes. Every code point here has East
# Asian width W or F (a test checks it); emoji and rarer wide symbols count 1.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u3247\u3250-\u33ff\u3400-\u4dbf\u4e00-\ua48c"
    "\uac00-\ud7a3\uf900-\ufaff\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def display_width(text: str) -> int:
    """Return the width of ``text`` in columns, East Asian wide characters counting 2.

    >>> display_width("Seoul"), display_width("서울")
    (5, 4)
    """
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


def group_runs(copies: Sequence[Copy], active: Sequence[int]) -> list[list[Copy]]:
    """Group copies (in document order) into runs that copy consecutive kept paragraphs.

    Paragraphs are consecutive when they are next to each other in ``active``, the
    paragraphs still present.
    """
    position = {index: pos for pos, index in enumerate(active)}
    runs: list[list[Copy]] = []
    for c in copies:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and position[last.index] == position[c.index] - 1
            and position[last.kept_index] == position[c.kept_index] - 1
        ):
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def decide(runs: Sequence[list[Copy]], keys: Sequence[str], config: DedupeConfig) -> list[tuple[bool, str]]:
    """Return, for each run, whether the rule removes it and why."""
    occurrences = Counter(c.kept_index for run in runs for c in run)
    decisions = []
    for run in runs:
        mean_length = sum(len(keys[c.index]) for c in run) / len(run)
        # Width is at least the length: only short runs need their East Asian characters counted.
        if mean_length < config.min_chars:
            mean_width = sum(display_width(keys[c.index]) for c in run) / len(run)
            if mean_width < config.min_chars:
                decisions.append((False, f"short: {mean_width:.0f} columns on average < min_chars={config.min_chars}"))
                continue
        count = occurrences[run[0].kept_index] + 1
        if len(run) == 1 and count > config.max_copies:
            decisions.append((False, f"template line: occurs {count} times > max_copies={config.max_copies}"))
        elif len(run) == 1:
            decisions.append((True, f"repeated paragraph of {mean_length:.0f} characters"))
        else:
            decisions.append((True, f"repeated run of {len(run)} paragraphs, {mean_length:.0f} characters on average"))
    return decisions
