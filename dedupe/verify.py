"""Scores of candidate pairs with rapidfuzz: the only judge of what is a copy.

The score is the normalised Indel similarity of the two normalised texts
(``rapidfuzz.fuzz.ratio / 100``), on a 0–1 scale: ``2 · LCS / (len(a) + len(b))``, where
LCS is the length of their longest common subsequence.

Computing it exactly takes time proportional to the product of the two lengths, which is
nothing for paragraphs but minutes for two lines of megabytes. So when both texts are
longer than :data:`EXACT_LIMIT` characters, the LCS is computed piece by piece along an
alignment (:func:`aligned_pieces`): the first text is cut every :data:`BLOCK` characters,
each cut is carried to the second text by anchors (short substrings that occur once in
each text, kept in the order they appear in both), and the exact LCS of each pair of
pieces is summed. That sum is the length of a real common subsequence, so the score is
the Indel similarity of one actual alignment: never above the exact score, equal to it
when the best alignment passes through the cuts, and for near copies within a thousandth
of it in our measurements (``python -m benchmarks.long_lines``). It costs about
``BLOCK / 64`` machine words per character of the second text: linear in the input size.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel, LCSseq
from rapidfuzz.process import cpdist

from dedupe.unit_keys import keys_for

EXACT_LIMIT = 20_000  # above this many characters in the shorter text, the score goes by pieces
BLOCK = 2_048  # characters per piece of the first text
ANCHOR = 16  # characters of an anchor (at least 4)
SAMPLE = 32  # about one substring in SAMPLE (chosen by its content) is a possible anchor
_CHUNK = 1 << 20  # characters hashed at a time

_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants of a multiplicative hash
_POLY = np.uint64(0x100000001B3)


def score_pairs(keys: Sequence[str], pairs: npt.NDArray[np.int64], cutoff: float = 0.0) -> npt.NDArray[np.float64]:
    """Return the similarity of ``keys[i]`` and ``keys[j]`` for every row ``(i, j)``.

    Scores below ``cutoff`` come back as 0, which lets rapidfuzz stop early. Pairs go a
    chunk at a time: keys that are made when read (:mod:`dedupe.unit_keys`) are then held
    a chunk's worth at a time.
    """
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), _PAIRS_AT_ONCE):
        held = keys_for(keys, pairs[start : start + _PAIRS_AT_ONCE])
        chunk = pairs[start : start + _PAIRS_AT_ONCE].tolist()
        out[start : start + len(chunk)] = score_each([held[i] for i, _ in chunk], [held[j] for _, j in chunk], cutoff)
    return out


_PAIRS_AT_ONCE = 1 << 14


def score_each(left: Sequence[str], right: Sequence[str], cutoff: float = 0.0) -> npt.NDArray[np.float64]:
    """Return the similarity of ``left[k]`` and ``right[k]`` for every ``k`` (0 below ``cutoff``)."""
    if len(left) == 0:
        return np.empty(0, dtype=np.float64)
    if max(map(len, left)) <= EXACT_LIMIT or max(map(len, right)) <= EXACT_LIMIT:  # the usual case, quickly
        return _exact(left, right, cutoff)
    long = [k for k, (a, b) in enumerate(zip(left, right, strict=True)) if min(len(a), len(b)) > EXACT_LIMIT]
    if not long:
        return _exact(left, right, cutoff)
    scores = np.zeros(len(left), dtype=np.float64)
    short = np.setdiff1d(np.arange(len(left)), long)
    scores[short] = _exact([left[k] for k in short], [right[k] for k in short], cutoff)
    for k in long:
        a, b = left[k], right[k]
        if 2 * min(len(a), len(b)) < cutoff * (len(a) + len(b)):
            continue  # the lengths alone keep the score below the cutoff
        s = _by_pieces(a, b)
        scores[k] = s if s >= cutoff else 0.0
    return scores


def score(a: str, b: str) -> float:
    """Return the similarity of two normalised texts, the reference for one pair."""
    if min(len(a), len(b)) > EXACT_LIMIT:
        return _by_pieces(a, b)
    return float(Indel.normalized_similarity(a, b))


def _exact(left: Sequence[str], right: Sequence[str], cutoff: float) -> npt.NDArray[np.float64]:
    if len(left) == 0:
        return np.empty(0, dtype=np.float64)
    # rapidfuzz's score_cutoff drops many pairs whose score is the cutoff exactly (half of a
    # random sample; 2 * 100 / (150 + 100) = 0.8 comes back 0 at cutoff 0.8), which the
    # threshold keeps (">=", as score() says). A margin of 1e-9 is not enough, 1e-6 is on
    # every pair tried: ask for that much less and cut here.
    scores = np.asarray(
        cpdist(left, right, scorer=Indel.normalized_similarity, score_cutoff=max(cutoff - 1e-6, 0.0), dtype=np.float64)
    )
    scores[scores < cutoff] = 0.0
    return scores


def _by_pieces(a: str, b: str) -> float:
    if a == b:
        return 1.0
    first, second = aligned_pieces(a, b)
    common = int(np.asarray(cpdist(first, second, scorer=LCSseq.similarity, dtype=np.int64)).sum())
    return 2 * common / (len(a) + len(b))


def aligned_pieces(a: str, b: str) -> tuple[list[str], list[str]]:
    """Cut two texts into as many consecutive pieces each, piece ``k`` of one facing piece ``k`` of the other.

    The pieces of each text join back into it, so the LCS of the pairs of pieces add up to
    a common subsequence of the two texts. The texts are taken in a fixed order (the lesser
    first), so that the result does not depend on which is ``a``; the first is cut every
    :data:`BLOCK` characters.
    """
    if b < a:
        a, b = b, a
    cuts = np.arange(BLOCK, len(a), BLOCK, dtype=np.int64)
    at, bt = _anchor_chain(a, b)
    # A cut moves to the first anchor in the quarter block after it, if any: there the two
    # texts agree, so the best alignment almost surely passes through it.
    k = np.searchsorted(at, cuts)
    near = k < len(at)
    near[near] = at[k[near]] < cuts[near] + BLOCK // 4
    cuts[near] = at[k[near]]
    # Elsewhere the cut is carried proportionally between the anchors around it: along the
    # diagonal when they are on one (an unedited stretch), spread over the gap otherwise.
    xp = np.concatenate([[0], at, [len(a)]]).astype(np.float64)
    fp = np.concatenate([[0], bt, [len(b)]]).astype(np.float64)
    facing = np.floor(np.interp(cuts, xp, fp) + 0.5).astype(np.int64)  # non-decreasing, as fp is
    first = [a[s:e] for s, e in pairwise([0, *cuts.tolist(), len(a)])]
    second = [b[s:e] for s, e in pairwise([0, *facing.tolist(), len(b)])]
    return first, second


def _anchor_chain(a: str, b: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Positions ``(i, j)``, increasing in both, where one and the same substring of :data:`ANCHOR` characters starts.

    Only substrings that occur once among the sampled ones of each text count (a repeated
    one says nothing about where it belongs); of those, the longest chain in the order of
    both texts is kept. They are compared by a 64-bit hash: a collision could only place a
    cut less well, never make the score wrong.
    """
    ha, pa = _sampled_substrings(a)
    hb, pb = _sampled_substrings(b)
    ua, ia = _once(ha)
    ub, ib = _once(hb)
    _, ka, kb = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
    i, j = pa[ia[ka]], pb[ib[kb]]
    order = np.argsort(i, kind="stable")
    i, j = i[order], j[order]
    if len(j) > 1 and (np.diff(j) <= 0).any():  # anchors out of order: keep a longest chain
        keep = _longest_increasing(j.tolist())
        i, j = i[keep], j[keep]
    return i, j


