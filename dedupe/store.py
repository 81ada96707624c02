"""What the corpus index remembers, and the in-memory store that keeps it (saved to a file).

An index holds *entries*: distinct normalised paragraphs of earlier documents, each with
its MinHash signature, where it first occurred (document id, paragraph index, span), and,
for the boilerplate policy, the set of documents it occurs in. Lookups go two ways: the
exact key (a dict, per scope) and LSH bucket keys (salted per band and scope by the
caller), where a crowded bucket shows only part of itself (:meth:`Store.find_near`).
Two stores share this protocol: :class:`MemoryStore` here, which saves to one ``.npz``
file, and :class:`dedupe.redis_store.RedisStore`, shared by many processes.

The file holds numpy arrays and a JSON header only. :mod:`dedupe.index_file` reads it back
without ever unpickling (opening an index handed to you never runs code) and checks all of
it first, in bounded memory, so that a damaged file is refused at load, never mid-run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from dedupe import index_file
from dedupe.errors import CorpusIndexError, IndexMismatchError
from dedupe.index_file import FORMAT, VERSION
from dedupe.results import Span
from dedupe.tempfiles import TempFile, mode_for

# How much of a crowded LSH bucket a lookup sees (see Store.find_near): either its first
# FIRST_OF_BUCKET entries, or nothing when it holds more than CROWDED_BUCKET. Either way a
# paragraph is verified against a bounded number of entries (bands × the cap).
FIRST_OF_BUCKET = 8
CROWDED_BUCKET = 64
# Bits of the in-memory buckets' filter per (bucket, entry) pair: between half and twice
# this as the index grows (see _Buckets), 1 to 4 bytes beside the pair's 16.
FILTER_BITS = 16
# The two bits that a key sets in its filter word, chosen by the key's low 12 bits.
_TWO_BITS = np.array([(1 << (k & 63)) | (1 << (k >> 6)) for k in range(4096)], dtype=np.uint64)
Crowded = Literal["first", "skip"]

Ids = npt.NDArray[np.int64]
BandKeys = npt.NDArray[np.uint64]
Signatures = npt.NDArray[np.uint32]


class Location(NamedTuple):
    """Where an entry occurred: document id, paragraph index in it, and the paragraph's span."""

    doc: str
    index: int  # type: ignore[assignment]
    span: Span


class Records(NamedTuple):
    """What verification and explanation need of some entries, row by row."""

    keys: list[str]
    signatures: Signatures
    locations: list[Location]


class Store(Protocol):
    """The operations the corpus pipeline needs of an index."""

    def check(self, params: dict[str, Any]) -> None:
        """Record ``params`` in an empty index; raise IndexMismatchError if they differ from the stored ones."""

    def find_exact(self, scope: str, keys: Sequence[str]) -> Ids:
        """Return the entry id of each key in ``scope``, -1 where there is none."""

    def find_near(self, bands: BandKeys, crowded: Crowded = "first") -> tuple[Ids, Ids]:
        """Return ``(rows, ids)``, sorted: entries sharing a bucket key with row ``rows[k]`` of ``bands``.

        ``crowded="first"``: a bucket shows only its first :data:`FIRST_OF_BUCKET` entries
        by id. Ids grow in order of insertion, so an entry that a lookup sees stays in view
        however many entries come later. ``crowded="skip"``: a bucket holding more than
        :data:`CROWDED_BUCKET` entries shows none; which buckets those are depends on the
        entries in the index, not on the order they came in. Either way, what a lookup sees
        does not depend on how or in which batches the entries were added.
        """

    def fetch(self, ids: Ids) -> Records:
        """Return the keys, signatures and locations of entries ``ids``."""

    def add(
        self, scope: str, keys: Sequence[str], signatures: Signatures, bands: BandKeys, locations: Sequence[Location]
    ) -> tuple[Ids, npt.NDArray[np.bool_]]:
        """Add entries; return their ids, and whether each was new.

        A key that is already in ``scope`` (another writer added it since ``find_exact``)
        is not added again: its existing id comes back, marked as not new.
        """

    def add_docs(self, ids: Ids, doc: str, locations: Sequence[Location]) -> None:
        """Record that entries ``ids`` occur in document ``doc``, at ``locations``.

        Each entry's location becomes the least ``(doc, index)`` among its occurrences, so
        that it does not depend on the order in which documents were added.
        """

    def doc_counts(self, groups: Sequence[Ids]) -> list[int]:
        """For each group of entries, the number of distinct documents they occur in."""

    def stats(self) -> tuple[int, int]:
        """Return ``(entries, bytes)``: the number of entries and the memory they take."""

    def close(self) -> None:
        """Release the store (connections); the in-memory store has nothing to release."""


