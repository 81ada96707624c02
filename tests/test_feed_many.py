"""``Deduper.feed_many`` and ``count_many``: the results of ``feed`` and ``count`` one by one, whatever ``jobs``."""

from __future__ import annotations

import itertools
import os
import random
from typing import Any

import numpy as np
import pytest

import dedupe
from dedupe.corpus import prepare
from tests.test_jsonl import paragraph

FOOTER = "Subscribe to our newsletter for the best stories of the week, delivered every Friday morning."


def corpus(n: int = 70, seed: int = 3) -> list[tuple[str, str, str]]:
    """Documents of three sites: bodies, a site footer, copies (whole and near) of earlier bodies."""
    rng = random.Random(seed)
    docs: list[tuple[str, str, str]] = []
    bodies: list[str] = []
    for k in range(n):
        body = [paragraph(rng) for _ in range(rng.randint(1, 6))]
        if bodies and rng.random() < 0.5:
            copied = rng.choice(bodies)
            body.insert(rng.randint(0, len(body)), copied if rng.random() < 0.5 else copied.replace("a", "e", 2))
        if rng.random() < 0.2:
            body.append(body[0])  # a repeat within the document
        bodies += body
        site = f"https://site{k % 3}.example/{k}"
        docs.append(("\n".join([*body, FOOTER]), f"doc{k}", site))
    return docs


def fingerprint(explained: dedupe.Explained) -> tuple[Any, ...]:
    return explained.text, explained.removed, explained.kept, explained.blocks


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_feed_many_gives_what_feed_gives(jobs: int) -> None:
    docs = corpus()
    one = dedupe.Deduper()
    expected = [fingerprint(one.feed(t, doc_id=i, site=s)) for t, i, s in docs]
    assert sum(len(e[1]) for e in expected) > len(docs)  # footers and copies go
    many = dedupe.Deduper()
    got = [fingerprint(e) for e in many.feed_many(docs, jobs=jobs)]
    assert got == expected
    assert many.stats() == one.stats()


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_count_many_and_feed_many_give_what_boilerplate_gives(jobs: int) -> None:
    docs = corpus(seed=4)
    one = dedupe.Deduper(policy="boilerplate")
    for t, i, s in docs:
        one.count(t, doc_id=i, site=s)
    expected = [fingerprint(one.feed(t, doc_id=i, site=s)) for t, i, s in docs]
    many = dedupe.Deduper(policy="boilerplate")
    many.count_many(docs, jobs=jobs)
    assert [fingerprint(e) for e in many.feed_many(docs, jobs=jobs)] == expected


def test_documents_may_be_texts_or_tuples() -> None:
    texts = [t for t, _, _ in corpus(12)]
    one = dedupe.Deduper()
    expected = [fingerprint(one.feed(t)) for t in texts]
    assert [fingerprint(e) for e in dedupe.Deduper().feed_many(texts)] == expected
    pairs = [(t, None) for t in texts]
    assert [fingerprint(e) for e in dedupe.Deduper().feed_many(pairs, jobs=2)] == expected
    with pytest.raises(TypeError, match="a tuple of 4"):
        list(dedupe.Deduper().feed_many([("a", "b", "c", "d")]))


def test_bad_jobs_and_bad_documents() -> None:
    with pytest.raises(dedupe.ConfigError, match="jobs=0"):
        list(dedupe.Deduper().feed_many(["text"], jobs=0))
    with pytest.raises(TypeError, match="jobs"):
        list(dedupe.Deduper().feed_many(["text"], jobs=2.0))  # type: ignore[arg-type]
    # A text that is no str fails in the worker and is raised here, as feed() raises it,
    # after the documents before it (with one job too, where a batch is prepared at once).
    for jobs, policy in itertools.product((1, 2), ("seen", "boilerplate")):
        d = dedupe.Deduper(policy=policy)  # type: ignore[arg-type]
        texts: list[Any] = [t for t, _, _ in corpus(20)]
        if policy == "boilerplate":
            d.count_many(texts)
        texts.insert(13, b"bytes")
        out = []
        with pytest.raises(TypeError, match="decode the text first"):
            out.extend(d.feed_many(texts, jobs=jobs))
        assert len(out) == 13, (jobs, policy)


def test_feed_many_is_lazy_and_stops_cleanly() -> None:
    docs = corpus(200)
    read = []

    def stream() -> Any:
        for doc in docs:
            read.append(doc[1])
            yield doc

    many = dedupe.Deduper().feed_many(stream(), jobs=2)
    first = next(many)
    assert first == dedupe.Deduper().feed(docs[0][0], doc_id=docs[0][1], site=docs[0][2])
    assert len(read) < len(docs)  # read ahead a bounded window only
    many.close()  # stops the workers


