"""A Scrapy item pipeline that removes repeated paragraphs from a text field, across the pages of each site.

Every item goes through one :class:`~dedupe.Deduper` as a record goes through
``dedupe-file --jsonl --scope corpus``: its text field is cleaned in place (the item itself
is changed and returned), the site is :func:`~dedupe.site_of` its URL, and the verdict and
annotation are those of the records API (:func:`dedupe.records.judge`,
:meth:`dedupe.records.Outcome.annotation`). Enable it in the project's settings::

    ITEM_PIPELINES = {"dedupe.contrib.scrapy.DedupePipeline": 300}

Settings, all optional:

``DEDUPE_FIELD``
    The field to clean (default ``"text"``). An item without it (or with ``None``) passes
    through unchanged and is counted (``dedupe/no_field``); a value that is not a string is
    an error.
``DEDUPE_URL_FIELD``
    The field holding the page's address (default ``"url"``): the site is its host name,
    without ``www.``; items without it share one scope.
``DEDUPE_ID_FIELD``
    The field that names the document in the index and the annotations (default: the URL
    field). An item without one is ``<items>:N``, its position from 1.
``DEDUPE_POLICY``
    ``"seen"`` (default): remove what an earlier page of the same site kept.
    ``"boilerplate"``: remove what at least ``DEDUPE_MIN_DOCS`` pages hold. A crawl is one
    pass and boilerplate needs two, so it needs a ``DEDUPE_INDEX`` that a counting pass
    filled (``dedupe-file --boilerplate N --pass count --index ...`` or
    :meth:`~dedupe.Deduper.count`); a page that pass did not see cannot be judged and is
    dropped (``dedupe/not_counted``). The index is read, never written.
``DEDUPE_MIN_DOCS``
    Boilerplate only: in how many pages a paragraph must occur (default 2).
``DEDUPE_INDEX``
    ``None`` (default: in memory, for this crawl), a ``.npz`` file (loaded if it exists,
    saved when the crawl finishes with the reason ``"finished"``, not when it is closed
    for another reason), or a ``redis://`` URL shared by many crawls, written as items go.
``DEDUPE_INDEX_PREFIX``
    The key prefix of a Redis index (default ``"dedupe"``).
``DEDUPE_DROP_EMPTY``
    Drop an item that no paragraph is left of (default ``False``).
``DEDUPE_MIN_KEPT``
    Drop an item that keeps less than this share of its paragraphs (default ``None``).
``DEDUPE_ANNOTATE``
    The name of a field to add to each item with a summary of what went (default ``None``):
    ``{"paragraphs": 12, "removed": 3, "within": 1, "exact": 2, ...}``. An item class that
    declares its fields must declare this one.
``DEDUPE_OPTIONS``
    :class:`~dedupe.DedupeConfig` overrides, a dict or a JSON object (``{"threshold": 0.85}``).

Dropped items raise :class:`scrapy.exceptions.DropItem` with the reason. A bad setting or
index fails the crawl when it opens, before any page is fetched: the pipeline never raises
``NotConfigured``, which would let the crawl go on with the pipeline left out and the
items exported uncleaned. Counts go to the crawl's stats (``dedupe/items`` — items cleaned,
``dedupe/paragraphs``, ``dedupe/removed``, ``dedupe/removed_exact``, ``dedupe/removed_near``,
``dedupe/removed_partial``, ``dedupe/chars_removed``, ``dedupe/dropped``,
``dedupe/no_field``, and ``dedupe/not_counted`` for boilerplate), and one summary line goes
to the spider's log when it closes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from dedupe.cli import REDIS_SCHEMES
from dedupe.config import DedupeConfig, resolve
from dedupe.corpus import Deduper
from dedupe.errors import ConfigError, DedupeError, InputError, NotCountedError
from dedupe.jsonl import id_of, scope_of
from dedupe.records import Outcome, check_min_kept, judge
from dedupe.split import count_paragraphs

_T = TypeVar("_T")
_KINDS = ("exact", "near", "partial")
STATS = (
    "items",
    "paragraphs",
    "removed",
    *(f"removed_{kind}" for kind in _KINDS),
    "chars_removed",
    "dropped",
    "no_field",
)


@dataclass(frozen=True)
class PipelineSettings:
    """The ``DEDUPE_*`` settings, checked."""

    field: str
    url_field: str
    id_field: str
    policy: Literal["seen", "boilerplate"]
    min_docs: int
    index: str | None
    prefix: str
    drop_empty: bool
    min_kept: float | None
    annotate: str | None
    config: DedupeConfig

    @classmethod
    def read(cls, settings: BaseSettings) -> PipelineSettings:
        """Read and check the settings; raise :class:`~dedupe.ConfigError` naming the one that is wrong."""
        names = {name: _name(settings, name) for name in ("DEDUPE_FIELD", "DEDUPE_URL_FIELD", "DEDUPE_ID_FIELD")}
        field = names["DEDUPE_FIELD"] or "text"
        url_field = names["DEDUPE_URL_FIELD"] or "url"
        annotate = _name(settings, "DEDUPE_ANNOTATE")
        if annotate == field:
            raise ConfigError(f"DEDUPE_ANNOTATE={annotate!r} would overwrite the text field")
        policy = settings.get("DEDUPE_POLICY", "seen")
        if policy not in ("seen", "boilerplate"):
            raise ConfigError(f"DEDUPE_POLICY={policy!r}: it must be 'seen' or 'boilerplate'")
        index = settings.get("DEDUPE_INDEX")
        if isinstance(index, os.PathLike):
            index = os.fspath(index)
        if index is not None and (not isinstance(index, str) or not index):
            raise ConfigError(f"DEDUPE_INDEX={index!r}: it must be None, a file name or a redis:// URL")
        if index is not None and not index.startswith(REDIS_SCHEMES) and re.match(r"[A-Za-z][\w+.-]*://", index):
            raise ConfigError(f"DEDUPE_INDEX={index!r}: an index is a file or a redis://, rediss:// or unix:// URL")
        if policy == "boilerplate" and index is None:
            raise ConfigError(
                "DEDUPE_POLICY='boilerplate' needs DEDUPE_INDEX, an index that a counting pass filled "
                "(dedupe-file --boilerplate N --pass count --index PATH): a crawl makes one pass, boilerplate two"
            )
        prefix = _name(settings, "DEDUPE_INDEX_PREFIX") or "dedupe"
        min_docs = _parsed(settings, "DEDUPE_MIN_DOCS", lambda: settings.getint("DEDUPE_MIN_DOCS", 2))
        if min_docs < 2:
            raise ConfigError(f"DEDUPE_MIN_DOCS={min_docs!r}: it must be at least 2")
        drop_empty = _parsed(settings, "DEDUPE_DROP_EMPTY", lambda: settings.getbool("DEDUPE_DROP_EMPTY", False))
        raw = settings.get("DEDUPE_MIN_KEPT")  # a str when set on the command line (-s DEDUPE_MIN_KEPT=0.2)
        share = _parsed(settings, "DEDUPE_MIN_KEPT", lambda: float(raw) if isinstance(raw, str) else raw)
        min_kept = _parsed(settings, "DEDUPE_MIN_KEPT", lambda: check_min_kept(share))
        try:
            config = resolve(None, settings.getdict("DEDUPE_OPTIONS"))
        except (TypeError, ValueError) as err:  # a misspelt option, a wrong type, a value out of range, bad JSON
            raise ConfigError(f"DEDUPE_OPTIONS: {err}") from err
        return cls(
            field=field,
            url_field=url_field,
            id_field=names["DEDUPE_ID_FIELD"] or url_field,
            policy=policy,
            min_docs=min_docs,
            index=index,
            prefix=prefix,
            drop_empty=drop_empty,
            min_kept=min_kept,
            annotate=annotate,
            config=config,
        )


def _parsed(settings: BaseSettings, name: str, parse: Callable[[], _T]) -> _T:
    """The value that ``parse`` reads; a value it refuses raises :class:`~dedupe.ConfigError` naming the setting."""
    try:
        return parse()
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{name}={settings.get(name)!r}: {err}") from err


def _name(settings: BaseSettings, name: str) -> str | None:
    value = settings.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{name}={value!r}: it must be a non-empty str")
    return value


class DedupePipeline:
    """Clean the text field of every item against the pages that came before (see the module's docstring)."""

    def __init__(self, settings: BaseSettings, stats: StatsCollector) -> None:
        self.settings = PipelineSettings.read(settings)
        self.stats = stats
        self.deduper: Deduper | None = None
        self.position = 0  # items seen, to name those without an id

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        pipeline = cls(crawler.settings, crawler.stats)
        # close_spider() is not told why the spider closes, and a file index is saved only
        # after a finished crawl: the closing is done when spider_closed says why.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        """Open the index; a bad one (or one that no counting pass filled, for boilerplate) fails here."""
        s = self.settings
        deduper = Deduper(policy=s.policy, min_docs=s.min_docs, index=s.index, prefix=s.prefix, config=s.config)
        if s.policy == "boilerplate" and deduper.stats().entries == 0:
            deduper.close()
            raise ConfigError(
                f"DEDUPE_INDEX={s.index!r} holds no counts: fill it first with a counting pass "
                "(dedupe-file --boilerplate N --pass count --index ...), or use DEDUPE_POLICY='seen'"
            )
        self.deduper = deduper
        for name in (*STATS, *(["not_counted"] if s.policy == "boilerplate" else [])):
            self.stats.set_value(f"dedupe/{name}", 0)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Clean the item's text field in place and return the item; raise ``DropItem`` if the verdict drops it."""
        if self.deduper is None:
            raise RuntimeError("DedupePipeline.process_item() before open_spider()")
        s = self.settings
        self.position += 1
        adapter = ItemAdapter(item)
        text = adapter.get(s.field)
        if text is None:
            self.stats.inc_value("dedupe/no_field")
            return item
        doc_id = id_of(adapter.get(s.id_field)) or f"<items>:{self.position}"
        if not isinstance(text, str):
            raise InputError(f"item {doc_id}: field {s.field!r} is a {type(text).__name__}, not a str")
        site = scope_of(adapter.get(s.url_field))
        try:
            explained = self.deduper.feed(text, doc_id=doc_id, site=site)
        except NotCountedError as err:
            self.stats.inc_value("dedupe/not_counted")
            raise DropItem(f"dedupe: {err}") from None
        paragraphs = count_paragraphs(text, s.config.paragraphs)
        outcome = judge(doc_id, site, text, explained, paragraphs, drop_empty=s.drop_empty, min_kept=s.min_kept)
        note = outcome.annotation()
        self._count(note, outcome)
        if outcome.dropped is not None:
            raise DropItem(_why_dropped(outcome, s))
        adapter[s.field] = explained.text
        if s.annotate is not None:
            try:
                adapter[s.annotate] = note
            except KeyError:  # an Item or dataclass that does not declare the field
                raise ConfigError(
                    f"DEDUPE_ANNOTATE={s.annotate!r}: items of type {type(item).__name__} have no such field"
                ) from None
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Log the summary; save a file index if the crawl finished (not if it was closed otherwise); close."""
        deduper, self.deduper = self.deduper, None
        if deduper is None:  # open_spider failed
            return
        s = self.settings
        try:
            where = ""
            if s.index is not None and not s.index.startswith(REDIS_SCHEMES) and s.policy == "seen":
                where = self._save(deduper, reason, spider)
            spider.logger.info("dedupe: %s%s", self.summary(), where)
        finally:
            deduper.close()

    def _save(self, deduper: Deduper, reason: str, spider: Spider) -> str:
        """Save the file index after a finished crawl; say what became of it."""
        index = self.settings.index
        if reason != "finished":
            return f"; index not saved: the crawl closed with {reason!r}, not 'finished'"
        try:
            deduper.save()
        except (OSError, DedupeError) as err:
            spider.logger.error("dedupe: cannot save the index to %s: %s", index, err)
            return "; index not saved (see the error above)"
        return f"; index saved to {index}"

    def summary(self) -> str:
        """One line of what the crawl removed, from the stats."""

        def n(name: str) -> int:
            return int(self.stats.get_value(f"dedupe/{name}", 0))

        kinds = ", ".join(f"{n(f'removed_{kind}'):,} {kind}" for kind in _KINDS)
        parts = [
            f"{_items(n('items'))}: {n('removed'):,} of {n('paragraphs'):,} paragraphs removed ({kinds}), "
            f"{n('chars_removed'):,} characters"
        ]
        if n("dropped"):
            parts.append(f"{_items(n('dropped'))} dropped")
        if n("not_counted"):
            parts.append(f"{_items(n('not_counted'))} dropped as not counted")
        if n("no_field"):
            parts.append(f"{_items(n('no_field'))} without field {self.settings.field!r}")
        return "; ".join(parts)

    def _count(self, note: dict[str, Any], outcome: Outcome) -> None:
        inc = self.stats.inc_value
        inc("dedupe/items")
        inc("dedupe/paragraphs", note["paragraphs"])
        inc("dedupe/removed", note["removed"])
        for kind in _KINDS:
            inc(f"dedupe/removed_{kind}", note[kind])
        inc("dedupe/chars_removed", note["chars_removed"])
        if outcome.dropped is not None:
            inc("dedupe/dropped")


def _items(count: int) -> str:
    return f"{count:,} item{'' if count == 1 else 's'}"


def _why_dropped(outcome: Outcome, s: PipelineSettings) -> str:
    if outcome.dropped == "empty":
        return f"dedupe: {outcome.doc_id}: nothing left (DEDUPE_DROP_EMPTY)"
    kept = f"kept {outcome.kept_paragraphs} of {outcome.paragraphs} paragraphs"
    return f"dedupe: {outcome.doc_id}: {kept}, below DEDUPE_MIN_KEPT={s.min_kept:g}"
