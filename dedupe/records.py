"""Corpus records in, the same records out: the Python form of ``dedupe-file --jsonl``.

A record is a mapping with a text field; the output is a copy of each record with that
field cleaned. The documents go through one :class:`~dedupe.Deduper` (or, with no policy,
each through the one-document pipeline), with the CLI's field names, site scopes, index
and two-pass boilerplate. A pandas DataFrame, a pyarrow Table or a Hugging Face
``datasets.Dataset`` comes back as the same kind of table; those libraries are imported by
the caller, never here.

The document-level verdict (:func:`judge`) and the annotation it adds to a record are
shared with the command line, so both drop and describe records by one rule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from dedupe.api import explain_removals
from dedupe.config import DedupeConfig, resolve
from dedupe.errors import ConfigError, DedupeError, InputError
from dedupe.jsonl import id_of, scope_of
from dedupe.prefetch import check_jobs
from dedupe.results import Explained
from dedupe.split import count_paragraphs

if TYPE_CHECKING:
    from dedupe.corpus import Deduper, Prepared
    from dedupe.prefetch import CleanedText
    from dedupe.report import Report

log = logging.getLogger("dedupe")

Verdict = Literal["empty", "min_kept"]


@dataclass(frozen=True)
class Outcome:
    """What happened to one document: its explanation, sizes, and whether it is to be dropped.

    ``dropped`` is ``"empty"`` (no paragraph left, with ``drop_empty``), ``"min_kept"``
    (fewer than ``min_kept`` of its paragraphs kept) or ``None``. With ``flag`` such a
    document stays and its annotation says why it would go.
    """

    doc_id: str
    site: str
    explained: Explained
    paragraphs: int  # before cleaning
    chars: int  # code points before cleaning
    dropped: Verdict | None

    @property
    def kept_paragraphs(self) -> int:
        return self.paragraphs - len(self.explained.removed)

    @property
    def chars_removed(self) -> int:
        return self.chars - len(self.explained.text)

    def annotation(self) -> dict[str, Any]:
        """The small summary that ``annotate`` adds to a record: counts, kinds, the documents copied."""
        removed = self.explained.removed
        exact = sum(m.kind == "exact" for m in removed)
        partial = sum(m.kind == "partial" for m in removed)
        # Fixed keys, so that a table column of annotations has one type.
        return {
            "paragraphs": self.paragraphs,
            "removed": len(removed),
            "within": sum(m.kept_doc is None for m in removed),
            "exact": exact,
            "near": len(removed) - exact - partial,
            "partial": partial,
            "chars_removed": self.chars_removed,
            "copied_from": sorted({m.kept_doc for m in removed if m.kept_doc is not None}),
            "flagged": self.dropped,
        }

    def describe(self) -> str:
        """One line on what happened to the document, for the log (``dedupe-file -v``)."""
        note = self.annotation()
        kinds = ", ".join(f"{note[k]:,} {k}" for k in ("exact", "near", "partial") if note[k])
        line = f"{note['removed']:,} of {self.paragraphs:,} paragraphs removed"
        if kinds:
            line += f" ({kinds}; {note['within']:,} within)"
        if note["copied_from"]:
            shown = ", ".join(map(repr, note["copied_from"][:3]))
            more = len(note["copied_from"]) - 3
            line += f"; copies of {shown}" + (f" and {more:,} more" if more > 0 else "")
        if self.dropped is not None:
            line += f"; {'empty' if self.dropped == 'empty' else 'below min_kept'}"
        return line


def judge(
    doc_id: str,
    site: str,
    text: str,
    explained: Explained,
    paragraphs: int,
    *,
    drop_empty: bool,
    min_kept: float | None,
) -> Outcome:
    """The document-level verdict on one cleaned document (shared by the API and the CLI)."""
    kept = paragraphs - len(explained.removed)
    dropped: Verdict | None = None
    if drop_empty and kept == 0:
        dropped = "empty"
    elif min_kept is not None and paragraphs and kept / paragraphs < min_kept:
        dropped = "min_kept"
    return Outcome(doc_id, site, explained, paragraphs, len(text), dropped)


def check_min_kept(min_kept: object) -> float | None:
    """``min_kept`` as a float in (0, 1], or ``None``; raise as the other options do."""
    if min_kept is None:
        return None
    if isinstance(min_kept, bool) or not isinstance(min_kept, (int, float)):
        raise TypeError(f"min_kept must be a real number, got {type(min_kept).__name__} {min_kept!r}")
    if not 0 < min_kept <= 1:
        raise ConfigError(f"min_kept={min_kept!r} is out of range: it must be above 0 and at most 1")
    return float(min_kept)


class Cleaned(NamedTuple):
    """One record out of :func:`dedupe_records_and_explain`: the cleaned copy and what happened to it."""

    record: dict[str, Any]
    outcome: Outcome


class _Doc(NamedTuple):
    position: int  # from 1, names a record without an id
    record: Mapping[str, Any]


@dataclass(frozen=True)
class _Options:
    field: str
    id_field: str
    site_field: str | None
    named: dict[str, str]  # argument -> field, for fields that some record must have
    policy: Literal["seen", "boilerplate"] | None
    min_docs: int
    index: Any
    prefix: str
    drop_empty: bool
    min_kept: float | None
    flag: bool
    annotate: str | None
    jobs: int
    config: DedupeConfig


def dedupe_records_and_explain(
    records: Iterable[Mapping[str, Any]],
    *,
    field: str = "text",
    id_field: str | None = None,
    site_field: str | None = None,
    policy: Literal["seen", "boilerplate"] | None = None,
    min_docs: int = 2,
    index: Any = None,
    prefix: str = "dedupe",
    drop_empty: bool = False,
    min_kept: float | None = None,
    flag: bool = False,
    annotate: str | None = None,
    report: Report | None = None,
    jobs: int = 1,
    config: DedupeConfig | None = None,
    **overrides: Any,
) -> Iterator[Cleaned]:
    """Clean the text field of every record; yield each cleaned copy with its :class:`Outcome`.

    This is :func:`dedupe_records` for mappings, without dropping anything: a record that
    ``drop_empty`` or ``min_kept`` would drop comes out too, with ``outcome.dropped`` set.
    The records are read lazily, except that boilerplate reads them twice (a one-shot
    iterator is held in a list between the passes) and that records are read ahead until
    a named ``id_field`` or ``site_field`` turns up.
    """
    named = {"field": field, "id_field": id_field, "site_field": site_field, "annotate": annotate}
    options = _options(named, policy, min_docs, index, prefix, drop_empty, min_kept, flag, jobs, config, overrides)
    return _run(records, options, report)


def dedupe_records(
    records: Any,
    *,
    field: str = "text",
    id_field: str | None = None,
    site_field: str | None = None,
    policy: Literal["seen", "boilerplate"] | None = None,
    min_docs: int = 2,
    index: Any = None,
    prefix: str = "dedupe",
    drop_empty: bool = False,
    min_kept: float | None = None,
    flag: bool = False,
    annotate: str | None = None,
    report: Report | None = None,
    jobs: int = 1,
    config: DedupeConfig | None = None,
    **overrides: Any,
) -> Any:
    """Clean the text field of a corpus of records, as ``dedupe-file --jsonl`` does.

    ``records`` is an iterable of mappings (the result is an iterator of cleaned dict
    copies, in order), or a pandas ``DataFrame``, a pyarrow ``Table`` or a Hugging Face
    ``datasets.Dataset`` (the result is a table of the same kind with the column cleaned).

    - ``field``: the text to clean; ``id_field``: the document id (default ``"id"``; a
      record without one is named ``<records>:N``, its position from 1); ``site_field``:
      documents are compared only within a site (:func:`~dedupe.site_of` of the value).
      A named ``id_field`` or ``site_field`` that no record has raises
      :class:`~dedupe.InputError`; records that lack it are counted in ``report`` and
      logged once.
    - ``policy``: ``None`` cleans every record on its own; ``"seen"`` removes what an
      earlier record kept; ``"boilerplate"`` removes what ``min_docs`` records hold, in two
      passes. ``index`` and ``prefix`` are those of :class:`~dedupe.Deduper` (a file index
      is saved when the records are all out).
    - ``drop_empty`` drops a record left without any paragraph; ``min_kept`` one that keeps
      less than this share of its paragraphs. With ``flag`` they stay instead and the
      annotation says why (``annotate`` defaults to ``"dedupe"`` then).
    - ``annotate``: the name of a field added to every record with a summary of what went
      (:meth:`Outcome.annotation`).
    - ``report``: a :class:`~dedupe.Report` that every record is added to.
    - ``jobs``: ``jobs`` processes clean the records (with a policy, ``jobs - 1`` prepare them
      ahead, as :meth:`~dedupe.Deduper.feed_many` does); the result is the same for any ``jobs``.

    >>> footer = "Subscribe to our newsletter for the best stories of the week, every Friday morning."
    >>> pages = [{"id": "a", "text": f"One.\\n{footer}"}, {"id": "b", "text": f"Two.\\n{footer}"}]
    >>> [r["text"] for r in dedupe_records(pages, policy="boilerplate")]
    ['One.', 'Two.']
    """
    named = {"field": field, "id_field": id_field, "site_field": site_field, "annotate": annotate}
    options = _options(named, policy, min_docs, index, prefix, drop_empty, min_kept, flag, jobs, config, overrides)
    table = _table_kind(records)
    if table is not None:
        return _clean_table(records, table, options, report)
    return (c.record for c in _run(records, options, report) if c.outcome.dropped is None or options.flag)


def _options(
    names: dict[str, str | None],
    policy: str | None,
    min_docs: int,
    index: Any,
    prefix: str,
    drop_empty: bool,
    min_kept: float | None,
    flag: bool,
    jobs: int,
    config: DedupeConfig | None,
    overrides: dict[str, Any],
) -> _Options:
    for name, value in names.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r}")
        if value == "":
            raise ConfigError(f"{name} must not be empty")
    field, annotate = names["field"] or "text", names["annotate"]
    if policy not in (None, "seen", "boilerplate"):
        raise ConfigError(f"policy={policy!r} is out of range: it must be None, 'seen' or 'boilerplate'")
    for name, switch in (("drop_empty", drop_empty), ("flag", flag)):
        if not isinstance(switch, bool):
            raise TypeError(f"{name} must be a bool, got {type(switch).__name__} {switch!r}")
    if policy is None and index is not None:
        raise ConfigError("an index belongs to a policy: give policy='seen' or policy='boilerplate'")
    if annotate is not None and annotate == field:
        raise ConfigError(f"annotate={annotate!r} would overwrite the text field")
    named = {name: names[name] or "" for name in ("id_field", "site_field") if names[name]}
    return _Options(
        field=field,
        id_field=names["id_field"] or "id",
        site_field=names["site_field"],
        named=named,
        policy=policy,  # type: ignore[arg-type]
        min_docs=min_docs,
        index=index,
        prefix=prefix,
        drop_empty=drop_empty,
        min_kept=check_min_kept(min_kept),
        flag=flag,
        annotate=annotate or ("dedupe" if flag else None),
        jobs=check_jobs(jobs),
        config=resolve(config, overrides),
    )


def _run(records: Iterable[Mapping[str, Any]], options: _Options, report: Report | None) -> Iterator[Cleaned]:
    if isinstance(records, (str, bytes, Mapping)):
        raise TypeError(f"records must be an iterable of mappings, got {type(records).__name__}")
    if options.policy == "boilerplate" and iter(records) is records:
        records = list(records)  # two passes over a one-shot iterator
    if options.policy is None:
        return _cleaned(records, options, report, None)
    from dedupe.corpus import Deduper

    # Made now, so that a bad index or option fails at the call, not at the first record.
    o = options
    assert o.policy is not None
    deduper = Deduper(policy=o.policy, min_docs=o.min_docs, index=o.index, prefix=o.prefix, config=o.config)
    return _passes(records, options, report, deduper)


def _passes(
    records: Iterable[Mapping[str, Any]], options: _Options, report: Report | None, deduper: Deduper
) -> Iterator[Cleaned]:
    # The with block saves a file index once every record is out, and not when the
    # caller stops early or a record fails.
    with deduper:
        if options.policy == "boilerplate":
            counting = _documents(records, options, None, tell=False)
            for (text, doc_id, site, _, error), prepared in _prepared(counting, options, within=False):
                if error is not None:
                    raise error
                assert text is not None
                deduper.count(text, doc_id=doc_id, site=site, prepared=prepared)
        yield from _cleaned(records, options, report, deduper)


def _identified(docs: Iterable[_Doc], options: _Options) -> Iterator[_Identified]:
    """Each record's text, id and scope; a record that fails comes as its error, in its place, and ends the stream."""
    records = iter(docs)
    while True:
        try:
            doc = next(records)
            yield (*_identify(doc, options), doc, None)
        except StopIteration:
            return
        except DedupeError as err:
            yield None, "", "", None, err
            return