def test_a_prepared_document_must_match_the_deduplicator() -> None:
    text = "\n".join(paragraph(random.Random(1)) for _ in range(3))
    d = dedupe.Deduper(threshold=0.8)
    with pytest.raises(dedupe.ConfigError, match="this deduplicator's config"):
        d.feed(text, prepared=prepare(text, dedupe.DedupeConfig()))
    with pytest.raises(dedupe.ConfigError, match="another text"):
        d.feed("one line", prepared=prepare(text, d.config))
    assert d.feed(text, prepared=prepare(text, d.config)) == dedupe.Deduper(threshold=0.8).feed(text)


# --------------------------------------------------------------------------- dedupe-file --jobs


def jsonl_corpus(path: Any) -> Any:
    import json

    lines = [(json.dumps({"id": i, "url": s, "text": t}) + "\n").encode() for t, i, s in corpus(90, seed=6)]
    lines.insert(5, b"\n")  # a blank line and a bad one among the records keep their places
    lines.insert(40, b"not json\n")
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["--scope", "corpus", "--site-field", "url"],
        ["--boilerplate", "2", "--site-field", "url"],
        ["--scope", "corpus", "--explain"],
        ["--scope", "corpus", "--drop-empty", "--annotate", "dd"],
        [],  # each record cleaned within itself: the workers clean them
        ["--explain", "--min-kept", "0.9", "--flag"],
    ],
)
def test_jobs_give_the_same_output_and_report(tmp_path: Any, capsysbinary: Any, argv: list[str]) -> None:
    from tests.test_jsonl import run

    path = jsonl_corpus(tmp_path / "in.jsonl")
    outputs = []
    for jobs in (1, 2, 3):
        report = tmp_path / f"r{jobs}.json"
        status = run(["--jsonl", "--skip-bad-lines", *argv, "--jobs", jobs, "--report", report, path])
        got = capsysbinary.readouterr()
        assert status == 0, got.err
        outputs.append((got.out, got.err, report.read_bytes()))
    assert outputs[0][0] and outputs[1] == outputs[0] and outputs[2] == outputs[0]
    assert b"1 bad line skipped" in outputs[0][1]


