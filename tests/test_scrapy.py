"""``dedupe.contrib.scrapy.DedupePipeline``: real crawls of local pages remove what the records API and the CLI do.

Each crawl is a real ``CrawlerProcess`` in a process of its own (``tests/scrapy_crawl.py``:
the Twisted reactor starts once per process) fetching HTML files through ``file://`` URLs,
one page at a time in a fixed order. Expected texts always come from ``dedupe_records`` or
``dedupe-file`` on the same records, never from texts written here. The checks that need
no crawl (settings, kinds of items) call the pipeline in this process.
"""

from __future__ import annotations

import dataclasses
import html
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

import dedupe
from dedupe.contrib.scrapy import STATS, DedupePipeline
from tests.scrapy_crawl import Page, PageItem
from tests.test_jsonl import pages, paragraph, script
from tests.test_report import real_pages

ROOT = Path(__file__).resolve().parent.parent
CRAWL = Path(__file__).with_name("scrapy_crawl.py")
FOOTER = "Subscribe to our newsletter for the best stories of the week, delivered every Friday morning."
SEEN = {"policy": "seen", "site_field": "url", "id_field": "url"}


# --------------------------------------------------------------------------- helpers


def site_pages(seed: int = 3, per_site: int = 3) -> list[dict[str, str]]:
    """Pages of three sites as items ``{url, text}``: menus, footers, a repeat within a page, a copy across sites."""
    rows = [{"url": p["url"], "text": p["text"]} for p in pages(per_site=per_site, seed=seed)]
    rows[1]["text"] += "\n" + rows[1]["text"].split("\n")[1]  # a paragraph repeated within the page
    rows[4]["text"] += "\n" + rows[0]["text"].split("\n")[1]  # another site's paragraph: stays (other scope)
    return rows


def write_pages(folder: Path, rows: list[dict[str, Any]]) -> list[str]:
    """One HTML file per row, its canonical URL the row's and each line of its text a ``<p>``; their file URLs."""
    folder.mkdir(exist_ok=True)
    urls = []
    for n, row in enumerate(rows):
        head = f'<link rel="canonical" href="{html.escape(row["url"])}">'
        if "text" in row:
            body = "".join(f"<p>{html.escape(line)}</p>\n" for line in row["text"].split("\n"))
        else:
            head += '<meta name="no-text" content="">'
            body = "<div>No paragraph here.</div>"
        path = folder / f"{n:04d}.html"
        path.write_text(f"<!DOCTYPE html>\n<html><head>{head}</head><body>\n{body}</body></html>\n", encoding="utf-8")
        urls.append(path.as_uri())
    return urls


@dataclasses.dataclass
class Crawl:
    scraped: list[dict[str, Any]]
    dropped: list[dict[str, Any]]
    stats: dict[str, Any]
    failed: bool
    log: str

    @property
    def texts(self) -> list[str]:
        return [item["text"] for item in self.scraped]

    def dedupe_stats(self) -> dict[str, Any]:
        return {k: v for k, v in self.stats.items() if k.startswith("dedupe/")}