def _prepared(
    docs: Iterable[_Doc], options: _Options, *, within: bool = True
) -> Iterator[tuple[_Identified, Prepared | None]]:
    """Each record, prepared ahead by ``jobs - 1`` processes (see Deduper.feed_many).

    A record that fails comes as its error, in its place: the records before it come out
    first, as they do with one job.
    """
    from dedupe import prefetch

    return prefetch.prepared(_identified(docs, options), options.config, options.jobs, within=within)


def _explained(docs: Iterable[_Doc], options: _Options) -> Iterator[tuple[_Identified, CleanedText | None]]:
    """Each record, cleaned within itself by ``jobs`` processes (``None``: to clean here), errors as above."""
    from dedupe import prefetch

    return prefetch.explained(_identified(docs, options), options.config, options.jobs)


# (text, id, scope, record, error): the text is None where the record failed, with its error
_Identified = tuple[str | None, str, str, "_Doc | None", "DedupeError | None"]


def _cleaned(
    records: Iterable[Mapping[str, Any]], options: _Options, report: Report | None, deduper: Deduper | None
) -> Iterator[Cleaned]:
    docs = _documents(records, options, report)
    if deduper is None:
        for (text, doc_id, site, doc, error), done in _explained(docs, options):
            if error is not None:
                raise error
            assert text is not None and doc is not None
            explained, paragraphs = explain_removals(text, config=options.config) if done is None else done
            yield _judged(doc, doc_id, site, text, explained, paragraphs, options, report)
        return
    for (text, doc_id, site, doc, error), prepared in _prepared(docs, options):
        if error is not None:
            raise error
        assert text is not None and doc is not None
        explained = deduper.feed(text, doc_id=doc_id, site=site, prepared=prepared)
        paragraphs = count_paragraphs(text, options.config.paragraphs) if prepared is None else len(prepared.spans)
        yield _judged(doc, doc_id, site, text, explained, paragraphs, options, report)


