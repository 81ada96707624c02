"""The alternatives a user would otherwise pick, as plain functions with one interface.

Each baseline takes the paragraphs in order and returns one ``Match`` per repeated paragraph:
``(index of the repeated paragraph, index of the kept paragraph it copies, score 0–1)``. They
share every rule with ``dedupe`` so that a benchmark compares only candidate generation and
implementation, in speed and in quality:

* the key of a paragraph is ``dedupe.normalize.normalize(p)``; a score is
  ``rapidfuzz.distance.Indel.normalized_similarity`` of two keys (``fuzz.ratio / 100``);
* paragraphs are visited in order; a paragraph is a copy of the best-scoring earlier *kept*
  paragraph that scores at least ``threshold`` against it (ties: the earliest), and a copy is
  not kept itself, so A≈B and B≈C do not remove C unless C≈A;
* an exact key repeat takes a dict fast path, as a user would write it: the key's first
  paragraph, score 1.0, when that paragraph was kept. When the first paragraph with the key
  was itself a copy, the repeat copies the same kept paragraph with the same score (equal
  keys score equally against everything), which is also what ``dedupe`` does with its units
  of distinct keys; so a reported ``kept`` index is always a kept paragraph.

``BASELINES`` maps a display name to each function with its defaults (threshold 0.9,
128 permutations, 32 bands × 4 rows: the defaults of ``dedupe``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from dedupe.normalize import normalize

Match = tuple[int, int, float]
SHINGLE_SIZE = 5


def exact_hash(paragraphs: Sequence[str]) -> list[Match]:
    """Exact copies only: remember each normalised key, report every later paragraph with a known key.

    The floor of every benchmark: the least work any deduplicator does. The dict is keyed by
    the key string itself, not by a digest (xxhash is not installed; ``hashlib.blake2b`` would
    be the choice): CPython hashes a string once and caches the hash, equal hashes are
    confirmed by comparing the strings, so there is no collision to reason about, and a digest
    would add an encode and a hash pass per paragraph to save memory that the keys need anyway
    while they are being compared.
    """
    first: dict[str, int] = {}
    matches: list[Match] = []
    for i, paragraph in enumerate(paragraphs):
        j = first.setdefault(normalize(paragraph), i)
        if j != i:
            matches.append((i, j, 1.0))
    return matches


def shingles(key: str, size: int = SHINGLE_SIZE) -> set[str]:
    """The character ``size``-grams of ``key``; a shorter key is one shingle (as in ``dedupe.shingle``)."""
    if len(key) < size:
        return {key}
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def best_kept(keys: Sequence[str], i: int, candidates: Iterable[int], threshold: float) -> tuple[int, float] | None:
    """The candidate scoring highest (at least ``threshold``) against ``keys[i]``; ties go to the earliest.

    One rapidfuzz call per candidate, the way a user verifies what an LSH index returns.
    ``candidates`` must be kept paragraphs.
    """
    best: tuple[int, float] | None = None
    for j in sorted(candidates):
        score = Indel.normalized_similarity(keys[j], keys[i], score_cutoff=threshold)
        if score >= threshold and (best is None or score > best[1]):
            best = (j, score)
    return best


def _with_minhash_lsh(
    paragraphs: Sequence[str],
    sign: Callable[[str], MinHash],
    threshold: float,
    num_perm: int,
    params: tuple[int, int],
) -> list[Match]:
    """Keep-first deduplication with datasketch's ``MinHashLSH``: only kept paragraphs are inserted."""
    lsh = MinHashLSH(num_perm=num_perm, params=params)
    keys = [normalize(p) for p in paragraphs]
    leader: dict[str, tuple[int, float]] = {}  # key -> (kept paragraph, score); (itself, 1.0) when kept
    matches: list[Match] = []
    for i, key in enumerate(keys):
        if key in leader:
            matches.append((i, *leader[key]))
            continue
        minhash = sign(key)
        best = best_kept(keys, i, (int(c) for c in lsh.query(minhash)), threshold)
        if best is None:
            lsh.insert(str(i), minhash)
            leader[key] = (i, 1.0)
        else:
            matches.append((i, *best))
            leader[key] = best
    return matches


