"""The exceptions that dedupe raises on purpose."""

from __future__ import annotations


class DedupeError(Exception):
    """Base class of every error that dedupe raises on purpose."""


class ConfigError(DedupeError, ValueError):
    """An option has a value outside its allowed range."""


class InputError(DedupeError, ValueError):
    """The input cannot be read as text (undecodable bytes, binary data)."""


class NotCountedError(DedupeError):
    """The boilerplate policy was asked to clean a document that its counting pass never saw."""


class CorpusIndexError(DedupeError):
    """A corpus index cannot be used: a corrupt or foreign file, or a Redis server gone away."""


class IndexMismatchError(CorpusIndexError):
    """A corpus index was built with other parameters than the run that opens it."""
