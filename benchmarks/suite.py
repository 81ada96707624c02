"""The benchmark suite: speed and quality of dedupe and the baselines, in one run.

For each corpus size, each system that finishes within minutes there runs in its own
process (``benchmarks.run_one``): median wall time of ``--repeats`` runs, paragraphs and MB
per second, peak memory, quality per planted kind, and for dedupe the time per stage. Then
the small checks (one article through the API and through ``dedupe-file``), the real pages
(legitimate repeats kept, boilerplate across the pages of a site found), and the targets.
Results go to ``results/<stamp>.json`` and ``.md`` (and a plot with matplotlib installed).

Run: ``python -m benchmarks [--sizes 2000,10000,100000,1000000] [--repeats 3] [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

from benchmarks._common import CACHE, MISSING_PAGES, PAGES, RESULTS, ROOT, RUNS, platform_line
from benchmarks.corpus import KINDS
from dedupe.stopwatch import STAGES

# Largest size at which each system runs (they are quadratic or slow beyond).
LIMITS = {
    "dedupe": 10**9,
    "exact-hash": 10**9,
    "datasketch update_batch": 100_000,
    "datasketch update": 10_000,
    "all-pairs rapidfuzz": 2_000,
}
SLOW = {"datasketch update_batch", "datasketch update", "all-pairs rapidfuzz"}  # one repeat from 10,000 up
SEED = ROOT / "seeds" / "000_6ef43e2731afccca.txt"


def run_system(system: str, n: int, repeats: int, cache: Path) -> dict[str, Any]:
    repeats = 1 if system in SLOW and n >= 10_000 else repeats
    cmd = [sys.executable, "-m", "benchmarks.run_one", system, str(n), "--repeats", str(repeats), "--cache", str(cache)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        return {"system": system, "n": n, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_article(repeats: int = 7) -> dict[str, float]:
    """Median time of the seed article through the API, and of dedupe-file against bare imports."""
    import dedupe

    text = SEED.read_text(encoding="utf-8")
    dedupe.dedupe_and_explain(text)
    api = [timeit.timeit(lambda: dedupe.dedupe_and_explain(text), number=200) / 200 for _ in range(repeats)]

    # Both commands read bytecode compiled once, as an installed package has it: under
    # PYTHONDONTWRITEBYTECODE=1 (set on the development machines) an editable checkout is
    # compiled from source on every start (about 40 ms) while numpy's bytecode came with its
    # install. A cache of their own, written by a first run, puts them on equal terms.
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPYCACHEPREFIX": cache}

        def wall(cmd: list[str]) -> float:
            subprocess.run(cmd, capture_output=True, check=True, env=env)  # writes the bytecode
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                subprocess.run(cmd, capture_output=True, check=True, env=env)
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        cli = wall([sys.executable, "-m", "dedupe", "-q", str(SEED)])
        imports = wall([sys.executable, "-c", "import numpy, rapidfuzz"])
    return {"api_ms": statistics.median(api) * 1000, "cli_s": cli, "imports_s": imports}


def real_pages() -> dict[str, Any] | None:
    """Within-article: legitimate repeats of the gold bodies; across pages: a site's boilerplate."""
    if not PAGES.exists():
        return None
    from benchmarks.legit_repeats import exact_later_copies
    from dedupe import dedupe_and_explain, dedupe_paragraphs

    pages = [json.loads(line) for line in PAGES.open(encoding="utf-8")]
    gold_repeats = sum(len(exact_later_copies(p["expected"])) for p in pages)
    gold_removed = sum(len(dedupe_and_explain(p["expected"]).removed) for p in pages)
    # Boilerplate: the lines of all pages of a site as one stream (the cross-document mode of a
    # later issue will do this with an index); a line on 2+ pages and not in the gold body is
    # boilerplate. Found = reported as a repeat (removed or kept by the rule).
    sites: dict[str, list[dict[str, Any]]] = {}
    for page in pages:
        sites.setdefault(page["site"], []).append(page)
    boiler = found = gold_lines = gold_found = 0
    for site_pages in sites.values():
        if len(site_pages) < 2:
            continue
        lines = [para for page in site_pages for para in page["paragraphs"]]
        result = dedupe_paragraphs([line["text"] for line in lines], min_chars=0, max_copies=10**6)
        repeated = {m.index for m in (*result.removed, *result.kept)}
        seen_first: set[str] = set()
        for i, line in enumerate(lines):
            is_boiler = line["site_pages"] >= 2 and not line["in_expected"]
            if is_boiler and line["text"] not in seen_first:
                seen_first.add(line["text"])  # the first occurrence is kept by design
                continue
            boiler += is_boiler
            found += is_boiler and i in repeated
            gold_lines += line["in_expected"]
            gold_found += line["in_expected"] and i in repeated
    return {
        "pages": len(pages),
        "gold_later_exact_copies": gold_repeats,
        "gold_removed_by_defaults": gold_removed,
        "boilerplate_repeats": boiler,
        "boilerplate_found": found,
        "gold_lines_on_multi_page_sites": gold_lines,
        "gold_lines_reported": gold_found,
    }


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def report(
    runs: list[dict[str, Any]], article: dict[str, float], pages: dict[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    ok = [r for r in runs if "error" not in r]
    out: list[str] = []
    out.append("## Speed (median wall time; one core)\n")
    out.append("| n | system | repeats | median s | paragraphs/s | MB/s | peak MB (corpus alone) | × update_batch |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    rate = {(r["system"], r["n"]): r["n"] / r["median"] for r in ok}
    for r in sorted(ok, key=lambda r: (r["n"], r["system"] != "dedupe", r["system"])):
        base = rate.get(("datasketch update_batch", r["n"]))
        ratio = f"{rate[(r['system'], r['n'])] / base:.1f}" if base else "–"
        out.append(
            f"| {r['n']:,} | {r['system']} | {r['repeats']} | {r['median']:.3f} | "
            f"{fmt_rate(r['n'] / r['median'])} | {r['megabytes'] / r['median']:.1f} | "
            f"{r['peak_mb']:,.0f} ({r['corpus_mb']:,.0f}) | {ratio} |"
        )
    for r in runs:
        if "error" in r:
            out.append(f"| {r['n']:,} | {r['system']} | failed: {' '.join(r['error'])} |")
    out.append("\n## dedupe: seconds per stage (last run)\n")
    out.append("| n | " + " | ".join(STAGES) + " | total |")
    out.append("|---:|" + "---:|" * (len(STAGES) + 1))
    for r in sorted((r for r in ok if r["system"] == "dedupe"), key=lambda r: r["n"]):
        out.append(
            f"| {r['n']:,} | " + " | ".join(f"{r['stages'][s]:.2f}" for s in STAGES) + f" | {r['seconds'][-1]:.2f} |"
        )
    for n in sorted({r["n"] for r in ok}):
        here = [r for r in ok if r["n"] == n]
        out.append(f"\n## Quality at n = {n:,}: F1 per planted kind (precision / recall overall)\n")
        names = [r["system"] for r in here] + ["dedupe, removed by the default rule"]
        out.append("| kind | " + " | ".join(names) + " |")
        out.append("|---|" + "---:|" * len(names))
        rows: dict[str, list[str]] = {}
        for r in here:
            for kind in (*KINDS, "overall"):
                rows.setdefault(kind, []).append(f"{r['quality'][kind]['f1']:.3f}")
        dd = next((r for r in here if r["system"] == "dedupe"), None)
        for kind in (*KINDS, "overall"):
            extra = f"{dd['quality_removed'][kind]['recall']:.3f} recall" if dd else "–"
            out.append(f"| {kind} | " + " | ".join(rows[kind]) + f" | {extra} |")
        out.append(
            "| precision / recall | "
            + " | ".join(
                f"{r['quality']['overall']['precision']:.3f} / {r['quality']['overall']['recall']:.3f}" for r in here
            )
            + " | |"
        )
        out.append(
            "| claims on originals and hard negatives | "
            + " | ".join(str(r["quality"]["false positives"]["claimed"]) for r in here)
            + " | |"
        )
    out.append("\n## One article (the reference seed)\n")
    out.append(f"- through the API: median {article['api_ms']:.2f} ms")
    out.append(
        f'- `python -m dedupe` on it: median {article["cli_s"]:.3f} s; `python -c "import numpy, rapidfuzz"`: '
        f"{article['imports_s']:.3f} s ({article['cli_s'] / article['imports_s']:.2f}×; both from bytecode "
        "compiled once, as installed)"
    )
    if pages:
        out.append("\n## Real pages (article-extraction benchmark, 181 pages)\n")
        out.append(
            f"- gold bodies: {pages['gold_later_exact_copies']} later exact copies of a line; the default rule "
            f"removes {pages['gold_removed_by_defaults']}"
        )
        out.append(
            f"- sites with 2+ pages, their lines as one stream: {pages['boilerplate_found']} of "
            f"{pages['boilerplate_repeats']} repeated boilerplate lines found; "
            f"{pages['gold_lines_reported']} of {pages['gold_lines_on_multi_page_sites']} gold lines reported"
        )
    else:
        out.append(f"\n(real pages skipped: {PAGES} {MISSING_PAGES})")
    targets = check_targets(ok, article)
    out.append("\n## Targets\n")
    for name, (met, detail) in targets.items():
        out.append(f"- {'met' if met else 'MISSED'}: {name}: {detail}")
    return "\n".join(out), targets


def check_targets(ok: list[dict[str, Any]], article: dict[str, float]) -> dict[str, tuple[bool, str]]:
    by = {(r["system"], r["n"]): r for r in ok}
    targets: dict[str, tuple[bool, str]] = {}
    ours, stock = by.get(("dedupe", 100_000)), by.get(("datasketch update_batch", 100_000))
    if ours and stock:
        ratio = stock["median"] / ours["median"]
        worse = [k for k in KINDS if ours["quality"][k]["f1"] < stock["quality"][k]["f1"]]
        targets["100k: ≥ 30× update_batch (issue 9; 25× in issue 4), F1 ≥ on every kind"] = (
            ratio >= 30 and not worse,
            f"{ratio:.1f}×; kinds with lower F1: {worse or 'none'}",
        )
    big, mid = by.get(("dedupe", 1_000_000)), by.get(("dedupe", 100_000))
    if big and mid:
        growth = big["median"] / mid["median"]
        targets["1M: peak < 2.5 GB, time ≤ 12× the 100k time"] = (
            big["peak_mb"] < 2500 and growth <= 12,
            f"peak {big['peak_mb']:,.0f} MB, {growth:.1f}×",
        )
    cli_ratio = article["cli_s"] / article["imports_s"]
    targets["dedupe-file on the seed within 2× of importing numpy and rapidfuzz"] = (
        cli_ratio <= 2,
        f"{cli_ratio:.2f}×",
    )
    targets["one article through the API under 1 ms"] = (article["api_ms"] < 1, f"{article['api_ms']:.2f} ms")
    return targets


def plot(runs: list[dict[str, Any]], path: Path) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "plot skipped: matplotlib is not installed (pip install -e '.[bench]')"
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for system in sorted({r["system"] for r in runs}):
        mine = sorted((r for r in runs if r["system"] == system and "error" not in r), key=lambda r: r["n"])
        left.plot([r["n"] for r in mine], [r["median"] for r in mine], marker="o", label=system)
        right.plot([r["n"] for r in mine], [r["peak_mb"] for r in mine], marker="o", label=system)
    for axis, label in ((left, "median seconds"), (right, "peak MB")):
        axis.set(xscale="log", yscale="log", xlabel="paragraphs", ylabel=label)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return f"plot: {path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000,100000,1000000")
    parser.add_argument("--quick", action="store_true", help="sizes 2000 and 10000 only")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RUNS, help="where the stamped files go (default: %(default)s)")
    parser.add_argument(
        "--latest", action="store_true", help=f"also write them as {RESULTS}/latest.*, the committed figures"
    )
    args = parser.parse_args(argv)
    sizes = [2000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(platform_line(), flush=True)
    runs = []
    for n in sizes:
        for system in LIMITS:
            if n <= LIMITS[system]:
                result = run_system(system, n, args.repeats, CACHE)
                runs.append(result)
                shown = result.get("median", result.get("error"))
                print(f"  {system} at {n:,}: {shown}", file=sys.stderr, flush=True)
    article = one_article()
    pages = real_pages()
    text, targets = report(runs, article, pages)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    machine = platform_line()
    (args.out / f"{stamp}.md").write_text(f"{machine}\n\n{text}\n", encoding="utf-8")
    data = {
        "machine": machine,
        "cpus": os.cpu_count(),
        "runs": runs,
        "one_article": article,
        "real_pages": pages,
        "targets": {k: {"met": v[0], "detail": v[1]} for k, v in targets.items()},
    }
    (args.out / f"{stamp}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(plot(runs, args.out / f"{stamp}.png"))
    print(f"results: {args.out / stamp}.md and .json")
    if args.latest:
        for suffix in (".md", ".json", ".png"):
            if (args.out / f"{stamp}{suffix}").exists():
                shutil.copyfile(args.out / f"{stamp}{suffix}", RESULTS / f"latest{suffix}")
        print(f"and {RESULTS}/latest.*")
    return 0
