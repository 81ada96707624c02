"""The Ray engine (:mod:`dedupe.engines.ray`) on a real Ray instance on this machine: the cleaned records and
their explanations are byte-identical to one local ``dedupe-file --jsonl`` run, whatever the number of parts.

Without Ray these tests are skipped, except under ``CI=true``, where a missing Ray fails them: CI must run them.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.corpus import make_corpus
from dedupe import jsonl, stages
from tests.test_jsonl import one_error, run, run_script
from tests.test_stages import corpus_files, local, real_rows

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
FOOTER = "Sign up for the morning briefing: the news you need to start your day, in your inbox before seven."


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[Any]:
    """One Ray instance on this machine for the module (starting one takes seconds)."""
    try:
        import ray
    except ImportError:
        if IN_CI:
            pytest.fail("ray is not installed; CI=true, so the Ray tests must run", pytrace=False)
        pytest.skip("ray is not installed (pip install 'news-dedupe[ray]')")
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    ray.shutdown()


def on_ray(files: list[Path], out: Path, policy: str, parts: int, options: stages.Options, min_docs: int) -> Any:
    from dedupe.engines import ray as engine

    done = engine.run(files, out, policy=policy, min_docs=min_docs, options=options, parts=parts)  # type: ignore[arg-type]
    assert done.parts == parts
    # Each worker opens the merged store once, however many parts it cleans (and a new run's store again).
    assert 1 <= done.opened <= min(parts, done.workers) if policy == "boilerplate" else done.opened == 0
    return done


def joined(out: Path, files: list[Path], folder: str = "") -> bytes:
    """The output files of ``files``, in order (decompressed)."""
    data = b""
    for f in files:
        path = out / folder / (f.name.removesuffix(".gz") if folder else f.name)
        raw = path.read_bytes()
        data += gzip.decompress(raw) if path.suffix == ".gz" else raw
    return data


def generated_rows(documents: int, *, footer: bool = False) -> list[dict[str, Any]]:
    """Documents of 25 paragraphs of the benchmark corpus, on 4 sites; ``footer``: one line at the end of every one."""
    paragraphs = make_corpus(documents * 25, seed=5).paragraphs
    rows = []
    for k in range(documents):
        text = "\n".join(paragraphs[k * 25 : (k + 1) * 25]) + (f"\n{FOOTER}" if footer else "")
        rows.append({"id": f"doc-{k}", "url": f"https://site{k % 4}.example/{k}", "text": text})
    return rows


@pytest.mark.parametrize("parts", [1, 2, 4])
@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_ray_gives_the_local_output_on_the_real_pages(
    ray_instance: Any, tmp_path: Path, capsysbinary: Any, policy: str, parts: int
) -> None:
    files = corpus_files(tmp_path, real_rows())
    argv = ["--scope", "corpus"] if policy == "seen" else ["--boilerplate", 2]
    on_ray(files, tmp_path / "out", policy, parts, stages.Options(fields=jsonl.Fields(site="url")), 2)
    assert joined(tmp_path / "out", files) == local(capsysbinary, files, *argv, "--site-field", "url")
    explained = local(capsysbinary, files, *argv, "--site-field", "url", "--explain")
    assert joined(tmp_path / "out", files, "explain") == explained
    assert explained.count(b'"seen before' if policy == "seen" else b'"boilerplate') > 1000


@pytest.mark.parametrize("parts", [1, 2, 4])
@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_ray_gives_the_local_output_on_a_generated_corpus(
    ray_instance: Any, tmp_path: Path, capsysbinary: Any, policy: str, parts: int
) -> None:
    """240 documents of 25 generated paragraphs in four files, one of them gzip-compressed."""
    files = corpus_files(tmp_path, generated_rows(240), count=4)
    packed = files[2].with_name(files[2].name + ".gz")
    packed.write_bytes(gzip.compress(files[2].read_bytes()))
    files[2].unlink()
    files[2] = packed
    argv = ["--scope", "corpus"] if policy == "seen" else ["--boilerplate", 2]
    options = stages.Options(fields=jsonl.Fields(site="url"), min_kept=0.9)
    on_ray(files, tmp_path / "out", policy, parts, options, 2)
    out = joined(tmp_path / "out", files)
    assert out == local(capsysbinary, files, *argv, "--site-field", "url", "--min-kept", 0.9)
    assert 100 < out.count(b"\n") < 240  # some records left out by --min-kept
    explained = local(capsysbinary, files, *argv, "--site-field", "url", "--explain")
    assert joined(tmp_path / "out", files, "explain") == explained
    assert explained.count(b"\n") > 300


@pytest.mark.parametrize("parts", [1, 3])
def test_a_line_in_every_document_is_boilerplate_whatever_the_parts(
    ray_instance: Any, tmp_path: Path, capsysbinary: Any, parts: int
) -> None:
    """Skew: one key in every document of the generated corpus (its entry counts all of them)."""
    rows = generated_rows(120, footer=True)
    files = corpus_files(tmp_path, rows, count=2)
    on_ray(files, tmp_path / "out", "boilerplate", parts, stages.Options(), 5)
    out = joined(tmp_path / "out", files)
    assert out == local(capsysbinary, files, "--boilerplate", 5)
    kept = [json.loads(line)["text"] for line in out.splitlines() if line.strip()]
    assert len(kept) == len(rows) and not any(FOOTER in text for text in kept)


@pytest.mark.parametrize("policy", [["--scope", "corpus"], ["--boilerplate", "2"]])
def test_the_command_line_runs_on_ray_and_a_failed_run_leaves_the_output_as_it_was(
    ray_instance: Any, tmp_path: Path, policy: list[str]
) -> None:
    """The real ``dedupe-file --engine ray`` in a subprocess (its own local Ray instance)."""
    shards = tmp_path / "shards"
    shards.mkdir()
    files = corpus_files(shards, generated_rows(60), count=2)
    out = tmp_path / "out"
    done = run_script("--jsonl", *policy, "--engine", "ray", "--parts", 3, shards, "-o", out)
    assert done.returncode == 0, done.stderr
    summary = done.stderr.decode().splitlines()[-1]
    assert summary.startswith("dedupe-file: 60 records: ") and "on Ray: 3 parts" in summary
    here = run_script("-q", "--jsonl", *policy, *files)
    assert joined(out, files) == here.stdout
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with files[1].open("ab") as f:
        f.write(b"{not json\n")
    failed = run_script("--jsonl", *policy, "--engine", "ray", shards, "-o", out)
    assert failed.returncode == 2
    one_error(failed.stderr, f"{files[1]}:31", "--skip-bad-lines")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--scope", "corpus", "--engine", "ray", "-o", "out"], "--jsonl"),
        (["--jsonl", "--engine", "ray", "-o", "out"], "--scope corpus or --boilerplate N"),
        (["--jsonl", "--scope", "corpus", "--engine", "ray"], "-o names the folder"),
        (["--jsonl", "--scope", "corpus", "--engine", "ray", "-o", "out", "--explain"], "--explain is not available"),
        (["--jsonl", "--scope", "corpus", "--engine", "ray", "-o", "out", "--index", "i.npz"], "--index is not"),
        (["--jsonl", "--scope", "corpus", "--engine", "ray", "-o", "out", "--parts", 0], "--parts 0"),
        (["--jsonl", "--scope", "corpus", "-o", "out", "--parts", 2], "--parts is for --engine ray"),
        (["--jsonl", "--scope", "corpus", "-o", "out", "--address", "x:1"], "--address is for --engine ray"),
    ],
)
def test_what_a_ray_run_does_not_take_is_one_usage_line(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, argv: list[object], fragment: str
) -> None:
    (tmp_path / "a.jsonl").write_text('{"text": "One."}\n')
    monkeypatch.chdir(tmp_path)
    assert run([*argv, "a.jsonl"]) == 2
    one_error(capsys.readouterr().err, fragment, usage=True)


def test_the_core_and_the_command_line_start_without_ray() -> None:
    probe = "import sys, dedupe, dedupe.cli, dedupe.stages; print([m for m in sys.modules if m.startswith('ray')])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_missing_input_is_one_error_line(tmp_path: Path) -> None:
    from dedupe.engines import ray as engine
    from dedupe.errors import InputError

    with pytest.raises(InputError, match="no such file or folder"):
        engine.run([tmp_path / "missing"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failed_run_leaves_no_output_folder_it_made(ray_instance: Any, tmp_path: Path) -> None:
    from dedupe.engines import ray as engine
    from dedupe.errors import InputError

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "One."}\n{not json\n')
    for policy in ("seen", "boilerplate"):
        with pytest.raises(InputError, match=r"bad.jsonl:2: .*--skip-bad-lines"):
            engine.run([bad], tmp_path / "out", policy=policy)  # type: ignore[arg-type]
        assert not (tmp_path / "out").exists()


def test_a_cluster_that_does_not_answer_is_one_error_line_and_no_folder(tmp_path: Path) -> None:
    """(Ray itself would try to join it again and again, for ever.)"""
    pytest.importorskip("ray") if not IN_CI else None
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "a.jsonl").write_text('{"text": "One."}\n')
    done = run_script("--jsonl", "--scope", "corpus", "--engine", "ray", "--address", f"127.0.0.1:{port}",
                      tmp_path / "a.jsonl", "-o", tmp_path / "out")  # fmt: skip
    assert done.returncode == 2
    one_error(done.stderr, f"cannot join the Ray cluster at 127.0.0.1:{port}")
    assert not (tmp_path / "out").exists()


def test_two_inputs_of_one_name_are_refused_before_any_work(tmp_path: Path) -> None:
    from dedupe.engines import ray as engine
    from dedupe.errors import InputError

    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.jsonl").write_text('{"text": "One."}\n')
    with pytest.raises(InputError, match=r"two input files are named a\.jsonl"):
        engine.run([tmp_path / "x", tmp_path / "y"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_would_overwrite_an_input_is_refused(tmp_path: Path) -> None:
    """``-o`` the input folder itself: the cleaned files would replace the inputs."""
    from dedupe.engines import ray as engine
    from dedupe.errors import InputError

    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.jsonl").write_text('{"text": "One."}\n')
    (shards / "explain").mkdir()
    (shards / "explain" / "b.jsonl").write_text('{"text": "Two."}\n')
    for inputs in ([shards], [shards / "explain" / "b.jsonl"]):
        with pytest.raises(InputError, match="the output folder needs files of its own"):
            engine.run(inputs, shards)
    assert (shards / "a.jsonl").read_text() == '{"text": "One."}\n'
    assert sorted(p.name for p in shards.rglob("*")) == ["a.jsonl", "b.jsonl", "explain"]


@pytest.mark.parametrize("parts", [1, 3])
@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_ray_gives_the_local_output_on_parquet_files(
    ray_instance: Any, tmp_path: Path, capsysbinary: Any, policy: str, parts: int
) -> None:
    """The real pages as three Parquet files of row groups of 7: what ``--in-place`` makes of each, byte for byte."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = real_rows()
    (tmp_path / "in").mkdir()
    (tmp_path / "here").mkdir()
    files = []
    for k in range(3):
        for folder in ("in", "here"):
            pq.write_table(pa.Table.from_pylist(rows[k * 61 : (k + 1) * 61]), tmp_path / folder / f"p{k}.parquet", 7)
        files.append(tmp_path / "in" / f"p{k}.parquet")
    argv = ["--scope", "corpus"] if policy == "seen" else ["--boilerplate", 2]
    options = stages.Options(fields=jsonl.Fields(site="url"), min_kept=0.5)
    on_ray(files, tmp_path / "out", policy, parts, options, 2)
    here = sorted((tmp_path / "here").iterdir())
    assert run(["-q", *argv, "--site-field", "url", "--min-kept", 0.5, "--in-place", *here]) == 0
    for k in range(3):
        assert (tmp_path / "out" / f"p{k}.parquet").read_bytes() == (tmp_path / "here" / f"p{k}.parquet").read_bytes()
    kept = sum(pq.read_metadata(tmp_path / "out" / f"p{k}.parquet").num_rows for k in range(3))
    assert 0 < kept < len(rows)  # rows that keep less than half their paragraphs left out
    explained = b"".join((tmp_path / "out" / "explain" / f"p{k}.parquet.jsonl").read_bytes() for k in range(3))
    assert explained == local(capsysbinary, files, *argv, "--site-field", "url", "--explain")
    assert explained.count(b'"seen before' if policy == "seen" else b'"boilerplate') > 1000