class _Buckets:
    """Bucket key → entry ids, as a few sorted runs of geometrically growing size, and a filter.

    Sorted numpy arrays take 16 bytes per (bucket, entry) where a dict of lists takes about
    ten times that, and a batch of queries is one ``searchsorted`` per run. A stream of
    small documents adds a small run each time; runs of similar size are merged, so each
    entry is re-sorted O(log n) times and a query looks at O(log n) runs.

    Ids only grow: every id of a run is below every id of the runs after it, and within a
    run a bucket's ids are in increasing order (stable sorts of ids added in order). So the
    first ids of a bucket are read off run after run, and neither they nor a bucket's size
    depend on how the entries were split into runs (batches of adds, or one run rebuilt
    after loading).

    Most query keys meet no bucket (the paragraph is new: 96 in 100 on the benchmark
    corpus), and each cost a binary search in every run, mostly in arrays too large to stay
    in cache. So every key in the runs also sets two bits in a Bloom filter of 64-bit words
    (the word by the key's top bits, the bits by its low 12 bits), and a query key is
    searched for only where both bits are set: one read instead of a search per run. No key
    in the runs is ever missed, so what a lookup finds is the same; at ``filter_bits`` bits
    per pair about 2 in 100 of the keys that meet no bucket are searched for all the same.
    """

    def __init__(self, keys: BandKeys | None = None, ids: Ids | None = None, filter_bits: int = FILTER_BITS) -> None:
        self.runs: list[tuple[BandKeys, Ids]] = []
        self.pairs = 0
        self.filter_bits = filter_bits
        self.filter = np.zeros(2, dtype=np.uint64)
        self._shift = np.uint64(63)  # a key's word is its top log2(len(filter)) bits
        if keys is not None and ids is not None and len(keys):
            self.add_flat(keys, ids)

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + i.nbytes for k, i in self.runs) + self.filter.nbytes

    def add(self, bands: BandKeys, ids: Ids) -> None:
        self.add_flat(bands.ravel(), np.repeat(ids, bands.shape[1]))

    def add_flat(self, keys: BandKeys, ids: Ids) -> None:
        if len(keys) == 0:
            return
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order], ids[order]))
        self.pairs += len(keys)
        if self.pairs * self.filter_bits > 2 * 64 * len(self.filter):  # under filter_bits / 2 per pair: grow it
            words = 1 << max(1, (self.pairs * self.filter_bits - 1).bit_length() - 6)
            self.filter = np.zeros(words, dtype=np.uint64)
            self._shift = np.uint64(65 - words.bit_length())
            for run_keys, _ in self.runs:
                self._mark(run_keys)
        else:
            self._mark(keys)
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (k1, i1), (k2, i2) = self.runs.pop(), self.runs.pop()
            keys = np.concatenate([k2, k1])
            order = np.argsort(keys, kind="stable")  # two sorted runs: timsort merges them in linear time
            self.runs.append((keys[order], np.concatenate([i2, i1])[order]))

    def _probe(self, keys: BandKeys) -> tuple[Ids, npt.NDArray[np.uint64]]:
        """Each key's filter word, and its two bits there (the same bit twice for 1 key in 64)."""
        # Views, not copies: both fit in 63 bits (the shift is at least 1), and numpy calls on a
        # document's few hundred keys cost their overhead more than their work.
        return (keys >> self._shift).view(np.int64), _TWO_BITS[(keys & np.uint64(4095)).view(np.int64)]

    def _mark(self, keys: BandKeys) -> None:
        for start in range(0, len(keys), 2**14):  # slices that stay in cache: about twice as fast on a rebuild
            word, bits = self._probe(keys[start : start + 2**14])
            np.bitwise_or.at(self.filter, word, bits)  # not filter[word] |= bits: two keys may share a word

    def find(self, bands: BandKeys, crowded: Crowded) -> tuple[Ids, Ids]:
        """Each ``(row, id)`` sharing a bucket, with crowded buckets cut as Store.find_near says."""
        word, bits = self._probe(bands.ravel())
        maybe = np.flatnonzero((self.filter[word] & bits) == bits)
        if len(maybe) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        # Sorted queries walk each run in order: 5 to 10 times faster than random probes.
        order = maybe[np.argsort(bands.ravel()[maybe])]
        flat = bands.ravel()[order]
        row_of = order // bands.shape[1]
        size = np.zeros(len(flat), dtype=np.int64)
        parts: list[tuple[Ids, Ids, Ids, Ids]] = []
        for keys, ids in self.runs:  # oldest first
            lo = np.searchsorted(keys, flat, side="left")
            # Most queries meet nothing: only the hits need the end of their bucket.
            hit = np.flatnonzero(keys[np.minimum(lo, len(keys) - 1)] == flat)
            if len(hit) == 0:
                continue
            lo = lo[hit]
            counts = np.searchsorted(keys, flat[hit], side="right") - lo
            size[hit] += counts
            parts.append((ids, hit, lo, counts))
        room = np.minimum(size, FIRST_OF_BUCKET) if crowded == "first" else np.where(size > CROWDED_BUCKET, 0, size)
        found_rows: list[Ids] = []
        found_ids: list[Ids] = []
        for ids, hit, lo, counts in parts:
            counts = np.minimum(counts, room[hit])
            room[hit] -= counts
            total = int(counts.sum())
            found_rows.append(np.repeat(row_of[hit], counts))
            starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
            found_ids.append(ids[starts + np.arange(total)])
        rows = np.concatenate(found_rows) if found_rows else np.empty(0, dtype=np.int64)
        ids = np.concatenate(found_ids) if found_ids else np.empty(0, dtype=np.int64)
        if len(ids) == 0:
            return rows, ids
        span = int(ids.max()) + 1
        packed = np.unique(rows * span + ids)  # a row meets an entry in several bands: once is enough
        return packed // span, packed % span


