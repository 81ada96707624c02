"""A long input left in its file: its paragraphs found in one streaming pass, each read back when asked.

Held as one str, the text of a large file is the largest thing a run holds (588 MiB for a
million paragraphs), and decoding it from its bytes needs both at once. Here only two rows
per paragraph stay in memory: its span in code points (the explanation's unit) and its span
in bytes (to read it back, and to copy the kept bytes out). Reads go through the page cache
(``pread``), which is not the process's memory.

Only Unicode's own codecs are read this way: a paragraph's bytes decode on their own, and
the kept text encoded is exactly the kept bytes, so the output is copied, not encoded.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from dedupe.config import ParagraphMode
from dedupe.errors import InputError
from dedupe.split import Spans, cuts_of, spans_of_lines, visible_lines

# Bytes per code unit of the codecs whose text can stay in its file.
UNIT = {"utf-8": 1, "utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}
_BLOCK = 1 << 20  # bytes read and decoded at a time
_GAP = 1 << 13  # bytes between two paragraphs read in one go


class Undecodable(Exception):
    """The file holds bytes that do not decode, or a NUL: the reader of whole texts says which and where."""


class FileText:
    """The text of an open file (from byte ``start``, after a byte order mark): its paragraphs'
    spans in code points and in bytes, and its paragraphs read back one at a time or in order.

    ``len()`` is the text's length in code points. Raises :class:`Undecodable` where the
    file does not decode strictly in ``codec`` or holds a NUL character.
    """

    def __init__(self, file: IO[bytes], label: str, codec: str, start: int, mode: ParagraphMode) -> None:
        self.file, self.label, self.codec = file, label, codec
        self.fd = file.fileno()
        self.spans, self.byte_spans, self.length, self.size = _scan(self.fd, codec, start, mode)
        self.paragraphs = FileParagraphs(self)

    def __len__(self) -> int:
        return self.length

    def close(self) -> None:
        self.file.close()

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start:end`` of the file, as the scan saw them."""
        data = os.pread(self.fd, end - start, start)
        while len(data) < end - start:
            more = os.pread(self.fd, end - start - len(data), start + len(data))
            if not more:
                raise InputError(f"{self.label}: the file shrank while it was being read")
            data += more
        return data

    def decode(self, start: int, end: int) -> str:
        """The text of bytes ``start:end`` (a stretch of whole paragraphs and separators)."""
        return self.text_of(self.read(start, end))

    def text_of(self, data: bytes) -> str:
        """``data`` (bytes of whole paragraphs) decoded, as the scan decoded them."""
        try:
            return data.decode(self.codec)
        except UnicodeDecodeError:
            raise InputError(f"{self.label}: the file changed while it was being read") from None

    def kept_bytes(self, remove: Collection[int]) -> Iterator[bytes]:
        """The file without paragraphs ``remove`` (as :func:`~dedupe.split.join_spans` cuts them),
        about a block at a time: the kept text in the file's encoding, byte order mark included."""
        cursor = 0
        for start, end in [*cuts_of(self.byte_spans, remove), [self.size, self.size]]:
            for at in range(cursor, start, _BLOCK):
                yield self.read(at, min(at + _BLOCK, start))
            cursor = end


class FileParagraphs(Sequence[str]):
    """The paragraphs of a :class:`FileText`: read and decoded one at a time, or a block at a time in order."""

    def __init__(self, text: FileText) -> None:
        self.text = text

    def __len__(self) -> int:
        return len(self.text.spans)

    def __getitem__(self, i: Any) -> Any:  # an int (a slice is never asked for)
        start, end = self.text.byte_spans[i]
        return self.text.decode(int(start), int(end))

    def __iter__(self) -> Iterator[str]:
        """Every paragraph in order: a block is decoded at once and sliced."""
        spans, byte_spans = self.text.spans, self.text.byte_spans
        first = 0
        while first < len(spans):
            # The paragraphs that end within a block of the first one's start (at least one).
            last = max(first + 1, int(np.searchsorted(byte_spans[:, 1], int(byte_spans[first, 0]) + _BLOCK, "right")))
            block = self.text.decode(int(byte_spans[first, 0]), int(byte_spans[last - 1, 1]))
            base = int(spans[first, 0])
            for start, end in spans[first:last].tolist():
                yield block[start - base : end - base]
            first = last

    def picked(self, ids: npt.NDArray[np.int64]) -> Iterator[str]:
        """Paragraphs ``ids``. Those that come in order with small gaps between them are read
        a block at a time; any other with a read of its own (a read costs as much as copying
        a few kB)."""
        text = self.text
        block, lo, hi = b"", 0, 0  # bytes lo:hi of the file
        for first in range(0, len(ids), 1 << 16):
            spans = text.byte_spans[ids[first : first + (1 << 16)]]
            starts, ends = spans[:, 0], spans[:, 1]
            gaps = starts[1:] - ends[:-1]
            # The last paragraph of each one's run: next ones start no earlier than the one before ends, and soon after.
            breaks = np.append(np.flatnonzero((gaps < 0) | (gaps > _GAP)), len(spans) - 1)
            run_last = np.repeat(breaks, np.diff(breaks, prepend=-1)).tolist()
            for k, (start, end) in enumerate(spans.tolist()):
                if start < lo or end > hi:  # up to the last one of the run within a block from here
                    last = k + max(0, int(np.searchsorted(ends[k : run_last[k] + 1], start + _BLOCK, "right")) - 1)
                    lo, hi = start, max(end, int(ends[last]))
                    block = text.read(lo, hi)
                yield text.text_of(block[start - lo : end - lo])


