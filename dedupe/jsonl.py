"""JSON Lines for ``dedupe-file --jsonl``: one record per line, one string field cleaned in each.

A record's output is its input line with only the cleaned field's value token replaced:
the other fields, their order, the spacing, number formats, escapes and the line break
stay byte for byte. The line is scanned once, member by member, to find where the
top-level field's value starts and ends; when a key occurs twice the last one counts (as
``json.loads`` has it) and is the one replaced. A record with nothing removed is written
back exactly as it was read.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dedupe.files import explain_block, explain_partial, line_counter
from dedupe.results import Explained
from dedupe.site import site_of

_DECODER = json.JSONDecoder()  # strict: control characters in strings are errors, as in json.loads
_SPACE = re.compile(r"[ \t\n\r]*")
_BLANK = b" \t\r\n"
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Line breaks to str.splitlines that JSON leaves unescaped: escaped, so no reader splits a record.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


class BadLine(Exception):
    """A line that is not a usable record; the message says why (without file and line)."""


@dataclass(frozen=True)
class Fields:
    """Which fields of a record hold its text, its id and its site."""

    text: str = "text"
    id: str = "id"
    site: str | None = None
    note: str | None = None  # the field that --annotate writes (replaced where a record has it)


@dataclass(frozen=True)
class Record:
    """One JSON Lines record: the line as read, and where the text field's value lies in it."""

    file: str  # the file's name, <stdin> for standard input
    number: int  # line number, from 1
    raw: bytes  # the line as read, with its line break
    line: str  # the line decoded, without a byte order mark
    bom: bytes  # a UTF-8 byte order mark that started the file, kept on output
    start: int  # the text field's value token: line[start:end]
    end: int
    text: str
    doc_id: str
    site: str
    keys: tuple[str, ...]  # the record's top-level field names, in order
    note: tuple[int, int] | None = None  # the value token of the Fields.note field, if the record has one

    def output(self, explained: Explained, note: tuple[str, dict[str, Any]] | None = None) -> bytes:
        """The line with the field's value replaced by the cleaned text (the line itself if nothing went).

        ``note`` (a name and a value) sets one more field: its value token is replaced where
        the record has the field, else the member is added before the closing brace.
        """
        if not explained.removed and note is None:
            return self.raw
        edits = []  # (start, end, new token), applied from the end of the line
        if explained.removed:
            edits.append((self.start, self.end, json_value(explained.text)))
        if note is not None:
            value = json_value(note[1])
            if self.note is not None:
                edits.append((*self.note, value))
            else:
                close = self.line.rstrip(" \t\r\n").rindex("}")
                edits.append((close, close, f", {json_value(note[0])}: {value}"))
        line = self.line
        for start, end, token in sorted(edits, reverse=True):
            line = line[:start] + token + line[end:]
        return self.bom + line.encode("utf-8")

    @property
    def label(self) -> str:
        """``FILE:LINE``, which names the record in messages and is its id when it has none."""
        return f"{self.file}:{self.number}"

    def explain(self, explained: Explained) -> list[dict[str, Any]]:
        return explain_rows(self.file, self.number, self.doc_id, self.text, explained)


def explain_rows(file: str, number: int, doc_id: str, text: str, explained: Explained) -> list[dict[str, Any]]:
    """One JSON-ready record per removed paragraph, with the keys of text mode and the record's id.

    ``line`` and ``kept_line`` are the record's line (or row) in the file; spans are offsets
    into the field's text, and a block's ``lines`` count the lines of that text.
    """
    blocks = {b.index: b for b in explained.blocks}  # only the removed blocks may be there
    rows = []
    line = line_counter(text)
    for m in explained.removed:
        rows.append(
            {
                "file": file,
                "line": number,
                "id": doc_id,
                "index": m.index,
                "span": list(m.span),
                "kept_doc": m.kept_doc,
                "kept_index": m.kept_index,
                "kept_line": number if m.kept_doc is None else None,
                "kept_span": list(m.kept_span),
                "score": round(m.score, 6),
                "kind": m.kind,
                "block": explain_block(blocks[m.block], line),
                "text": text[m.span[0] : m.span[1]],
            }
            | explain_partial(m, corpus=True)
        )
    return rows


def is_blank(raw: bytes) -> bool:
    """A line with nothing but JSON whitespace: passed through, not a record."""
    return not raw.strip(_BLANK)


