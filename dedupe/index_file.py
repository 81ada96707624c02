"""Reading an index file that may be damaged or hostile: bounded memory, every array checked, one clear error.

The file is what :meth:`dedupe.store.MemoryStore.save` writes: a zip archive of ``.npy``
members (``np.savez``) and a JSON header. Nothing in it is trusted. Before a byte of array
data is read, the zip directory, the header and every ``.npy`` header are checked against
each other, so the memory a file can make us take is bounded by its size on disk: members
are stored or deflated and together inflate to at most :data:`MAX_INFLATION` times the
file; the JSON header is small and shallow; each array has the dtype and the shape that the
header implies. Once read, the values are checked (offsets, references, document sets), so
a file that loads is one that the store can use without failing mid-run.
"""

from __future__ import annotations

import io
import json
import math
import os
import warnings
import zipfile
import zlib
from typing import IO, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from dedupe.errors import CorpusIndexError

FORMAT = "dedupe-index"
VERSION = 1

MAX_HEADER_BYTES = 64 * 1024  # the JSON header: about 300 bytes as written
MAX_HEADER_DEPTH = 16  # nesting of the JSON header: 2 as written
MAX_INFLATION = 8  # members inflate to at most this many times the file's size (plus SLACK)
SLACK = 1 << 20  # a small file may hold arrays of zeros that deflate far more than 8 times
MAX_NPY_HEADER = 4096  # a .npy header as numpy writes it: 128 bytes
_READ_CHUNK = 1 << 20

Arrays = dict[str, npt.NDArray[Any]]


class _Spec(NamedTuple):
    """A member's dtype (kind and size; either byte order) and shape, by names bound across members."""

    dtype: np.dtype[Any]
    shape: tuple[str, ...]


# "entries" and "num_perm" come from the header, other names from the first member that has
# them; "X+1" is one more than X (offsets).
SCHEMA: dict[str, _Spec] = {
    "header": _Spec(np.dtype(np.uint8), ("header_bytes",)),
    "signatures": _Spec(np.dtype(np.uint32), ("entries", "num_perm")),
    "key_blob": _Spec(np.dtype(np.uint8), ("key_bytes",)),
    "key_offsets": _Spec(np.dtype(np.int64), ("entries+1",)),
    "scope_blob": _Spec(np.dtype(np.uint8), ("scope_bytes",)),
    "scope_offsets": _Spec(np.dtype(np.int64), ("scopes+1",)),
    "scope_of": _Spec(np.dtype(np.int32), ("entries",)),
    "doc_blob": _Spec(np.dtype(np.uint8), ("doc_bytes",)),
    "doc_offsets": _Spec(np.dtype(np.int64), ("docs+1",)),
    "loc_doc": _Spec(np.dtype(np.int64), ("entries",)),
    "loc_index": _Spec(np.dtype(np.int64), ("entries",)),
    "loc_span": _Spec(np.dtype(np.int64), ("entries", "2")),
    "counted": _Spec(np.dtype(np.bool_), ("entries",)),
    "set_offsets": _Spec(np.dtype(np.int64), ("entries+1",)),
    "set_docs": _Spec(np.dtype(np.int64), ("set_docs",)),
}


class _Damaged(Exception):
    """The file is a damaged index; the message says what is wrong."""


class _Foreign(Exception):
    """The file is no dedupe index at all."""


class _OtherVersion(Exception):
    """The file is a dedupe index of another format version."""


class _Layout(NamedTuple):
    """Where a member's array data starts, and what it holds."""

    info: zipfile.ZipInfo
    offset: int  # bytes of .npy header before the data
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    fortran: bool


def read(path: str) -> tuple[dict[str, Any], Arrays]:
    """Return the header and the arrays of the index file ``path``, all checked; raise CorpusIndexError."""
    try:
        with open(path, "rb") as f, zipfile.ZipFile(f) as archive:
            return _read(archive, os.fstat(f.fileno()).st_size)
    except _Foreign as err:
        raise CorpusIndexError(f"{path}: not a dedupe index ({err})") from None
    except _OtherVersion as err:
        raise CorpusIndexError(f"{path}: {err}") from None
    except _Damaged as err:
        raise CorpusIndexError(f"{path}: damaged index ({err})") from None
    except zipfile.BadZipFile as err:
        reason = "not a zip archive" if "not a zip file" in str(err).lower() else str(err)
        raise CorpusIndexError(f"{path}: not a dedupe index, or a damaged one ({reason})") from None
    except (NotImplementedError, RuntimeError) as err:  # zipfile: a feature it lacks, a password it asks for
        raise CorpusIndexError(f"{path}: damaged index (zip: {err})") from None
    except (OSError, EOFError, zlib.error) as err:
        said = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise CorpusIndexError(f"{path}: cannot read the index ({said})") from None


