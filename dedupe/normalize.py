"""The matching key of a paragraph: what two copies still share after light noise.

Scrapers and editors change quotes from straight to curly, double spaces, insert no-break
or zero-width spaces, and change case. None of that makes a paragraph new, so the key
folds it away. The key is used for matching only; the output keeps the original bytes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable

from dedupe import compiled

_FOLD = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u00b4\u0060\uff07\u02bc", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u301d\u301e\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    # Invisible characters that scrapers leave behind; NFKC keeps them.
    **dict.fromkeys("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff", ""),
}
# A regex that touches only the few characters to fold: str.translate with a dict looks up
# every character and took 7 times as long on news text.
_FOLDED = re.compile("[" + "".join(_FOLD) + "]")
# What the key changes besides single characters: whitespace other than one plain space
# between words, and invisible characters.
_DROPPED = "".join(c for c, folded in _FOLD.items() if not folded)
_GAPS = re.compile(f"[\\s{_DROPPED}]{{2,}}|[^\\S ]|[{_DROPPED}]|^ | $")
# The single characters of _GAPS in one class (the regex above tries four branches at each
# character, this one a lookup): whitespace other than the plain space, and invisible ones.
_GAP_CHARS = re.compile(
    "[" + re.escape("".join(c for c in map(chr, range(0x3000 + 1)) if c.isspace() and c != " ")) + _DROPPED + "]"
)
# Whitespace that NFKC leaves, other than the plain space; and that or a character to fold.
_ODD_SPACES = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u1680\u2028\u2029"
_ODD_SPACE = re.compile(f"[{_ODD_SPACES}]")
_UNUSUAL = re.compile("[" + "".join(_FOLD) + _ODD_SPACES + "]")
# A longer text is normalised a piece at a time: str.casefold alone allocates 12 bytes per
# character of its input, 1.2 GB for a 100 MB line.
PIECE = 1 << 18
# The compiled key's table is built once the Python path has done about as much work as
# building it takes (80 to 120 ms): a text costs its length plus 50 (the call), about 30 ns
# each. So a short text never pays for the table, and a long run pays at most twice.
WARM_UP = 3_000_000


def normalize(text: str) -> str:
    """Return the matching key of ``text``.

    NFKC (which also turns no-break spaces into spaces), case folding, one straight form
    for quote and dash variants, no zero-width characters, and single spaces.

    >>> normalize("\\u201cSeoul\\u201d\\u00a0 is   BIG \\u2014 ok\\u200b")
    '"seoul" is big - ok'
    """
    if _compiled_key is not None and (key := _compiled_key(text)) is not None:
        return key
    if len(text) > PIECE:
        return _normalize_in_pieces(text)
    return _normalize(text)


_KEYS = compiled.KEYS
"""The compiled key (``dedupe._keys``), or ``None`` where every text takes the Python path."""
_warmed = 0
_building = threading.Lock()


def _warm_up(text: str) -> None:
    """Count the work of the Python path before the table exists; build and install it at :data:`WARM_UP`."""
    global _warmed, _compiled_key
    _warmed += len(text) + 50
    if _warmed < WARM_UP:
        return
    with _building:
        if _compiled_key is _warm_up:  # (not yet built by another thread)
            _compiled_key = install_compiled_key()


def install_compiled_key() -> Callable[[str], str | None]:
    """Build the compiled key's table (:mod:`dedupe.keytable`), hand it to ``dedupe._keys``, return its key function."""
    from dedupe.keytable import build

    assert _KEYS is not None
    _KEYS.install(*build(_FOLD, " " + _ODD_SPACES), PIECE)
    key: Callable[[str], str | None] = _KEYS.key
    return key


_compiled_key: Callable[[str], str | None] | None = _warm_up if _KEYS is not None else None


def _normalize_in_pieces(text: str) -> str:
    """:func:`normalize` of a long text, piece by piece, each piece ending just after a space.

    No step looks across such a cut: NFKC composes nothing with a space before or after it
    (a test checks every code point), case folding and the folding of quotes, dashes and
    invisible characters go character by character, and no word spans the space. So the
    keys of the pieces, joined by single spaces, are the key of the whole text. A text with
    no space to cut at is normalised whole.
    """
    keys = []
    start = 0
    while start < len(text):
        space = text.find(" ", start + PIECE)
        end = len(text) if space < 0 else space + 1
        key = _normalize(text[start:end])
        if key:
            keys.append(key)
        start = end
    return " ".join(keys)


def _normalize(text: str) -> str:
    # is_normalized answers in a fraction of the time normalize takes to copy an unchanged text.
    key = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    if key.isascii():
        key = key.lower()  # equal to casefold on ASCII, and faster
        unusual = _UNUSUAL.search(key) is not None
        if unusual:
            key = _FOLDED.sub(_fold, key)  # (the backtick; ASCII stays NFKC)
    else:
        folded = key.casefold()
        unusual = _UNUSUAL.search(folded) is not None
        if unusual:
            folded = _FOLDED.sub(_fold, folded)
        # Case folding ("İ" -> "i\u0307" next to another mark) and a dropped zero-width
        # character between a letter and its mark leave marks for NFKC to reorder or
        # compose. Whether a text needs this round depends on that text alone (not on a
        # quote elsewhere in it), so a text normalised in pieces gets the key it gets whole.
        if folded != key and not unicodedata.is_normalized("NFKC", folded):
            folded = unicodedata.normalize("NFKC", folded).casefold()
        key = folded
    if not unusual and "  " not in key and key[:1] != " " and key[-1:] != " ":
        return key  # the common case: nothing to fold, single spaces only
    if "  " in key or key[:1] == " " or key[-1:] == " " or _ODD_SPACE.search(key) is not None:
        key = " ".join(key.split())
    return key


