"""A deterministic, article-like paragraph corpus with planted duplicates of known kinds.

The benchmark suite measures speed and quality (precision and recall per duplicate kind)
of ``dedupe`` against baselines on this corpus. ``make_corpus(n, seed)`` returns ``n``
paragraphs, each labelled:

- ``"original"``: a new paragraph; originals are random and pairwise clearly different.
- one of ``KINDS``, a planted copy of one original (``merged``: of two):

  ``exact``          identical copy;
  ``spacing``        2–4 whitespace changes: a doubled space, a space turned into a tab, trailing
                     space or tab (scripts written without spaces get trailing whitespace only);
  ``quotes_dashes``  straight ↔ curly quotes (« » for Russian) and hyphen ↔ en/em dash, applied
                     to the whole paragraph; a paragraph with nothing to swap gets a quote pair
                     around a few words instead (the only case whose normalised key differs);
  ``invisible``      no-break spaces (U+00A0) in place of some spaces, zero-width spaces (U+200B)
                     inserted;
  ``case``           Latin and Cyrillic: the whole paragraph upper-cased, or a few words upper-,
                     lower- or title-cased. Korean, Chinese and Japanese have no case: the Latin
                     acronyms they contain (AI-like tokens) change case, and a paragraph without any
                     gets harmless trailing/duplicated whitespace instead, still labelled ``case``;
  ``punctuation``    1–2 changes: the final full stop removed (or added where missing), a comma
                     removed or added;
  ``typo1``          ~1 % of the characters substituted, deleted or inserted (at least 1 edit);
  ``typo3``          ~3 % (at least 2 edits);
  ``truncated``      the first 55–80 % of the characters, cut at a word boundary where the script
                     has spaces;
  ``appended``       the whole original plus one new sentence of 20–35 % of its length;
  ``merged``         two originals of the same language joined by one space (``sources`` holds both,
                     in text order).

  ``exact``, ``spacing``, ``quotes_dashes`` (when something was swapped), ``invisible`` and
  ``case`` give the same ``dedupe.normalize.normalize`` key as their source.
- ``"hard_negative"``: shares the first 35–50 % of an original (cut after a clause or sentence
  where one ends in that window, else at a word boundary) and goes on with new text to about the
  same length. It is a different paragraph and must not be reported as a copy.

About ``copy_share`` of the paragraphs are planted copies, spread evenly over the 11 kinds,
about ``negative_share`` are hard negatives, the rest originals. Every planted copy and hard
negative comes after all of its sources, at a random later position: mostly within a few
dozen paragraphs, a quarter anywhere later. Sources are drawn without replacement while
enough originals remain, so an original is rarely copied twice.

Languages of the originals (copies inherit theirs): about 50 % Korean, 30 % English, 8 %
Russian, 6 % Chinese, 6 % Japanese. All text is generated here from synthetic vocabularies:
Korean words of 1–4 Hangul syllables over 2,000 Zipf-weighted syllables, with particles that
agree with the final consonant and sentence endings such as 다.; English and Russian
pseudo-words of plausible letter patterns (20,000 each, Zipfian; the short ones are the
frequent ones), capitalised sentence starts, commas, quotes, digits, hyphens and dashes;
Chinese ideographs without spaces, with ，and 。; Japanese kanji, hiragana and katakana with
、and 。. Korean, Chinese and Japanese text holds some Latin acronyms and digits, as news
does. Paragraphs have 1–6 sentences and 80–700 characters, most 150–400.

Deterministic for ``(n, seed)`` on every machine: ``random.Random`` and numpy's PCG64 bit
streams only, no ``hash()``, and no transcendental floating-point functions (whose last bit
may differ between platforms); only +, −, ×, ÷ on doubles. Vocabularies do not depend on the
seed and are built once per process. ``make_corpus(1_000_000)`` takes about a minute.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

KINDS: tuple[str, ...] = (
    "exact",
    "spacing",
    "quotes_dashes",
    "invisible",
    "case",
    "punctuation",
    "typo1",
    "typo3",
    "truncated",
    "appended",
    "merged",
)
LANGUAGES: tuple[str, ...] = ("ko", "en", "ru", "zh", "ja")
LANGUAGE_SHARES: tuple[float, ...] = (0.50, 0.30, 0.08, 0.06, 0.06)
_SPACED = frozenset({"ko", "en", "ru"})


@dataclass(frozen=True)
class Corpus:
    """Paragraphs and their labels, all lists of the same length."""

    paragraphs: list[str]
    kinds: list[str]  # "original", "hard_negative" or one of KINDS
    sources: list[tuple[int, ...]]  # indices of the original(s) a copy or hard negative derives from; () for originals
    languages: list[str]  # one of LANGUAGES


def corpus_text(corpus: Corpus) -> str:
    """The corpus as one text, one paragraph per line."""
    return "\n".join(corpus.paragraphs)


# --------------------------------------------------------------------------- vocabularies


def _cdf(weights: np.ndarray | Sequence[float]) -> np.ndarray:
    cdf: np.ndarray = np.cumsum(np.asarray(weights, dtype=np.float64))
    return cdf / cdf[-1]  # type: ignore[no-any-return]


def _zipf(count: int, offset: float = 2.7) -> np.ndarray:
    """Zipf–Mandelbrot weights with exponent 1: a division only, the same bits everywhere."""
    return 1.0 / (np.arange(count, dtype=np.float64) + offset)


def _objects(items: list[str]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _pick(gen: np.random.Generator, items: list[str], weights: Sequence[float], size: int) -> list[str]:
    index = np.searchsorted(_cdf(weights), gen.random(size), side="right")
    return _objects(items)[index].tolist()  # type: ignore[no-any-return]


def _rank_short_first(gen: np.random.Generator, words: list[str], noise: float) -> list[str]:
    """Order words so that short ones tend to come first (the frequent words are the short ones)."""
    keys = np.array([len(w) for w in words], dtype=np.float64) + noise * gen.random(len(words))
    return [words[i] for i in np.argsort(keys, kind="stable")]


@dataclass(frozen=True)
class _Vocabulary:
    tokens: np.ndarray  # object array of str
    cdf: np.ndarray
    mean: float  # expected characters per token, with its separator
    predicates: np.ndarray | None = None  # Korean and Japanese sentence-final words
    predicate_cdf: np.ndarray | None = None
    names: tuple[str, ...] = ()  # speakers for quoted speech (English, Russian)
    alphabet: str = ""  # characters for typos


def _vocabulary(parts: list[tuple[list[str], np.ndarray, float]], separator: int, **extra: object) -> _Vocabulary:
    """Tokens from several pools: (tokens, weights within the pool, share of all draws)."""
    tokens: list[str] = []
    weights = []
    for pool, pool_weights, share in parts:
        tokens.extend(pool)
        weights.append(pool_weights / pool_weights.sum() * share)
    w = np.concatenate(weights)
    lengths = np.array([len(t) for t in tokens], dtype=np.float64)
    mean = float((w * lengths).sum() / w.sum()) + separator
    return _Vocabulary(_objects(tokens), _cdf(w), mean, **extra)  # type: ignore[arg-type]


def _acronyms(gen: np.random.Generator, letters: str, count: int) -> list[str]:
    lengths = _pick(gen, ["2", "3", "4"], [0.4, 0.45, 0.15], count * 2)
    chars = _pick(gen, list(letters), [1.0] * len(letters), count * 8)
    out, p = [], 0
    for size in lengths:
        out.append("".join(chars[p : p + int(size)]))
        p += int(size)
    return list(dict.fromkeys(out))[:count]


def _pseudo_words(
    gen: np.random.Generator,
    count: int,
    first_onsets: tuple[list[str], Sequence[float]],
    onsets: tuple[list[str], Sequence[float]],
    nuclei: tuple[list[str], Sequence[float]],
    middle_codas: tuple[list[str], Sequence[float]],
    final_codas: tuple[list[str], Sequence[float]],
    suffixes: tuple[list[str], Sequence[float]],
) -> list[str]:
    """``count`` distinct pseudo-words of 1–4 syllables (onset + nucleus + coda, optional suffix)."""
    words: list[str] = []
    while len(words) < count:
        size = count + count // 2
        syllables = np.searchsorted(_cdf([0.22, 0.42, 0.28, 0.08]), gen.random(size), side="right") + 1
        word = _objects(_pick(gen, *first_onsets, size)) + _objects(_pick(gen, *nuclei, size))
        for j in (1, 2, 3):
            more = _objects(_pick(gen, *middle_codas, size)) + _objects(_pick(gen, *onsets, size))
            more += _objects(_pick(gen, *nuclei, size))
            word += np.where(syllables > j, more, "")
        word += _objects(_pick(gen, *final_codas, size)) + _objects(_pick(gen, *suffixes, size))
        words = list(dict.fromkeys(words + word.tolist()))
    return words[:count]


def _numbers(gen: np.random.Generator, count: int, decimal: str, thousands: str) -> list[str]:
    """Digit tokens: counts, years, decimals, percentages, thousands and ranges with a hyphen."""
    u = gen.random((count, 3))
    out = []
    for a, b, c in u:
        small, year = 1 + int(a * a * 400), 1960 + int(b * 70)
        form = int(c * 8)
        if form == 0:
            out.append(str(year))
        elif form == 1:
            out.append(f"{small}{decimal}{int(b * 10)}")
        elif form == 2:
            out.append(f"{small}%")
        elif form == 3:
            out.append(f"{small}{thousands}{int(b * 900) + 100}")
        elif form == 4:
            out.append(f"{year}-{year + 1 + int(a * 3)}")
        elif form == 5:
            out.append(f"{small}-{small + 1 + int(b * 9)}")
        else:
            out.append(str(small))
    return list(dict.fromkeys(out))


def _latin_like(gen: np.random.Generator, lang: str) -> _Vocabulary:
    # fmt: off
    if lang == "en":
        letters = "etaoinshrdlcumwfgypbvkjxqz"
        onset = (
            ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "y", "z",
             "bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "sc", "sh", "sk", "sl",
             "sm", "sn", "sp", "st", "str", "sw", "th", "tr", "wh", "qu"],
            [5, 6, 6, 4, 3, 5, 1, 2, 6, 6, 6, 5, 6, 8, 9, 2, 4, 1, 0.3,
             1, 1.5, 2, 1, 1.5, 1.5, 1, 1.5, 0.7, 1.5, 1.5, 2, 0.7, 2, 0.7, 1,
             0.5, 0.4, 1, 3, 0.8, 0.7, 4, 2, 1.2, 0.5],
        )
        first = (["", *onset[0]], [25, *onset[1]])
        nuclei = (["a", "e", "i", "o", "u", "y", "ai", "ea", "ee", "ie", "oo", "ou", "oa", "au"],
                  [12, 14, 10, 9, 4, 1, 1, 1.5, 1, 0.7, 1, 1.2, 0.5, 0.4])
        middle = (["", "n", "r", "l", "s", "m", "t", "c", "nd", "st", "nt"], [30, 5, 5, 4, 3, 2, 2, 1, 1, 1, 1])
        final = (
            ["", "n", "r", "l", "s", "t", "d", "m", "ck", "ll", "nd", "nt", "ng", "st", "rt", "th", "x", "sh", "ss"],
            [12, 8, 7, 5, 5, 6, 4, 3, 1.5, 1.5, 2, 2, 1.5, 1.5, 1, 1, 0.3, 0.7, 0.7],
        )
        suffix = (["", "s", "ed", "ing", "er", "ly", "tion", "ment", "ness"], [60, 10, 6, 6, 4, 3, 3, 1.5, 1])
        decimal, thousands = ".", ","
        upper = "ABCDEFGHIJKLMNOPRSTUVW"
    else:
        letters = "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё"
        onset = (
            ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш", "щ",
             "бр", "вл", "гр", "др", "кр", "пр", "ст", "тр", "сл", "пл", "св", "сп", "зв", "ск", "кл"],
            [3, 6, 3, 5, 1, 3, 6, 6, 5, 7, 5, 6, 7, 7, 0.5, 1.5, 1, 2, 1.5, 0.5,
             1, 0.7, 1, 0.7, 1, 3, 2, 1.5, 1, 1, 0.8, 0.8, 0.4, 1, 0.7],
        )
        first = (["", *onset[0]], [15, *onset[1]])
        nuclei = (["а", "о", "е", "и", "у", "ы", "я", "ю", "ё", "э"], [12, 14, 12, 10, 4, 2, 3, 1, 0.5, 0.5])
        middle = (["", "н", "р", "л", "с", "в", "т", "к"], [30, 4, 4, 4, 3, 2, 2, 2])
        final = (["", "н", "р", "л", "с", "т", "к", "в", "й", "м", "ст", "нт"], [14, 5, 5, 4, 3, 4, 3, 3, 3, 2, 1, 1])
        suffix = (
            ["", "ов", "ая", "ой", "ий", "ие", "ого", "ать", "ить", "ение", "ость", "ский", "ся", "ам", "ах", "ые"],
            [40, 4, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2],
        )
        decimal, thousands = ",", " "
        upper = "АБВГДЕИКЛМНОПРСТУФ"
    # fmt: on
    words = _rank_short_first(gen, _pseudo_words(gen, 21_500, first, onset, nuclei, middle, final, suffix), 3.0)
    common, rest = words[:20_000], words[20_000:]
    names = [w[0].upper() + w[1:] for w in rest if len(w) >= 4][:1000]
    compounds = [f"{rest[i]}-{words[(i * 7919) % 4000]}" for i in range(len(rest))]
    possessive = [f"{n}'s" for n in names] if lang == "en" else [f"{n[:3]}-{n[3:].lower()}" for n in names]
    numbers = _numbers(gen, 3000, decimal, thousands)
    acronyms = _acronyms(gen, upper, 300)
    return _vocabulary(
        [
            (common, _zipf(len(common)), 0.83),
            (names, _zipf(len(names), 20.0), 0.07),
            (compounds, _zipf(len(compounds), 50.0), 0.02),
            (possessive, _zipf(len(possessive), 20.0), 0.015),
            (numbers, _zipf(len(numbers), 100.0), 0.055),
            (acronyms, _zipf(len(acronyms), 10.0), 0.01),
        ],
        separator=1,
        names=tuple(names[:300]),
        alphabet=letters,
    )


_HANGUL = 0xAC00


def _hangul(lead: int, vowel: int, tail: int) -> str:
    return chr(_HANGUL + (lead * 21 + vowel) * 28 + tail)


def _korean(gen: np.random.Generator) -> _Vocabulary:
    # fmt: off
    lead_w = [8, 1, 6, 6, 1, 4, 5, 5, 0.3, 7, 1.5, 12, 7, 0.3, 3, 1, 2, 2, 6]
    vowel_w = [12, 5, 1, 0.1, 9, 4, 4, 0.5, 8, 2, 0.2, 1, 1, 7, 1, 0.1, 0.5, 1, 5, 1.5, 10]
    tail_w = [40, 6, 0.2, 0.2, 10, 0.2, 0.3, 2, 9, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 5, 5, 0.1, 2, 0.5, 9, 1, 0.5,
              0.2, 0.2, 0.2, 0.2]
    # fmt: on
    size = 12_000
    leads = np.searchsorted(_cdf(lead_w), gen.random(size), side="right")
    vowels = np.searchsorted(_cdf(vowel_w), gen.random(size), side="right")
    tails = np.searchsorted(_cdf(tail_w), gen.random(size), side="right")
    drawn = (_hangul(int(a), int(b), int(c)) for a, b, c in zip(leads, vowels, tails, strict=True))
    syllables = list(dict.fromkeys(drawn))[:2000]
    syl_cdf = _cdf(_zipf(len(syllables), 15.0))
    syl = _objects(syllables)

    def words(count: int, lengths: Sequence[float]) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            sizes = np.searchsorted(_cdf(lengths), gen.random(count * 2), side="right") + 1
            chars = syl[np.searchsorted(syl_cdf, gen.random(int(sizes.sum())), side="right")].tolist()
            p = 0
            for s in sizes.tolist():
                out.append("".join(chars[p : p + s]))
                p += s
            out = list(dict.fromkeys(out))
        return out[:count]

    base = _rank_short_first(gen, words(9000, [0.12, 0.5, 0.28, 0.10]), 2.0)
    # particles agree with the final consonant: (after a consonant, after a vowel)
    paired = [("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로")]
    plain = ["에", "의", "에서", "도", "만", "까지", "부터", "에게"]
    choice = gen.random((len(base), 3))
    tokens, weights = [], []
    base_w = _zipf(len(base), 3.0)
    for word, w, (a, b, c) in zip(base, base_w, choice, strict=True):
        vowel_final = (ord(word[-1]) - _HANGUL) % 28 == 0
        forms = [word]
        for u in (a, b):
            if u < 0.7:
                pair = paired[int(u / 0.7 * len(paired))]
                forms.append(word + pair[vowel_final])
            else:
                forms.append(word + plain[int((u - 0.7) / 0.3 * len(plain))])
        shares = (0.45, 0.3, 0.25) if c < 0.5 else (0.3, 0.4, 0.3)
        for form, share in zip(forms, shares, strict=True):
            tokens.append(form)
            weights.append(w * share)
    counters = ["년", "월", "일", "명", "개", "원", "%", "건", "곳", "시간", "배", "위", "억원", "만명"]
    nums = [n for n in _numbers(gen, 1500, ".", ",") if "%" not in n]
    numbers = [f"{x}{counters[int(u * len(counters))]}" for x, u in zip(nums, gen.random(len(nums)), strict=True)]
    acronyms = _acronyms(gen, "ABCDEFGHIKLMNOPRSTUVWX", 200)
    acr_tokens = [
        a + ("는" if u < 0.3 else "의" if u < 0.5 else "") for a, u in zip(acronyms, gen.random(200), strict=True)
    ]
    # fmt: off
    endings = ["했다", "한다", "이다", "됐다", "된다", "하고 있다", "할 계획이다", "한 것으로 알려졌다",
               "한 것으로 나타났다", "했다고 밝혔다", "했다고 말했다", "했습니다", "합니다", "였다", "있다", "없다"]
    # fmt: on
    ending_w = [20, 10, 10, 8, 5, 5, 2, 3, 3, 4, 4, 3, 2, 2, 4, 2]
    stems = base[:3000]
    stem_pick = np.searchsorted(_cdf(_zipf(len(stems), 5.0)), gen.random(3000), side="right")
    end_pick = np.searchsorted(_cdf(ending_w), gen.random(3000), side="right")
    predicates = list(dict.fromkeys(stems[i] + endings[j] for i, j in zip(stem_pick, end_pick, strict=True)))
    return _vocabulary(
        [
            (tokens, np.array(weights), 0.945),
            (numbers, _zipf(len(numbers), 50.0), 0.03),
            (acr_tokens, _zipf(len(acr_tokens), 10.0), 0.025),
        ],
        separator=1,
        predicates=_objects(predicates),
        predicate_cdf=_cdf(_zipf(len(predicates), 5.0)),
        alphabet="".join(syllables),
    )


def _ideographs(gen: np.random.Generator, count: int) -> list[str]:
    codes = (0x4E00 + (gen.random(count * 3) * 20_900).astype(np.int64)).tolist()
    return list(dict.fromkeys(chr(c) for c in codes))[:count]


def _cjk_words(
    gen: np.random.Generator, chars: list[str], char_offset: float, count: int, lengths: Sequence[float]
) -> list[str]:
    pool = _objects(chars)
    char_cdf = _cdf(_zipf(len(chars), char_offset))
    out: list[str] = []
    while len(out) < count:
        sizes = np.searchsorted(_cdf(lengths), gen.random(count * 2), side="right") + 1
        picked = pool[np.searchsorted(char_cdf, gen.random(int(sizes.sum())), side="right")].tolist()
        p = 0
        for s in sizes.tolist():
            out.append("".join(picked[p : p + s]))
            p += s
        out = list(dict.fromkeys(out))
    return out[:count]


def _chinese(gen: np.random.Generator) -> _Vocabulary:
    chars = _ideographs(gen, 3500)
    words = _rank_short_first(gen, _cjk_words(gen, chars, 10.0, 20_000, [0.3, 0.55, 0.12, 0.03]), 1.5)
    counters = ["年", "月", "日", "%", "万", "亿", "人", "个"]
    nums = [n for n in _numbers(gen, 1500, ".", ",") if "-" not in n and "%" not in n]
    numbers = [f"{x}{counters[int(u * len(counters))]}" for x, u in zip(nums, gen.random(len(nums)), strict=True)]
    return _vocabulary(
        [
            (words, _zipf(len(words)), 0.96),
            (numbers, _zipf(len(numbers), 50.0), 0.025),
            (_acronyms(gen, "ABCDEFGHIKLMNOPRSTUVW", 200), _zipf(200, 10.0), 0.015),
        ],
        separator=0,
        alphabet="".join(chars[:2000]),
    )


def _japanese(gen: np.random.Generator) -> _Vocabulary:
    kanji = _ideographs(gen, 2500)
    hiragana = [chr(c) for c in range(0x3041, 0x3094)]
    katakana = [chr(c) for c in range(0x30A1, 0x30F4) if chr(c) not in "ァィゥェォッャュョヮヵヶ"]
    compounds = _cjk_words(gen, kanji, 10.0, 12_000, [0.25, 0.6, 0.15])
    katakana_words = [
        w + ("ー" if i % 5 == 0 else "")
        for i, w in enumerate(_cjk_words(gen, katakana, 8.0, 3000, [0.05, 0.35, 0.35, 0.25]))
    ]
    content = _rank_short_first(gen, compounds + katakana_words, 2.0)
    tails = ["", "の", "に", "は", "を", "が", "で", "と", "も", "から", "まで", "へ", "や", "として", "について"]
    tail_w = [20, 14, 9, 9, 9, 8, 6, 5, 3, 2, 1, 1, 1, 1, 1]
    tail_pick = np.searchsorted(_cdf(tail_w), gen.random(len(content) * 2), side="right").tolist()
    tokens = [content[i // 2] + tails[t] for i, t in enumerate(tail_pick)]
    tokens = list(dict.fromkeys(tokens))
    # fmt: off
    endings = ["した", "する", "された", "している", "していた", "だった", "となった", "という", "とした", "である",
               "です", "でした", "しました", "される", "られた", "ている", "た", "る"]
    # fmt: on
    ending_w = [12, 6, 6, 6, 2, 4, 3, 4, 2, 3, 2, 1, 2, 3, 2, 3, 3, 2]
    end_pick = np.searchsorted(_cdf(ending_w), gen.random(3000), side="right").tolist()
    stem_pick = np.searchsorted(_cdf(_zipf(2000, 5.0)), gen.random(3000), side="right").tolist()
    predicates = list(dict.fromkeys(compounds[i] + endings[j] for i, j in zip(stem_pick, end_pick, strict=True)))
    counters = ["年", "月", "日", "%", "人", "円", "件"]
    nums = [n for n in _numbers(gen, 1500, ".", ",") if "-" not in n and "%" not in n]
    numbers = [f"{x}{counters[int(u * len(counters))]}" for x, u in zip(nums, gen.random(len(nums)), strict=True)]
    return _vocabulary(
        [
            (tokens, _zipf(len(tokens), 3.0), 0.96),
            (numbers, _zipf(len(numbers), 50.0), 0.025),
            (_acronyms(gen, "ABCDEFGHIKLMNOPRSTUVW", 200), _zipf(200, 10.0), 0.015),
        ],
        separator=0,
        predicates=_objects(predicates),
        predicate_cdf=_cdf(_zipf(len(predicates), 5.0)),
        alphabet="".join(hiragana) * 3 + "".join(kanji[:1500]),
    )


@lru_cache(maxsize=1)
def _vocabularies() -> dict[str, _Vocabulary]:
    """The five synthetic vocabularies; fixed (independent of the corpus seed), built once."""

    def gen(i: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([20_240_601, i])))

    return {
        "ko": _korean(gen(0)),
        "en": _latin_like(gen(1), "en"),
        "ru": _latin_like(gen(2), "ru"),
        "zh": _chinese(gen(3)),
        "ja": _japanese(gen(4)),
    }


# --------------------------------------------------------------------------- quotes and dashes

_OPEN_DOUBLE = re.compile(r'(?:^|(?<=[\s(\[]))"')
_OPEN_SINGLE = re.compile(r"(?:^|(?<=[\s(\[]))'")
_DIGIT_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")
_STRAIGHTEN = str.maketrans({"“": '"', "”": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "―": "-"})


def _curly_quotes(text: str, lang: str) -> str:
    """Straight quotes and apostrophes to typographic ones (« » for Russian double quotes)."""
    if '"' in text:
        opening, closing = ("«", "»") if lang == "ru" else ("“", "”")
        text = _OPEN_DOUBLE.sub(opening, text).replace('"', closing)
    if "'" in text:
        text = _OPEN_SINGLE.sub("‘", text).replace("'", "’")
    return text


def _straighten(text: str, lang: str) -> str:
    return text.translate(_STRAIGHTEN)


def _smarten(text: str, lang: str) -> str:
    text = _curly_quotes(text, lang)
    if lang == "ru":
        text = text.replace("“", "«").replace("”", "»")
    if "-" in text:
        text = text.replace(" - ", " — " if lang == "ru" else " – ")
        text = _DIGIT_HYPHEN.sub("–", text)
    return text


def _dash_hyphens(text: str, lang: str) -> str:
    return text.replace("-", "–")


# --------------------------------------------------------------------------- text generation


class _Stream:
    """Zipf-weighted tokens drawn in bulk with numpy; ``take`` returns a fresh list."""

    __slots__ = ("buffer", "cdf", "chunk", "gen", "pos", "tokens")

    def __init__(self, tokens: np.ndarray, cdf: np.ndarray, gen: np.random.Generator) -> None:
        self.tokens, self.cdf, self.gen = tokens, cdf, gen
        self.buffer: list[str] = []
        self.pos = 0
        self.chunk = 4096

    def take(self, count: int) -> list[str]:
        if self.pos + count > len(self.buffer):
            self.chunk = min(self.chunk * 2, 1 << 20)
            fresh = self.tokens[np.searchsorted(self.cdf, self.gen.random(max(self.chunk, count)), side="right")]
            self.buffer = self.buffer[self.pos :] + fresh.tolist()
            self.pos = 0
        out = self.buffer[self.pos : self.pos + count]
        self.pos += count
        return out


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


class _Writer:
    """Writes sentences and paragraphs in each language; holds the random state of one corpus."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.vocab = _vocabularies()
        self.streams: dict[str, _Stream] = {}
        self.predicates: dict[str, _Stream] = {}
        for i, (lang, v) in enumerate(self.vocab.items()):
            gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, i])))
            self.streams[lang] = _Stream(v.tokens, v.cdf, gen)
            if v.predicates is not None and v.predicate_cdf is not None:
                self.predicates[lang] = _Stream(v.predicates, v.predicate_cdf, gen)
        self.sentence: dict[str, Callable[[int, dict[str, object]], str]] = {
            "ko": self._korean,
            "en": self._latin,
            "ru": self._latin,
            "zh": self._chinese,
            "ja": self._japanese,
        }

    def style(self, lang: str) -> dict[str, object]:
        """Per-paragraph typography, as one site or one scraper would write it."""
        r = self.rnd.random()
        if lang == "en":
            dash = " — " if r < 0.5 else " – " if r < 0.65 else " - "
        elif lang == "ru":
            dash = " — " if r < 0.8 else " - "
        else:
            dash = "——"
        return {"lang": lang, "curly": self.rnd.random() < 0.6, "dash": dash}

    def paragraph(self, lang: str, target: int, lower_start: bool = False) -> str:
        """About ``target`` characters in 1–6 sentences; ``lower_start`` continues a cut sentence."""
        rnd = self.rnd.random
        style = self.style(lang)
        count = max(1, min(6, round(target / (70 + 70 * rnd()))))
        shares = [0.6 + 0.8 * rnd() for _ in range(count)]
        scale = target / sum(shares)
        sentence = self.sentence[lang]
        parts = [sentence(max(12, int(s * scale)), style) for s in shares]
        if lower_start and lang in ("en", "ru") and parts[0][:1].isupper():
            parts[0] = parts[0][0].lower() + parts[0][1:]
        text = (" " if lang in _SPACED else "").join(parts)
        if style["curly"] and lang in ("en", "ru", "ko"):
            text = _curly_quotes(text, lang)
        return text

    def _latin(self, chars: int, style: dict[str, object]) -> str:
        lang = str(style["lang"])
        v = self.vocab[lang]
        rnd = self.rnd.random
        k = max(3, round(chars / v.mean))
        words = self.streams[lang].take(k)
        if k >= 7:
            for _ in range(int(k * 0.07 + rnd())):
                j = 1 + int(rnd() * (k - 3))
                if words[j][-1].isalnum():
                    words[j] += ","
        if k >= 8 and rnd() < 0.12:
            j = 2 + int(rnd() * (k - 5))
            words[j] += str(style["dash"]).rstrip()
        r = rnd()
        if r < 0.1 and k >= 6:
            name = v.names[int(rnd() * rnd() * len(v.names))]
            body = _cap(" ".join(words[: k - 2]).rstrip(",—–- "))
            verb = words[k - 2].rstrip(",")
            if lang == "en":
                return f'"{body}," {verb} {name}.'
            return f'"{body}", — {verb} {name}.'
        words[0] = _cap(words[0])
        return " ".join(words) + ("?" if r > 0.985 else ".")

    def _korean(self, chars: int, style: dict[str, object]) -> str:
        rnd = self.rnd.random
        k = max(2, round(chars / self.vocab["ko"].mean))
        words = self.streams["ko"].take(k - 1)
        predicate = self.predicates["ko"].take(1)[0]
        if k >= 8:
            for _ in range(int(k * 0.05 + rnd())):
                j = 1 + int(rnd() * (k - 3))
                if words[j][-1] != ",":
                    words[j] += ","
        r = rnd()
        if r < 0.2 and k >= 6:
            verb = "말했다" if r < 0.12 else "밝혔다"
            return f'{words[0].rstrip(",")} "{" ".join(words[1:]).rstrip(",")}"라고 {verb}.'
        if r < 0.32 and k >= 4:
            j = int(rnd() * (k - 2))
            words[j] = f"'{words[j]}'"
        return " ".join(words) + " " + predicate + "."

    def _chinese(self, chars: int, style: dict[str, object]) -> str:
        rnd = self.rnd.random
        k = max(2, round(chars / self.vocab["zh"].mean))
        words = self.streams["zh"].take(k)
        for _ in range(int(k / 5 + rnd())):
            j = int(rnd() * (k - 1))
            if words[j][-1] != "，":
                words[j] += "，"
        r = rnd()
        if r < 0.25 and k >= 5:
            i = int(rnd() * (k - 3))
            j = i + 1 + int(rnd() * (k - 2 - i))
            words[i] = "“" + words[i]
            words[j] = words[j].rstrip("，") + "”"
        elif r < 0.3 and k >= 5:
            j = 1 + int(rnd() * (k - 3))
            words[j] = words[j].rstrip("，") + str(style["dash"])
        return "".join(words).rstrip("，") + "。"

    def _japanese(self, chars: int, style: dict[str, object]) -> str:
        rnd = self.rnd.random
        k = max(2, round(chars / self.vocab["ja"].mean))
        words = self.streams["ja"].take(k - 1)
        words.append(self.predicates["ja"].take(1)[0])
        for _ in range(int(k / 5 + rnd())):
            j = int(rnd() * (k - 2))
            if words[j][-1] != "、":
                words[j] += "、"
        r = rnd()
        if r < 0.3 and k >= 5:
            i = int(rnd() * (k - 3))
            j = i + 1 + int(rnd() * (k - 2 - i))
            opening, closing = ("“", "”") if r < 0.08 else ("「", "」")
            words[i] = opening + words[i]
            words[j] = words[j].rstrip("、") + closing
        return "".join(words) + "。"