def _read(archive: zipfile.ZipFile, file_size: int) -> tuple[dict[str, Any], Arrays]:
    infos = _members(archive, file_size)
    if "header" not in infos:
        raise _Foreign(f"no '{FORMAT}' header")
    header_layout = _layout(archive, "header", infos["header"])
    if len(header_layout.shape) != 1 or header_layout.shape[0] > MAX_HEADER_BYTES:
        raise _Damaged(f"header of shape {header_layout.shape}: at most {MAX_HEADER_BYTES:,} bytes in one row")
    header = _header(_data(archive, header_layout).tobytes())
    missing = sorted(set(SCHEMA) - set(infos))
    extra = sorted(set(infos) - set(SCHEMA))
    if missing or extra:
        said = [f"{what}: {', '.join(names)}" for what, names in (("missing", missing), ("unknown", extra)) if names]
        raise _Damaged(f"members {'; '.join(said)}")
    sizes = {"entries": header["entries"], "num_perm": header["params"]["num_perm"], "2": 2}
    layouts = {name: _layout(archive, name, info) for name, info in infos.items() if name != "header"}
    for name, layout in layouts.items():
        _check_shape(name, layout.shape, SCHEMA[name].shape, sizes)
    arrays = {name: _data(archive, layout) for name, layout in layouts.items()}
    _check_values(arrays)
    return header, arrays


def _members(archive: zipfile.ZipFile, file_size: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by array name, after checking what the zip directory declares."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name in infos:
            raise _Damaged(f"member {info.filename} occurs twice")
        if info.filename == name:
            raise _Foreign(f"member {info.filename} is not a numpy array")
        if info.flag_bits & 0x1:
            raise _Damaged(f"member {info.filename} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Damaged(
                f"member {info.filename} is compressed with method {info.compress_type}: not stored or deflated"
            )
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise _Damaged(f"member {info.filename} is stored but declares two sizes")
        if info.header_offset + info.compress_size > file_size:
            raise _Damaged(f"member {info.filename} runs past the end of the file (truncated?)")
        infos[name] = info
    inflated = sum(info.file_size for info in infos.values())
    if inflated > MAX_INFLATION * file_size + SLACK:
        raise _Damaged(
            f"its members would inflate to {inflated:,} bytes from a file of {file_size:,}: "
            f"more than {MAX_INFLATION} times its size"
        )
    return infos


def _layout(archive: zipfile.ZipFile, name: str, info: zipfile.ZipInfo) -> _Layout:
    """Read and check a member's .npy header (only that: a few hundred bytes)."""
    with archive.open(info) as f:
        magic = _exactly(f, 8, name)
        if magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2):
            raise _Damaged(f"{name}: not a .npy array of format 1 or 2")
        width = 2 if magic[6] == 1 else 4
        length_bytes = _exactly(f, width, name)
        length = int.from_bytes(length_bytes, "little")
        if length > MAX_NPY_HEADER:
            raise _Damaged(f"{name}: .npy header of {length:,} bytes (at most {MAX_NPY_HEADER:,})")
        text = io.BytesIO(length_bytes + _exactly(f, length, name))
    reader = np.lib.format.read_array_header_1_0 if width == 2 else np.lib.format.read_array_header_2_0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warns when it has to repair a header: refuse it instead
            shape, fortran, dtype = reader(text, max_header_size=MAX_NPY_HEADER)
    except Exception as err:  # numpy's parser of a few hundred bytes of crafted text: any failure is a bad header
        raise _Damaged(f"{name}: unreadable .npy header ({err})") from None
    want = SCHEMA[name]
    if not (dtype.kind == want.dtype.kind and dtype.itemsize == want.dtype.itemsize and dtype.fields is None):
        raise _Damaged(f"{name}: dtype {dtype.str} ({dtype}); expected {want.dtype}")
    if any(not isinstance(d, int) or isinstance(d, bool) or d < 0 for d in shape):
        raise _Damaged(f"{name}: shape {shape!r}")
    offset = 8 + width + length
    if offset + math.prod(shape) * dtype.itemsize != info.file_size:
        raise _Damaged(
            f"{name}: an array of shape {shape} and dtype {dtype} does not fill its member of {info.file_size:,} bytes"
        )
    return _Layout(info, offset, shape, dtype, fortran)