def _judged(
    doc: _Doc,
    doc_id: str,
    site: str,
    text: str,
    explained: Explained,
    paragraphs: int,
    options: _Options,
    report: Report | None,
) -> Cleaned:
    """The cleaned copy of a record and the verdict on it, counted in ``report``."""
    outcome = judge(doc_id, site, text, explained, paragraphs, drop_empty=options.drop_empty, min_kept=options.min_kept)
    if report is not None:
        report.add(outcome, text)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s: %s", doc_id, outcome.describe())
    cleaned = dict(doc.record)
    cleaned[options.field] = explained.text
    if options.annotate is not None:
        cleaned[options.annotate] = outcome.annotation()
    return Cleaned(cleaned, outcome)


def _documents(
    records: Iterable[Mapping[str, Any]], options: _Options, report: Report | None, *, tell: bool = True
) -> Iterator[_Doc]:
    """The records, numbered; a named field that no record has raises once all have been read ahead.

    A record without a named field is counted (in ``report``) and, if ``tell``, the first
    one is logged, once the field is known to exist.
    """
    wanted = set(options.named.values())
    missing = dict.fromkeys(options.named, 0)
    first: dict[str, int] = {}  # argument -> the first record without its field
    seen: dict[str, None] = {}
    ahead: list[_Doc] = []
    for position, record in enumerate(records, 1):
        if not isinstance(record, Mapping):
            raise InputError(f"record {position}: a {type(record).__name__}, not a mapping")
        doc = _Doc(position, record)
        for name, key in options.named.items():
            if key not in record:
                first.setdefault(name, position)
                missing[name] += 1
                if not wanted and missing[name] == 1 and tell:
                    _tell_missing(position, key, name)
        if wanted:
            seen.update(dict.fromkeys(record))
            wanted.difference_update(record)
            ahead.append(doc)
            if wanted:
                continue
            if tell:
                for name, position in first.items():
                    _tell_missing(position, options.named[name], name)
            yield from ahead
            ahead.clear()
        else:
            yield doc
    if wanted:
        name = next(n for n, key in options.named.items() if key in wanted)
        fields = ", ".join(map(str, seen)) or "none"
        raise InputError(f"{name}={options.named[name]!r}: no record has this field (fields seen: {fields})")
    if report is not None:
        for name, count in missing.items():
            if count:
                report.missing[name] = (options.named[name], count)


