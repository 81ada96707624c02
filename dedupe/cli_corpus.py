"""Corpus mode of ``dedupe-file``: many documents through one :class:`~dedupe.Deduper`.

Documents are JSON Lines records (``--jsonl``) or whole text files. One run opens the
index, makes one pass (seen before) or two (boilerplate: count, then clean) over the
input, writes the output and a file index through temporary files and renames them last,
so that an error leaves output and index as they were. A shared Redis index is written as the
documents go: then the output of the documents already recorded is kept.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from dedupe import compression, jsonl, parquet, prefetch
from dedupe.api import explain_removals
from dedupe.cli import AUTO_JOBS_BYTES, DEFAULT_PREFIX, REDIS_SCHEMES, policy_of
from dedupe.config import DedupeConfig
from dedupe.corpus import Deduper, Prepared
from dedupe.errors import DedupeError, InputError
from dedupe.files import (
    PROG,
    AtomicFile,
    Source,
    descriptor_named,
    diff_bytes,
    explain_records,
    json_line,
    one_line,
    open_input,
    read_source,
)
from dedupe.records import Outcome, judge
from dedupe.report import Report
from dedupe.results import Explained
from dedupe.run_summary import CorpusReport, plural
from dedupe.split import count_paragraphs
from dedupe.store import StagedIndex

log = logging.getLogger("dedupe")


# A line of JSON Lines: the text to prepare (None: no record), its number, its bytes, and the record it is
_Line = tuple[str | None, int, bytes, "jsonl.Record | jsonl.BadLine | None"]


class _Fatal(Exception):
    """Stops a corpus run; the message is printed as the run's one error line."""


class _TextDocument:
    """A whole text file as one document of a corpus run (its id is the file name)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.label = self.doc_id = source.label
        self.site = ""
        self.text = source.text

    def output(self, explained: Explained) -> bytes:
        return self.source.encode(explained.text)

    def explain(self, explained: Explained) -> list[dict[str, Any]]:
        return explain_records(self.source, explained, corpus=True)


class _Sink:
    """Where a corpus run writes: standard output, one file (-o), each input file (--in-place), or nowhere.

    Files are streamed through temporary files and renamed only by :meth:`commit`, so an
    error leaves every target as it was; with --in-place a file with nothing changed is
    not touched. ``format_of`` gives the compression of a target (``-``: standard output);
    a compressed stream is finished when its target is, and left unfinished after an error.
    """

    def __init__(
        self, output: str | None, in_place: bool, silent: bool, format_of: Callable[[str], str | None]
    ) -> None:
        self.in_place, self.silent, self.format_of = in_place, silent, format_of
        self.file: AtomicFile | None = None
        self.packer: compression.Compressor | None = None  # compresses what goes to the current target
        self.name = ""
        self.changed = False  # the current --in-place file differs from its input
        self.done: list[AtomicFile] = []  # --in-place files written, renamed by commit()
        if output and output != "-" and not silent:
            self.packer = self._packer(output)
            try:
                self.file = AtomicFile(output)
            except OSError as err:
                raise _Fatal(f"{output}: cannot write: {err.strerror or err}") from None
        elif not in_place and not silent:
            self.packer = self._packer("-")

    def _packer(self, target: str) -> compression.Compressor | None:
        fmt = self.format_of(target)
        try:
            return None if fmt is None else compression.compressor(fmt, "standard output" if target == "-" else target)
        except InputError as err:  # zstd without zstandard
            raise _Fatal(str(err)) from None

    def begin(self, name: str) -> None:
        if self.in_place:
            self.name, self.changed = name, False
            self.packer = self._packer(name)
            try:
                self.file = AtomicFile(name)
            except OSError as err:
                raise _Fatal(f"{name}: cannot write: {err.strerror or err}") from None

    def write(self, data: bytes) -> None:
        if self.silent:
            return
        if self.packer is not None:
            data = self.packer.compress(data)
            if not data:  # (held back until the compressor has a block)
                return
        self._put(data)

    def _finish_stream(self) -> None:
        """Write the end of the current target's compressed stream."""
        if self.packer is not None:
            packer, self.packer = self.packer, None
            self._put(packer.flush())

    def _put(self, data: bytes) -> None:
        try:
            if self.file is not None:
                self.file.write(data)
            else:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()  # a record written is a record out, even if a later one fails
        except BrokenPipeError:
            raise
        except OSError as err:
            where = self.name or (self.file.name if self.file is not None else "standard output")
            raise _Fatal(f"{where}: cannot write: {err.strerror or err}") from None

    def end(self) -> None:
        if self.in_place and self.file is not None:
            if self.changed:
                self._finish_stream()
                try:
                    self.file.finish()
                except OSError as err:
                    raise _Fatal(f"{self.name}: cannot write: {err.strerror or err}") from None
                self.done.append(self.file)
            else:
                self.file.discard()
            self.file, self.packer = None, None

    def commit(self) -> None:
        if not self.silent and not self.in_place:
            self._finish_stream()  # of -o or standard output
        for target in [*self.done, *([self.file] if self.file is not None else [])]:
            try:
                target.commit()
            except OSError as err:
                raise _Fatal(f"{target.name}: cannot write: {err.strerror or err}") from None
        self.done, self.file = [], None
        if not self.silent:
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                raise
            except OSError as err:
                raise _Fatal(f"standard output: cannot write: {err.strerror or err}") from None

    def discard(self) -> None:
        for target in [*self.done, *([self.file] if self.file is not None else [])]:
            target.discard()
        self.done, self.file, self.packer = [], None, None


