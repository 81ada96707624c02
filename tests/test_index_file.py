"""A damaged or hostile index file: one clear error at load, bounded memory, nothing written; saving it safely.

Each case builds a real index with :class:`Deduper`, damages the ``.npz`` (numpy and zipfile
here, as anyone could), and checks that both ``Deduper(index=path)`` and the CLI refuse it:
``CorpusIndexError`` in Python; in ``dedupe-file``, exit 2, one error line, the output and
the index untouched.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import shutil
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedupe import CorpusIndexError, Deduper
from dedupe.cli import main

PROG = "dedupe-file"
SYLLABLES = ("ka", "lo", "mi", "ren", "tas", "vo", "pel", "dru", "shi", "nom", "bar", "qui", "zet", "fo", "gla", "tem")
Arrays = dict[str, Any]  # member name (no .npy) → array, or raw .npy bytes for a crafted member


def paragraph(rng: random.Random) -> str:
    words = ("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(16, 28)))
    return " ".join(words).capitalize() + "."


RNG = random.Random(12)
BODIES = [paragraph(RNG) for _ in range(8)]
FOOTER = paragraph(RNG)
DOCS = [(f"d{k}", "\n".join([BODIES[k], BODIES[k + 1], FOOTER])) for k in range(6)]


def build(path: Path, policy: str) -> None:
    """A real index of DOCS: seen-before entries, or boilerplate counts (document sets)."""
    d = Deduper(policy=policy, index=path)  # type: ignore[arg-type]
    for doc_id, text in DOCS:
        if policy == "seen":
            d.feed(text, doc_id=doc_id)
        else:
            d.count(text, doc_id=doc_id)
    d.save()


def members(path: Path) -> Arrays:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def header_of(arrays: Arrays) -> dict[str, Any]:
    return json.loads(arrays["header"].tobytes())  # type: ignore[no-any-return]


def text_header(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def npy_bytes(array: np.ndarray, **header: Any) -> bytes:
    """The .npy file of ``array``; ``header`` overrides its header (a shape or dtype that lies)."""
    out = io.BytesIO()
    fields = {**np.lib.format.header_data_from_array_1_0(array), **header}
    np.lib.format.write_array_header_1_0(out, fields)
    out.write(array.tobytes(order="F" if fields["fortran_order"] else "C"))
    return out.getvalue()


def write(path: Path, arrays: Arrays, compression: int = zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, value in arrays.items():
            z.writestr(f"{name}.npy", value if isinstance(value, bytes) else npy_bytes(value))


def pack(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [t.encode("utf-8") for t in texts]
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), np.cumsum([0] + [len(e) for e in encoded])


def unpack(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = blob.tobytes()
    return [data[s:e].decode("utf-8") for s, e in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]


# -- the damage: each takes the index's arrays and returns what to write instead -------------------


def edit(name: str, change: Callable[[np.ndarray], np.ndarray]) -> Callable[[Arrays], Arrays]:
    return lambda a: {**a, name: change(a[name].copy())}


def set_at(index: int, value: int) -> Callable[[np.ndarray], np.ndarray]:
    def change(x: np.ndarray) -> np.ndarray:
        x[index] = value
        return x

    return change


def header_text(change: Callable[[str, dict[str, Any]], str]) -> Callable[[Arrays], Arrays]:
    return lambda a: {**a, "header": text_header(change(a["header"].tobytes().decode(), header_of(a)))}


def header_field(field: str, value: Any) -> Callable[[Arrays], Arrays]:
    def change(_: str, h: dict[str, Any]) -> str:
        h[field] = value
        return json.dumps(h)

    return header_text(change)


def nested(depth: int) -> Callable[[str, dict[str, Any]], str]:
    return lambda text, h: text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"


def swap_two_offsets(x: np.ndarray) -> np.ndarray:
    x[2], x[3] = x[3], x[2]
    return x


def with_keys(change: Callable[[list[str]], list[str]], which: str = "key") -> Callable[[Arrays], Arrays]:
    def damage(a: Arrays) -> Arrays:
        blob, offsets = pack(change(unpack(a[f"{which}_blob"], a[f"{which}_offsets"])))
        return {**a, f"{which}_blob": blob, f"{which}_offsets": offsets}

    return damage


def claims_rows(rows: int) -> Callable[[Arrays], Arrays]:
    """The signatures' .npy header claims ``rows`` rows; the data is what it was."""
    return lambda a: {**a, "signatures": npy_bytes(a["signatures"], shape=(rows, a["signatures"].shape[1]))}


