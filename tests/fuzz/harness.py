"""Run one target of ``targets.py`` under atheris (libFuzzer); the ``fuzz_<target>.py`` scripts call this.

    python tests/fuzz/fuzz_split.py -runs=100000 -seed=1 CORPUS_DIR [SEED_DIR ...]

Flags and directories are libFuzzer's (``-help=1`` lists them): new interesting inputs go
to the first directory, so give a scratch copy of ``tests/fuzz/seeds/<target>`` there, not
the seed directory itself; a crash is saved as ``crash-<sha1>`` (``-artifact_prefix=``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable

Mutator = Callable[[bytes, int, int], bytes]


def fuzz(
    name: str, *, mutator: Mutator | None = None, tokens: Callable[[], list[bytes]] | None = None, max_len: int = 0
) -> None:
    """Fuzz ``targets.TARGETS[name]``; ``tokens`` gives the words of a dictionary, ``max_len`` a default -max_len."""
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    # Coverage of the library guides the fuzzer (not numpy's, nor the checks': they slow it down).
    with atheris.instrument_imports(include=["dedupe"]):
        from tests.fuzz import targets

        words = tokens() if tokens else []  # called here: what it imports is instrumented too
    argv = list(sys.argv)
    if words and not any(a.startswith("-dict=") for a in argv):
        argv.insert(1, f"-dict={_dictionary(name, words)}")
    if max_len and not any(a.startswith("-max_len=") for a in argv):
        argv.insert(1, f"-max_len={max_len}")
    atheris.Setup(argv, targets.TARGETS[name], custom_mutator=mutator)
    atheris.Fuzz()


def _dictionary(name: str, words: list[bytes]) -> str:
    """A libFuzzer dictionary file of ``words`` (tokens the mutator may insert), one per target and user."""
    path = os.path.join(tempfile.gettempdir(), f"dedupe-fuzz-{name}-{os.getuid()}.dict")
    fd, tmp = tempfile.mkstemp(prefix=f"dedupe-fuzz-{name}-", suffix=".dict")
    with os.fdopen(fd, "w", encoding="ascii") as f:
        for word in dict.fromkeys(words):
            f.write('"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}" for b in word) + '"\n')
    os.replace(tmp, path)  # whole, even with another run of the same target starting
    return path
