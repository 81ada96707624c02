"""Partial copies at scale: truncated, merged and appended copies, removed against reported, and their cost.

On the benchmark corpus (``make_corpus(n)``, 100,000 paragraphs by default), with default
options and with ``keep="longest"``:

* per kind (``truncated``, ``merged``, ``appended``): planted copies, the share *removed*
  by the rule (the copy goes, pointing into its source's family), the share *reported* as a
  partial copy (kind ``"partial"``, removed or kept in ``Explained.kept``), and for
  ``appended`` under ``keep="longest"`` the share where one of the two goes (the shorter
  original, as the option asks, or the copy);
* precision of every reported match, and claims on hard negatives and originals;
* the share of each whole kind (exact, typo3, ...) that the rule removes, which partial
  copies can change (they used to count as occurrences of the template-line rule);
* why the rule keeps the truncated and merged copies that were found but stay (the block's
  reason: short lines, template lines);
* the time of the one-document pipeline against the code before partial copies
  (``BASELINE``, extracted with ``git archive`` into the cache), both in fresh processes,
  interleaved, median CPU seconds: the ratio is the figure (these machines are noisy).

The targets (issue 8, section 3) are printed last, each met or MISSED.

    python -m benchmarks.partial [--n 100000] [--seed 0] [--repeats 3] [--no-speed]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections import Counter
from typing import Any

from benchmarks._common import CACHE, ROOT, RUNS, package_at, platform_line
from benchmarks.corpus import KINDS
from benchmarks.quality import family, score
from benchmarks.run_one import cached_corpus, labelled

BASELINE = "ca7fe23"  # the last commit before partial copies (issue 8)
PARTIAL_KINDS = ("truncated", "merged", "appended")

# One run of the pipeline on a corpus file, with the library at sys.argv[1]: CPU seconds, stages, removals.
_TIME_ONE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from dedupe.api import timed_explain
text = open(sys.argv[2], encoding="utf-8").read()
start = time.process_time()
explained, stages = timed_explain(text)
seconds = time.process_time() - start
print(json.dumps({"seconds": seconds, "removed": len(explained.removed), "stages": stages}))
"""


def quality(n: int, seed: int = 0) -> dict[str, Any]:
    """Removed and reported shares per partial kind, precision and false claims, for both keep policies."""
    from dedupe import dedupe_and_explain

    text_path, labels_path = cached_corpus(n, seed, CACHE)
    text = text_path.read_text(encoding="utf-8")
    corpus = labelled(text.split("\n"), labels_path)
    root = family(corpus)
    planted = Counter(k for k in corpus.kinds if k in PARTIAL_KINDS)
    explained = dedupe_and_explain(text)
    longest = dedupe_and_explain(text, keep="longest")

    def right(i: int, j: int) -> bool:  # paragraph i copies into the family of one of its sources
        return root[j] in {root[s] for s in corpus.sources[i]}

    removed: Counter[str] = Counter()
    reported: Counter[str] = Counter()
    for m in explained.removed:
        kind = corpus.kinds[m.index]
        if kind in PARTIAL_KINDS and right(m.index, m.kept_index):
            removed[kind] += 1
            reported[kind] += m.kind == "partial"
    for m in explained.kept:
        kind = corpus.kinds[m.index]
        if kind in PARTIAL_KINDS and m.kind == "partial" and right(m.index, m.kept_index):
            reported[kind] += 1
    # keep="longest": an appended copy i of original s is settled when one of the two goes for the other.
    gone = {m.index: m.kept_index for m in longest.removed}
    appended = [i for i, k in enumerate(corpus.kinds) if k == "appended"]
    settled = sum(
        (i in gone and right(i, gone[i])) or any(gone.get(s) == i for s in corpus.sources[i]) for i in appended
    )
    found = [(m.index, m.kept_index, m.score) for m in (*explained.removed, *explained.kept)]
    overall = score(corpus, found)
    by_rule = score(corpus, [(m.index, m.kept_index, m.score) for m in explained.removed])
    whole = {k: round(by_rule[k].recall, 4) for k in KINDS if k not in PARTIAL_KINDS}
    why: Counter[str] = Counter()
    for m in explained.kept:
        if corpus.kinds[m.index] in ("truncated", "merged"):
            why[f"{corpus.kinds[m.index]}: {explained.blocks[m.block].reason.split(':')[0]}"] += 1
    negatives = sum(1 for m in (*explained.removed, *explained.kept) if corpus.kinds[m.index] == "hard_negative")
    return {
        "n": n,
        "seed": seed,
        "kept_because": dict(sorted(why.items())),
        "whole_removed": whole,
        "kinds": {
            k: {
                "planted": planted[k],
                "removed": round(removed[k] / planted[k], 4),
                "reported_partial": round(reported[k] / planted[k], 4),
            }
            for k in PARTIAL_KINDS
        },
        "appended_settled_keep_longest": round(settled / len(appended), 4),
        "precision": round(overall["overall"].precision, 4),
        "false_claims": overall["false positives"].claimed,
        "hard_negative_claims": negatives,
    }