def pickled_keys(a: Arrays) -> Arrays:
    out = io.BytesIO()
    np.save(out, np.array([object()], dtype=object), allow_pickle=True)
    return {**a, "key_blob": out.getvalue()}


def without(name: str) -> Callable[[Arrays], Arrays]:
    return lambda a: {k: v for k, v in a.items() if k != name}


def first_byte_invalid_utf8(x: np.ndarray) -> np.ndarray:
    x[0] = 0xFF
    return x


def repeat_in_a_set(a: Arrays) -> Arrays:
    offsets, docs = a["set_offsets"], a["set_docs"].copy()
    first = next(int(s) for s, e in itertools.pairwise(offsets) if e - s >= 2)
    docs[first + 1] = docs[first]
    return {**a, "set_docs": docs}


def span_backwards(x: np.ndarray) -> np.ndarray:
    x[0] = (x[0, 1], x[0, 0] - 1)
    return x


# (case, policy, damage, a word the error names)
DAMAGE: list[tuple[str, str, Callable[[Arrays], Arrays], str]] = [
    # the JSON header
    (
        "entries 1e999",
        "seen",
        header_text(lambda t, h: t.replace(f'"entries": {h["entries"]}', '"entries": 1e999')),
        "1e999",
    ),
    ("num_perm 1e999", "seen", header_text(lambda t, h: t.replace('"num_perm": 128', '"num_perm": 1e999')), "1e999"),
    ("header nested 200k deep", "seen", header_text(nested(200_000)), "header"),
    ("header nested 5000 deep, small", "seen", header_text(nested(5_000)), "nested"),
    (
        "header over the size limit",
        "seen",
        header_text(lambda t, h: t[:-1] + ', "pad": "' + "x" * 100_000 + '"}'),
        "header",
    ),
    (
        "header not UTF-8",
        "seen",
        lambda a: {**a, "header": np.frombuffer(b'{"format": "\xff"}', dtype=np.uint8)},
        "header",
    ),
    ("header not JSON", "seen", header_text(lambda t, h: t[:-1]), "header"),
    ("header of floats", "seen", edit("header", lambda x: x.astype(np.float64)), "header"),
    ("entries negative", "seen", header_field("entries", -1), "entries"),
    ("entries a string", "seen", header_field("entries", "12"), "entries"),
    (
        "entries one more than stored",
        "seen",
        lambda a: header_field("entries", header_of(a)["entries"] + 1)(a),
        "entries",
    ),
    ("params not an object", "seen", header_field("params", [1, 2]), "params"),
    (
        "num_perm a boolean",
        "seen",
        lambda a: header_field("params", {**header_of(a)["params"], "num_perm": True})(a),
        "num_perm",
    ),
    # the members
    ("signatures claim shape (10^12, 128)", "seen", claims_rows(10**12), "signatures"),
    ("signatures of float32", "seen", edit("signatures", lambda x: x.astype(np.float32)), "signatures"),
    ("signatures 64 wide", "seen", edit("signatures", lambda x: x[:, :64]), "signatures"),
    ("pickled objects", "seen", pickled_keys, "key_blob"),
    ("a member missing", "seen", without("loc_span"), "loc_span"),
    ("a member too many", "seen", lambda a: {**a, "extra": np.zeros(3, dtype=np.uint8)}, "extra"),
    # the arrays' values
    ("key_offsets beyond the blob", "seen", edit("key_offsets", set_at(-1, 10**9)), "key_offsets"),
    ("key_offsets negative", "seen", edit("key_offsets", set_at(1, -5)), "key_offsets"),
    ("key_offsets decreasing", "seen", edit("key_offsets", swap_two_offsets), "key_offsets"),
    ("key_blob not UTF-8", "seen", edit("key_blob", first_byte_invalid_utf8), "key"),
    ("a key twice in one scope", "seen", with_keys(lambda keys: [keys[1], *keys[1:]]), "key"),
    ("a document named twice", "seen", with_keys(lambda docs: [docs[1], *docs[1:]], "doc"), "doc"),
    ("doc_offsets decreasing", "seen", edit("doc_offsets", swap_two_offsets), "doc_offsets"),
    ("scope_of out of range", "seen", edit("scope_of", set_at(0, 1)), "scope_of"),
    ("loc_doc shifted by -1000", "seen", edit("loc_doc", lambda x: x - 1000), "loc_doc"),
    ("loc_doc out of range", "seen", edit("loc_doc", set_at(0, len(DOCS))), "loc_doc"),
    ("loc_index as strings", "seen", edit("loc_index", lambda x: x.astype(str)), "loc_index"),
    ("loc_index negative", "seen", edit("loc_index", set_at(0, -1)), "loc_index"),
    ("loc_span backwards", "seen", edit("loc_span", span_backwards), "loc_span"),
    ("counted without documents", "seen", edit("counted", set_at(0, True)), "counted"),
    ("set_docs out of range", "boilerplate", edit("set_docs", set_at(0, len(DOCS))), "set_docs"),
    ("set_docs negative", "boilerplate", edit("set_docs", set_at(0, -1)), "set_docs"),
    ("set_docs repeated in a set", "boilerplate", repeat_in_a_set, "set_docs"),
    ("set_offsets decreasing", "boilerplate", edit("set_offsets", swap_two_offsets), "set_offsets"),
]


