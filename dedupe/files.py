"""Reading and writing the files of ``dedupe-file``: decoding that round-trips, atomic writes, diffs, explanations."""

from __future__ import annotations

import bisect
import codecs
import difflib
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from dedupe.errors import InputError
from dedupe.results import Explained

PROG = "dedupe-file"


@dataclass(frozen=True)
class Source:
    """One decoded input, with what it takes to write kept text back byte for byte."""

    name: str
    text: str
    codec: str  # encodes the text as the input had it (explicit byte order, no BOM)
    bom: bytes  # the byte order mark the input started with, if any

    @property
    def label(self) -> str:
        return "<stdin>" if self.name == "-" else self.name

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


# Codecs that read a byte order mark: the mark and the byte order it names are kept as found.
_BOM_CODECS = {
    "utf-8-sig": ((codecs.BOM_UTF8, "utf-8"),),
    "utf-16": ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")),
    "utf-32": ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")),
}
_NO_BOM = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}


def read_source(name: str, encoding: str, data: bytes | None = None) -> Source:
    """Read and decode ``name`` (``-``: standard input), or decode ``data`` read from it before."""
    label = "<stdin>" if name == "-" else name
    if data is None:
        f = open_input(name)
        try:
            data = f.read()
        except OSError as err:
            raise InputError(f"{label}: {err.strerror or err}") from None
        finally:
            if name != "-":
                f.close()
    codec, bom = codecs.lookup(encoding).name, b""
    if codec in _BOM_CODECS:
        bom, codec = next(((m, c) for m, c in _BOM_CODECS[codec] if data.startswith(m)), (b"", _NO_BOM[codec]))
    try:
        text = data[len(bom) :].decode(codec)
    except UnicodeDecodeError as err:
        if b"\x00" in data:
            raise InputError(f"{label}: looks like a binary file (NUL byte at offset {data.index(0)})") from None
        raise InputError(
            f"{label}: not valid {encoding} at byte {err.start + len(bom)} ({err.reason}); choose another --encoding"
        ) from None
    if "\x00" in text:
        raise InputError(f"{label}: looks like a binary file (NUL character at offset {text.index(chr(0))})")
    return Source(name, text, codec, bom)


def open_input(name: str) -> IO[bytes]:
    """Open an input file for reading bytes (``-``: standard input, which the caller must not close)."""
    label = "<stdin>" if name == "-" else name
    if name == "-":
        if sys.stdin is None:
            raise InputError(f"{label}: standard input is closed")
        return sys.stdin.buffer
    try:
        return open(name, "rb")
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory") from None
    except OSError as err:
        raise InputError(f"{label}: {err.strerror or err}") from None


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a crash never leaves half a file."""
    target = AtomicFile(path)
    try:
        target.write(data)
        target.commit()
    except BaseException:
        target.discard()
        raise


class AtomicFile:
    """A file written through a temporary file in its directory, renamed over it by :meth:`commit`.

    A symbolic link is followed (its target is replaced); a device or a pipe is written
    directly, as there is nothing to replace. The mode of a replaced file is kept.
    """

    def __init__(self, path: str) -> None:
        self.tmp: str | None = None
        if os.path.exists(path):
            path = os.path.realpath(path)
            if not stat.S_ISREG(os.stat(path).st_mode):
                self.path, self.mode, self.file = path, 0, open(path, "wb")  # noqa: SIM115
                return
            mode = stat.S_IMODE(os.stat(path).st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        self.path, self.mode = path, mode
        fd, self.tmp = tempfile.mkstemp(prefix=".dedupe-", dir=os.path.dirname(os.path.abspath(path)))
        self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def finish(self) -> None:
        """Flush and close the temporary file (to disk: a rename must never expose half a file)."""
        if not self.file.closed:
            self.file.flush()
            if self.tmp is not None:
                os.fsync(self.file.fileno())
            self.file.close()

    def commit(self) -> None:
        self.finish()
        if self.tmp is not None:
            os.chmod(self.tmp, self.mode)
            os.replace(self.tmp, self.path)
            self.tmp = None

    def discard(self) -> None:
        """Drop the temporary file; the target stays as it was (a device may hold what was written)."""
        self.file.close()
        if self.tmp is not None and os.path.exists(self.tmp):
            os.unlink(self.tmp)
        self.tmp = None


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def diff_bytes(source: Source, after: str) -> bytes:
    """A unified diff of the removals; lines break only where the tool breaks them."""
    body = list(difflib.unified_diff(_LINES.findall(source.text), _LINES.findall(after), n=3))[2:]
    if not body:
        return b""
    name = b"<stdin>" if source.name == "-" else os.fsencode(source.name)
    out = [b"--- " + name + b"\n", b"+++ " + name + b" (deduplicated)\n"]
    for line in body:
        if line.startswith("@@"):
            out.append(line.encode("ascii"))
        else:
            out.append(line.encode(source.codec))
            if not line.endswith(("\n", "\r")):
                out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


_BREAK = re.compile(r"\r\n|\r|\n")


def explain_records(source: Source, explained: Explained, corpus: bool = False) -> list[dict[str, Any]]:
    """One JSON-ready record per removed paragraph, with 1-based line numbers.

    In corpus mode a record also names ``kept_doc``, the document that holds the kept copy
    (``None``: this one); the kept lines are then in that document and not given here.
    """
    text = source.text
    breaks = [m.end() for m in _BREAK.finditer(text)]
    # A file name that is not valid UTF-8 still gives valid JSON.
    label = source.label.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    def line(offset: int) -> int:
        return bisect.bisect_right(breaks, offset) + 1

    def kept_line(doc: str | None, offset: int) -> int | None:
        return line(offset) if doc is None else None

    blocks = {b.index: b for b in explained.blocks}  # only the removed blocks may be there
    records = []
    for m in explained.removed:
        b = blocks[m.block]
        record = {
            "file": label,
            "index": m.index,
            "line": line(m.span[0]),
            "span": list(m.span),
            "kept_index": m.kept_index,
            "kept_line": kept_line(m.kept_doc, m.kept_span[0]),
            "kept_span": list(m.kept_span),
            "score": round(m.score, 6),
            "kind": m.kind,
            "block": {
                "index": b.index,
                "lines": [line(b.span[0]), line(b.span[1])],
                "kept_lines": [kept_line(b.kept_doc, b.kept_span[0]), kept_line(b.kept_doc, b.kept_span[1])],
                "span": list(b.span),
                "kept_span": list(b.kept_span),
                "reason": b.reason,
            },
            "text": text[m.span[0] : m.span[1]],
        }
        if corpus:
            record["kept_doc"] = m.kept_doc
        records.append(record)
    return records


# -- corpus mode: documents compared with each other (JSON Lines records, or whole files) -------------
