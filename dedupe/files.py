"""Reading and writing the files of ``dedupe-file``: decoding that round-trips, atomic writes, diffs, explanations."""

from __future__ import annotations

import bisect
import codecs
import contextlib
import difflib
import itertools
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from dedupe.config import ParagraphMode
from dedupe.errors import InputError
from dedupe.results import Block, Explained, Match
from dedupe.tempfiles import TempFile, mode_for
from dedupe.text_file import UNIT, FileText, Undecodable

PROG = "dedupe-file"

# What str.splitlines() breaks at: none of it may split an error message.
_LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def one_line(message: str) -> str:
    """``message`` on one line: a line break in it (a file name's, a codec's) is written as an escape."""
    return _LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], message)


@dataclass(frozen=True)
class Source:
    """One decoded input, with what it takes to write kept text back byte for byte."""

    name: str
    text: str
    codec: str  # encodes the text as the input had it (explicit byte order, no BOM)
    bom: bytes  # the byte order mark the input started with, if any
    file: FileText | None = None  # a large file's text, left in the file (``text`` is then empty)

    @property
    def label(self) -> str:
        return "<stdin>" if self.name == "-" else self.name

    def encode(self, text: str, bom: bool = True) -> bytes:
        """``text`` in the input's encoding (with its byte order mark, if ``bom``).

        Raises :class:`InputError` where the codec cannot encode the kept text (``idna``, whose
        labels may grow too long once a paragraph between two dots is removed).
        """
        try:
            data = text.encode(self.codec)
        except UnicodeError as err:
            raise InputError(f"{self.label}: the cleaned text cannot be written in {self.codec}: {err}") from None
        return self.bom + data if bom else data

    def encode_chunks(self, chunks: Iterable[str]) -> Iterable[bytes]:
        """The text made of ``chunks``, in the input's encoding with its byte order mark, a chunk at a time.

        Only for codecs that encode any decoded text, piece by piece as whole (Unicode's own);
        another (``idna``, ``utf-7``, a stateful or a failing one) gets the chunks joined and
        encoded here, so that a failure (:class:`InputError`) comes before anything is written.
        """
        if self.codec not in _ENCODED_BY_CHUNKS:
            return [self.encode("".join(chunks))]
        return itertools.chain([self.bom], (chunk.encode(self.codec) for chunk in chunks))


# Strictly decoded text holds no lone surrogate, so these encode it whole or in pieces alike and never fail.
_ENCODED_BY_CHUNKS = frozenset({"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"})


# Codecs that read a byte order mark: the mark and the byte order it names are kept as found.
_BOM_CODECS = {
    "utf-8-sig": ((codecs.BOM_UTF8, "utf-8"),),
    "utf-16": ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")),
    "utf-32": ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")),
}
_NO_BOM = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}


def open_source(name: str, encoding: str, mode: ParagraphMode, *, large: int) -> Source:
    """:func:`read_source`, but a regular file of ``large`` bytes or more in one of Unicode's own
    encodings is not read into memory: its text stays in the file (``Source.file``)."""
    if name == "-":
        return _spooled_stdin(encoding, mode, large)
    try:
        fits = os.path.getsize(name) < large or not os.path.isfile(name)
    except OSError:
        fits = True
    if fits:
        return read_source(name, encoding)
    return _left_in_file(open_input(name), name, encoding, mode)


