"""Variants of the removal rule side by side, on the figures the rule must get right together.

The rule (``dedupe/blocks.py``) decides which runs of repeats go. Each variant here is the
same matching (the copies are found once per text) with another rule, written out in plain
Python below; the last row is the library's own rule, through its own code, which must
agree with the variant it implements. Columns:

* gold lines removed: repeated lines the rule removes from the 181 gold article bodies of
  the article-extraction benchmark (they repeat on purpose; the target is at most 25), and
  on how many pages;
* interview: the interview page (www.wday.ru: 23 people asked the same questions) keeps
  every question (a line it holds three times or more), and so does the same page set in
  the middle of the scattered text (a rule that compares a line's count to the length of
  the text loses it there); in brackets, the page's other lines removed;
* seed: the reference article loses exactly its lines 12–14 and 15–20;
* scattered: recall and precision of the removals on ``make_scattered(30000)`` (about one
  original in six copied, with light noise, to 2–6 random later places): every copy should go;
* lists: ``tests/cases/short_list_run_removed.txt`` (a list of four items of 50–95
  characters repeated by the scraper, spaces doubled and lower-cased) gives its expected
  output, and so do ``short_headings_kept.txt`` and ``short_lines_kept.txt``.

Run: ``python -m benchmarks.rules [--data PATH] [--n 30000]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

import dedupe.api
from benchmarks._common import MISSING_PAGES, PAGES, ROOT, platform_line
from benchmarks.corpus import make_scattered
from dedupe import DedupeConfig
from dedupe.blocks import PARAGRAPH, RUN, SHORT, TEMPLATE, ParagraphIds, Verdicts, display_width
from dedupe.matching import Copies, Links
from dedupe.normalize import normalize
from dedupe.split import join_spans, paragraph_texts, span_array

SEED = ROOT / "seeds" / "000_6ef43e2731afccca.txt"
SEED_LINES = set(range(11, 20))  # lines 12–20, counted from 0
CASES = ROOT / "tests" / "cases"
LIST_CASES = ("short_list_run_removed", "short_headings_kept", "short_lines_kept")
INTERVIEW = "www.wday.ru"

Template = Callable[[list[int], int, int, int], bool]  # (occurrence positions, this one, max_copies, paragraphs)


def count_only(occ: list[int], here: int, most: int, total: int) -> bool:
    """The rule before: more than max_copies occurrences anywhere in the text."""
    return len(occ) > most


def never(occ: list[int], here: int, most: int, total: int) -> bool:
    return False


def share_of_text(share: float) -> Template:
    """More than max_copies occurrences, and at least ``share`` of the text's paragraphs."""
    return lambda occ, here, most, total: len(occ) > most and len(occ) >= share * total


def mean_gap(gap: int) -> Template:
    """More than max_copies occurrences, their mean gap at most ``gap`` paragraphs."""
    return lambda occ, here, most, total: len(occ) > most and occ[-1] - occ[0] <= gap * (len(occ) - 1)


def regular(spread: float) -> Template:
    """More than max_copies occurrences whose gaps are alike: standard deviation / mean at most ``spread``."""

    def test(occ: list[int], here: int, most: int, total: int) -> bool:
        gaps = [b - a for a, b in pairwise(occ)]
        return len(occ) > most and statistics.pstdev(gaps) <= spread * statistics.mean(gaps)

    return test


def close_together(gap: int) -> Template:
    """More than max_copies occurrences in a row, each within ``gap`` paragraphs of the previous,
    this one among them (the library's rule)."""

    def test(occ: list[int], here: int, most: int, total: int) -> bool:
        at = occ.index(here)
        lo = hi = at
        while lo > 0 and occ[lo] - occ[lo - 1] <= gap:
            lo -= 1
        while hi < len(occ) - 1 and occ[hi + 1] - occ[hi] <= gap:
            hi += 1
        return hi - lo + 1 > most

    return test


@dataclass(frozen=True)
class Variant:
    name: str
    template: Template
    run_size: int = 0  # a run of at least this many copies... (0: no such rule)
    run_width: float = 0.0  # ...each (or on average, below) at least this many columns is removed, however short
    run_stat: Callable[[list[int]], float] = min
    min_chars: int | None = None  # None: the config's
    template_runs: bool = False  # a run of copies each of which is a template line is kept as well