def crawl(
    tmp_path: Path, urls: list[str], settings: dict[str, Any] | None = None, *, name: str = "crawl", **job: Any
) -> Crawl:
    """Run one crawl of ``urls`` in a new process; what came out of it."""
    out = tmp_path / f"{name}.json"
    job_file = tmp_path / f"{name}.job.json"
    job_file.write_text(json.dumps({"pages": urls, "settings": settings or {}, "out": str(out), **job}))
    done = subprocess.run(
        [sys.executable, str(CRAWL), str(job_file)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert out.exists(), done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert done.returncode == (1 if result["failed"] else 0), done.stderr
    return Crawl(result["scraped"], result["dropped"], result["stats"], result["failed"], done.stderr)


def expected_stats(cleaned: list[dedupe.Cleaned], *, no_field: int = 0) -> dict[str, int]:
    """The pipeline's stats, added up from the annotations of the records API."""
    notes = [c.outcome.annotation() for c in cleaned]
    stats = {"items": len(notes), "dropped": sum(c.outcome.dropped is not None for c in cleaned), "no_field": no_field}
    for key in ("paragraphs", "removed", "chars_removed"):
        stats[key] = sum(n[key] for n in notes)
    for kind in ("exact", "near", "partial"):
        stats[f"removed_{kind}"] = sum(n[kind] for n in notes)
    assert set(stats) == set(STATS)
    return {f"dedupe/{k}": v for k, v in stats.items()}


def pipeline(tmp_path: Path, **settings: Any) -> DedupePipeline:
    """A pipeline of a crawler that is never started, opened: for the checks that need no crawl."""
    p = DedupePipeline.from_crawler(get_crawler(settings_dict=settings))
    p.open_spider()
    return p


# --------------------------------------------------------------------------- real crawls


def test_a_crawl_removes_what_the_records_api_removes_and_counts_it(tmp_path: Path) -> None:
    rows = site_pages()
    got = crawl(tmp_path, write_pages(tmp_path / "pages", rows), {"DEDUPE_ANNOTATE": "dedupe"})
    expected = list(dedupe.dedupe_records_and_explain(rows, annotate="dedupe", **SEEN))
    assert [item["url"] for item in got.scraped] == [r["url"] for r in rows]  # every item, in the order of the pages
    assert got.texts == [c.record["text"] for c in expected]
    assert got.texts != [r["text"] for r in rows]  # something went: menus, footers, the repeat
    assert [item["dedupe"] for item in got.scraped] == [c.record["dedupe"] for c in expected]
    assert got.dedupe_stats() == expected_stats(expected)
    assert got.stats["finish_reason"] == "finished"
    removed = got.stats["dedupe/removed"]
    assert f"[pages] INFO: dedupe: 9 items: {removed} of {got.stats['dedupe/paragraphs']} paragraphs removed" in got.log


def test_drop_empty_and_min_kept_raise_drop_item_and_items_without_text_pass(tmp_path: Path) -> None:
    rows = site_pages(seed=8)
    rows.insert(1, {"url": "https://a.example.com/copy", "text": rows[0]["text"]})  # nothing of it is new
    rng = random.Random(2)
    menu, *body, footer = rows[0]["text"].split("\n")
    rows.insert(2, {"url": "https://a.example.com/thin", "text": "\n".join([menu, body[0], paragraph(rng), footer])})
    rows.insert(3, {"url": "https://a.example.com/video"})  # a page without text
    settings = {"DEDUPE_DROP_EMPTY": True, "DEDUPE_MIN_KEPT": 0.3}
    got = crawl(tmp_path, write_pages(tmp_path / "pages", rows), settings)
    with_text = [r for r in rows if "text" in r]
    expected = list(dedupe.dedupe_records_and_explain(with_text, drop_empty=True, min_kept=0.3, **SEEN))
    kept = [c.record for c in expected if c.outcome.dropped is None]
    assert [c.outcome.dropped for c in expected] == [None, "empty", "min_kept", *[None] * (len(expected) - 3)]
    assert got.scraped == [*kept[:1], rows[3], *kept[1:]]  # the page without text came through untouched
    assert [d["reason"] for d in got.dropped] == [
        "dedupe: https://a.example.com/copy: nothing left (DEDUPE_DROP_EMPTY)",
        "dedupe: https://a.example.com/thin: kept 1 of 4 paragraphs, below DEDUPE_MIN_KEPT=0.3",
    ]
    assert got.dedupe_stats() == expected_stats(expected, no_field=1)
    assert got.stats["item_dropped_count"] == 2
    assert "2 items dropped; 1 item without field 'text'" in got.log


def test_a_finished_crawl_saves_the_index_and_the_next_crawl_reads_it(tmp_path: Path) -> None:
    rows = site_pages(seed=11)
    index = tmp_path / "seen.npz"
    first = crawl(tmp_path, write_pages(tmp_path / "pages", rows), {"DEDUPE_INDEX": str(index)}, name="first")
    assert index.exists()
    assert f"index saved to {index}" in first.log
    assert first.texts == [r["text"] for r in dedupe.dedupe_records(rows, **SEEN)]
    # The same pages again, then a new page of the first site: the old pages come out as they
    # did (feeding a page again with its id is stable), the new one loses what they kept.
    new = {"url": "https://www.a.example.com/news/new", "text": f"{paragraph(random.Random(5))}\n{FOOTER}"}
    new["text"] = rows[0]["text"].split("\n")[0] + "\n" + new["text"]  # the site's menu line
    again = [*rows, new]
    second = crawl(tmp_path, write_pages(tmp_path / "again", again), {"DEDUPE_INDEX": str(index)}, name="second")
    assert second.texts[: len(rows)] == first.texts
    assert second.texts == [r["text"] for r in dedupe.dedupe_records(again, **SEEN)]
    assert second.texts[-1] != new["text"]


def test_a_crawl_closed_for_another_reason_saves_no_index(tmp_path: Path) -> None:
    rows = site_pages(seed=12)
    index = tmp_path / "seen.npz"
    urls = write_pages(tmp_path / "pages", rows)
    got = crawl(tmp_path, urls, {"DEDUPE_INDEX": str(index)}, close_after=2, kind="dataclass")  # any kind of item
    assert got.stats["finish_reason"] == "enough"
    assert got.texts == [r["text"] for r in dedupe.dedupe_records(rows[:2], **SEEN)]
    assert not index.exists()
    assert "index not saved: the crawl closed with 'enough', not 'finished'" in got.log


@pytest.mark.parametrize(
    ("index", "error"),
    [
        ("missing/seen.npz", "CorpusIndexError: {index}: no directory {tmp}/missing to save the index in"),
        ("damaged.npz", "CorpusIndexError: {index}: not a dedupe index, or a damaged one"),
        ("http://example.com/seen.npz", "ConfigError: DEDUPE_INDEX='{index}': an index is a file or a redis://"),
    ],
)
def test_a_bad_index_fails_the_crawl_before_any_page(tmp_path: Path, index: str, error: str) -> None:
    (tmp_path / "damaged.npz").write_bytes(b"PK\x03\x04 not an index at all")
    urls = write_pages(tmp_path / "pages", site_pages()[:2])
    index = index if "://" in index else str(tmp_path / index)
    got = crawl(tmp_path, urls, {"DEDUPE_INDEX": index})
    assert got.scraped == [] and got.dropped == []
    assert "downloader/request_count" not in got.stats  # no page fetched
    assert "CRITICAL" in got.log and error.format(index=index, tmp=tmp_path) in got.log
    # (Scrapy 2.19 also marks the start of the process as failed; 2.11 only logs the error.)


def test_boilerplate_cleans_the_pages_that_a_counting_pass_counted(tmp_path: Path) -> None:
    rows = site_pages(seed=13)
    records = tmp_path / "pages.jsonl"
    records.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    index = tmp_path / "counts.npz"
    argv = ["--jsonl", "--boilerplate", "2", "--site-field", "url", "--id-field", "url", "--index", str(index)]
    for step in ("count", "clean"):
        done = subprocess.run([script(), *argv, "--pass", step, "-q", str(records)], capture_output=True, check=True)
    cli = [json.loads(line)["text"] for line in done.stdout.decode().splitlines()]
    counted = index.read_bytes()
    new = {"url": "https://a.example.com/not-counted", "text": f"{paragraph(random.Random(1))}\n{FOOTER}"}
    settings = {"DEDUPE_POLICY": "boilerplate", "DEDUPE_MIN_DOCS": 2, "DEDUPE_INDEX": str(index)}
    got = crawl(tmp_path, write_pages(tmp_path / "pages", [*rows[:2], new, *rows[2:]]), settings)
    assert got.texts == cli
    assert cli == [r["text"] for r in dedupe.dedupe_records(rows, policy="boilerplate", site_field="url")]
    assert [d["item"]["url"] for d in got.dropped] == [new["url"]]
    assert "was not counted" in got.dropped[0]["reason"]
    assert got.stats["dedupe/not_counted"] == 1 and got.stats["dedupe/items"] == len(rows)
    assert index.read_bytes() == counted  # the crawl reads the counts, it never writes them


def test_the_181_pages_crawled_give_the_removals_of_the_command_line(tmp_path: Path) -> None:
    """The article-extraction benchmark's pages as HTML, crawled in file order: every text as ``dedupe-file``'s."""
    source = real_pages()
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 181
    argv = ["--jsonl", "--scope", "corpus", "--site-field", "url", "--id-field", "url", "--annotate", "dedupe", "-q"]
    done = subprocess.run([script(), *argv, str(source)], capture_output=True, check=True, timeout=300)
    cli = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    urls = write_pages(tmp_path / "pages", [{"url": r["url"], "text": r["text"]} for r in rows])
    got = crawl(tmp_path, urls, {"DEDUPE_ANNOTATE": "dedupe"})
    assert [item["url"] for item in got.scraped] == [r["url"] for r in rows]  # in file order, none lost
    unequal = [
        r["url"] for r, mine, theirs in zip(rows, got.scraped, cli, strict=True) if mine["text"] != theirs["text"]
    ]
    assert unequal == []
    assert [item["dedupe"] for item in got.scraped] == [record["dedupe"] for record in cli]  # counts, kinds, sources
    assert got.stats["dedupe/removed"] == sum(record["dedupe"]["removed"] for record in cli) > 1000
    assert got.stats["dedupe/chars_removed"] == sum(
        len(r["text"]) - len(c["text"]) for r, c in zip(rows, cli, strict=True)
    )


def test_import_dedupe_imports_no_scrapy() -> None:
    code = (
        "import pkgutil, sys, dedupe\n"
        "for m in pkgutil.walk_packages(dedupe.__path__, 'dedupe.'):\n"
        "    if m.name not in ('dedupe.__main__', 'dedupe.contrib.scrapy'):\n"
        "        __import__(m.name)\n"
        "dedupe.Deduper, dedupe.dedupe_records, dedupe.Report\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted', 'itemadapter')], sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


# --------------------------------------------------------------------------- without a crawl


@pytest.mark.parametrize("kind", [dict, Page, PageItem])
def test_items_of_any_kind_are_cleaned_in_place(tmp_path: Path, kind: Any) -> None:
    rows = site_pages()[:3]
    p = pipeline(tmp_path)
    items = [kind(**row) for row in rows]
    assert all(p.process_item(item) is item for item in items)  # the very items, changed in place
    assert [item["text"] if kind is not Page else item.text for item in items] == [
        r["text"] for r in dedupe.dedupe_records(rows, **SEEN)
    ]


def test_an_item_without_text_passes_unchanged_and_a_text_that_is_no_str_is_an_error(tmp_path: Path) -> None:
    p = pipeline(tmp_path)
    for item in ({"url": "https://a.example/1"}, {"url": "https://a.example/2", "text": None}, Page("u")):
        assert p.process_item(item) is item
    assert item == Page("u")
    assert p.stats.get_value("dedupe/no_field") == 3 and p.stats.get_value("dedupe/items") == 0
    with pytest.raises(dedupe.InputError, match=r"item https://a.example/3: field 'text' is a list, not a str"):
        p.process_item({"url": "https://a.example/3", "text": ["a", "b"]})


def test_annotating_items_that_do_not_declare_the_field_says_so(tmp_path: Path) -> None:
    p = pipeline(tmp_path, DEDUPE_ANNOTATE="dedupe")
    assert p.process_item(Page("https://a.example/1", "One.")).dedupe["paragraphs"] == 1  # declared
    with pytest.raises(dedupe.ConfigError, match=r"DEDUPE_ANNOTATE='dedupe': items of type PageItem have no such"):
        p.process_item(PageItem(url="https://a.example/2", text="Two."))


def test_a_drop_is_a_drop_item_and_ids_default_to_the_url(tmp_path: Path) -> None:
    p = pipeline(tmp_path, DEDUPE_DROP_EMPTY="True", DEDUPE_ID_FIELD="id")  # from the command line: a str
    p.process_item({"id": 7, "url": "https://a.example/1", "text": FOOTER})
    with pytest.raises(DropItem, match=r"^dedupe: <items>:2: nothing left \(DEDUPE_DROP_EMPTY\)$"):
        p.process_item({"url": "https://a.example/2", "text": FOOTER})
    q = pipeline(tmp_path, DEDUPE_ANNOTATE="note")
    q.process_item({"url": "https://a.example/1", "text": FOOTER})
    assert q.process_item({"url": "https://a.example/2", "text": FOOTER})["note"]["copied_from"] == [
        "https://a.example/1"
    ]


def test_settings_given_as_strings_are_read(tmp_path: Path) -> None:
    settings = {"DEDUPE_MIN_KEPT": "0.25", "DEDUPE_MIN_DOCS": "3", "DEDUPE_OPTIONS": '{"threshold": 0.85}'}
    s = DedupePipeline.from_crawler(get_crawler(settings_dict=settings)).settings
    assert (s.min_kept, s.min_docs, s.config.threshold, s.id_field, s.field) == (0.25, 3, 0.85, "url", "text")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"DEDUPE_POLICY": "all"}, "DEDUPE_POLICY='all': it must be 'seen' or 'boilerplate'"),
        ({"DEDUPE_POLICY": "boilerplate"}, "DEDUPE_POLICY='boilerplate' needs DEDUPE_INDEX"),
        ({"DEDUPE_MIN_DOCS": 1}, "DEDUPE_MIN_DOCS=1: it must be at least 2"),
        ({"DEDUPE_MIN_DOCS": "two"}, "DEDUPE_MIN_DOCS='two'"),
        ({"DEDUPE_MIN_KEPT": 0}, "DEDUPE_MIN_KEPT=0: min_kept=0 is out of range"),
        ({"DEDUPE_MIN_KEPT": "half"}, "DEDUPE_MIN_KEPT='half'"),
        ({"DEDUPE_DROP_EMPTY": "maybe"}, "DEDUPE_DROP_EMPTY='maybe'"),
        ({"DEDUPE_OPTIONS": {"treshold": 0.8}}, "DEDUPE_OPTIONS: .*treshold"),
        ({"DEDUPE_OPTIONS": {"threshold": 2}}, "DEDUPE_OPTIONS: threshold=2.0 is out of range"),
        ({"DEDUPE_OPTIONS": "{threshold"}, "DEDUPE_OPTIONS: "),
        ({"DEDUPE_ANNOTATE": "text"}, "DEDUPE_ANNOTATE='text' would overwrite the text field"),
        ({"DEDUPE_FIELD": ""}, "DEDUPE_FIELD='': it must be a non-empty str"),
        ({"DEDUPE_URL_FIELD": 3}, "DEDUPE_URL_FIELD=3: it must be a non-empty str"),
        ({"DEDUPE_INDEX": ""}, "DEDUPE_INDEX='': it must be None, a file name or a redis:// URL"),
        ({"DEDUPE_INDEX": "s3://bucket/seen.npz"}, "an index is a file or a redis://, rediss:// or unix:// URL"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(dedupe.ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        DedupePipeline.from_crawler(get_crawler(settings_dict=settings))


def test_boilerplate_refuses_an_index_that_no_counting_pass_filled(tmp_path: Path) -> None:
    with pytest.raises(dedupe.NotCountedError, match=r"document 'a' was not counted"):  # what the pipeline drops
        dedupe.Deduper(policy="boilerplate").feed("One.", doc_id="a")
    with pytest.raises(dedupe.ConfigError, match=r"holds no counts: fill it first with a counting pass"):
        pipeline(tmp_path, DEDUPE_POLICY="boilerplate", DEDUPE_INDEX=str(tmp_path / "none.npz"))
    seen = tmp_path / "seen.npz"
    p = pipeline(tmp_path, DEDUPE_INDEX=str(seen))
    p.process_item({"url": "https://a.example/1", "text": FOOTER})
    p.spider_closed(scrapy.Spider(name="t"), "finished")
    assert seen.exists()
    with pytest.raises(dedupe.IndexMismatchError, match=r"policy"):
        pipeline(tmp_path, DEDUPE_POLICY="boilerplate", DEDUPE_INDEX=str(seen))