def _scan(fd: int, codec: str, start: int, mode: ParagraphMode) -> tuple[Spans, Spans, int, int]:
    """The paragraphs' spans in code points and in bytes, the length in code points and the size in bytes.

    The file is decoded a block at a time, each block cut after a line break, so that no
    line, and no ``\\r\\n``, is ever split between blocks; in ``"blank"`` mode a paragraph
    that goes on over a cut is joined back.
    """
    unit = UNIT[codec]
    breaks = ("\n".encode(codec), "\r".encode(codec))
    # Offsets as small as the file allows (code points are never more than bytes): 16 bytes
    # a paragraph under 2 GB, as a file of millions of short lines has it.
    dtype = np.int32 if os.fstat(fd).st_size < 2**31 - 1 else np.int64
    spans: list[Spans] = []
    byte_spans: list[Spans] = []
    buffer = bytearray()
    at = start  # where in the file the buffer starts
    chars = 0  # code points before the buffer
    ended_visible = False  # the last line before the buffer has a visible character
    while True:
        looked = len(buffer)
        data = os.pread(fd, _BLOCK, at + looked)
        buffer += data
        cut = _cut(buffer, looked, breaks, unit) if data else len(buffer)
        if not cut and data:  # no line ends in the buffer yet
            continue
        with memoryview(buffer) as view:
            try:
                text = str(view[:cut], codec)
            except UnicodeDecodeError:
                raise Undecodable from None
            if "\x00" in text:
                raise Undecodable
            lines, visible = visible_lines(text)
            rows = spans_of_lines(lines, visible, mode).astype(np.int64)
            in_bytes = _byte_offsets(view[:cut], rows, len(text), codec)
        in_bytes += at
        rows += chars
        if mode == "blank" and ended_visible and len(visible) and visible[0]:
            _join_first(spans, byte_spans, rows, in_bytes)
            rows, in_bytes = rows[1:], in_bytes[1:]
        if dtype == np.int32 and at + cut >= 2**31 - 1:  # the file grew while being read
            dtype = np.int64
            spans, byte_spans = [a.astype(dtype) for a in spans], [a.astype(dtype) for a in byte_spans]
        spans.append(rows.astype(dtype))
        byte_spans.append(in_bytes.astype(dtype))
        if len(visible):
            ended_visible = bool(visible[-1])
        chars += len(text)
        at += cut
        del buffer[:cut]
        if not data:
            break
    return np.concatenate(spans), np.concatenate(byte_spans), chars, at


def _cut(buffer: bytearray, looked: int, breaks: tuple[bytes, bytes], unit: int) -> int:
    """Where to cut the buffer: after its last ``\\n``, else after its last ``\\r`` that is not
    its last unit (the next one, not a ``\\n``, is known); 0 when neither is there.

    Bytes before ``looked`` were looked at before (only their last unit can still end a line).
    """
    lo = max(0, looked - 4)
    for found, end in ((breaks[0], len(buffer)), (breaks[1], len(buffer) - unit)):
        i = buffer.rfind(found, lo, end)
        while i >= 0 and i % unit:  # a match across two units: look further back
            i = buffer.rfind(found, lo, i + unit - 1)
        if i >= 0:
            return i + unit
    return 0


def _byte_offsets(view: memoryview, rows: Spans, length: int, codec: str) -> Spans:
    """Where in ``view`` (bytes of a text of ``length`` code points) each code-point offset of
    ``rows`` falls. The offsets must be in order; the bytes are looked at a megabyte at a
    time (a block of one long line can be hundreds of megabytes)."""
    unit = UNIT[codec]
    if len(view) == length * unit:  # every code point one code unit
        return rows * unit
    wanted = rows.ravel()
    out = np.full(len(wanted), len(view), dtype=np.int64)  # (an offset past the last code point: the end)
    chars = done = 0  # code points before the megabyte, offsets placed
    for at in range(0, len(view), _BLOCK * unit):
        if unit == 1:  # a code point starts at every byte that does not continue one
            starts = np.flatnonzero((np.frombuffer(view[at : at + _BLOCK], dtype=np.uint8) & 0xC0) != 0x80)
        else:  # UTF-16: at every unit that is not a low surrogate
            units = np.frombuffer(view[at : at + 2 * _BLOCK], dtype="<u2" if codec.endswith("le") else ">u2")
            starts = np.flatnonzero((units & 0xFC00) != 0xDC00) * 2
        upto = int(np.searchsorted(wanted, chars + len(starts), "left"))
        out[done:upto] = starts[wanted[done:upto] - chars] + at
        chars, done = chars + len(starts), upto
    return out.reshape(rows.shape)


def _join_first(spans: Sequence[Spans], byte_spans: Sequence[Spans], rows: Spans, in_bytes: Spans) -> None:
    """Make the last paragraph before this block end where the block's first one ends."""
    last = next(k for k in range(len(spans) - 1, -1, -1) if len(spans[k]))
    spans[last][-1, 1] = rows[0, 1]
    byte_spans[last][-1, 1] = in_bytes[0, 1]
