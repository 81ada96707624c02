"""A first rough throughput figure: one text of N paragraphs through ``dedupe_and_explain``.

The text is synthetic and deterministic: half Korean-like, half English-like paragraphs of
15–90 words drawn from Zipf-distributed vocabularies, with 20 % of the paragraphs planted as
copies that have one character changed. In the same run it times the floor, an exact-only
pass (normalise each paragraph, remember the keys), and prints both as paragraphs per
second and their ratio. Medians of ``--repeats`` runs; one core.

Run: ``python -m benchmarks.throughput [--paragraphs 100000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import random
import sys

import numpy as np

from benchmarks._common import median_time, platform_line
from dedupe import DedupeConfig, dedupe_and_explain, split_paragraphs
from dedupe.index import candidate_pairs, estimated_jaccard
from dedupe.normalize import normalize
from dedupe.signature import sign_keys
from dedupe.verify import score_pairs


def synthetic_text(paragraphs: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    draw = np.random.default_rng(seed)
    latin = "etaoinshrdlucmfwypvbgkjqxz"
    hangul = [chr(c) for c in range(0xAC00, 0xAC00 + 2000)]
    english = ["".join(rng.choice(latin) for _ in range(rng.randint(2, 9))) for _ in range(5000)]
    korean = ["".join(rng.choice(hangul) for _ in range(rng.randint(1, 4))) for _ in range(5000)]
    weights = 1 / np.arange(1, 5001)
    weights /= weights.sum()

    def paragraph() -> str:
        vocab = korean if rng.random() < 0.5 else english
        return " ".join(vocab[i] for i in draw.choice(5000, rng.randint(15, 90), p=weights)) + "."

    originals = [paragraph() for _ in range(int(paragraphs * 0.8))]
    out = list(originals)
    for _ in range(paragraphs - len(originals)):
        source = rng.choice(originals)
        i = rng.randrange(len(source))
        out.insert(rng.randrange(len(out) + 1), source[:i] + "x" + source[i + 1 :])
    return "\n".join(out)


def exact_only(text: str) -> int:
    seen: set[str] = set()
    later = 0
    for p in split_paragraphs(text):
        key = normalize(p.text)
        later += key in seen
        seen.add(key)
    return later


def candidate_funnel(text: str) -> str:
    """Candidate pairs after banding, after the MinHash-estimate filter, and after verification."""
    config = DedupeConfig()
    keys = list(dict.fromkeys(normalize(p.text) for p in split_paragraphs(text)))
    sig = sign_keys(keys, config.shingle_size, config.num_perm, config.seed)
    pairs = candidate_pairs(sig, config.bands, config.rows).pairs
    estimate = estimated_jaccard(sig, pairs)
    kept = pairs[estimate >= config.min_jaccard]
    verified = score_pairs(keys, pairs, config.threshold) >= config.threshold
    lost = int((verified & (estimate < config.min_jaccard)).sum())
    lowest = float(estimate[verified].min()) if verified.any() else float("nan")
    return (
        f"candidate pairs: {len(pairs):,} from banding, {len(kept):,} after the estimate filter "
        f"(min_jaccard={config.min_jaccard}), {int(verified.sum()):,} verified; verified pairs the filter "
        f"drops: {lost}; lowest estimate among verified pairs: {lowest:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(platform_line())
    text = synthetic_text(args.paragraphs)
    megabytes = len(text.encode("utf-8")) / 1e6
    explained = dedupe_and_explain(text)
    print(
        f"{args.paragraphs} paragraphs, {megabytes:.1f} MB; dedupe removes {len(explained.removed)}, "
        f"keeps {len(explained.kept)} repeats; exact-only finds {exact_only(text)} exact copies"
    )
    print(candidate_funnel(text))
    full = median_time(lambda: dedupe_and_explain(text), args.repeats)
    floor = median_time(lambda: exact_only(text), args.repeats)
    print("| system | median s | paragraphs/s | MB/s |")
    print("|---|---:|---:|---:|")
    for name, seconds in (("dedupe_and_explain (defaults)", full), ("exact-only floor", floor)):
        print(f"| {name} | {seconds:.2f} | {args.paragraphs / seconds:,.0f} | {megabytes / seconds:.1f} |")
    print(f"dedupe takes {full / floor:.1f}x the time of the exact-only floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