def _target_length(rnd: random.Random) -> int:
    """Paragraph length in characters: 80–700, most 150–400."""
    u = rnd.random()
    if u < 0.08:
        return rnd.randint(80, 150)
    if u < 0.9:
        return 150 + int(125 * (rnd.random() + rnd.random()))
    return rnd.randint(400, 680)


# --------------------------------------------------------------------------- planted kinds

_TERMINATORS = ".。?"
_CLOSERS = "\"'”’»」"
_COMMAS = {"ko": ",", "en": ",", "ru": ",", "zh": "，", "ja": "、"}
_STOPS = {"ko": ".", "en": ".", "ru": ".", "zh": "。", "ja": "。"}
_LATIN_RUN = re.compile(r"[A-Za-z]+")


def _positions(text: str, char: str) -> list[int]:
    out, i = [], text.find(char)
    while i >= 0:
        out.append(i)
        i = text.find(char, i + 1)
    return out


def _exact(w: _Writer, text: str, lang: str) -> str:
    return text


def _spacing(w: _Writer, text: str, lang: str) -> str:
    """2–4 whitespace changes that leave the normalised key alone."""
    rnd = w.rnd
    changes = rnd.randint(2, 4)
    spaces = _positions(text, " ")
    chosen = sorted(rnd.sample(spaces, min(len(spaces), changes - 1)), reverse=True) if spaces else []
    chars = list(text)
    for i in chosen:
        chars[i] = "  " if rnd.random() < 0.6 else ("\t" if rnd.random() < 0.5 else " \t")
    tail = "".join(rnd.choice(" \t") if j else " " for j in range(changes - len(chosen)))
    return "".join(chars) + tail


