"""The fuzz targets: one function per parser, fed arbitrary bytes, raising on a bug.

Each target turns the bytes into an input of one parser, runs it, and checks what the
project promises of that parser. It returns normally when the parser keeps its promises,
including when it refuses the input with the error it documents, and raises otherwise:
``AssertionError`` for a broken promise, or the unexpected exception itself.

Two callers: the libFuzzer entry points next to this file (``fuzz_<target>.py``, atheris),
and ``tests/test_fuzz.py``, which replays every file in ``seeds/<target>/`` in plain Python.
Text targets read the bytes as UTF-8, undecodable bytes becoming lone surrogates
(``surrogateescape``), so every byte string is an input and a seed file is readable text.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from dedupe import DedupeConfig, Deduper, dedupe_and_explain
from dedupe.corpus import Policy
from dedupe.errors import CorpusIndexError, DedupeError
from dedupe.jsonl import BadLine, Fields, is_blank, parse
from dedupe.normalize import normalize
from dedupe.results import Explained, Match
from dedupe.split import join_paragraphs, paragraph_spans, split_paragraphs
from dedupe.store import MemoryStore


def text_of(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _subset(data: bytes, n: int) -> set[int]:
    """A subset of ``range(n)`` that depends on every byte of ``data``: which paragraphs to remove."""
    bits = int.from_bytes(hashlib.sha256(data).digest(), "little")
    return {i for i in range(n) if bits >> (i % 256) & 1}


# --------------------------------------------------------------------------- split / join

_BREAK = re.compile(r"(\r\n|\r|\n)")
_INVISIBLE = set("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")  # README: these do not make a line visible


def _visible(line: str) -> bool:
    return any(not c.isspace() and c not in _INVISIBLE for c in line)


def _reference_split(text: str, mode: str) -> list[str]:
    """Paragraph texts by brute force: lines by ``re.split``, grouped at blank lines in blank mode."""
    pieces = _BREAK.split(text)
    lines, breaks = pieces[0::2], [*pieces[1::2], ""]
    if mode == "line":
        return [line for line in lines if _visible(line)]
    out: list[str] = []
    current: list[str] = []
    for line, brk in zip(lines, breaks, strict=True):
        if _visible(line):
            current += [line, brk]
        elif current:
            out.append("".join(current[:-1]))
            current = []
    if current:
        out.append("".join(current[:-1]))
    return out


def _reference_join(text: str, spans: list[tuple[int, int]], remove: Collection[int]) -> str:
    """The README's rule: a removed paragraph takes the separator after it; the last kept one, the text's end."""
    kept = [i for i in range(len(spans)) if i not in remove]
    if not spans or len(kept) == len(spans):
        return text
    lead, tail = text[: spans[0][0]], text[spans[-1][1] :]
    if not kept:
        return lead + tail
    pieces = [lead]
    for i in kept[:-1]:
        pieces += [text[spans[i][0] : spans[i][1]], text[spans[i][1] : spans[i + 1][0]]]
    pieces += [text[spans[kept[-1]][0] : spans[kept[-1]][1]], tail]
    return "".join(pieces)


def split_join(data: bytes) -> None:
    """Paragraph spans are right, and joining them back is lossless: kept text byte-identical."""
    text = text_of(data)
    for mode in ("line", "blank"):
        paragraphs = split_paragraphs(text, mode)
        spans = [(p.start, p.end) for p in paragraphs]
        assert paragraph_spans(text, mode) == spans
        assert [p.text for p in paragraphs] == _reference_split(text, mode)
        end = -1
        for i, p in enumerate(paragraphs):
            assert p.index == i and p.text == text[p.start : p.end]
            assert end < p.start < p.end, "spans overlap or are empty"
            assert p.start == 0 or text[p.start - 1] in "\r\n", "a paragraph starts mid-line"
            assert p.end == len(text) or text[p.end] in "\r\n", "a paragraph ends mid-line"
            end = p.end
        breaks = len(_BREAK.findall(text))
        n = len(paragraphs)
        for remove in (set(), set(range(n)), {0}, {n - 1}, _subset(data, n)):
            out = join_paragraphs(text, paragraphs, remove)
            assert out == _reference_join(text, spans, remove)
            kept = [p.text for p in paragraphs if p.index not in remove]
            assert [p.text for p in split_paragraphs(out, mode)] == kept
            assert len(_BREAK.findall(out)) <= breaks, "a line break was added"


# --------------------------------------------------------------------------- normalise

_FOLDED_AWAY = set("\u2018\u2019\u201a\u201b\u2032\u2035\u00b4\u0060\uff07\u02bc")  # quotes
_FOLDED_AWAY |= set("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u301d\u301e\uff02")
_FOLDED_AWAY |= set("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")  # dashes
_FOLDED_AWAY |= _INVISIBLE


def normalise(data: bytes) -> None:
    """``normalize`` never fails, and its key is what the README says: folded, single-spaced, stable."""
    text = text_of(data)
    key = normalize(text)
    assert isinstance(key, str)
    assert "  " not in key and key == key.strip(" "), "spaces not single"
    assert all(c == " " or not c.isspace() for c in key), "whitespace other than a plain space"
    assert not _FOLDED_AWAY & set(key), "a quote, dash or invisible character was not folded"
    # A key is the canonical form of its copies: equal keys are exact copies, so the key
    # of a key must be itself (else a copy that differs only by folded noise gets another key).
    assert normalize(key) == key, "normalize is not idempotent"


# --------------------------------------------------------------------------- JSONL splice

FIELDS = Fields("text", "id", "url")
# Characters that str.splitlines or a JSON reader breaks a line at: never raw in a value we write.
_LINE_BREAKING = re.compile("[\x00-\x1f\x85\u2028\u2029]")


def _removal() -> Match:
    return Match(0, (0, 0), 0, (0, 0), 1.0, "exact", 0)


def _would_parse(body: bytes) -> bool:
    """What ``json.loads`` makes of the line: an object whose ``text`` is a string dedupe can clean."""
    if b"\x00" in body:
        return False
    try:
        value = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        return False
    # An escaped NUL is text like any other; a lone surrogate cannot be written back as UTF-8.
    return not any("\ud800" <= c <= "\udfff" for c in value["text"])


def jsonl_splice(data: bytes) -> None:
    """A line is parsed as ``json`` would, or refused with ``BadLine``; splicing a value back changes only it."""
    raw = data[: data.index(b"\n") + 1] if b"\n" in data else data  # the reader splits at \n only
    if is_blank(raw):
        return
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        record = parse(raw, 1, "fuzz.jsonl", FIELDS)
    except (BadLine, DedupeError):
        assert not _would_parse(body), "a line that json.loads reads as a record was refused"
        return
    assert _would_parse(body), "a line that json.loads refuses was accepted"
    original = json.loads(record.line)
    assert record.text == original["text"] == json.loads(record.line[record.start : record.end])
    assert record.output(Explained(record.text, [], [], [])) == raw, "a record with nothing removed changed"

    paragraphs = split_paragraphs(record.text)
    cleaned = join_paragraphs(record.text, paragraphs, _subset(data, len(paragraphs))) if paragraphs else ""
    real = dedupe_and_explain(record.text, min_chars=0)
    for new, explained in ((cleaned, Explained(cleaned, [_removal()], [], [])), (real.text, real)):
        if not explained.removed:
            continue
        out = record.output(explained)
        head = record.bom + record.line[: record.start].encode("utf-8")
        rest = record.line[record.end :].encode("utf-8")
        assert out.startswith(head) and raw.startswith(head), "bytes before the value changed"
        assert out.endswith(rest) and raw.endswith(rest), "bytes after the value changed"
        token = out[len(head) : len(out) - len(rest)].decode("utf-8")
        assert json.loads(token) == new
        assert not _LINE_BREAKING.search(token), "a raw line break or control character in the value"
        again = parse(out, 1, "fuzz.jsonl", FIELDS)
        assert (again.text, again.doc_id, again.site) == (new, record.doc_id, record.site)
        assert json.loads(again.line) == {**original, "text": new}
    for row in record.explain(real):
        json.dumps(row, ensure_ascii=False)


# --------------------------------------------------------------------------- index loader

INDEX_CONFIG = DedupeConfig(num_perm=32, bands=8, rows=4)
# The documents of the seed indexes (tests/fuzz/make_seeds.py), fed again after a load.
INDEX_DOCS = [
    (
        "a",
        "The council approved the flood barrier on Tuesday, the largest public works project in its history.\n"
        "Sign up for our newsletter to get the day's headlines every morning.\nShort line.\n",
    ),
    (
        "b",
        "Sign up for our newsletter to get the day's headlines every morning.\n"
        "오 시장은 연설에서 서울의 미래를 위한 투자를 계속하겠다고 밝혔다. 무단전재·재배포 금지\n",
    ),
    ("c", "The council approved the flood barrier on Tuesday, the largest public works project in its history!\n"),
]
_ARRAYS = (
    "header",
    "signatures",
    "key_blob",
    "key_offsets",
    "scope_blob",
    "scope_offsets",
    "scope_of",
    "doc_blob",
    "doc_offsets",
    "loc_doc",
    "loc_index",
    "loc_span",
    "counted",
    "set_offsets",
    "set_docs",
)


def _memory_budget(size: int) -> int:
    """The most that loading a ``size``-byte index may allocate: a zip bomb or a huge claimed shape goes over."""
    return 4_000_000 + 64 * size


def _integers(a: Any, shape: tuple[int | None, ...], low: int, high: int | None, what: str) -> list[int]:
    """Check that ``a`` is an integer array of ``shape`` with values in ``[low, high)``; return its values."""
    assert a.dtype.kind in "iu", f"{what}: dtype {a.dtype} accepted"
    assert a.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, a.shape, strict=True)), (
        f"{what}: shape {a.shape} accepted"
    )
    values: list[int] = a.ravel().tolist()
    assert all(v >= low and (high is None or v < high) for v in values), f"{what}: a value out of range accepted"
    return values


def _strings(blob: Any, offsets: Any, count: int | None, what: str) -> list[str]:
    """Check a packed string list: bytes, and offsets from 0 to the blob's end that never decrease."""
    assert blob.dtype.kind in "iu" and blob.dtype.itemsize == 1 and blob.ndim == 1, (
        f"{what}_blob: {blob.dtype} accepted"
    )
    data = blob.view(np.uint8).tobytes()
    bounds = _integers(offsets, (None if count is None else count + 1,), 0, len(data) + 1, f"{what}_offsets")
    assert bounds and bounds[0] == 0 and bounds[-1] == len(data), f"{what}_offsets: not from 0 to the blob's end"
    assert all(a <= b for a, b in itertools.pairwise(bounds)), f"{what}_offsets: decreasing"
    return [data[a:b].decode("utf-8", "surrogatepass") for a, b in itertools.pairwise(bounds)]