class MemoryStore:
    """The index in this process; :meth:`save` writes it to a file and :meth:`load` reads it."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self.params: dict[str, Any] | None = None
        self.num_perm = 0
        self.keys: list[str] = []
        self.scopes: list[str] = []
        self.scope_of: list[int] = []
        self.exact: dict[str, dict[str, int]] = {}
        self._signatures = np.empty((0, 0), dtype=np.uint32)  # rows beyond len(keys) are spare capacity
        self.docs: list[str] = []
        self.doc_number: dict[str, int] = {}
        self.loc_doc: list[int] = []
        self.loc_index: list[int] = []
        self.loc_span: list[Span] = []
        self.doc_sets: list[set[int] | None] = []  # None until the entry occurs in a counted document
        self.buckets = _Buckets()
        if self.path is None:
            return
        folder = os.path.dirname(os.path.realpath(self.path))
        if os.path.isdir(self.path):
            raise CorpusIndexError(f"{self.path}: is a directory, not an index file")
        if not os.path.isdir(folder):  # found now, not when the work is done and save() fails
            raise CorpusIndexError(f"{self.path}: no directory {folder} to save the index in")
        if os.path.exists(self.path):
            self._load(self.path)

    # -- the Store protocol --------------------------------------------------------------

    def check(self, params: dict[str, Any]) -> None:
        if self.params is None:
            self.params = dict(params)
            self.num_perm = int(params["num_perm"])
            self._signatures = np.empty((0, self.num_perm), dtype=np.uint32)
            return
        _compare(self.params, params, self.path or "the index")

    def find_exact(self, scope: str, keys: Sequence[str]) -> Ids:
        table = self.exact.get(scope, {})
        return np.fromiter((table.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))

    def find_near(self, bands: BandKeys, crowded: Crowded = "first") -> tuple[Ids, Ids]:
        return self.buckets.find(bands, crowded)

    def fetch(self, ids: Ids) -> Records:
        docs = self.docs
        locations = [Location(docs[self.loc_doc[i]], self.loc_index[i], self.loc_span[i]) for i in ids.tolist()]
        return Records([self.keys[i] for i in ids.tolist()], self.signatures[ids], locations)

    def add(
        self, scope: str, keys: Sequence[str], signatures: Signatures, bands: BandKeys, locations: Sequence[Location]
    ) -> tuple[Ids, npt.NDArray[np.bool_]]:
        table = self.exact.setdefault(scope, {})
        if scope not in self.scopes:
            self.scopes.append(scope)
        scope_number = self.scopes.index(scope)
        ids = np.empty(len(keys), dtype=np.int64)
        new = np.zeros(len(keys), dtype=bool)
        for row, (key, loc) in enumerate(zip(keys, locations, strict=True)):
            known = table.get(key)
            if known is not None:
                ids[row] = known
                continue
            ids[row] = table[key] = len(self.keys)
            new[row] = True
            self.keys.append(key)
            self.scope_of.append(scope_number)
            self.loc_doc.append(self._doc(loc.doc))
            self.loc_index.append(loc.index)
            self.loc_span.append(loc.span)
            self.doc_sets.append(None)
        if new.any():
            self._append_signatures(signatures[new])
            self.buckets.add(bands[new], ids[new])
        return ids, new

    def add_docs(self, ids: Ids, doc: str, locations: Sequence[Location]) -> None:
        number = self._doc(doc)
        for i, loc in zip(ids.tolist(), locations, strict=True):
            docs = self.doc_sets[i]
            if docs is None:
                self.doc_sets[i] = docs = set()
            docs.add(number)
            if (loc.doc, loc.index) < (self.docs[self.loc_doc[i]], self.loc_index[i]):
                self.loc_doc[i], self.loc_index[i], self.loc_span[i] = number, loc.index, loc.span

    def doc_counts(self, groups: Sequence[Ids]) -> list[int]:
        counts = []
        for group in groups:
            if len(group) == 1:
                counts.append(len(self.doc_sets[int(group[0])] or ()))
                continue
            union: set[int] = set()
            for i in group.tolist():
                union |= self.doc_sets[i] or set()
            counts.append(len(union))
        return counts

    def stats(self) -> tuple[int, int]:
        return len(self.keys), self._bytes()

    def drop_buckets(self) -> None:
        """Let go of the LSH buckets (before the store is sent to be merged: :meth:`absorb` ignores them).

        A deduplicator that opens the store rebuilds them from the signatures.
        """
        self.buckets = _Buckets()

    def absorb(self, other: MemoryStore) -> None:
        """Take in what ``other`` counted, as if its documents had been counted after this store's.

        The entries new here come after this store's, in their order in ``other``; an entry
        that both hold occurs in the documents of both, at the least location of the two.
        So stores that counted consecutive parts of a stream, absorbed in the stream's
        order, make the store that counting the whole stream makes: the same entries under
        the same ids. The buckets are left empty: they are a function of the signatures,
        rebuilt by the deduplicator that opens the store (:class:`~dedupe.Deduper`).
        """
        if other.params is None:
            return
        self.check(other.params)
        scope_number = {scope: k for k, scope in enumerate(self.scopes)}
        new: list[int] = []
        for i, key in enumerate(other.keys):
            scope = other.scopes[other.scope_of[i]]
            table = self.exact.setdefault(scope, {})
            doc, index, span = other.docs[other.loc_doc[i]], other.loc_index[i], other.loc_span[i]
            j = table.get(key)
            if j is None:
                j = table[key] = len(self.keys)
                new.append(i)
                self.keys.append(key)
                self.scope_of.append(scope_number.setdefault(scope, len(scope_number)))
                self.loc_doc.append(self._doc(doc))
                self.loc_index.append(index)
                self.loc_span.append(span)
                self.doc_sets.append(None)
            elif (doc, index) < (self.docs[self.loc_doc[j]], self.loc_index[j]):
                self.loc_doc[j], self.loc_index[j], self.loc_span[j] = self._doc(doc), index, span
            counted = other.doc_sets[i]
            if counted is not None:
                mine = self.doc_sets[j]
                if mine is None:
                    self.doc_sets[j] = mine = set()
                mine.update(self._doc(other.docs[n]) for n in counted)
        self.scopes = list(scope_number)
        if new:
            self._append_signatures(other.signatures[np.asarray(new, dtype=np.int64)])
        self.drop_buckets()

    @property
    def signatures(self) -> Signatures:
        return self._signatures[: len(self.keys)]

    def _append_signatures(self, rows: Signatures) -> None:
        # Doubling capacity: a stream of small documents must not copy the whole array each time.
        start = len(self.keys) - len(rows)
        if len(self.keys) > len(self._signatures):
            grown = np.empty((max(1024, 2 * len(self.keys)), self.num_perm), dtype=np.uint32)
            grown[:start] = self._signatures[:start]
            self._signatures = grown
        self._signatures[start : len(self.keys)] = rows

    def close(self) -> None:
        pass

    # -- persistence ---------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        """Write the index to ``path`` (default: the path it was opened from), atomically."""
        self.stage(path).commit()
        if path is not None:
            self.path = os.fspath(path)

    def stage(self, path: str | os.PathLike[str] | None = None) -> StagedIndex:
        """Write the index to a temporary file beside ``path``, synced; :meth:`StagedIndex.commit` renames it.

        :meth:`save` is both steps at once. A caller that replaces other files as well writes
        the index first, so that a failing write leaves every file as it was. A symbolic link
        is followed: the link stays and its target is replaced.
        """
        target = os.fspath(path) if path is not None else self.path
        if target is None:
            raise CorpusIndexError("this index has no file: give save() a path")
        if self.params is None:
            raise CorpusIndexError("nothing to save: the index was never used")
        arrays = self._arrays()
        target = os.path.realpath(target)
        temp = TempFile(os.path.dirname(target))  # named so that a later run can tell it is stale if this one is killed
        staged = StagedIndex(temp, target)
        try:
            with os.fdopen(temp.fd, "wb") as f:
                np.savez(f, **arrays)  # type: ignore[arg-type]
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temp.path, mode_for(target))  # like any other output, not the 0600 of a temporary file
        except BaseException:
            staged.discard()
            raise
        return staged

    def _arrays(self) -> dict[str, npt.NDArray[Any]]:
        header = {"format": FORMAT, "version": VERSION, "params": self.params, "entries": len(self.keys)}
        key_blob, key_offsets = _pack(self.keys)
        doc_blob, doc_offsets = _pack(self.docs)
        scope_blob, scope_offsets = _pack(self.scopes)
        sets = [sorted(s) if s is not None else [] for s in self.doc_sets]
        return {
            "header": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
            "signatures": self.signatures,
            "key_blob": key_blob,
            "key_offsets": key_offsets,
            "scope_blob": scope_blob,
            "scope_offsets": scope_offsets,
            "scope_of": np.asarray(self.scope_of, dtype=np.int32),
            "doc_blob": doc_blob,
            "doc_offsets": doc_offsets,
            "loc_doc": np.asarray(self.loc_doc, dtype=np.int64),
            "loc_index": np.asarray(self.loc_index, dtype=np.int64),
            "loc_span": np.asarray(self.loc_span, dtype=np.int64).reshape(-1, 2),
            "counted": np.asarray([s is not None for s in self.doc_sets], dtype=bool),
            "set_offsets": np.cumsum([0] + [len(s) for s in sets], dtype=np.int64),
            "set_docs": np.asarray([d for s in sets for d in s], dtype=np.int64),
        }

    def _load(self, path: str) -> None:
        header, arrays = index_file.read(path)  # dtypes, shapes, offsets and references checked
        try:  # what needs the decoded strings: valid UTF-8, no name twice
            self._restore(header, arrays)
        except ValueError as err:
            raise CorpusIndexError(f"{path}: damaged index ({err})") from None

    def _restore(self, header: dict[str, Any], a: dict[str, npt.NDArray[Any]]) -> None:
        n = header["entries"]
        self.params = dict(header["params"])
        self.num_perm = self.params["num_perm"]
        self.keys = _unpack(a["key_blob"], a["key_offsets"], "key")
        self.docs = _unpack(a["doc_blob"], a["doc_offsets"], "document name")
        self.scopes = _unpack(a["scope_blob"], a["scope_offsets"], "scope")
        self._signatures = a["signatures"]
        self.scope_of = a["scope_of"].astype(np.int64).tolist()
        self.loc_doc = a["loc_doc"].tolist()
        self.loc_index = a["loc_index"].tolist()
        self.loc_span = [(s, e) for s, e in a["loc_span"].tolist()]
        offsets, docs, counted = a["set_offsets"].tolist(), a["set_docs"].tolist(), a["counted"].tolist()
        self.doc_sets = [set(docs[offsets[i] : offsets[i + 1]]) if counted[i] else None for i in range(n)]
        self.doc_number = {d: i for i, d in enumerate(self.docs)}
        if len(self.doc_number) != len(self.docs) or len(set(self.scopes)) != len(self.scopes):
            raise ValueError("a document or a scope named twice")
        self.exact = {}
        for i, (key, scope) in enumerate(zip(self.keys, self.scope_of, strict=True)):
            self.exact.setdefault(self.scopes[scope], {})[key] = i
        if sum(len(table) for table in self.exact.values()) != n:
            raise ValueError("a key occurs twice in one scope")
        # Bucket keys are not stored: they are a function of the signatures and the
        # parameters, which the caller recomputes (see :meth:`rebuild_buckets`).

    def rebuild_buckets(self, bands: BandKeys) -> None:
        """Rebuild the LSH buckets from the band keys of every entry (after loading)."""
        self.buckets = _Buckets(bands.ravel(), np.repeat(np.arange(len(bands), dtype=np.int64), bands.shape[1]))

    def _doc(self, doc: str) -> int:
        number = self.doc_number.get(doc)
        if number is None:
            number = self.doc_number[doc] = len(self.docs)
            self.docs.append(doc)
        return number

    def _bytes(self) -> int:
        import sys

        per_key = sum(sys.getsizeof(k) for k in self.keys)
        exact = sum(sys.getsizeof(t) for t in self.exact.values())
        sets = sum(sys.getsizeof(s) + 36 * len(s) for s in self.doc_sets if s is not None)
        lists = 9 * 8 * len(self.keys)  # pointers in the per-entry lists and the loc_span tuples
        # Signature rows in use; the array grows by doubling, so up to as many again are reserved.
        arrays = self.signatures.nbytes + self.buckets.nbytes
        return per_key + exact + sets + lists + arrays


class StagedIndex:
    """An index file written beside its target and synced, not yet renamed over it."""

    def __init__(self, temp: TempFile, target: str) -> None:
        self.temp: TempFile | None = temp
        self.target = target

    def commit(self) -> None:
        """Rename the temporary file over the target (atomic: the old index or the new one, never half)."""
        if self.temp is None:
            return
        try:
            self.temp.replace(self.target)
        except BaseException:
            self.discard()
            raise
        self.temp = None

    def discard(self) -> None:
        """Remove the temporary file, unless it was committed; the target stays as it was."""
        if self.temp is not None:
            self.temp.remove()
        self.temp = None


def _compare(stored: dict[str, Any], wanted: dict[str, Any], where: str) -> None:
    differ = [k for k in sorted(set(stored) | set(wanted)) if stored.get(k) != wanted.get(k)]
    if differ:
        said = ", ".join(f"{k}={stored.get(k)!r} (this run: {wanted.get(k)!r})" for k in differ)
        raise IndexMismatchError(f"{where} was built with other parameters: {said}")


def _pack(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    offsets = np.cumsum([0] + [len(e) for e in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _unpack(blob: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64], what: str) -> list[str]:
    data = blob.tobytes()
    try:
        return [data[s:e].decode("utf-8", "surrogatepass") for s, e in pairwise(offsets.tolist())]
    except UnicodeDecodeError as err:
        raise ValueError(f"a {what} that is not UTF-8 ({err.reason})") from None