def _quotes_dashes(w: _Writer, text: str, lang: str) -> str:
    """The whole paragraph straightened or made typographic (word hyphens to en dashes if nothing
    else changes); a new quote pair if there is nothing to swap at all."""
    modes = [_straighten, _smarten]
    if w.rnd.random() < 0.5:
        modes.reverse()
    for mode in (*modes, _dash_hyphens):
        out = mode(text, lang)
        if out != text:
            return out
    rnd = w.rnd
    opening, closing = {"ru": ("«", "»"), "ja": ("「", "」")}.get(lang, ("“", "”"))
    if lang in _SPACED:
        words = text.split(" ")
        if len(words) >= 3:
            i = rnd.randrange(len(words) - 2)
            j = min(len(words) - 2, i + rnd.randint(1, 5))
            words[i] = opening + words[i]
            words[j] = words[j] + closing
            return " ".join(words)
    i = rnd.randrange(max(1, len(text) - 6))
    j = min(len(text) - 1, i + rnd.randint(3, 12))
    return text[:i] + opening + text[i:j] + closing + text[j:]


def _invisible(w: _Writer, text: str, lang: str) -> str:
    """No-break spaces for some spaces and 1–3 zero-width spaces."""
    rnd = w.rnd
    chars = list(text)
    spaces = _positions(text, " ")
    if spaces:
        for i in rnd.sample(spaces, max(1, min(len(spaces), round(len(spaces) * rnd.uniform(0.05, 0.3))))):
            chars[i] = "\u00a0"
    for i in sorted((rnd.randrange(1, len(chars)) for _ in range(rnd.randint(1, 3))), reverse=True):
        chars.insert(i, "\u200b")
    return "".join(chars)


