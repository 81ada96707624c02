"""Parquet files as records for corpus mode: one row is one document, a string column its text.

pyarrow is an optional extra (``news-dedupe[arrow]``), imported when a Parquet file is
first read. A file is read one row group at a time and written back one batch per row
group, with the input's schema and metadata: only the text column's values change (and
the annotation column, when asked for); rows left out are filtered from their batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from dedupe.errors import InputError
from dedupe.jsonl import Fields, explain_rows, id_of, scope_of
from dedupe.results import Explained

SUFFIXES = (".parquet", ".pq")


def is_parquet(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
    except ImportError as err:
        raise InputError(f"Parquet needs pyarrow: pip install 'news-dedupe[arrow]' ({err})") from None
    return pa, pq


@dataclass
class Row:
    """One row of a Parquet file as a document; what the run decides is kept in its batch."""

    file: str
    number: int  # from 1, over the whole file
    text: str
    doc_id: str
    site: str
    keys: tuple[str, ...]  # the columns whose value is not null
    batch: Batch

    @property
    def label(self) -> str:
        return f"{self.file}:{self.number}"

    def output(self, explained: Explained, note: tuple[str, dict[str, Any]] | None = None) -> bytes:
        """Nothing yet: the row's text (and note) go into its batch, written when the row group ends."""
        self.batch.texts.append(explained.text)
        self.batch.keep.append(True)
        self.batch.notes.append(note[1] if note is not None else None)
        return b""

    def explain(self, explained: Explained) -> list[dict[str, Any]]:
        return explain_rows(self.file, self.number, self.doc_id, self.text, explained)


@dataclass
class Batch:
    """A row group of the input and, as the run goes, the text and fate of each of its rows."""

    table: Any  # a pyarrow Table of the row group
    texts: list[str] = field(default_factory=list)
    keep: list[bool] = field(default_factory=list)
    notes: list[dict[str, Any] | None] = field(default_factory=list)

    def leave_out(self) -> None:
        """The current row goes: dropped, or a bad row skipped."""
        self.texts.append("")
        self.keep.append(False)
        self.notes.append(None)


def check_columns(name: str, fields: Fields) -> tuple[str, ...]:
    """The file's columns; raise :class:`InputError` if the text column is missing or not a string."""
    pa, pq = _pyarrow()
    try:
        schema = pq.read_schema(name)
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"{name}: not a Parquet file ({err})") from None
    columns = tuple(schema.names)
    if fields.text not in columns:
        raise InputError(f"{name}: no column {fields.text!r} (columns: {', '.join(columns)})")
    kind = schema.field(fields.text).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise InputError(f"{name}: column {fields.text!r} is {kind}, not a string")
    return columns


def row_groups(name: str) -> int:
    """The number of row groups of a Parquet file."""
    pa, pq = _pyarrow()
    try:
        return int(pq.ParquetFile(name).num_row_groups)
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"{name}: not a Parquet file ({err})") from None


def rows(name: str, fields: Fields, groups: range | None = None) -> Iterator[Row | tuple[Batch, int, str]]:
    """Every row of ``name`` (of row groups ``groups``), one row group at a time; a row without text comes
    as (batch, number, reason), and the end of a row group as (batch, 0, "")."""
    pa, pq = _pyarrow()
    check_columns(name, fields)
    try:
        source = pq.ParquetFile(name)
        groups = range(source.num_row_groups) if groups is None else groups
        number = sum(source.metadata.row_group(g).num_rows for g in range(groups.start))  # rows before the first
        for group in groups:
            table = source.read_row_group(group)
            batch = Batch(table)
            columns = [fields.text, *(c for c in (fields.id, fields.site) if c is not None and c in table.column_names)]
            values = {c: table.column(c).to_pylist() for c in dict.fromkeys(columns)}
            present = [c for c in table.column_names if c not in values]
            for i in range(table.num_rows):
                number += 1
                text = values[fields.text][i]
                if text is None:
                    yield batch, number, f"column {fields.text!r} is null"
                    continue
                keys = tuple(c for c in values if values[c][i] is not None) + tuple(present)
                doc_id = id_of(values.get(fields.id, [None] * table.num_rows)[i])
                site_values = values.get(fields.site) if fields.site is not None else None
                site = scope_of(site_values[i]) if site_values is not None else ""
                yield Row(name, number, text, doc_id or f"{name}:{number}", site, keys, batch)
            yield batch, 0, ""  # the end of a row group: its rows are all decided
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"{name}: cannot read Parquet: {err}") from None