def test_jobs_default_to_every_core_for_a_large_input_only(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import dedupe.cli_corpus
    from dedupe import prefetch
    from tests.test_jsonl import run

    path = jsonl_corpus(tmp_path / "in.jsonl")
    asked: list[int] = []
    real = prefetch.prepared

    def spy(items: Any, config: Any, jobs: int, **options: Any) -> Any:
        asked.append(jobs)
        return real(items, config, jobs, **options)

    monkeypatch.setattr(prefetch, "prepared", spy)
    assert run(["-q", "--jsonl", "--skip-bad-lines", "--scope", "corpus", "-o", tmp_path / "a.jsonl", path]) == 0
    monkeypatch.setattr(dedupe.cli_corpus, "AUTO_JOBS_BYTES", path.stat().st_size)
    monkeypatch.setattr(dedupe.cli_corpus.os, "cpu_count", lambda: 3)
    assert run(["-q", "--jsonl", "--skip-bad-lines", "--scope", "corpus", "-o", tmp_path / "b.jsonl", path]) == 0
    assert asked == [1, 3]
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_jobs_must_be_at_least_one(tmp_path: Any, capsys: Any) -> None:
    from tests.test_jsonl import one_error, run

    assert run(["--jsonl", "--scope", "corpus", "--jobs", 0, jsonl_corpus(tmp_path / "in.jsonl")]) == 2
    one_error(capsys.readouterr().err, "--jobs 0: N must be at least 1", usage=True)


class _Fatal(str):
    """A text whose unpickling ends the process that unpickles it: a worker that dies."""

    def __reduce__(self) -> Any:
        import os

        return os._exit, (1,)


def test_a_worker_that_dies_is_an_error_of_the_library(tmp_path: Any) -> None:
    docs = [t for t, _, _ in corpus(40)]
    docs[20] = _Fatal(docs[20])
    with pytest.raises(dedupe.DedupeError, match="a worker process stopped"):
        list(dedupe.Deduper().feed_many(docs, jobs=2))


def test_records_without_a_policy_are_cleaned_by_the_workers() -> None:
    rows = [{"id": i, "text": t} for t, i, _ in corpus(60, seed=9)]
    one = list(dedupe.dedupe_records_and_explain(rows, jobs=1))
    assert sum(len(c.outcome.explained.removed) for c in one) > 0  # repeats within records go
    for jobs in (2, 3):
        assert list(dedupe.dedupe_records_and_explain(rows, jobs=jobs)) == one
    rows[30]["text"] = _Fatal(rows[30]["text"])
    with pytest.raises(dedupe.DedupeError, match="a worker process stopped"):
        list(dedupe.dedupe_records(rows, jobs=2))


def test_boilerplate_looked_up_ahead_on_crowded_buckets() -> None:
    """A tiny vocabulary crowds the buckets (some skipped): a batch looked up at once finds what each document finds."""
    from dedupe.store import CROWDED_BUCKET
    from tests import low_vocabulary

    texts = low_vocabulary.records(300, seed=3, paragraphs=6, copies=0.3, words=low_vocabulary.WORDS[:6])
    one = dedupe.Deduper(policy="boilerplate")
    for k, t in enumerate(texts):
        one.count(t, doc_id=str(k), site=f"s{k % 2}")
    expected = [fingerprint(one.feed(t, doc_id=str(k), site=f"s{k % 2}")) for k, t in enumerate(texts)]
    assert sum(len(e[1]) for e in expected) > 0
    sizes = np.unique(np.concatenate([keys for keys, _ in one.store.buckets.runs]), return_counts=True)[1]  # type: ignore[attr-defined]
    assert (sizes > CROWDED_BUCKET).sum() > 10  # buckets that a lookup skips
    many = dedupe.Deduper(policy="boilerplate")
    docs = [(t, str(k), f"s{k % 2}") for k, t in enumerate(texts)]
    many.count_many(docs)
    assert [fingerprint(e) for e in many.feed_many(docs)] == expected


# --------------------------------------------------------------------------- dedupe-file --jobs on files


def text_files(folder: Any) -> list[Any]:
    """Articles with part of the body repeated, one of them undecodable, one with nothing to remove."""
    folder.mkdir()
    paths = []
    for k, (text, _, _) in enumerate(corpus(40, seed=12)):
        lines = text.split("\n")
        body = "\n".join([*lines, *lines[:2]] if k % 3 else lines) + "\n"
        path = folder / f"{k:02d}.txt"
        path.write_bytes(b"\xff\xfe not text" if k == 17 else body.encode())
        paths.append(path)
    return paths


@pytest.mark.parametrize("argv", [[], ["--explain"], ["--diff"], ["--check"]])
def test_jobs_on_files_give_the_same_output(
    tmp_path: Any, capsysbinary: Any, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    import dedupe.cli
    from tests.test_jsonl import run

    paths = text_files(tmp_path / "in")
    outputs = []
    for jobs in (1, 2, 3):
        if jobs > 1:  # the workers clean every file: this process, none

            def nowhere(*args: Any, **kwargs: Any) -> Any:
                raise AssertionError("cleaned in the main process")

            monkeypatch.setattr(dedupe.cli, "explain_removals", nowhere)
            monkeypatch.setattr(dedupe.cli, "removals", nowhere)
        status = run([*argv, "--jobs", jobs, *paths])
        got = capsysbinary.readouterr()
        outputs.append((status, got.out, got.err))
    assert outputs[0][0] == 2 and b"17.txt" in outputs[0][2]  # the undecodable file is reported, the others cleaned
    assert outputs[0][1] or argv == ["--check"]
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_jobs_on_files_in_place_and_to_one_output(tmp_path: Any) -> None:
    from tests.test_jsonl import run

    cleaned = []
    for jobs in (1, 2):
        paths = text_files(tmp_path / f"in{jobs}")
        assert run(["-q", "--jobs", jobs, "-o", tmp_path / f"out{jobs}.txt", *paths]) == 2
        assert not (tmp_path / f"out{jobs}.txt").exists()  # an input failed: -o is not written
        del paths[17]
        assert run(["-q", "--jobs", jobs, "-o", tmp_path / f"out{jobs}.txt", *paths]) == 0
        assert run(["-q", "--jobs", jobs, "--in-place", *paths]) == 0
        cleaned.append([p.read_bytes() for p in paths])
    assert cleaned[0] == cleaned[1]
    assert (tmp_path / "out1.txt").read_bytes() == (tmp_path / "out2.txt").read_bytes() == b"".join(cleaned[0])


def test_jobs_default_on_files(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every core for many small files that add up to AUTO_JOBS_BYTES, else one (one file, a large file)."""
    import argparse

    import dedupe.cli

    paths = [str(p) for p in text_files(tmp_path / "in")]
    monkeypatch.setattr(dedupe.cli.os, "cpu_count", lambda: 3)

    def jobs(files: list[str], given: int | None = None) -> int:
        return dedupe.cli._file_jobs(argparse.Namespace(jobs=given, files=files))

    total = sum(os.path.getsize(p) for p in paths)
    monkeypatch.setattr(dedupe.cli, "AUTO_JOBS_BYTES", total)
    assert jobs(paths) == 3 and jobs(paths[:1]) == 1 and jobs(paths, given=2) == 2
    assert jobs(paths[:-1]) == 1  # short of the total
    monkeypatch.setattr(dedupe.cli, "AUTO_JOBS_BYTES", max(os.path.getsize(p) for p in paths))
    assert jobs(paths) == 1  # a file of that size: one job


def test_one_job_reads_at_most_a_batch_ahead() -> None:
    """With one job the documents are prepared in batches: never more than BATCH are read ahead of the results."""
    from dedupe.prefetch import BATCH

    docs = corpus(120)
    read = []

    def stream() -> Any:
        for doc in docs:
            read.append(doc[1])
            yield doc

    ahead = []
    for k, _ in enumerate(dedupe.Deduper().feed_many(stream()), 1):
        ahead.append(len(read) - k)
    assert len(ahead) == len(docs) and max(ahead) <= BATCH and max(ahead) > 1  # batches, bounded
    assert ahead[0] == 0  # the first result after one document
