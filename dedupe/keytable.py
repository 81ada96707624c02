"""The per-character table of the compiled key (``dedupe._keys``), built from :mod:`unicodedata`.

:func:`dedupe.normalize.normalize` is NFKC, case folding, the folds of quotes, dashes and
invisible characters, and single spaces. For most characters each step depends on that
character alone, so the key of a text is the concatenation of what each character becomes,
with whitespace collapsed. Where that holds the table says what the character becomes;
elsewhere it says ``UNSAFE`` and the compiled key hands the text back to the Python path.

A character is mapped alone when it is a starter (combining class 0), cannot be the second
of a canonical composition (so NFKC cannot join it to the character before it), is no
conjoining jamo, and its decomposition starts with a starter (so NFKC cannot reorder
across it); what it becomes must be such characters again and stable under NFKC, so that
no second round of NFKC is due. Built once per process from this Python's Unicode data
(80 to 120 ms), never for a short text: see :data:`dedupe.normalize.WARM_UP`.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Callable

UNSAFE, DROP, SPACE, EXPANDS = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0x40000000
_PLANE = 0x10000
_UINT32 = "I"  # native uint32, as the C reads it (install() refuses a table of another size)
_JAMO = ((0x1100, 0x11FF), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))  # composed by rule, not by decomposition data


def composition_seconds(limit: int = _PLANE) -> set[int]:
    """Code points below ``limit`` that are the second of a two-character canonical decomposition."""
    seconds = set()
    for code in range(limit):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and decomposition[0] != "<":
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return seconds


def _each(step: Callable[[str], str], chars: list[str]) -> list[str]:
    # One call for all characters: NUL composes with nothing, and no step makes or removes one.
    return step("\0".join(chars)).split("\0")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


def build(fold: dict[str, str], spaces: str) -> tuple[bytes, bytes, int]:
    """The table (65,536 native uint32), the expansions, and the longest expansion.

    ``fold`` is the single-character fold of the key (``""`` for dropped characters) and
    ``spaces`` the whitespace the key turns into one space (any other is ``UNSAFE``).
    """
    # opens[c]: a starter that is the second of no composition; ok[c]: that, and no conjoining
    # jamo (a decomposition may start with one: Hangul syllables do). Every code point, so
    # that any character of a mapping can be asked.
    opens = bytearray(b"\1") * _PLANE + bytes(0x110000 - _PLANE)
    for code in composition_seconds():
        opens[code] = 0
    opens[0xD800:0xE000] = bytes(0x800)  # lone surrogates stay UNSAFE
    for code in range(_PLANE):
        if opens[code] and unicodedata.combining(chr(code)):
            opens[code] = 0
    ok = bytearray(opens)
    for lo, hi in _JAMO:
        ok[lo : hi + 1] = bytes(hi + 1 - lo)
    # NUL is the separator of _each (and its own key).
    codes = [c for c in range(1, _PLANE) if ok[c]]
    chars = [chr(c) for c in codes]
    decomposed = _each(_nfkd, chars)
    folded = _each(str.casefold, _each(_nfkc, chars))
    stable = _each(_nfkc, folded)
    table = array(_UINT32, [UNSAFE]) * _PLANE
    table[0] = 0
    expansions = array(_UINT32)
    widest = 1
    for code, nfkd, case, again in zip(codes, decomposed, folded, stable, strict=True):
        if not (opens[ord(nfkd[0])] and again == case):
            continue
        if len(case) == 1:
            out = fold.get(case, case)
            if not ok[ord(case)]:
                continue
            if not out:
                table[code] = DROP
            elif out in spaces:
                table[code] = SPACE
            elif not out.isspace():
                table[code] = ord(out)
            continue
        if not all(ok[ord(c)] for c in case):
            continue
        out = "".join(fold.get(c, c) for c in case)
        if out and len(out) < 16 and not any(c.isspace() for c in out):
            table[code] = EXPANDS | len(expansions) << 4 | len(out)
            expansions.extend(map(ord, out))
            widest = max(widest, len(out))
    return table.tobytes(), expansions.tobytes(), widest