def _data(archive: zipfile.ZipFile, layout: _Layout) -> npt.NDArray[Any]:
    """A member's array, native byte order, C order, writable; its size was checked against the file's."""
    array = np.empty(math.prod(layout.shape), dtype=layout.dtype)  # numpy's memory, as np.load would take
    raw = array.view(np.uint8)
    with archive.open(layout.info) as f:
        _exactly(f, layout.offset, layout.info.filename)
        done = 0
        while done < len(raw):  # a chunk at a time: one copy of the data in memory
            chunk = f.read(min(_READ_CHUNK, len(raw) - done))
            if not chunk:
                raise _Damaged(f"{layout.info.filename}: ends after {done:,} of {len(raw):,} bytes")
            raw[done : done + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
            done += len(chunk)
    array = array.reshape(layout.shape[::-1]).T if layout.fortran else array.reshape(layout.shape)
    native = layout.dtype.newbyteorder("=")
    return np.ascontiguousarray(array.astype(native, copy=False))


def _exactly(f: IO[bytes], count: int, name: str) -> bytes:
    data = f.read(count)
    if len(data) != count:
        raise _Damaged(f"{name}: ends early")
    return data


def _header(raw: bytes) -> dict[str, Any]:
    """The JSON header (its size checked already), parsed within a bound of depth, and its fields checked."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Damaged(f"header is not UTF-8 ({err.reason} at byte {err.start})") from None
    if _depth(text) > MAX_HEADER_DEPTH:
        raise _Damaged(f"header nested more than {MAX_HEADER_DEPTH} deep")
    try:
        header = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except ValueError as err:  # includes json.JSONDecodeError, and an integer of too many digits
        raise _Damaged(f"header is not JSON ({err})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _Foreign(f"no '{FORMAT}' header")
    if header.get("version") != VERSION:
        raise _OtherVersion(f"index format version {header.get('version')!r}; this dedupe reads version {VERSION}")
    entries, params = header.get("entries"), header.get("params")
    if not _count(entries):
        raise _Damaged(f"header: entries={entries!r} is not a count")
    if not isinstance(params, dict):
        raise _Damaged(f"header: params={params!r} is not an object")
    if not _count(params.get("num_perm")) or params["num_perm"] == 0:
        raise _Damaged(f"header: num_perm={params.get('num_perm')!r} is not a positive count")
    return header


def _depth(text: str) -> int:
    """How deep JSON ``text`` nests arrays and objects (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise _Damaged(f"header holds {name}")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _Damaged(f"header holds the number {literal}, out of range")
    return value


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_shape(name: str, shape: tuple[int, ...], spec: tuple[str, ...], sizes: dict[str, int]) -> None:
    """Check ``shape`` against the named sizes, binding those seen for the first time."""
    if len(shape) != len(spec):
        raise _Damaged(f"{name}: {len(shape)} dimensions; expected {len(spec)}")
    for size, symbol in zip(shape, spec, strict=True):
        base, plus = (symbol[:-2], 1) if symbol.endswith("+1") else (symbol, 0)
        if size < plus:
            raise _Damaged(f"{name}: shape {shape}")
        known = sizes.setdefault(base, size - plus)
        if known + plus != size:
            raise _Damaged(f"{name}: shape {shape} disagrees with {base}={known:,} (from the header or another member)")


def _check_values(a: Arrays) -> None:
    """Offsets that cut their blob in order, references in range, document sets as counting leaves them."""
    for what in ("key", "scope", "doc"):
        _check_offsets(f"{what}_offsets", a[f"{what}_offsets"], len(a[f"{what}_blob"]))
    _check_offsets("set_offsets", a["set_offsets"], len(a["set_docs"]))
    scopes, docs = len(a["scope_offsets"]) - 1, len(a["doc_offsets"]) - 1
    _check_range("scope_of", a["scope_of"], scopes)
    _check_range("loc_doc", a["loc_doc"], docs)
    _check_range("set_docs", a["set_docs"], docs)
    _check_range("loc_index", a["loc_index"], None)
    span = a["loc_span"]
    if len(span) and (span[:, 0].min() < 0 or (span[:, 1] < span[:, 0]).any()):
        raise _Damaged("loc_span: a span that is negative or ends before it starts")
    sizes = np.diff(a["set_offsets"])
    if not np.array_equal(sizes > 0, a["counted"]):
        raise _Damaged("counted disagrees with set_offsets: a counted entry has documents, another none")
    # Each set is sorted, without repeats: a step that does not rise must start the next set.
    flat = a["set_docs"]
    steps_down = np.flatnonzero(np.diff(flat) <= 0) + 1
    if len(steps_down) and not np.isin(steps_down, a["set_offsets"]).all():
        raise _Damaged("set_docs: a document set that is not sorted or repeats a document")


def _check_offsets(name: str, offsets: npt.NDArray[np.int64], end: int) -> None:
    if offsets[0] != 0 or offsets[-1] != end:
        raise _Damaged(f"{name} run from {offsets[0]} to {offsets[-1]}; expected 0 to {end:,}")
    if (np.diff(offsets) < 0).any():
        raise _Damaged(f"{name} decrease")


def _check_range(name: str, values: npt.NDArray[Any], end: int | None) -> None:
    if not len(values):
        return
    low, high = int(values.min()), int(values.max())
    if low < 0 or (end is not None and high >= end):
        limit = f"0..{end - 1}" if end is not None else "at least 0"
        raise _Damaged(f"{name} holds values {low}..{high}; expected {limit}")
