"""The summary line of a corpus run: what ``dedupe-file`` prints last, run here or on an engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dedupe.results import Explained

if TYPE_CHECKING:
    from dedupe.corpus import IndexStats


@dataclass
class CorpusReport:
    """Counts of a corpus run, for the summary line."""

    unit: str  # "record" or "file"
    policy: str | None
    look: bool  # --check, --diff or --explain: nothing is written back, so nothing is removed yet
    flag: bool = False  # --flag: records that would be dropped are kept, marked
    min_kept: float = 0.0
    documents: int = 0
    paragraphs: int = 0
    removed: int = 0
    across: int = 0  # removed because of another document (or, boilerplate, many documents)
    exact: int = 0
    partial: int = 0
    skipped: int = 0
    missing: dict[str, tuple[str, int]] = field(default_factory=dict)  # option -> (field, records without it)
    repeated_ids: int = 0  # documents whose id an earlier document of this run had
    dropped: dict[str, int] = field(default_factory=dict)  # verdict -> records left out (or flagged)

    def merge(self, other: CorpusReport) -> None:
        """Add the counts of ``other``, a report of another share of the same run (a part of the input)."""
        for name in ("documents", "paragraphs", "removed", "across", "exact", "partial", "skipped", "repeated_ids"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for verdict, n in other.dropped.items():
            self.dropped[verdict] = self.dropped.get(verdict, 0) + n
        for option, (name, count) in other.missing.items():
            self.missing[option] = (name, self.missing.get(option, (name, 0))[1] + count)

    def add(self, paragraphs: int, explained: Explained | None) -> None:
        self.documents += 1
        self.paragraphs += paragraphs
        if explained is not None:
            self.removed += len(explained.removed)
            self.across += sum(m.kept_doc is not None for m in explained.removed)
            self.exact += sum(m.kind == "exact" for m in explained.removed)
            self.partial += sum(m.kind == "partial" for m in explained.removed)

    def summary(self, counted_only: bool, stats: IndexStats | None, raced: int) -> str:
        docs = plural(self.documents, self.unit)
        if counted_only:
            parts = [f"counted {docs} ({plural(self.paragraphs, 'paragraph')})"]
        else:
            verb = "would be removed" if self.look else "removed"
            kinds = f"{self.exact:,} exact, {self.removed - self.exact - self.partial:,} near"
            if self.partial:
                kinds += f", {self.partial:,} partial"
            if self.policy is not None:
                across = "seen before" if self.policy == "seen" else "boilerplate"
                within = self.removed - self.across
                kinds = f"{self.across:,} {across}, {within:,} within {self.unit}s; {kinds}"
            parts = [f"{docs}: {self.removed:,} of {self.paragraphs:,} paragraphs {verb} ({kinds})"]
        if self.dropped:
            verb = "flagged" if self.flag else "would be dropped" if self.look else "dropped"
            why = {"empty": "empty", "min_kept": f"below --min-kept {self.min_kept:g}"}
            details = ", ".join(f"{n:,} {why[v]}" for v, n in sorted(self.dropped.items()))
            parts.append(f"{plural(sum(self.dropped.values()), self.unit)} {verb} ({details})")
        if self.skipped:
            parts.append(f"{plural(self.skipped, 'bad line')} skipped")
        for option, (name, count) in self.missing.items():
            parts.append(f"{plural(count, self.unit)} without {option} {name!r}")
        if self.repeated_ids:
            parts.append(f"{plural(self.repeated_ids, self.unit)} with the id of an earlier {self.unit}")
        if stats is not None:
            parts.append(
                f"index: {plural(stats.entries, 'entry', 'entries')}, {stats.bytes / 1e6:.1f} MB "
                f"({stats.bytes_per_entry:,.0f} bytes per entry)"
            )
        if raced:
            parts.append(f"{plural(raced, 'paragraph')} indexed by another worker at the same moment")
        return "; ".join(parts)


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else words or word + 's'}"
