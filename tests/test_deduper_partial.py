"""Partial copies across documents: truncated, merged and extended paragraphs, for both policies and stores."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dedupe import Deduper, Explained, Match, dedupe_and_explain
from dedupe.cli import main
from tests.redis_server import redis_server, server_binary
from tests.test_redis import unavailable

LATIN = [
    "The council approved the flood barrier on Tuesday, the largest public works project in the city's history, "
    "after a debate that lasted eleven hours and drew hundreds of residents to the chamber to speak for and against.",
    "Shares of the chipmaker fell eight percent after it cut its forecast for the third quarter in a row, blaming "
    "weak demand for personal computers and a glut of memory chips that has pushed prices down across Asia.",
    "The museum will reopen in March after a two-year renovation of its east wing and the roof, with a new gallery "
    "for the textile collection and a cafe on the terrace overlooking the river and the old harbour walls.",
]
KOREAN = [
    "서울시는 내년부터 심야 버스 노선을 열두 개 늘리고 배차 간격을 십오 분으로 줄이기로 했다. "
    "시는 이를 위해 예산 이백억 원을 추가로 편성하고 운전기사 삼백 명을 새로 뽑을 계획이다.",
    "기상청은 이번 주말 남부 지방에 최대 이백 밀리미터의 폭우가 쏟아질 것으로 내다봤다. "
    "해안 지역에는 강풍 특보가 내려졌으며 여객선 운항도 일부 중단될 예정이라고 밝혔다.",
    "국립중앙박물관은 다음 달부터 고려 시대 청자 특별전을 연다고 발표했다. "
    "전시에는 해외에서 처음 돌아오는 유물 스무 점을 포함해 모두 이백여 점이 나온다.",
]
NEW = {
    "latin": " The mayor said work would start in the spring and promised regular reports to the residents.",
    "korean": " 시장은 공사가 봄에 시작될 것이라며 주민들에게 정기적으로 진행 상황을 알리겠다고 약속했다.",
}
SCRIPTS = {"latin": LATIN, "korean": KOREAN}
Doc = tuple[str, str]  # doc id, text


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    if server_binary() is None:
        unavailable("redis-server is not installed (Debian: apt-get install redis-server)")
    try:
        import redis  # noqa: F401
    except ImportError:
        unavailable("the redis client is not installed (pip install 'news-dedupe[redis]')")
    with redis_server() as running:
        yield running.url


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> str | None:
    """``None`` (in memory) or the URL of a real redis-server, with a prefix of its own per test."""
    if request.param == "memory":
        return None
    return str(request.getfixturevalue("redis_url"))


_prefixes = itertools.count()


def deduper(store: str | None, policy: str = "seen") -> Deduper:
    return Deduper(policy=policy, index=store, prefix=f"partial-{next(_prefixes)}-{id(store)}")  # type: ignore[arg-type]


def run(d: Deduper, docs: list[Doc]) -> list[Explained]:
    if d.policy == "boilerplate":
        for doc, text in docs:
            d.count(text, doc_id=doc)
    return [d.feed(text, doc_id=doc) for doc, text in docs]


def originals(script: str) -> str:
    return "\n".join(["A short heading", *SCRIPTS[script], "Closing line of the page."])


def earlier(policy: str, script: str) -> list[Doc]:
    """The documents that hold the originals: one for "seen before", two for boilerplate (min_docs=2)."""
    first = [("a", originals(script))]
    return first if policy == "seen" else [*first, ("a2", "Other opening text.\n" + "\n".join(SCRIPTS[script]))]


def check_parts(m: Match, text: str, docs: dict[str, str]) -> None:
    """Each part's stretch of the paragraph is the text at ``kept_span`` in the document it names."""
    assert m.kind == "partial" and m.coverage is not None and m.parts
    for p in m.parts:
        assert p.kept_doc is not None
        assert docs[p.kept_doc][p.kept_span[0] : p.kept_span[1]] == text[p.span[0] : p.span[1]]
        assert m.span[0] <= p.span[0] < p.span[1] <= m.span[1]