class _CorpusRun:
    """One run of corpus mode: open the index, make one or two passes over the input, write, save."""

    def __init__(self, args: argparse.Namespace, config: DedupeConfig) -> None:
        self.args, self.config = args, config
        self.policy = policy_of(args)
        self.passes = args.pass_ or "all"
        self.counting = self.policy == "boilerplate" and self.passes in ("count", "all")
        self.cleaning = self.passes != "count"
        self.shared = args.index is not None and args.index.startswith(REDIS_SCHEMES)
        self.annotate = args.annotate or ("dedupe" if args.flag else None)  # a flag is seen in the annotation
        self.fields = jsonl.Fields(args.field or "text", args.id_field or "id", args.site_field, self.annotate)
        # The record fields the user named (option -> field), which some record must have.
        named = {"--id-field": args.id_field, "--site-field": args.site_field}
        self.named = {option: name for option, name in named.items() if args.jsonl and name}
        unit = "record" if args.jsonl else "file"
        look = bool(args.check or args.diff or args.explain)
        self.report = CorpusReport(unit, self.policy, look, args.flag, args.min_kept or 0.0)
        self.full_report: Report | None = None  # --report
        if args.report:
            options = {
                "policy": self.policy,
                "min_docs": args.boilerplate,
                "site_field": args.site_field,
                "drop_empty": args.drop_empty or None,
                "min_kept": args.min_kept,
            }
            self.full_report = Report(options=options, look=look)
        self.deduper: Deduper | None = None
        self.sink: _Sink | None = None
        self.spool: IO[bytes] | None = None  # standard input, kept for a second pass
        self.head: IO[bytes] | None = None  # the first lines of standard input, read to check the fields
        self.stdin: IO[bytes] | None = None  # standard input, decompressed if it is compressed: opened once
        self.stdin_format: str | None = None  # what its first bytes say (--jsonl only)
        self.stream: IO[bytes] | None = None  # the JSON Lines file being read
        self.unwritten = b""  # the line being processed, not yet in the output
        self.ahead: deque[bytes] = deque()  # the lines after it, read ahead (to be prepared) and not yet processed
        self.bar: Any = None
        self.written = 0  # documents whose output went to the sink
        self.ids: set[bytes] = set()  # digests of the ids of this run's documents, to tell a repeated id
        self.writing = False  # in the cleaning pass
        self.parquet_out: parquet.Writer | None = None  # the Parquet output being written, from Parquet
        self.lines_out: parquet.LinesToParquet | None = None  # the Parquet output being written, from lines
        self.label = ""  # the input being read, for messages
        # JSON Lines records written as Parquet (inputs are all Parquet or none: never mixed)
        self.lines_to_parquet = bool(args.parquet_out) and not any(parquet.is_parquet(f) for f in args.files)
        self.jobs = self._jobs()

    def _jobs(self) -> int:
        """Processes for JSON Lines records: --jobs, or (auto) every core for an input of 16 MB or more.

        With a policy, ``jobs - 1`` of them prepare the records ahead while this one decides;
        without one, ``jobs`` clean the records while this one reads and writes.

        One with a shared index: after a failure the records read ahead could not be told
        apart from those the index recorded.
        """
        args = self.args
        if not args.jsonl or self.shared:
            return 1
        if args.jobs is not None:
            return int(args.jobs)
        try:
            size = sum(os.path.getsize(f) for f in args.files if f != "-")
        except OSError:
            return 1
        return max(1, os.cpu_count() or 1) if size >= AUTO_JOBS_BYTES else 1

    def run(self) -> int:
        args = self.args
        try:
            self._check_inputs()
            self._check_reports()
            self._check_named_fields()
            self._open_index()
            if self.counting and self.cleaning and "-" in args.files:
                self._spool_stdin()
            if self.cleaning:  # before counting: an -o that cannot be written fails at once
                self.sink = _Sink(args.output, args.in_place, silent=args.check, format_of=self._output_format)
            if self.counting:
                self._pass(clean=False, first=True)
            if self.sink is not None:
                self.writing = True
                self._pass(clean=True, first=not self.counting)
            self._commit()
        except _Fatal as err:
            message = str(err)
            if self.shared and self.sink is not None and self.writing:
                message += self._keep_partial()
            elif self.sink is not None:
                self.sink.discard()
            print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)
            return 2
        if not args.quiet:
            stats, raced = None, 0
            if self.deduper is not None:
                raced = self.deduper.raced
                try:
                    stats = self.deduper.stats()
                except DedupeError as err:  # the work is done: a server gone now only costs the figures
                    log.warning("index size unknown: %s", err)
            print(f"{PROG}: {self.report.summary(not self.cleaning, stats, raced)}", file=sys.stderr)
        return 1 if args.check and (self.report.removed or self.report.dropped) else 0

    def close(self) -> None:
        if self.sink is not None:
            self.sink.discard()
        for stream in (self.stream, self.spool, self.stdin):
            if stream is not None and stream is not getattr(sys.stdin, "buffer", None):
                stream.close()
        if self.bar is not None:
            self.bar.close()
        if self.deduper is not None:
            try:
                self.deduper.close()
            except DedupeError as err:
                log.warning("closing the index: %s", err)

    # -- setting up ------------------------------------------------------------------------

    def _check_inputs(self) -> None:
        """Refuse a missing file or a directory before any work (a corpus run is all or nothing).

        A .zst input without zstandard is refused here too; standard input's format is known
        only once it is read.
        """
        for name in self.args.files:
            if name == "-":
                if sys.stdin is None:
                    raise _Fatal("<stdin>: standard input is closed")
            elif os.path.isdir(name):
                raise _Fatal(f"{name}: is a directory")
            elif not os.access(name, os.R_OK):
                reason = "No such file or directory" if not os.path.exists(name) else "Permission denied"
                raise _Fatal(f"{name}: {reason}")
            elif self._input_format(name) == "zstd":
                try:
                    compression.require_zstandard(name)
                except InputError as err:
                    raise _Fatal(str(err)) from None

    def _input_format(self, name: str) -> str | None:
        """How an input is compressed: by its name, standard input by its first bytes (only JSON Lines are)."""
        if not self.args.jsonl:
            return None
        if name == "-":
            self._stdin()
            return self.stdin_format
        return compression.format_of(name)

    def _output_format(self, target: str) -> str | None:
        """How the output to ``target`` (``-``: standard output) is compressed.

        ``--compress`` decides, else the name of -o or of the --in-place file, else (standard
        output) the first input; explanations on standard output are for reading: plain.
        """
        args = self.args
        if not args.jsonl or args.compress == "none":
            return None
        if args.compress != "auto":
            return str(args.compress)
        if target != "-":
            return compression.format_of(target)
        return None if args.explain else self._input_format(args.files[0])

    def _check_reports(self) -> None:
        """Refuse a --report that could not be written, before any output (standard output is not taken back)."""
        for name in self.args.report or []:
            if descriptor_named(name) is not None:
                continue
            folder = os.path.dirname(os.path.realpath(name))
            if not os.path.isdir(folder):
                raise _Fatal(f"--report {name}: no directory {folder} to write it in")
            if not os.access(folder, os.W_OK):
                raise _Fatal(f"--report {name}: cannot write in {folder}: Permission denied")

    def _check_named_fields(self) -> None:
        """Refuse a field that no record has (a misspelt --site-field would put every site in one scope).

        Records are read only until every named field has turned up, which is the first record
        of a well-formed input; standard input read this far is kept for the passes.
        """
        wanted = set(self.named.values())
        if not wanted:
            return
        seen: dict[str, None] = {}
        for name in self.args.files:
            if parquet.is_parquet(name):
                try:
                    columns = parquet.check_columns(name, self.fields)
                except InputError as err:
                    raise _Fatal(str(err)) from None
                seen.update(dict.fromkeys(columns))
                wanted.difference_update(columns)
                if not wanted:
                    return
                continue
            stream = self._stream_of(name)
            head = None
            if name == "-":  # what is read ahead is kept for the passes
                head = self.head = tempfile.SpooledTemporaryFile(max_size=1 << 24)  # noqa: SIM115
            try:
                for number, raw in enumerate(stream, 1):
                    if head is not None:
                        head.write(raw)
                    if jsonl.is_blank(raw):
                        continue
                    try:
                        record = jsonl.parse(raw, number, name, self.fields)
                    except jsonl.BadLine:
                        continue  # told about in the pass
                    seen.update(dict.fromkeys(record.keys))
                    wanted.difference_update(record.keys)
                    if not wanted:
                        break
            except OSError as err:
                raise _Fatal(f"{'<stdin>' if name == '-' else name}: {err.strerror or err}") from None
            except InputError as err:  # a damaged compressed stream
                raise _Fatal(str(err)) from None
            finally:
                if head is not None:
                    head.seek(0)
                elif name != "-":
                    stream.close()
            if not wanted:
                return
        option, missing = next((o, n) for o, n in self.named.items() if n in wanted)
        fields = ", ".join(seen) if seen else "none"
        raise _Fatal(f"{option} {missing}: no record has this field (fields seen: {fields})")

    def _note_missing(self, record: jsonl.Record | parquet.Row) -> None:
        """Count a record without a named field; warn at the first one."""
        for option, name in self.named.items():
            if name in record.keys:
                continue
            count = self.report.missing.get(option, (name, 0))[1]
            if count == 0:
                self._warn(f"{record.label}: no field {name!r} ({option}); such records are counted in the summary")
            self.report.missing[option] = (name, count + 1)

    def _note_id(self, record: jsonl.Record | parquet.Row) -> None:
        """Count a record whose id an earlier record had (it counts as that document); warn at the first."""
        if self.policy is None:
            return
        digest = hashlib.blake2b(record.doc_id.encode("utf-8", "surrogatepass"), digest_size=12).digest()
        if digest not in self.ids:
            self.ids.add(digest)
            return
        if self.report.repeated_ids == 0:
            self._warn(
                f"{record.label}: id {record.doc_id!r} again: counted as the same document as the first; "
                "such records are counted in the summary"
            )
        self.report.repeated_ids += 1

    def _warn(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(f"{PROG}: {message}", file=sys.stderr)
        else:
            print(f"{PROG}: {message}", file=sys.stderr)

    def _open_index(self) -> None:
        args = self.args
        if self.policy is None:
            return
        if args.index is not None and not self.shared and self._saves():
            folder = os.path.dirname(os.path.realpath(args.index))  # a link's target is replaced
            if not os.path.isdir(folder):
                raise _Fatal(f"--index {args.index}: no directory {folder} to save it in")
        try:
            self.deduper = Deduper(
                policy="boilerplate" if self.policy == "boilerplate" else "seen",
                min_docs=args.boilerplate or 2,
                index=args.index,
                prefix=args.index_prefix or DEFAULT_PREFIX,
                config=self.config,
            )
        except ImportError as err:
            raise _Fatal(f"--index {args.index}: a Redis index needs the redis extra ({err})") from None
        except DedupeError as err:
            raise _Fatal(str(err)) from None

    def _saves(self) -> bool:
        """Whether this run writes a file index back: not for a look (--check and co) or a clean pass."""
        args = self.args
        return not (args.check or args.explain or args.diff) and (self.policy == "seen" or self.counting)

    def _commit(self) -> None:
        """Write the index to its temporary file, then rename the output and the index into place.

        The index is written first: a full disk or a vanished folder then leaves the output
        as it was too. Only the renames come after the output is replaced.
        """
        staged = self._stage_index()
        reports: list[AtomicFile] = []
        try:
            reports = self._stage_reports()
            if self.sink is not None:
                self.sink.commit()
            if staged is not None:
                try:
                    staged.commit()
                except OSError as err:
                    raise self._index_error(err) from None
            for report in reports:
                try:
                    report.commit()
                except OSError as err:
                    raise _Fatal(f"--report {report.name}: cannot write: {err.strerror or err}") from None
        finally:
            if staged is not None:
                staged.discard()
            for report in reports:
                report.discard()

    def _stage_reports(self) -> list[AtomicFile]:
        """Each --report written to its temporary file (renamed after the output), with the run's counts."""
        if self.full_report is None:
            return []
        self.full_report.skipped = self.report.skipped
        self.full_report.missing = dict(self.report.missing)
        staged = []
        try:
            for name in self.args.report:
                try:
                    target = AtomicFile(name)
                    staged.append(target)
                    target.write(self.full_report.render(name).encode("utf-8"))
                    target.finish()
                except OSError as err:
                    raise _Fatal(f"--report {name}: cannot write: {err.strerror or err}") from None
        except BaseException:
            for target in staged:
                target.discard()
            raise
        return staged

    def _stage_index(self) -> StagedIndex | None:
        if self.deduper is None or self.args.index is None or self.shared or not self._saves():
            return None
        try:
            return self.deduper.stage_save()
        except (OSError, DedupeError) as err:
            raise self._index_error(err) from None

    def _index_error(self, err: OSError | DedupeError) -> _Fatal:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        return _Fatal(f"--index {self.args.index}: cannot save the index: {reason}")

    def _spool_stdin(self) -> None:
        """Copy standard input to a temporary file, to read it once per pass."""
        source = self._stream_of("-")  # with the lines read ahead, if any
        self.spool = tempfile.TemporaryFile(prefix=".dedupe-stdin-")  # noqa: SIM115 (closed by close())
        try:
            shutil.copyfileobj(source, self.spool)
        except OSError as err:
            raise _Fatal(f"<stdin>: {err.strerror or err}") from None
        except InputError as err:  # a damaged compressed stream
            raise _Fatal(str(err)) from None

    # -- the passes ------------------------------------------------------------------------

    def _pass(self, *, clean: bool, first: bool) -> None:
        """Count (``clean=False``) or clean every document; warnings and skips are told in the ``first`` pass."""
        self._progress("cleaning" if clean else "counting")
        for name in self.args.files:
            self.label = name
            if self.sink is not None and self.writing:
                self.sink.begin(name)
            if parquet.is_parquet(name):
                self._parquet_file(name, clean, first)
                if self.args.in_place:
                    self._close_parquet()
            elif self.args.jsonl:
                self._jsonl_file(name, clean, first)
            else:
                self._text_file(name, clean)
            if self.sink is not None and self.writing:
                self.sink.end()
        self._close_parquet()
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _stream_of(self, name: str) -> IO[bytes]:
        """An input's bytes, decompressed: standard input from its spool or after the lines read ahead."""
        if name == "-" and self.spool is not None:
            self.spool.seek(0)
            return self.spool
        if name == "-" and self.head is not None:
            head, self.head = self.head, None
            return cast(IO[bytes], compression.Prefixed(head, self._stdin()))
        if name == "-":
            return self._stdin()
        try:
            stream = open_input(name)
        except InputError as err:
            raise _Fatal(str(err)) from None
        fmt = self._input_format(name)
        if fmt is None:
            return stream
        try:
            return compression.reader(stream, fmt, name)
        except InputError as err:
            stream.close()
            raise _Fatal(str(err)) from None

    def _stdin(self) -> IO[bytes]:
        """Standard input, opened once; with --jsonl its first bytes are read to tell its format."""
        if self.stdin is not None:
            return self.stdin
        try:
            stream = open_input("-")
            if self.args.jsonl:
                fmt, stream = compression.sniff(stream)
                if fmt is not None:
                    stream = compression.reader(stream, fmt, "<stdin>")
                self.stdin_format = fmt
        except OSError as err:
            raise _Fatal(f"<stdin>: {err.strerror or err}") from None
        except InputError as err:
            raise _Fatal(str(err)) from None
        self.stdin = stream
        return stream

    def _jsonl_file(self, name: str, clean: bool, first: bool) -> None:
        label = "<stdin>" if name == "-" else name
        self.stream = self._stream_of(name)
        try:
            lines = self._lines(self.stream, label)
            ahead: Iterator[tuple[_Line, Prepared | prefetch.CleanedText | None]]
            if self.deduper is not None:
                ahead = prefetch.prepared(lines, self.config, self.jobs, within=clean)
            else:  # each record cleaned within itself: the workers do all of it
                ahead = prefetch.explained(lines, self.config, self.jobs)
            for (_, number, raw, parsed), done in ahead:
                self.unwritten = self.ahead.popleft()
                if parsed is None:
                    if not self.args.explain:
                        self._write(raw)  # kept as it was, and not a document
                elif isinstance(parsed, jsonl.BadLine):
                    self._bad_line(f"{label}:{number}", str(parsed), first)
                else:
                    if first:
                        self._note_missing(parsed)
                        self._note_id(parsed)
                    self._document(parsed, clean, done)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise _Fatal(f"{label}: {err.strerror or err}") from None
        except DedupeError as err:  # a damaged compressed stream, a worker process gone
            raise _Fatal(str(err)) from None
        if self.stream is not self.spool and name != "-":
            self.stream.close()
        self.stream = None

    def _lines(self, stream: IO[bytes], label: str) -> Iterator[_Line]:
        """Each line: the text to prepare (``None``: no record), its number, its bytes, and the record it is.

        A blank line is ``None``, a line that is no record the :class:`~dedupe.jsonl.BadLine` saying why.
        """
        self.ahead.clear()
        for number, raw in enumerate(stream, 1):  # only \n ends a line of a binary stream
            self.ahead.append(raw)
            if jsonl.is_blank(raw):
                yield None, number, raw, None
                continue
            try:
                record = jsonl.parse(raw, number, label, self.fields)
            except jsonl.BadLine as err:
                yield None, number, raw, err
                continue
            yield record.text, number, raw, record

    def _parquet_file(self, name: str, clean: bool, first: bool) -> None:
        """The rows of a Parquet file, written back one row group at a time (when this pass writes)."""
        args = self.args
        writes = clean and self.sink is not None and self.writing and not (args.explain or args.check)
        try:
            for item in parquet.rows(name, self.fields):
                if isinstance(item, parquet.Row):
                    if first:
                        self._note_missing(item)
                        self._note_id(item)
                    self._document(item, clean)
                    continue
                batch, number, reason = item
                if number:
                    self._bad_line(f"{name}:{number}", reason, first)
                    batch.leave_out()
                elif writes and args.parquet_out:
                    if self.parquet_out is None:
                        self.parquet_out = parquet.Writer(_SinkStream(self), self.annotate)
                    self.parquet_out.write(batch, self.fields.text, name)
                elif writes:  # converted to JSON Lines
                    self._emit(parquet.json_lines(parquet.cleaned_table(batch, self.fields.text, self.annotate), name))
        except InputError as err:
            raise _Fatal(str(err)) from None

    def _close_parquet(self) -> None:
        """Finish the Parquet output of this sink target (its footer is written last)."""
        for out in (self.parquet_out, self.lines_out):
            if out is not None:
                try:
                    out.close()
                except InputError as err:
                    raise _Fatal(str(err)) from None
        self.parquet_out = self.lines_out = None

    def _text_file(self, name: str, clean: bool) -> None:
        data = None
        if name == "-" and self.spool is not None:
            self.spool.seek(0)
            data = self.spool.read()
        try:
            source = read_source(name, self.args.encoding, data)
        except InputError as err:
            raise _Fatal(str(err)) from None
        self._document(_TextDocument(source), clean)

    def _bad_line(self, where: str, reason: str, first: bool) -> None:
        if not self.args.skip_bad_lines:
            raise _Fatal(f"{where}: {reason} (--skip-bad-lines leaves such lines out)")
        self.unwritten = b""
        if self.sink is not None and self.writing:
            self.sink.changed = True
        if first:
            self.report.skipped += 1
            message = f"{PROG}: {where}: skipped: {reason}"
            if self.bar is not None:
                self.bar.write(message, file=sys.stderr)
            else:
                print(message, file=sys.stderr)

    def _document(
        self,
        doc: jsonl.Record | parquet.Row | _TextDocument,
        clean: bool,
        done: Prepared | prefetch.CleanedText | None = None,
    ) -> None:
        """Count, clean against the index, or clean within itself one document; ``done`` is what workers did of it."""
        explained: Explained | None
        try:
            if self.deduper is None:
                explained, paragraphs = (
                    explain_removals(doc.text, config=self.config) if done is None else cast(prefetch.CleanedText, done)
                )
            else:
                prepared = done if isinstance(done, Prepared) else None
                paragraphs = (
                    count_paragraphs(doc.text, self.config.paragraphs) if prepared is None else len(prepared.spans)
                )
                if clean:
                    explained = self.deduper.feed(doc.text, doc_id=doc.doc_id, site=doc.site, prepared=prepared)
                else:
                    self.deduper.count(doc.text, doc_id=doc.doc_id, site=doc.site, prepared=prepared)
                    explained = None
        except DedupeError as err:
            raise _Fatal(f"{doc.label}: {err}") from None
        if clean or not self.cleaning:  # a document is counted in the summary once
            self.report.add(paragraphs, explained)
        if explained is not None:
            drop_empty, min_kept = self.args.drop_empty, self.args.min_kept
            outcome = judge(
                doc.doc_id, doc.site, doc.text, explained, paragraphs, drop_empty=drop_empty, min_kept=min_kept
            )
            if outcome.dropped is not None:
                self.report.dropped[outcome.dropped] = self.report.dropped.get(outcome.dropped, 0) + 1
            if self.full_report is not None:
                self.full_report.add(outcome, doc.text)
            if log.isEnabledFor(logging.INFO):  # -v: the decision on every document
                log.info("%s (id %r): %s", doc.label, doc.doc_id, outcome.describe())
            self._output(doc, outcome)
        if self.bar is not None:
            self.bar.update(1)

    def _output(self, doc: jsonl.Record | parquet.Row | _TextDocument, outcome: Outcome) -> None:
        args = self.args
        explained = outcome.explained
        left_out = outcome.dropped is not None and not args.flag
        try:
            if args.explain:
                data = b"".join(json_line(row) for row in doc.explain(explained))
            elif args.diff and isinstance(doc, _TextDocument):
                data = diff_bytes(doc.source, explained.text)
            elif left_out:
                if isinstance(doc, parquet.Row):
                    doc.batch.leave_out()
                data = b""
            elif isinstance(doc, (jsonl.Record, parquet.Row)) and self.annotate is not None:
                data = doc.output(explained, (self.annotate, outcome.annotation()))
            else:
                data = doc.output(explained)
        except InputError as err:  # the kept text does not fit the input's encoding
            raise _Fatal(str(err)) from None
        changed = explained.removed or left_out or self.annotate is not None
        if not (args.explain or args.diff) and changed and self.sink is not None:
            self.sink.changed = True
        self._write(data)
        self.written += 1

    def _write(self, data: bytes) -> None:
        """A record's output line (or a blank line): to the sink, or into the Parquet output it becomes."""
        if self.lines_to_parquet and self.sink is not None and self.writing:
            if self.lines_out is None:
                self.lines_out = parquet.LinesToParquet(_SinkStream(self))
            try:
                self.lines_out.add(data, self.label)
            except InputError as err:
                raise _Fatal(str(err)) from None
            self.unwritten = b""
            return
        self._emit(data)

    def _emit(self, data: bytes) -> None:
        if self.sink is not None and self.writing:
            self.sink.write(data)
        self.unwritten = b""

    def _progress(self, what: str) -> None:
        """A progress bar on a terminal, for a large input (or standard input, which may be large)."""
        args = self.args
        stderr = sys.stderr
        if args.quiet or stderr is None or not stderr.isatty():
            return
        if "-" not in args.files and sum(os.path.getsize(f) for f in args.files) < 1_000_000:
            return
        from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

        try:
            screen = os.get_terminal_size(stderr.fileno())
        except (OSError, ValueError):
            screen = os.terminal_size((0, 0))
        # A terminal that tells no size (0 × 0, as a new pseudo-terminal) would hide the bar.
        known = screen.columns > 0 and screen.lines > 0
        self.bar = tqdm(
            desc=f"{PROG}: {what}",
            unit=" docs",
            file=stderr,
            mininterval=0.25,
            leave=False,
            ncols=None if known else 80,
            nrows=None if known else 24,
        )

    # -- after an error --------------------------------------------------------------------

    def _keep_partial(self) -> str:
        """Keep the output of the documents already recorded in a shared index; say where it is."""
        assert self.sink is not None
        sink, count = self.sink, plural(self.written, self.report.unit)
        where = ""
        if self.args.in_place and sink.file is not None:
            # The current file: its cleaned records, then the rest as it was.
            try:
                sink.write(self.unwritten)
                for raw in self.ahead:
                    sink.write(raw)
                if self.stream is not None:
                    shutil.copyfileobj(self.stream, sink)  # through the sink: compressed as the file is
                    sink.changed = True
                    where = f"; {sink.name} holds its cleaned records so far, then the rest unchanged"
            except (OSError, InputError, _Fatal):
                sink.changed = False
            if not sink.changed:
                where = f"; {sink.name} is unchanged"
            sink.end()
        elif self.args.output and self.args.output != "-" and not self.args.in_place:
            where = f"; {self.args.output} holds the first {count}"
        elif not self.args.in_place:
            where = f"; standard output holds the first {count}"
        try:
            sink.commit()
        except _Fatal as err:
            return f"{where}; and then {err}"
        return where


class _SinkStream:
    """The run's output as a stream for the Parquet writer: what it writes goes to the sink."""

    def __init__(self, run: _CorpusRun) -> None:
        self.run, self.written, self.closed = run, 0, False

    def write(self, data: bytes) -> int:
        self.run._emit(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def run_corpus(args: argparse.Namespace, config: DedupeConfig) -> int:
    run = _CorpusRun(args, config)
    try:
        return run.run()
    finally:
        run.close()
