"""A corpus run on Ray: the stages of :mod:`dedupe.stages` as Ray tasks, with the output of one process.

Input: JSON Lines files (plain or compressed; a folder stands for its files in name order),
or Parquet files, read in that order. The lines (row groups) are cut into parts (:func:`dedupe.stages.cut`), which the
cluster's workers read themselves, so the files must be where every worker sees them (one
machine, or a shared file system).

- Seen before: the workers prepare the parts (split, normalise, sign, links within each
  record), a few parts ahead of the decisions; this process feeds the prepared records,
  in input order, to one deduplicator, as ``dedupe-file`` does with ``--jobs``.
- Boilerplate: the workers count the parts; this process merges their stores in input
  order into the store of the whole input (the same entries, under the same ids, as one
  process counting it); the workers then clean the parts against it, each opening it once.

Output: into a folder, one file per input file under the same name (compressed the same
way), holding what ``dedupe-file --jsonl`` writes for that file's lines (for a Parquet file,
what ``--in-place`` writes), and ``explain/<name>`` (a Parquet file's ``<name>.jsonl``)
holding its ``--explain`` rows. Both are written through temporary files
and renamed when every part is done: a failed run leaves the folder as it was.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dedupe import compression, parquet, stages
from dedupe.config import DedupeConfig
from dedupe.corpus import Deduper, Policy
from dedupe.errors import ConfigError, DedupeError, InputError
from dedupe.files import AtomicFile
from dedupe.run_summary import CorpusReport
from dedupe.store import MemoryStore

RAY_INSTALL = "pip install 'news-dedupe[ray]'"
AHEAD = 2  # parts prepared ahead per worker (seen before): the decisions wait for none, memory stays bounded
# Records per part, at most, by default: what a part holds in flight (its lines, and prepared,
# about 4 KB more per paragraph) stays near 100 MB for records of 25 paragraphs. Parts of an
# eighth of a million paragraphs took this process to 5.6 GB.
PART_LINES = 1000


@dataclass
class Summary:
    """What a run did: the counts of its summary line, the parts, and seconds per stage."""

    counts: CorpusReport
    parts: int
    workers: int
    seconds: dict[str, float] = field(default_factory=dict)
    entries: int = 0  # in the index at the end
    moved: int = 0  # bytes that tasks sent this process, and the merged store (boilerplate) sent to workers
    worker_peak: int = 0  # the highest peak resident memory of a worker process, in bytes
    store: int = 0  # boilerplate: the bytes of the merged store, which each worker fetches
    opened: int = 0  # boilerplate: how many times a worker opened it (once per worker)

    def took(self, done: Done) -> Any:
        """Count what a task sent; return its result."""
        self.moved += done.size
        self.worker_peak = max(self.worker_peak, done.peak)
        self.opened += done.opened
        return done.result


class _Job(NamedTuple):
    """One run's Ray, parts and options, and where it counts what it does."""

    ray: Any
    cut: list[stages.Part]
    config: DedupeConfig
    min_docs: int
    options: stages.Options
    summary: Summary
    clock: _Clock
    say: Callable[[str], None]


