"""From paragraph texts to verified copies: normalize → shingle → sign → band → verify → cluster.

Exact copies (equal normalised keys) take a fast path: only distinct keys go through
MinHash and LSH, so a line repeated a thousand times costs one signature. The verified
links between distinct keys are computed once per document; grouping them into copies is
cheap and can be redone on any subset of the paragraphs (see :meth:`Links.copies`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dedupe.blocks import ParagraphIds, display_width
from dedupe.cluster import Partials, assign_leaders, assign_with_partials
from dedupe.config import DedupeConfig
from dedupe.index import (
    SortedBands,
    band_keys,
    candidate_pairs,
    likely,
    low_bits,
    ranked_buckets,
    sort_bands,
    window_pairs,
    within_bound,
)
from dedupe.normalize import normalize
from dedupe.partial import ALIGN_LIMIT, Alignment, Cover, Part, adds_new_text, partial_alignment, union_of
from dedupe.signature import sign_keys
from dedupe.spill import rows_in_order, spilled
from dedupe.stopwatch import OFF, Stopwatch
from dedupe.unit_keys import Picked, held_units, key_lengths, keys_for, units_again
from dedupe.verify import score, score_pairs

Ids = npt.NDArray[np.int64]


class Copy(NamedTuple):
    """Paragraph ``index`` repeats the kept paragraph ``kept_index`` (in part, when ``cover`` says how)."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, on purpose
    kept_index: int
    score: float
    exact: bool
    cover: Cover | None = None


class Copies(NamedTuple):
    """The copies among some paragraphs, in document order, one array entry per copy.

    Paragraph ``index[k]`` repeats the kept paragraph ``kept[k]``; the score of copy ``k``
    is ``score[units[index[k]]]`` (1.0 for an exact copy, whose unit is the kept one's).
    ``covers`` holds, per unit, how kept paragraphs cover the partial copies (their
    parts name kept paragraphs); ``extends``, per kept paragraph that holds a kept
    paragraph and more, how that one covers it.
    """

    index: ParagraphIds  # type: ignore[assignment]  # shadows tuple.index, on purpose
    kept: ParagraphIds
    score: npt.NDArray[np.float64]  # per unit
    covers: Mapping[int, Cover] = {}
    extends: Mapping[int, Cover] = {}


