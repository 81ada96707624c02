"""Precision, recall and F1 of reported matches against the planted truth of a corpus.

A match ``(i, j, score)`` says paragraph ``i`` repeats kept paragraph ``j``. It is correct
when ``i`` is a planted copy and ``j`` belongs to the family of one of its sources (the
source itself or another copy of it). Per planted kind: recall = correct / planted,
precision = correct / claimed on paragraphs of that kind. A match claimed on an original or
a hard negative is a false positive; they count in the overall precision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from benchmarks.corpus import KINDS, Corpus

Match = tuple[int, int, float]


@dataclass(frozen=True)
class Score:
    planted: int
    claimed: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.claimed if self.claimed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.planted if self.planted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "planted": self.planted,
            "claimed": self.claimed,
            "correct": self.correct,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def family(corpus: Corpus) -> list[int]:
    """The original each paragraph descends from (itself for originals and hard negatives)."""
    return [s[0] if kind in KINDS else i for i, (kind, s) in enumerate(zip(corpus.kinds, corpus.sources, strict=True))]


def score(corpus: Corpus, matches: Iterable[Match]) -> dict[str, Score]:
    """Scores per planted kind, plus ``"overall"`` and ``"false positives"`` (claims on non-copies)."""
    root = family(corpus)
    planted = Counter(k for k in corpus.kinds if k in KINDS)
    claimed: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for i, j, _ in matches:
        kind = corpus.kinds[i]
        if kind not in KINDS:
            claimed["false positives"] += 1
            continue
        claimed[kind] += 1
        correct[kind] += root[j] in {root[s] for s in corpus.sources[i]}
    scores = {kind: Score(planted[kind], claimed[kind], correct[kind]) for kind in KINDS}
    scores["overall"] = Score(sum(planted.values()), sum(claimed.values()), sum(correct.values()))
    negatives = sum(k != "original" and k not in KINDS for k in corpus.kinds)
    scores["false positives"] = Score(negatives, claimed["false positives"], 0)
    return scores