def _tell_missing(position: int, key: str, name: str) -> None:
    log.warning("record %d: no field %r (%s); such records are counted", position, key, name)


def _identify(doc: _Doc, options: _Options) -> tuple[str, str, str]:
    """The text, id and scope of one record."""
    record = doc.record
    if options.field not in record:
        raise InputError(f"record {doc.position}: no field {options.field!r}")
    text = record[options.field]
    if not isinstance(text, str):
        raise InputError(f"record {doc.position}: field {options.field!r} is a {type(text).__name__}, not a str")
    doc_id = id_of(record.get(options.id_field)) or f"<records>:{doc.position}"
    site = record.get(options.site_field) if options.site_field is not None else None
    return text, doc_id, scope_of(site)


# -- tables ---------------------------------------------------------------------------------

_TABLES = {
    ("pandas", "DataFrame"): "pandas",
    ("pyarrow", "Table"): "arrow",
    ("datasets", "Dataset"): "datasets",
}


def _table_kind(records: object) -> str | None:
    """Which table library made ``records``, told by its type's module (none of them is imported here)."""
    for cls in type(records).__mro__:
        root = cls.__module__.split(".")[0]
        kind = _TABLES.get((root, cls.__name__))
        if kind is not None:
            return kind
    return None


def _clean_table(table: Any, kind: str, options: _Options, report: Report | None) -> Any:
    """The table with its text column cleaned (and the rows to drop left out, or annotated)."""
    columns = list(table.columns) if kind == "pandas" else list(table.column_names)
    for name, key in [("field", options.field), *options.named.items()]:
        if key not in columns:
            raise InputError(f"{name}={key!r}: the table has no such column (columns: {', '.join(map(str, columns))})")
    wanted = [options.field, *(c for c in dict.fromkeys([options.id_field, options.site_field or ""]) if c in columns)]
    rows = _rows(table, kind, wanted)
    results = list(_run(rows, options, report))
    texts = [c.record[options.field] for c in results]
    keep = [c.outcome.dropped is None or options.flag for c in results]
    notes = [c.outcome.annotation() for c in results] if options.annotate is not None else None
    return _rebuilt(table, kind, options, texts, keep, notes)


