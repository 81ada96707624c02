"""Across documents: paragraphs seen before, and boilerplate that a site repeats on every page.

The same pipeline as one document (split → normalize → shingle → sign → verify), with an
index that remembers earlier documents. Inside each document the core rule applies
unchanged first; what it keeps is then compared with the index:

* ``policy="seen"``: a paragraph that verifies against one kept in an earlier document
  (same scope) is removed; the earlier one stays. The document's remaining paragraphs
  join the index. Only kept paragraphs are indexed, so a copy is always compared with
  the paragraph that was kept, never through a chain of near copies. When a paragraph
  that the document's rule kept goes, its repeats in the document are re-pointed to a
  copy that stays, or kept (see :func:`_rehome`).
* ``policy="boilerplate"``: two passes. :meth:`Deduper.count` records in which documents
  each paragraph occurs; :meth:`Deduper.feed` then removes every paragraph whose
  verified copies occur in at least ``min_docs`` documents, the first one included. The
  counts and the verification are symmetric, so the result depends neither on document
  order nor on how documents were split between workers.

Both policies find partial copies too (:mod:`dedupe.across`): a paragraph that indexed
paragraphs cover in aligned stretches (a truncated copy, a merge) goes as kind
``"partial"``; for boilerplate the coverers must be boilerplate entries, which depends only
on the counts, so the property above holds. A paragraph kept that holds indexed ones and
new text is reported as extending them, and (seen before) indexed like any kept paragraph.

A *scope* (a site, say) keeps indexes apart: one site's footer never removes another's text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from dedupe import across as partly
from dedupe import prefetch
from dedupe.across import Entry, Found
from dedupe.api import _Partials, check_text, paragraphs_of, report, resolve_within
from dedupe.blocks import Findings
from dedupe.config import DedupeConfig, as_int, resolve
from dedupe.errors import ConfigError, DedupeError, NotCountedError
from dedupe.gc_pause import without_gc
from dedupe.index import band_keys
from dedupe.matching import Copy, Links, links_of_many
from dedupe.partial import Cover, adds_new_text, may_add_new_text, partial_alignment
from dedupe.results import Block, Explained, Kind, Match, Part, Span
from dedupe.signature import sign_keys
from dedupe.site import site_of
from dedupe.split import paragraph_spans
from dedupe.store import BandKeys, Crowded, Ids, Location, MemoryStore, StagedIndex, Store
from dedupe.verify import score_each

Policy = Literal["seen", "boilerplate"]
ENTRY_VERSION = 1  # of what an entry means: bump when normalisation or signatures change


class Prepared(NamedTuple):
    """What a document's text alone decides: its paragraphs and the verified links between them.

    The first half of :meth:`Deduper.feed` and :meth:`Deduper.count`, which needs no index;
    :func:`prepare` computes it anywhere (another process: it pickles), the deduplicator
    then decides with it.
    """

    spans: list[Span]
    links: Links
    found: Findings | None = None  # the removal rule within the document (feed needs it, count does not)


@without_gc
def prepare(text: str, config: DedupeConfig, *, within: bool = True) -> Prepared:
    """Split, normalise and sign ``text`` and link its paragraphs, as :meth:`Deduper.feed` does first.

    With ``within``, also apply the removal rule inside the document (:meth:`Deduper.count` has no use for it).
    """
    check_text(text)
    return _prepare_alone(text, paragraph_spans(text, config.paragraphs), config, within)


def _prepare_alone(text: str, spans: list[Span], config: DedupeConfig, within: bool) -> Prepared:
    links = Links(_paragraphs(text, spans), config, sign_all=True)
    return Prepared(spans, links, resolve_within(links, len(spans)) if within else None)


@without_gc
def prepare_many(texts: Sequence[object], config: DedupeConfig, *, within: bool = True) -> list[Prepared | None]:
    """:func:`prepare` of each text, computed for all of them at once (see :func:`~dedupe.matching.links_of_many`).

    ``None`` in the place of an item that is no str (a failed record, a wrong type):
    preparing it when it is fed raises its error there, after the documents before it.
    """
    out: list[Prepared | None] = [None] * len(texts)
    together: list[tuple[int, str, list[Span]]] = []
    for k, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        spans = paragraph_spans(text, config.paragraphs)
        if len(spans) > ALONE:  # it gains nothing from company, and the batch would hold its arrays twice
            out[k] = _prepare_alone(text, spans, config, within)
        else:
            together.append((k, text, spans))
    links = links_of_many([_paragraphs(text, spans) for _, text, spans in together], config)
    for (k, _, spans), doc_links in zip(together, links, strict=True):
        out[k] = Prepared(spans, doc_links, resolve_within(doc_links, len(spans)) if within else None)
    return out


ALONE = 2000  # paragraphs: a longer document is prepared on its own


def _paragraphs(text: str, spans: list[Span]) -> Iterator[str]:
    """The paragraphs of ``text``, sliced one at a time (a long text is not copied whole)."""
    return (text[start:end] for start, end in spans)


Document = str | tuple[str, str | None] | tuple[str, str | None, str | None]


def _as_document(document: Document) -> tuple[str, str | None, str | None]:
    if isinstance(document, tuple):
        if not 1 <= len(document) <= 3:
            raise TypeError(f"a document is a text or (text, doc_id[, site]), got a tuple of {len(document)}")
        text, doc_id, site = (*document, None, None)[:3]
        return text, doc_id, site
    return document, None, None


class IndexStats(NamedTuple):
    """Size of a corpus index: entries (distinct paragraphs per scope), bytes, bytes per entry."""

    entries: int
    bytes: int
    bytes_per_entry: float


class _Part(NamedTuple):
    """A stretch ``[lo, hi)`` of a paragraph's key that lies in the indexed paragraph at ``location``, at ``kept_span``
    (offsets into that paragraph's document)."""

    lo: int
    hi: int
    location: Location
    kept_span: Span


class _Hit(NamedTuple):
    """Why a paragraph goes: the indexed paragraph it copies, the score, and (boilerplate) in how many documents.

    A partial copy (or, kept, a paragraph that extends indexed ones) has its ``coverage``
    and ``parts``; ``location`` is then the entry that covers the most.
    """

    location: Location
    score: float
    exact: bool
    documents: int = 0
    coverage: float | None = None
    parts: tuple[_Part, ...] = ()


class _Likely(NamedTuple):
    """Candidate entries of some paragraphs that the MinHash estimate keeps: row (paragraph), entry id, entry."""

    rows: Ids
    ids: Ids
    entries: list[Entry]


class _Near(NamedTuple):
    """What the store's ``find_near`` gives for each unit of a document, looked up ahead: the
    entries of unit ``u`` are ``ids[starts[u]:starts[u + 1]]``, in increasing order."""

    starts: Ids
    ids: Ids

    def of(self, units: Ids) -> tuple[Ids, Ids]:
        """``(rows, ids)`` for these units, as ``find_near`` of their bucket keys gives them."""
        counts = self.starts[units + 1] - self.starts[units]
        at = np.repeat(self.starts[units] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return np.repeat(np.arange(len(units), dtype=np.int64), counts), self.ids[at]


class Deduper:
    """Remove paragraphs that earlier documents (or many documents) already hold.

    ``index`` is where the deduplicator remembers: ``None`` (this process only), a file
    path (loaded if it exists, written by :meth:`save`), or a ``redis://host:port/db``
    URL (shared by many processes; needs the ``redis`` extra), with keys under
    ``prefix``. Other options are those of :class:`DedupeConfig`.

    ``site`` keeps sites apart: documents are compared only with documents of the same
    site, as :func:`~dedupe.site_of` names it (a URL counts as its host name, so a page's
    address can be passed as it is).

    ``doc_id`` names a document in explanations and, for boilerplate, in the counts:
    give each document its own id (a URL, a record id). Without one, documents are
    numbered ``#0``, ``#1``, … in the order of each pass. Feeding a document again with
    the same id gives the text of the first time: what it put in the index does not count
    as a copy for itself.

    One deduplicator can be shared by threads: :meth:`feed`, :meth:`count`, :meth:`save`,
    :meth:`stats` and :meth:`close` take turns (a lock around each call), so the results
    are those of the calls made one after another in some order. Threads bring no speed-up
    (the work is one call at a time); for parallel work, run processes sharing a Redis index.

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
        if not isinstance(policy, str):
            raise TypeError(f"policy must be a str, got {type(policy).__name__} {policy!r}")
        if policy not in ("seen", "boilerplate"):
            raise ConfigError(f"policy={policy!r} is out of range: it must be 'seen' or 'boilerplate'")
        min_docs = as_int("min_docs", min_docs)
        if min_docs < 2:
            raise ConfigError(f"min_docs={min_docs!r} is out of range: it must be at least 2")
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, got {type(prefix).__name__} {prefix!r}")
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
        self._entry_documents: dict[int, int] = {}  # boilerplate, once cleaning: see _boilerplate_hits
        # A call reads the index and then adds to it: two calls interleaved would store
        # entries out of step with their signatures. One call at a time.
        self._lock = threading.Lock()

    def params(self) -> dict[str, Any]:
        """What an index built by this deduplicator depends on; a stored index must match it."""
        c = self.config
        return {
            "entry_version": ENTRY_VERSION,
            "policy": self.policy,
            "threshold": c.threshold,
            "coverage": c.coverage,
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

    def feed(
        self, text: str, *, doc_id: str | None = None, site: str | None = None, prepared: Prepared | None = None
    ) -> Explained:
        """Clean one document; return its text and explanation.

        With ``policy="seen"`` the document's kept paragraphs are then remembered. With
        ``policy="boilerplate"`` every document must have gone through :meth:`count` first.
        ``prepared`` is :func:`prepare` of this text with this deduplicator's config, when
        it was computed ahead (:meth:`feed_many` does, in other processes).
        """
        with self._lock:
            return self._feed(text, doc_id, site, prepared)

    def feed_many(self, documents: Iterable[Document], *, jobs: int = 1) -> Iterator[Explained]:
        """:meth:`feed` every document in turn, lazily: a text, or ``(text, doc_id)``, or ``(text, doc_id, site)``.

        Documents are prepared (split, normalised, signed, linked within each document: what
        the text alone decides) in batches, which costs far less than one at a time: with one
        job here, in batches that grow to 16 documents; with ``jobs`` above 1 by ``jobs - 1``
        other processes, while this one decides, in order, against the index. So a bounded
        number of documents is read ahead. The results are those of :meth:`feed` called on
        each document in turn, whatever ``jobs``.
        """
        ahead = prefetch.prepared(map(_as_document, documents), self.config, jobs)
        if self.policy == "seen" or not isinstance(self.store, MemoryStore):
            for (text, doc_id, site), prepared in ahead:
                yield self.feed(text, doc_id=doc_id, site=site, prepared=prepared)
            return
        # Boilerplate: once counting is over an index in this process no longer changes, so
        # the candidates of a batch of documents are looked up at once.
        while batch := list(itertools.islice(ahead, prefetch.BATCH)):
            with self._lock:
                self._cleaning = True  # no count() from now on: the lookups below stay true
                near = self._near_ahead([(prepared, site) for (_, _, site), prepared in batch])
            for ((text, doc_id, site), prepared), found in zip(batch, near, strict=True):
                with self._lock:
                    explained = self._feed(text, doc_id, site, prepared, found)
                yield explained

    @without_gc
    def _feed(
        self, text: str, doc_id: str | None, site: str | None, prepared: Prepared | None, near: _Near | None = None
    ) -> Explained:
        spans, links, found = self._prepared(text, prepared)
        doc = self._doc_id(doc_id, self.documents)
        scope = _scope(site)
        if found is None:
            found = resolve_within(links, len(spans))
        within = {c.index: c for run, removed, _ in found if removed for c in run}
        kept = [i for i in range(len(spans)) if i not in within]
        self._cleaning = True
        if self.policy == "seen":
            outcome = self._seen(links, spans, kept, within, doc, scope)
        else:
            outcome = self._boilerplate(links, spans, kept, within, doc, scope, near)
        render = _Partials(paragraphs_of(text, spans), spans)
        found, moved = _settle(found, outcome, spans, render)
        present = sorted([*kept, *(i for i, j in outcome.restored.items() if i == j)])
        groups = _foreign_blocks(sorted(outcome.across), present, spans, outcome.across, outcome.describe, render)
        groups += moved + _extending_blocks(outcome.extends, spans, render)
        foreign: list[Block | Match] = []
        for block, matches in sorted(groups, key=lambda group: group[0].first):
            foreign += [block, *matches]
        return report(text, spans, found, foreign)

    def count(
        self, text: str, *, doc_id: str | None = None, site: str | None = None, prepared: Prepared | None = None
    ) -> None:
        """Boilerplate policy, first pass: record which paragraphs occur in this document."""
        with self._lock:
            self._count(text, doc_id, site, prepared)

    def count_many(self, documents: Iterable[Document], *, jobs: int = 1) -> None:
        """:meth:`count` every document in turn, prepared ahead by ``jobs - 1`` processes (see :meth:`feed_many`)."""
        triples = map(_as_document, documents)
        for (text, doc_id, site), prepared in prefetch.prepared(triples, self.config, jobs, within=False):
            self.count(text, doc_id=doc_id, site=site, prepared=prepared)

    @without_gc
    def _count(self, text: str, doc_id: str | None, site: str | None, prepared: Prepared | None) -> None:
        if self.policy != "boilerplate":
            raise DedupeError("count() belongs to the boilerplate policy: Deduper(policy='boilerplate')")
        if self._cleaning:
            raise DedupeError("count() after feed(): count every document first, then feed them")
        spans, links, _ = self._prepared(text, prepared, within=False)
        doc = self._doc_id(doc_id, self.counted)
        scope = _scope(site)
        self.counted += 1
        units, first = _distinct_units(links.units, range(len(spans)))
        ids = self._index_units(links, scope, units, first, doc, spans)[0]
        self.store.add_docs(ids, doc, [Location(doc, i, spans[i]) for i in first.tolist()])

    def _prepared(self, text: str, prepared: Prepared | None, *, within: bool = True) -> Prepared:
        if prepared is None:
            return prepare(text, self.config, within=within)
        check_text(text)
        if not isinstance(prepared, Prepared) or prepared.links.config != self.config:
            raise ConfigError("prepared must be dedupe.corpus.prepare(text, config) with this deduplicator's config")
        if len(prepared.spans) != len(prepared.links.units) or (prepared.spans and prepared.spans[-1][1] > len(text)):
            raise ConfigError("prepared was made from another text")
        return prepared

    # -- index housekeeping ----------------------------------------------------------------

    def stats(self) -> IndexStats:
        """Entries in the index and the memory they take (the Redis server's, for Redis)."""
        with self._lock:
            entries, size = self.store.stats()
        return IndexStats(entries, size, size / entries if entries else 0.0)

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        """Write an in-memory index to ``path`` (default: the file it was opened from), atomically.

        A Redis index is written as documents go: for it this does nothing.
        """
        if not isinstance(self.store, MemoryStore):
            return
        with self._lock:
            self.store.save(path)

    def stage_save(self, path: str | os.PathLike[str] | None = None) -> StagedIndex:
        """Write an in-memory index to a temporary file beside ``path`` now; ``commit()`` renames it into place.

        For a caller that replaces other files too (the CLI its output): write the index
        first, replace the others, then commit, so a failing index write touches nothing.
        """
        if not isinstance(self.store, MemoryStore):
            raise DedupeError("save() writes in-memory indexes; a Redis index is saved by the server")
        return self.store.stage(path)

    def close(self) -> None:
        with self._lock:
            self.store.close()

    def __enter__(self) -> Deduper:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Save an index file when the block ends cleanly (after an exception the file stays as it was); close."""
        try:
            if kind is None and isinstance(self.store, MemoryStore) and self.store.path is not None:
                self.save()
        finally:
            self.close()

    # -- the policies ----------------------------------------------------------------------

    def _seen(
        self, links: Links, spans: list[Span], kept: list[int], within: dict[int, Copy], doc: str, scope: str
    ) -> _Outcome:
        units, first = _distinct_units(links.units, kept)
        hits, again, extends = self._seen_hits(links, units, doc, scope)
        across = _across(links, kept, hits)
        orphans, orphan_first = _distinct_units(links.units, _near_orphans(links, within, across))
        more, more_again, _ = self._seen_hits(links, orphans, doc, scope)
        hits |= more
        again |= more_again
        rehomed, restored = _rehome(links, within, across, hits)
        # The index learns what this document keeps: its kept units and its near repeats kept
        # after all (the first occurrence of each), unless it learnt them when first fed.
        occurring = zip([*units.tolist(), *orphans.tolist()], [*first.tolist(), *orphan_first.tolist()], strict=True)
        new = sorted((f, u) for u, f in occurring if u not in hits and u not in again)
        if new:
            at, added = (np.asarray(column, dtype=np.int64) for column in zip(*new, strict=True))
            _, fresh = self._index_units(links, scope, added, at, doc, spans)
            self.raced += int((~fresh).sum())
        self.documents += 1

        def describe(run: list[int]) -> str:
            what = "paragraph" if len(run) == 1 else f"run of {len(run)} paragraphs"
            return f"seen before: {what} of document {across[run[0]].location.doc!r}{_in_part(run, across)}"

        return _Outcome(across, rehomed, restored, describe, _extended(units, first, extends))

    def _seen_hits(
        self, links: Links, units: Ids, doc: str, scope: str
    ) -> tuple[dict[int, _Hit], set[int], dict[int, _Hit]]:
        """What each unit copies in earlier documents (whole or in part), the units that ``doc``
        indexed, and the units kept that extend indexed paragraphs."""
        hits: dict[int, _Hit] = {}
        again: dict[int, int] = {}  # units that this very document put in the index before: their entries
        if len(units) == 0:
            return hits, set(), {}
        keys = [links.unit_keys[u] for u in units.tolist()]
        exact = self.store.find_exact(scope, keys)
        matched, scores, pools = self._verify_near(links, units, scope, exact < 0, doc)
        hit_ids = np.where(exact >= 0, exact, matched)
        known = self.store.fetch(hit_ids[hit_ids >= 0])
        where = iter(known.locations)
        for u, e, m, score in zip(units.tolist(), exact.tolist(), matched.tolist(), scores.tolist(), strict=True):
            if e < 0 and m < 0:
                continue
            location = next(where)
            # A document fed again (a job run twice) is not a copy of itself: it keeps what it kept.
            # (Near matches already leave out its own entries, which did not exist the first time.)
            if location.doc == doc:
                again[u] = e
            else:
                hits[u] = _Hit(location, 1.0, True) if e >= 0 else _Hit(location, score, False)
        missing = [k for k, u in enumerate(units.tolist()) if u not in hits and u not in again]
        other = self._accept_other(doc)
        partial, extends = self._partial_hits(links, units[missing], [pools[k] for k in missing], scope, other)
        hits |= partial
        if again:
            extends |= self._extends_again(links, again, doc, scope)
        return hits, set(again), extends

    def _extends_again(self, links: Links, again: dict[int, int], doc: str, scope: str) -> dict[int, _Hit]:
        """The extensions that the paragraphs of a document fed again found the first time.

        Its own entries came after every entry it was compared with then (ids grow), so the
        entries before them give the same answer now; a paragraph kept then stays kept.
        """
        units = np.fromiter(again, dtype=np.int64, count=len(again))
        before = min(again.values())
        likely = self._likely(links.signatures[units], scope, skip_doc=doc, bands=links.unit_bands()[units])
        pools: list[list[Entry]] = [[] for _ in range(len(units))]
        for r, entry in zip(likely.rows.tolist(), likely.entries, strict=True):
            pools[r].append(entry)

        def accept(entries: list[Entry]) -> list[bool]:
            return [e.location.doc != doc and e.id < before for e in entries]

        return self._partial_hits(links, units, pools, scope, accept, removals=False)[1]

    def _accept_other(self, doc: str) -> partly.Accept:
        """Seen before: an entry of any other document may cover a paragraph."""
        return lambda entries: [e.location.doc != doc for e in entries]

    def _partial_hits(
        self,
        links: Links,
        units: Ids,
        pools: list[list[Entry]],
        scope: str,
        accept: partly.Accept,
        documents: Callable[[Entry], int] | None = None,
        *,
        removals: bool = True,
    ) -> tuple[dict[int, _Hit], dict[int, _Hit]]:
        """The units that accepted entries cover (partial copies) and those that hold some and more.

        ``pools`` are the candidates that banding proposed for each unit and that did not
        verify whole. A partial copy narrower than ``min_chars`` columns stays, as within a
        document: a heading or a name inside a longer paragraph is no copy of it.
        """
        covered: dict[int, _Hit] = {}
        extends: dict[int, _Hit] = {}
        if len(units) == 0:
            return covered, extends
        # Boilerplate has no first occurrence: ties go to the least location, not to the entry added first.
        rank: Callable[[Entry], Any] = (lambda e: e.id) if self.policy == "seen" else (lambda e: e.location[:2])
        keys = [links.unit_keys[u] for u in units.tolist()]
        found = partly.find(keys, pools, self._lookup(scope), accept, self.config, rank)
        for u, got in zip(units.tolist(), found, strict=True):
            if got is None:
                continue
            main = got.entries[got.cover.main]
            hit = _partial_hit(got, documents(main) if documents is not None else 0)
            if not got.removed:
                extends[u] = hit
            elif removals and int(links.unit_widths(np.asarray([u]))[0]) >= self.config.min_chars:
                covered[u] = hit
        return covered, extends

    def _lookup(self, scope: str) -> partly.Lookup:
        """Entries that may hold each stretch of text: signed, looked up in the buckets, kept by the estimate."""
        c = self.config

        def lookup(stretches: list[str]) -> list[list[Entry]]:
            out: list[list[Entry]] = [[] for _ in stretches]
            likely = self._likely(sign_keys(stretches, c.shingle_size, c.num_perm, c.seed), scope)
            for r, entry in zip(likely.rows.tolist(), likely.entries, strict=True):
                out[r].append(entry)
            return out

        return lookup

    def _boilerplate(
        self,
        links: Links,
        spans: list[Span],
        kept: list[int],
        within: dict[int, Copy],
        doc: str,
        scope: str,
        near: _Near | None,
    ) -> _Outcome:
        units, first = _distinct_units(links.units, kept)
        hits, extends = self._boilerplate_hits(links, units, doc, scope, near)
        across = _across(links, kept, hits)
        hits |= self._boilerplate_hits(
            links, _distinct_units(links.units, _near_orphans(links, within, across))[0], doc, scope, near
        )[0]
        rehomed, restored = _rehome(links, within, across, hits)
        self.documents += 1
        where = f" of site {scope!r}" if scope else ""

        # Nothing is kept of boilerplate: a match points to the occurrence that comes first by
        # document id, which does not depend on the order documents were counted in.
        def describe(run: list[int]) -> str:
            counts = [across[i].documents for i in run]
            low, high = min(counts), max(counts)
            docs = f"{low}" if low == high else f"{low} to {high}"
            what = "paragraph" if len(run) == 1 else f"run of {len(run)} paragraphs"
            found = f"found in {docs} documents{where}{_in_part(run, across)}"
            return f"boilerplate: {what} {found} (min_docs={self.min_docs})"

        return _Outcome(across, rehomed, restored, describe, _extended(units, first, extends))

    def _boilerplate_hits(
        self, links: Links, units: Ids, doc: str, scope: str, near: _Near | None
    ) -> tuple[dict[int, _Hit], dict[int, _Hit]]:
        """The units whose verified copies occur in at least ``min_docs`` documents, and where the first is;
        then those that boilerplate covers in part, and those kept that hold boilerplate and more."""
        hits: dict[int, _Hit] = {}
        if len(units) == 0:
            return hits, {}
        keys = [links.unit_keys[u] for u in units.tolist()]
        own = self.store.find_exact(scope, keys)
        if (own < 0).any():
            raise NotCountedError(
                f"document {doc!r} was not counted: with the boilerplate policy, count() every document before feed()"
            )
        near_rows, near_ids, near_scores, pools = self._near_groups(links, units, scope, own, near)
        groups: list[list[int]] = [[e] for e in own.tolist()]
        best = np.zeros(len(units))
        for r, e, s in zip(near_rows.tolist(), near_ids.tolist(), near_scores.tolist(), strict=True):
            groups[r].append(e)
            best[r] = max(best[r], s)
        own_counts = self.store.doc_counts([np.asarray([e]) for e in own.tolist()])
        counts = self.store.doc_counts([np.asarray(g) for g in groups])
        locations = self.store.fetch(own).locations
        for row, u in enumerate(units.tolist()):
            if counts[row] >= self.min_docs:
                exact = own_counts[row] >= self.min_docs
                hits[u] = _Hit(locations[row], 1.0 if exact else float(best[row]), exact, counts[row])
        missing = [row for row, u in enumerate(units.tolist()) if u not in hits]
        # entry -> documents its verified copies occur in. Counting is over, so an index in this
        # process no longer changes: what an entry counts holds for every document after.
        documents: dict[int, int] = self._entry_documents if isinstance(self.store, MemoryStore) else {}
        partial, extends = self._partial_hits(
            links,
            units[missing],
            [pools[r] for r in missing],
            scope,
            self._accept_boilerplate(scope, documents),
            lambda e: documents[e.id],
        )
        return hits | partial, extends

    def _accept_boilerplate(self, scope: str, documents: dict[int, int]) -> partly.Accept:
        """Boilerplate: an entry may cover a paragraph when its verified copies occur in ``min_docs`` documents.

        Counted as for a paragraph (the entry and the entries that verify against it), once
        the counting pass is over: the answer does not depend on the order of documents.
        """

        def accept(entries: list[Entry]) -> list[bool]:
            ask = [e for e in entries if e.id not in documents]
            if ask:
                records = self.store.fetch(np.asarray([e.id for e in ask], dtype=np.int64))
                likely = self._likely(records.signatures, scope)
                scores = self._scores(records.keys, likely)
                groups = [[e.id] for e in ask]
                for r, i, s in zip(likely.rows.tolist(), likely.ids.tolist(), scores.tolist(), strict=True):
                    if s >= self.config.threshold and i != ask[r].id:
                        groups[r].append(i)
                counts = self.store.doc_counts([np.asarray(g, dtype=np.int64) for g in groups])
                documents.update(zip((e.id for e in ask), counts, strict=True))
            return [documents[e.id] >= self.min_docs for e in entries]

        return accept

    # -- matching against the index ----------------------------------------------------------

    @without_gc
    def _near_ahead(self, batch: list[tuple[Prepared | None, str | None]]) -> list[_Near | None]:
        """The bucket neighbours of every unit of some prepared documents (and their sites), in one lookup.

        Only while the index does not change (boilerplate, cleaning): each is what the lookup
        of that document's units alone would give. ``None`` for a document not prepared.
        """
        c = self.config
        bands = [p.links.unit_bands() ^ _salts(_scope(site), c.bands) for p, site in batch if p is not None]
        if not bands:
            return [None] * len(batch)
        rows, ids = self.store.find_near(np.concatenate(bands), "skip")
        starts = np.searchsorted(rows, np.arange(sum(map(len, bands)) + 1))  # each row's first entry (rows sorted)
        out: list[_Near | None] = []
        base = 0
        for p, _ in batch:
            if p is None:
                out.append(None)
                continue
            size = len(p.links.unit_keys)
            lo, hi = int(starts[base]), int(starts[base + size])
            out.append(_Near(starts[base : base + size + 1] - lo, ids[lo:hi]))
            base += size
        return out

    def _bands(self, signatures: npt.NDArray[np.uint32], scope: str) -> BandKeys:
        c = self.config
        return band_keys(signatures, 0, c.bands, c.rows) ^ _salts(scope, c.bands)

    def _likely(
        self,
        signatures: npt.NDArray[np.uint32],
        scope: str,
        skip_doc: str | None = None,
        bands: BandKeys | None = None,
        found: tuple[Ids, Ids] | None = None,
    ) -> _Likely:
        """Entries sharing a bucket with each row of ``signatures`` whose estimated Jaccard reaches ``min_jaccard``.

        Entries that document ``skip_doc`` put in the index are left out. Scores are not computed.
        ``bands`` are the rows' bucket keys, unsalted, when the caller has them; ``found``, what
        the store's ``find_near`` gives for them, when it was asked ahead.
        """
        empty = np.empty(0, dtype=np.int64)
        if len(signatures) == 0:
            return _Likely(empty, empty, [])
        # A crowded bucket (low-vocabulary text) shows its first entries for "seen before",
        # so that what a document found stays found when it is fed again; boilerplate skips
        # it, so that its counts do not depend on the order documents were counted in.
        crowded: Crowded = "first" if self.policy == "seen" else "skip"
        if found is None:
            salted = self._bands(signatures, scope) if bands is None else bands ^ _salts(scope, self.config.bands)
            found = self.store.find_near(salted, crowded)
        rows, ids = found
        if len(rows) == 0:
            return _Likely(empty, empty, [])
        distinct, back = np.unique(ids, return_inverse=True)
        records = self.store.fetch(distinct)
        estimate = (signatures[rows] == records.signatures[back]).mean(axis=1)
        likely = estimate >= self.config.min_jaccard
        if skip_doc is not None:
            likely &= np.asarray([loc.doc != skip_doc for loc in records.locations], dtype=bool)[back]
        rows, ids, back = rows[likely], ids[likely], back[likely]
        keys, locations = records.keys, records.locations
        entries = [Entry(i, keys[b], locations[b]) for i, b in zip(ids.tolist(), back.tolist(), strict=True)]
        return _Likely(rows, ids, entries)

    def _scores(self, keys: Sequence[str], likely: _Likely) -> npt.NDArray[np.float64]:
        """The rapidfuzz similarity of each likely pair (0 below the threshold).

        A pair that scores as a copy whole but is one key and new text (an indexed
        paragraph with a sentence appended) scores 0 too: the partial search decides it,
        and keeps the new text, as within a document.
        """
        c = self.config
        left = [keys[r] for r in likely.rows.tolist()]
        right = [e.key for e in likely.entries]
        scores = score_each(left, right, c.threshold)
        for k in np.flatnonzero(scores >= c.threshold).tolist():
            a, b = left[k], right[k]
            if may_add_new_text(a, b, c.coverage):
                alignment = partial_alignment(a, b, c.threshold, c.coverage)
                if alignment is not None and adds_new_text(a, b, alignment, c.coverage):
                    scores[k] = 0.0
        return scores

    def _verify_near(
        self, links: Links, units: Ids, scope: str, ask: npt.NDArray[np.bool_], doc: str
    ) -> tuple[Ids, npt.NDArray[np.float64], list[list[Entry]]]:
        """For each unit (where ``ask``), the best verified entry of another document than ``doc`` and its score;
        and the entries proposed that did not verify (candidates for partial copies).

        -1 where there is none. Entries of ``doc`` itself are not candidates: when a
        document is fed again, the paragraphs it kept the first time are in the index, and
        a paragraph removed the first time must find the same copy again, not a closer
        one among those.
        """
        best = np.full(len(units), -1, dtype=np.int64)
        score = np.zeros(len(units), dtype=np.float64)
        pools: list[list[Entry]] = [[] for _ in range(len(units))]
        asked = np.flatnonzero(ask)
        chosen = units[asked]
        likely = self._likely(links.signatures[chosen], scope, skip_doc=doc, bands=links.unit_bands()[chosen])
        scores = self._scores([links.unit_keys[u] for u in units[asked].tolist()], likely)
        threshold = self.config.threshold
        # Best score first, then the entry indexed first: the same choice whatever the order of candidates.
        for r, s, entry in zip(likely.rows.tolist(), scores.tolist(), likely.entries, strict=True):
            k = int(asked[r])
            if s < threshold:
                pools[k].append(entry)
            elif s > score[k] or (s == score[k] and entry.id < best[k]):
                best[k], score[k] = entry.id, s
        return best, score, pools

    def _near_groups(
        self, links: Links, units: Ids, scope: str, own: Ids, ahead: _Near | None
    ) -> tuple[Ids, Ids, npt.NDArray[np.float64], list[list[Entry]]]:
        """Every verified entry of each unit other than its own (boilerplate counts them all), and the
        other entries proposed that did not verify. ``ahead``: the units' bucket neighbours, looked up ahead."""
        found = ahead.of(units) if ahead is not None else None
        likely = self._likely(links.signatures[units], scope, bands=links.unit_bands()[units], found=found)
        scores = self._scores([links.unit_keys[u] for u in units.tolist()], likely)
        other = likely.ids != own[likely.rows]
        near = other & (scores >= self.config.threshold)
        pools: list[list[Entry]] = [[] for _ in range(len(units))]
        for r, entry in zip(likely.rows[other & ~near].tolist(), np.flatnonzero(other & ~near).tolist(), strict=True):
            pools[r].append(likely.entries[entry])
        return likely.rows[near], likely.ids[near], scores[near], pools

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
            links.unit_bands()[units] ^ _salts(scope, self.config.bands),
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
            raise TypeError(f"doc_id must be a str or None, got {type(doc_id).__name__}")
        return doc_id


def open_store(index: str | os.PathLike[str] | Store | None, prefix: str = "dedupe") -> Store:
    """Return the store that ``index`` names: in memory, a file, or a Redis URL."""
    if index is None:
        return MemoryStore()
    if isinstance(index, (str, os.PathLike)):
        name = os.fspath(index)
        if not isinstance(name, str):
            raise TypeError(f"index must be a str path, got {type(name).__name__}")
        if name.startswith(("redis://", "rediss://", "unix://")):
            from dedupe.redis_store import RedisStore

            return RedisStore(name, prefix)
        return MemoryStore(name)
    if not all(callable(getattr(index, name, None)) for name in _STORE_METHODS):
        raise TypeError(f"index must be None, a file path, a redis:// URL or a Store, got {type(index).__name__}")
    return index


_STORE_METHODS = [name for name in vars(Store) if not name.startswith("_")]


def _scope(site: str | None) -> str:
    if site is None:
        return ""
    if not isinstance(site, str):
        raise TypeError(f"site must be a str or None, got {type(site).__name__}")
    return site_of(site)


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


class _Outcome(NamedTuple):
    """What a policy decided for one document's paragraphs, by paragraph index."""

    across: dict[int, _Hit]
    """Paragraphs that the document's rule kept and the policy removes: the copy each repeats."""
    rehomed: dict[int, _Hit]
    """Paragraphs that the rule removed and whose kept copy went: the copy each points to now."""
    restored: dict[int, int]
    """Near repeats left with no verified copy: kept after all (mapped to themselves), and
    their later exact copies (mapped to the one kept)."""
    describe: Callable[[list[int]], str]
    """The reason of a block of ``across`` removals."""
    extends: dict[int, _Hit]
    """Paragraphs kept that hold indexed paragraphs and new text: how those cover them."""


_Group = tuple[Block, list[Match]]


def _partial_hit(got: Found, documents: int) -> _Hit:
    """The hit of a paragraph that entries cover in part, or that holds them: each part mapped into its document."""
    parts = tuple(
        _Part(p.lo, p.hi, got.entries[p.kept].location, partly.stored_span(got.entries[p.kept], p.kept_lo, p.kept_hi))
        for p in got.cover.parts
    )
    main = got.entries[got.cover.main]
    return _Hit(main.location, got.cover.score, False, documents, got.cover.coverage, parts)


def _extended(units: Ids, first: Ids, extends: dict[int, _Hit]) -> dict[int, _Hit]:
    """The extensions by paragraph: the first kept occurrence of each unit."""
    return {f: extends[u] for u, f in zip(units.tolist(), first.tolist(), strict=True) if u in extends}


def _in_part(run: list[int], hits: dict[int, _Hit]) -> str:
    """What a block's reason adds when some of its paragraphs are partial copies."""
    partial = [c for i in run if (c := hits[i].coverage) is not None]
    if not partial:
        return ""
    if len(run) == 1:
        return f", in part (coverage {partial[0]:.2f})"
    return f", {len(partial)} in part (coverage >= {min(partial):.2f})"


def _across(links: Links, kept: list[int], hits: dict[int, _Hit]) -> dict[int, _Hit]:
    """The kept paragraphs whose unit the policy removes, each with its hit."""
    return {i: hits[u] for i in kept if (u := int(links.units[i])) in hits}


def _near_orphans(links: Links, within: dict[int, Copy], across: dict[int, _Hit]) -> list[int]:
    """Paragraphs removed as near copies of a paragraph of their document that the policy then removed."""
    return [
        i
        for i in sorted(within)
        if within[i].kept_index in across and links.units[i] != links.units[within[i].kept_index]
    ]


def _rehome(
    links: Links, within: dict[int, Copy], across: dict[int, _Hit], hits: dict[int, _Hit]
) -> tuple[dict[int, _Hit], dict[int, int]]:
    """Point every removal whose kept copy the policy removed to a copy that stays.

    An exact copy points where that copy's removal points (same text, same score). A near
    copy points to its own hit (``hits`` holds those of the near orphans too). A near copy
    with none is kept after all, its first occurrence that is, and later ones copy it:
    removing it would remove a paragraph through a chain of near copies (A≈B kept, B≈C
    removed, C gone although nothing verified it against A).
    """
    rehomed: dict[int, _Hit] = {}
    restored: dict[int, int] = {}
    keeper: dict[int, int] = {}  # unit -> its occurrence kept after all
    for i in sorted(within):
        k = within[i].kept_index
        if k not in across:
            continue
        u = int(links.units[i])
        if u == int(links.units[k]):
            rehomed[i] = across[k]
        elif u in hits:
            rehomed[i] = hits[u]
        else:
            restored[i] = keeper.setdefault(u, i)
    return rehomed, restored


def _settle(found: Findings, outcome: _Outcome, spans: list[Span], render: _Partials) -> tuple[Findings, list[_Group]]:
    """The document's own blocks once the policy has decided: re-pointed, and split where they must be.

    A removal re-pointed to another document joins a block of such removals that copy
    consecutive paragraphs of that document. A repeat that the rule left in place stops
    being one when either copy went; so does a paragraph that extends others of the
    document, when it or one of them went.
    """
    settled: list[tuple[list[Copy], bool, str]] = []
    moved: list[_Group] = []
    for run, removed, reason in found:
        pieces: list[list[tuple[int, Copy | _Hit]]] = []
        previous: Copy | _Hit | None = None
        unchanged = False  # whether the previous copy is the rule's, as it was
        for c in run:
            target: Copy | _Hit | None = c
            if not removed:
                target = None if c.index in outcome.across or c.kept_index in outcome.across else c
            elif c.index in outcome.restored:
                kept = outcome.restored[c.index]
                target = None if kept == c.index else Copy(c.index, kept, 1.0, True)
            elif c.index in outcome.rehomed:
                target = outcome.rehomed[c.index]
            if target is None:
                previous = None
                continue
            if isinstance(target, Copy):
                joins = unchanged and target is c  # what is left of the rule's run stays one block
            else:
                joins = isinstance(previous, _Hit) and _follows(previous, target)
            if joins:
                pieces[-1].append((c.index, target))
            else:
                pieces.append([(c.index, target)])
            previous, unchanged = target, target is c
        for piece in pieces:
            copies = [t for _, t in piece if isinstance(t, Copy)]
            if copies:
                settled.append((copies, removed, reason))
            else:
                moved.append(_block([(i, t) for i, t in piece if isinstance(t, _Hit)], spans, reason, render))
    return dataclasses.replace(Findings.from_runs(settled), extends=_still_extending(found.extends, outcome)), moved


def _still_extending(extends: dict[int, Cover], outcome: _Outcome) -> dict[int, Cover]:
    """The extensions within the document whose paragraphs all stay."""
    return {
        i: got
        for i, got in extends.items()
        if i not in outcome.across and not any(p.kept in outcome.across for p in got.parts)
    }


def _follows(a: _Hit, b: _Hit) -> bool:
    """Whether ``b`` points to the paragraph after ``a``'s, in the same document."""
    return a.location.doc == b.location.doc and a.location.index + 1 == b.location.index


def _foreign_blocks(
    removed: list[int],
    present: list[int],
    spans: list[Span],
    hits: dict[int, _Hit],
    describe: Callable[[list[int]], str],
    render: _Partials,
) -> list[_Group]:
    """Removals by the policy in blocks: next to each other among ``present``, copying consecutive paragraphs."""
    position = {i: k for k, i in enumerate(present)}
    runs: list[list[int]] = []
    for i in removed:
        if runs and position[runs[-1][-1]] + 1 == position[i] and _follows(hits[runs[-1][-1]], hits[i]):
            runs[-1].append(i)
        else:
            runs.append([i])
    return [_block([(i, hits[i]) for i in run], spans, describe(run), render) for run in runs]


def _extending_blocks(extends: dict[int, _Hit], spans: list[Span], render: _Partials) -> list[_Group]:
    """One block kept per paragraph that holds paragraphs of other documents and new text."""
    groups = []
    for i, hit in sorted(extends.items()):
        where = f"paragraph {hit.location.index} of document {hit.location.doc!r}"
        why = f"holds new text: {hit.coverage:.2f} of it is {where}, below coverage"
        groups.append(_block([(i, hit)], spans, why, render, removed=False))
    return groups


def _block(
    items: list[tuple[int, _Hit]], spans: list[Span], reason: str, render: _Partials, *, removed: bool = True
) -> _Group:
    """A :class:`Block` of removals whose copies are consecutive paragraphs of one other document."""
    (first, a), (last, b) = items[0], items[-1]
    kept_span = (a.location.span[0], b.location.span[1])
    block = Block(
        0,
        first,
        last,
        (spans[first][0], spans[last][1]),
        a.location.index,
        b.location.index,
        kept_span,
        removed,
        reason,
        a.location.doc,
    )
    matches = []
    for i, hit in items:
        kind: Kind = "partial" if hit.coverage is not None else "exact" if hit.exact else "near"
        parts = tuple(
            Part(p.location.index, render.key_span(i, p.lo, p.hi), p.kept_span, p.location.doc) for p in hit.parts
        )
        loc = hit.location
        matches.append(Match(i, spans[i], loc.index, loc.span, hit.score, kind, 0, loc.doc, hit.coverage, parts))
    return block, matches
