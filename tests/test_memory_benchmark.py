"""benchmarks.memory's verdict on the time that ten million paragraphs take against a million."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks import memory


@pytest.mark.parametrize(("large_seconds", "code"), [(360.0, 0), (390.0, 1)])  # 12.0× and 13.0× a 30 s million
def test_the_memory_benchmark_fails_when_ten_million_take_over_12_times_a_million(
    large_seconds: float, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def measured(name: str, cache: Path) -> dict[str, object]:
        seconds = {"corpus-1m": 30.0, "corpus-10m": large_seconds}[name]
        return {"class": name, "input_mb": 1000.0, "peak_mb": 100.0, "ratio": 0.1, "read_only_mb": 300.0,
                "read_only_ratio": 0.3, "seconds": seconds, "status": 0, "sha256": name}  # fmt: skip

    monkeypatch.setattr(memory, "measure", measured)
    monkeypatch.setattr(memory, "RECORDED", tmp_path / "recorded.json")
    monkeypatch.setattr(memory, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(memory, "RESULTS", tmp_path)
    (tmp_path / "recorded.json").write_text(json.dumps({"corpus-1m": "corpus-1m", "corpus-10m": "corpus-10m"}))
    assert memory.main(["--classes", "corpus-1m,corpus-10m"]) == code
    out = capsys.readouterr().out
    assert f"corpus-10m took {large_seconds / 30:.1f}× the time of corpus-1m (target: at most 12×)" in out
    assert ("time 13.0× corpus-1m's" in out) == bool(code)


def test_the_measured_command_writes_its_whole_output_to_the_pipe_and_its_status_comes_back() -> None:
    # The output (more than a pipe's buffer, in several blocks) reaches the hash whole and in
    # order; the peak is the child's (it holds 100 MB, this process does not).
    script = "import sys; held = bytearray(100_000_000); sys.stdout.write('ab' * 3_000_000); sys.exit(3)"
    blocks: list[bytes] = []
    peak, seconds, status = memory.peak_of([sys.executable, "-c", script], blocks.append)
    assert b"".join(blocks) == b"ab" * 3_000_000 and len(blocks) > 1
    assert status == 3 and seconds > 0 and peak > 100e6