POLICIES = ["seen", "boilerplate"]


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("policy", POLICIES)
def test_truncated_copy_across_documents(store: str | None, policy: str, script: str) -> None:
    source = SCRIPTS[script][0]
    cut = source[: int(len(source) * 0.62)]
    text = f"A new story starts here.\n{cut}"
    docs = [*earlier(policy, script), ("b", text)]
    results = run(deduper(store, policy), docs)
    (m,) = results[-1].removed
    assert m.index == 1 and m.kept_doc == "a" and m.kept_index == 1
    assert m.coverage >= 0.99  # type: ignore[operator]
    (part,) = m.parts
    check_parts(m, text, dict(docs))
    assert part.kept_index == 1 and part.kept_doc == "a"
    a = dict(docs)["a"]
    assert a[part.kept_span[0] : part.kept_span[1]] == cut
    assert results[-1].text == "A new story starts here."
    assert "in part (coverage" in results[-1].blocks[0].reason


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("policy", POLICIES)
def test_merged_copy_names_every_part(store: str | None, policy: str, script: str) -> None:
    first, second = SCRIPTS[script][0], SCRIPTS[script][2]
    text = f"A new story starts here.\n{first} {second}"
    docs = [*earlier(policy, script), ("b", text)]
    (m,) = run(deduper(store, policy), docs)[-1].removed
    assert m.kind == "partial" and m.coverage >= 0.9  # type: ignore[operator]
    assert [(p.kept_doc, p.kept_index) for p in m.parts] == [("a", 1), ("a", 3)]
    check_parts(m, text, dict(docs))


def test_merged_copy_whose_small_part_is_found_by_a_residual_lookup(store: str | None) -> None:
    # The short paragraph shares too few shingles with the merged one to share a bucket:
    # only the lookup of the stretch left uncovered finds it.
    long = " ".join(LATIN)
    short = (
        "The bridge was closed to traffic overnight after a lorry struck the railing on the northern side; "
        "engineers will inspect the supports at dawn before deciding whether buses may cross it again."
    )  # (its signature shares no band with the merged paragraph's: checked)
    a = f"{long}\n{short}"
    text = f"Intro of the new story.\n{long} {short}"
    d = deduper(store)
    d.feed(a, doc_id="a")
    (m,) = d.feed(text, doc_id="b").removed
    assert [p.kept_index for p in m.parts] == [0, 1]
    check_parts(m, text, {"a": a})


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("policy", POLICIES)
def test_extended_copy_is_kept_and_reported(store: str | None, policy: str, script: str) -> None:
    source = SCRIPTS[script][1]
    longer = source + NEW[script] + NEW[script].replace(" ", "  ", 1)[::-1]
    text = f"A new story starts here.\n{longer}"
    docs = [*earlier(policy, script), ("b", text)]
    d = deduper(store, policy)
    result = run(d, docs)[-1]
    assert result.removed == [] and result.text == text
    (m,) = result.kept
    assert m.index == 1 and m.kind == "partial" and m.kept_doc == "a" and m.kept_index == 2
    assert 0.3 < m.coverage < 0.9  # type: ignore[operator]
    check_parts(m, text, dict(docs))
    (block,) = [b for b in result.blocks if not b.removed]
    assert block.kept_doc == "a" and "holds new text" in block.reason
    if policy == "seen":
        # The longer paragraph holds new text, so it joins the index; the shorter one stays as it was.
        again = d.feed(f"{longer}\n{source}", doc_id="c")
        assert [(r.kind, r.kept_doc, r.kept_index) for r in again.removed] == [("exact", "b", 1), ("exact", "a", 2)]


@pytest.mark.parametrize("policy", POLICIES)
def test_extension_that_scores_as_a_copy_whole_is_kept(store: str | None, policy: str) -> None:
    # 0.94 as wholes, but the earlier paragraph covers only 0.88 of the new one: its sentence is new text.
    source = LATIN[1]
    longer = source + " Analysts expect more cuts."
    text = f"A new story starts here.\n{longer}"
    docs = [*earlier(policy, "latin"), ("b", text)]
    result = run(deduper(store, policy), docs)[-1]
    assert result.removed == [] and result.text == text
    (m,) = result.kept
    assert (m.index, m.kind, m.kept_doc, m.kept_index) == (1, "partial", "a", 2)
    assert 0.85 < m.coverage < 0.9  # type: ignore[operator]


@pytest.mark.parametrize("policy", POLICIES)
def test_hard_negative_across_documents_is_kept(store: str | None, policy: str) -> None:
    source = LATIN[0]
    other = source[:110] + "but the regional court suspended the permit within a week, citing the damage to wetlands."
    docs = [*earlier(policy, "latin"), ("b", f"Intro.\n{other}")]
    result = run(deduper(store, policy), docs)[-1]
    assert result.removed == [] and result.kept == []


def test_short_partial_copy_stays(store: str | None) -> None:
    d = deduper(store)
    d.feed(originals("latin"), doc_id="a")
    cut = LATIN[0][:60]  # narrower than min_chars: a heading-like excerpt, as within a document
    assert d.feed(f"Intro.\n{cut}", doc_id="b").removed == []


