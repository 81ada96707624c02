"""``dedupe-file``: remove repeated paragraphs from text files, as a Unix filter.

Exit status: 0 when all went well (and, with ``--check``, nothing would be removed);
1 when ``--check`` found something to remove; 2 for usage errors, unreadable input, an
output that cannot be written and lack of memory; 130 after Ctrl-C (SIGINT), 143 after
SIGTERM. Whatever the status, no temporary file is left behind and no file half-written.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Literal

from dedupe import api
from dedupe.api import explain_removals, removals
from dedupe.compression import FORMATS
from dedupe.config import DedupeConfig
from dedupe.errors import ConfigError, DedupeError, InputError
from dedupe.files import (
    PROG,
    Source,
    Spool,
    descriptor_named,
    diff_bytes,
    explain_records,
    json_line,
    one_line,
    open_source,
    read_source,
    write_atomically,
)
from dedupe.results import Explained
from dedupe.split import Spans, cuts_of, kept_chunks
from dedupe.tempfiles import remove_stale, remove_unfinished

log = logging.getLogger("dedupe")
DEFAULT_PREFIX = "dedupe"  # of the keys of a Redis index
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def policy_of(args: argparse.Namespace) -> str | None:
    """The corpus policy that the arguments ask for (``None``: each file on its own)."""
    if args.boilerplate is not None:
        return "boilerplate"
    return "seen" if args.scope == "corpus" else None


_MATCHING_OPTIONS = (
    "threshold",
    "coverage",
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


class _Version(argparse.Action):
    """``--version``: the package metadata is read only when asked (it costs a tenth of the start-up)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from dedupe import __version__

        print(f"{parser.prog} {__version__}")  # on standard output, as argparse's own version action
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``dedupe-file`` (also used to read test case flags)."""
    defaults = DedupeConfig()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Remove repeated paragraphs and repeated blocks of paragraphs from text files. "
        "Everything that is kept stays byte-identical.",
        epilog="Exit status: 0 ok; 1 --check found paragraphs to remove; 2 usage error, unreadable input or "
        "output that cannot be written; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM).",
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
    out.add_argument(
        "--compress",
        choices=("auto", "none", *FORMATS),
        default="auto",
        help="with --jsonl: how the output is compressed; 'auto' (default): as -o's name says (.gz, .bz2, .xz, "
        ".zst), or on standard output and with --in-place as the (first) input is",
    )

    match = parser.add_argument_group("Matching")
    match.add_argument(
        "-t",
        "--threshold",
        type=float,
        default=defaults.threshold,
        help="least similarity (0-1) of a near copy, rapidfuzz ratio on normalised text (default: %(default)s)",
    )
    match.add_argument(
        "--coverage",
        type=float,
        default=defaults.coverage,
        help="least share (0-1) of a paragraph that kept paragraphs must cover, in aligned stretches, "
        "for it to go as a partial copy: truncated, excerpted or joined from others (default: %(default)s)",
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
        help="a paragraph occurring more often than this in a row, each within 36 paragraphs of the last, "
        "is a template line and is kept, and so is a block of them (default: %(default)s)",
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

    corpus = parser.add_argument_group(
        "Corpus",
        "Across documents. With --jsonl every line of a FILE is a document; otherwise every FILE is one.",
    )
    corpus.add_argument(
        "--jsonl",
        action="store_true",
        help="the FILEs are JSON Lines: one object per line, whose text field is cleaned; every other "
        "byte of the line is kept",
    )
    corpus.add_argument("--field", metavar="NAME", help="with --jsonl: the string field to clean (default: text)")
    corpus.add_argument(
        "--id-field",
        metavar="NAME",
        help="with --jsonl: the field holding a document's id (default: id); without it the id is FILE:LINE",
    )
    corpus.add_argument(
        "--skip-bad-lines",
        action="store_true",
        help="with --jsonl: leave out a line that is not a record (with a warning) instead of stopping",
    )
    corpus.add_argument(
        "--scope",
        choices=("document", "corpus"),
        help="'document' (default): each document is cleaned on its own; 'corpus': a paragraph that an "
        "earlier document already kept is removed",
    )
    corpus.add_argument(
        "--boilerplate",
        type=int,
        metavar="N",
        help="remove every paragraph found in at least N (>= 2) documents; reads the input twice",
    )
    corpus.add_argument(
        "--pass",
        dest="pass_",
        choices=("count", "clean", "all"),
        help="with --boilerplate and --index: 'count' only records the documents in the index, 'clean' "
        "only cleans them (after every worker counted), 'all' does both (default)",
    )
    corpus.add_argument(
        "--site-field",
        metavar="NAME",
        help="with --jsonl: documents are compared only with documents of the same site, named by this "
        "field (for a URL, its host name)",
    )
    corpus.add_argument(
        "--index",
        metavar="PATH|URL",
        help="remember documents across runs: a file (read if it exists, written after the output) or a "
        "shared redis://host:port/db",
    )
    corpus.add_argument(
        "--index-prefix", metavar="PREFIX", help=f"key prefix in a Redis index (default: {DEFAULT_PREFIX})"
    )
    corpus.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="N processes clean the files, or with --jsonl the records (with a policy, N - 1 prepare them ahead "
        "while one decides); the output is the same for any N (default: every core for JSON Lines of 16 MB or "
        "more, or for many files under 16 MB each that add up to that; else 1)",
    )

    records = parser.add_argument_group("Records", "With --jsonl: what happens to a record as a whole.")
    records.add_argument(
        "--drop-empty", action="store_true", help="leave out a record whose text is left without a paragraph"
    )
    records.add_argument(
        "--min-kept",
        type=float,
        metavar="F",
        help="leave out a record that keeps less than this share (0-1] of its paragraphs",
    )
    records.add_argument(
        "--flag",
        action="store_true",
        help="keep the records that --drop-empty or --min-kept would leave out, marked in the --annotate field",
    )
    records.add_argument(
        "--annotate",
        metavar="NAME",
        help="add the field NAME to every record: paragraphs, removed, kinds, characters removed, the ids "
        "of the records it copies, and why it is flagged (with --flag and without --annotate: 'dedupe')",
    )

    engine = parser.add_argument_group(
        "Engine", "Where a corpus run of JSON Lines or Parquet runs (--engine ray: pip install 'news-dedupe[ray]')."
    )
    engine.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: this process (and --jobs); ray: the stages on a Ray cluster, the same output: -o names a "
        "folder that gets one cleaned file per input file and explain/ with the --explain rows (default: local)",
    )
    engine.add_argument(
        "--address",
        metavar="ADDR",
        help="with --engine ray: the Ray cluster to run on (default: a Ray instance started on this machine)",
    )
    engine.add_argument(
        "--parts",
        type=int,
        metavar="N",
        help="with --engine ray: cut the input into N runs of lines for the workers "
        "(default: 4 per worker, at most 1,000 lines each)",
    )

    report = parser.add_argument_group("Reporting")
    report.add_argument(
        "--report",
        action="append",
        metavar="FILE",
        help="write a report of the run: per-site and per-record counts and the lines removed most often, "
        "as FILE's extension says (.json, .md, .html); may be given more than once; written with --check too",
    )
    noise = report.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print no summary on standard error")
    noise.add_argument(
        "-v", "--verbose", action="count", default=0, help="say more on standard error (-vv for debugging)"
    )
    report.add_argument("--version", action=_Version, help="show the program's version and exit")
    return parser


def config_from_args(args: argparse.Namespace) -> DedupeConfig:
    """Return the :class:`DedupeConfig` that parsed arguments describe."""
    return DedupeConfig(**{name: getattr(args, name) for name in _MATCHING_OPTIONS})


class _UsageError(Exception):
    pass


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so that it unwinds like Ctrl-C and removes its temporary files."""