def _case(w: _Writer, text: str, lang: str) -> str:
    """Case changes; for scripts without case, the Latin acronyms in them, else whitespace only."""
    rnd = w.rnd
    if lang in ("en", "ru"):
        if rnd.random() < 0.25:
            return text.upper()
        words = text.split(" ")
        cased = [i for i, word in enumerate(words) if word.lower() != word.upper()]
        for i in rnd.sample(cased, min(len(cased), rnd.randint(2, 5))):
            word = words[i]
            options = [v for v in dict.fromkeys((word.upper(), word.lower(), word.title())) if v != word]
            if options:
                words[i] = rnd.choice(options)
        out = " ".join(words)
        return out if out != text else text.upper()
    runs = [m.span() for m in _LATIN_RUN.finditer(text)]
    if not runs:
        return _spacing(w, text, lang)
    chars = list(text)
    for a, b in rnd.sample(runs, min(len(runs), rnd.randint(1, 3))):
        run = text[a:b]
        chars[a:b] = run.lower() if run != run.lower() else run.upper()  # fewer chars never: same length
    return "".join(chars)


def _punctuation(w: _Writer, text: str, lang: str) -> str:
    """1–2 changes: the final full stop removed or added, a comma removed or added."""
    rnd = w.rnd
    comma, stop = _COMMAS[lang], _STOPS[lang]
    ops = ["stop", "comma"] if rnd.random() < 0.5 else ["comma", "stop"]
    ops = ops[: rnd.randint(1, 2)]
    for op in ops:
        if op == "stop":
            end = len(text.rstrip(_CLOSERS))
            removable = end > 0 and text[end - 1] in _TERMINATORS
            text = text[: end - 1] + text[end:] if removable else text + stop
            continue
        marker = comma + " " if lang in _SPACED else comma
        found = _positions(text, marker)
        if found and rnd.random() < 0.5:
            i = rnd.choice(found)
            text = text[:i] + text[i + 1 :]
        elif lang in _SPACED:
            spaces = [i for i in _positions(text, " ") if text[i - 1].isalnum()]
            if spaces:
                i = rnd.choice(spaces)
                text = text[:i] + comma + text[i:]
            elif found:
                i = rnd.choice(found)
                text = text[:i] + text[i + 1 :]
        else:
            places = [i for i in range(2, len(text) - 2) if text[i - 1].isalnum() and text[i].isalnum()]
            i = rnd.choice(places) if places else len(text) // 2
            text = text[:i] + comma + text[i:]
    return text