def parse(raw: bytes, number: int, file: str, fields: Fields) -> Record:
    """Read one non-blank line as a record; raise :class:`BadLine` saying why it is not one."""
    bom = codecs.BOM_UTF8 if number == 1 and raw.startswith(codecs.BOM_UTF8) else b""
    body = raw[len(bom) :]
    nul = body.find(b"\x00")
    if nul >= 0:
        raise BadLine(f"NUL byte at byte {nul + len(bom)} (a binary file?)")
    try:
        line = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadLine(f"not valid UTF-8 at byte {err.start + len(bom)} ({err.reason})") from None
    members = _members(line)
    if fields.text not in members:
        raise BadLine(f"no field {fields.text!r}")
    start, end, value = members[fields.text]
    if not isinstance(value, str):
        raise BadLine(f"field {fields.text!r} is {_kind(value)}, not a string")
    surrogate = _SURROGATE.search(value)
    if surrogate:
        raise BadLine(f"field {fields.text!r} holds a lone surrogate \\u{ord(surrogate.group()):04x}")
    return Record(
        file,
        number,
        raw,
        line,
        bom,
        start,
        end,
        value,
        _doc_id(members.get(fields.id), line) or f"{file}:{number}",
        scope_of(members[fields.site][2]) if fields.site is not None and fields.site in members else "",
        tuple(members),
        members[fields.note][:2] if fields.note is not None and fields.note in members else None,
    )


def scope_of(value: object) -> str:
    """The scope a site field names (:func:`dedupe.site_of`); a value that is not a string names none."""
    return site_of(value) if isinstance(value, str) else ""


def id_of(value: object) -> str:
    """The document id a field's value names: a string as it is, an integer in decimal; else none (``""``).

    For records that are already values (the records API, Parquet rows, Scrapy items); a
    JSON line's number is taken as written (:func:`_doc_id`).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _doc_id(member: tuple[int, int, Any] | None, line: str) -> str:
    """A string id as it is, a number as written in the line; anything else gives no id."""
    if member is None:
        return ""
    start, end, value = member
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return line[start:end]
    return ""


def _members(line: str) -> dict[str, tuple[int, int, Any]]:
    """Each top-level key of the object on ``line``: its value's token span and decoded value."""
    try:
        pos = _skip(line, 0)
        if not line.startswith("{", pos):
            value, end = _DECODER.raw_decode(line, pos)
            if _skip(line, end) != len(line):
                raise json.JSONDecodeError("Extra data", line, _skip(line, end))
            raise BadLine(f"a JSON {_kind(value).split()[-1]}, not an object")
        members: dict[str, tuple[int, int, Any]] = {}
        pos = _skip(line, pos + 1)
        if line.startswith("}", pos):
            pos += 1
        else:
            while True:
                if not line.startswith('"', pos):
                    raise json.JSONDecodeError("Expecting property name enclosed in double quotes", line, pos)
                key, pos = _DECODER.raw_decode(line, pos)  # a string, as it starts with a quote
                pos = _skip(line, pos)
                if not line.startswith(":", pos):
                    raise json.JSONDecodeError("Expecting ':' delimiter", line, pos)
                pos = _skip(line, pos + 1)
                value, end = _DECODER.raw_decode(line, pos)
                members[key] = (pos, end, value)  # a repeated key: the last one is the value
                pos = _skip(line, end)
                if line.startswith(",", pos):
                    pos = _skip(line, pos + 1)
                elif line.startswith("}", pos):
                    pos += 1
                    break
                else:
                    raise json.JSONDecodeError("Expecting ',' delimiter", line, pos)
        pos = _skip(line, pos)
        if pos != len(line):
            raise json.JSONDecodeError("Extra data", line, pos)
        return members
    except json.JSONDecodeError as err:
        raise BadLine(f"not valid JSON ({err.msg.removesuffix(' at')}, column {err.colno})") from None
    except RecursionError:
        raise BadLine("not usable JSON (nested too deeply)") from None
    except ValueError as err:  # an integer with too many digits, for one
        raise BadLine(f"not usable JSON ({err})") from None


def _skip(line: str, pos: int) -> int:
    match = _SPACE.match(line, pos)
    return match.end() if match else pos


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def json_value(value: object, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` in JSON: non-ASCII characters as they are, except line separators."""
    text = json.dumps(value, ensure_ascii=False, default=default)
    return _ODD_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