def _sampled_substrings(text: str) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Hashes and start positions of the substrings of :data:`ANCHOR` characters that the sampling keeps."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    count = len(points) - ANCHOR + 1
    picked: list[npt.NDArray[np.int64]] = []
    with np.errstate(over="ignore"):
        # Chosen by content (a hash of their first 4 characters), so that a substring kept
        # in one text is kept in the other too; only those are hashed in full. In chunks,
        # so that a line of many megabytes needs no array of 8 bytes per character.
        for start in range(0, max(count, 0), _CHUNK):
            p = points[start : min(start + _CHUNK, count) + 3].astype(np.uint64)
            h = ((p[:-3] * _POLY + p[1:-2]) * _POLY + p[2:-1]) * _POLY + p[3:]
            picked.append(np.flatnonzero(((h * _MIX) >> np.uint64(40)) % np.uint64(SAMPLE) == 0) + start)
        chosen = np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)
        full = np.zeros(len(chosen), dtype=np.uint64)
        for k in range(ANCHOR):
            full = full * _POLY + points[chosen + k]
        full = (full ^ (full >> np.uint64(29))) * _MIX
    return full, chosen


def _once(hashes: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The hashes that occur once (sorted) and the index of each in ``hashes``."""
    values, first, counts = np.unique(hashes, return_index=True, return_counts=True)
    once = counts == 1
    return values[once], first[once]


def _longest_increasing(values: list[int]) -> npt.NDArray[np.int64]:
    """Indices of a longest strictly increasing subsequence of ``values`` (the same one for the same input)."""
    tails: list[int] = []  # tails[k]: the least last value of an increasing run of length k + 1
    tail_at: list[int] = []
    back = [-1] * len(values)
    for k, v in enumerate(values):
        n = bisect_left(tails, v)
        if n == len(tails):
            tails.append(v)
            tail_at.append(k)
        else:
            tails[n] = v
            tail_at[n] = k
        back[k] = tail_at[n - 1] if n else -1
    chain = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        chain.append(k)
        k = back[k]
    return np.asarray(chain[::-1], dtype=np.int64)
