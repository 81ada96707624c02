"""libFuzzer entry point: the matching key (``targets.normalise``)."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fuzz.harness import fuzz

    marks = "\u0301\u0308\u0327\u200b\u200d\u00ad\ufeff\u2019\u201c\u2014\u00a0\u3000\u2028\u0130\u0390\u1e9e\ufb01"
    fuzz("normalize", tokens=lambda: [c.encode() for c in marks] + [b"  ", b"\t", b"\r\n"])
