"""One real Scrapy crawl of local HTML pages through ``DedupePipeline``, for ``tests/test_scrapy.py``.

``python tests/scrapy_crawl.py JOB.json`` runs a :class:`~scrapy.crawler.CrawlerProcess` in
its own process (the Twisted reactor starts once per process, so each crawl gets one) and
writes what came out to the job's ``out`` file: the items scraped and dropped, in order,
and the crawl's stats.

The spider fetches the job's ``file://`` pages one at a time, each request made from the
previous page's callback, so the items reach the pipeline in the order of the list
whatever the settings. An item is ``{"url": ..., "text": ...}``: the URL of the page's
``<link rel="canonical">`` (its address on the web, whose host is the site; a local file
has none) and the texts of its ``<p>`` elements joined with line breaks. A page with
``<meta name="no-text">`` gives an item without the text field. ``close_after=N`` raises
``CloseSpider`` on page N (from 0), so the crawl closes for another reason than "finished".
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import CloseSpider
from scrapy.http import Response


@dataclasses.dataclass
class Page:
    """A dataclass item: the pipeline reads and writes it through ``ItemAdapter``."""

    url: str
    text: str | None = None
    dedupe: dict[str, Any] | None = None


class PageItem(scrapy.Item):
    url = scrapy.Field()
    text = scrapy.Field()


class PagesSpider(scrapy.Spider):
    name = "pages"

    def __init__(self, pages: list[str], close_after: int | None = None, kind: str = "dict", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pages = pages
        self.start_urls = pages[:1]
        self.close_after = close_after
        self.kind = kind

    def parse(self, response: Response, position: int = 0) -> Any:
        if self.close_after is not None and position >= self.close_after:
            raise CloseSpider("enough")
        url = response.css('link[rel="canonical"]::attr(href)').get() or response.url
        item: dict[str, Any] = {"url": url}
        if not response.css('meta[name="no-text"]'):
            item["text"] = "\n".join("".join(p.css("::text").getall()) for p in response.css("p"))
        yield Page(**item) if self.kind == "dataclass" else PageItem(**item) if self.kind == "item" else item
        if position + 1 < len(self.pages):
            yield response.follow(self.pages[position + 1], cb_kwargs={"position": position + 1})


SETTINGS = {
    "ITEM_PIPELINES": {"dedupe.contrib.scrapy.DedupePipeline": 300},
    "CONCURRENT_REQUESTS": 1,
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,  # Scrapy 2.14 and later; older versions ignore it
}


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    process = CrawlerProcess({**SETTINGS, **job.get("settings", {})})
    crawler = process.create_crawler(PagesSpider)
    scraped: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []

    def on_scraped(item: Any) -> None:
        scraped.append(ItemAdapter(item).asdict())

    def on_dropped(item: Any, exception: BaseException) -> None:
        dropped.append({"item": ItemAdapter(item).asdict(), "reason": str(exception)})

    crawler.signals.connect(on_scraped, signal=signals.item_scraped)
    crawler.signals.connect(on_dropped, signal=signals.item_dropped)
    process.crawl(crawler, pages=job["pages"], close_after=job.get("close_after"), kind=job.get("kind", "dict"))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    out = {"scraped": scraped, "dropped": dropped, "stats": stats, "failed": bool(process.bootstrap_failed)}
    Path(job["out"]).write_text(json.dumps(out, default=str, ensure_ascii=False), encoding="utf-8")
    return 1 if process.bootstrap_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