def run(argv: Sequence[object]) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1


def one_error(err: bytes, *fragments: str) -> str:
    text = err.decode("utf-8", "backslashreplace")
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{PROG}: error: "), text
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def policy_args(policy: str) -> list[str]:
    return ["--scope", "corpus"] if policy == "seen" else ["--boilerplate", "2"]


def records(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"new{k}", "text": t}) + "\n" for k, (_, t) in enumerate(DOCS)))
    return path


def check_refused(tmp_path: Path, capsysbinary: Any, index: Path, policy: str, fragment: str) -> None:
    """Both the API and the CLI refuse ``index``, naming it and ``fragment``; nothing is written."""
    with pytest.raises(CorpusIndexError) as caught:
        Deduper(policy=policy, index=index)  # type: ignore[arg-type]
    message = str(caught.value)
    assert str(index) in message and fragment in message, message
    assert "allow_pickle" not in message and "Traceback" not in message
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"yesterday's output\n")
    saved = index.read_bytes()
    capsysbinary.readouterr()
    assert run(["--jsonl", *policy_args(policy), "--index", index, "-o", out, records(tmp_path)]) == 2
    captured = capsysbinary.readouterr()
    assert captured.out == b""
    one_error(captured.err, str(index), fragment)
    assert out.read_bytes() == b"yesterday's output\n"
    assert index.read_bytes() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([index.name, "in.jsonl", "out.jsonl"])


@pytest.mark.parametrize(("case", "policy", "damage", "fragment"), DAMAGE, ids=[c[0] for c in DAMAGE])
def test_a_damaged_index_is_refused_at_load(
    tmp_path: Path, capsysbinary: Any, case: str, policy: str, damage: Callable[[Arrays], Arrays], fragment: str
) -> None:
    index = tmp_path / "index.npz"
    build(index, policy)
    write(index, damage(members(index)))
    check_refused(tmp_path, capsysbinary, index, policy, fragment)


def test_the_damage_cases_start_from_an_index_that_loads(tmp_path: Path) -> None:
    # Rewritten by this test's own writer and unchanged, both indexes load: the cases above fail by their damage.
    for policy in ("seen", "boilerplate"):
        index = tmp_path / f"{policy}.npz"
        build(index, policy)
        entries = Deduper(policy=policy, index=index).stats().entries  # type: ignore[arg-type]
        write(index, members(index))
        assert Deduper(policy=policy, index=index).stats().entries == entries > 0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "content", "fragment"),
    [
        ("random bytes", random.Random(5).randbytes(1 << 16), "not a dedupe index"),
        ("empty", b"", "not a dedupe index"),
        ("a zip of text", None, "not a dedupe index"),
    ],
)
def test_a_file_that_is_no_index_is_refused(
    tmp_path: Path, capsysbinary: Any, case: str, content: bytes | None, fragment: str
) -> None:
    index = tmp_path / "index.npz"
    if content is None:
        with zipfile.ZipFile(index, "w") as z:
            z.writestr("notes.txt", "hello")
    else:
        index.write_bytes(content)
    check_refused(tmp_path, capsysbinary, index, "seen", fragment)