def test_parquet_and_json_lines_are_not_mixed(tmp_path: Path) -> None:
    from dedupe.engines import ray as engine
    from dedupe.errors import InputError

    (tmp_path / "a.jsonl").write_text('{"text": "One."}\n')
    (tmp_path / "b.parquet").write_bytes(b"")
    with pytest.raises(InputError, match="Parquet and other inputs cannot be mixed"):
        engine.run([tmp_path], tmp_path / "out")


def test_joining_a_running_cluster_gives_the_local_output(tmp_path: Path) -> None:
    """``--address``: a Ray head started by ``ray start --head`` (its own processes), joined by the command line."""
    pytest.importorskip("ray") if not IN_CI else None
    import signal
    import socket
    import time

    ray_cli = Path(sys.executable).with_name("ray")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    head = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", "--port", str(port), "--num-cpus", "3", "--node-ip-address",
         "127.0.0.1", "--include-dashboard=false", "--disable-usage-stats"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the head answers
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        files = corpus_files(tmp_path, real_rows()[:90], count=2)
        env = {**os.environ, "RAY_AUTH_MODE": "token"}  # (`ray start` turns token authentication on)
        argv = ["--jsonl", "--boilerplate", "2", "--site-field", "url"]
        done = subprocess.run(
            [script_path(), *argv, "--engine", "ray", "--address", f"127.0.0.1:{port}", *files, "-o", tmp_path / "out"],
            capture_output=True, env=env, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert b", 3 workers " in done.stderr.splitlines()[-1]  # the head's 3 CPUs: the cluster joined, not started
        here = run_script("-q", *argv, *files)
        assert joined(tmp_path / "out", files) == here.stdout
        assert here.stdout.count(b"\n") == 91  # 90 records and a blank line
    finally:
        os.killpg(head.pid, signal.SIGTERM)  # the head and every process it started
        head.wait(timeout=60)
        # The head named itself the machine's current cluster; a plain ray.init() would try to join it.
        named = Path(tempfile.gettempdir(), "ray", "ray_current_cluster")
        if named.exists() and named.read_text().strip().endswith(f":{port}"):
            named.unlink()


def script_path() -> str:
    from tests.test_jsonl import script

    return script()


def test_a_cluster_that_a_killed_ray_start_left_named_is_not_joined(ray_instance: Any, tmp_path: Path) -> None:
    """Without --address the run starts a Ray of its own (a plain ray.init() would try to join that one)."""
    named = Path(tempfile.gettempdir(), "ray", "ray_current_cluster")
    if named.exists():
        pytest.skip("a Ray cluster is named as this machine's current one: it is left alone")
    named.parent.mkdir(parents=True, exist_ok=True)
    named.write_text("127.0.0.1:1")  # nothing answers there
    try:
        files = corpus_files(tmp_path, generated_rows(20), count=1)
        done = run_script("--jsonl", "--scope", "corpus", "--engine", "ray", *files, "-o", tmp_path / "out")
        assert done.returncode == 0, done.stderr
        assert joined(tmp_path / "out", files) == run_script("-q", "--jsonl", "--scope", "corpus", *files).stdout
    finally:
        named.unlink(missing_ok=True)
