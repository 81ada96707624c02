"""Recipe: extract the main text of HTML pages with trafilatura, then remove what each site repeats.

trafilatura drops most of a page's menus and footers; what it keeps of them, and the
bylines, notices and pitches that a site puts in every article, repeat from page to page.
Each site's pages go through a :class:`dedupe.Deduper` of their own (seen before: a
paragraph that an earlier page of the site kept goes), in the order of their file names.

    python -m benchmarks.trafilatura_recipe DIR [--urls URLS.tsv] [-o OUT.jsonl]

``DIR`` holds the pages as ``*.html`` or ``*.html.gz`` files. A page's URL names its site:
it is read from the page (its canonical link or ``og:url``, as trafilatura's metadata finds
it), or given in ``--urls``, lines of ``FILE<TAB>URL``. A page without one is a site of its
own. The output has one JSON line per page, ``{"file", "url", "text"}``, with the text
cleaned; a summary goes to standard error. Needs ``pip install trafilatura lxml_html_clean``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from dedupe import Deduper, Explained, site_of
from dedupe.split import count_paragraphs


@dataclass(frozen=True)
class Page:
    """One page's main text as trafilatura extracted it, and the URL that names its site."""

    file: str
    url: str | None
    text: str


def read_pages(folder: Path, urls: dict[str, str] | None = None) -> Iterator[Page]:
    """Extract every HTML file of ``folder``, in the order of their names."""
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".html.gz"):
            html = gzip.decompress(path.read_bytes())
        elif path.suffix == ".html":
            html = path.read_bytes()
        else:
            continue
        yield extract(path.name, html, (urls or {}).get(path.name))


def extract(name: str, html: bytes, url: str | None = None) -> Page:
    """The main text of one page (trafilatura finds its encoding); its URL, if not given, from its metadata."""
    if url is None:
        metadata = trafilatura.extract_metadata(html)
        url = metadata.url if metadata is not None else None
    return Page(name, url, trafilatura.extract(html, url=url) or "")


def clean(pages: Iterable[Page]) -> Iterator[tuple[Page, Explained]]:
    """Each page with its cleaned text and what went: one deduplicator per site, pages in order."""
    dedupers: dict[str, Deduper] = {}
    for page in pages:
        site = site_of(page.url) if page.url else page.file
        deduper = dedupers.setdefault(site, Deduper(policy="seen"))
        yield page, deduper.feed(page.text, doc_id=page.url or page.file, site=site)


def read_urls(path: Path) -> dict[str, str]:
    """``FILE<TAB>URL`` lines."""
    urls = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            name, _, url = line.partition("\t")
            urls[name] = url.strip()
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, metavar="DIR", help="the HTML pages (*.html, *.html.gz)")
    parser.add_argument("--urls", type=Path, help="lines of FILE<TAB>URL: each page's URL, when the page lacks it")
    parser.add_argument("-o", "--output", type=Path, help="the cleaned pages, as JSON Lines (default: stdout)")
    args = parser.parse_args(argv)
    urls = read_urls(args.urls) if args.urls else None
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    pages = paragraphs = removed = chars = chars_removed = 0
    try:
        for page, explained in clean(read_pages(args.folder, urls)):
            out.write(json.dumps({"file": page.file, "url": page.url, "text": explained.text}, ensure_ascii=False))
            out.write("\n")
            pages += 1
            paragraphs += count_paragraphs(page.text)
            removed += len(explained.removed)
            chars += len(page.text)
            chars_removed += len(page.text) - len(explained.text)
    finally:
        if out is not sys.stdout:
            out.close()
    print(
        f"{pages} pages: {removed} of {paragraphs} paragraphs of trafilatura's text removed, "
        f"{chars_removed:,} of {chars:,} characters",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