def _typo_char(rnd: random.Random, lang: str, old: str, alphabet: str) -> str:
    code = ord(old) - _HANGUL
    if lang == "ko" and 0 <= code < 11172:
        lead, vowel, tail = code // 588, code % 588 // 28, code % 28
        which = rnd.randrange(3)
        if which == 0:
            lead = (lead + rnd.randint(1, 18)) % 19
        elif which == 1:
            vowel = (vowel + rnd.randint(1, 20)) % 21
        else:
            tail = (tail + rnd.randint(1, 27)) % 28
        return _hangul(lead, vowel, tail)
    while True:
        new = rnd.choice(alphabet)
        if new.casefold() != old.casefold():
            return new


def _typos(w: _Writer, text: str, lang: str, rate: float, least: int) -> str:
    """About ``rate`` of the characters substituted, deleted or inserted, at least ``least`` edits."""
    rnd = w.rnd
    alphabet = w.vocab[lang].alphabet
    edits = min(len(text), max(least, int(len(text) * rate + rnd.random())))
    while True:
        chars = list(text)
        for i in sorted(rnd.sample(range(len(text)), edits), reverse=True):
            r = rnd.random()
            if r < 0.5:
                chars[i] = _typo_char(rnd, lang, chars[i], alphabet)
            elif r < 0.75 and len(chars) > 1:
                del chars[i]
            else:
                chars.insert(i, _typo_char(rnd, lang, chars[i], alphabet))
        out = "".join(chars)
        if out != text:
            return out


