"""The index file in the natural pipeline code: checked when opened, saved when a `with` block ends cleanly."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dedupe import CorpusIndexError, Deduper
from dedupe.cli import main
from tests.redis_server import RedisServer, redis_server, server_binary

FOOTER = "Copyright 2026 Example News. All rights reserved. Reproduction prohibited without permission."


def test_a_path_in_no_directory_is_refused_when_opened(tmp_path: Path) -> None:
    with pytest.raises(CorpusIndexError, match=r"no directory .* to save the index in"):
        Deduper(index=tmp_path / "no" / "such" / "x.npz")
    with pytest.raises(CorpusIndexError, match="is a directory"):
        Deduper(index=tmp_path)


def test_a_clean_with_block_saves_the_index(tmp_path: Path) -> None:
    path = tmp_path / "seen.npz"
    with Deduper(index=path) as d:
        d.feed(f"First story.\n{FOOTER}\n", doc_id="a")
    assert path.exists()
    with Deduper(index=path) as d:  # the next run remembers
        assert d.feed(f"Second story.\n{FOOTER}\n", doc_id="b").text == "Second story.\n"


def test_a_with_block_left_by_an_exception_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "seen.npz"
    with Deduper(index=path) as d:
        d.feed(f"First story.\n{FOOTER}\n", doc_id="a")
    before = path.read_bytes()
    with pytest.raises(RuntimeError), Deduper(index=path) as d:
        d.feed(f"Second story.\n{FOOTER}\nA third paragraph that is new to the index.\n", doc_id="b")
        raise RuntimeError("the pipeline failed")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["seen.npz"]


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("umask_022")
def test_the_index_file_follows_the_umask_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "seen.npz"
    with Deduper(index=path) as d:
        d.feed(FOOTER, doc_id="a")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o640)
    with Deduper(index=path) as d:
        d.feed(f"{FOOTER}\nNew.", doc_id="b")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"text": "A record."}\n', encoding="utf-8")
    assert main(["-q", "--jsonl", "--scope", "corpus", "--index", str(tmp_path / "cli.npz"), str(jsonl)]) == 0
    assert stat.S_IMODE((tmp_path / "cli.npz").stat().st_mode) == 0o644


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    if server_binary() is None:
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail("redis-server is not installed; CI=true, so the Redis tests must run", pytrace=False)
        pytest.skip("redis-server is not installed")
    with redis_server() as running:
        yield running


def test_save_on_a_redis_index_is_nothing_to_do(server: RedisServer) -> None:
    with Deduper(index=server.url, prefix="lifecycle") as d:
        d.feed(FOOTER, doc_id="a")
        assert d.save() is None
    with Deduper(index=server.url, prefix="lifecycle") as d:
        assert d.feed(f"{FOOTER}\nNew.", doc_id="b").text == "New."