def run(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    policy: Policy = "seen",
    min_docs: int = 2,
    options: stages.Options | None = None,
    config: DedupeConfig | None = None,
    parts: int | None = None,
    address: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Clean JSON Lines files on Ray into the folder ``output``; return what the run did.

    ``address`` is that of a running Ray cluster (``ray.init(address=...)``); without one a
    Ray instance on this machine is started for the run and stopped after it. ``parts``:
    how many runs of lines the input is cut into (default: four per worker, and at most
    :data:`PART_LINES` lines each). Options are
    those of ``dedupe-file`` (:class:`dedupe.stages.Options`) and of :class:`DedupeConfig`.
    """
    ray = _ray()
    options = options or stages.Options()
    config = config or DedupeConfig()
    if policy not in ("seen", "boilerplate"):
        raise ConfigError(f"policy={policy!r} is out of range: it must be 'seen' or 'boilerplate'")
    files = input_files(inputs)
    if len({parquet.is_parquet(f) for f in files}) > 1:
        raise InputError("Parquet and other inputs cannot be mixed: one run reads one kind of records")
    folder = os.fspath(output)
    _Outputs.check(folder, files)
    started = not ray.is_initialized()
    if started:
        _start(ray, address)
    out: _Outputs | None = None  # made once Ray runs: a run that cannot start leaves no folder behind
    try:
        out = _Outputs(folder, files)
        clock = _Clock()
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        indexed = _get(ray, [ray.remote(stages.index_lines).remote(f, f) for f in files])
        parts = parts or max(4 * workers, -(-sum(f.size for f in indexed) // PART_LINES))
        cut = stages.cut(indexed, parts)
        clock.lap("cut")
        report = CorpusReport("record", policy, look=False, min_kept=options.min_kept or 0.0)
        summary = Summary(report, len(cut), workers)
        job = _Job(ray, cut, config, min_docs, options, summary, clock, progress or (lambda _: None))
        for output_of in (_seen if policy == "seen" else _boilerplate)(job):
            out.add(output_of)
            summary.counts.merge(output_of.counts)
        out.commit()
        summary.seconds = clock.seconds
        return summary
    except BaseException:
        if out is not None:
            out.discard()
        raise
    finally:
        if started:
            ray.shutdown()


def _seen(job: _Job) -> Iterator[stages.Output]:
    """Seen before: the parts prepared by the workers, decided here in order by one deduplicator."""
    deduper = Deduper(policy="seen", config=job.config)
    for k, (lines, prepared) in enumerate(_prepared_in_order(job)):
        yield stages.decide_part(lines, prepared, deduper, job.options)
        job.say(f"part {k + 1}/{len(job.cut)} decided")
    job.clock.lap("prepare and decide")
    job.summary.entries = deduper.stats().entries


def _boilerplate(job: _Job) -> Iterator[stages.Output]:
    """Boilerplate: the parts counted by the workers, their stores merged here in order, the parts cleaned by them."""
    ray, cut, summary = job.ray, job.cut, job.summary
    count = ray.remote(_count)
    counted = [count.remote(p, job.config, job.options.fields, job.min_docs) for p in cut]
    merged = MemoryStore()
    merging = 0.0  # of the time counting takes, what this process spends merging
    for k, ref in enumerate(counted):
        part_store = pickle.loads(summary.took(_get(ray, ref)))
        start = time.perf_counter()
        merged.absorb(part_store)
        merging += time.perf_counter() - start
        job.say(f"part {k + 1}/{len(cut)} counted")
    job.clock.lap("count and merge")
    job.clock.seconds["of which merging"] = merging
    summary.entries = len(merged.keys)
    sent = pickle.dumps(merged, protocol=pickle.HIGHEST_PROTOCOL)
    del merged
    store = ray.put(sent)
    summary.store = len(sent)
    summary.moved += len(sent) * min(summary.workers, len(cut))  # each worker fetches it once
    del sent
    clean = ray.remote(_clean)
    cleaned = [clean.remote(p, [store], job.config, job.min_docs, job.options) for p in cut]
    for k, ref in enumerate(cleaned):
        yield summary.took(_get(ray, ref))
        job.say(f"part {k + 1}/{len(cut)} cleaned")
    job.clock.lap("clean")


def _start(ray: Any, address: str | None) -> None:
    """Start Ray here, or join the cluster at ``address``; a :class:`DedupeError` saying why not.

    An address where nothing answers is refused at once: Ray itself would try again for ever.
    """
    where = f"join the Ray cluster at {address}" if address else "start Ray on this machine"
    host, _, port = (address or "").removeprefix("ray://").rpartition(":")
    if host and port.isdigit():
        try:
            socket.create_connection((host, int(port)), timeout=10).close()
        except OSError as err:
            raise DedupeError(f"cannot {where}: {err.strerror or err}") from None
    try:
        # Without an address, a Ray instance of this run's own: "local", for Ray would otherwise join a
        # cluster that `ray start` left running here (or fail on one that a killed `ray start` left named).
        ray.init(address=address or "local", include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    except Exception as err:  # (Ray raises ConnectionError, RuntimeError, ValueError, ...)
        # `ray start` turns token authentication on; a client joins only with it on too.
        hint = " (a cluster started with `ray start` needs RAY_AUTH_MODE=token here)" if address else ""
        if os.environ.get("RAY_AUTH_MODE"):
            hint = ""
        raise DedupeError(f"cannot {where}: {_first_line(err)}{hint}") from None


def input_files(inputs: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The input files in order: a folder stands for the files in it (not hidden ones), by name."""
    files: list[str] = []
    for given in inputs:
        name = os.fspath(given)
        if os.path.isdir(name):
            files += [
                os.path.join(name, entry)
                for entry in sorted(os.listdir(name))
                if not entry.startswith(".") and os.path.isfile(os.path.join(name, entry))
            ]
        elif os.path.isfile(name):
            files.append(name)
        else:
            raise InputError(f"{name}: no such file or folder")
    if not files:
        raise InputError("no input files")
    return files


def _get(ray: Any, ref: Any) -> Any:
    """``ray.get(ref)``; a task's error is raised as itself (Ray wraps it with the worker's traceback)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as err:
        cause = getattr(err, "cause", None)
        if isinstance(cause, (DedupeError, OSError)):
            raise cause from None
        # A worker lost, a task out of memory, a bug: one line, not the worker's traceback.
        failed = cause if isinstance(cause, BaseException) else err
        raise DedupeError(f"a Ray task failed: {type(failed).__name__}: {_first_line(failed)}") from None


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else repr(err)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise DedupeError(f"the Ray engine needs Ray: {RAY_INSTALL}") from None
    return ray


def _prepared_in_order(job: _Job) -> Iterator[tuple[list[stages.Line], list[Any]]]:
    """Each part's lines and their preparation, in order, with at most ``AHEAD`` parts per worker in flight."""
    prepare = job.ray.remote(_prepare)
    waiting = iter(job.cut)
    window: deque[Any] = deque()
    for part in waiting:
        window.append(prepare.remote(part, job.config, job.options.fields))
        if len(window) >= AHEAD * job.summary.workers:
            break
    while window:
        done = _get(job.ray, window.popleft())
        following = next(waiting, None)
        if following is not None:
            window.append(prepare.remote(following, job.config, job.options.fields))
        yield pickle.loads(job.summary.took(done))


# The tasks. Each returns what it made pickled: numpy arrays that Ray hands over itself come
# back read-only (views of its object store), and a deduplicator fills some arrays in place.


class Done(NamedTuple):
    """What a task sends back: its result, the bytes it takes, and the peak memory of the worker so far."""

    result: Any
    size: int
    peak: int = 0
    opened: bool = False  # (clean) whether this task opened the merged store

    @classmethod
    def pickled(cls, result: Any) -> Done:
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(data, len(data), _peak())


def _peak() -> int:
    """The peak resident memory of this process, in bytes (Linux counts ru_maxrss in kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _prepare(part: stages.Part, config: DedupeConfig, fields: Any) -> Done:
    lines = list(stages.read_part(part, fields))
    return Done.pickled((lines, stages.prepare_part(lines, config)))


def _count(part: stages.Part, config: DedupeConfig, fields: Any, min_docs: int) -> Done:
    store = stages.count_part(list(stages.read_part(part, fields)), config, min_docs)
    store.drop_buckets()  # (merging rebuilds none: they are made where the merged store is opened)
    return Done.pickled(store)


_opened: tuple[str, Deduper] | None = None  # the cleaner of the store this worker last opened, by its object ref


def _clean(part: stages.Part, store: list[Any], config: DedupeConfig, min_docs: int, options: Any) -> Done:
    # (The ref comes in a list, so that Ray does not fetch the store for every part: a worker
    # unpickles it and rebuilds its buckets once, for all the parts it cleans.)
    global _opened
    opening = _opened is None or _opened[0] != store[0].hex()
    if opening:
        _opened = None  # the last run's store is let go of first
        _opened = (store[0].hex(), stages.cleaner(pickle.loads(_ray().get(store[0])), config, min_docs))
    assert _opened is not None
    output = stages.clean_part(list(stages.read_part(part, options.fields)), _opened[1], options)
    size = sum(map(len, output.lines.values())) + sum(map(len, output.explanations.values()))
    return Done(output, size, _peak(), opening)


class _Outputs:
    """One output file and one explanation file per input file, written through temporary files."""

    @staticmethod
    def check(folder: str, files: list[str]) -> None:
        """Refuse, before any work, outputs that cannot be written: two inputs of one name, a file for a folder."""
        names = [os.path.basename(f) for f in files]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError(f"two input files are named {twice[0]}: their outputs would be one file")
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise InputError(f"{folder}: not a folder")
        for path, name in zip(files, names, strict=True):
            for target in (os.path.join(folder, name), os.path.join(folder, "explain", _plain(name))):
                if os.path.exists(target) and os.path.samefile(path, target):
                    raise InputError(f"{target} is the input {path}: the output folder needs files of its own")

    def __init__(self, folder: str, files: list[str]) -> None:
        names = [os.path.basename(f) for f in files]
        # Folders this run makes are removed again if it fails (those that were there stay).
        self.made = [f for f in (folder, os.path.join(folder, "explain")) if not os.path.isdir(f)]
        os.makedirs(os.path.join(folder, "explain"), exist_ok=True)
        self.files: dict[str, tuple[AtomicFile, AtomicFile, compression.Compressor | None]] = {}
        self.tables: dict[str, parquet.Writer] = {}  # the row groups of a Parquet file
        try:
            for path, name in zip(files, names, strict=True):
                fmt = compression.format_of(name)
                self.files[path] = (
                    AtomicFile(os.path.join(folder, name)),
                    AtomicFile(os.path.join(folder, "explain", _plain(name))),
                    compression.compressor(fmt, name) if fmt is not None else None,
                )
                if parquet.is_parquet(name):
                    self.tables[path] = parquet.Writer(self.files[path][0].file, None)
        except BaseException:
            self.discard()
            raise

    def add(self, output: stages.Output) -> None:
        for label, data in output.lines.items():
            lines, _, packer = self.files[label]
            lines.write(packer.compress(data) if packer is not None else data)
        for label, data in output.explanations.items():
            self.files[label][1].write(data)
        for label, tables in output.tables.items():
            for table in tables:
                self.tables[label].write_table(table, label)

    def commit(self) -> None:
        for path, (lines, explain, packer) in self.files.items():
            if packer is not None:
                lines.write(packer.flush())
            if path in self.tables:
                self.tables[path].close()  # (the footer)
            lines.finish()
            explain.finish()
        for lines, explain, _ in self.files.values():
            lines.commit()
            explain.commit()

    def discard(self) -> None:
        for lines, explain, _ in self.files.values():
            lines.discard()
            explain.discard()
        for folder in reversed(self.made):
            with contextlib.suppress(OSError):  # (not empty: something else was put there meanwhile)
                os.rmdir(folder)


def _plain(name: str) -> str:
    """The name of a file's explanations (JSON Lines): without a compression suffix; a Parquet file's + .jsonl."""
    if parquet.is_parquet(name):
        return name + ".jsonl"
    return name.rsplit(".", 1)[0] if compression.format_of(name) is not None else name


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = now - self._last
        self._last = now


def describe(summary: Summary) -> str:
    """The summary line of a run, worded as ``dedupe-file``'s for a local corpus run, then the parts and seconds."""
    stages_took = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in summary.seconds.items())
    return (
        f"{summary.counts.summary(False, None, 0)}; on Ray: {summary.parts} parts, {summary.workers} workers "
        f"({stages_took}); {summary.moved / 1e6:,.1f} MB moved; worker peak {summary.worker_peak / 1e6:,.0f} MB; "
        f"index: {summary.entries:,} entries"
    )
