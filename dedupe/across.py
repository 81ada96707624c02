"""Partial copies across documents: a paragraph inside a paragraph of another document, or made of several.

The same kinds as within one document (see :mod:`dedupe.partial`): a truncated or
excerpted copy, a merged paragraph, and an extended one (an indexed paragraph and new
text), found against the corpus index instead of the document's own paragraphs.

Candidates come from the index's LSH buckets, the main bands only (the index keeps no
others): a copy that keeps a share ``f`` of its original shares about ``f`` of its
shingles with it, and 32 bands of 4 rows propose it with probability
``1 - (1 - f**4)**32``: 0.99 at 0.6, 0.87 at 0.5. A paragraph that holds an indexed one
but is not covered yet (a merged paragraph whose other parts are short) has its
uncovered stretches signed and looked up like paragraphs of their own, as
:meth:`dedupe.matching.Links._with_the_rest` does within a document. Every candidate is
aligned with :func:`~dedupe.partial.partial_alignment`; a bucket hit alone decides nothing.

The stored entry holds the normalised key and the span of the paragraph in its document,
not its text: a stretch of the key is mapped back one to one when the key is as long as
the span (the normalisation changed characters one for one: most text), and in
proportion otherwise (collapsed whitespace or expanded ligatures shift it by a few
characters at most).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from dedupe.config import DedupeConfig
from dedupe.matching import RESIDUAL
from dedupe.normalize import KeyMap
from dedupe.partial import Alignment, Cover, cover, partial_alignment, similarity, union_of
from dedupe.results import Span
from dedupe.store import Location

ROUNDS = 3  # of residual lookups: each may find the part that uncovers the next stretch


class Entry(NamedTuple):
    """An indexed paragraph, as a partial match needs it."""

    id: int
    key: str
    location: Location


Lookup = Callable[[list[str]], list[list[Entry]]]
"""Entries that may hold each of some stretches of keys (signed and looked up in the buckets)."""
Accept = Callable[[list[Entry]], list[bool]]
"""Whether each entry may cover a paragraph (another document's, boilerplate, ...)."""


class Found(NamedTuple):
    """How entries cover one paragraph's key: ``cover``'s parts name positions in ``entries``.

    ``removed``: the entries cover at least ``coverage`` of it (a partial copy); otherwise
    they lie inside it and it holds new text (it *extends* them).
    """

    cover: Cover
    entries: tuple[Entry, ...]
    removed: bool


def find(
    keys: Sequence[str],
    candidates: Sequence[Sequence[Entry]],
    lookup: Lookup,
    accept: Accept,
    config: DedupeConfig,
    rank: Callable[[Entry], Any],
) -> list[Found | None]:
    """For each key, how accepted entries cover it, or ``None`` when none lies inside it or it in one.

    ``candidates[k]`` are the entries that banding proposed for ``keys[k]``. ``rank`` orders
    entries for the choices that a tie leaves open (the main part, the order of parts), so
    that they depend on the entries, never on the order they were proposed in.
    """
    aligned: list[dict[int, tuple[Entry, Alignment]]] = [{} for _ in keys]
    verdicts: dict[int, bool] = {}
    _align(keys, candidates, aligned, verdicts, accept, config)
    asked: set[tuple[int, int, int]] = set()
    for _ in range(ROUNDS):
        queries: list[str] = []
        owners: list[int] = []
        for k, key in enumerate(keys):
            for lo, hi in _uncovered(key, aligned[k], config.coverage):
                if (k, lo, hi) not in asked:
                    asked.add((k, lo, hi))
                    queries.append(key[lo:hi])
                    owners.append(k)
        if not queries:
            break
        more: list[list[Entry]] = [[] for _ in keys]
        for k, entries in zip(owners, lookup(queries), strict=True):
            more[k] += [e for e in entries if e.id not in aligned[k]]
        if not _align(keys, more, aligned, verdicts, accept, config):
            break
    return [_found(key, got, config, rank) for key, got in zip(keys, aligned, strict=True)]


def _align(
    keys: Sequence[str],
    candidates: Sequence[Sequence[Entry]],
    aligned: list[dict[int, tuple[Entry, Alignment]]],
    verdicts: dict[int, bool],
    accept: Accept,
    config: DedupeConfig,
) -> bool:
    """Align each key with its new candidates and keep the accepted related ones; whether any was kept."""
    pending: list[tuple[int, Entry, Alignment]] = []
    for k, entries in enumerate(candidates):
        for entry in entries:
            if entry.id in aligned[k]:
                continue
            alignment = partial_alignment(keys[k], entry.key, config.threshold, config.coverage)
            if alignment is not None:
                pending.append((k, entry, alignment))
    # Accepting may cost a lookup (boilerplate counts): only for the entries that aligned, once each.
    unknown = list({e.id: e for _, e, _ in pending if e.id not in verdicts}.values())
    verdicts.update(zip((e.id for e in unknown), accept(unknown), strict=True))
    kept = False
    for k, entry, alignment in pending:
        if verdicts[entry.id]:
            aligned[k][entry.id] = (entry, alignment)
            kept = True
    return kept


def _uncovered(key: str, aligned: dict[int, tuple[Entry, Alignment]], coverage: float) -> list[tuple[int, int]]:
    """The stretches of ``key`` to look up: those left uncovered, when it holds an entry but is not covered.

    Only a paragraph that holds a whole entry can be a merged one whose other parts are
    still to find; a truncated copy is covered by its original alone.
    """
    if not any(a.solid >= coverage * len(e.key) for e, a in aligned.values()):
        return []
    covered: list[tuple[int, int]] = []
    for _, alignment in aligned.values():
        covered = union_of(covered, [(i, i + size) for i, _, size in alignment.runs])
    if sum(hi - lo for lo, hi in covered) >= coverage * len(key):
        return []
    edges = [0, *(x for interval in covered for x in interval), len(key)]
    return [(lo, hi) for lo, hi in zip(edges[::2], edges[1::2], strict=True) if hi - lo >= RESIDUAL]


def _found(
    key: str, aligned: dict[int, tuple[Entry, Alignment]], config: DedupeConfig, rank: Callable[[Entry], Any]
) -> Found | None:
    if not aligned:
        return None
    entries = tuple(sorted((e for e, _ in aligned.values()), key=rank))
    coverers = [
        (n, aligned[e.id][1], similarity(len(key), len(e.key), aligned[e.id][1])) for n, e in enumerate(entries)
    ]
    got = cover(len(key), coverers)
    if got.coverage >= config.coverage:
        return Found(got, entries, True)
    holds = [c for c in coverers if c[1].solid >= config.coverage * len(entries[c[0]].key)]
    if not holds:
        return None
    return Found(cover(len(key), holds), entries, False)


def stored_span(entry: Entry, lo: int, hi: int) -> Span:
    """The span, in the entry's document, of characters ``lo:hi`` of its key (see the module's note)."""
    start, end = entry.location.span
    size = end - start
    mapping = KeyMap(len(entry.key), [0], [0]) if size == len(entry.key) else KeyMap(len(entry.key), [], [], None, size)
    first, last = mapping.span(lo, hi)
    return start + first, start + last