def _typo1(w: _Writer, text: str, lang: str) -> str:
    return _typos(w, text, lang, 0.01, 1)


def _typo3(w: _Writer, text: str, lang: str) -> str:
    return _typos(w, text, lang, 0.03, 2)


def _cut(w: _Writer, text: str, lang: str, low: float, high: float, clause: bool) -> int:
    """A cut position between ``low`` and ``high`` of the length: after a clause or sentence if
    ``clause`` and one ends there, else at a word boundary where the script has spaces."""
    n = len(text)
    a, b = max(1, int(n * low)), max(1, int(n * high))
    if clause:
        ends = [i + 1 for i in range(a - 1, b - 1) if text[i] in ",.，、。"]
        if ends:
            return w.rnd.choice(ends)
    if lang in _SPACED:
        spaces = [i for i in _positions(text, " ") if a <= i <= b]
        if spaces:
            return w.rnd.choice(spaces)
    return w.rnd.randint(a, b)


def _truncated(w: _Writer, text: str, lang: str) -> str:
    return text[: _cut(w, text, lang, 0.55, 0.80, clause=False)].rstrip()


def _appended(w: _Writer, text: str, lang: str) -> str:
    """The original and one new sentence of 20–35 % of its length (a few tries to hit that range)."""
    separator = " " if lang in _SPACED else ""
    low, high = 0.20 * len(text), 0.35 * len(text)
    target = max(8.0, len(text) * w.rnd.uniform(0.21, 0.34))
    for _ in range(25):
        sentence = separator + w.sentence[lang](round(target), w.style(lang))
        if low <= len(sentence) <= high:
            break
        target *= (low + high) / 2 / len(sentence)
    if any(q in text for q in "“’«"):
        sentence = _curly_quotes(sentence, lang)
    return text + sentence


