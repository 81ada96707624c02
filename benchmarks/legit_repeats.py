"""How many legitimate repeats the removal rule takes out of real article bodies.

The gold bodies of the article-extraction benchmark (``../shared/data/`` next to the
project) repeat some lines on purpose: interview questions, recipe and meal-plan lines,
product bullets. A good rule keeps them, while it still removes the blocks that a scraper
repeated in the reference article. Compared, in one run:

* ``every exact copy``: the simplest rule, removing every later copy of a normalised line;
* ``dedupe defaults``: this project's rule (see ``dedupe/blocks.py``);
* ``dedupe --min-chars 0 --max-copies 1000``: the same matching with the rule switched off.

Run: ``python -m benchmarks.legit_repeats [--data PATH] [--show]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks._common import MISSING_PAGES, PAGES, ROOT, platform_line
from dedupe import DedupeConfig, dedupe_and_explain, split_paragraphs
from dedupe.normalize import normalize

SEED = ROOT / "seeds" / "000_6ef43e2731afccca.txt"


def exact_later_copies(text: str) -> set[int]:
    seen: set[str] = set()
    later = set()
    for p in split_paragraphs(text):
        key = normalize(p.text)
        if key in seen:
            later.add(p.index)
        seen.add(key)
    return later


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=PAGES, help="pages.jsonl with an 'expected' field")
    parser.add_argument("--show", action="store_true", help="print every removed gold line")
    args = parser.parse_args(argv)
    print(platform_line())
    if not args.data.exists():
        print(f"{args.data} {MISSING_PAGES}. Skipped.")
        return 0
    pages = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    systems = {
        "dedupe defaults": DedupeConfig(),
        "dedupe, rule off": DedupeConfig(min_chars=0, max_copies=1000),
    }
    exact_total = 0
    found_total = 0
    removed = dict.fromkeys(systems, 0)
    removed_pages: dict[str, set[str]] = {name: set() for name in systems}
    start = time.perf_counter()
    for page in pages:
        body = page["expected"]
        exact_total += len(exact_later_copies(body))
        for name, config in systems.items():
            explained = dedupe_and_explain(body, config=config)
            removed[name] += len(explained.removed)
            if name == "dedupe defaults":
                found_total += len(explained.removed) + len(explained.kept)
            if explained.removed:
                removed_pages[name].add(page["site"])
            if args.show and name == "dedupe defaults":
                for m in explained.removed:
                    print(f"  removed from {page['site']}: {body[m.span[0] : m.span[1]][:80]!r}")
    elapsed = time.perf_counter() - start
    print(
        f"{len(pages)} gold bodies; later exact copies of a line (normalised): {exact_total}; "
        f"repeats found by dedupe (exact and near): {found_total}"
    )
    print()
    print("| rule | gold lines removed | pages touched |")
    print("|---|---:|---:|")
    print(f"| every exact copy | {exact_total} | {sum(1 for p in pages if exact_later_copies(p['expected']))} |")
    for name in systems:
        print(f"| {name} | {removed[name]} | {len(removed_pages[name])} |")
    seed_text = SEED.read_text(encoding="utf-8")
    seed = dedupe_and_explain(seed_text)
    blocks = [(b.first + 1, b.last + 1, b.kept_first + 1, b.kept_last + 1) for b in seed.blocks if b.removed]
    print()
    print(
        f"reference article: {len(seed.removed)} of {len(split_paragraphs(seed_text))} lines removed, "
        f"blocks (lines, copies of lines): {blocks}"
    )
    print(f"({elapsed:.2f} s for the gold bodies with both configurations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
