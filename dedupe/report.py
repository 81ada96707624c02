"""A report of a corpus run: per-site and per-record counts, and the lines each site loses most often.

The same figures come out as JSON (for programs), Markdown or HTML (for people). Nothing
here decides anything: a :class:`Report` only adds up the :class:`~dedupe.records.Outcome`
of each document, so a report agrees with the output and ``--explain`` of its run.
"""

from __future__ import annotations

import heapq
import html
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dedupe.errors import ConfigError
from dedupe.records import Outcome

FORMATS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
# Distinct removed lines remembered per site; past it, lines removed only once are forgotten
# (the frequent ones, which the report is for, are the ones that stay).
_MAX_LINES = 100_000
_SHOWN_LINES = 10  # per site in the JSON report; the pages show fewer, to be read at a glance
_SHOWN_LINES_PAGE = 5
_SHOWN_RECORDS = 20
_SHOWN_CHARS = 160
# Records listed one by one; past this many, only the ones that lost the most characters stay
# (a corpus of millions is described record by record by --annotate, not by its report).
_MAX_RECORDS = 100_000
_WORST_RECORDS = 1_000


@dataclass
class _Tally:
    documents: int = 0
    paragraphs: int = 0
    removed: int = 0
    across: int = 0
    exact: int = 0
    near: int = 0
    partial: int = 0
    chars: int = 0
    chars_removed: int = 0
    dropped: int = 0

    def add(self, outcome: Outcome) -> None:
        removed = outcome.explained.removed
        self.documents += 1
        self.paragraphs += outcome.paragraphs
        self.removed += len(removed)
        self.across += sum(m.kept_doc is not None for m in removed)
        self.exact += sum(m.kind == "exact" for m in removed)
        self.partial += sum(m.kind == "partial" for m in removed)
        self.near = self.removed - self.exact - self.partial
        self.chars += outcome.chars
        self.chars_removed += outcome.chars_removed
        self.dropped += outcome.dropped is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "paragraphs": self.paragraphs,
            "removed": self.removed,
            "across": self.across,
            "within": self.removed - self.across,
            "exact": self.exact,
            "near": self.near,
            "partial": self.partial,
            "chars": self.chars,
            "chars_removed": self.chars_removed,
            "share_chars_removed": round(self.chars_removed / self.chars, 6) if self.chars else 0.0,
            "dropped": self.dropped,
        }