def variant_judge(variant: Variant) -> Callable[..., Verdicts]:
    """A ``judge`` for :func:`dedupe.api.resolve_within` that applies ``variant``, one run at a time."""

    def judge(copies: Copies, active: ParagraphIds, links: Links, *, kept_figures: bool = True) -> Verdicts:
        min_chars = links.config.min_chars if variant.min_chars is None else variant.min_chars
        most = links.config.max_copies
        here = active.searchsorted(copies.index).tolist()
        there = active.searchsorted(copies.kept).tolist()
        starts = [k for k in range(len(here)) if not k or here[k - 1] != here[k] - 1 or there[k - 1] != there[k] - 1]
        bounds = [*starts, len(here)]
        occurrences: dict[int, list[int]] = defaultdict(list)
        for k, t in zip(here, there, strict=True):
            occurrences[t].append(k)

        def is_template(k: int) -> bool:  # copy k, among its kept paragraph and that one's copies
            return variant.template(sorted([there[k], *occurrences[there[k]]]), here[k], most, len(active))

        widths = [display_width(links.unit_keys[u]) for u in links.units[copies.index].tolist()]
        code = []
        for lo, hi in pairwise(bounds):
            w = widths[lo:hi]
            if sum(w) / len(w) < min_chars:
                listed = variant.run_size and len(w) >= variant.run_size and variant.run_stat(w) >= variant.run_width
                code.append(RUN if listed else SHORT)
            else:
                lone = hi - lo == 1
                if variant.template_runs:  # every line a template, and not right after an occurrence of its last
                    stutter = here[lo] - 1 in [there[hi - 1], *occurrences[there[hi - 1]]]
                    template = all(map(is_template, range(lo, hi))) and not stutter
                else:
                    template = lone and is_template(lo)
                code.append(TEMPLATE if template else PARAGRAPH if lone else RUN)
        n = len(code)
        return Verdicts(np.array(bounds, dtype=copies.index.dtype), np.array(code, dtype=np.int8), np.zeros(n))

    return judge


@contextmanager
def rule(judge: Callable[..., Verdicts] | None) -> Iterator[None]:
    saved = dedupe.api.judge
    if judge is not None:
        dedupe.api.judge = judge
    try:
        yield
    finally:
        dedupe.api.judge = saved


class Text:
    """A text split and matched once; :meth:`removed` applies the rule in force to it."""

    def __init__(self, text: str, config: DedupeConfig) -> None:
        self.text = text
        self.spans = span_array(text, config.paragraphs)
        self.links = Links(paragraph_texts(text, self.spans), config, count=len(self.spans))

    def removed(self) -> set[int]:
        found = dedupe.api.resolve_within(self.links, len(self.spans), with_kept=False)
        return set(found.index[found.removed.repeat(found.bounds[1:] - found.bounds[:-1])].tolist())

    def cleaned(self) -> str:
        return join_spans(self.text, self.spans, self.removed())