class _NFKCOfEach(dict[int, str]):
    """NFKC of single characters, by code point, computed when first asked (a ``str.translate`` table)."""

    def __missing__(self, code: int) -> str:
        if len(self) > 1 << 16:  # a bound on what adversarial text can make it hold
            self.clear()
        self[code] = got = unicodedata.normalize("NFKC", chr(code))
        return got


_NFKC_OF_EACH = _NFKCOfEach()


def _one_to_one_nfkc(text: str) -> str | None:
    """NFKC of ``text`` when it is the NFKC of each character in turn (full-width commas), else ``None``."""
    composed = unicodedata.normalize("NFKC", text)
    if len(composed) != len(text) or text.translate(_NFKC_OF_EACH) != composed:
        return None
    return composed


def has_gaps(text: str) -> bool:
    """Whether :data:`_GAPS` matches somewhere in ``text``."""
    return "  " in text or text[:1] == " " or text[-1:] == " " or _GAP_CHARS.search(text) is not None


def _fold(match: re.Match[str]) -> str:
    return _FOLD[match.group()]


class KeyMap:
    """Where the characters of ``normalize(text)`` come from in ``text`` (see :func:`key_map`)."""

    def __init__(
        self, length: int, key_at: list[int], text_at: list[int], ends: list[int] | None = None, in_proportion: int = -1
    ) -> None:
        # Runs that map one to one: key characters key_at[r]... come from text_at[r]...;
        # or, with ends, one entry per key character; or, for a text of in_proportion
        # characters that is not normalised character by character, in proportion.
        self.length = length  # of the key
        self._key_at, self._text_at, self._ends = key_at, text_at, ends
        self._in_proportion = in_proportion

    def span(self, lo: int, hi: int) -> tuple[int, int]:
        """The stretch of the text that key characters ``lo:hi`` (``lo < hi``) come from."""
        if self._in_proportion >= 0:
            size, length = self._in_proportion, max(self.length, 1)
            return size * lo // length, size * hi // length
        if self._ends is not None:
            return self._text_at[lo], self._ends[hi - 1]
        return self._at(lo), self._at(hi - 1) + 1

    def _at(self, i: int) -> int:
        r = bisect_right(self._key_at, i) - 1
        return self._text_at[r] + i - self._key_at[r]


def key_map(text: str, key: str | None = None) -> KeyMap:
    """Map the characters of ``normalize(text)`` back to ``text``; ``None`` for rare texts.

    Most texts change one character for one (case, quotes, full-width forms), collapse
    whitespace and drop invisible characters: those map run by run. Others are normalised
    one character at a time, each with the combining marks after it, which gives the key
    for all but rare texts (NFKC also composes some letters across such boundaries, as
    conjoining Hangul jamo); for those the map places key characters in proportion.

    ``key`` is ``normalize(text)`` when the caller has it.

    >>> key_map("A\\u00a0 b").span(1, 3)
    (1, 4)
    """
    if key is None:
        key = normalize(text)
    composed = text if unicodedata.is_normalized("NFKC", text) else _one_to_one_nfkc(text)
    if composed is not None and (composed.isascii() or len(composed.casefold()) == len(composed)):
        if len(key) == len(text) and not has_gaps(composed):  # most texts: the key is the text, folded
            return KeyMap(len(key), [0] if text else [], [0] if text else [])
        key_at, text_at = [], []
        length = done = 0
        for gap in _GAPS.finditer(composed):
            if gap.start() > done:
                key_at.append(length)
                text_at.append(done)
                length += gap.start() - done
            space = next((gap.start() + k for k, c in enumerate(gap.group()) if c.isspace()), -1)
            if space >= 0 and length and gap.end() < len(text):
                key_at.append(length)
                text_at.append(space)
                length += 1
            done = gap.end()
        if len(text) > done:
            key_at.append(length)
            text_at.append(done)
            length += len(text) - done
        if length == len(key):  # (tests/test_key_map.py checks the mapping character by character)
            return KeyMap(len(key), key_at, text_at)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    start = 0
    for end in range(1, len(text) + 1):
        if end < len(text) and (unicodedata.combining(text[end]) or "\u1160" <= text[end] <= "\u11ff"):
            continue
        piece = _FOLDED.sub(_fold, unicodedata.normalize("NFKC", text[start:end]).casefold())
        for char in piece:
            if char.isspace():
                if not out or out[-1] == " ":
                    continue
                char = " "
            out.append(char)
            starts.append(start)
            ends.append(end)
        start = end
    if out and out[-1] == " ":
        del out[-1], starts[-1], ends[-1]
    if "".join(out) == key:
        return KeyMap(len(key), [], starts, ends)
    return KeyMap(len(key), [], [], None, in_proportion=len(text))
