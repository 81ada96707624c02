"""Across documents: paragraphs seen before, and boilerplate that a site repeats on every page.

The same pipeline as one document (split → normalize → shingle → sign → verify), with an
index that remembers earlier documents. Inside each document the core rule applies
unchanged first; what it keeps is then compared with the index:

* ``policy="seen"``: a paragraph that verifies against one kept in an earlier document
  (same scope) is removed; the earlier one stays. The document's remaining paragraphs
  join the index. Only kept paragraphs are indexed, so a copy is always compared with
  the paragraph that was kept, never through a chain of near copies.
* ``policy="boilerplate"``: two passes. :meth:`Deduper.count` records in which documents
  each paragraph occurs; :meth:`Deduper.feed` then removes every paragraph whose
  verified copies occur in at least ``min_docs`` documents, the first one included. The
  counts and the verification are symmetric, so the result depends neither on document
  order nor on how documents were split between workers.

A *scope* (a site, say) keeps indexes apart: one site's footer never removes another's text.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from dedupe.api import check_text, report, resolve_within
from dedupe.config import DedupeConfig, resolve
from dedupe.errors import ConfigError, DedupeError
from dedupe.index import band_keys
from dedupe.matching import Links
from dedupe.results import Block, Explained, Kind, Match, Span
from dedupe.split import paragraph_spans
from dedupe.store import BandKeys, Crowded, Ids, Location, MemoryStore, Store
from dedupe.verify import score_each

Policy = Literal["seen", "boilerplate"]
ENTRY_VERSION = 1  # of what an entry means: bump when normalisation or signatures change


class IndexStats(NamedTuple):
    """Size of a corpus index: entries (distinct paragraphs per scope), bytes, bytes per entry."""

    entries: int
    bytes: int
    bytes_per_entry: float


class _Hit(NamedTuple):
    """Why a paragraph goes: the indexed paragraph it copies, the score, and (boilerplate) in how many documents."""

    location: Location
    score: float
    exact: bool
    documents: int = 0


class Deduper:
    """Remove paragraphs that earlier documents (or many documents) already hold.

    ``index`` is where the deduplicator remembers: ``None`` (this process only), a file
    path (loaded if it exists, written by :meth:`save`), or a ``redis://host:port/db``
    URL (shared by many processes; needs the ``redis`` extra), with keys under
    ``prefix``. Other options are those of :class:`DedupeConfig`.

    ``doc_id`` names a document in explanations and, for boilerplate, in the counts:
    give each document its own id (a URL, a record id). Without one, documents are
    numbered ``#0``, ``#1``, … in the order of each pass. Feeding a document again with
    the same id keeps what it kept the first time.

    >>> footer = "Copyright 2026 Example News. All rights reserved. Reproduction prohibited."
    >>> d = Deduper()
    >>> d.feed(f"First story.\\n{footer}", doc_id="a").text
    'First story.\\nCopyright 2026 Example News. All rights reserved. Reproduction prohibited.'
    >>> second = d.feed(f"Second story.\\n{footer}", doc_id="b")
    >>> second.text, second.removed[0].kept_doc
    ('Second story.', 'a')
    """

    def __init__(
        self,
        *,
        policy: Policy = "seen",
        min_docs: int = 2,
        index: str | os.PathLike[str] | Store | None = None,
        prefix: str = "dedupe",
        config: DedupeConfig | None = None,
        **overrides: Any,
    ) -> None:
        if policy not in ("seen", "boilerplate"):
            raise ConfigError(f"policy={policy!r} is out of range: it must be 'seen' or 'boilerplate'")
        if min_docs < 2:
            raise ConfigError(f"min_docs={min_docs!r} is out of range: it must be at least 2")
        self.config = resolve(config, overrides)
        self.policy = policy
        self.min_docs = min_docs
        self.store = open_store(index, prefix)
        self.store.check(self.params())
        if isinstance(self.store, MemoryStore) and self.store.keys:
            self._rebuild(self.store)
        self.documents = 0  # fed; an unnamed document is "#<number>", numbered per pass
        self.counted = 0
        self.raced = 0  # kept paragraphs that another worker indexed at the same moment
        self._cleaning = False

    def params(self) -> dict[str, Any]:
        """What an index built by this deduplicator depends on; a stored index must match it."""
        c = self.config
        return {
            "entry_version": ENTRY_VERSION,
            "policy": self.policy,
            "threshold": c.threshold,
            "shingle_size": c.shingle_size,
            "num_perm": c.num_perm,
            "bands": c.bands,
            "rows": c.rows,
            "min_jaccard": c.min_jaccard,
            "seed": c.seed,
            "min_chars": c.min_chars,
            "max_copies": c.max_copies,
            "keep": c.keep,
            "paragraphs": c.paragraphs,
        }

    # -- the two verbs ---------------------------------------------------------------------

    def feed(self, text: str, *, doc_id: str | None = None, site: str | None = None) -> Explained:
        """Clean one document; return its text and explanation.

        With ``policy="seen"`` the document's kept paragraphs are then remembered. With
        ``policy="boilerplate"`` every document must have gone through :meth:`count` first.
        """
        check_text(text)
        doc = self._doc_id(doc_id, self.documents)
        scope = site or ""
        spans = paragraph_spans(text, self.config.paragraphs)
        links = Links((text[s:e] for s, e in spans), self.config, sign_all=True)
        found = resolve_within(links, len(spans))
        gone = {c.index for run, removed, _ in found if removed for c in run}
        kept = [i for i in range(len(spans)) if i not in gone]
        self._cleaning = True
        if self.policy == "seen":
            foreign = self._seen(links, spans, kept, doc, scope)
        else:
            foreign = self._boilerplate(links, spans, kept, doc, scope)
        return report(text, spans, found, foreign)

    def count(self, text: str, *, doc_id: str | None = None, site: str | None = None) -> None:
        """Boilerplate policy, first pass: record which paragraphs occur in this document."""
        if self.policy != "boilerplate":
            raise DedupeError("count() belongs to the boilerplate policy: Deduper(policy='boilerplate')")
        if self._cleaning:
            raise DedupeError("count() after feed(): count every document first, then feed them")
        check_text(text)
        doc = self._doc_id(doc_id, self.counted)
        self.counted += 1
        scope = site or ""
        spans = paragraph_spans(text, self.config.paragraphs)
        links = Links((text[s:e] for s, e in spans), self.config, sign_all=True)
        units, first = _distinct_units(links.units, range(len(spans)))
        ids = self._index_units(links, scope, units, first, doc, spans)[0]
        self.store.add_docs(ids, doc, [Location(doc, i, spans[i]) for i in first.tolist()])

    # -- index housekeeping ----------------------------------------------------------------

    def stats(self) -> IndexStats:
        """Entries in the index and the memory they take (the Redis server's, for Redis)."""
        entries, size = self.store.stats()
        return IndexStats(entries, size, size / entries if entries else 0.0)

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        """Write an in-memory index to ``path`` (default: the file it was opened from), atomically."""
        if not isinstance(self.store, MemoryStore):
            raise DedupeError("save() writes in-memory indexes; a Redis index is saved by the server")
        self.store.save(path)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Deduper:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- the policies ----------------------------------------------------------------------

    def _seen(self, links: Links, spans: list[Span], kept: list[int], doc: str, scope: str) -> list[Block | Match]:
        units, first = _distinct_units(links.units, kept)
        keys = [links.unit_keys[u] for u in units.tolist()]
        exact = self.store.find_exact(scope, keys)
        matched, scores = self._verify_near(links, units, scope, exact < 0)
        hit_ids = np.where(exact >= 0, exact, matched)
        known = self.store.fetch(hit_ids[hit_ids >= 0])
        where = iter(known.locations)
        hits: dict[int, _Hit] = {}
        again: set[int] = set()  # units that this very document put in the index before
        for u, e, m, score in zip(units.tolist(), exact.tolist(), matched.tolist(), scores.tolist(), strict=True):
            if e < 0 and m < 0:
                continue
            location = next(where)
            # A document fed again (a job run twice) is not a copy of itself: it keeps what it kept.
            if location.doc == doc:
                again.add(u)
            else:
                hits[u] = _Hit(location, 1.0, True) if e >= 0 else _Hit(location, score, False)
        new = np.asarray([k for k, u in enumerate(units.tolist()) if u not in hits and u not in again], dtype=np.int64)
        if len(new):
            _, fresh = self._index_units(links, scope, units[new], first[new], doc, spans)
            self.raced += int((~fresh).sum())
        self.documents += 1
        removed = [i for i in kept if int(links.units[i]) in hits]
        by_paragraph = {i: hits[int(links.units[i])] for i in removed}

        def joins(a: int, b: int) -> bool:  # copies of consecutive paragraphs of one document
            x, y = by_paragraph[a].location, by_paragraph[b].location
            return x.doc == y.doc and x.index + 1 == y.index

        def describe(run: list[int]) -> str:
            what = "paragraph" if len(run) == 1 else f"run of {len(run)} paragraphs"
            return f"seen before: {what} of document {by_paragraph[run[0]].location.doc!r}"

        return _foreign_blocks(removed, kept, spans, by_paragraph, joins, describe)

    def _boilerplate(
        self, links: Links, spans: list[Span], kept: list[int], doc: str, scope: str
    ) -> list[Block | Match]:
        units, _ = _distinct_units(links.units, kept)
        keys = [links.unit_keys[u] for u in units.tolist()]
        own = self.store.find_exact(scope, keys)
        if (own < 0).any():
            raise DedupeError(
                f"document {doc!r} was not counted: with the boilerplate policy, count() every document before feed()"
            )
        near_rows, near_ids, near_scores = self._near_groups(links, units, scope, own)
        groups: list[list[int]] = [[e] for e in own.tolist()]
        best = np.zeros(len(units))
        for r, e, s in zip(near_rows.tolist(), near_ids.tolist(), near_scores.tolist(), strict=True):
            groups[r].append(e)
            best[r] = max(best[r], s)
        own_counts = self.store.doc_counts([np.asarray([e]) for e in own.tolist()])
        counts = self.store.doc_counts([np.asarray(g) for g in groups])
        locations = self.store.fetch(own).locations
        hits: dict[int, _Hit] = {}
        for row, u in enumerate(units.tolist()):
            if counts[row] >= self.min_docs:
                exact = own_counts[row] >= self.min_docs
                hits[u] = _Hit(locations[row], 1.0 if exact else float(best[row]), exact, counts[row])
        self.documents += 1
        removed = [i for i in kept if int(links.units[i]) in hits]
        by_paragraph = {i: hits[int(links.units[i])] for i in removed}
        where = f" of site {scope!r}" if scope else ""

        # Nothing is kept of boilerplate: a match points to the occurrence that comes first by
        # document id, which does not depend on the order documents were counted in.
        def describe(run: list[int]) -> str:
            counts = [by_paragraph[i].documents for i in run]
            low, high = min(counts), max(counts)
            docs = f"{low}" if low == high else f"{low} to {high}"
            what = "paragraph" if len(run) == 1 else f"run of {len(run)} paragraphs"
            return f"boilerplate: {what} found in {docs} documents{where} (min_docs={self.min_docs})"

        return _foreign_blocks(removed, kept, spans, by_paragraph, lambda a, b: True, describe)

    # -- matching against the index ----------------------------------------------------------

    def _bands(self, signatures: npt.NDArray[np.uint32], scope: str) -> BandKeys:
        c = self.config
        return band_keys(signatures, 0, c.bands, c.rows) ^ _salts(scope, c.bands)

    def _candidates(self, links: Links, units: Ids, scope: str) -> tuple[Ids, Ids, npt.NDArray[np.float64]]:
        """Verified near matches of ``units`` in the index: rows (into ``units``), entry ids, scores."""
        empty = np.empty(0, dtype=np.int64)
        if len(units) == 0:
            return empty, empty, np.empty(0)
        # A crowded bucket (low-vocabulary text) shows its first entries for "seen before",
        # so that what a document found stays found when it is fed again; boilerplate skips
        # it, so that its counts do not depend on the order documents were counted in.
        crowded: Crowded = "first" if self.policy == "seen" else "skip"
        rows, ids = self.store.find_near(self._bands(links.signatures[units], scope), crowded)
        if len(rows) == 0:
            return empty, empty, np.empty(0)
        distinct, back = np.unique(ids, return_inverse=True)
        records = self.store.fetch(distinct)
        c = self.config
        estimate = (links.signatures[units[rows]] == records.signatures[back]).mean(axis=1)
        likely = estimate >= c.min_jaccard
        rows, ids, back = rows[likely], ids[likely], back[likely]
        left = [links.unit_keys[u] for u in units[rows].tolist()]
        scores = score_each(left, [records.keys[b] for b in back.tolist()], c.threshold)
        passed = scores >= c.threshold
        return rows[passed], ids[passed], scores[passed]

    def _verify_near(
        self, links: Links, units: Ids, scope: str, ask: npt.NDArray[np.bool_]
    ) -> tuple[Ids, npt.NDArray[np.float64]]:
        """For each unit (where ``ask``), the best verified entry (-1 for none) and its score."""
        best = np.full(len(units), -1, dtype=np.int64)
        score = np.zeros(len(units), dtype=np.float64)
        asked = np.flatnonzero(ask)
        rows, ids, scores = self._candidates(links, units[asked], scope)
        # Best score first, then the entry indexed first: the same choice whatever the order of candidates.
        for r, e, s in zip(rows.tolist(), ids.tolist(), scores.tolist(), strict=True):
            k = int(asked[r])
            if s > score[k] or (s == score[k] and e < best[k]):
                best[k], score[k] = e, s
        return best, score

    def _near_groups(self, links: Links, units: Ids, scope: str, own: Ids) -> tuple[Ids, Ids, npt.NDArray[np.float64]]:
        """Every verified entry of each unit other than its own (boilerplate counts them all)."""
        rows, ids, scores = self._candidates(links, units, scope)
        other = ids != own[rows]
        return rows[other], ids[other], scores[other]

    def _index_units(
        self, links: Links, scope: str, units: Ids, first: Ids, doc: str, spans: list[Span]
    ) -> tuple[Ids, npt.NDArray[np.bool_]]:
        """Add ``units`` (first occurring at paragraphs ``first``) to the index; return ids and freshness.

        A unit already indexed (by an earlier document, or another worker a moment ago) keeps
        its entry: the store returns that id, marked not fresh.
        """
        signatures = links.signatures[units]
        return self.store.add(
            scope,
            [links.unit_keys[u] for u in units.tolist()],
            signatures,
            self._bands(signatures, scope),
            [Location(doc, i, spans[i]) for i in first.tolist()],
        )

    def _rebuild(self, store: MemoryStore) -> None:
        """Recompute the LSH buckets of a loaded index (they are a function of the stored signatures)."""
        c = self.config
        bands = band_keys(store.signatures, 0, c.bands, c.rows)
        scope_of = np.asarray(store.scope_of, dtype=np.int64)
        salts = np.stack([_salts(s, c.bands) for s in store.scopes]) if store.scopes else np.zeros((0, c.bands))
        store.rebuild_buckets(bands ^ salts.astype(np.uint64)[scope_of])

    @staticmethod
    def _doc_id(doc_id: str | None, number: int) -> str:
        if doc_id is None:
            return f"#{number}"
        if not isinstance(doc_id, str):
            raise TypeError(f"doc_id must be a str, got {type(doc_id).__name__}")
        return doc_id


def open_store(index: str | os.PathLike[str] | Store | None, prefix: str = "dedupe") -> Store:
    """Return the store that ``index`` names: in memory, a file, or a Redis URL."""
    if index is None:
        return MemoryStore()
    if isinstance(index, (str, os.PathLike)):
        name = os.fspath(index)
        if name.startswith(("redis://", "rediss://", "unix://")):
            from dedupe.redis_store import RedisStore

            return RedisStore(name, prefix)
        return MemoryStore(name)
    return index


@lru_cache(maxsize=4096)
def _salts(scope: str, bands: int) -> BandKeys:
    """One 64-bit salt per band and scope: buckets of different bands or scopes never meet."""
    data = scope.encode("utf-8", "surrogatepass")
    blocks = (
        hashlib.blake2b(data, digest_size=64, person=b"dedupe-bands", salt=k.to_bytes(16, "little")).digest()
        for k in range((bands + 7) // 8)
    )
    return np.frombuffer(b"".join(blocks), dtype=np.uint64)[:bands].copy()


def _distinct_units(units: Ids, paragraphs: Sequence[int]) -> tuple[Ids, Ids]:
    """The distinct units of ``paragraphs``, in order, and the first of those paragraphs holding each."""
    seen: dict[int, int] = {}
    for i in paragraphs:
        seen.setdefault(int(units[i]), i)
    return np.fromiter(seen, dtype=np.int64, count=len(seen)), np.fromiter(
        seen.values(), dtype=np.int64, count=len(seen)
    )


def _runs(removed: list[int], kept: list[int], joins: Callable[[int, int], bool]) -> list[list[int]]:
    """Split removals into runs of paragraphs next to each other among ``kept``, where ``joins(a, b)``."""
    position = {i: k for k, i in enumerate(kept)}
    runs: list[list[int]] = []
    for i in removed:
        if runs and position[runs[-1][-1]] + 1 == position[i] and joins(runs[-1][-1], i):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _foreign_blocks(
    removed: list[int],
    kept: list[int],
    spans: list[Span],
    hits: dict[int, _Hit],
    joins: Callable[[int, int], bool],
    describe: Callable[[list[int]], str],
) -> list[Block | Match]:
    """Each run of removals as a :class:`Block` followed by its :class:`Match` records."""
    out: list[Block | Match] = []
    for run in _runs(removed, kept, joins):
        first, last = hits[run[0]].location, hits[run[-1]].location
        span = (spans[run[0]][0], spans[run[-1]][1])
        kept_span = (first.span[0], last.span[1])
        out.append(Block(0, run[0], run[-1], span, first.index, last.index, kept_span, True, describe(run), first.doc))
        for i in run:
            hit = hits[i]
            kind: Kind = "exact" if hit.exact else "near"
            out.append(Match(i, spans[i], hit.location.index, hit.location.span, hit.score, kind, 0, hit.location.doc))
    return out
