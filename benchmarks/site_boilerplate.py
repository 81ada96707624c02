"""Cross-document cleaning of real scraped pages: what goes, and how much of the article goes with it.

The article-extraction benchmark (``../shared/data/`` next to the project) has 181 pages
of 126 sites, each page's full scraped text with every line marked as part of the gold
article body or not. Each site's pages form one stream, scoped by site, and are cleaned
with, in one run:

* ``boilerplate, N=2``: the boilerplate policy (a line on at least 2 pages of the site
  goes from all of them), the issue's check: most sites have two pages;
* ``seen before``: the seen-before policy, pages in file order;
* ``site_pages >= 2, exact``: the reference that the data itself gives, every line whose
  exact text is on two pages of the site (an upper bound for exact boilerplate).

Reported per system: the share of non-gold characters removed (by the data's line
labels), the share of the gold body's characters removed (split into what the cross-page
policy and what the within-page rule took), both over all pages and over the pages of
sites with two pages, and the time. Run: ``python -m benchmarks.site_boilerplate [--show]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks._common import MISSING_PAGES, PAGES, platform_line
from dedupe import Deduper
from dedupe.corpus import Policy
from dedupe.normalize import normalize


class Outcome:
    """Characters of the pages and what a system removed of them.

    Non-gold characters are counted by the data's line labels. Gold is counted against the
    gold body itself, line by line with multiplicity: a gold line that the page holds twice
    and the body once loses nothing when one copy goes (the labels would mark both copies).
    """

    def __init__(self) -> None:
        self.other = self.other_gone = 0
        self.gold = self.gold_gone = self.gold_gone_within = 0

    def add(self, page: dict[str, Any], removed: dict[int, bool]) -> None:
        """Count one page; ``removed`` maps each removed line to whether it went across pages."""
        lines = page["paragraphs"]
        for i, p in enumerate(lines):
            if not p["in_expected"]:
                self.other += len(p["text"])
                self.other_gone += len(p["text"]) if i in removed else 0
        gold = Counter(normalize(line) for line in page["expected"].split("\n") if line.strip())
        on_page = Counter(normalize(p["text"]) for p in lines)
        kept = Counter(normalize(p["text"]) for i, p in enumerate(lines) if i not in removed)
        kept_within = Counter(normalize(p["text"]) for i, p in enumerate(lines) if removed.get(i, True))
        for key, wanted in gold.items():
            there = min(wanted, on_page[key])
            self.gold += len(key) * there
            self.gold_gone += len(key) * max(0, there - kept[key])
            self.gold_gone_within += len(key) * max(0, there - kept_within[key])

    def row(self, name: str, seconds: float | None) -> str:
        def share(part: int, whole: int) -> str:
            return f"{part / max(whole, 1):.2%}"

        took = "-" if seconds is None else f"{seconds:.2f} s"
        across = self.gold_gone - self.gold_gone_within
        return (
            f"| {name} | {share(self.other_gone, self.other)} | {share(self.gold_gone, self.gold)} | "
            f"{share(across, self.gold)} | {share(self.gold_gone_within, self.gold)} | {took} |"
        )


def run_deduper(pages: list[dict[str, Any]], policy: Policy, show: bool) -> tuple[Outcome, Outcome, float]:
    """Clean every site's pages as one stream; return outcomes (all pages, sites with 2+ pages) and seconds."""
    start = time.perf_counter()
    deduper = Deduper(policy=policy, min_docs=2)
    if policy == "boilerplate":
        for page in pages:
            deduper.count(page["text"], doc_id=page["id"], site=page["site"])
    results = [deduper.feed(page["text"], doc_id=page["id"], site=page["site"]) for page in pages]
    seconds = time.perf_counter() - start
    every, paired = Outcome(), Outcome()
    per_site = Counter(page["site"] for page in pages)
    for page, explained in zip(pages, results, strict=True):
        removed = {m.index: m.kept_doc is not None for m in explained.removed}
        every.add(page, removed)
        if per_site[page["site"]] >= 2:
            paired.add(page, removed)
        if show:
            for i in sorted(removed):
                if page["paragraphs"][i]["in_expected"]:
                    where = "across pages" if removed[i] else "within the page"
                    print(f"  {policy}, {where}, {page['site']}: {page['paragraphs'][i]['text'][:80]!r}")
    return every, paired, seconds


def run_reference(pages: list[dict[str, Any]]) -> tuple[Outcome, Outcome]:
    """Every line whose exact text is on 2+ pages of its site, as the data marks it."""
    every, paired = Outcome(), Outcome()
    per_site = Counter(page["site"] for page in pages)
    for page in pages:
        removed = {i: True for i, p in enumerate(page["paragraphs"]) if p["site_pages"] >= 2}
        every.add(page, removed)
        if per_site[page["site"]] >= 2:
            paired.add(page, removed)
    return every, paired


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=PAGES, help="pages.jsonl of the benchmark")
    parser.add_argument("--show", action="store_true", help="print every removed gold line")
    args = parser.parse_args(argv)
    print(platform_line())
    if not args.data.exists():
        print(f"{args.data} {MISSING_PAGES}. Skipped.")
        return 0
    pages = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    per_site = Counter(page["site"] for page in pages)
    chars = sum(len(p["text"]) for p in pages)
    paired = sum(1 for page in pages if per_site[page["site"]] >= 2)
    print(f"{len(pages)} pages of {len(per_site)} sites ({paired} pages on sites with 2 pages), {chars:,} characters")
    header = (
        "| system | non-gold chars removed | gold chars removed | by the cross-page policy "
        "| by the within-page rule | time |\n|---|---:|---:|---:|---:|---:|"
    )
    outcomes = {}
    for name, policy in (("boilerplate, N=2", "boilerplate"), ("seen before", "seen")):
        every, two, seconds = run_deduper(pages, policy, args.show)
        outcomes[name] = (every, two, seconds)
    every, two = run_reference(pages)
    for title, pick in (("All pages", 0), ("Pages of sites with 2 pages", 1)):
        print(f"\n{title}:\n\n{header}")
        for name, result in outcomes.items():
            print(result[pick].row(name, result[2]))  # type: ignore[attr-defined]
        print((every, two)[pick].row("reference: exact text on 2+ pages of the site", None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