def test_a_truncated_index_is_refused(tmp_path: Path, capsysbinary: Any) -> None:
    index = tmp_path / "index.npz"
    build(index, "seen")
    data = index.read_bytes()
    index.write_bytes(data[: len(data) * 2 // 3])
    check_refused(tmp_path, capsysbinary, index, "seen", "index")


def test_a_member_compressed_in_another_way_is_refused(tmp_path: Path, capsysbinary: Any) -> None:
    index = tmp_path / "index.npz"
    build(index, "seen")
    write(index, members(index), zipfile.ZIP_BZIP2)
    check_refused(tmp_path, capsysbinary, index, "seen", "compress")


def test_a_member_named_twice_is_refused(tmp_path: Path, capsysbinary: Any) -> None:
    index = tmp_path / "index.npz"
    build(index, "seen")
    arrays = members(index)
    write(index, arrays)
    with warnings.catch_warnings(), zipfile.ZipFile(index, "a") as z:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the damage
        z.writestr("loc_doc.npy", npy_bytes(arrays["loc_doc"] - 1000))
    check_refused(tmp_path, capsysbinary, index, "seen", "loc_doc")


def zip_bomb(path: Path, entries: int, num_perm: int = 128) -> int:
    """An index whose every member agrees with its header, deflated: all zeros, tiny on disk.

    Returns the bytes the signatures inflate to. Written a chunk at a time: the test never
    holds the inflated array.
    """
    params = Deduper().params()
    header = {"format": "dedupe-index", "version": 1, "params": params, "entries": entries}
    n = entries
    small = {
        "header": text_header(json.dumps(header)),
        "key_blob": np.zeros(0, dtype=np.uint8),
        "key_offsets": np.zeros(n + 1, dtype=np.int64),
        "scope_blob": np.zeros(0, dtype=np.uint8),
        "scope_offsets": np.zeros(2, dtype=np.int64),
        "scope_of": np.zeros(n, dtype=np.int32),
        "doc_blob": np.frombuffer(b"d", dtype=np.uint8),
        "doc_offsets": np.arange(2, dtype=np.int64),
        "loc_doc": np.zeros(n, dtype=np.int64),
        "loc_index": np.zeros(n, dtype=np.int64),
        "loc_span": np.zeros((n, 2), dtype=np.int64),
        "counted": np.zeros(n, dtype=bool),
        "set_offsets": np.zeros(n + 1, dtype=np.int64),
        "set_docs": np.zeros(0, dtype=np.int64),
    }
    size = n * num_perm * 4
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, array in small.items():
            z.writestr(f"{name}.npy", npy_bytes(array))
        with z.open("signatures.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<u4", "fortran_order": False, "shape": (n, num_perm)})
            for start in range(0, size, len(chunk)):
                f.write(chunk[: size - start])
    return size


def test_a_zip_bomb_is_refused_before_it_inflates(tmp_path: Path, capsysbinary: Any) -> None:
    index = tmp_path / "index.npz"
    inflated = zip_bomb(index, entries=1 << 17)  # 64 MiB of signatures
    assert index.stat().st_size < inflated / 100
    tracemalloc.start()
    try:
        with pytest.raises(CorpusIndexError, match="inflate"):
            Deduper(index=index)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < inflated / 8, peak  # refused from the sizes the zip declares: nothing was inflated
    check_refused(tmp_path, capsysbinary, index, "seen", "inflate")


def test_a_compressed_index_of_honest_size_loads(tmp_path: Path) -> None:
    # numpy's savez_compressed of a real index: it inflates a few times over, well within the limit.
    index = tmp_path / "index.npz"
    build(index, "boilerplate")
    fresh = Deduper(policy="boilerplate", index=index)
    arrays = members(index)
    np.savez_compressed(index, **arrays)
    reloaded = Deduper(policy="boilerplate", index=index)
    assert [reloaded.feed(t, doc_id=d) for d, t in DOCS] == [fresh.feed(t, doc_id=d) for d, t in DOCS]


def test_big_endian_and_fortran_order_arrays_load_as_they_are(tmp_path: Path) -> None:
    index = tmp_path / "index.npz"
    build(index, "seen")
    fresh = Deduper(index=index)
    arrays = members(index)
    swapped = {name: a.astype(a.dtype.newbyteorder(">")) for name, a in arrays.items()}
    swapped["signatures"] = np.asfortranarray(swapped["signatures"])
    swapped["loc_span"] = np.asfortranarray(swapped["loc_span"])
    write(index, swapped)
    reloaded = Deduper(index=index)
    assert np.array_equal(reloaded.store.signatures, fresh.store.signatures)  # type: ignore[attr-defined]
    assert [reloaded.feed(t, doc_id=f"x{d}") for d, t in DOCS] == [fresh.feed(t, doc_id=f"x{d}") for d, t in DOCS]


# -- saving: the index is written before the output is replaced; links are followed --------------


def test_an_index_that_cannot_be_written_leaves_the_output_untouched(
    tmp_path: Path, capsysbinary: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "indexes"
    folder.mkdir()
    index = folder / "index.npz"
    build(index, "seen")
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"yesterday's output\n")
    feed = Deduper.feed

    def feed_then_lose_the_folder(self: Deduper, text: str, **kwargs: Any) -> Any:
        explained = feed(self, text, **kwargs)
        if kwargs["doc_id"] == f"new{len(DOCS) - 1}":  # the last record: the index's folder goes away
            shutil.rmtree(folder)
        return explained

    monkeypatch.setattr(Deduper, "feed", feed_then_lose_the_folder)
    assert run(["--jsonl", "--scope", "corpus", "--index", index, "-o", out, records(tmp_path)]) == 2
    one_error(capsysbinary.readouterr().err, str(index), "cannot save the index")
    assert out.read_bytes() == b"yesterday's output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_an_output_that_cannot_be_replaced_leaves_the_index_untouched(
    tmp_path: Path, capsysbinary: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index.npz"
    build(index, "seen")
    saved = index.read_bytes()
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"yesterday's output\n")
    real_replace = os.replace

    def refuse_output(src: Any, dst: Any) -> None:
        if os.fspath(dst) == str(out):
            raise OSError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse_output)
    assert run(["--jsonl", "--scope", "corpus", "--index", index, "-o", out, records(tmp_path)]) == 2
    one_error(capsysbinary.readouterr().err, str(out), "Operation not permitted")
    assert out.read_bytes() == b"yesterday's output\n"
    assert index.read_bytes() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "index.npz", "out.jsonl"]


