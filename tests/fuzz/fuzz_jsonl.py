"""libFuzzer entry point: parse a JSON Lines record and splice a cleaned value back (``targets.jsonl_splice``)."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fuzz.harness import fuzz

    words = [b'"text"', b'"id"', b'"url"', b'{"text": "', b'"}', b"\\u0000", b"\\ud800", b"\\u2028", b"\\n", b"\\r\\n"]
    words += [b"\xef\xbb\xbf", "\u2028".encode(), b"\x00", b"NaN", b"1e999", b"[[[[", b"null", b"true", b"https://www."]
    fuzz("jsonl", tokens=lambda: words)
