"""``dedupe-file``: remove repeated paragraphs from text files, as a Unix filter.

Exit status: 0 when all went well (and, with ``--check``, nothing would be removed);
1 when ``--check`` found something to remove; 2 for usage errors and unreadable input.
"""

from __future__ import annotations

import argparse
import bisect
import codecs
import difflib
import json
import logging
import os
import re
import stat
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dedupe.api import dedupe_and_explain
from dedupe.config import DedupeConfig
from dedupe.errors import ConfigError, InputError
from dedupe.results import Explained
from dedupe.split import paragraph_spans

PROG = "dedupe-file"
log = logging.getLogger("dedupe")

_MATCHING_OPTIONS = (
    "threshold",
    "shingle_size",
    "num_perm",
    "bands",
    "rows",
    "seed",
    "min_chars",
    "max_copies",
    "keep",
    "paragraphs",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``dedupe-file`` (also used to read test case flags)."""
    from dedupe import __version__

    defaults = DedupeConfig()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Remove repeated paragraphs and repeated blocks of paragraphs from text files. "
        "Everything that is kept stays byte-identical.",
        epilog="Exit status: 0 ok; 1 --check found paragraphs to remove; 2 usage error or unreadable input.",
    )
    inp = parser.add_argument_group("Input")
    inp.add_argument(
        "files",
        nargs="*",
        default=["-"],
        metavar="FILE",
        help="text files to clean; '-' or nothing reads standard input",
    )
    inp.add_argument(
        "--encoding", default="utf-8", help="encoding of the input, also used for the output (default: %(default)s)"
    )
    inp.add_argument(
        "--paragraphs",
        choices=("line", "blank"),
        default=defaults.paragraphs,
        help="'line': each non-blank line is a paragraph; 'blank': paragraphs are separated "
        "by blank lines and may be hard-wrapped (default: %(default)s)",
    )

    out = parser.add_argument_group("Output")
    where = out.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT", help="write the cleaned text to OUT instead of standard output")
    where.add_argument(
        "-i",
        "--in-place",
        action="store_true",
        help="rewrite each FILE (through a temporary file, so a crash never leaves a half-written file)",
    )
    what = out.add_mutually_exclusive_group()
    what.add_argument("--diff", action="store_true", help="print a unified diff of the removals instead of the text")
    what.add_argument(
        "--explain", action="store_true", help="print one JSON object per removed paragraph instead of the text"
    )
    out.add_argument("--check", action="store_true", help="write no text or file; exit 1 if anything would be removed")

    match = parser.add_argument_group("Matching")
    match.add_argument(
        "-t",
        "--threshold",
        type=float,
        default=defaults.threshold,
        help="least similarity (0-1) of a near copy, rapidfuzz ratio on normalised text (default: %(default)s)",
    )
    match.add_argument(
        "--min-chars",
        type=int,
        default=defaults.min_chars,
        help="a repeated block is removed only if its paragraphs average at least this many "
        "display columns (default: %(default)s)",
    )
    match.add_argument(
        "--max-copies",
        type=int,
        default=defaults.max_copies,
        help="a lone paragraph occurring more often than this is a template line and is kept (default: %(default)s)",
    )
    match.add_argument(
        "--keep", choices=("first", "longest"), default=defaults.keep, help="which copy to keep (default: %(default)s)"
    )
    match.add_argument(
        "--shingle-size",
        type=int,
        default=defaults.shingle_size,
        help="character n-gram length for MinHash (default: %(default)s)",
    )
    match.add_argument(
        "--num-perm", type=int, default=defaults.num_perm, help="MinHash permutations (default: %(default)s)"
    )
    match.add_argument("--bands", type=int, default=defaults.bands, help="LSH bands (default: %(default)s)")
    match.add_argument("--rows", type=int, default=defaults.rows, help="LSH rows per band (default: %(default)s)")
    match.add_argument(
        "--min-jaccard",
        type=float,
        default=defaults.min_jaccard,
        help="drop LSH candidates whose estimated shingle Jaccard is below this before "
        "verification (default: %(default)s)",
    )
    match.add_argument("--seed", type=int, default=defaults.seed, help="MinHash seed (default: %(default)s)")

    report = parser.add_argument_group("Reporting")
    noise = report.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print no summary on standard error")
    noise.add_argument(
        "-v", "--verbose", action="count", default=0, help="say more on standard error (-vv for debugging)"
    )
    report.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def config_from_args(args: argparse.Namespace) -> DedupeConfig:
    """Return the :class:`DedupeConfig` that parsed arguments describe."""
    return DedupeConfig(**{name: getattr(args, name) for name in _MATCHING_OPTIONS})


class _UsageError(Exception):
    pass


@dataclass
class Report:
    """Counts of one run; prints the summary and owns the exit status."""

    check: bool = False
    files: int = 0
    paragraphs: int = 0
    removed: int = 0
    exact: int = 0
    blocks: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.errors.append(message)
        print(f"{PROG}: error: {message}", file=sys.stderr)

    def add(self, paragraphs: int, explained: Explained) -> None:
        self.files += 1
        self.paragraphs += paragraphs
        self.removed += len(explained.removed)
        self.exact += sum(m.kind == "exact" for m in explained.removed)
        self.blocks += sum(b.removed for b in explained.blocks)

    @property
    def return_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.check and self.removed else 0

    def summary(self) -> str:
        verb = "would be removed" if self.check else "removed"
        near = self.removed - self.exact
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        text = (
            f"{self.removed} of {self.paragraphs} paragraphs {verb} ({self.exact} exact, {near} near) "
            f"in {self.blocks} block{'' if self.blocks == 1 else 's'}, {files}"
        )
        if self.errors:
            text += f"; {len(self.errors)} file{'' if len(self.errors) == 1 else 's'} failed"
        return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dedupe-file`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        format=f"{PROG}: %(message)s", level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    )
    try:
        config = config_from_args(args)
        _check_usage(args)
    except (ConfigError, _UsageError, LookupError) as err:
        parser.error(str(err))
    try:
        return _run(args, config)
    except BrokenPipeError:
        # The reader went away (``dedupe-file big.txt | head``): stop quietly, like cat.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace, config: DedupeConfig) -> int:
    report = Report(check=args.check)
    to_file = bool(args.output) and args.output != "-"
    collected: list[bytes] = []  # for -o, written at the end in one atomic step
    pending: list[tuple[int, Explained]] = []  # counted once -o is written

    def emit(data: bytes) -> None:
        if to_file:
            collected.append(data)
        else:
            sys.stdout.buffer.write(data)

    for name in args.files:
        try:
            source = _read(name, args.encoding)
            explained = dedupe_and_explain(source.text, config=config)
        except InputError as err:
            report.fail(str(err))
            continue
        paragraphs = len(paragraph_spans(source.text, config.paragraphs))
        log.info("%s: %d of %d paragraphs removed", source.label, len(explained.removed), paragraphs)
        if args.diff:
            emit(_diff(source, explained.text))
        elif args.explain:
            for record in _explain_records(source, explained):
                emit((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        elif args.in_place:
            if explained.removed:
                try:
                    _write_atomically(name, source.encode(explained.text))
                except OSError as err:
                    report.fail(f"{source.label}: cannot write: {err.strerror or err}")
                    continue
        elif not args.check:
            emit(source.encode(explained.text))
        if to_file:
            pending.append((paragraphs, explained))
        else:
            report.add(paragraphs, explained)
    # An input that failed would leave -o incomplete: then the old OUT stays as it was.
    if to_file and not report.errors:
        try:
            _write_atomically(args.output, b"".join(collected))
            for paragraphs, explained in pending:
                report.add(paragraphs, explained)
        except OSError as err:
            report.fail(f"{args.output}: cannot write: {err.strerror or err}")
    sys.stdout.flush()
    if not args.quiet and report.files:
        print(f"{PROG}: {report.summary()}", file=sys.stderr)
    return report.return_code


def _check_usage(args: argparse.Namespace) -> None:
    "".encode(args.encoding)  # an unknown encoding raises LookupError here, before any work
    if args.output == "":
        raise _UsageError("-o needs a file name ('-' for standard output)")
    if args.check and ((args.output and args.output != "-") or args.in_place):
        raise _UsageError("--check writes nothing: it cannot be combined with -o or --in-place")
    if args.in_place and "-" in args.files:
        raise _UsageError("--in-place needs file names, not standard input")
    if args.in_place and (args.diff or args.explain):
        raise _UsageError("--in-place cannot be combined with --diff or --explain")
    if (
        args.output
        and args.output != "-"
        and os.path.exists(args.output)
        and any(f != "-" and os.path.exists(f) and os.path.samefile(f, args.output) for f in args.files)
    ):
        raise _UsageError(f"-o {args.output} is also an input: use --in-place to rewrite a file")


@dataclass(frozen=True)
class _Source:
    """One decoded input, with what it takes to write kept text back byte for byte."""

    name: str
    text: str
    codec: str  # encodes the text as the input had it (explicit byte order, no BOM)
    bom: bytes  # the byte order mark the input started with, if any

    @property
    def label(self) -> str:
        return "<stdin>" if self.name == "-" else self.name

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


# Codecs that read a byte order mark: the mark and the byte order it names are kept as found.
_BOM_CODECS = {
    "utf-8-sig": ((codecs.BOM_UTF8, "utf-8"),),
    "utf-16": ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")),
    "utf-32": ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")),
}
_NO_BOM = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}


def _read(name: str, encoding: str) -> _Source:
    label = "<stdin>" if name == "-" else name
    try:
        if name == "-":
            if sys.stdin is None:
                raise InputError(f"{label}: standard input is closed")
            data = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as f:
                data = f.read()
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory") from None
    except OSError as err:
        raise InputError(f"{label}: {err.strerror or err}") from None
    codec, bom = codecs.lookup(encoding).name, b""
    if codec in _BOM_CODECS:
        bom, codec = next(((m, c) for m, c in _BOM_CODECS[codec] if data.startswith(m)), (b"", _NO_BOM[codec]))
    try:
        text = data[len(bom) :].decode(codec)
    except UnicodeDecodeError as err:
        if b"\x00" in data:
            raise InputError(f"{label}: looks like a binary file (NUL byte at offset {data.index(0)})") from None
        raise InputError(
            f"{label}: not valid {encoding} at byte {err.start + len(bom)} ({err.reason}); choose another --encoding"
        ) from None
    if "\x00" in text:
        raise InputError(f"{label}: looks like a binary file (NUL character at offset {text.index(chr(0))})")
    return _Source(name, text, codec, bom)


def _write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a crash never leaves half a file.

    A symbolic link is followed (its target is replaced); a device or a pipe is written
    directly, as there is nothing to replace.
    """
    if os.path.exists(path):
        path = os.path.realpath(path)
        if not stat.S_ISREG(os.stat(path).st_mode):
            with open(path, "wb") as f:
                f.write(data)
            return
        mode = stat.S_IMODE(os.stat(path).st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=".dedupe-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _diff(source: _Source, after: str) -> bytes:
    """A unified diff of the removals; lines break only where the tool breaks them."""
    body = list(difflib.unified_diff(_LINES.findall(source.text), _LINES.findall(after), n=3))[2:]
    if not body:
        return b""
    name = b"<stdin>" if source.name == "-" else os.fsencode(source.name)
    out = [b"--- " + name + b"\n", b"+++ " + name + b" (deduplicated)\n"]
    for line in body:
        if line.startswith("@@"):
            out.append(line.encode("ascii"))
        else:
            out.append(line.encode(source.codec))
            if not line.endswith(("\n", "\r")):
                out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


_BREAK = re.compile(r"\r\n|\r|\n")


def _explain_records(source: _Source, explained: Explained) -> list[dict[str, Any]]:
    """One JSON-ready record per removed paragraph, with 1-based line numbers."""
    text = source.text
    breaks = [m.end() for m in _BREAK.finditer(text)]
    # A file name that is not valid UTF-8 still gives valid JSON.
    label = source.label.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    def line(offset: int) -> int:
        return bisect.bisect_right(breaks, offset) + 1

    records = []
    for m in explained.removed:
        b = explained.blocks[m.block]
        records.append(
            {
                "file": label,
                "index": m.index,
                "line": line(m.span[0]),
                "span": list(m.span),
                "kept_index": m.kept_index,
                "kept_line": line(m.kept_span[0]),
                "kept_span": list(m.kept_span),
                "score": round(m.score, 6),
                "kind": m.kind,
                "block": {
                    "index": b.index,
                    "lines": [line(b.span[0]), line(b.span[1])],
                    "kept_lines": [line(b.kept_span[0]), line(b.kept_span[1])],
                    "span": list(b.span),
                    "kept_span": list(b.kept_span),
                    "reason": b.reason,
                },
                "text": text[m.span[0] : m.span[1]],
            }
        )
    return records
