"""The public verbs: one pipeline, from text to cleaned text and its explanation.

split → normalize → shingle → sign → band → verify → cluster (in :mod:`dedupe.matching`)
→ blocks and the removal rule (:mod:`dedupe.blocks`) → join (:mod:`dedupe.split`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from dedupe.blocks import (
    Findings,
    ParagraphIds,
    Verdicts,
    id_type,
    judge,
    reasons,
    run_copies,
)
from dedupe.config import DedupeConfig, resolve
from dedupe.gc_pause import without_gc
from dedupe.matching import Copies, Links
from dedupe.normalize import KeyMap, has_gaps, key_map
from dedupe.partial import Cover
from dedupe.results import Block, Explained, Kind, Match, Part, Span
from dedupe.split import Paragraphs, Spans, join_spans, span_array, spans_of
from dedupe.stopwatch import OFF, Stopwatch
from dedupe.text_file import FileText

LEAN_FROM = 1 << 26
"""Characters: a longer text holds no normalised keys; they are normalised again when needed.
Held, they take about as much memory as the text; normalising again costs a microsecond or
two per paragraph. ``dedupe-file`` leaves the text of an input of this many bytes or more in
its file (:mod:`dedupe.text_file`)."""


def dedupe_text(text: str, *, config: DedupeConfig | None = None, **overrides: Any) -> str:
    """Return ``text`` without the later copies of repeated paragraphs and blocks.

    Everything that is kept stays byte-identical. Options are the fields of
    :class:`~dedupe.DedupeConfig`, given as ``config`` or as keyword overrides.

    >>> body = "The storm reached the coast on Monday night, cutting power to 40,000 homes in three counties."
    >>> dedupe_text(f"{body}\\nRoads are closed.\\n{body}\\n") == f"{body}\\nRoads are closed.\\n"
    True
    """
    return dedupe_and_explain(text, config=config, **overrides).text


def dedupe_and_explain(text: str, *, config: DedupeConfig | None = None, **overrides: Any) -> Explained:
    """Return the cleaned text, one :class:`~dedupe.Match` per removed paragraph, and the blocks.

    >>> body = "The storm reached the coast on Monday night, cutting power to 40,000 homes in three counties."
    >>> text, removed, kept, blocks = dedupe_and_explain(f"{body}\\nRoads are closed.\\n{body}")
    >>> text
    'The storm reached the coast on Monday night, cutting power to 40,000 homes in three counties.\\nRoads are closed.'
    >>> removed[0].index, removed[0].span, removed[0].kept_index, removed[0].kind
    (2, (112, 205), 0, 'exact')
    """
    cfg = resolve(config, overrides)
    check_text(text)
    return _explain(text, span_array(text, cfg.paragraphs), cfg)


def explain_removals(text: str, *, config: DedupeConfig | None = None, **overrides: Any) -> tuple[Explained, int]:
    """:func:`dedupe_and_explain` for a caller that needs only what goes (the command line),
    and the number of paragraphs.

    ``kept`` is empty and ``blocks`` holds only the removed blocks, each under the number
    it has in the whole explanation (``Match.block``). On a text of millions of short
    repeated lines the repeats kept by the rule, one record each, would take far more
    memory than the text.
    """
    explained, spans = removals(text, resolve(config, overrides))
    return explained._replace(text=join_spans(text, spans, [m.index for m in explained.removed])), len(spans)


def removals(text: str | FileText, config: DedupeConfig) -> tuple[Explained, Spans]:
    """:func:`explain_removals` without the cleaned text (its ``text`` is empty), and the
    paragraphs' spans: :func:`~dedupe.split.cuts_of` them says what goes.

    The command line writes the kept text a chunk at a time: joined, a cleaned text of
    500 MB would be held twice over beside the input (its pieces, then the join).
    """
    if isinstance(text, FileText):  # a file's text, read back a paragraph at a time
        spans = text.spans
    else:
        check_text(text)
        spans = span_array(text, config.paragraphs)
    return _explain(text, spans, config, with_kept=False, join=False), spans


def timed_explain(text: str, config: DedupeConfig | None = None) -> tuple[Explained, dict[str, float]]:
    """Return :func:`dedupe_and_explain` of ``text`` and the seconds spent per stage (for benchmarks)."""
    cfg = resolve(config, {})
    check_text(text)
    stopwatch = Stopwatch()
    with stopwatch("split"):
        spans = span_array(text, cfg.paragraphs)
    return _explain(text, spans, cfg, stopwatch), stopwatch.seconds


def dedupe_paragraphs(paragraphs: Sequence[str], *, config: DedupeConfig | None = None, **overrides: Any) -> Explained:
    """Deduplicate a list of paragraphs; indices in the result are positions in the list.

    The result's text and spans are those of ``"\\n".join(paragraphs)``.

    >>> long = "A paragraph long enough to count as prose rather than a heading, repeated by a careless scraper."
    >>> [m.index for m in dedupe_paragraphs([long, "Other text.", long]).removed]
    [2]
    """
    cfg = resolve(config, overrides)
    if isinstance(paragraphs, (str, bytes, bytearray)):  # a str is a sequence of one-character paragraphs
        raise TypeError(f"paragraphs must be a list of str, not one {type(paragraphs).__name__}: see dedupe_text")
    items = list(paragraphs)
    for k, item in enumerate(items):
        check_text(item, f"paragraphs[{k}]")
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    spans = np.empty((len(items), 2), dtype=np.int64)
    spans[:, 0] = np.cumsum(lengths + 1) - lengths - 1
    spans[:, 1] = spans[:, 0] + lengths
    return _explain("\n".join(items), spans, cfg)


def check_text(text: object, name: str = "text") -> None:
    """Raise TypeError unless ``text`` is a str (bytes get a hint to decode first)."""
    if isinstance(text, (bytes, bytearray)):
        raise TypeError(f"dedupe works on str, not bytes: decode the {name} first, for example data.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")


@without_gc
def _explain(
    text: str | FileText,
    spans: Spans,
    config: DedupeConfig,
    stopwatch: Stopwatch = OFF,
    *,
    with_kept: bool = True,
    join: bool = True,
) -> Explained:
    # Paragraph texts are sliced one at a time, normalised and dropped: only their units are
    # kept, and their keys unless the text is long (see LEAN_FROM).
    paragraphs = paragraphs_of(text, spans)
    links = Links(paragraphs, config, stopwatch, count=len(spans), lean=len(text) >= LEAN_FROM)
    found = resolve_within(links, len(spans), stopwatch, with_kept=with_kept)
    keys = partial_keys(links, found)
    del links  # signatures and keys: hundreds of MB at corpus scale, not needed to render
    with stopwatch("render"):
        return report(text, spans, found, keys=keys, join=join)


def paragraphs_of(text: str | FileText, spans: Spans | Sequence[Span]) -> Sequence[str]:
    """The paragraphs of ``text`` (spans ``spans``), each read when asked."""
    return text.paragraphs if isinstance(text, FileText) else Paragraphs(text, spans)


def partial_keys(links: Links, found: Findings) -> dict[int, str]:
    """The keys of the paragraphs that partial matches name (to render their parts without normalising again)."""
    named = {
        i
        for covers in (found.covers, found.extends)
        for i, got in covers.items()
        for i in (i, *(p.kept for p in got.parts))
    }
    return {i: links.unit_keys[links.units[i]] for i in sorted(named)}


def resolve_within(links: Links, count: int, stopwatch: Stopwatch = OFF, *, with_kept: bool = True) -> Findings:
    """Apply the removal rule to the copies among ``count`` paragraphs; return each run and its verdict.

    Without ``with_kept`` only the removed runs are returned (numbered as among all runs).
    """
    # The rule looks at how often a line occurs; removing a block can lower that count and
    # make another repeat removable, so repeat until nothing changes. This keeps
    # dedupe_text idempotent. A pass that keeps no repeat cannot expose new ones, unless
    # banding was capped (then the pairs of the rest differ, and only a pass decides).
    active = np.arange(count, dtype=id_type(count))
    passes: list[_Pass] = []
    while True:
        copies = links.copies(active)
        if not passes and not len(copies.index):  # nothing repeats (most documents of a corpus)
            nothing = Findings.none(active.dtype)
            return (
                dataclasses.replace(nothing, extends=dict(copies.extends)) if copies.extends and with_kept else nothing
            )
        with stopwatch("blocks"):
            verdicts = judge(copies, active, links, kept_figures=with_kept)
            removed = verdicts.removed
            final = not removed.any() or (not links.truncated and bool(removed.all()))
            chosen = (removed | (final and with_kept)).nonzero()[0]
            passes.append(_Pass.of(copies, verdicts, removed, links, chosen))
            if final:
                return _findings(passes, copies.index[verdicts.bounds[:-1]], dict(copies.extends) if with_kept else {})
            gone = np.zeros(count, dtype=bool)
            gone[copies.index[removed.repeat(verdicts.sizes)]] = True
            active = active[~gone[active]]


class _Partials:
    """Renders partial matches: the parts' stretches of normalised keys become spans of the input."""

    def __init__(
        self, paragraphs: Sequence[str], spans: Spans | Sequence[Span], keys: Mapping[int, str] = MappingProxyType({})
    ) -> None:
        self.paragraphs = paragraphs
        self.spans = spans
        self.keys = keys
        self._maps: dict[int, tuple[int, KeyMap]] = {}

    def match(self, index: int, got: Cover, block: int) -> Match:
        """The :class:`Match` of paragraph ``index``, covered as ``got`` says."""
        span, main_span = self._paragraph(index), self._paragraph(got.main)
        parts = tuple(
            Part(p.kept, self.key_span(index, p.lo, p.hi), self.key_span(p.kept, p.kept_lo, p.kept_hi))
            for p in got.parts
        )
        return Match(index, span, got.main, main_span, got.score, "partial", block, None, got.coverage, parts)

    def _paragraph(self, i: int) -> Span:
        s, e = self.spans[i]
        return int(s), int(e)

    def key_span(self, i: int, lo: int, hi: int) -> Span:
        """The span of the input that characters ``lo:hi`` of paragraph ``i``'s key come from."""
        if i not in self._maps:
            start, end = self._paragraph(i)
            key = self.keys.get(i)
            text = self.paragraphs[i]
            if lo == 0 and key is not None and hi == len(key) and not has_gaps(text[0] + text[-1]):
                return start, end  # the whole key of a paragraph that starts and ends with one of its characters
            self._maps[i] = (start, key_map(text, key))
        start, mapping = self._maps[i]
        first, last = mapping.span(lo, hi)
        return start + first, start + last


