"""Which site a document belongs to: the scope that keeps one site's index apart from another's."""

from __future__ import annotations

from urllib.parse import urlsplit


def site_of(value: str) -> str:
    """The site that ``value`` names: a URL's host name (lower case, without ``www.``), else ``value``.

    The command line's ``--site-field`` and the ``site=`` of :class:`~dedupe.Deduper` both
    go through this rule, so the two pages of one site share a scope however they are named.

    >>> site_of("https://www.Example.com/2026/05/story.html?utm=x")
    'example.com'
    >>> site_of("example.com"), site_of("Alpha News")
    ('example.com', 'Alpha News')
    """
    if not isinstance(value, str):
        raise TypeError(f"site must be a str, got {type(value).__name__}")
    if "://" not in value:
        return value
    try:
        host = urlsplit(value.strip()).hostname
    except ValueError:  # a malformed address, such as an unclosed IPv6 bracket
        host = None
    if not host:
        return value
    return host.removeprefix("www.")
