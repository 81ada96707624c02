"""libFuzzer entry point: load any bytes as a ``.npz`` index (``targets.index_loader``).

Flipping bytes of a zip file mostly breaks its checksums, which the loader refuses at
once. So the mutator below works on the structure: it takes the archive apart, damages
one member (its ``.npy`` header, its values, its type, its shape claim, the JSON header's
values, its compression) and zips it again with correct checksums; now and then it hands
the whole file to libFuzzer's own byte mutator instead.
"""

import io
import json
import random
import sys
from pathlib import Path
from typing import Any

_VALUES: list[Any] = [-1, 0, 1, 2, 31, 32, 2**31, 2**63 - 1, -1000, 1e999, 1.5, "32", None, [], {}, True]
_DTYPES = ["<i1", "|u1", "<i4", "<i8", "<u8", "<f8", "|b1", "<U3", "<u4"]
_SHAPES = [(), (0,), (1,), (3,), (10**12, 128), (2**40,), (4, 32), (1, 2), (-1,), (2**62, 4), (2**63 - 1,)]


def _mutate_member(member: bytes, rng: random.Random, max_size: int) -> bytes:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import numpy as np

    from tests.fuzz import npz

    head, body = npz.split_npy(member)
    how = rng.randrange(6)
    if how == 0 or not head:  # libFuzzer's mutator on the header or the data
        if head and rng.random() < 0.5:
            text = bytes(atheris.Mutate(head.rstrip(), len(head) + 64))
            return npz.npy_claiming(text.decode("latin-1"), body)
        return member[: len(member) - len(body)] + bytes(atheris.Mutate(body, max(2 * len(body), 64)))
    fp = io.BytesIO(member)
    version = np.lib.format.read_magic(fp)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(fp)
    if how == 1:  # another shape claimed, data unchanged
        descr = np.lib.format.dtype_to_descr(dtype)
        return npz.npy_claiming(
            f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {rng.choice(_SHAPES)!r}, }}", body
        )
    if int(np.prod(shape)) > 1_000_000:
        return member
    array = np.lib.format.read_array(io.BytesIO(member), allow_pickle=False)
    if how == 2 and array.dtype == np.uint8:  # the JSON header: one value replaced
        try:
            value = json.loads(array.tobytes())
            where = value["params"] if rng.random() < 0.5 and isinstance(value.get("params"), dict) else value
            where[rng.choice([*where, "entries"])] = rng.choice(_VALUES)
            return npz.npy(np.frombuffer(json.dumps(value).encode(), dtype=np.uint8))
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            return member
    if how == 3:  # the same values as another type
        try:
            return npz.npy(array.astype(rng.choice(_DTYPES)))
        except (ValueError, TypeError, OverflowError):
            return member
    if how == 4 and array.size:  # one value changed
        flat = array.ravel().copy()
        k = rng.randrange(flat.size)
        try:
            flat[k] = rng.choice([-1, -1000, 0, 1, flat.size, flat.size + 1, 2**31 - 1, int(flat[k]) + 1])
        except (ValueError, TypeError, OverflowError):
            return member
        return npz.npy(flat.reshape(array.shape))
    return npz.npy(array[: rng.randrange(array.shape[0] + 1)] if array.ndim else array)  # cut short


def mutate(data: bytes, max_size: int, seed: int) -> bytes:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    from tests.fuzz import npz

    rng = random.Random(seed)
    try:
        parts = npz.members(data)
    except Exception:  # not a zip (any more): bytes it is
        parts = {}
    if not parts or rng.random() < 0.1:
        return bytes(atheris.Mutate(data, max_size))
    name = rng.choice(list(parts))
    try:
        if rng.random() < 0.1:  # a member dropped, or the values of another
            other = rng.choice(list(parts))
            if rng.random() < 0.5:
                del parts[name]
            else:
                parts[name] = parts[other]
        else:
            parts[name] = _mutate_member(parts[name], rng, max_size)
    except Exception:  # a member this mutator cannot read: bytes it is
        parts[name] = atheris.Mutate(parts[name], max(2 * len(parts[name]), 64))
    deflated = frozenset(n for n in parts if rng.random() < 0.2)
    out = npz.archive(parts, deflated)
    return out if len(out) <= max_size else bytes(atheris.Mutate(data, max_size))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fuzz.harness import fuzz

    fuzz("index", mutator=mutate, max_len=1 << 16)
