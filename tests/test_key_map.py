"""The map from a paragraph's normalised key back to its text, which places partial copies' spans."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from dedupe.normalize import key_map, normalize

PIECES = ["a", "B", " ", "  ", "\t", "\u200b", "\u00ad", "é", "e\u0301", "ß", "\u201c", "\u00a0", "ﬁ", "한", "Ａ",
          "，", "\u1100\u1161", " x "]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
@example("A\u00a0 b")
@example("  Ｈｅｌｌｏ  \u201cx\u201d\u200b y ")
def test_every_key_character_comes_from_its_stretch_of_the_text(text):
    key = normalize(text)
    mapping = key_map(text)
    assert mapping.length == len(key)
    for i, char in enumerate(key):
        lo, hi = mapping.span(i, i + 1)
        assert 0 <= lo < hi <= len(text)
        if mapping._in_proportion < 0:  # mapped character by character: the stretch makes that character
            source = text[lo:hi]
            assert char in normalize(source) or (char == " " and source.isspace()), (text, key, i, lo, hi)


def test_a_stretch_of_the_key_maps_to_the_words_it_came_from():
    text = "  The \u201cQuick\u201d\u00a0\u00a0brown\u200b fox  "
    key = normalize(text)
    lo = key.index("quick")
    start, end = key_map(text).span(lo, lo + len('quick" brown'))
    assert text[start:end] == "Quick\u201d\u00a0\u00a0brown"


def test_the_quick_gap_test_agrees_with_the_gap_pattern():
    # key_map takes its one-run path when has_gaps says no: it must say so exactly when _GAPS finds nothing.
    from dedupe.normalize import _GAPS, has_gaps

    for code in range(0x110000):
        c = chr(code)
        for text in (c, "a" + c + "b", " " + c, c + " ", "a " + c):
            assert has_gaps(text) == (_GAPS.search(text) is not None), (hex(code), text)


@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
@example(" x ")
@example("a\u200b")
def test_the_whole_key_of_a_paragraph_spans_what_the_map_says(text):
    # Rendering skips the map for a whole key when the paragraph starts and ends with one of its characters.
    from dedupe.api import _Partials

    key = normalize(text)
    if key:
        quick = _Partials([text], [(0, len(text))], {0: key}).key_span(0, 0, len(key))
        assert quick == key_map(text).span(0, len(key))