def test_same_document_fed_again_gives_the_same_result(store: str | None) -> None:
    cut = LATIN[0][:150]
    longer = LATIN[1] + NEW["latin"]
    docs = [("a", originals("latin")), ("b", f"Intro.\n{cut}\n{longer}\n{LATIN[2]} {KOREAN[0]}")]
    d = deduper(store)
    d.feed(originals("korean"), doc_id="k")
    first = run(d, docs)
    assert [m.kind for m in first[1].removed] == ["partial"] * 2 and [m.kind for m in first[1].kept] == ["partial"]
    d.feed(f"Later.\n{LATIN[1]}{NEW['latin']} More.", doc_id="c")  # after b, holding b's paragraph
    assert run(d, docs) == first


def test_memory_and_redis_agree(redis_url: str) -> None:
    docs = [
        ("a", originals("latin")),
        ("k", originals("korean")),
        ("a2", "\n".join(LATIN + KOREAN)),  # for boilerplate, every original in two documents
        ("b", f"Intro.\n{LATIN[0][:160]}\n{LATIN[1] + NEW['latin']}\n{KOREAN[0]} {KOREAN[2]}"),
        ("c", f"{KOREAN[1][:70]}\n{LATIN[2][:120]} {KOREAN[1]}"),
    ]
    for policy in POLICIES:
        expected = run(deduper(None, policy), docs)
        assert any(m.kind == "partial" for r in expected for m in r.removed)
        assert run(deduper(redis_url, policy), docs) == expected


def test_boilerplate_partial_does_not_depend_on_order() -> None:
    docs = [
        ("a", originals("latin")),
        ("a2", "Other opening.\n" + "\n".join(LATIN)),
        ("b", f"Intro.\n{LATIN[0][:170]}\n{LATIN[1]} {LATIN[2]}"),
        ("c", f"More.\n{LATIN[2][:140]}\n{LATIN[1] + NEW['latin']}"),
    ]
    expected = {doc: r for (doc, _), r in zip(docs, run(Deduper(policy="boilerplate"), docs), strict=True)}
    assert sum(m.kind == "partial" for r in expected.values() for m in r.removed) == 3
    for order in ([3, 1, 2, 0], [2, 0, 3, 1]):
        shuffled = [docs[k] for k in order]
        got = run(Deduper(policy="boilerplate"), shuffled)
        assert {doc: r for (doc, _), r in zip(shuffled, got, strict=True)} == expected


def test_within_document_extension_is_reported_by_the_deduper() -> None:
    text = f"{LATIN[0]}\nBetween.\n{LATIN[0]}{NEW['latin']}"
    alone = dedupe_and_explain(text)
    assert [m.kind for m in alone.kept] == ["partial"]
    for policy in POLICIES:
        d = Deduper(policy=policy)  # type: ignore[arg-type]
        if policy == "boilerplate":
            d.count(text, doc_id="x")
        assert d.feed(text, doc_id="x") == alone


def test_cli_explain_gives_coverage_and_parts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(originals("latin"), encoding="utf-8")
    cut = LATIN[0][:150]
    b.write_text(f"Intro.\n{cut}\n{LATIN[1]} {LATIN[2]}\n", encoding="utf-8")
    assert main(["-q", "--scope", "corpus", "--explain", str(a), str(b)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["kind"], r["kept_doc"]) for r in records] == [("partial", str(a)), ("partial", str(a))]
    first, merged = records
    start = len("A short heading\n")
    part = {"kept_index": 1, "span": first["span"], "kept_span": [start, start + 150], "kept_doc": str(a)}
    assert first["coverage"] >= 0.99 and first["parts"] == [part]
    assert [p["kept_index"] for p in merged["parts"]] == [2, 3]


def test_summary_counts_partial_copies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(originals("latin"), encoding="utf-8")
    b.write_text(f"Intro.\n{LATIN[0][:150]}\n{LATIN[1]} {LATIN[2]}\n", encoding="utf-8")
    assert main(["--scope", "corpus", "--check", str(a), str(b)]) == 1
    assert "; 0 exact, 0 near, 2 partial)" in capsys.readouterr().err
    assert main(["--check", str(b)]) == 0  # each file on its own: nothing repeats
    a.write_text(f"{LATIN[0]}\nIntro.\n{LATIN[0][:150]}\n", encoding="utf-8")
    assert main(["--check", str(a)]) == 1
    assert "1 of 3 paragraphs would be removed (0 exact, 0 near, 1 partial)" in capsys.readouterr().err


def test_jsonl_explain_gives_coverage_and_parts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [{"id": "a", "text": originals("korean")}, {"id": "b", "text": f"소개.\n{KOREAN[1][:70]}"}]
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert main(["-q", "--jsonl", "--scope", "corpus", "--explain", str(path)]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["id"] == "b" and row["kind"] == "partial" and row["kept_doc"] == "a" and row["coverage"] >= 0.99
    (part,) = row["parts"]
    start, end = part["kept_span"]
    assert part["kept_doc"] == "a" and records[0]["text"][start:end] == KOREAN[1][:70]