def _check_accepted(store: MemoryStore, path: str) -> None:
    """An index that the loader accepted is a valid one, and the store holds what the file says.

    Checked against the arrays as stored, whatever their type: a decreasing offset, a
    reference out of range or a float where an integer belongs is damage, to be refused.
    """
    with np.load(path, allow_pickle=False) as data:
        a = {name: data[name] for name in data.files}
    assert set(_ARRAYS) <= set(a), "an index with members missing accepted"
    # numpy gives the raw bytes of a member that is not an .npy array.
    assert all(isinstance(a[k], np.ndarray) for k in _ARRAYS), "a member that is not an array accepted"
    n, num_perm = len(store.keys), store.num_perm
    keys = _strings(a["key_blob"], a["key_offsets"], n, "key")
    docs = _strings(a["doc_blob"], a["doc_offsets"], None, "doc")
    scopes = _strings(a["scope_blob"], a["scope_offsets"], None, "scope")
    signatures = _integers(a["signatures"], (n, num_perm), 0, 2**32, "signatures")
    scope_of = _integers(a["scope_of"], (n,), 0, len(scopes), "scope_of")
    loc_doc = _integers(a["loc_doc"], (n,), 0, len(docs), "loc_doc")
    loc_index = _integers(a["loc_index"], (n,), 0, None, "loc_index")
    loc_span = _integers(a["loc_span"], (n, 2), 0, None, "loc_span")
    assert all(s <= e for s, e in zip(loc_span[0::2], loc_span[1::2], strict=True)), "loc_span: start after end"
    counted = a["counted"]
    assert counted.shape == (n,), f"counted: shape {counted.shape} accepted"
    if counted.dtype != np.bool_:
        _integers(counted, (n,), 0, 2, "counted")  # 0 and 1 for False and True
    set_docs = _integers(a["set_docs"], (None,), 0, len(docs), "set_docs")
    bounds = _integers(a["set_offsets"], (n + 1,), 0, len(set_docs) + 1, "set_offsets")
    assert bounds[0] == 0 and bounds[-1] == len(set_docs), "set_offsets: not from 0 to the end of set_docs"
    assert all(x <= y for x, y in itertools.pairwise(bounds)), "set_offsets: decreasing"
    # The store holds exactly that.
    assert (store.keys, store.docs, store.scopes) == (keys, docs, scopes)
    assert store.signatures.ravel().tolist() == signatures
    assert (store.scope_of, store.loc_doc, store.loc_index) == (scope_of, loc_doc, loc_index)
    assert [list(s) for s in store.loc_span] == [loc_span[k : k + 2] for k in range(0, 2 * n, 2)]
    sets = [set(set_docs[bounds[i] : bounds[i + 1]]) if c else None for i, c in enumerate(counted.tolist())]
    assert store.doc_sets == sets


