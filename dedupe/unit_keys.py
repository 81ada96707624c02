"""Paragraphs → units: the number of each paragraph's distinct normalised key, and the keys.

A key is about as large as its paragraph, so the keys of a text of hundreds of megabytes
take as much memory as the text. Such a text keeps per unit only the number of its first
paragraph and the key's length, and normalises that paragraph again when the key is asked
for (:class:`KeysAgain`): signing asks for each key once, verification, alignment and
display widths for a small share of them. Normalising costs a microsecond or two per
paragraph; holding the keys of 300 million characters costs about 600 MB.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from dedupe.normalize import normalize

Ids = npt.NDArray[np.int64]


def held_units(texts: Iterable[str], count: int = -1) -> tuple[Ids, list[str]]:
    """Each paragraph's unit (numbered by first occurrence) and the key of each unit, held."""
    unit_of: dict[str, int] = {}
    units = np.fromiter((unit_of.setdefault(normalize(t), len(unit_of)) for t in texts), np.int64, count=count)
    return units, list(unit_of)


def units_again(paragraphs: Sequence[str]) -> tuple[Ids, KeysAgain]:
    """:func:`held_units` holding one number and one length per unit instead of its key.

    Paragraphs are grouped by the hash of their key; a paragraph whose hash an earlier one
    has is compared with that one's key (normalised again), so two keys with one hash are
    two units all the same: the units are exactly those of :func:`held_units`.
    """
    unit_of: dict[int, int] = {}  # key hash -> the unit of the first key with that hash
    clashing: dict[str, int] = {}  # key -> unit, for keys whose hash an earlier, other key has
    # 8 bytes a unit (a list would hold an int object for each: 36 bytes)
    firsts = array("q")
    lengths = array("q")
    units = np.empty(len(paragraphs), dtype=np.int64)
    for i, text in enumerate(paragraphs):
        key = normalize(text)
        unit = unit_of.setdefault(key_hash(key), len(firsts))
        if unit < len(firsts) and key != normalize(paragraphs[firsts[unit]]):
            unit = clashing.setdefault(key, len(firsts))
        if unit == len(firsts):
            firsts.append(i)
            lengths.append(len(key))
        units[i] = unit
    return units, KeysAgain(paragraphs, np.frombuffer(firsts, dtype=np.int64), np.frombuffer(lengths, dtype=np.int64))


key_hash = hash  # a name of its own, so that tests can make hashes clash


class KeysAgain(Sequence[str]):
    """The key of each unit, normalised again from the unit's first paragraph when asked for."""

    def __init__(self, paragraphs: Sequence[str], firsts: Ids, lengths: Ids) -> None:
        self.paragraphs = paragraphs
        self.firsts = firsts
        self.lengths = lengths  # len() of each key, known without normalising
        # Verification and alignment ask for a key once per pair it is in: the keys asked
        # for lately are kept (a few thousand; all are dropped when that many are held).
        self._lately: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.firsts)

    def __getitem__(self, unit: Any) -> Any:  # an int (a slice is never asked for)
        unit = int(unit)
        key = self._lately.get(unit)
        if key is None:
            if len(self._lately) >= _LATELY:
                self._lately.clear()
            key = self._lately[unit] = normalize(self.paragraphs[int(self.firsts[unit])])
        return key

    def __iter__(self) -> Iterator[str]:
        return self.picked(np.arange(len(self.firsts)))

    def picked(self, units: Ids) -> Iterator[str]:
        """The keys of ``units``, one after another (their paragraphs read in one go, where that is faster)."""
        ids = self.firsts[units]
        picked = getattr(self.paragraphs, "picked", None)  # a file's paragraphs are read a block at a time
        texts = picked(ids) if picked is not None else (self.paragraphs[i] for i in ids.tolist())
        return map(normalize, texts)


_LATELY = 1 << 12


def keys_for(keys: Sequence[str], units: Ids) -> Sequence[str] | dict[int, str]:
    """What ``keys[u]`` reads for each of ``units``: ``keys`` itself, unless its keys are made
    when read; then a dict of just those keys, their paragraphs read in the order of the text
    (a few reads for thousands of keys, instead of one each)."""
    if not isinstance(keys, KeysAgain):
        return keys
    units = np.unique(units)
    return dict(zip(units.tolist(), keys.picked(units), strict=True))


def key_lengths(keys: Sequence[str]) -> Ids:
    """``len()`` of each key (known without normalising again for :class:`KeysAgain`)."""
    if isinstance(keys, KeysAgain):
        return keys.lengths
    return np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))


class Picked(Sequence[str]):
    """``[keys[i] for i in ids]``, each key made when read (a list of them all would hold every key at once)."""

    def __init__(self, keys: Sequence[str], ids: Ids) -> None:
        self.keys = keys
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, k: Any) -> Any:  # an int (a slice is never asked for)
        return self.keys[int(self.ids[k])]

    def __iter__(self) -> Iterator[str]:
        keys = self.keys
        if isinstance(keys, KeysAgain):
            return keys.picked(self.ids)
        return (keys[i] for i in self.ids.tolist())
