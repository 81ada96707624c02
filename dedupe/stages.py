"""A corpus run as stages that an engine can schedule on many workers, with the output of one process.

The input, JSON Lines files or Parquet files in a given order, is cut into *parts*: runs of
consecutive lines, or row groups of a Parquet file (:class:`Part`), numbered in input order.
Each stage is a function of its inputs:

1. :func:`read_part`: a part's lines, each blank, bad (a :class:`~dedupe.jsonl.BadLine`)
   or a record (:mod:`dedupe.jsonl`); or a part's Parquet rows (:mod:`dedupe.parquet`).
2. Seen before:
   :func:`prepare_part` (map, any worker): each record's text prepared (split, normalised,
   signed, linked and judged within the record: :func:`~dedupe.corpus.prepare_many`);
   :func:`decide_part` (in input order, one deduplicator): a record's result depends on
   every record before it, so the decisions are made one record after another, as
   :meth:`~dedupe.Deduper.feed` makes them.
3. Boilerplate:
   :func:`count_part` (map, any worker): the store of what the part's records hold;
   :func:`merge_counts` (reduce, in input order): the store that counting the whole input
   makes, entry ids included (:meth:`~dedupe.store.MemoryStore.absorb`);
   :func:`clean_part` (map, any worker): each record cleaned by :func:`cleaner`, a deduplicator
   opened once on that store, which no longer changes.

Every record leaves :func:`decide_part` and :func:`clean_part` as the bytes that
``dedupe-file --jsonl`` writes for it (a Parquet row in its cleaned row group, as
``--in-place`` writes it), and its explanation as the rows of ``--explain``; so the parts'
outputs, joined in order, are byte for byte those of one local run.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dedupe import compression, jsonl, parquet
from dedupe.config import DedupeConfig
from dedupe.corpus import Deduper, Prepared, prepare_many
from dedupe.errors import DedupeError, InputError
from dedupe.files import json_line, open_input
from dedupe.records import judge
from dedupe.results import Explained
from dedupe.run_summary import CorpusReport
from dedupe.split import count_paragraphs
from dedupe.store import MemoryStore


class Segment(NamedTuple):
    """Lines ``first`` to ``last`` (from 1, both included) of the input file ``path``, named ``label``
    (of a Parquet file, row groups ``first`` to ``last``); line ``at_line`` starts at byte ``at``."""

    label: str
    path: str
    first: int
    last: int
    at: int = 0
    at_line: int = 1


STRIDE = 1024
"""Lines between the line starts that :func:`index_lines` keeps of a plain file."""


class Lines(NamedTuple):
    """An input file as parts are cut from it: its label, path and number of lines (of row groups of a
    Parquet file), and where every :data:`STRIDE`-th line starts (lines 1, 1 + STRIDE, ...) in a plain
    file: a part seeks to the nearest one before it instead of reading every line before it."""

    label: str
    path: str
    size: int  # lines, or row groups
    starts: tuple[int, ...] = ()


class Part(NamedTuple):
    """Consecutive lines of the input: number ``number`` in input order, in one segment per file it spans."""

    number: int
    segments: tuple[Segment, ...]


Line = tuple[Segment, int, bytes, jsonl.Record | jsonl.BadLine | parquet.Row | tuple[parquet.Batch, int, str] | None]
"""A line: its segment, its number in its file, its bytes, and the record it is (``None``: blank).

A Parquet row comes as its :class:`~dedupe.parquet.Row` (no bytes); a row without text as
``(batch, number, reason)``; the end of a row group as ``(batch, 0, "")``."""
Document = jsonl.Record | parquet.Row


@dataclass(frozen=True)
class Options:
    """What decides a record's output besides the deduplicator: the CLI options of the same names."""

    fields: jsonl.Fields = field(default_factory=jsonl.Fields)
    drop_empty: bool = False
    min_kept: float | None = None
    skip_bad_lines: bool = False


class Output(NamedTuple):
    """A part's output: the lines written for its records, per input file label, and their explanations;
    for a Parquet file, its cleaned row groups (pyarrow tables), in order."""

    lines: dict[str, bytes]
    explanations: dict[str, bytes]
    counts: CorpusReport
    tables: dict[str, list[Any]]