def _merged(w: _Writer, first: str, second: str) -> str:
    return first + " " + second


def _hard_negative(w: _Writer, text: str, lang: str) -> str:
    """The opening 35–50 % of ``text`` and new text to about the same total length."""
    cut = _cut(w, text, lang, 0.35, 0.50, clause=True)
    opening = text[:cut].rstrip() + (" " if lang in _SPACED else "")
    lower_start = opening.rstrip()[-1:] not in _TERMINATORS
    want = len(text) * w.rnd.uniform(0.9, 1.1) - len(opening)
    target = want
    for _ in range(25):
        rest = w.paragraph(lang, max(20, round(target)), lower_start=lower_start)
        if abs(len(rest) - want) <= 0.1 * len(text):
            break
        target *= want / len(rest)
    return opening + rest


_KIND_FUNCTIONS: dict[str, Callable[[_Writer, str, str], str]] = {
    "exact": _exact,
    "spacing": _spacing,
    "quotes_dashes": _quotes_dashes,
    "invisible": _invisible,
    "case": _case,
    "punctuation": _punctuation,
    "typo1": _typo1,
    "typo3": _typo3,
    "truncated": _truncated,
    "appended": _appended,
}


# --------------------------------------------------------------------------- the corpus


def _originals(w: _Writer, count: int) -> tuple[list[str], list[str]]:
    """``count`` original paragraphs and their languages, drawn from ``w``'s random state."""
    rnd = w.rnd
    thresholds = np.cumsum(LANGUAGE_SHARES).tolist()
    languages = []
    for _ in range(count):
        u = rnd.random()
        languages.append(next((lang for lang, t in zip(LANGUAGES, thresholds, strict=True) if u < t), "ja"))
    paragraphs = []
    for lang in languages:
        target = _target_length(rnd)
        while True:
            text = w.paragraph(lang, target)
            if rnd.random() < 0.06 and text[-1] in _TERMINATORS:  # some scraped paragraphs lack the final stop
                text = text[:-1]
            if len(text) < 80:
                target += 10
            elif len(text) > 700:
                target -= 20
            else:
                break
        paragraphs.append(text)
    return paragraphs, languages


