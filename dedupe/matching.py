"""From paragraph texts to verified copies: normalize → shingle → sign → band → verify → cluster.

Exact copies (equal normalised keys) take a fast path: only distinct keys go through
MinHash and LSH, so a line repeated a thousand times costs one signature. The verified
links between distinct keys are computed once per document; grouping them into copies is
cheap and can be redone on any subset of the paragraphs (see :meth:`Links.copies`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dedupe.blocks import ParagraphIds, display_width
from dedupe.cluster import assign_leaders
from dedupe.config import DedupeConfig
from dedupe.index import candidate_pairs, estimated_jaccard, window_pairs
from dedupe.normalize import normalize
from dedupe.signature import sign_keys
from dedupe.stopwatch import OFF, Stopwatch
from dedupe.verify import score_pairs

Ids = npt.NDArray[np.int64]


class Copy(NamedTuple):
    """Paragraph ``index`` repeats the kept paragraph ``kept_index``."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, on purpose
    kept_index: int
    score: float
    exact: bool


class Copies(NamedTuple):
    """The copies among some paragraphs, in document order, one array entry per copy.

    Paragraph ``index[k]`` repeats the kept paragraph ``kept[k]``; the score of copy ``k``
    is ``score[units[index[k]]]`` (1.0 for an exact copy, whose unit is the kept one's).
    """

    index: ParagraphIds  # type: ignore[assignment]  # shadows tuple.index, on purpose
    kept: ParagraphIds
    score: npt.NDArray[np.float64]  # per unit


