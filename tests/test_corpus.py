"""The synthetic benchmark corpus: deterministic, labelled consistently, and its planted kinds are what they claim."""

from __future__ import annotations

import collections
import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from rapidfuzz.distance import Indel

from benchmarks.corpus import KINDS, LANGUAGE_SHARES, LANGUAGES, Corpus, corpus_text, make_corpus
from dedupe.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
KEY_PRESERVING = ("exact", "spacing", "quotes_dashes", "invisible", "case")
LIGHT = (*KEY_PRESERVING, "punctuation", "typo1")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return make_corpus(5000, seed=7)


def similarity(a: str, b: str) -> float:
    return float(Indel.normalized_similarity(normalize(a), normalize(b)))


def sample(corpus: Corpus, kind: str, count: int = 150) -> list[int]:
    indices = [i for i, k in enumerate(corpus.kinds) if k == kind]
    return random.Random(kind).sample(indices, min(count, len(indices)))


def digest(corpus: Corpus) -> str:
    h = hashlib.sha256()
    for row in zip(corpus.paragraphs, corpus.kinds, corpus.sources, corpus.languages, strict=True):
        h.update(repr(row).encode("utf-8"))
    return h.hexdigest()


def test_deterministic() -> None:
    assert make_corpus(1500, seed=3) == make_corpus(1500, seed=3)
    assert make_corpus(1500, seed=3).paragraphs != make_corpus(1500, seed=4).paragraphs


def test_deterministic_across_processes_and_hash_seeds() -> None:
    code = "from benchmarks.corpus import make_corpus\nfrom tests.test_corpus import digest\n"
    code += "print(digest(make_corpus(400)))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest(make_corpus(400))


@pytest.mark.parametrize("n", [0, 1, 2, 13, 100, 2000])
def test_length_and_parallel_lists(n: int) -> None:
    c = make_corpus(n)
    assert len(c.paragraphs) == len(c.kinds) == len(c.sources) == len(c.languages) == n
    assert corpus_text(c) == "\n".join(c.paragraphs)
    assert all(p and "\n" not in p and "\r" not in p for p in c.paragraphs)


def test_every_kind_present_and_shares() -> None:
    c = make_corpus(2000, seed=1)
    counts = collections.Counter(c.kinds)
    assert set(counts) == {"original", "hard_negative", *KINDS}
    assert sum(counts[k] for k in KINDS) == round(2000 * 0.2)
    assert counts["hard_negative"] == round(2000 * 0.02)
    assert max(counts[k] for k in KINDS) - min(counts[k] for k in KINDS) <= 1
    c = make_corpus(1000, seed=1, copy_share=0.5, negative_share=0.1)
    assert collections.Counter(c.kinds)["original"] == 400


def test_sources_precede_and_match_kinds(corpus: Corpus) -> None:
    adjacent = 0
    for i, (kind, sources) in enumerate(zip(corpus.kinds, corpus.sources, strict=True)):
        if kind == "original":
            assert sources == ()
            continue
        assert len(sources) == (2 if kind == "merged" else 1)
        assert all(0 <= s < i and corpus.kinds[s] == "original" for s in sources)
        assert corpus.languages[i] == corpus.languages[sources[0]]
        adjacent += max(sources) == i - 1
    derived = sum(k != "original" for k in corpus.kinds)
    assert adjacent < derived / 2  # not always right after the source
    assert max(i - max(s) for i, s in enumerate(corpus.sources) if s) > 500  # some copies far away


def test_language_shares(corpus: Corpus) -> None:
    originals = [lang for lang, kind in zip(corpus.languages, corpus.kinds, strict=True) if kind == "original"]
    counts = collections.Counter(originals)
    for lang, share in zip(LANGUAGES, LANGUAGE_SHARES, strict=True):
        assert abs(counts[lang] / len(originals) - share) < 0.03, lang


def test_paragraph_lengths(corpus: Corpus) -> None:
    lengths = [len(p) for p, k in zip(corpus.paragraphs, corpus.kinds, strict=True) if k == "original"]
    assert min(lengths) >= 80 and max(lengths) <= 700
    assert 0.7 < sum(150 <= n <= 400 for n in lengths) / len(lengths) < 0.95


@pytest.mark.parametrize("kind", LIGHT)
def test_light_copies_stay_near(corpus: Corpus, kind: str) -> None:
    for i in sample(corpus, kind):
        source = corpus.paragraphs[corpus.sources[i][0]]
        assert corpus.paragraphs[i] != source or kind == "exact"
        assert similarity(corpus.paragraphs[i], source) >= 0.9


@pytest.mark.parametrize("kind", KEY_PRESERVING)
def test_noise_kinds_keep_the_key(corpus: Corpus, kind: str) -> None:
    for i in sample(corpus, kind):
        copy, source = corpus.paragraphs[i], corpus.paragraphs[corpus.sources[i][0]]
        if normalize(copy) == normalize(source):
            continue
        # the one documented exception: nothing to swap, so a quote pair was added
        assert kind == "quotes_dashes"
        assert not any(ch in source for ch in "\"'“”‘’«»-–—")
        assert len(normalize(copy)) == len(normalize(source)) + 2


def test_typos_and_punctuation_change_the_key(corpus: Corpus) -> None:
    for kind in ("punctuation", "typo1", "typo3"):
        for i in sample(corpus, kind, 50):
            assert normalize(corpus.paragraphs[i]) != normalize(corpus.paragraphs[corpus.sources[i][0]])


def test_typo3_mostly_near(corpus: Corpus) -> None:
    p, sources = corpus.paragraphs, corpus.sources
    scores = [similarity(p[i], p[sources[i][0]]) for i in sample(corpus, "typo3")]
    assert sum(s >= 0.9 for s in scores) >= 0.9 * len(scores)
    assert max(scores) < 1.0


def test_truncated_appended_merged_shapes(corpus: Corpus) -> None:
    p = corpus.paragraphs
    for i in sample(corpus, "truncated", 80):
        source = p[corpus.sources[i][0]]
        assert source.startswith(p[i]) and 0.5 <= len(p[i]) / len(source) <= 0.8
    for i in sample(corpus, "appended", 80):
        source = p[corpus.sources[i][0]]
        assert p[i].startswith(source) and 0.2 <= (len(p[i]) - len(source)) / len(source) <= 0.35
    for i in sample(corpus, "merged", 80):
        a, b = corpus.sources[i]
        assert p[i] == p[a] + " " + p[b] and a != b


def test_hard_negatives_share_the_opening_only(corpus: Corpus) -> None:
    for i in sample(corpus, "hard_negative"):
        negative, source = corpus.paragraphs[i], corpus.paragraphs[corpus.sources[i][0]]
        shared = next((j for j, (x, y) in enumerate(zip(negative, source, strict=False)) if x != y), len(source))
        assert 0.3 * len(source) <= shared <= 0.55 * len(source)
        assert 0.75 <= len(negative) / len(source) <= 1.3
        assert similarity(negative, source) < 0.85


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make_corpus(-1)
    with pytest.raises(ValueError):
        make_corpus(100, copy_share=0.9, negative_share=0.2)
    with pytest.raises(ValueError):
        make_corpus(10, copy_share=1.0)