def _use(path: str, policy: Policy, work: str) -> None:
    """Run the loaded index through a corpus pass and a save: only the index's own error may come out."""
    d = Deduper(index=path, policy=policy, config=INDEX_CONFIG)
    docs = [*INDEX_DOCS, ("d", INDEX_DOCS[0][1] + INDEX_DOCS[1][1])]
    if policy == "boilerplate":
        for doc_id, text in docs:
            d.count(text, doc_id=doc_id)
    for doc_id, text in docs:
        d.feed(text, doc_id=doc_id)
    again = os.path.join(work, "again.npz")
    d.save(again)
    reloaded = MemoryStore(again)
    assert isinstance(d.store, MemoryStore)
    assert (reloaded.keys, reloaded.loc_doc, reloaded.doc_sets) == (d.store.keys, d.store.loc_doc, d.store.doc_sets)


def index_loader(data: bytes) -> None:
    """Loading any bytes as an index gives a valid index or ``CorpusIndexError``, in bounded memory."""
    with _scratch() as work:
        path = os.path.join(work, "index.npz")
        with open(path, "wb") as f:
            f.write(data)
        tracemalloc.start()
        try:
            store = MemoryStore(path)
        except CorpusIndexError:
            return
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak <= _memory_budget(len(data)), f"loading a {len(data)}-byte index allocated {peak:,} bytes"
        _check_accepted(store, path)
        for policy in ("seen", "boilerplate"):
            wanted = Deduper(policy=policy, config=INDEX_CONFIG).params()
            if store.params == wanted:
                with contextlib.suppress(CorpusIndexError):
                    _use(path, policy, work)


