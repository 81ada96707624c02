"""Take an ``.npz`` file apart and put it back together, byte for byte the same every time.

The index fuzz target mutates one member of an index file at a time (its ``.npy`` header,
its data, its compression) and the seed builder writes damaged indexes on purpose: both
need a zip writer that sets every field itself (``numpy.savez`` stamps the current time),
and ``.npy`` members whose header can say anything, true or not.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import numpy as np

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def members(blob: bytes) -> dict[str, bytes]:
    """The members of a zip archive, by name, as stored bytes (raises on anything but a zip)."""
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def archive(parts: dict[str, bytes], deflated: frozenset[str] = frozenset()) -> bytes:
    """A zip archive of ``parts`` in their order; the members named in ``deflated`` compressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED if name in deflated else zipfile.ZIP_STORED
            zf.writestr(info, data)
    return out.getvalue()


def npy(array: Any) -> bytes:
    """An ``.npy`` member holding ``array``, as ``numpy.save`` writes it."""
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asanyarray(array), allow_pickle=False)
    return out.getvalue()


def npy_claiming(header: str, data: bytes = b"") -> bytes:
    """An ``.npy`` (format 1.0) member whose header is ``header`` (a dict literal), followed by ``data``."""
    text = header.encode("latin-1")
    padding = -(10 + len(text) + 1) % 64  # numpy aligns the data to 64 bytes
    text += b" " * padding + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + data


def split_npy(member: bytes) -> tuple[bytes, bytes]:
    """An ``.npy`` member's header text and its data (``(b"", member)`` when it is not one)."""
    if not member.startswith(b"\x93NUMPY") or len(member) < 10:
        return b"", member
    if member[6] == 1:
        size, start = int.from_bytes(member[8:10], "little"), 10
    else:
        size, start = int.from_bytes(member[8:12], "little"), 12
    return member[start : start + size], member[start + size :]