def _note_type(pa: Any) -> Any:
    """The column type of :meth:`dedupe.records.Outcome.annotation`, fixed so that every batch has one schema."""
    counts = ["paragraphs", "removed", "within", "exact", "near", "partial", "chars_removed"]
    return pa.struct(
        [*((name, pa.int64()) for name in counts), ("copied_from", pa.list_(pa.string())), ("flagged", pa.string())]
    )


class Writer:
    """Tables written as one Parquet file to a stream (the run's output), with the first table's schema."""

    def __init__(self, stream: IO[bytes] | Any, annotate: str | None) -> None:
        self.stream, self.annotate = stream, annotate
        self.writer: Any = None
        self.schema: Any = None

    def write(self, batch: Batch, text_column: str, file: str) -> None:
        """A row group of the input, cleaned."""
        self.write_table(cleaned_table(batch, text_column, self.annotate), file)

    def write_table(self, table: Any, file: str) -> None:
        _, pq = _pyarrow()
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.stream, self.schema)
        elif not table.schema.equals(self.schema):
            raise InputError(f"{file}: its columns differ from the first file's; one output holds one table")
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def cleaned_table(batch: Batch, text_column: str, annotate: str | None) -> Any:
    """The batch's row group with the cleaned texts (and notes), without the rows left out."""
    pa, _ = _pyarrow()
    table = batch.table
    position = table.column_names.index(text_column)
    column = table.schema.field(text_column)
    table = table.set_column(position, column, pa.array(batch.texts, type=column.type))
    if annotate is not None:
        notes = pa.array(batch.notes, type=_note_type(pa))
        if annotate in table.column_names:
            table = table.set_column(table.column_names.index(annotate), annotate, notes)
        else:
            table = table.append_column(annotate, notes)
    if not all(batch.keep):
        table = table.filter(pa.array(batch.keep))
    return table


# -- converting ------------------------------------------------------------------------------


def json_lines(table: Any, file: str) -> bytes:
    """The rows of ``table`` as JSON Lines (dates and times in ISO 8601, decimals as strings)."""
    from dedupe.jsonl import json_value

    try:
        return b"".join((json_value(row, default=_plain) + "\n").encode("utf-8") for row in table.to_pylist())
    except (TypeError, ValueError) as err:
        raise InputError(f"{file}: a row cannot be written as JSON ({err})") from None


def _plain(value: object) -> object:
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):  # datetime, date, time
        return isoformat()
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise TypeError("a binary value that is not UTF-8 text") from None
    if type(value).__name__ in ("Decimal", "timedelta"):
        return str(value)
    raise TypeError(f"a {type(value).__name__}")


class LinesToParquet:
    """JSON Lines records written as one Parquet file: columns inferred from the first records."""

    ROWS = 10_000  # records per row group

    def __init__(self, stream: IO[bytes] | Any) -> None:
        self.out = Writer(stream, None)
        self.rows: list[dict[str, Any]] = []
        self.file = ""

    def add(self, data: bytes, file: str) -> None:
        import json

        for line in data.splitlines():
            if line.strip():
                self.rows.append(json.loads(line))
        self.file = file
        if len(self.rows) >= self.ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        pa, _ = _pyarrow()
        try:
            table = pa.Table.from_pylist(self.rows, schema=self.out.schema)
        except (pa.ArrowException, TypeError, ValueError, KeyError) as err:
            raise InputError(
                f"{self.file}: records do not fit the Parquet columns taken from the first records ({err})"
            ) from None
        self.rows = []
        self.out.write_table(table, self.file)

    def close(self) -> None:
        self.flush()
        self.out.close()