def _rows(table: Any, kind: str, columns: list[str]) -> list[dict[str, Any]]:
    """The named columns as one small dict per row (the other columns are never read)."""
    if kind == "pandas":
        values = [table[name].tolist() for name in columns]
    elif kind == "arrow":
        values = [table.column(name).to_pylist() for name in columns]
    else:
        values = [table[name] for name in columns]
    # A missing value (None, NaN) of the id or site column counts as no value, as a missing key would.
    return [
        {name: value for name, value in zip(columns, row, strict=True) if name == columns[0] or _present(value)}
        for row in zip(*values, strict=True)
    ]


def _present(value: object) -> bool:
    return value is not None and value == value  # NaN is the one value unequal to itself


def _rebuilt(
    table: Any, kind: str, options: _Options, texts: list[str], keep: list[bool], notes: list[dict[str, Any]] | None
) -> Any:
    field = options.field
    if kind == "pandas":
        out = table.copy()
        out[field] = texts
        if notes is not None:
            out[options.annotate] = notes
        return out if all(keep) else out[keep]
    if kind == "arrow":
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]  # the caller's table came from it

        column = table.schema.field(field)
        out = table.set_column(table.column_names.index(field), column, pa.array(texts, type=column.type))
        if notes is not None:
            out = _set_arrow_column(out, options.annotate or "dedupe", pa.array(notes))
        return out if all(keep) else out.filter(pa.array(keep))
    order = list(table.column_names)
    out = table.remove_columns(field).add_column(field, texts)
    if notes is not None:
        name = options.annotate or "dedupe"
        if name in order:
            out = out.remove_columns(name)
        else:
            order.append(name)
        out = out.add_column(name, notes)
    out = out.select_columns(order)
    return out if all(keep) else out.select([i for i, k in enumerate(keep) if k])


def _set_arrow_column(table: Any, name: str, values: Any) -> Any:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, values)
    return table.append_column(name, values)
