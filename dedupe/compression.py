"""Compressed JSON Lines for ``dedupe-file --jsonl``: gzip, bzip2, xz and zstd, read and written as streams.

A file's format is told by its name (``.gz``, ``.bz2``, ``.xz``, ``.zst``), standard input's
by its first bytes, which are read ahead and given back (standard input cannot seek). The
codecs are imported when a compressed stream turns up, zstd's ``zstandard`` package (the
``zstd`` extra) included: without one, nothing of this is loaded.

Output is deterministic: the same text gives the same bytes (gzip's header holds no time
and no file name).
"""

from __future__ import annotations

import io
from types import ModuleType
from typing import IO, Any, Protocol, cast

from dedupe.errors import InputError

FORMATS = ("gzip", "bz2", "xz", "zstd")
_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
_MAGIC = {"gzip": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ\x00", "zstd": b"\x28\xb5\x2f\xfd"}
_PEEK = max(map(len, _MAGIC.values()))
_CHUNK = 1 << 15  # compressed bytes fed to zstd at a time: what one call gives back stays small
ZSTD_EXTRA = "pip install 'news-dedupe[zstd]'"


class CorruptStream(InputError):
    """A compressed input that cannot be decompressed: not of its format, damaged or cut short."""


class Compressor(Protocol):
    def compress(self, data: bytes, /) -> bytes: ...

    def flush(self) -> bytes: ...


def format_of(name: str) -> str | None:
    """The format that a file's name says (``None``: plain)."""
    lower = name.lower()
    return next((fmt for suffix, fmt in _SUFFIXES.items() if lower.endswith(suffix)), None)


def require_zstandard(label: str) -> ModuleType:
    """The ``zstandard`` module, or an :class:`InputError` for ``label`` that names the extra to install."""
    try:
        import zstandard as module
    except ImportError:
        raise InputError(f"{label}: zstd needs the zstandard package ({ZSTD_EXTRA})") from None
    return module


def sniff(stream: IO[bytes]) -> tuple[str | None, IO[bytes]]:
    """The format that the first bytes of standard input say, and a stream that still gives every byte."""
    head = b""
    while len(head) < _PEEK:
        chunk = stream.read(_PEEK - len(head))  # (a raw stream may give fewer bytes than asked)
        if not chunk:
            break
        head += chunk
    fmt = next((f for f, magic in _MAGIC.items() if head.startswith(magic)), None)
    return fmt, cast(IO[bytes], Prefixed(io.BytesIO(head), stream))


def reader(stream: IO[bytes], fmt: str, label: str) -> IO[bytes]:
    """``stream`` decompressed as it is read, a line at a time or in chunks.

    Damage is an error of the read that meets it (:class:`CorruptStream`); closing the reader
    closes ``stream``. Raises :class:`InputError` for zstd without zstandard.
    """
    inner: io.BufferedIOBase
    errors: tuple[type[Exception], ...]
    if fmt == "gzip":
        import gzip
        import zlib

        inner, errors = gzip.GzipFile(fileobj=stream, mode="rb"), (zlib.error,)
    elif fmt == "bz2":
        import bz2

        inner, errors = bz2.BZ2File(stream, "rb"), ()
    elif fmt == "xz":
        import lzma

        inner, errors = lzma.LZMAFile(stream, "rb"), (lzma.LZMAError,)  # noqa: SIM115 (closed by _Checked)
    else:
        module = require_zstandard(label)
        inner, errors = io.BufferedReader(_ZstdReader(stream, module)), (module.ZstdError,)
    return cast(IO[bytes], _Checked(inner, stream, f"{label}: not a valid {fmt} stream", errors))


def compressor(fmt: str, label: str) -> Compressor:
    """A compressor for ``fmt`` whose bytes depend on the text only. Raises :class:`InputError` for
    zstd without zstandard."""
    if fmt == "gzip":
        import zlib

        return zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # zlib's gzip header: mtime 0, no name
    if fmt == "bz2":
        import bz2

        return bz2.BZ2Compressor(9)
    if fmt == "xz":
        import lzma

        return lzma.LZMACompressor(lzma.FORMAT_XZ, check=lzma.CHECK_CRC64)
    module = require_zstandard(label)
    # One thread (threads=-1 would use every core, and the frame would differ from one machine to another).
    made: Compressor = module.ZstdCompressor(level=3, write_checksum=True, threads=0).compressobj()
    return made


class Prefixed(io.BufferedIOBase):
    """Bytes of standard input that were read ahead (whole lines or not), then the rest of it."""

    def __init__(self, head: IO[bytes], tail: IO[bytes]) -> None:
        self.head, self.tail = head, tail

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.head.read() + self.tail.read()
        return self.head.read(size) or self.tail.read(size)

    def readline(self, size: int | None = -1) -> bytes:
        line = self.head.readline()
        if line.endswith(b"\n"):
            return line
        return line + self.tail.readline()  # the head ended inside a line: the tail has its end

    def close(self) -> None:
        self.head.close()  # the tail is standard input, which stays open
        super().close()


class _Checked(io.BufferedIOBase):
    """A decompressing stream whose codec errors become :class:`CorruptStream`, naming the file and format."""

    def __init__(
        self, inner: io.BufferedIOBase, source: IO[bytes], what: str, errors: tuple[type[Exception], ...]
    ) -> None:
        self.inner, self.source, self.what, self.errors = inner, source, what, errors

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._guard(self.inner.read, -1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._guard(self.inner.read1, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._guard(self.inner.readline, -1 if size is None else size)

    def _guard(self, read: Any, size: int) -> bytes:
        try:
            data: bytes = read(size)
        except EOFError:
            raise CorruptStream(f"{self.what} (truncated: it ends inside the compressed data)") from None
        except OSError as err:
            if err.errno is not None:  # the file itself could not be read: told as such by the caller
                raise
            raise CorruptStream(f"{self.what} ({err})") from None  # gzip's and bzip2's format errors
        except self.errors as err:
            raise CorruptStream(f"{self.what} ({err})") from None
        return data

    def close(self) -> None:
        if not self.closed:
            self.inner.close()  # (gzip's, bzip2's and xz's readers leave a file object they were given open)
            self.source.close()
        super().close()


class _ZstdReader(io.RawIOBase):
    """zstd frames, one after another, decompressed as they are read.

    zstandard's own stream reader takes a frame cut short for the end of the data; a
    decompression object says whether its frame ended, so a truncated stream is an error.
    """

    def __init__(self, source: IO[bytes], module: ModuleType) -> None:
        self.source = source
        self.decompressor = module.ZstdDecompressor()
        self.frame = self.decompressor.decompressobj()
        self.inside = False  # bytes of the current frame were fed, and its end is not reached
        self.pending = memoryview(b"")  # decompressed, not yet read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            if not self._feed():
                return 0
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def _feed(self) -> bool:
        """Decompress the next chunk of the source; ``False`` at its end, after a complete frame."""
        data = self.source.read(_CHUNK)
        if not data:
            if self.inside:
                raise EOFError("zstd frame cut short")
            return False
        out = []
        while data:
            out.append(self.frame.decompress(data))
            self.inside = True
            data = b""
            if self.frame.eof:  # the next frame, if any, starts in what this one left
                data = self.frame.unused_data
                self.frame = self.decompressor.decompressobj()
                self.inside = False
        self.pending = memoryview(b"".join(out))
        return True
