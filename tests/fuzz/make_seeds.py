"""Write the seed inputs of the fuzz targets into ``tests/fuzz/seeds/<target>/``.

    python tests/fuzz/make_seeds.py

The seeds are committed; this script says where each comes from and rewrites them all,
byte for byte the same. They are of two kinds: ordinary inputs that the fuzzer starts
from, and regression seeds, the inputs of bugs found before (issue 12 and the fuzzing
that followed it), which ``tests/test_fuzz.py`` replays on every run.
"""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from dedupe import DedupeConfig, Deduper  # noqa: E402
from dedupe.store import MemoryStore  # noqa: E402
from tests.fuzz import npz  # noqa: E402
from tests.fuzz.targets import CLI_FILES, INDEX_CONFIG, INDEX_DOCS  # noqa: E402

P = CLI_FILES["a.txt"].decode().splitlines()[0]  # a paragraph of 80 characters and more

SPLIT = {
    "mixed_breaks.txt": "a\r\nb\rc\n\r\nd\n\re",
    "blank_runs.txt": "a\r\rb\n \nc\r\n\u200b\r\nd\n",
    "invisible_lines.txt": "\ufeff\n\u00ad\u200b\n para \n\u2060\n\t\n",
    "odd_breaks.txt": "one\u2028two\x0bthree\x1cfour\x85five\u2029six\n",
    "article.txt": CLI_FILES["a.txt"].decode(),
    "no_final_break.txt": f"{P}\n\n{P}",
    "undecodable.txt": "caf\udce9 \udcff\n\udc80\n",  # bytes that are not UTF-8 (seen as lone surrogates)
}
NORMALIZE = {
    "quotes_dashes.txt": "\u201cSeoul\u201d\u00a0 is   BIG \u2014 ok\u200b \u2018x\u2019 \uff07",
    "hangul.txt": "오 시장은 \u3000연설에서  \u201c서울\u201d",
    "compatibility.txt": "\ufb01ne \u2460 \uff21\uff22 \u00bd \u2126 \u212b",
    "casefold.txt": "Stra\u00dfe \u1e9e \u0130stanbul \u0390 \u01c5 \u03a3\u03a3",
    "whitespace.txt": " \t a \r\n b \x0b\x0c\x1c\x1d\x1e\x1f\x85\u1680\u2028\u2029 c \u2000\u200a\u202f\u205f ",
    "combining.txt": "e\u0301 a\u0308\u0301 \u1100\u1161\u11a8",
    # Not idempotent: the zero-width space is removed after NFKC, which then leaves e + U+0301
    # uncomposed, while the key of that key is é (found by fuzz_normalize).
    "zero_width_before_combining_mark.txt": "e\u200b\u0301",
    "soft_hyphen_before_combining_mark.txt": "a\u00ad\u0301",
}
JSONL = {
    "record.jsonl": '{"id": 1, "url": "https://www.example.com/a", "text": "one\\ntwo\\none", "n": 1.50}\n',
    "bom_crlf.jsonl": '\ufeff{ "text" : "a\\r\\nb" , "id" : "x" }\r\n',
    "duplicate_key.jsonl": '{"text": "first", "text": "second\\nsecond"}\n',
    "escapes.jsonl": '{"text": "\\u00e9\\ud83d\\ude00 \\"q\\" \\\\ \\/", "other": "\u2028raw"}\n',
    "nested.jsonl": '{"meta": {"text": 1, "a": [1, {"b": null}]}, "text": "x\\ny", "id": 2.0e3}',
    "not_a_string.jsonl": '{"text": ["a"]}\n',
    "not_an_object.jsonl": '["text", "a"]\n',
    "nan_id.jsonl": '{"id": NaN, "text": "a", "url": "http://[::1"}\n',
    "deep_nesting.jsonl": '{"text": "a", "x": ' + "[" * 5000 + "]" * 5000 + "}\n",
    "huge_integer.jsonl": '{"text": "a", "n": ' + "9" * 5000 + "}\n",
    # A record whose text holds \u0000 (it was refused as a bad line): cleaned like any other.
    "nul_escape_in_text.jsonl": '{"id": 1, "text": "before\\u0000after"}\n',
    "nul_byte.jsonl": '{"text": "a\x00b"}\n',
    "lone_surrogate.jsonl": '{"text": "a\\ud800b"}\n',
    "invalid_utf8.jsonl": '{"text": "caf\udce9"}\n',
    "line_separators_in_text.jsonl": '{"text": "a\u2028b\u2029c\x85d"}\n',
}
# Argument lists, NUL-separated (targets.cli_args), over the files of targets.CLI_FILES.
CLI = {
    "text.args": ["a.txt", "b.txt"],
    "explain.args": ["--explain", "--paragraphs", "blank", "-t", "0.8", "a.txt"],
    "diff_stdin.args": ["--diff", "-"],
    "check.args": ["--check", "-q", "a.txt"],
    "output.args": ["-o", "out.txt", "a.txt", "b.txt"],
    "in_place.args": ["-i", "-v", "a.txt"],
    "jsonl_corpus.args": ["--jsonl", "--scope", "corpus", "--site-field", "url", "a.jsonl"],
    "jsonl_boilerplate.args": ["--jsonl", "--boilerplate", "2", "--id-field", "id", "--explain", "a.jsonl"],
    "index.args": ["--scope", "corpus", "--index", "seen.npz", "a.txt", "b.txt"],
    "bad_values.args": ["--num-perm", "1e999", "--threshold", "nan", "a.txt"],
    "utf16.args": ["--encoding", "utf-16", "a.txt"],
    # issue 12 item 15: an empty value is refused, not read as the default.
    "field_empty.args": ["--jsonl", "--field", "", "a.jsonl"],
    "id_field_empty.args": ["--jsonl", "--id-field", "", "--explain", "a.jsonl"],
    "site_field_empty.args": ["--jsonl", "--scope", "corpus", "--site-field", "", "a.jsonl"],
    "index_prefix_empty.args": [
        "--jsonl",
        "--scope",
        "corpus",
        "--index",
        "redis://127.0.0.1:1/0",
        "--index-prefix",
        "",
        "a.jsonl",
    ],
    # issue 12 item 10: an unknown Redis URL parameter (a TypeError traceback).
    "redis_url_unknown_parameter.args": ["--scope", "corpus", "--index", "redis://127.0.0.1:1/0?foo=bar", "a.txt"],
    "redis_url_db_not_a_number.args": ["--scope", "corpus", "--index", "redis://127.0.0.1:1/abc", "a.txt"],
    # issue 12 item 11: encodings that fail on use (UnicodeError tracebacks).
    "encoding_undefined.args": ["--encoding", "undefined", "a.txt"],
    "encoding_idna_long_line.args": ["--encoding", "idna", "c.txt"],
    "encoding_unicode_escape_explain.args": ["--encoding", "unicode_escape", "--explain", "c.txt"],
    # Found by fuzz_cli: an encoding name with a byte that is not UTF-8 (UnicodeEncodeError).
    "encoding_name_not_utf8.args": ["--encoding", "uni\udcf8nden", "c.txt"],
    # issue 12 item 1: one file named twice in corpus --in-place is emptied.
    "in_place_same_file_twice.args": ["--scope", "corpus", "--in-place", "a.txt", "a.txt"],
    "in_place_file_and_symlink.args": ["--boilerplate", "2", "--in-place", "a.txt", "link.txt"],
    # issue 12 item 2: --index X -o X writes the output, then the index over it.
    "index_is_output.args": ["--scope", "corpus", "--index", "out.txt", "-o", "out.txt", "a.txt"],
}