def make_corpus(n: int, seed: int = 0, *, copy_share: float = 0.2, negative_share: float = 0.02) -> Corpus:
    """``n`` paragraphs: originals, planted copies of the kinds in ``KINDS`` and hard negatives.

    ``round(n * copy_share)`` copies spread evenly over the kinds and ``round(n * negative_share)``
    hard negatives, each after its source(s). Same output for the same ``(n, seed)``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not (0 <= copy_share <= 1 and 0 <= negative_share <= 1 and copy_share + negative_share <= 1):
        raise ValueError("copy_share and negative_share must be in [0, 1] and sum to at most 1")
    n_copies, n_negatives = round(n * copy_share), round(n * negative_share)
    n_originals = n - n_copies - n_negatives
    if n_originals < 2 and n_copies + n_negatives > 0:
        raise ValueError("too few originals left for the copies and negatives")

    w = _Writer(seed)
    rnd = w.rnd
    paragraphs, languages = _originals(w, n_originals)

    per_kind, extra = divmod(n_copies, len(KINDS))
    bonus = set(rnd.sample(range(len(KINDS)), extra))
    derived = [kind for i, kind in enumerate(KINDS) for _ in range(per_kind + (i in bonus))]
    derived += ["hard_negative"] * n_negatives
    rnd.shuffle(derived)

    order: list[int] = []
    by_language: dict[str, list[int]] = {lang: [] for lang in LANGUAGES}
    for i, lang in enumerate(languages):
        by_language[lang].append(i)

    def next_source() -> int:
        if not order:
            order.extend(range(n_originals))
            rnd.shuffle(order)
        return order.pop()

    kinds = ["original"] * n_originals
    sources: list[tuple[int, ...]] = [()] * n_originals
    keys = list(map(float, range(n_originals)))
    for kind in derived:
        first = next_source()
        lang = languages[first]
        if kind == "merged":
            pool = by_language[lang] if len(by_language[lang]) > 1 else range(n_originals)
            second = first
            while second == first:
                second = pool[rnd.randrange(len(pool))]
            text = _merged(w, paragraphs[first], paragraphs[second])
            src: tuple[int, ...] = (first, second)
        elif kind == "hard_negative":
            text, src = _hard_negative(w, paragraphs[first], lang), (first,)
        else:
            text, src = _KIND_FUNCTIONS[kind](w, paragraphs[first], lang), (first,)
        after = max(src)
        u = rnd.random()
        far = rnd.random() < 0.25  # anywhere later; else nearby: mostly a few paragraphs, at most ~40 originals
        key = after + (n_originals - after) * (1.0 - u) if far else after + 0.5 + 40.0 * u * u * u
        paragraphs.append(text)
        languages.append(lang)
        kinds.append(kind)
        sources.append(src)
        keys.append(key)

    order_ = np.argsort(np.array(keys, dtype=np.float64), kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order_] = np.arange(n)
    pos = position.tolist()
    new = order_.tolist()
    return Corpus(
        paragraphs=[paragraphs[i] for i in new],
        kinds=[kinds[i] for i in new],
        sources=[tuple(pos[s] for s in sources[i]) for i in new],
        languages=[languages[i] for i in new],
    )


# --------------------------------------------------------------------------- scattered lone copies

SCATTERED_KINDS: tuple[str, ...] = ("exact", "spacing", "case", "typo1")


def make_scattered(n: int, seed: int = 0, *, copied_share: float = 1 / 6, fewest: int = 2, most: int = 6) -> Corpus:
    """``n`` paragraphs: originals, about ``copied_share`` of them copied to ``fewest``–``most``
    random later places each, every copy with light noise (one of ``SCATTERED_KINDS``).

    What a dump of many scraped pages looks like to the removal rule: a paragraph occurs three
    to seven times, its copies far apart and anywhere after it, each one alone between
    unrelated paragraphs. A rule that calls every lone line occurring more than twice a
    template line keeps them all. Same output for the same ``(n, seed)``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not (0 <= copied_share <= 1 and 1 <= fewest <= most):
        raise ValueError("copied_share must be in [0, 1] and 1 <= fewest <= most")
    mean = (fewest + most) / 2
    n_copies = round(n * copied_share * mean / (1 + copied_share * mean))
    n_originals = n - n_copies
    if n_originals < 1 and n_copies:
        raise ValueError("too few originals left for the copies")
    w = _Writer(seed)
    rnd = w.rnd
    paragraphs, languages = _originals(w, n_originals)
    kinds = ["original"] * n_originals
    sources: list[tuple[int, ...]] = [()] * n_originals
    keys = list(map(float, range(n_originals)))
    chosen = list(range(n_originals))
    rnd.shuffle(chosen)
    left = n_copies
    while left:
        first = chosen.pop() if chosen else rnd.randrange(n_originals)
        for _ in range(min(rnd.randint(fewest, most), left)):
            kind = SCATTERED_KINDS[rnd.randrange(len(SCATTERED_KINDS))]
            paragraphs.append(_KIND_FUNCTIONS[kind](w, paragraphs[first], languages[first]))
            languages.append(languages[first])
            kinds.append(kind)
            sources.append((first,))
            keys.append(first + 0.5 + (n_originals - first - 0.5) * rnd.random())  # anywhere later
            left -= 1
    order_ = np.argsort(np.array(keys, dtype=np.float64), kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order_] = np.arange(n)
    pos = position.tolist()
    new = order_.tolist()
    return Corpus(
        paragraphs=[paragraphs[i] for i in new],
        kinds=[kinds[i] for i in new],
        sources=[tuple(pos[s] for s in sources[i]) for i in new],
        languages=[languages[i] for i in new],
    )


if __name__ == "__main__":  # a quick look: python -m benchmarks.corpus [N]
    import sys

    corpus = make_corpus(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
    for i, (p, k, s, lang) in enumerate(
        zip(corpus.paragraphs, corpus.kinds, corpus.sources, corpus.languages, strict=True)
    ):
        print(f"{i:4d} {lang} {k:14s} {s!s:12s} {p!r}")
