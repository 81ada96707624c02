"""The compiled matching key (``dedupe._keys`` with the table of ``dedupe.keytable``) against the Python path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.corpus import corpus_text, make_corpus
from dedupe import dedupe_and_explain
from dedupe import normalize as keys
from dedupe.keytable import composition_seconds
from tests.scale import examples

compiled = pytest.mark.skipif(keys._KEYS is None, reason="installed without the compiled key")


@pytest.fixture(scope="module")
def key() -> object:
    return keys.install_compiled_key()


def test_the_compiled_key_is_built_in_ci() -> None:
    if os.environ.get("CI") and os.environ.get("DEDUPE_KERNEL") != "numpy":
        assert keys._KEYS is not None


@compiled
def test_a_short_text_never_builds_the_table() -> None:
    # The command line on one article: the table (80 to 120 ms) would cost more than it saves.
    seed = Path(__file__).resolve().parent.parent / "seeds" / "000_6ef43e2731afccca.txt"
    code = (
        "import sys, dedupe, dedupe.normalize as n; dedupe.dedupe_text(sys.stdin.read()); "
        "print(n._compiled_key is n._warm_up, n._warmed < n.WARM_UP)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=seed.read_text(encoding="utf-8"), capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True"]


@compiled
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seoul  Is\u00a0BIG", "seoul is big"),
        ("\u201cQuoted\u201d \u2014 dash\u200b", '"quoted" - dash'),
        ("  lead and trail \t", "lead and trail"),
        ("Stra\u00dfe \ufb01ne", "strasse fine"),  # expansions: casefold and NFKC ligature
        ("\uff21\uff22\uff23\uff0c", "abc,"),  # full-width forms
        ("서울시는 1일 발표했다", "서울시는 1일 발표했다"),
        ("a\u200b \u200bb", "a b"),  # dropped characters between spaces
        ("", ""),
    ],
)
def test_case_file(key, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert keys._normalize(text) == expected
    assert key(text) == expected


@compiled
@pytest.mark.parametrize(
    "text",
    [
        "e\u0301",  # a combining mark: NFKC composes it with the letter before
        "\u1100\u1161",  # conjoining jamo, composed by rule
        "\u0130stanbul",  # casefold leaves a combining dot
        "emoji \U0001f600",  # outside the Basic Multilingual Plane
        "\u0b47\u0b3e",  # the second of a canonical composition
        "x" * (keys.PIECE + 1),  # long texts go piece by piece in Python
    ],
)
def test_texts_that_need_context_take_the_python_path(key, text: str) -> None:  # type: ignore[no-untyped-def]
    assert key(text) is None


@compiled
def test_every_character_in_context(key) -> None:  # type: ignore[no-untyped-def]
    # Each BMP character alone and between neighbours that the table treats in each way
    # (letter, Hangul syllable, space, dropped, expanding, full-width); where the compiled
    # key answers, it is the Python key.
    contexts = ["{}", "a{}b", "\uac00{}\ub098", " {} ", "{}{}", "\u200b{}\u200b", "\u00df{}\ufb01", "\uff21{}."]
    answered = 0
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        for context in contexts:
            text = context.format(char, char)
            got = key(text)
            if got is not None:
                answered += 1
                assert got == keys._normalize(text), (hex(code), context)
    assert answered > 0.9 * len(contexts) * 0x10000 * 0.9  # most characters map alone


_ALPHABET = st.sampled_from(
    list("aZ ?`'-\t\n")
    + list("\u00a0\u2003\u3000\u200b\u00ad\ufeff\u2018\u201c\u2014\u00b4\u00df\u0130\u03a3\u03c2\u1e9e\u212b")
    + list("\u0301\u0308\u0327\u1100\u1161\u11a8\uac00\ud7a3\u4e00\u30ab\u3099\uff21\uff0c\ufb01\u2460\u00bd")
    + list("\u0b47\u0b3e\u0f73\u0344\u2028\u0085\u1680\x1c\U0001d15e\U0001f600")
)


@compiled
@examples(400)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_compiled_key_equals_python_key(key, text: str) -> None:  # type: ignore[no-untyped-def]
    got = key(text)
    assert got is None or got == keys._normalize(text)


def test_no_bmp_character_is_second_only_to_a_character_beyond_it() -> None:
    # keytable scans the BMP for composition seconds; a BMP second of a composition whose
    # first character lies beyond the BMP would be missed (that text takes the Python path
    # anyway, for its first character, but a new Unicode version must not change it unseen).
    every = composition_seconds(0x110000)
    assert {c for c in every if c < 0x10000} == composition_seconds()
    assert 0x0B3E in every and 0x0301 in every


@compiled
def test_a_long_text_is_cleaned_as_without_the_compiled_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # normalize() builds and installs the table part way through (after about a third of
    # the text here), and the result is the Python path's.
    text = corpus_text(make_corpus(6000, seed=3))
    monkeypatch.setattr(keys, "WARM_UP", len(text) // 3)
    monkeypatch.setattr(keys, "_warmed", 0)
    monkeypatch.setattr(keys, "_compiled_key", keys._warm_up)
    fast = dedupe_and_explain(text)
    assert keys._compiled_key is keys._KEYS.key
    monkeypatch.setattr(keys, "_compiled_key", None)
    slow = dedupe_and_explain(text)
    assert fast == slow
    assert len(fast.removed) > 500