def _index_of(d: Deduper) -> dict[str, Any]:
    assert isinstance(d.store, MemoryStore)
    return d.store._arrays()


def _zip(arrays: dict[str, Any], deflated: frozenset[str] = frozenset()) -> bytes:
    parts = {f"{name}.npy": a if isinstance(a, bytes) else npz.npy(a) for name, a in arrays.items()}
    return npz.archive(parts, frozenset(f"{name}.npy" for name in deflated))


def _claiming(descr: str, shape: tuple[int, ...], data: bytes = b"") -> bytes:
    """An ``.npy`` member that claims ``shape`` of ``descr``, whatever ``data`` holds."""
    return npz.npy_claiming(f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}", data)


def _header_text(arrays: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The arrays with one piece of the JSON header's text replaced (for values json.dumps cannot write)."""
    text = arrays["header"].tobytes().decode()
    assert old in text
    return {**arrays, "header": np.frombuffer(text.replace(old, new).encode(), dtype=np.uint8)}


def _patched(blob: bytes, member: str, how: str) -> bytes:
    """An archive with one member's zip entry damaged: ``version`` needed 7.0, ``encrypted``, an unknown
    ``method`` of compression, or ``deflate`` data invalid."""
    data = bytearray(blob)
    info = zipfile.ZipFile(io.BytesIO(blob)).getinfo(member)
    local = info.header_offset
    central = next(
        k for k in range(len(data)) if data[k : k + 4] == b"PK\x01\x02" and data[k + 46 :].startswith(member.encode())
    )
    if how == "version":
        data[local + 4 : local + 6] = data[central + 6 : central + 8] = (70).to_bytes(2, "little")
    elif how == "method":  # 99: AES in some archivers, unknown to zipfile
        data[local + 8 : local + 10] = data[central + 10 : central + 12] = (99).to_bytes(2, "little")
    elif how == "encrypted":  # general purpose flag bit 6: strong encryption
        data[local + 6] |= 0x40
        data[central + 8] |= 0x40
    else:  # the first deflate block's type: 3, which does not exist
        name_length, extra_length = (int.from_bytes(data[local + k : local + k + 2], "little") for k in (26, 28))
        data[local + 30 + name_length + extra_length] = 0xFF
    return bytes(data)


def index_seeds() -> dict[str, bytes]:
    seen = Deduper(config=INDEX_CONFIG)
    for doc_id, text in INDEX_DOCS:
        seen.feed(text, doc_id=doc_id)
    boiler = Deduper(policy="boilerplate", config=INDEX_CONFIG)
    for doc_id, text in INDEX_DOCS:
        boiler.count(text, doc_id=doc_id)
    for doc_id, text in INDEX_DOCS:
        boiler.feed(text, doc_id=doc_id)
    empty = Deduper(config=INDEX_CONFIG)
    empty.feed("", doc_id="nothing")
    default = Deduper(config=DedupeConfig())
    default.feed(INDEX_DOCS[0][1], doc_id="a")
    # Damaged offsets are cut from an ASCII-only index: cut inside a Korean character, a key
    # would not decode, and the loader would refuse the file for that reason alone.
    ascii_only = Deduper(config=INDEX_CONFIG)
    for doc_id, text in INDEX_DOCS:
        if text.isascii():
            ascii_only.feed(text, doc_id=doc_id)
    s, b, t = _index_of(seen), _index_of(boiler), _index_of(ascii_only)
    n, m = len(s["key_offsets"]) - 1, len(t["key_offsets"]) - 1
    # A member that inflates from 8 KB to 8 MB: a zip bomb kept small (issue 12 item 5).
    bomb = _claiming("<u4", (65536, 32), bytes(65536 * 32 * 4))
    pickled = io.BytesIO()
    np.lib.format.write_array(pickled, np.array([1, "two"], dtype=object), allow_pickle=True)
    seeds = {
        "valid_seen.npz": _zip(s),
        "valid_boilerplate.npz": _zip(b),
        "valid_empty.npz": _zip(_index_of(empty)),
        "valid_other_parameters.npz": _zip(_index_of(default)),
        "valid_deflated.npz": _zip(s, frozenset(s)),
        "truncated.npz": _zip(s)[:1500],
        "pickled_member.npz": _zip({**s, "loc_doc": pickled.getvalue()}),
        "foreign.npz": _zip({"x": np.arange(3)}),
        "version_2.npz": _zip(_header_text(s, '"version": 1', '"version": 2')),
        # issue 12 item 3: header values and members that raised something else than CorpusIndexError.
        "header_entries_1e999.npz": _zip(_header_text(s, f'"entries": {n}', '"entries": 1e999')),
        "header_num_perm_1e999.npz": _zip(_header_text(s, '"num_perm": 32', '"num_perm": 1e999')),
        "header_nested_deeply.npz": _zip(
            _header_text(s, f'"entries": {n}', f'"entries": {n}, "x": ' + "[" * 200_000 + "]" * 200_000),
            frozenset({"header"}),
        ),
        "signatures_claim_huge_shape.npz": _zip({**s, "signatures": _claiming("<u4", (10**12, 128))}),
        "scope_blob_claims_8_eib.npz": _zip({**s, "scope_blob": _claiming("|u1", (2**63 - 1,))}),
        "loc_doc_shifted.npz": _zip({**s, "loc_doc": s["loc_doc"] - 1000}),
        "loc_index_strings.npz": _zip({**s, "loc_index": s["loc_index"].astype(str)}),
        # issue 12 item 4: damage that loaded silently.
        "key_offsets_out_of_range.npz": _zip({**t, "key_offsets": t["key_offsets"] + (np.arange(m + 1) == m) * 7}),
        "key_offsets_negative.npz": _zip({**t, "key_offsets": np.where(np.arange(m + 1) == 1, -5, t["key_offsets"])}),
        "key_offsets_decreasing.npz": _zip(
            {**t, "key_offsets": np.where(np.arange(m + 1) == 1, t["key_offsets"][2] + 3, t["key_offsets"])}
        ),
        "set_docs_out_of_range.npz": _zip({**b, "set_docs": b["set_docs"] + 99}),
        # Found by fuzz_index: a member's .npy header cut short makes numpy raise tokenize.TokenError.
        "npy_header_unterminated.npz": _zip(
            {**s, "loc_doc": npz.npy_claiming("{'descr': '<i8', 'fortran_order': False, 'shape': (3,")}
        ),
        # Found by fuzz_index: other exceptions that numpy and zipfile raise on a damaged file.
        "member_not_npy.npz": _zip({**s, "scope_of": b"not an array"}),
        "key_blob_not_npy.npz": _zip({**s, "key_blob": b"not an array"}),
        "header_not_npy.npz": _zip({**s, "header": b'{"format": "dedupe-index"}'}),
        "zip_unknown_compression.npz": _patched(_zip(s), "loc_doc.npy", "method"),
        "zip_version_7.npz": _patched(_zip(s), "loc_doc.npy", "version"),
        "zip_strong_encryption.npz": _patched(_zip(s), "loc_doc.npy", "encrypted"),
        "deflate_data_invalid.npz": _patched(_zip(s, frozenset({"loc_doc"})), "loc_doc.npy", "deflate"),
        # Found by fuzz_index, of the kind of issue 12 item 4: more damage that loads silently.
        "counted_not_npy.npz": _zip({**s, "counted": b"\x01" * n}),
        "loc_span_start_after_end.npz": _zip({**s, "loc_span": s["loc_span"][:, ::-1]}),
        "set_offsets_beyond_set_docs.npz": _zip({**b, "set_offsets": b["set_offsets"] + 1}),
        "doc_blob_int64.npz": _zip({**t, "doc_blob": t["doc_blob"].astype(np.int64)}),
        # issue 12 item 5.
        "zip_bomb_signatures.npz": _zip({**s, "signatures": bomb}, frozenset({"signatures"})),
    }
    for name, blob in seeds.items():
        assert len(blob) < 64_000, f"{name}: {len(blob)} bytes, too big to commit"
    return seeds


def main() -> None:
    seeds: dict[str, dict[str, bytes]] = {
        "split": {k: v.encode("utf-8", "surrogateescape") for k, v in SPLIT.items()},
        "normalize": {k: v.encode("utf-8", "surrogateescape") for k, v in NORMALIZE.items()},
        "jsonl": {k: v.encode("utf-8", "surrogateescape") for k, v in JSONL.items()},
        "index": index_seeds(),
        "cli": {k: "\0".join(v).encode("utf-8", "surrogateescape") for k, v in CLI.items()},
    }
    for target, files in seeds.items():
        folder = HERE / "seeds" / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        print(f"{folder.relative_to(HERE.parents[1])}: {len(files)} seeds, {sum(map(len, files.values())):,} bytes")


if __name__ == "__main__":
    main()
