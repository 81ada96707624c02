"""libFuzzer entry point: ``dedupe-file`` with fuzzed arguments (``targets.cli_args``).

An input is the argument list, NUL-separated. The dictionary holds every option of the
parser, its choices, the scratch directory's file names and values that found bugs.
"""

import sys
from pathlib import Path


def tokens() -> list[bytes]:
    from dedupe.cli import build_parser
    from tests.fuzz.targets import CLI_FILES

    words = [b"\x00", b"-", b"--", b"=", b"0", b"1", b"2", b"-1", b"0.5", b"1e999", b"nan", b"link.txt", b"sub"]
    words += [b"seen.npz", b"out.txt", b"./a.txt", b"redis://127.0.0.1:1/0", b"?foo=bar", b"/abc", b"rediss://"]
    words += [e.encode() for e in ("utf-16", "utf-8-sig", "latin-1", "undefined", "idna", "unicode_escape", "rot13")]
    words += [name.encode() for name in CLI_FILES]
    for action in build_parser()._actions:
        words += [option.encode() for option in action.option_strings]
        words += [str(choice).encode() for choice in action.choices or ()]
    return words


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fuzz.harness import fuzz

    fuzz("cli", tokens=tokens, max_len=512)