def datasketch_update(
    paragraphs: Sequence[str], *, threshold: float = 0.9, num_perm: int = 128, params: tuple[int, int] = (32, 4)
) -> list[Match]:
    """What a user writes from datasketch's documentation: ``MinHash.update`` once per shingle.

    A new ``MinHash(num_perm=num_perm)`` per paragraph, ``m.update(s.encode("utf-8"))`` for
    every distinct character 5-gram of the key (a set, as in the documentation's example),
    ``lsh.query(m)``, each returned (kept) paragraph verified by rapidfuzz, and
    ``lsh.insert(str(i), m)`` only when the paragraph is kept. The most common way to do
    this job in Python; one Python call and one SHA-1 per shingle.
    """

    def sign(key: str) -> MinHash:
        minhash = MinHash(num_perm=num_perm)
        for shingle in shingles(key):
            minhash.update(shingle.encode("utf-8"))
        return minhash

    return _with_minhash_lsh(paragraphs, sign, threshold, num_perm, params)


def datasketch_update_batch(
    paragraphs: Sequence[str], *, threshold: float = 0.9, num_perm: int = 128, params: tuple[int, int] = (32, 4)
) -> list[Match]:
    """``datasketch_update`` with ``m.update_batch([s.encode("utf-8") for s in shingles])``.

    The same signatures (a test checks that the matches are equal), computed with one
    vectorised call per paragraph: the best a careful datasketch user gets without writing
    their own MinHash.
    """

    def sign(key: str) -> MinHash:
        minhash = MinHash(num_perm=num_perm)
        minhash.update_batch([shingle.encode("utf-8") for shingle in shingles(key)])
        return minhash

    return _with_minhash_lsh(paragraphs, sign, threshold, num_perm, params)


def all_pairs(paragraphs: Sequence[str], *, threshold: float = 0.9, chunk: int = 2000) -> list[Match]:
    """No candidate generation: every key scored against every earlier key with ``rapidfuzz.process.cdist``.

    What a user writes who trusts rapidfuzz and has few paragraphs: each chunk of keys
    against all keys up to the chunk's end (itself included), ``score_cutoff=threshold``,
    one worker, then the same keep-first greedy. It misses nothing, so it is the exact
    reference for the LSH systems; it is quadratic, meant for a few thousand paragraphs
    (``chunk`` × n float64 scores in memory at a time). Scores are float64 so that they
    equal rapidfuzz's scalar scores, as the other systems report them: in float32 a score of
    exactly 0.9 reads back as 0.8999999762, below a threshold of 0.9 once it is a Python float.
    """
    keys = [normalize(p) for p in paragraphs]
    kept = np.zeros(len(keys), dtype=bool)
    leader: dict[str, tuple[int, float]] = {}  # key -> (kept paragraph, score); (itself, 1.0) when kept
    matches: list[Match] = []
    for start in range(0, len(keys), chunk):
        stop = min(start + chunk, len(keys))
        scores = cdist(
            keys[start:stop],
            keys[:stop],
            scorer=Indel.normalized_similarity,
            score_cutoff=threshold,
            dtype=np.float64,
            workers=1,
        )
        for i in range(start, stop):
            if keys[i] in leader:
                matches.append((i, *leader[keys[i]]))
                continue
            row = scores[i - start, :i]
            hits = np.flatnonzero(row >= threshold)
            hits = hits[kept[hits]]
            if hits.size == 0:
                kept[i] = True
                leader[keys[i]] = (i, 1.0)
            else:
                j = int(hits[np.argmax(row[hits])])  # the first maximum: ties go to the earliest
                matches.append((i, j, float(row[j])))
                leader[keys[i]] = (j, float(row[j]))
    return matches


BASELINES: dict[str, Callable[[Sequence[str]], list[Match]]] = {
    "exact-hash": exact_hash,
    "datasketch update": datasketch_update,
    "datasketch update_batch": datasketch_update_batch,
    "all-pairs rapidfuzz": all_pairs,
}


# datatrove's exact line deduplication: an optional baseline for corpus mode (benchmarks.corpus_mode).
# Its sentence deduplication needs two modules that ``pip install datatrove`` alone does not bring:
# ``regex`` (datatrove.utils.text) and ``tokenizers`` (imported by the datatrove.pipeline.dedup package).
DATATROVE_INSTALL = "pip install datatrove regex tokenizers"


def datatrove_missing() -> str | None:
    """``None`` when datatrove's sentence deduplication imports, else why not (the ImportError's message)."""
    try:
        import datatrove.pipeline.dedup  # noqa: F401
    except ImportError as error:
        return str(error)
    return None