@dataclass(frozen=True)
class _Pass:
    """The runs that one pass of the rule keeps in the findings, with their copies."""

    runs: ParagraphIds  # their positions among the runs of the pass
    bounds: ParagraphIds  # run r is copies bounds[r]:bounds[r + 1] below
    removed: npt.NDArray[np.bool_]
    reasons: list[str]
    index: ParagraphIds  # the runs' copies, run after run
    kept: ParagraphIds
    score: npt.NDArray[np.float64]
    exact: npt.NDArray[np.bool_]
    covers: dict[int, Cover]  # per copy that is a partial one

    @classmethod
    def of(
        cls, copies: Copies, verdicts: Verdicts, removed: npt.NDArray[np.bool_], links: Links, runs: ParagraphIds
    ) -> _Pass:
        bounds, code, value = verdicts
        if len(runs) == len(code):  # every run (runs are increasing)
            index, kept, sizes = copies.index, copies.kept, bounds[1:] - bounds[:-1]
        else:
            chosen = run_copies(bounds, runs)
            index, kept, sizes = copies.index[chosen.take], copies.kept[chosen.take], chosen.sizes
            bounds, code, value, removed = np.append(chosen.starts, len(index)), code[runs], value[runs], removed[runs]
        units = links.units[index]
        why = reasons(code, value, sizes, links.config)
        covers = {}
        if copies.covers:
            covers = {
                i: copies.covers[u] for i, u in zip(index.tolist(), units.tolist(), strict=True) if u in copies.covers
            }
        return cls(runs, bounds, removed, why, index, kept, copies.score[units], links.units[kept] == units, covers)

    @property
    def firsts(self) -> ParagraphIds:
        """Each run's first paragraph."""
        return self.index[self.bounds[:-1]]