def test_the_index_and_the_output_are_both_written_when_all_goes_well(tmp_path: Path, capsysbinary: Any) -> None:
    index = tmp_path / "index.npz"
    out = tmp_path / "out.jsonl"
    argv = ["-q", "--jsonl", "--scope", "corpus", "--index", index, "-o", out, records(tmp_path)]
    assert run(argv) == 0
    first = out.read_bytes()
    assert Deduper(index=index).stats().entries > 0
    assert run(argv) == 0  # the same records again: the index remembers them and keeps what they kept
    assert out.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "index.npz", "out.jsonl"]


def test_a_symlinked_index_stays_a_link_and_its_target_is_replaced(tmp_path: Path, capsysbinary: Any) -> None:
    store = tmp_path / "store"
    store.mkdir()
    target = store / "real.npz"
    link = tmp_path / "index.npz"
    link.symlink_to(target)  # dangling until the first run saves through it
    argv = ["-q", "--jsonl", "--scope", "corpus", "--index", link, "-o", tmp_path / "out.jsonl"]
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "a", "text": DOCS[0][1]}) + "\n")
    assert run([*argv, first]) == 0
    assert link.is_symlink() and target.is_file()
    before = target.read_bytes()
    assert run([*argv, records(tmp_path)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() != before
    assert Deduper(index=target).stats().entries == Deduper(index=link).stats().entries > 0
    assert sorted(p.name for p in store.iterdir()) == ["real.npz"]  # the temporary file sat beside the target
    # The API follows the link too.
    d = Deduper(index=link)
    d.feed(BODIES[7] + "\n" + FOOTER, doc_id="z")
    d.save()
    assert link.is_symlink() and Deduper(index=target).stats().entries == d.stats().entries


def test_deduper_save_still_writes_in_one_step(tmp_path: Path) -> None:
    index = tmp_path / "index.npz"
    d = Deduper()
    d.feed(DOCS[0][1], doc_id="a")
    d.save(index)
    assert Deduper(index=index).stats().entries == d.stats().entries
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.npz"]