class _StdoutError(Exception):
    """Standard output cannot be written (not a closed pipe): the run stops."""


@dataclass
class Report:
    """Counts of one run; prints the summary and owns the exit status."""

    check: bool = False
    look: bool = False  # --check, --diff or --explain: nothing is written back, so nothing is removed yet
    files: int = 0
    paragraphs: int = 0
    removed: int = 0
    exact: int = 0
    partial: int = 0
    blocks: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.errors.append(message)
        print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)

    def add(self, paragraphs: int, explained: Explained) -> None:
        self.files += 1
        self.paragraphs += paragraphs
        self.removed += len(explained.removed)
        self.exact += sum(m.kind == "exact" for m in explained.removed)
        self.partial += sum(m.kind == "partial" for m in explained.removed)
        self.blocks += sum(b.removed for b in explained.blocks)

    @property
    def return_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.check and self.removed else 0

    def summary(self) -> str:
        verb = "would be removed" if self.look else "removed"
        near = self.removed - self.exact - self.partial
        partial = f", {self.partial} partial" if self.partial else ""
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        text = (
            f"{self.removed} of {self.paragraphs} paragraphs {verb} ({self.exact} exact, {near} near{partial}) "
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
        parser.error(one_line(str(err)))
    # SIGTERM unwinds like Ctrl-C, removing temporary files; handlers belong to the main thread.
    on_sigterm = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_sigterm else None
    try:
        if args.engine == "ray":
            return _run_on_ray(args, config)
        _remove_leftovers(args)
        if _corpus_mode(args):
            from dedupe.cli_corpus import run_corpus  # (the index and its stores: only for corpus mode)

            return run_corpus(args, config)
        return _run(args, config)
    except BrokenPipeError:
        # The reader went away (``dedupe-file big.txt | head``): stop quietly, like cat.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        remove_unfinished()
        return _stopped("interrupted", 130)
    except _Terminated:
        remove_unfinished()
        return _stopped("terminated", 143)
    except MemoryError:
        remove_unfinished()
        return _stopped("out of memory", 2)
    finally:
        if on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _run_on_ray(args: argparse.Namespace, config: DedupeConfig) -> int:
    """A corpus run on Ray (:mod:`dedupe.engines.ray`): its summary, or one error line and exit status 2."""
    from dedupe import jsonl, stages
    from dedupe.engines import ray as engine

    options = stages.Options(
        jsonl.Fields(args.field or "text", args.id_field or "id", args.site_field),
        drop_empty=args.drop_empty,
        min_kept=args.min_kept,
        skip_bad_lines=args.skip_bad_lines,
    )
    # On a terminal (or with -v), a line per part as it is done; the summary line in any case (not with -q).
    shown = not args.quiet and (args.verbose or (sys.stderr is not None and sys.stderr.isatty()))
    progress = (lambda line: print(f"{PROG}: ray: {line}", file=sys.stderr)) if shown else None
    policy: Literal["seen", "boilerplate"] = "boilerplate" if args.boilerplate is not None else "seen"
    try:
        done = engine.run(
            args.files,
            args.output,
            policy=policy,
            min_docs=args.boilerplate or 2,
            options=options,
            config=config,
            parts=args.parts,
            address=args.address,
            progress=progress,
        )
    except (DedupeError, OSError) as err:
        return _stopped(one_line(str(err) if isinstance(err, DedupeError) else f"{err.strerror or err}"), 2)
    if not args.quiet:
        print(f"{PROG}: {engine.describe(done)}", file=sys.stderr)
    return 0


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


AUTO_JOBS_BYTES = 16 << 20  # below this, starting worker processes costs more than it gains


def _stopped(reason: str, status: int) -> int:
    """Say in one line why the run stopped (its files were cleaned up on the way out); return ``status``."""
    with contextlib.suppress(OSError, ValueError):  # standard error closed or full: the status still tells
        print(f"{PROG}: error: {reason}", file=sys.stderr)
    return status


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that what is still buffered goes nowhere at exit, quietly."""
    with contextlib.suppress(OSError, ValueError):  # not a real descriptor (tests capture it): nothing to quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _remove_leftovers(args: argparse.Namespace) -> None:
    """Remove the temporary files a killed run left where this one writes; ``-v`` names them."""
    targets = list(args.files) if args.in_place else []
    if args.output and args.output != "-":
        targets.append(args.output)
    if args.index is not None and not args.index.startswith(REDIS_SCHEMES):
        targets.append(args.index)
    targets += args.report or []
    # A device or a descriptor (-o /dev/null, /dev/stdout) is written directly: no temporary file next to it.
    files = [t for t in targets if t != "-" and descriptor_named(t) is None and not _special(t)]
    folders = {os.path.dirname(os.path.realpath(t)) for t in files}
    for folder in sorted(folders):
        for path, pid in remove_stale(folder):
            log.info("removed %s, a temporary file left by process %d, which is gone", path, pid)


def _special(path: str) -> bool:
    """Whether ``path`` exists and is not a regular file (a device, a pipe, a directory)."""
    return os.path.exists(path) and not os.path.isfile(path)


def _run(args: argparse.Namespace, config: DedupeConfig) -> int:
    report = Report(check=args.check, look=args.check or args.diff or args.explain)
    to_file = bool(args.output) and args.output != "-"
    spool = Spool(args.output) if to_file else None  # -o: renamed over OUT at the end, in one atomic step
    pending: list[tuple[int, Explained]] = []  # counted once -o is written

    def emit(data: bytes) -> None:
        if spool is not None:
            spool.write(data)
        else:
            _to_stdout(data)

    try:
        for source, done in _cleaned_files(args, config):
            if isinstance(source, InputError):  # unreadable, undecodable
                report.fail(str(source))
                continue
            try:
                spans = None
                if done is not None:
                    explained, paragraphs = done
                elif args.diff:
                    explained, paragraphs = explain_removals(source.text, config=config)
                else:  # the kept text is written a chunk at a time
                    explained, spans = removals(source.text if source.file is None else source.file, config)
                    paragraphs = len(spans)
                output = _output_of(args, source, explained, spans)
                log.info("%s: %d of %d paragraphs removed", source.label, len(explained.removed), paragraphs)
                if args.in_place:
                    if explained.removed:
                        try:
                            write_atomically(source.name, output)
                        except OSError as err:
                            report.fail(f"{source.label}: cannot write: {err.strerror or err}")
                            continue
                else:
                    for data in output:
                        emit(data)
            except InputError as err:
                report.fail(str(err))
                continue
            finally:
                if source.file is not None:
                    source.file.close()
            if to_file:
                pending.append((paragraphs, explained))
            else:
                report.add(paragraphs, explained)
        # An input that failed would leave -o incomplete: then the old OUT stays as it was.
        if spool is not None and report.errors:
            spool.discard()
        elif spool is not None:
            try:
                spool.commit()
                for paragraphs, explained in pending:
                    report.add(paragraphs, explained)
            except BrokenPipeError:
                raise
            except OSError as err:
                report.fail(f"{args.output}: cannot write: {err.strerror or err}")
        _to_stdout(b"", flush=True)
    except _StdoutError as err:
        report.fail(f"standard output: cannot write: {err}")
        _silence_stdout()
    finally:
        if spool is not None:
            spool.discard()  # (after a commit, nothing is left to drop)
    if not args.quiet and report.files:
        print(f"{PROG}: {report.summary()}", file=sys.stderr)
    return report.return_code


def _cleaned_files(
    args: argparse.Namespace, config: DedupeConfig
) -> Iterator[tuple[Source | InputError, tuple[Explained, int] | None]]:
    """Each input, read (or the error that reading it raised), in order, with its cleaning when
    worker processes did it (``--jobs``; ``None``: to clean here)."""

    def sources(stream: bool = False) -> Iterator[tuple[str | None, Source | InputError]]:
        for name in args.files:
            try:
                if stream:  # a large file's text stays in the file, unless the diff or the explanations need it
                    source = open_source(name, args.encoding, config.paragraphs, large=api.LEAN_FROM)
                else:
                    source = read_source(name, args.encoding)
            except InputError as err:
                yield None, err
                continue
            yield source.text, source

    jobs = _file_jobs(args)
    if jobs == 1:
        for _, source in sources(stream=not (args.diff or args.explain)):
            yield source, None
        return
    from dedupe import prefetch

    # Small files go to the workers by the dozen (a task costs a round trip), large ones
    # alone, and two tasks ahead per worker: a whole file can be large.
    for (_, source), done in prefetch.explained(sources(), config, jobs, ahead=2, chars=1 << 20):
        yield source, done


def _file_jobs(args: argparse.Namespace) -> int:
    """Processes for the files: --jobs, or (auto) every core for many small files that add up to 16 MB or more.

    Not for one file (the pipeline of one document is one process) nor, by default, for a
    large one: each file in flight holds its text several times over.
    """
    if args.jobs is not None:
        return int(args.jobs)
    names = [name for name in args.files if name != "-"]
    if len(names) < 2:
        return 1
    try:
        sizes = [os.path.getsize(name) for name in names]
    except OSError:
        return 1
    if sum(sizes) < AUTO_JOBS_BYTES or max(sizes) >= AUTO_JOBS_BYTES:
        return 1
    return max(1, os.cpu_count() or 1)


def _output_of(
    args: argparse.Namespace, source: Source, explained: Explained, spans: Spans | None = None
) -> Iterable[bytes]:
    """What the run writes for one input: the diff, the explanations, or the kept text (none for --check).

    With ``spans`` (the explanation then holds no text) the kept text comes a chunk at a time.
    """
    if args.diff:
        return [diff_bytes(source, explained.text)]
    if args.explain:
        return [b"".join(json_line(record) for record in explain_records(source, explained))]
    if args.check or (args.in_place and not explained.removed):
        return []
    if source.file is not None:
        return source.file.kept_bytes([m.index for m in explained.removed])
    if spans is None:
        return [source.encode(explained.text)]
    return source.encode_chunks(kept_chunks(source.text, cuts_of(spans, [m.index for m in explained.removed])))


def _to_stdout(data: bytes, flush: bool = False) -> None:
    try:
        sys.stdout.buffer.write(data)
        if flush:
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        raise _StdoutError(err.strerror or str(err)) from None


def _check_usage(args: argparse.Namespace) -> None:
    if args.engine == "ray":
        _check_ray_usage(args)
        return
    if args.address is not None or args.parts is not None:
        raise _UsageError(f"{'--address' if args.address is not None else '--parts'} is for --engine ray")
    try:
        "".encode(args.encoding)  # an unknown encoding raises LookupError here, before any work
    except UnicodeError as err:  # a codec that exists but encodes nothing, such as 'undefined'
        raise _UsageError(f"--encoding {args.encoding}: {err}") from None
    if args.output == "":
        raise _UsageError("-o needs a file name ('-' for standard output)")
    if args.check and ((args.output and args.output != "-") or args.in_place):
        raise _UsageError("--check writes nothing: it cannot be combined with -o or --in-place")
    if args.in_place and "-" in args.files:
        raise _UsageError("--in-place needs file names, not standard input")
    if args.in_place and (args.diff or args.explain):
        raise _UsageError("--in-place cannot be combined with --diff or --explain")
    _check_parquet(args)
    _check_corpus_usage(args)
    _check_paths(args)


_NOT_ON_RAY = (
    ("--in-place", "in_place"),
    ("--check", "check"),
    ("--diff", "diff"),
    ("--explain", "explain"),  # (a Ray run writes the explanations beside the records)
    ("--index", "index"),
    ("--pass", "pass_"),
    ("--report", "report"),
    ("--flag", "flag"),
    ("--annotate", "annotate"),
    ("--jobs", "jobs"),
)


def _check_ray_usage(args: argparse.Namespace) -> None:
    """What a Ray run takes: JSON Lines files or folders, a policy, an output folder; not the local run's extras."""
    from dedupe.engines.ray import input_files  # (Ray itself is imported when a run starts)
    from dedupe.parquet import is_parquet

    try:
        files = input_files(args.files)  # a folder stands for its files
    except InputError:
        files = []  # (the run says which input is missing)
    if not args.jsonl and not (files and all(is_parquet(f) for f in files)):
        raise _UsageError("--engine ray runs JSON Lines records (give --jsonl) or Parquet files")
    if policy_of(args) is None:
        raise _UsageError("--engine ray is for a corpus run: --scope corpus or --boilerplate N")
    if args.boilerplate is not None and args.boilerplate < 2:
        raise _UsageError(f"--boilerplate {args.boilerplate}: N must be at least 2 documents")
    if not args.output or args.output == "-":
        raise _UsageError("--engine ray writes a file per input file: -o names the folder for them")
    if not args.files or "-" in args.files:
        raise _UsageError("--engine ray reads files and folders, which every worker opens: not standard input")
    given = [option for option, name in _NOT_ON_RAY if getattr(args, name) not in (None, False)]
    if given:
        raise _UsageError(f"{given[0]} is not available with --engine ray")
    if args.compress not in ("auto", "none"):
        raise _UsageError(f"--compress {args.compress}: with --engine ray each output is compressed as its input")
    if args.parts is not None and args.parts < 1:
        raise _UsageError(f"--parts {args.parts}: N must be at least 1")
    if args.min_kept is not None and not 0 < args.min_kept <= 1:
        raise _UsageError(f"--min-kept {args.min_kept}: F is a share of the paragraphs, above 0 and at most 1")
    if any(_same_file(f, args.output) for f in args.files):
        raise _UsageError(f"-o {args.output} is also an input: the output folder needs a name of its own")


def _check_parquet(args: argparse.Namespace) -> None:
    """Parquet inputs are records, as --jsonl makes lines records; a .parquet -o asks for Parquet out.

    Sets ``args.parquet_out``: the cleaned records are written as Parquet (from Parquet
    input unless -o names another file; from JSON Lines when -o names a .parquet file).
    """
    from dedupe.parquet import is_parquet

    inputs = [is_parquet(f) for f in args.files]
    if any(inputs) and not all(inputs):
        raise _UsageError("Parquet and other inputs cannot be mixed: one run reads one kind of records")
    from_parquet = bool(inputs) and all(inputs)
    named = bool(args.output) and args.output != "-"
    to_parquet = named and is_parquet(args.output)
    if to_parquet and not (args.jsonl or from_parquet):
        raise _UsageError(f"-o {args.output}: a Parquet output holds records: read them with --jsonl")
    args.parquet_out = (to_parquet or (from_parquet and not named)) and not (args.explain or args.check)
    if args.parquet_out and args.compress not in ("auto", "none"):
        raise _UsageError(f"--compress {args.compress} is for JSON Lines: Parquet compresses its own pages")
    if from_parquet:
        args.jsonl = True  # records, one per row


def _corpus_mode(args: argparse.Namespace) -> bool:
    return bool(args.jsonl) or policy_of(args) is not None


def _check_corpus_usage(args: argparse.Namespace) -> None:
    policy = policy_of(args)
    for option, value in (
        ("--field", args.field),
        ("--id-field", args.id_field),
        ("--site-field", args.site_field),
        ("--index-prefix", args.index_prefix),
    ):
        if value == "":
            raise _UsageError(f"{option} needs a name, not an empty string")
    for option, value in (
        ("--field", args.field),
        ("--id-field", args.id_field),
        ("--site-field", args.site_field),
        ("--skip-bad-lines", args.skip_bad_lines),
        ("--drop-empty", args.drop_empty),
        ("--min-kept", args.min_kept),
        ("--flag", args.flag),
        ("--annotate", args.annotate),
    ):
        if value is not None and value is not False and not args.jsonl:
            raise _UsageError(f"{option} needs --jsonl (without it every FILE is one document)")
    if args.min_kept is not None and not 0 < args.min_kept <= 1:
        raise _UsageError(f"--min-kept {args.min_kept}: F is a share of the paragraphs, above 0 and at most 1")
    if args.flag and not (args.drop_empty or args.min_kept is not None):
        raise _UsageError("--flag marks what --drop-empty or --min-kept would leave out: give one of them")
    if args.jobs is not None and args.jobs < 1:
        raise _UsageError(f"--jobs {args.jobs}: N must be at least 1")
    if args.annotate == "":
        raise _UsageError("--annotate needs a name, not an empty string")
    if args.annotate is not None and args.annotate == (args.field or "text"):
        raise _UsageError(f"--annotate {args.annotate} is the field that is cleaned: choose another name")
    if args.report:
        from dedupe.report import FORMATS as REPORT_FORMATS  # (only for a run that writes a report)
    for name in args.report or []:
        if not args.jsonl and policy is None:
            raise _UsageError("--report is for a corpus run: --jsonl, --scope corpus or --boilerplate N")
        if os.path.splitext(name)[1].lower() not in REPORT_FORMATS:
            raise _UsageError(f"--report {name}: a report is a .json, .md or .html file")
        if args.pass_ == "count":
            raise _UsageError("--report says what a run removes: --pass count removes nothing")
    if args.jsonl and args.diff:
        raise _UsageError("--diff is for text files: with --jsonl use --explain")
    if args.compress != "auto":
        if not args.jsonl:
            raise _UsageError(f"--compress {args.compress} needs --jsonl (text files are written as they are)")
        if args.in_place:
            raise _UsageError(f"--compress {args.compress}: --in-place keeps each file's format, which its name says")
        if args.check:
            raise _UsageError(f"--compress {args.compress}: --check writes nothing")
    if args.jsonl and codecs.lookup(args.encoding).name not in ("utf-8", "utf-8-sig"):
        raise _UsageError("--jsonl reads UTF-8 (JSON Lines are UTF-8): drop --encoding")
    if args.boilerplate is not None and args.scope is not None:
        raise _UsageError("--scope and --boilerplate are two policies: choose one per run")
    if args.boilerplate is not None and args.boilerplate < 2:
        raise _UsageError(f"--boilerplate {args.boilerplate}: N must be at least 2 documents")
    if policy is None:
        for option, value in (("--index", args.index), ("--site-field", args.site_field)):
            if value is not None:
                raise _UsageError(f"{option} needs --scope corpus or --boilerplate N")
    redis = args.index is not None and args.index.startswith(REDIS_SCHEMES)
    if args.index is not None and not redis and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", args.index):
        scheme = args.index.split("://", 1)[0]
        raise _UsageError(f"--index {scheme}://…: an index is a file or a redis://, rediss:// or unix:// URL")
    if args.index == "":
        raise _UsageError("--index needs a file name or a redis:// URL")
    if args.index_prefix is not None and not redis:
        raise _UsageError("--index-prefix is for a Redis --index")
    if redis and (args.check or args.diff or args.explain):
        raise _UsageError("--check, --diff and --explain run the documents through the index: not a shared Redis one")
    if args.pass_ is not None and args.boilerplate is None:
        raise _UsageError("--pass needs --boilerplate N")
    if args.pass_ in ("count", "clean") and args.index is None:
        raise _UsageError(f"--pass {args.pass_} needs --index, where the counts are kept between the passes")
    if args.pass_ == "count" and (
        args.check or args.diff or args.explain or args.in_place or (args.output and args.output != "-")
    ):
        raise _UsageError("--pass count writes no text: no -o, --in-place, --check, --diff or --explain")


def _check_paths(args: argparse.Namespace) -> None:
    """Refuse file names that would make one file both read and written, or written twice.

    Two names of one file (``a.txt`` and ``./a.txt``, a symbolic or hard link) are caught
    by device and inode: a corpus run reads the second name as a copy of the first and,
    with --in-place, would empty it.
    """
    inputs = [f for f in args.files if f != "-"]
    output = args.output if args.output and args.output != "-" else None
    if output is not None and any(_same_file(f, output) for f in inputs):
        raise _UsageError(f"-o {output} is also an input: use --in-place to rewrite a file")
    if _corpus_mode(args) and args.files.count("-") > 1:
        raise _UsageError("standard input is named twice: it can be read once")
    if args.in_place or _corpus_mode(args):
        for i, name in enumerate(inputs):
            twin = next((f for f in inputs[:i] if _same_file(f, name)), None)
            if twin is not None:
                again = f"{name} is named twice" if twin == name else f"{name} is the same file as {twin}"
                raise _UsageError(f"{again}: name each input once")
    index = args.index if args.index is not None and not args.index.startswith(REDIS_SCHEMES) else None
    taken = [*(("an input", f) for f in inputs), *([("the output (-o)", output)] if output else [])]
    if index is not None:
        for role, name in taken:
            if _same_file(index, name):
                raise _UsageError(f"--index {index} is also {role}: the index needs a file of its own")
        taken.append(("the --index", index))
    for report in args.report or []:
        for role, name in taken:
            if _same_file(report, name):
                raise _UsageError(f"--report {report} is also {role}: the report needs a file of its own")
        taken.append(("another --report", report))


def _same_file(a: str, b: str) -> bool:
    """Whether two names lead to one file: by device and inode if both exist, else by resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