@contextlib.contextmanager
def _scratch() -> Iterator[str]:
    """A fresh directory, in memory when the system has one (the CLI target makes thousands)."""
    shm = "/dev/shm"
    root = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    work = tempfile.mkdtemp(prefix="dedupe-fuzz-", dir=root)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- CLI arguments

_P = "The council approved the flood barrier on Tuesday, the largest public works project in the city's history."
_Q = "오 시장은 연설에서 “서울의 미래”를 위한 투자를 계속하겠다고 밝혔다 — 시의회는 다음 주에 예산안을 심의한다."
_S = r"A lone surrogate written as an escape, \ud800, in a paragraph long enough to be removed as a copy."
_R = r"Paths such as C:\new\tab and escapes like \u12 or \x4 appear in scraped code listings, 80 characters."
CLI_FILES = {
    "a.txt": f"{_P}\n{_Q}\nshort\n{_R}\n{_P}\n{_Q}\n".encode(),
    "b.txt": f"{_Q}\r\nanother line\r\n{_P}\r\n".encode(),
    # ASCII with long lines and an escape: decodes as idna and unicode_escape too.
    "c.txt": f"{_P}\n{_S}\n{_P}\n{_S}\n".encode(),
    "a.jsonl": "".join(
        json.dumps(r, ensure_ascii=False) + "\n"
        for r in (
            {"id": 1, "url": "https://www.example.com/1", "text": f"{_P}\n{_Q}\n{_P}", "n": 1.50},
            {"id": "two", "url": "https://example.com/2", "text": f"{_Q}\nshort\n{_R}"},
            {"id": 3, "url": "https://other.example/3", "text": f"{_R}\n{_P}"},
        )
    ).encode()
    + b"\n",
}
# Options whose empty value is refused (issue 12): --field "" must not silently mean "text".
# Their names (the error must name the option), and a stand-in value for the run that tells
# whether the rest of the arguments is usable.
_EMPTY_REFUSED = {
    "field": (("--field",), "text"),
    "id_field": (("--id-field",), "id"),
    "site_field": (("--site-field",), "url"),
    "index_prefix": (("--index-prefix",), "dedupe"),
    "index": (("--index",), "seen.npz"),
    "output": (("--output", "-o"), "-"),
}
_REDIS = ("redis://", "rediss://")
_SAFE_HOSTS = ("127.0.0.1", "localhost")
_index_bytes: bytes | None = None


def _seen_index() -> bytes:
    """An index file that the CLI's default options accept (built once)."""
    global _index_bytes
    if _index_bytes is None:
        with _scratch() as work:
            path = os.path.join(work, "seen.npz")
            d = Deduper(index=path)
            for name in ("a.txt", "b.txt"):
                d.feed(CLI_FILES[name].decode(), doc_id=name)
            d.save()
            _index_bytes = Path(path).read_bytes()
    return _index_bytes