class Links:
    """The normalised keys of a document's paragraphs and the verified links between them.

    Per paragraph only its unit (the number of its distinct normalised key) is kept: a text
    of millions of short lines holds few distinct keys.
    """

    _rows: Ids | None  # the row of each unit's signature in ``signatures`` (None: row u is unit u's)

    def __init__(
        self,
        texts: Iterable[str],
        config: DedupeConfig,
        stopwatch: Stopwatch = OFF,
        *,
        sign_all: bool = False,
        count: int = -1,
        lean: bool = False,
    ) -> None:
        """``count``, when known, is the number of ``texts`` (the array of units is then made at its size).

        ``lean`` (for a long text) holds no keys: they are normalised again when needed
        (:mod:`dedupe.unit_keys`; ``texts`` must then be a sequence). Nor does it hold the
        signatures: they wait in a temporary file (:mod:`dedupe.spill`), read in order,
        until banding has chosen the candidates, as do the sorted bucket keys that banding
        makes for later lookups; the few signatures asked for after that are computed again.
        """
        self.config = config
        self.stopwatch = stopwatch
        with stopwatch("normalize"):
            if lean:
                assert isinstance(texts, Sequence)
                self._start(*units_again(texts))
            else:
                self._start(*held_units(texts, count))
        # A pair can reach the threshold only if the shorter key is long enough:
        # Indel similarity <= 2 * shorter / (shorter + longer). Keys without such a partner
        # (a 50 MB line among short ones) need no signature at all.
        # (Across documents every unit is compared with the index: ``sign_all``.)
        members = self._bandable(np.arange(len(self.unit_keys)))
        signing = np.arange(len(self.unit_keys)) if sign_all else members
        allocate = spilled if lean else np.empty
        signed = sign_keys(
            Picked(self.unit_keys, signing),
            config.shingle_size,
            config.num_perm,
            config.seed,
            stopwatch=stopwatch,
            allocate=allocate,
        )
        self.signatures = signed  # a row per signed unit
        if len(signing) < len(self.unit_keys):
            self._rows = np.full(len(self.unit_keys), -1, dtype=np.int64)
            self._rows[signing] = np.arange(len(signing))
        elif len(members) < len(signing):
            signed = signed[members]
        with stopwatch("index"):
            candidates = candidate_pairs(
                signed, config.bands, config.rows, keep=True, allocate=allocate, partial=True,
                min_jaccard=config.min_jaccard,
            )  # fmt: skip
        if lean:  # the signatures are done with (the sorted bands stay in their file)
            # but for those of the units in capped buckets, which each later pass of the
            # rule pairs again (at ten million paragraphs, 8.5 s a pass to sign them again)
            capped = np.zeros(len(signed), dtype=bool)
            for bucket in candidates.capped:
                capped[bucket] = True
            self._kept_units = members[capped]
            self._kept_signatures = rows_in_order(signed, np.flatnonzero(capped))
            del signed, capped
            self.signatures = np.empty((0, config.num_perm), dtype=np.uint32)  # not a view: that would hold them
            self._signed_again = True
        pairs = candidates.pairs
        for start in range(0, len(pairs), 1 << 16):  # rows of the banded units -> units, in place
            pairs[start : start + (1 << 16)] = members[pairs[start : start + (1 << 16)]]
        verified = _verify(self.unit_keys, self.unit_lengths, pairs, candidates.complete, config, stopwatch)
        self._finish(members, [members[bucket] for bucket in candidates.capped], verified, candidates.bands)

    def _start(self, units: Ids, unit_keys: Sequence[str]) -> None:
        self.units = units
        self.unit_keys = unit_keys
        self.unit_lengths = key_lengths(unit_keys)
        self._unit_widths = np.full(len(unit_keys), -1, dtype=np.int64)  # display widths, computed when asked
        self._unit_bands: npt.NDArray[np.uint64] | None = None
        self._rows = None  # set by __init__ when some units are not signed
        self._signed_again = False  # set by __init__ when a lean text drops its signatures
        self._kept_units = np.empty(0, dtype=np.int64)  # ... but for those of these units
        self._kept_signatures = np.empty((0, 0), dtype=np.uint32)
        # What the lookups of stretches found, kept for the later passes of the rule (see _looked_up).
        self._ranked: dict[tuple[int, int, int], npt.NDArray[np.int32]] = {}
        self._cut: set[tuple[int, int, int]] = set()
        self._outcomes: dict[int, float | Alignment | None] = {}
        self._window_bound: tuple[Callable[[Ids], npt.NDArray[np.bool_]], Ids | None, int] | None = None
        # The pairs of each capped bucket, and the last verification of them all (see pairs_among).
        self._windows: dict[int, tuple[Ids, npt.NDArray[np.int64]]] = {}
        self._windows_verified: tuple[npt.NDArray[np.int64], Verified] | None = None

    def _finish(self, members: Ids, capped: list[Ids], verified: Verified, bands: SortedBands | None) -> None:
        self.capped = capped
        self.pairs, self.scores, self.complete, self.found_partials, self.partial_complete = verified
        # The sorted main bands serve to look up the rest of partly covered paragraphs, in
        # this text or a subset of it; without partial pairs there is none to look up.
        self._members = members
        # (A lean text's stay in their temporary file: see ranked_buckets.)
        self._bands = bands if len(self.found_partials.pairs) and self.config.keep == "first" else None
        with self.stopwatch("partial"):
            self.partials, self.looked_up = self._with_the_rest(self.found_partials, self.pairs, members)

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

    def unit_bands(self) -> npt.NDArray[np.uint64]:
        """The LSH bucket keys of every unit (corpus mode looks each unit up and indexes it): computed once."""
        assert self._rows is None, "every unit is signed in corpus mode"
        if self._unit_bands is None:
            self._unit_bands = band_keys(self.signatures, 0, self.config.bands, self.config.rows)
        return self._unit_bands

    def _copies(self, active: ParagraphIds) -> Copies:
        positions = active
        if len(self.unit_keys) == len(self.units) and not len(self.pairs) and not len(self.partials.pairs):
            return Copies(positions[:0], positions[:0], np.ones(len(self.unit_keys)))  # all different, nothing near
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
        pairs, scores, partials = self.pairs_among(present, first)
        if len(partials.pairs):
            outcome = assign_with_partials(rank, pairs, scores, partials, self.unit_keys, self.config)
            leader, best = outcome.leader, outcome.best
        else:
            leader, best = assign_leaders(rank, pairs, scores, self.config.threshold)
        kept = first[leader][units]  # the kept paragraph of each active paragraph (itself if kept)
        del units
        is_copy = kept != positions
        if not len(partials.pairs):
            return Copies(positions[is_copy], kept[is_copy], best)
        covers, extends = _CoversInParagraphs(outcome.covers, first), _CoversInParagraphs(outcome.extends, first)
        return Copies(positions[is_copy], kept[is_copy], best, covers, extends.by_paragraph())

    def pairs_among(
        self, present: npt.NDArray[np.bool_], first: ParagraphIds
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], Partials]:
        """The verified pairs, whole and partial, that a fresh run on the ``present`` units would find.

        ``first`` is the first active occurrence of each unit (-1 for absent ones).
        """
        usable = present[self.pairs[:, 0]] & present[self.pairs[:, 1]]
        pairs, scores = self.pairs[usable], self.scores[usable]
        partials, looked_up = self.partials, self.looked_up
        if not present.all() and (len(self.partials.pairs) or self.truncated):
            # What covers the rest of a paragraph depends on what else is present: the
            # pairs found by banding are restricted to the subset and the rest looked up again.
            in_part = present[self.found_partials.pairs[:, 0]] & present[self.found_partials.pairs[:, 1]]
            if self.truncated:
                in_part &= self.partial_complete
            found = _select(self.found_partials, in_part)
            members = self._bandable(self._in_first_order(first[present]))
            if self.truncated:
                # The capped buckets pair a subset differently: pair them again as a fresh run
                # would, numbering the units by first occurrence, and keep what verifies.
                # A later pass that removed few paragraphs leaves most buckets as they were: their
                # pairs, and often the verification of them all, are those of the pass before.
                again = window_pairs(
                    self.capped, members, len(self.unit_keys), sieve=self._window_sieve(), memo=self._windows
                )
                if self._windows_verified is not None and np.array_equal(self._windows_verified[0], again):
                    extra = self._windows_verified[1]
                else:
                    extra = self._verify(again, np.zeros(len(again), dtype=bool))
                    self._windows_verified = again, extra
                keep = self.complete[usable]
                pairs = np.concatenate([pairs[keep], extra.pairs])
                scores = np.concatenate([scores[keep], extra.scores])
                known = {(a, b) for a, b in found.pairs.tolist()}
                fresh = np.asarray([(a, b) not in known for a, b in extra.partials.pairs.tolist()], dtype=bool)
                more = _select(extra.partials, fresh)
                found = Partials(np.concatenate([found.pairs, more.pairs]), found.alignments + more.alignments)
            partials, looked_up = self._with_the_rest(found, pairs, np.sort(members))
        if len(looked_up.pairs):
            pairs, scores = np.concatenate([pairs, looked_up.pairs]), np.concatenate([scores, looked_up.scores])
        return pairs, scores, partials

    def _in_first_order(self, firsts: ParagraphIds) -> Ids:
        """The units whose first occurrences are the paragraphs ``firsts``, in the order of those paragraphs.

        (Marked and read in order, not sorted: a later pass at ten million paragraphs asks
        it of 8 million units.)
        """
        at = np.zeros(len(self.units), dtype=bool)
        at[firsts] = True
        return self.units[np.flatnonzero(at)].astype(np.int64, copy=False)

    def _bandable(self, unit_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The units that take part in banding: those that could be a copy, whole or in part, of another."""
        lengths = self.unit_lengths[unit_ids]
        return unit_ids[
            _has_length_partner(lengths, self.config.threshold) | ((lengths > 0) & (lengths <= ALIGN_LIMIT))
        ]

    def _sorted_bands(self) -> SortedBands:
        """The main bands of the banded units, sorted (kept from banding, or made when a subset first needs them)."""
        if self._bands is None:
            signed, rows = self._signatures_of(self._members)
            members = self._members if rows is None else rows[self._members]
            self._bands = sort_bands(signed[members], self.config.bands, self.config.rows)
        return self._bands

    def _window_sieve(self) -> Callable[[Ids], npt.NDArray[np.bool_]]:
        """What keeps the pairs of units (packed ``i * units + j``) of capped buckets that may reach
        ``min_jaccard`` (:func:`~dedupe.index.within_bound`): a later pass of a long text pairs
        tens of millions again, nearly all of them chance meetings that ``likely`` would drop."""
        if self._window_bound is None:
            signed, rows = self._signatures_of(np.concatenate(self.capped))
            bound = within_bound(low_bits(signed), signed.shape[1], self.config.min_jaccard)
            self._window_bound = bound, rows, len(signed)
        bound, rows, m = self._window_bound
        if rows is None:  # (row u is unit u's)
            return bound
        n = len(self.unit_keys)
        return lambda packed: bound(rows[packed // n] * m + rows[packed % n])

    def _verify(self, pairs: npt.NDArray[np.int64], flags: npt.NDArray[np.bool_]) -> Verified:
        """Verify candidate pairs of units (those whose MinHash estimate reaches ``min_jaccard``)."""
        with self.stopwatch("verify"):
            signed, rows = self._signatures_of(pairs)
            low = low_bits(signed) if len(pairs) > len(signed) else None  # (once for all the chunks)
            chosen = np.empty(len(pairs), dtype=bool)
            for start in range(0, len(pairs), 1 << 20):  # (a later pass re-pairs tens of millions)
                part = pairs[start : start + (1 << 20)]
                if rows is not None:
                    part = rows[part]
                chosen[start : start + len(part)] = likely(
                    signed, part[:, 0] * len(signed) + part[:, 1], self.config.min_jaccard, low
                )
        return _verify(self.unit_keys, self.unit_lengths, pairs[chosen], flags[chosen], self.config, self.stopwatch)

    def _signatures_of(self, units: Ids) -> tuple[npt.NDArray[np.uint32], Ids | None]:
        """Signatures that hold those of ``units``, and the row of each unit's (None: row u is unit u's).

        A lean text dropped its signatures after banding: those of ``units`` are computed again.
        """
        if not self._signed_again:
            return self.signatures, self._rows
        asked = np.zeros(len(self.unit_keys), dtype=bool)
        asked[units] = True
        rows = np.full(len(self.unit_keys), -1, dtype=np.int64)
        rows[self._kept_units] = np.arange(len(self._kept_units))
        if (rows[asked] >= 0).all():  # units of capped buckets: kept from banding
            return self._kept_signatures, rows
        units = np.flatnonzero(asked)  # (np.unique of the tens of millions of pairs of a later pass: 5 s)
        rows[:] = -1
        rows[units] = np.arange(len(units))
        config = self.config
        return sign_keys(Picked(self.unit_keys, units), config.shingle_size, config.num_perm, config.seed), rows

    def _with_the_rest(
        self, partials: Partials, pairs: npt.NDArray[np.int64], members: npt.NDArray[np.int64], rounds: int = 3
    ) -> tuple[Partials, Scored]:
        """Find what covers the rest of the paragraphs that are partly covered (a paragraph joined from several).

        Banding proposes a paragraph with the larger part of a merged one, but a part that
        is a third of it shares too few shingles to be proposed. So the stretches that the
        pairs found so far leave uncovered are signed and looked up in the bands like
        paragraphs of their own, and what they find is verified with the whole paragraph:
        whole (a near copy that banding missed: returned apart) or in part.
        """
        config = self.config
        n = len(self.unit_keys)
        whole: list[tuple[int, int]] = []
        whole_scores: list[float] = []

        def done(partials: Partials) -> tuple[Partials, Scored]:
            return partials, Scored(np.asarray(whole, dtype=np.int64).reshape(-1, 2), np.asarray(whole_scores))

        if not len(partials.pairs) or config.keep != "first":
            return done(partials)
        known = np.sort(np.concatenate([_packed(partials.pairs, n), _packed(pairs, n)]))
        # A subset's banded units are banded units of the whole text (a length partner in the
        # subset is one in the whole): the lookups use the bands of the whole, restricted.
        allowed = np.zeros(len(self._members), dtype=bool)
        allowed[np.searchsorted(self._members, members)] = True
        asked: set[tuple[int, int, int]] = set()
        for _ in range(rounds):
            stretches = [
                (unit, lo, hi)
                for unit, got in _uncovered(partials, self.unit_lengths, config.coverage).items()
                for lo, hi in got
                if (unit, lo, hi) not in asked
            ]
            if not stretches:
                return done(partials)
            asked.update(stretches)
            query, member = self._looked_up(stretches, allowed)
            owner = np.asarray([unit for unit, _, _ in stretches], dtype=np.int64)[query]
            other = self._members[member]
            found = np.minimum(owner, other) * n + np.maximum(owner, other)
            # Each pair once (where first found), and none that is known already.
            fresh = (owner != other) & ~_in_sorted(found, known) & _first_of_each(found)
            new_pairs: list[tuple[int, int]] = []
            alignments = []
            for pair in found[fresh].tolist():
                got = self._stretch_outcome(pair)
                if isinstance(got, float):
                    whole.append(divmod(pair, n))
                    whole_scores.append(got)
                elif got is not None:
                    new_pairs.append(divmod(pair, n))
                    alignments.append(got)
            known = np.sort(np.concatenate([known, found[fresh]]))
            if not new_pairs:
                return done(partials)
            partials = Partials(
                np.concatenate([partials.pairs, np.asarray(new_pairs, dtype=np.int64)]),
                partials.alignments + alignments,
            )
        return done(partials)

    def _looked_up(self, stretches: list[tuple[int, int, int]], allowed: npt.NDArray[np.bool_]) -> tuple[Ids, Ids]:
        """``(query, row)``: for each stretch ``(unit, lo, hi)`` of a key, the ``allowed`` rows of the banded
        units that share the most buckets with it (at most :data:`QUERY_HITS`, ranked as ``ranked_buckets`` ranks them).

        Each later pass of the rule looks up nearly the same stretches in a subset: a stretch's
        rows are ranked once, against every row, and each pass keeps the first ones allowed.
        """
        config = self.config
        ranked = self._ranked
        new = [stretch for stretch in stretches if stretch not in ranked]
        if new:
            queries = [self.unit_keys[unit][lo:hi] for unit, lo, hi in new]
            signed = sign_keys(queries, config.shingle_size, config.num_perm, config.seed)
            everyone = np.ones(len(self._members), dtype=bool)
            query, row = ranked_buckets(self._sorted_bands(), everyone, band_keys(signed, 0, config.bands, config.rows))
            bounds = np.searchsorted(query, np.arange(len(new) + 1)).tolist()
            for k, stretch in enumerate(new):
                rows = row[bounds[k] : bounds[k + 1]]
                ranked[stretch] = rows[:_RANKED_KEPT].astype(np.int32, copy=True)
                if len(rows) > _RANKED_KEPT:  # (a stretch found in thousands of rows: ranked again when asked)
                    self._cut.add(stretch)
        picked: list[Ids] = []
        for stretch in stretches:
            kept = ranked[stretch]
            first = kept[allowed[kept]][:QUERY_HITS].astype(np.int64)
            if len(first) < QUERY_HITS and stretch in self._cut:
                first = self._ranked_again(stretch, allowed)
            picked.append(first)
        query = np.repeat(np.arange(len(stretches)), [len(rows) for rows in picked])
        return query, np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)

    def _ranked_again(self, stretch: tuple[int, int, int], allowed: npt.NDArray[np.bool_]) -> Ids:
        """The first allowed rows of one stretch, ranked against the allowed rows only."""
        config = self.config
        unit, lo, hi = stretch
        signed = sign_keys([self.unit_keys[unit][lo:hi]], config.shingle_size, config.num_perm, config.seed)
        _, row = ranked_buckets(self._sorted_bands(), allowed, band_keys(signed, 0, config.bands, config.rows))
        return row[:QUERY_HITS]

    def _stretch_outcome(self, pair: int) -> float | Alignment | None:
        """How the units of a pair found by a stretch verify: whole (the score), in part (the alignment), or not.

        A pure function of the two keys, remembered: each later pass of the rule finds most
        of the same pairs again.
        """
        if pair in self._outcomes:
            return self._outcomes[pair]
        config = self.config
        first, second = divmod(pair, len(self.unit_keys))
        a, b = self.unit_keys[first], self.unit_keys[second]
        alignment = partial_alignment(a, b, config.threshold, config.coverage)
        similarity = score(a, b)
        got: float | Alignment | None = alignment
        whole = alignment is None or not adds_new_text(a, b, alignment, config.coverage)
        if similarity >= config.threshold and whole:
            got = similarity
        self._outcomes[pair] = got
        return got


def links_of_many(documents: Sequence[Iterable[str]], config: DedupeConfig) -> list[Links]:
    """``[Links(texts, config, sign_all=True) for texts in documents]``, computed for all of them at once.

    Corpus mode meets documents of a few dozen paragraphs, where each step is a handful of
    numpy calls on tiny arrays, so the batch does them together: each distinct paragraph
    is normalised and each distinct key signed once (a footer on every page, once), the
    paragraphs of all documents are banded in one sort (bucket keys salted by document, so
    that only paragraphs of one document pair), and all candidates are verified in one
    call. Each document gets the links it gets alone (tests compare them field by field).
    """
    keys: dict[str, str] = {}  # paragraph text -> its key, within this batch, for short paragraphs
    unit_keys: list[list[str]] = []
    units: list[Ids] = []
    for texts in documents:
        unit_of: dict[str, int] = {}
        numbers: list[int] = []  # each paragraph's unit
        for text in texts:  # once: a document's paragraphs may come one at a time (a long text)
            key = keys.get(text)
            if key is None:
                key = normalize(text)
                if len(text) <= _REMEMBERED:
                    keys[text] = key
            numbers.append(unit_of.setdefault(key, len(unit_of)))
        units.append(np.asarray(numbers, dtype=np.int64))
        unit_keys.append(list(unit_of))
    del keys
    links = [Links.__new__(Links) for _ in documents]
    for got, doc_units, doc_keys in zip(links, units, unit_keys, strict=True):
        got.config, got.stopwatch = config, OFF
        got._start(doc_units, doc_keys)
    # The batch numbers its units one document after another, from base[d].
    sizes = np.fromiter(map(len, unit_keys), dtype=np.int64, count=len(unit_keys))
    base = np.concatenate([[0], np.cumsum(sizes)])
    every_key = [key for doc_keys in unit_keys for key in doc_keys]
    row_of: dict[str, int] = {}
    rows = np.fromiter((row_of.setdefault(k, len(row_of)) for k in every_key), np.int64, len(every_key))
    signed_keys = sign_keys(list(row_of), config.shingle_size, config.num_perm, config.seed)
    signatures = signed_keys[rows]
    bands = band_keys(signed_keys, 0, config.bands, config.rows)[rows]
    del row_of, signed_keys
    members = [got._bandable(np.arange(len(got.unit_keys))) for got in links]
    banded = np.concatenate([m + b for m, b in zip(members, base[:-1].tolist(), strict=True)]) if links else base[:0]
    doc_of = np.repeat(np.arange(len(links), dtype=np.uint64), [len(m) for m in members])
    salts = doc_of * _DOC_SALT
    signed = signatures[banded]
    candidates = candidate_pairs(
        signed, config.bands, config.rows, salts=salts, partial=True, min_jaccard=config.min_jaccard
    )
    pairs = candidates.pairs
    own = doc_of[pairs[:, 0]] == doc_of[pairs[:, 1]]  # (all of them, but for a collision of 64-bit salted keys)
    lengths = np.concatenate([got.unit_lengths for got in links]) if links else base[:0]
    verified = _verify(every_key, lengths, banded[pairs[own]], candidates.complete[own], config, OFF)
    # Split by document: the pairs are sorted, so each document's are one stretch, in the order it finds them alone.
    whole = np.searchsorted(verified.pairs[:, 0], base)
    part = np.searchsorted(verified.partials.pairs[:, 0], base)
    capped: list[list[Ids]] = [[] for _ in links]
    for bucket in candidates.capped:
        for d in np.unique(doc_of[bucket]).tolist():
            capped[d].append(banded[bucket[doc_of[bucket] == d]] - base[d])
    for d, got in enumerate(links):
        lo, hi, plo, phi = int(whole[d]), int(whole[d + 1]), int(part[d]), int(part[d + 1])
        got.signatures = signatures[base[d] : base[d + 1]]
        got._unit_bands = bands[base[d] : base[d + 1]]
        doc_verified = Verified(
            verified.pairs[lo:hi] - base[d],
            verified.scores[lo:hi],
            verified.complete[lo:hi],
            Partials(verified.partials.pairs[plo:phi] - base[d], verified.partials.alignments[plo:phi]),
            verified.partial_complete[plo:phi],
        )
        got._finish(members[d], capped[d], doc_verified, None)
    return links


_DOC_SALT = np.uint64(0x9E3779B97F4A7C15)  # odd: documents' salts all differ
# The paragraphs that recur across documents (footers, bylines, "read more") are short; a
# batch remembers the keys of those only, so a long text is not held twice.
_REMEMBERED = 1000


def _verify(
    keys: Sequence[str],
    lengths: npt.NDArray[np.int64],
    pairs: npt.NDArray[np.int64],
    flags: npt.NDArray[np.bool_],
    config: DedupeConfig,
    stopwatch: Stopwatch,
) -> Verified:
    """Keep the candidate pairs of units (``keys``) that rapidfuzz verifies, whole or in part.

    The pairs are those whose MinHash estimate reaches ``min_jaccard``: banding tuned for
    recall proposes many pairs far below any plausible copy, and the estimate drops those
    before the (costlier) verification.
    """
    with stopwatch("verify"):
        scores = score_pairs(keys, pairs, config.threshold)
        passed = scores >= config.threshold
    with stopwatch("partial"):
        # A pair that is not a copy whole may be one in part: the shorter inside the longer.
        # And a pair that is a copy whole may be one key and new text (adds_new_text): the
        # partial rule decides it, and keeps the new text.
        pair_lengths = lengths[pairs]
        shorter, longer = pair_lengths.min(axis=1), pair_lengths.max(axis=1)
        found, alignments = [], []
        maybe = np.flatnonzero(~passed | (shorter < config.coverage * longer))  # (may_add_new_text)
        for at in range(0, len(maybe), 1 << 14):
            some = maybe[at : at + (1 << 14)]
            held = keys_for(keys, pairs[some])
            for k, (x, y) in zip(some.tolist(), pairs[some].tolist(), strict=True):
                a, b = held[x], held[y]
                alignment = partial_alignment(a, b, config.threshold, config.coverage)
                if alignment is None:
                    continue
                if passed[k]:
                    if not adds_new_text(a, b, alignment, config.coverage):
                        continue  # a copy whole: nothing of the longer is left out but light noise
                    passed[k] = False
                found.append(k)
                alignments.append(alignment)
        chosen = np.asarray(found, dtype=np.int64)
    return Verified(
        pairs[passed],
        scores[passed],
        flags[passed],
        Partials(pairs[chosen].reshape(-1, 2), alignments),
        flags[chosen],
    )


class Scored(NamedTuple):
    """Pairs of units that verify whole, with their scores."""

    pairs: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]


class Verified(NamedTuple):
    """The candidate pairs that verify whole (with scores and flags) and those that verify in part."""

    pairs: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]
    complete: npt.NDArray[np.bool_]
    partials: Partials
    partial_complete: npt.NDArray[np.bool_]


RESIDUAL = 25  # characters: a shorter uncovered stretch is not looked up
QUERY_HITS = 16  # members per looked-up stretch, those sharing the most bands
_RANKED_KEPT = 256  # rows kept per looked-up stretch, for the later passes


def _packed(pairs: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    return pairs[:, 0] * n + pairs[:, 1]


def _in_sorted(values: npt.NDArray[np.int64], sorted_values: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each of ``values`` is in ``sorted_values`` (increasing)."""
    at = np.minimum(np.searchsorted(sorted_values, values), max(len(sorted_values) - 1, 0))
    return sorted_values[at] == values if len(sorted_values) else np.zeros(len(values), dtype=bool)