def speed(n: int, repeats: int, seed: int = 0) -> dict[str, Any] | None:
    """Median CPU seconds of this code and of :data:`BASELINE` on the corpus, run by turns in fresh processes."""
    before = package_at(BASELINE)
    if before is None:
        return None
    text_path, _ = cached_corpus(n, seed, CACHE)
    runs: dict[str, list[dict[str, Any]]] = {"now": [], "before": []}
    for _ in range(repeats):
        for name, root in (("now", ROOT), ("before", before)):
            out = subprocess.run(
                [sys.executable, "-c", _TIME_ONE, str(root), str(text_path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            runs[name].append(json.loads(out))
    median = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items()}
    return {
        "n": n,
        "repeats": repeats,
        "seconds": {name: round(s, 3) for name, s in median.items()},
        "ratio": round(median["now"] / median["before"], 3),
        "removed": {name: rs[-1]["removed"] for name, rs in runs.items()},
        "stages": {name: {k: round(v, 3) for k, v in rs[-1]["stages"].items()} for name, rs in runs.items()},
    }


def targets(q: dict[str, Any], s: dict[str, Any] | None) -> dict[str, tuple[bool, str]]:
    kinds = q["kinds"]
    out = {
        "truncated removed ≥ 0.98": (kinds["truncated"]["removed"] >= 0.98, f"{kinds['truncated']['removed']:.4f}"),
        "merged removed ≥ 0.95": (kinds["merged"]["removed"] >= 0.95, f"{kinds['merged']['removed']:.4f}"),
        "appended reported as partial ≥ 0.98": (
            kinds["appended"]["reported_partial"] >= 0.98,
            f"{kinds['appended']['reported_partial']:.4f}",
        ),
        "appended settled with keep='longest' ≥ 0.98": (
            q["appended_settled_keep_longest"] >= 0.98,
            f"{q['appended_settled_keep_longest']:.4f}",
        ),
        "precision ≥ 0.999": (q["precision"] >= 0.999, f"{q['precision']:.4f}"),
        "no claims on hard negatives": (q["hard_negative_claims"] == 0, str(q["hard_negative_claims"])),
    }
    if s is not None:
        out[f"time within 1.10× of {BASELINE}"] = (s["ratio"] <= 1.10, f"{s['ratio']:.3f}×")
    return out


def render(q: dict[str, Any], s: dict[str, Any] | None, skipped: str) -> str:
    lines = [f"## Partial copies at n = {q['n']:,}, seed {q['seed']} (default options)\n"]
    lines.append("| kind | planted | removed | reported as partial |")
    lines.append("|---|---:|---:|---:|")
    for kind, row in q["kinds"].items():
        lines.append(f"| {kind} | {row['planted']:,} | {row['removed']:.4f} | {row['reported_partial']:.4f} |")
    lines.append(f'\n- appended, `keep="longest"`: one of the two goes in {q["appended_settled_keep_longest"]:.4f}')
    whole = ", ".join(f"{kind} {share:.4f}" for kind, share in q["whole_removed"].items())
    lines.append(f"- whole copies removed by the rule: {whole}")
    kept = ", ".join(f"{why} {count}" for why, count in q["kept_because"].items()) or "none"
    lines.append(f"- found but kept by the rule: {kept}")
    lines.append(
        f"- precision of every reported match {q['precision']:.4f}; claims on originals and hard negatives "
        f"{q['false_claims']}, on hard negatives {q['hard_negative_claims']}"
    )
    if s is not None:
        lines.append(
            f"- one-document pipeline, median CPU s of {s['repeats']}: {s['seconds']['now']:.2f} against "
            f"{s['seconds']['before']:.2f} at {BASELINE} ({s['ratio']:.3f}×); removals "
            f"{s['removed']['now']:,} against {s['removed']['before']:,}"
        )
        stages = sorted(set(s["stages"]["now"]) | set(s["stages"]["before"]), key=list(s["stages"]["now"]).index)
        lines.append("\n| stage | " + " | ".join(stages) + " |")
        lines.append("|---|" + "---:|" * len(stages))
        for name in ("now", "before"):
            row = s["stages"][name]
            lines.append(f"| {name} | " + " | ".join(f"{row.get(k, 0):.2f}" for k in stages) + " |")
    else:
        lines.append(f"- speed: skipped ({skipped})")
    lines.append("\n## Targets\n")
    for name, (met, detail) in targets(q, s).items():
        lines.append(f"- {'met' if met else 'MISSED'}: {name}: {detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0, help="of the corpus")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-speed", action="store_true", help="skip the timing against the baseline")
    args = parser.parse_args(argv)
    print(platform_line())
    q = quality(args.n, args.seed)
    s = None if args.no_speed else speed(args.n, args.repeats, args.seed)
    text = render(q, s, "--no-speed" if args.no_speed else f"{BASELINE} is not in this checkout's git history")
    print(text)
    RUNS.mkdir(parents=True, exist_ok=True)
    record = json.dumps({"quality": q, "speed": s}, indent=1)
    (RUNS / f"partial-{args.n}-{args.seed}.json").write_text(record, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
