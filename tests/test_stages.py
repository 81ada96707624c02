"""The corpus run as stages (:mod:`dedupe.stages`), scheduled here in one process, part by part:
the parts' outputs joined in order are byte for byte those of ``dedupe-file --jsonl``, however
the input is cut."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from dedupe import DedupeConfig, jsonl, stages
from dedupe.store import MemoryStore
from tests.test_jsonl import pages, run
from tests.test_report import real_pages


def schedule(
    files: list[Path], policy: str, parts: int, options: stages.Options, min_docs: int = 3
) -> tuple[bytes, bytes]:
    """Run the stages as an engine would, the maps one part after another; the output and explanations, joined."""
    config = DedupeConfig()
    cut = stages.cut([stages.index_lines(str(f), str(f)) for f in files], parts)
    lines = {p.number: list(stages.read_part(p, options.fields)) for p in cut}
    outputs: list[stages.Output] = []
    if policy == "seen":
        deduper = stages.Deduper(config=config)
        prepared = {p.number: stages.prepare_part(lines[p.number], config) for p in reversed(cut)}  # any order
        outputs = [stages.decide_part(lines[p.number], prepared[p.number], deduper, options) for p in cut]
    else:
        counted = {p.number: stages.count_part(lines[p.number], config, min_docs) for p in reversed(cut)}
        store = stages.merge_counts([counted[p.number] for p in cut])
        cleaner = stages.cleaner(store, config, min_docs)
        outputs = [stages.clean_part(lines[p.number], cleaner, options) for p in reversed(cut)][::-1]
    joined = b"".join(o.lines.get(str(f), b"") for f in files for o in outputs)
    explained = b"".join(o.explanations.get(str(f), b"") for f in files for o in outputs)
    return joined, explained


def local(capsysbinary: Any, files: list[Path], *argv: object) -> bytes:
    assert run(["-q", "--jsonl", *argv, *files]) == 0
    return capsysbinary.readouterr().out


def corpus_files(tmp_path: Path, rows: list[dict[str, Any]], count: int = 3) -> list[Path]:
    """``rows`` as JSON Lines in ``count`` files, with a blank line in the middle of the first."""
    files = []
    size = -(-len(rows) // count)
    for k in range(count):
        lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in rows[k * size : (k + 1) * size]]
        if k == 0:
            lines.insert(len(lines) // 2, "\n")
        files.append(tmp_path / f"part-{k}.jsonl")
        files[-1].write_text("".join(lines), encoding="utf-8")
    return files


def real_rows() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in real_pages().read_text(encoding="utf-8").splitlines()]
    rng = random.Random(7)
    for row in rng.sample(rows, 20):  # a paragraph of an earlier page repeated in a later one
        other = rows[rng.randrange(len(rows))]
        row["text"] += "\n" + rng.choice(other["text"].split("\n"))
    return [{"id": r["id"], "url": r["url"], "text": r["text"]} for r in rows]


@pytest.mark.parametrize("parts", [1, 2, 4, 7])
@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_stages_give_the_local_output_on_the_real_pages(
    tmp_path: Path, capsysbinary: Any, policy: str, parts: int
) -> None:
    files = corpus_files(tmp_path, real_rows())
    argv = ["--scope", "corpus"] if policy == "seen" else ["--boilerplate", 2]
    options = stages.Options(fields=jsonl.Fields(site="url"))
    out, explained = schedule(files, policy, parts, options, min_docs=2)
    assert out == local(capsysbinary, files, *argv, "--site-field", "url")
    assert explained == local(capsysbinary, files, *argv, "--site-field", "url", "--explain")
    # Removals across records, not only within them: the comparison says something.
    assert explained.count(b'"seen before' if policy == "seen" else b'"boilerplate') > 1000


@pytest.mark.parametrize("parts", [1, 3, 5])
@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_stages_give_the_local_output_on_generated_pages(
    tmp_path: Path, capsysbinary: Any, policy: str, parts: int
) -> None:
    rows = [{k: v for k, v in p.items() if k != "body"} for p in pages(per_site=6, seed=3)]
    rows[4]["text"] = rows[1]["text"]  # a whole page again
    files = corpus_files(tmp_path, rows, count=2)
    argv = ["--scope", "corpus"] if policy == "seen" else ["--boilerplate", 2]
    options = stages.Options(fields=jsonl.Fields(site="url"), drop_empty=True)
    out, explained = schedule(files, policy, parts, options, min_docs=2)
    assert out == local(capsysbinary, files, *argv, "--site-field", "url", "--drop-empty")
    assert explained == local(capsysbinary, files, *argv, "--site-field", "url", "--explain")
    assert explained


def test_absorbing_the_counts_of_consecutive_parts_makes_the_store_of_the_whole(tmp_path: Path) -> None:
    rows = real_rows()
    files = corpus_files(tmp_path, rows, count=1)
    config = DedupeConfig()
    fields = jsonl.Fields(site="url")
    (whole_part,) = stages.cut([stages.index_lines(str(files[0]), str(files[0]))], 1)
    whole = stages.count_part(list(stages.read_part(whole_part, fields)), config, 3)
    for parts in (2, 5):
        cut = stages.cut([stages.index_lines(str(files[0]), str(files[0]))], parts)
        merged = stages.merge_counts([stages.count_part(list(stages.read_part(p, fields)), config, 3) for p in cut])
        assert described(merged) == described(whole)
    assert len(whole.keys) > 1000


def described(store: MemoryStore) -> list[tuple[Any, ...]]:
    """Each entry by id, with names for numbers: key, scope, signature, location, documents."""
    return [
        (
            key,
            store.scopes[store.scope_of[i]],
            store.signatures[i].tobytes(),
            (store.docs[store.loc_doc[i]], store.loc_index[i], tuple(store.loc_span[i])),
            sorted(store.docs[n] for n in store.doc_sets[i] or ()),
        )
        for i, key in enumerate(store.keys)
    ]


def test_cut_covers_every_line_once_in_order() -> None:
    sizes = [stages.Lines("a", "a", 5), stages.Lines("b", "b", 0), stages.Lines("c", "c", 3)]
    for parts in range(1, 11):
        cut = stages.cut(sizes, parts)
        assert [p.number for p in cut] == list(range(len(cut)))
        assert len(cut) == min(parts, 8)
        lines = [(s.label, n) for p in cut for s in p.segments for n in range(s.first, s.last + 1)]
        assert lines == [("a", n) for n in range(1, 6)] + [("c", n) for n in range(1, 4)]


@pytest.mark.parametrize("ending", [b"\n", b""])
def test_a_part_of_a_plain_file_seeks_to_its_lines(tmp_path: Path, ending: bytes) -> None:
    """Parts of one large file do not each read it from the start (that grows with the square of the parts)."""
    lines = [json.dumps({"id": str(k), "text": f"Line {k}." + " x" * (k % 7)}).encode() + b"\n" for k in range(5000)]
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(lines)[: -1 if not ending else None])
    index = stages.index_lines(str(path), "big")
    assert index.size == 5000
    assert index.starts == tuple(sum(map(len, lines[:k])) for k in range(0, 5000, stages.STRIDE))
    for parts in (1, 3, 7, 40):
        cut = stages.cut([index], parts)
        got = [(n, raw) for p in cut for _, n, raw, _ in stages.read_part(p, jsonl.Fields())]
        expected = [(k + 1, line) for k, line in enumerate(lines)]
        expected[-1] = (5000, lines[-1][: -1 if not ending else None])
        assert got == expected
        segments = [s for p in cut for s in p.segments]
        assert all(s.at_line <= s.first < s.at_line + stages.STRIDE for s in segments)
        assert parts == 1 or segments[-1].at > 0
    packed = tmp_path / "big.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert stages.index_lines(str(packed), "packed") == stages.Lines("packed", str(packed), 5000)