def read_case(name: str) -> tuple[str, str]:
    lines = (CASES / f"{name}.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("# ") and lines[0] != "# output\n":
        lines.pop(0)
    split = lines.index("# output\n")
    return "".join(lines[:split]), "".join(lines[split + 1 :])


MEAN = statistics.mean
# Runs of template lines are kept unless right after an occurrence of themselves (see dedupe/blocks.py).
TEMPLATE_RUNS = "{mark}gap <= {gap}, runs of template lines kept; lists as the defaults{mark}"
VARIANTS = [
    Variant("before: a lone line occurring > max_copies times is a template", count_only),
    Variant("no template lines", never),
    Variant("template: > max_copies and >= 1 % of the text's paragraphs", share_of_text(0.01)),
    Variant("template: > max_copies, gaps alike (sd <= 0.5 mean)", regular(0.5)),
    Variant("template: > max_copies, mean gap <= 24", mean_gap(24)),
    Variant("template: > max_copies in a row, each gap <= 8", close_together(8)),
    Variant("template: > max_copies in a row, each gap <= 16", close_together(16)),
    Variant("template: > max_copies in a row, each gap <= 24", close_together(24)),
    Variant("template: > max_copies in a row, each gap <= 32", close_together(32)),
    Variant("template: > max_copies in a row, each gap <= 64", close_together(64)),
    Variant("gap <= 24; runs of >= 2 lines each >= 40 columns", close_together(24), 2, 40),
    Variant("gap <= 24; runs of >= 3 lines each >= 30 columns", close_together(24), 3, 30),
    Variant("gap <= 24; runs of >= 3 lines each >= 40 columns (min_chars / 2)", close_together(24), 3, 40),
    Variant("gap <= 24; runs of >= 3 lines each >= 50 columns", close_together(24), 3, 50),
    Variant("gap <= 24; runs of >= 4 lines each >= 40 columns", close_together(24), 4, 40),
    Variant("gap <= 24; runs of >= 3 lines averaging >= 40 columns", close_together(24), 3, 40, MEAN),
    Variant("gap <= 24; runs of >= 2 lines averaging >= 50 columns", close_together(24), 2, 50, MEAN),
    *(
        Variant(
            TEMPLATE_RUNS.format(gap=gap, mark="**" if gap == 36 else ""),
            close_together(gap),
            3,
            40,
            template_runs=True,
        )
        for gap in (24, 36, 40, 48)
    ),
    Variant("rule off (min_chars 0, no template lines)", never, min_chars=0),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=PAGES, help="pages.jsonl with an 'expected' field")
    parser.add_argument("--n", type=int, default=30_000, help="paragraphs of the scattered text")
    parser.add_argument("--only-library", action="store_true", help="the library's rule only")
    args = parser.parse_args(argv)
    print(platform_line())
    if not args.data.exists():
        print(f"{args.data} {MISSING_PAGES}. Skipped.")
        return 0
    config = DedupeConfig()
    start = time.perf_counter()
    pages = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    gold = [Text(page["expected"], config) for page in pages]
    at = next(i for i, page in enumerate(pages) if page["site"] == INTERVIEW)  # (the site's first page)
    interview = pages[at]["expected"]
    seed = Text(SEED.read_text(encoding="utf-8"), config)
    corpus = make_scattered(args.n)
    copies = {i for i, kind in enumerate(corpus.kinds) if kind != "original"}
    scattered = Text("\n".join(corpus.paragraphs), config)
    half = len(corpus.paragraphs) // 2
    inside = Text("\n".join([*corpus.paragraphs[:half], interview, *corpus.paragraphs[half:]]), config)
    # The questions: the interview's lines that it holds three times or more (each asked of many people).
    keys = [normalize(p) for p in paragraph_texts(interview, span_array(interview, config.paragraphs))]
    asked = Counter(keys)
    questions = {i for i, key in enumerate(keys) if asked[key] >= 3}
    cases = [(Text(source, config), expected) for source, expected in map(read_case, LIST_CASES)]
    print(f"(texts split and matched in {time.perf_counter() - start:.1f} s)")
    print()
    print(
        "| rule | gold lines removed (pages) | interview questions kept (other lines removed) "
        "| interview questions kept in the scattered text "
        "| seed loses exactly 12–14, 15–20 | scattered recall | scattered precision "
        "| " + " | ".join(LIST_CASES) + " |"
    )
    print("|---|---:|:-:|:-:|:-:|---:|---:|" + ":-:|" * len(LIST_CASES))
    rows: list[tuple[str, Callable[..., Verdicts] | None]] = (
        [] if args.only_library else [(v.name, variant_judge(v)) for v in VARIANTS]
    )
    rows.append(("**the library's rule (dedupe/blocks.py)**", None))
    yes = {True: "yes", False: "**no**"}
    for name, judge in rows:
        with rule(judge):
            lines = pages_touched = 0
            interview_gone: set[int] = set()
            for i, text in enumerate(gold):
                gone = text.removed()
                lines += len(gone)
                pages_touched += bool(gone)
                if i == at:
                    interview_gone = gone
            inside_ok = not ({half + i for i in questions} & inside.removed())
            seed_ok = seed.removed() == SEED_LINES
            gone = scattered.removed()
            hit = len(gone & copies)
            recall, precision = hit / len(copies), hit / len(gone) if gone else 1.0
            lists = [yes[text.cleaned() == expected] for text, expected in cases]
        print(
            f"| {name} | {lines} ({pages_touched}) | {yes[not interview_gone & questions]} "
            f"({len(interview_gone - questions)}) | {yes[inside_ok]} | {yes[seed_ok]} "
            f"| {recall:.4f} | {precision:.4f} | " + " | ".join(lists) + " |"
        )
    print()
    print(f"({time.perf_counter() - start:.1f} s in all; scattered text: {len(corpus.paragraphs)} paragraphs, "
          f"{len(copies)} copies)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