class Links:
    """The normalised keys of a document's paragraphs and the verified links between them.

    Per paragraph only its unit (the number of its distinct normalised key) is kept: a text
    of millions of short lines holds few distinct keys.
    """

    def __init__(
        self,
        texts: Iterable[str],
        config: DedupeConfig,
        stopwatch: Stopwatch = OFF,
        *,
        sign_all: bool = False,
        count: int = -1,
    ) -> None:
        """``count``, when known, is the number of ``texts`` (the array of units is then made at its size)."""
        self.config = config
        self.stopwatch = stopwatch
        with stopwatch("normalize"):
            unit_of: dict[str, int] = {}
            self.units: Ids = np.fromiter(
                (unit_of.setdefault(normalize(t), len(unit_of)) for t in texts), np.int64, count=count
            )
            self.unit_keys = list(unit_of)
            del unit_of
            self.unit_lengths = np.fromiter(map(len, self.unit_keys), dtype=np.int64, count=len(self.unit_keys))
        self._unit_widths = np.full(len(self.unit_keys), -1, dtype=np.int64)  # display widths, computed when asked
        # A pair can reach the threshold only if the shorter key is long enough:
        # Indel similarity <= 2 * shorter / (shorter + longer). Keys without such a partner
        # (a 50 MB line among short ones) need no signature at all.
        # (Across documents every unit is compared with the index: ``sign_all``.)
        members = self._bandable(np.arange(len(self.unit_keys)))
        signing = np.arange(len(self.unit_keys)) if sign_all else members
        signed = sign_keys(
            [self.unit_keys[i] for i in signing], config.shingle_size, config.num_perm, config.seed, stopwatch=stopwatch
        )
        if len(signing) == len(self.unit_keys):
            self.signatures = signed
            if len(members) < len(signing):
                signed = signed[members]
        else:  # rows of units without a signature stay zero and are never read
            self.signatures = np.zeros((len(self.unit_keys), config.num_perm), dtype=np.uint32)
            self.signatures[members] = signed
        with stopwatch("index"):
            candidates = candidate_pairs(signed, config.bands, config.rows)
        self.capped = [members[bucket] for bucket in candidates.capped]
        self.pairs, self.scores, self.complete = self._verify(members[candidates.pairs], candidates.complete)

    @property
    def truncated(self) -> bool:
        """Whether some bucket was too big to pair fully (a subset then pairs those buckets again)."""
        return bool(self.capped)

    def copies(self, active: ParagraphIds) -> Copies:
        """Return every copy among the paragraphs ``active`` (indices, increasing), in order.

        Each copy names the kept paragraph it repeats: the first occurrence (in keep order)
        of a kept unit, verified against it directly. The result is what a fresh run on the
        text made of the ``active`` paragraphs would find.
        """
        with self.stopwatch("cluster"):
            return self._copies(active)

    def unit_widths(self, units: Ids) -> Ids:
        """Display widths of the keys of ``units`` (computed once per unit, when first asked)."""
        widths = self._unit_widths
        for u in set(units[widths[units] < 0].tolist()):
            widths[u] = display_width(self.unit_keys[u])
        return widths[units]

    def _copies(self, active: ParagraphIds) -> Copies:
        positions = active
        if len(self.unit_keys) == len(self.units) and not len(self.pairs):  # all different, nothing near
            return Copies(positions[:0], positions[:0], np.ones(len(self.unit_keys)))
        units = self.units if len(positions) == len(self.units) else self.units[positions]
        first = np.full(len(self.unit_keys), -1, dtype=positions.dtype)
        first[units[::-1]] = positions[::-1]  # the earliest active occurrence of each unit
        present = first >= 0
        if self.config.keep == "first":
            rank = first
        else:  # longest first, earliest among equals
            order = np.lexsort((first, -self.unit_lengths))
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
        usable = present[self.pairs[:, 0]] & present[self.pairs[:, 1]]
        pairs, scores = self.pairs[usable], self.scores[usable]
        if self.truncated and not present.all():
            # The capped buckets pair a subset differently: pair them again as a fresh run
            # would, numbering the units by first occurrence, and keep what verifies.
            ids = np.flatnonzero(present)
            members = self._bandable(ids[np.argsort(first[ids], kind="stable")])
            again = window_pairs(self.capped, members, len(self.unit_keys))
            extra, extra_scores, _ = self._verify(again, np.zeros(len(again), dtype=bool))
            keep = self.complete[usable]
            pairs = np.concatenate([pairs[keep], extra])
            scores = np.concatenate([scores[keep], extra_scores])
        leader, best = assign_leaders(rank, pairs, scores, self.config.threshold)
        kept = first[leader][units]  # the kept paragraph of each active paragraph (itself if kept)
        del units
        is_copy = kept != positions
        return Copies(positions[is_copy], kept[is_copy], best)

    def _bandable(self, unit_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The units that take part in banding: those with a length partner among ``unit_ids``."""
        return unit_ids[_has_length_partner(self.unit_lengths[unit_ids], self.config.threshold)]

    def _verify(
        self, pairs: npt.NDArray[np.int64], flags: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Keep the candidate pairs that rapidfuzz verifies; return them, their scores and flags."""
        config = self.config
        with self.stopwatch("verify"):
            # Banding tuned for recall proposes many pairs far below any plausible copy; the
            # MinHash estimate drops those before the (costlier) verification.
            likely = estimated_jaccard(self.signatures, pairs) >= config.min_jaccard
            pairs, flags = pairs[likely], flags[likely]
            scores = score_pairs(self.unit_keys, pairs, config.threshold)
            passed = scores >= config.threshold
            return pairs[passed], scores[passed], flags[passed]


def _has_length_partner(lengths: npt.NDArray[np.int64], threshold: float) -> npt.NDArray[np.bool_]:
    """Whether each key has another key whose length allows a score of at least ``threshold``."""
    ratio = threshold / (2 - threshold)  # shorter / longer must reach this
    order = np.argsort(lengths, kind="stable")
    ordered = lengths[order].astype(np.float64)
    ok = np.zeros(len(lengths), dtype=bool)
    if len(lengths) > 1:
        # In sorted order the best partner of each key is a neighbour.
        fits = ordered[:-1] >= ratio * ordered[1:]
        ok[order[:-1][fits]] = True
        ok[order[1:][fits]] = True
    return ok