def _spooled_stdin(encoding: str, mode: ParagraphMode, large: int) -> Source:
    """Standard input: read whole when shorter than ``large`` bytes, else copied to an
    anonymous temporary file (gone however the run ends) and left there."""
    stdin = open_input("-")
    head: list[bytes] = []
    held = 0
    try:
        while held < large or not head:
            piece = stdin.read(1 << 20)
            if not piece:
                return read_source("-", encoding, b"".join(head))
            head.append(piece)
            held += len(piece)
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (the source's FileText closes it)
    except OSError as err:
        raise InputError(f"<stdin>: {err.strerror or err}") from None
    try:
        spool.writelines(head)
        head.clear()
        shutil.copyfileobj(stdin, spool, 1 << 20)
        spool.flush()
    except OSError as err:
        spool.close()
        raise InputError(f"<stdin>: cannot copy to a temporary file: {err.strerror or err}") from None
    return _left_in_file(spool, "-", encoding, mode)


def _left_in_file(f: IO[bytes], name: str, encoding: str, mode: ParagraphMode) -> Source:
    """The source of an open file whose text stays there (read whole and closed, when it cannot)."""
    label = "<stdin>" if name == "-" else name
    try:
        codec, bom = _codec_of(encoding, os.pread(f.fileno(), 4, 0))
        if codec in UNIT:
            return Source(name, "", codec, bom, FileText(f, label, codec, len(bom), mode))
    except Undecodable:
        pass  # the reader of whole texts says what and where
    except OSError as err:
        f.close()
        raise InputError(f"{label}: {err.strerror or err}") from None
    except BaseException:
        f.close()
        raise
    if name != "-":
        f.close()
        return read_source(name, encoding)
    with f:
        f.seek(0)
        return read_source(name, encoding, f.read())


def _codec_of(encoding: str, head: bytes) -> tuple[str, bytes]:
    """The codec that decodes a text in ``encoding`` after the byte order mark it starts with (and the mark)."""
    codec = codecs.lookup(encoding).name
    if codec not in _BOM_CODECS:
        return codec, b""
    return next(((c, m) for m, c in _BOM_CODECS[codec] if head.startswith(m)), (_NO_BOM[codec], b""))


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
    codec, bom = _codec_of(encoding, data[:4])
    try:
        text = data[len(bom) :].decode(codec)
    except UnicodeError as err:
        if b"\x00" in data:
            raise InputError(f"{label}: looks like a binary file (NUL byte at offset {data.index(0)})") from None
        if not isinstance(err, UnicodeDecodeError):  # a codec with rules of its own, such as idna's label length
            raise InputError(f"{label}: not valid {encoding}: {err}; choose another --encoding") from None
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


def write_atomically(path: str, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (or its pieces, one after another) to ``path`` through a temporary file,
    so a crash never leaves half a file."""
    target = AtomicFile(path)
    try:
        for piece in [data] if isinstance(data, bytes) else data:
            target.write(piece)
        target.commit()
    except BaseException:
        target.discard()
        raise


class Spool:
    """``-o OUT``: what every input writes, one after another, kept back until :meth:`commit`.

    Bytes for a file go straight into the temporary file beside it (a large output is never
    held in memory), and the file is renamed over OUT only by :meth:`commit`; for a device,
    a pipe or a descriptor's name, where nothing written can be taken back, they are held
    until then. An error in writing is raised by :meth:`commit`.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.target: AtomicFile | None = None
        self.held: list[bytes] = []
        self.error: OSError | None = None

    def write(self, data: bytes) -> None:
        if self.error is not None:
            return
        try:
            if self.target is None:
                self.target = AtomicFile(self.path)
            if self.target.temp is None:
                self.held.append(data)
            else:
                self.target.write(data)
        except OSError as err:
            self.error = err
            self.discard()

    def commit(self) -> None:
        if self.error is not None:
            raise self.error
        try:
            if self.target is None:
                self.target = AtomicFile(self.path)
            for data in self.held:
                self.target.write(data)
            self.target.commit()
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Drop what was written; OUT stays as it was."""
        if self.target is not None:
            self.target.discard()
        self.held.clear()


# Names of a descriptor this process already has open: writing there means writing to it.
_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}
_DESCRIPTOR = re.compile(r"/dev/fd/([0-9]+)|/proc/(self|thread-self|[0-9]+)/fd/([0-9]+)")


def descriptor_named(path: str) -> int | None:
    """The descriptor that ``path`` names (``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``), if it names one."""
    path = os.path.abspath(path)
    match = _DESCRIPTOR.fullmatch(path)
    if match is None:
        return _STANDARD.get(path)
    if match.group(1) is not None:
        return int(match.group(1))
    if match.group(2) in ("self", "thread-self") or match.group(2) == str(os.getpid()):
        return int(match.group(3))
    return None  # another process's descriptor: a path like any other


class AtomicFile:
    """A file written through a temporary file in its directory, renamed over it by :meth:`commit`.

    A symbolic link is followed (its target is replaced); a device, a pipe, or a name of an
    open descriptor (``/dev/stdout``, which may be a pipe or a file opened for appending) is
    written directly, as there is nothing to replace. The mode of a replaced file is kept.
    """

    def __init__(self, path: str) -> None:
        self.temp: TempFile | None = None
        self.name = path  # as given, for messages
        self.path, self.mode = path, 0
        fd = descriptor_named(path)
        if fd is not None:
            self.file: IO[bytes] = os.fdopen(os.dup(fd), "wb")
            return
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            self.mode = mode_for(path)
        else:
            if not stat.S_ISREG(mode):
                self.file = open(path, "wb")  # noqa: SIM115 (closed by commit or discard)
                return
            self.path, self.mode = os.path.realpath(path), stat.S_IMODE(mode)
        self.temp = TempFile(os.path.dirname(os.path.abspath(self.path)))
        self.file = os.fdopen(self.temp.fd, "wb")

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def finish(self) -> None:
        """Flush and close the temporary file (to disk: a rename must never expose half a file)."""
        if not self.file.closed:
            self.file.flush()
            if self.temp is not None:
                os.fsync(self.file.fileno())
            self.file.close()

    def commit(self) -> None:
        self.finish()
        if self.temp is not None:
            os.chmod(self.temp.path, self.mode)
            self.temp.replace(self.path)
            self.temp = None

    def discard(self) -> None:
        """Drop the temporary file; the target stays as it was (a device may hold what was written)."""
        with contextlib.suppress(OSError):  # what could not be written (a full disk) is dropped with the rest
            self.file.close()
        if self.temp is not None:
            self.temp.remove()
            self.temp = None


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
            out.append(source.encode(line, bom=False))
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
    line = line_counter(text)
    # A file name that is not valid UTF-8 still gives valid JSON.
    label = source.label.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    def kept_line(doc: str | None, offset: int) -> int | None:
        return line(offset) if doc is None else None

    blocks = {b.index: b for b in explained.blocks}  # only the removed blocks may be there
    records = []
    for m in explained.removed:
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
            "block": explain_block(blocks[m.block], line),
            "text": text[m.span[0] : m.span[1]],
        }
        if corpus:
            record["kept_doc"] = m.kept_doc
        record |= explain_partial(m, corpus)
        records.append(record)
    return records


def explain_partial(m: Match, corpus: bool = False) -> dict[str, Any]:
    """What a record adds for a partial copy: its coverage and each covering part, with spans
    (the kept span is in the kept paragraph's document: ``kept_doc``, in corpus mode)."""
    if m.kind != "partial":
        return {}
    parts = []
    for p in m.parts:
        part: dict[str, Any] = {"kept_index": p.kept_index, "span": list(p.span), "kept_span": list(p.kept_span)}
        if corpus:
            part["kept_doc"] = p.kept_doc
        parts.append(part)
    return {"coverage": None if m.coverage is None else round(m.coverage, 6), "parts": parts}


def line_counter(text: str) -> Callable[[int], int]:
    """The 1-based number of the line of ``text`` that holds a code-point offset."""
    breaks = [m.end() for m in _BREAK.finditer(text)]
    return lambda offset: bisect.bisect_right(breaks, offset) + 1


def explain_block(b: Block, line: Callable[[int], int]) -> dict[str, Any]:
    """The ``block`` of an explanation record: its lines and spans, and those of the copy it repeats.

    The copy's lines are given when it is in the same document (``kept_doc`` is None).
    """

    def kept_line(offset: int) -> int | None:
        return line(offset) if b.kept_doc is None else None

    return {
        "index": b.index,
        "lines": [line(b.span[0]), line(b.span[1])],
        "kept_lines": [kept_line(b.kept_span[0]), kept_line(b.kept_span[1])],
        "span": list(b.span),
        "kept_span": list(b.kept_span),
        "reason": b.reason,
    }


def json_line(row: dict[str, Any]) -> bytes:
    """One JSON Lines row; text that is not valid Unicode (a lone surrogate, an odd file name) becomes a JSON escape."""
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")


# -- corpus mode: documents compared with each other (JSON Lines records, or whole files) -------------