@dataclass
class Report:
    """What a run removed, added up per site and per record.

    Give it to :func:`dedupe.dedupe_records` (``report=``) or let ``dedupe-file --report``
    fill it; then :meth:`write` it as JSON, Markdown or HTML, or read :meth:`as_dict`.
    ``options`` is shown at the top (the policy and such), ``look`` says that nothing was
    written back (``--check``), so the report says "would be removed".
    """

    options: dict[str, Any] = field(default_factory=dict)
    look: bool = False
    total: _Tally = field(default_factory=_Tally)
    sites: dict[str, _Tally] = field(default_factory=dict)
    lines: dict[str, Counter[str]] = field(default_factory=dict)
    missing: dict[str, tuple[str, int]] = field(default_factory=dict)  # option -> (field, records without it)
    skipped: int = 0
    complete: bool = True  # ``records`` lists every record (else those that lost the most)
    _listed: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _worst: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)  # position -> row
    _heap: list[tuple[int, int]] = field(default_factory=list, repr=False)  # (characters removed, -position)

    def add(self, outcome: Outcome, text: str) -> None:
        """Count one document (``text`` is its text before cleaning, for the removed lines)."""
        self.total.add(outcome)
        self.sites.setdefault(outcome.site, _Tally()).add(outcome)
        removed = outcome.explained.removed
        if removed:
            lines = self.lines.setdefault(outcome.site, Counter())
            lines.update(text[m.span[0] : m.span[1]].strip() for m in removed)
            if len(lines) > _MAX_LINES:
                for line in [line for line, n in lines.items() if n == 1]:
                    del lines[line]
        row: dict[str, Any] = {
            "id": outcome.doc_id,
            "site": outcome.site,
            "paragraphs": outcome.paragraphs,
            "removed": len(removed),
            "chars": outcome.chars,
            "chars_removed": outcome.chars_removed,
            "dropped": outcome.dropped,
        }
        if self.complete and len(self._listed) < _MAX_RECORDS:
            self._listed.append(row)
            return
        if self.complete:  # too many to list: from now on only those that lost the most
            self.complete = False
            self._worst = dict(enumerate(self._listed))
            self._heap = [(r["chars_removed"], -n) for n, r in self._worst.items()]
            heapq.heapify(self._heap)
            self._listed = []
        # Of equal losses the earlier record has the larger key, and stays.
        n = self.total.documents
        self._worst[n] = row
        heapq.heappush(self._heap, (row["chars_removed"], -n))
        while len(self._heap) > _WORST_RECORDS:
            del self._worst[-heapq.heappop(self._heap)[1]]

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every record's figures, in order; past 100,000 records, the 1,000 that lost the most characters."""
        if self.complete:
            return self._listed
        return [self._worst[-n] for _, n in sorted(self._heap, reverse=True)]

    def as_dict(self) -> dict[str, Any]:
        """Every figure of the report, ready for ``json.dump``."""
        return {
            "options": self.options,
            "look": self.look,
            "total": self.total.as_dict(),
            "skipped": self.skipped,
            "missing": {option: {"field": name, "records": n} for option, (name, n) in self.missing.items()},
            "sites": {
                site: tally.as_dict()
                | {"top_removed": [{"text": t, "times": n} for t, n in self._top(site, _SHOWN_LINES)]}
                for site, tally in self._sites()
            },
            "records_complete": self.complete,
            "records": self.records,
        }

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the report atomically, as the file's extension says: ``.json``, ``.md`` or ``.html``."""
        from dedupe.files import write_atomically

        write_atomically(os.fspath(path), self.render(path).encode("utf-8"))

    def render(self, path: str | os.PathLike[str]) -> str:
        """The report in the format that ``path``'s extension names."""
        kind = format_of(path)
        if kind == "json":
            return json.dumps(self.as_dict(), ensure_ascii=False, indent=1) + "\n"
        return self.to_markdown() if kind == "markdown" else self.to_html()

    def to_markdown(self) -> str:
        parts = [f"# {_TITLE}\n", self._headline() + "\n"]
        for title, header, rows in self._tables():
            parts.append(f"## {title}\n")
            parts.append("| " + " | ".join(header) + " |")
            parts.append("|" + "|".join("---:" if h in _NUMERIC else "---" for h in header) + "|")
            parts += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            parts.append("")
        return "\n".join(parts)

    def to_html(self) -> str:
        body = [f"<h1>{_TITLE}</h1>", f"<p>{html.escape(self._headline())}</p>"]
        for title, header, rows in self._tables():
            body.append(f"<h2>{html.escape(title)}</h2>\n<table>")
            body.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
            for row in rows:
                cells = (_html_cell(h, c) for h, c in zip(header, row, strict=True))
                body.append("<tr>" + "".join(cells) + "</tr>")
            body.append("</table>")
        return _PAGE.format(title=_TITLE, body="\n".join(body))

    # -- what the pages show ---------------------------------------------------------------

    def _sites(self) -> list[tuple[str, _Tally]]:
        """Sites, the most characters removed first (then by name, so the order is stable)."""
        return sorted(self.sites.items(), key=lambda item: (-item[1].chars_removed, item[0]))

    def _top(self, site: str, n: int) -> list[tuple[str, int]]:
        lines = self.lines.get(site, Counter())
        return sorted(lines.items(), key=lambda item: (-item[1], item[0]))[:n]

    def _headline(self) -> str:
        t = self.total
        verb = "would be removed" if self.look else "removed"
        options = ", ".join(f"{k}={v}" for k, v in self.options.items() if v is not None)
        parts = [
            f"{t.documents:,} records, {len(self.sites):,} sites: {t.removed:,} of {t.paragraphs:,} paragraphs {verb} "
            f"({t.across:,} across records, {t.removed - t.across:,} within), "
            f"{t.chars_removed:,} of {t.chars:,} characters ({_share(t.chars_removed, t.chars)})"
        ]
        if t.dropped:
            parts.append(f"{t.dropped:,} records {'would be ' if self.look else ''}dropped")
        if self.skipped:
            parts.append(f"{self.skipped:,} bad lines skipped")
        for option, (name, n) in self.missing.items():
            parts.append(f"{n:,} records without {option} {name!r}")
        return "; ".join(parts) + (f". Options: {options}." if options else ".")

    def _tables(self) -> list[tuple[str, list[str], list[list[str]]]]:
        sites = [
            [site or "(no site)", f"{s.documents:,}", f"{s.paragraphs:,}", f"{s.removed:,}", f"{s.across:,}",
             f"{s.chars_removed:,} ({_share(s.chars_removed, s.chars)})", f"{s.dropped:,}"]
            for site, s in self._sites()
        ]  # fmt: skip
        header = ["site", "records", "paragraphs", "removed", "across", "characters removed", "dropped"]
        tables = [("Sites", header, sites)]
        lines = [
            [site or "(no site)", f"{n:,}", _clip(text)]
            for site, _ in self._sites()
            for text, n in self._top(site, _SHOWN_LINES_PAGE)
        ]
        tables.append(("Lines removed most often, per site", ["site", "times", "line"], lines))
        worst = sorted(self.records, key=lambda r: -r["chars_removed"])[:_SHOWN_RECORDS]  # stable: by position
        records = [
            [r["id"], r["site"] or "(no site)", f"{r['paragraphs']:,}", f"{r['removed']:,}",
             f"{r['chars_removed']:,} ({_share(r['chars_removed'], r['chars'])})", r["dropped"] or ""]
            for r in worst
            if r["removed"]
        ]  # fmt: skip
        header = ["record", "site", "paragraphs", "removed", "characters removed", "dropped"]
        tables.append((f"Records that lost the most (of {self.total.documents:,})", header, records))
        return tables


def format_of(path: str | os.PathLike[str]) -> str:
    """The report format a file name asks for; raise :class:`ConfigError` for another extension."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in FORMATS:
        raise ConfigError(f"{os.fspath(path)}: a report is .json, .md or .html")
    return FORMATS[ext]


_TITLE = "dedupe report"
_NUMERIC = {"records", "paragraphs", "removed", "across", "characters removed", "dropped", "times"}
_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:14px/1.4 sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}}td.n{{text-align:right}}</style>
</head><body>
{body}
</body></html>
"""


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "0.0 %"


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _html_cell(header: str, text: str) -> str:
    return f'<td class="n">{html.escape(text)}</td>' if header in _NUMERIC else f"<td>{html.escape(text)}</td>"


def _md_cell(text: str) -> str:
    """A table cell: a pipe or a line break would end it."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