def cut(files: Sequence[Lines], parts: int) -> list[Part]:
    """Cut files, in order, into ``parts`` runs of about equally many lines.

    A run may span files; no part is empty, so there are fewer parts than asked for when
    there are fewer lines.
    """
    total = sum(f.size for f in files)
    parts = max(1, min(parts, total))
    bounds = [total * k // parts for k in range(parts + 1)]  # global line offsets where the parts begin
    out: list[Part] = []
    for number, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        segments = []
        start = 0  # global offset of the current file's first line
        for f in files:
            a, b = max(lo, start), min(hi, start + f.size)
            if a < b:
                first = a - start + 1
                k = min((first - 1) // STRIDE, len(f.starts) - 1)  # the last known line start before it
                at, at_line = (f.starts[k], k * STRIDE + 1) if k >= 0 else (0, 1)
                segments.append(Segment(f.label, f.path, first, b - start, at, at_line))
            start += f.size
        out.append(Part(number, tuple(segments)))
    return out


def index_lines(path: str, label: str) -> Lines:
    """The lines of an input file (a last line without a line break counts) and, if it is not compressed,
    where every :data:`STRIDE`-th one starts; the row groups of a Parquet file."""
    if parquet.is_parquet(path):
        return Lines(label, path, parquet.row_groups(path))
    plain = compression.format_of(path) is None
    starts = [0] if plain else []
    lines = offset = 0
    last = b"\n"
    mark = STRIDE  # the next line start kept is the one after this many line breaks
    with _opened(path, label) as stream:
        while chunk := stream.read(1 << 20):
            count = chunk.count(b"\n")
            at, seen = -1, lines  # a line break of this chunk, and the line breaks up to it
            while plain and lines + count >= mark:
                for _ in range(mark - seen):
                    at = chunk.find(b"\n", at + 1)
                seen = mark
                starts.append(offset + at + 1)
                mark += STRIDE
            lines += count
            offset += len(chunk)
            last = chunk[-1:]
    return Lines(label, path, lines + (last != b"\n"), tuple(starts))


def read_part(part: Part, fields: jsonl.Fields) -> Iterator[Line]:
    """Each line of ``part``, read from its files, and the record it is."""
    for segment in part.segments:
        if parquet.is_parquet(segment.path):
            for item in parquet.rows(segment.path, fields, range(segment.first - 1, segment.last)):
                yield segment, item.number if isinstance(item, parquet.Row) else item[1], b"", item
            continue
        with _opened(segment.path, segment.label) as stream:
            if segment.at:
                stream.seek(segment.at)
            wanted = itertools.islice(stream, segment.first - segment.at_line, segment.last - segment.at_line + 1)
            for number, raw in enumerate(wanted, segment.first):
                if jsonl.is_blank(raw):
                    yield segment, number, raw, None
                    continue
                try:
                    yield segment, number, raw, jsonl.parse(raw, number, segment.label, fields)
                except jsonl.BadLine as err:
                    yield segment, number, raw, err


def prepare_part(lines: Sequence[Line], config: DedupeConfig, *, within: bool = True) -> list[Prepared | None]:
    """Map: what each record's text alone decides (``None`` for a line that is no record)."""
    texts = [parsed.text if isinstance(parsed, Document) else None for _, _, _, parsed in lines]
    return prepare_many(texts, config, within=within)


def decide_part(
    lines: Sequence[Line], prepared: Sequence[Prepared | None], deduper: Deduper, options: Options
) -> Output:
    """Seen before, in input order: feed each record of a part to the one ``deduper``; its output."""
    return _outputs(
        lines,
        (
            deduper.feed(parsed.text, doc_id=parsed.doc_id, site=parsed.site, prepared=p)
            for (_, _, _, parsed), p in zip(lines, prepared, strict=True)
            if isinstance(parsed, Document)
        ),
        options,
        deduper,
    )


def count_part(lines: Sequence[Line], config: DedupeConfig, min_docs: int) -> MemoryStore:
    """Map, boilerplate: the store of which paragraphs each record of a part holds."""
    deduper = Deduper(policy="boilerplate", min_docs=min_docs, config=config)
    records = [parsed for _, _, _, parsed in lines if isinstance(parsed, Document)]
    deduper.count_many((r.text, r.doc_id, r.site) for r in records)
    assert isinstance(deduper.store, MemoryStore)
    return deduper.store


def merge_counts(stores: Sequence[MemoryStore]) -> MemoryStore:
    """Reduce, boilerplate: the stores of consecutive parts, in input order, as one (see :meth:`MemoryStore.absorb`)."""
    merged = MemoryStore()
    for store in stores:
        merged.absorb(store)
    return merged


def cleaner(store: MemoryStore, config: DedupeConfig, min_docs: int) -> Deduper:
    """Boilerplate: the deduplicator that cleans against the store of every part (it opens the store once)."""
    return Deduper(policy="boilerplate", min_docs=min_docs, index=store, config=config)


def clean_part(lines: Sequence[Line], deduper: Deduper, options: Options) -> Output:
    """Map, boilerplate: each record of a part cleaned by :func:`cleaner` (whose store no longer changes)."""
    records = [parsed for _, _, _, parsed in lines if isinstance(parsed, Document)]
    explained = deduper.feed_many((r.text, r.doc_id, r.site) for r in records)
    return _outputs(lines, explained, options, deduper)


def _outputs(lines: Sequence[Line], explained: Iterator[Explained], options: Options, deduper: Deduper) -> Output:
    """Each line's output in order: a blank line as it is, a bad line refused or skipped, a record cleaned
    (by ``deduper``, as ``explained`` says)."""
    out: dict[str, io.BytesIO] = {}
    rows: dict[str, io.BytesIO] = {}
    tables: dict[str, list[Any]] = {}
    counts = CorpusReport("record", deduper.policy, look=False, min_kept=options.min_kept or 0.0)
    for segment, number, raw, parsed in lines:
        lines_out = out.setdefault(segment.label, io.BytesIO())
        rows_out = rows.setdefault(segment.label, io.BytesIO())
        if parsed is None:
            lines_out.write(raw)
        elif isinstance(parsed, tuple) and number == 0:  # a Parquet row group is over: all its rows decided
            tables.setdefault(segment.label, []).append(parquet.cleaned_table(parsed[0], options.fields.text, None))
        elif isinstance(parsed, (jsonl.BadLine, tuple)):
            if not options.skip_bad_lines:
                reason = parsed if isinstance(parsed, jsonl.BadLine) else parsed[2]
                raise InputError(f"{segment.label}:{number}: {reason} (--skip-bad-lines leaves such lines out)")
            if isinstance(parsed, tuple):
                parsed[0].leave_out()
            counts.skipped += 1
        else:
            try:
                done = next(explained)
            except DedupeError as err:
                raise DedupeError(f"{segment.label}:{number}: {err}") from None
            paragraphs = count_paragraphs(parsed.text, deduper.config.paragraphs)
            outcome = judge(
                parsed.doc_id, parsed.site, parsed.text, done, paragraphs, drop_empty=options.drop_empty,
                min_kept=options.min_kept,
            )  # fmt: skip
            counts.add(paragraphs, done)
            if outcome.dropped is not None:
                counts.dropped[outcome.dropped] = counts.dropped.get(outcome.dropped, 0) + 1
            rows_out.write(b"".join(json_line(row) for row in parsed.explain(done)))
            if outcome.dropped is None:
                lines_out.write(parsed.output(done))  # (a Parquet row's text goes into its batch)
            elif isinstance(parsed, parquet.Row):
                parsed.batch.leave_out()
    return Output(
        {label: b.getvalue() for label, b in out.items()},
        {label: b.getvalue() for label, b in rows.items()},
        counts,
        tables,
    )


class _opened:
    """An input file opened for its lines, decompressed as its name says (a context manager)."""

    def __init__(self, path: str, label: str) -> None:
        self.raw = open_input(path)
        fmt = compression.format_of(path)
        try:
            self.stream = compression.reader(self.raw, fmt, label) if fmt is not None else self.raw
        except BaseException:
            self.raw.close()
            raise

    def __enter__(self) -> Any:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        self.stream.close()
        self.raw.close()