def _findings(passes: list[_Pass], final_firsts: ParagraphIds, extends: dict[int, Cover]) -> Findings:
    """The runs of all passes in document order, numbered as blocks of the whole explanation.

    The explanation holds the removed runs of every pass and all runs of the last one
    (``final_firsts`` are their first paragraphs), so a run's number is how many of those
    start before it.
    """
    last = passes[-1]
    if len(passes) == 1:  # one pass: its runs are in order, and numbered by their position
        return Findings(last.index, last.kept, last.score, last.exact, last.bounds, last.removed, last.reasons,
                        last.runs, len(final_firsts), last.covers, extends)  # fmt: skip
    earlier = np.sort(np.concatenate([p.firsts[p.removed] for p in passes[:-1]]))
    firsts = np.concatenate([p.firsts for p in passes])
    numbers = np.searchsorted(earlier, firsts) + np.concatenate(
        [np.searchsorted(final_firsts, p.firsts) for p in passes[:-1]] + [last.runs]
    )
    order = np.argsort(firsts, kind="stable")
    sizes = np.concatenate([p.bounds[1:] - p.bounds[:-1] for p in passes])
    chosen = run_copies(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), order)
    all_reasons = [r for p in passes for r in p.reasons]
    return Findings(
        index=np.concatenate([p.index for p in passes])[chosen.take],
        kept=np.concatenate([p.kept for p in passes])[chosen.take],
        score=np.concatenate([p.score for p in passes])[chosen.take],
        exact=np.concatenate([p.exact for p in passes])[chosen.take],
        bounds=np.append(chosen.starts, len(chosen.take)),
        removed=np.concatenate([p.removed for p in passes])[order],
        reasons=[all_reasons[r] for r in order.tolist()],
        numbers=numbers[order],
        blocks=len(earlier) + len(final_firsts),
        covers={i: c for p in passes for i, c in p.covers.items()},
        extends=extends,
    )


