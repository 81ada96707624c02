"""The public verbs: one pipeline, from text to cleaned text and its explanation.

split → normalize → shingle → sign → band → verify → cluster (in :mod:`dedupe.matching`)
→ blocks and the removal rule (:mod:`dedupe.blocks`) → join (:mod:`dedupe.split`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dedupe.blocks import decide, group_runs
from dedupe.config import DedupeConfig, resolve
from dedupe.matching import Copy, Links
from dedupe.results import Block, Explained, Kind, Match, Span
from dedupe.split import join_spans, paragraph_spans
from dedupe.stopwatch import OFF, Stopwatch


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
    return _explain(text, paragraph_spans(text, cfg.paragraphs), cfg)


def timed_explain(text: str, config: DedupeConfig | None = None) -> tuple[Explained, dict[str, float]]:
    """Return :func:`dedupe_and_explain` of ``text`` and the seconds spent per stage (for benchmarks)."""
    cfg = resolve(config, {})
    check_text(text)
    stopwatch = Stopwatch()
    with stopwatch("split"):
        spans = paragraph_spans(text, cfg.paragraphs)
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
    spans, start = [], 0
    for item in items:
        spans.append((start, start + len(item)))
        start += len(item) + 1
    return _explain("\n".join(items), spans, cfg)


def check_text(text: object, name: str = "text") -> None:
    """Raise TypeError unless ``text`` is a str (bytes get a hint to decode first)."""
    if isinstance(text, (bytes, bytearray)):
        raise TypeError(f"dedupe works on str, not bytes: decode the {name} first, for example data.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")


def _explain(text: str, spans: list[Span], config: DedupeConfig, stopwatch: Stopwatch = OFF) -> Explained:
    # Paragraph texts are sliced one at a time, normalised and dropped: only keys are kept.
    links = Links((text[start:end] for start, end in spans), config, stopwatch)
    found = resolve_within(links, len(spans), stopwatch)
    del links  # signatures and keys: hundreds of MB at corpus scale, not needed to render
    with stopwatch("render"):
        return report(text, spans, found)


Found = list[tuple[list[Copy], bool, str]]


def resolve_within(links: Links, count: int, stopwatch: Stopwatch = OFF) -> Found:
    """Apply the removal rule to the copies among ``count`` paragraphs; return each run and its verdict."""
    # The rule looks at how often a line occurs; removing a block can lower that count and
    # make another repeat removable, so repeat until nothing changes. This keeps
    # dedupe_text idempotent. A pass that keeps no repeat cannot expose new ones, unless
    # banding was capped (then the pairs of the rest differ, and only a pass decides).
    active = list(range(count))
    found: Found = []
    while True:
        copies = links.copies(active)
        with stopwatch("blocks"):
            runs = group_runs(copies, active)
            decisions = decide(runs, links.keys, links.config)
        gone = {c.index for run, (removed, _) in zip(runs, decisions, strict=True) if removed for c in run}
        final = not gone or (not links.truncated and all(removed for removed, _ in decisions))
        for run, (removed, reason) in zip(runs, decisions, strict=True):
            if removed or final:
                found.append((run, removed, reason))
        if final:
            break
        active = [i for i in active if i not in gone]
    return sorted(found, key=lambda f: f[0][0].index)


def report(text: str, spans: list[Span], found: Found, foreign: Sequence[Block | Match] = ()) -> Explained:
    """Render the cleaned text and its explanation.

    ``foreign`` holds removals whose kept copy is in another document, as :class:`Block`
    records each followed by its :class:`Match` records (block numbers are reassigned).
    """
    removed: list[Match] = []
    kept: list[Match] = []
    blocks: list[Block] = []
    for run, is_removed, reason in found:
        first, last = run[0], run[-1]
        number = len(blocks)
        blocks.append(
            Block(
                number,
                first.index,
                last.index,
                (spans[first.index][0], spans[last.index][1]),
                first.kept_index,
                last.kept_index,
                (spans[first.kept_index][0], spans[last.kept_index][1]),
                is_removed,
                reason,
            )
        )
        matches = removed if is_removed else kept
        for c in run:
            kind: Kind = "exact" if c.exact else "near"
            matches.append(Match(c.index, spans[c.index], c.kept_index, spans[c.kept_index], c.score, kind, number))
    for record in foreign:
        if isinstance(record, Block):
            blocks.append(record._replace(index=len(blocks)))
        else:
            removed.append(record._replace(block=len(blocks) - 1))
    # A block found in a later pass can straddle blocks removed before it: sort the matches.
    removed.sort(key=lambda m: m.index)
    kept.sort(key=lambda m: m.index)
    cleaned = join_spans(text, spans, {m.index for m in removed})
    return Explained(cleaned, removed, kept, blocks)
