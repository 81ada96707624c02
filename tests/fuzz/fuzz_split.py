"""libFuzzer entry point: paragraph spans and the lossless join (``targets.split_join``)."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fuzz.harness import fuzz

    breaks = [b"\r\n", b"\r", b"\n", b"\n\n", "\u200b".encode(), "\u2028".encode(), b"\x0b", b"\x1c", b" \t"]
    fuzz("split", tokens=lambda: breaks, max_len=1024)  # short inputs: more of them per second
