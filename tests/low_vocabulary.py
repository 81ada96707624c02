"""Records over a tiny vocabulary, where every paragraph shares LSH buckets with many others.

Word salads of 15 to 30 words drawn from a few words: the same character 5-grams recur
everywhere, so the MinHash bands of unrelated paragraphs collide far more often than in
prose, and an index without a bucket cap would verify each new paragraph against a share
of all the earlier ones. With ``copies``, that share of the paragraphs repeat a paragraph
of one of the three records before, with one character changed: near copies to find.
Used by the tests and by ``python -m benchmarks.low_vocabulary``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

VOCABULARY = "the a of to in and council city mayor flood barrier vote said on new plan water river bridge"
WORDS = tuple(VOCABULARY.split())  # 19 words


def records(
    count: int, *, seed: int = 0, words: Sequence[str] = WORDS, paragraphs: int = 5, copies: float = 0.0
) -> list[str]:
    """``count`` records of ``paragraphs`` lines each, the same for the same arguments."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        lines = []
        for _ in range(paragraphs):
            if out and rng.random() < copies:
                source = rng.choice(rng.choice(out[-3:]).split("\n"))
                at = rng.randrange(len(source))
                lines.append(source[:at] + ("x" if source[at] != "x" else "y") + source[at + 1 :])
            else:
                lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(15, 30))))
        out.append("\n".join(lines))
    return out