def report(
    text: str | FileText,
    spans: Spans | Sequence[Span],
    found: Findings,
    foreign: Sequence[Block | Match] = (),
    keys: Mapping[int, str] = MappingProxyType({}),
    *,
    join: bool = True,
) -> Explained:
    """Render the cleaned text and its explanation (without ``join``, an empty text and the explanation).

    ``foreign`` holds removals whose kept copy is in another document, as :class:`Block`
    records each followed by its :class:`Match` records (block numbers are reassigned); a
    block that is not removed holds paragraphs kept that extend another document's.
    ``keys`` may hold the normalised keys of paragraphs that partial matches name.
    A :class:`~dedupe.text_file.FileText` is rendered without ``join`` only.
    """
    if join and not isinstance(text, str):
        raise TypeError("the text of a file is rendered without join: see FileText.kept_bytes")
    if not foreign and not len(found.removed) and not found.extends:
        return Explained(text if isinstance(text, str) and join else "", [], [], [])
    index, kept = found.index.tolist(), found.kept.tolist()
    own, theirs = spans_of(spans, found.index), spans_of(spans, found.kept)
    score = found.score.tolist()
    kinds: list[Kind] = ["exact" if e else "near" for e in found.exact.tolist()]
    partial = _Partials(paragraphs_of(text, spans), spans, keys)
    bounds = found.bounds.tolist()
    blocks: list[Block] = []
    matches: dict[bool, list[Match]] = {True: [], False: []}
    for number, lo, hi, is_removed, why in zip(
        found.numbers.tolist(), bounds[:-1], bounds[1:], found.removed.tolist(), found.reasons, strict=True
    ):
        first, last = lo, hi - 1
        blocks.append(
            Block(
                number,
                index[first],
                index[last],
                (own[first][0], own[last][1]),
                kept[first],
                kept[last],
                (theirs[first][0], theirs[last][1]),
                is_removed,
                why,
            )
        )
        for k in range(lo, hi):
            got = found.covers.get(index[k])
            if got is None:
                matches[is_removed].append(Match(index[k], own[k], kept[k], theirs[k], score[k], kinds[k], number))
            else:
                matches[is_removed].append(partial.match(index[k], got, number))
    removed, repeats = matches[True], matches[False]
    number = found.blocks
    for i, got in sorted(found.extends.items()):
        match = partial.match(i, got, number)
        why = f"holds new text: {got.coverage:.2f} of it is paragraph {got.main}, below coverage"
        blocks.append(Block(number, i, i, match.span, got.main, got.main, match.kept_span, False, why))
        repeats.append(match)
        number += 1
    goes = True
    for record in foreign:
        if isinstance(record, Block):
            blocks.append(record._replace(index=number))
            goes = record.removed  # a paragraph kept because it holds new text is reported with the repeats
            number += 1
        else:
            (removed if goes else repeats).append(record._replace(block=number - 1))
    # A block found in a later pass can straddle blocks removed before it: sort the matches.
    removed.sort(key=lambda m: m.index)
    repeats.sort(key=lambda m: m.index)
    cleaned = join_spans(text, spans, [m.index for m in removed]) if isinstance(text, str) and join else ""
    return Explained(cleaned, removed, repeats, blocks)