def _safe(arg: str) -> bool:
    """Whether an argument can only touch the scratch directory (and a Redis port where nobody listens)."""
    value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
    if value.startswith(_REDIS):
        try:
            url = urlsplit(value)
            return url.hostname in _SAFE_HOSTS and url.port == 1 and ".." not in arg
        except ValueError:
            return False
    return ".." not in arg and ("/" not in arg or arg.startswith("./"))


def _lay_out() -> None:
    """The scratch directory of a CLI run: the inputs, an index, a symbolic link and a directory."""
    for name, content in {**CLI_FILES, "seen.npz": _seen_index()}.items():
        Path(name).write_bytes(content)
    os.symlink("a.txt", "link.txt")
    os.mkdir("sub")


def _files(work: str) -> dict[str, bytes]:
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted(Path(work).rglob("*")) if p.is_file()}


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normpath(a) == os.path.normpath(b)


class _Run:
    """One ``dedupe-file`` run in a fresh scratch directory: exit status, standard error, files."""

    def __init__(self, argv: list[str]) -> None:
        from dedupe import cli
        from dedupe.cli import policy_of

        self.code: object = None
        self.stderr = ""
        saved = (sys.stdin, sys.stdout, sys.stderr, os.getcwd())
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        err = io.BytesIO()
        with _scratch() as work:
            try:
                os.chdir(work)
                _lay_out()
                self.before = _files(work)
                sys.stdin = io.TextIOWrapper(io.BytesIO(CLI_FILES["a.txt"]), encoding="utf-8")
                sys.stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
                sys.stderr = io.StringIO()
                try:
                    args = cli.build_parser().parse_args(argv)
                except SystemExit:
                    args = None
                # What the usage rules of issue 12 need to know, found as the run finds it.
                self.args = args
                files = [f for f in args.files if f != "-"] if args else []
                self.named_twice = any(_same(f, g) for k, f in enumerate(files) for g in files[k + 1 :])
                self.corpus_in_place = bool(args and args.in_place and policy_of(args) is not None)
                index = args.index if args and args.index and not args.index.startswith(_REDIS) else None
                outputs = [*files, args.output] if args and args.output and args.output != "-" else files
                self.index_clash = index is not None and any(_same(index, f) for f in outputs)

                sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
                root.handlers = []  # so that main's logging.basicConfig writes to this run's stderr
                try:
                    self.code = cli.main(argv)
                except SystemExit as exit_:
                    self.code = 0 if exit_.code is None else exit_.code
                self.after = _files(work)
            finally:
                self.stderr = err.getvalue().decode("utf-8", "replace")  # before the wrapper closes it
                sys.stdin, sys.stdout, sys.stderr = saved[:3]
                os.chdir(saved[3])
                root.handlers, root.level = handlers, level

    @property
    def usage_error(self) -> bool:
        return self.code == 2 and "usage:" in self.stderr


def cli_args(data: bytes) -> None:
    """``dedupe-file`` with any arguments (NUL-separated in ``data``) exits 0, 1 or 2, with a clear error."""
    argv = text_of(data).split("\0") if data else []
    if not all(_safe(arg) for arg in argv):
        return
    run = _Run(argv)
    assert run.code in (0, 1, 2), f"exit status {run.code!r}"
    assert "Traceback" not in run.stderr, run.stderr
    if run.code == 2:
        assert re.search(r"^dedupe-file: error: ", run.stderr, flags=re.M), (
            f"exit 2 without an error line: {run.stderr}"
        )
    if run.args is None:
        return
    # The usage rules of issue 12.
    for name, (options, stand_in) in _EMPTY_REFUSED.items():
        # Only where the other arguments are usable: the same run with a stand-in value is no usage error.
        if getattr(run.args, name) == "" and "--" not in argv and not _Run([*argv, options[0], stand_in]).usage_error:
            named = any(option in run.stderr for option in options)
            assert run.usage_error and named, f"{options[0]} '' was not refused"
    if run.corpus_in_place and run.named_twice:
        assert run.code == 2 and run.after == run.before, "--in-place with a file named twice was not refused"
    if run.index_clash:
        assert run.code == 2, "--index naming an input or the output was not refused"


TARGETS: dict[str, Callable[[bytes], None]] = {
    "split": split_join,
    "normalize": normalise,
    "jsonl": jsonl_splice,
    "index": index_loader,
    "cli": cli_args,
}