def _first_of_each(values: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each value is the first of its kind in ``values``."""
    order = np.argsort(values, kind="stable")
    first = np.ones(len(values), dtype=bool)
    first[order[1:]] = values[order[1:]] != values[order[:-1]]
    return first


def _uncovered(partials: Partials, lengths: npt.NDArray[np.int64], coverage: float) -> dict[int, list[tuple[int, int]]]:
    """Per unit that holds a unit before it but is covered below ``coverage``, the stretches left uncovered.

    Only a unit that holds an earlier one can be a merged paragraph whose other parts
    are still to find (a truncated copy's original holds a later one; with
    ``keep="longest"`` a part comes after the whole in keep order and covers nothing).
    """
    alignments = partials.alignments
    solid = np.fromiter((alignment.solid for alignment in alignments), dtype=np.int64, count=len(alignments))
    first, second = partials.pairs[:, 0], partials.pairs[:, 1]
    holds = np.unique(second[solid >= coverage * lengths[first]])
    if not len(holds):
        return {}
    held = set(holds.tolist())
    runs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    touching = np.flatnonzero(np.isin(first, holds) | np.isin(second, holds))
    for k, a, b in zip(touching.tolist(), first[touching].tolist(), second[touching].tolist(), strict=True):
        if a in held:
            runs[a] += [(i, i + size) for i, _, size in alignments[k].runs]
        if b in held:
            runs[b] += [(j, j + size) for _, j, size in alignments[k].runs]
    out: dict[int, list[tuple[int, int]]] = {}
    for unit in holds.tolist():
        length = int(lengths[unit])
        intervals = union_of(runs[unit], [])
        if sum(hi - lo for lo, hi in intervals) >= coverage * length:
            continue
        edges = [0, *(x for interval in intervals for x in interval), length]
        stretches = [(lo, hi) for lo, hi in zip(edges[::2], edges[1::2], strict=True) if hi - lo >= RESIDUAL]
        if stretches:
            out[unit] = stretches
    return out


def _select(partials: Partials, chosen: npt.NDArray[np.bool_]) -> Partials:
    return Partials(
        partials.pairs[chosen], [a for a, ok in zip(partials.alignments, chosen.tolist(), strict=True) if ok]
    )


class _CoversInParagraphs(Mapping[int, Cover]):
    """Covers whose parts name kept units, read with the parts naming the kept paragraphs (their
    first occurrences ``first``), each made when read: a pass of the rule reads those of the
    copies it removes, and a later pass removes few of the copies it finds."""

    def __init__(self, covers: dict[int, Cover], first: ParagraphIds) -> None:
        self._covers = covers
        self._first = first

    def by_paragraph(self) -> _CoversInParagraphs:
        """The same covers under the paragraph (the first occurrence) of each unit."""
        return _CoversInParagraphs({int(self._first[u]): got for u, got in self._covers.items()}, self._first)

    def __getitem__(self, key: int) -> Cover:
        got, first = self._covers[key], self._first
        return Cover(
            got.coverage, got.score, int(first[got.main]), tuple(Part(int(first[p.kept]), *p[1:]) for p in got.parts)
        )

    def __iter__(self) -> Iterator[int]:
        return iter(self._covers)

    def __len__(self) -> int:
        return len(self._covers)

    def __contains__(self, key: object) -> bool:
        return key in self._covers


def _has_length_partner(lengths: npt.NDArray[np.int64], threshold: float) -> npt.NDArray[np.bool_]:
    """Whether each key has another key whose length allows a score of at least ``threshold``."""
    ratio = threshold / (2 - threshold)  # shorter / longer must reach this
    if len(lengths) > 1 and int(lengths.max()) <= 4 * len(lengths) + (1 << 20):
        # Counted, not sorted (a later pass at ten million paragraphs asks it of 8 million
        # keys): a length held twice has a partner; a length held once has one when the
        # next shorter or longer length present fits.
        counts = np.bincount(lengths)
        present = np.flatnonzero(counts)
        fits = present[:-1] >= ratio * present[1:].astype(np.float64)
        partnered = counts[present] > 1
        partnered[:-1] |= fits
        partnered[1:] |= fits
        table = np.zeros(len(counts), dtype=bool)
        table[present] = partnered
        return table[lengths]
    order = np.argsort(lengths, kind="stable")
    ordered = lengths[order].astype(np.float64)
    ok = np.zeros(len(lengths), dtype=bool)
    if len(lengths) > 1:
        # In sorted order the best partner of each key is a neighbour.
        fits = ordered[:-1] >= ratio * ordered[1:]
        ok[order[:-1][fits]] = True
        ok[order[1:][fits]] = True
    return ok