def datatrove_line_dedup(documents: Sequence[str]) -> list[list[int]]:
    """Documents in order through datatrove's sentence deduplication, splitting on lines; the removed lines.

    Returns, for each document, the indices of its lines (``str.splitlines``) that datatrove removed.
    Run as a datatrove user runs it: the three stages of ``datatrove.pipeline.dedup``
    (``SentenceDedupSignature``, ``SentenceFindDedups``, ``SentenceDedupFilter``), each through a
    ``LocalPipelineExecutor`` with one task and one worker (which runs it in this process),
    communicating through signature and duplicate files in a temporary folder, with the options
    closest to "remove a line that an earlier document already had" (``SentDedupConfig``):

    * ``split_sentences=False``: a unit is a line (``str.splitlines``), here a paragraph;
    * ``n_sentences=1``: a span of one line is enough to match (its default, 3, is C4's rule:
      spans of three consecutive sentences);
    * ``min_doc_words=0``, ``min_num_sentences=0``: no document is dropped for what is left
      (its defaults drop a document left with fewer than 50 words or 3 sentences), except one
      left empty, which its filter always drops; ``min_words_to_remove_span=0`` (the default);
    * ``hash_config=HashConfig(precision=64, hash_fc="sha1")``: its default, xxhash, fails with
      xxhash 4 (``xxh64_intdigest`` takes bytes only; datatrove's ``processing`` extra pins
      xxhash < 4, and ``datasets`` here has 4), so its other built-in hash, 64-bit SHA-1;
    * ``language=WhitespaceTokenizer()``: the default (English) builds a spaCy tokenizer, which
      needs spaCy installed; with the options above no stage ever tokenizes, so datatrove's
      fallback tokenizer is passed only to get past that check. The default text normalisation
      (``TextNormConfig``) is kept.

    How this differs from ``Deduper(policy="seen")``: exact matching only, of a 64-bit hash of
    datatrove's normalised line (``simplify_text``: lower case, every digit run becomes "0",
    the characters of its punctuation list become spaces, whitespace collapsed, combining marks dropped after NFD), so
    ``1,200`` equals ``7.5`` and no near copy (one typo, a truncated or merged line) matches;
    every occurrence after the first is removed, within a document as well as across (the
    first is the lowest document, then line, index); a line that normalises to nothing is never
    removed. It is not a stream: the duplicates are found once all signatures are written, so
    nothing comes out before the whole input has gone through stage 1.

    Input and output stay in memory (a list of ``Document`` as the first pipeline step, as
    datatrove's executor accepts, and a last step that collects what the filter yields), so
    that neither side pays for JSON. The removed lines are read off the output: kept lines
    are matched in order against the document's lines (the filter joins the kept lines with
    "\\n" and strips leading whitespace, which leaves a stream of non-blank lines unchanged).
    """
    import tempfile

    from datatrove.data import Document, DocumentsPipeline
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        SentDedupConfig,
        SentenceDedupFilter,
        SentenceDedupSignature,
        SentenceFindDedups,
    )
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.word_tokenizers import WhitespaceTokenizer

    config = SentDedupConfig(
        n_sentences=1,
        split_sentences=False,
        min_doc_words=0,
        min_num_sentences=0,
        min_words_to_remove_span=0,
        hash_config=HashConfig(precision=64, hash_fc="sha1"),
    )
    tokenizer = WhitespaceTokenizer()
    docs = [Document(text=text, id=str(k)) for k, text in enumerate(documents)]
    kept: dict[str, str] = {}

    def collect(data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            kept[doc.id] = doc.text
            yield doc

    with tempfile.TemporaryDirectory(prefix="datatrove-") as tmp:
        sigs, dups, logs = f"{tmp}/sigs", f"{tmp}/dups", f"{tmp}/logs"
        stages = [
            [docs, SentenceDedupSignature(output_folder=sigs, config=config, language=tokenizer)],
            [SentenceFindDedups(data_folder=sigs, output_folder=dups, config=config)],
            [docs, SentenceDedupFilter(data_folder=dups, config=config, language=tokenizer), collect],
        ]
        for k, pipeline in enumerate(stages, 1):
            LocalPipelineExecutor(pipeline=pipeline, tasks=1, workers=1, logging_dir=f"{logs}/{k}").run()
    removed: list[list[int]] = []
    for k, text in enumerate(documents):
        left = kept.get(str(k), "").splitlines()
        gone: list[int] = []
        j = 0
        for i, line in enumerate(text.splitlines()):
            if j < len(left) and left[j] == line:
                j += 1
            else:
                gone.append(i)
        removed.append(gone)
    return removed
