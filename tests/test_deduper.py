"""The cross-document deduplicator: policies, scoping, explanations, and the saved index."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedupe import (
    CorpusIndexError,
    DedupeError,
    Deduper,
    IndexMismatchError,
    dedupe_and_explain,
    split_paragraphs,
)
from dedupe.normalize import normalize
from dedupe.verify import score
from tests.scale import examples

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "000_6ef43e2731afccca.txt").read_text(encoding="utf-8")

FOOTER = "©'5개국어 글로벌 경제신문' 아주경제. 무단전재·재배포 금지"
MENU = ["Home", "World", "Business", "Sign up for our newsletter"]
BODIES = [
    "The council approved the flood barrier on Tuesday, the largest public works project in the city's history.",
    "Shares of the chipmaker fell 8 percent after it cut its forecast for the third quarter in a row.",
    "서울시는 내년부터 심야 버스 노선을 열두 개 늘리고 배차 간격을 십오 분으로 줄이기로 했다.",
    "The museum will reopen in March after a two-year renovation of its east wing and the roof.",
]


def page(body: str, *extra: str) -> str:
    return "\n".join([*MENU, body, *extra, FOOTER]) + "\n"


def test_seen_before_removes_later_copies_and_points_to_the_first():
    d = Deduper()
    first = d.feed(page(BODIES[0]), doc_id="a")
    second = d.feed(page(BODIES[1]), doc_id="b")
    assert first.removed == []
    assert second.text == BODIES[1] + "\n"
    assert {m.kept_doc for m in second.removed} == {"a"}
    a = page(BODIES[0])
    for m in second.removed:
        # The pointer names the kept paragraph of document a, by index and span.
        assert split_paragraphs(a)[m.kept_index].text == a[m.kept_span[0] : m.kept_span[1]]
        assert normalize(a[m.kept_span[0] : m.kept_span[1]]) == normalize(page(BODIES[1])[m.span[0] : m.span[1]])
    # Menu and footer are consecutive in both pages: one block, and it says where from.
    assert [(b.first, b.last, b.kept_doc) for b in second.blocks] == [(0, 3, "a"), (5, 5, "a")]
    assert "seen before" in second.blocks[0].reason


def test_near_copy_across_documents_is_verified_and_scored():
    d = Deduper()
    d.feed(BODIES[0], doc_id="a")
    typo = BODIES[0].replace("largest", "largset")
    result = d.feed(f"{typo}\n{BODIES[1]}", doc_id="b")
    (m,) = result.removed
    assert m.kind == "near" and m.kept_doc == "a"
    assert m.score == pytest.approx(score(normalize(typo), normalize(BODIES[0])))
    assert m.score >= 0.9
    assert result.text == BODIES[1]


def test_unrelated_paragraph_sharing_its_opening_is_kept():
    d = Deduper()
    d.feed(BODIES[0], doc_id="a")
    other = "The council approved the flood barrier on Tuesday, but the mayor vetoed it within the hour."
    assert d.feed(other, doc_id="b").removed == []


def test_site_scope_keeps_one_sites_footer_from_removing_anothers_text():
    d = Deduper()
    d.feed(page(BODIES[0]), doc_id="a", site="one.example")
    other_site = d.feed(page(BODIES[1]), doc_id="b", site="two.example")
    same_site = d.feed(page(BODIES[2]), doc_id="c", site="one.example")
    assert other_site.removed == []
    assert same_site.text == BODIES[2] + "\n"


def test_within_document_behaviour_is_that_of_the_core():
    d = Deduper()
    seed = d.feed(SEED, doc_id="seed")
    assert seed == dedupe_and_explain(SEED)
    # A reprint of the same article: everything it keeps was seen before.
    again = d.feed(SEED, doc_id="again")
    assert again.text.strip() == ""
    assert all(m.kept_doc == "seed" for m in again.removed if m.kept_doc is not None)


def test_boilerplate_removes_from_every_document_first_included():
    pages = {k: page(body) for k, body in zip("abc", BODIES, strict=False)}
    d = Deduper(policy="boilerplate", min_docs=3)
    for k, text in pages.items():
        d.count(text, doc_id=k)
    cleaned = {k: d.feed(text, doc_id=k) for k, text in pages.items()}
    assert [cleaned[k].text for k in "abc"] == [body + "\n" for body in BODIES[:3]]
    block = cleaned["a"].blocks[0]
    assert "boilerplate" in block.reason and "3 documents" in block.reason
    # Fewer documents than min_docs: nothing is boilerplate.
    d = Deduper(policy="boilerplate", min_docs=4)
    for k, text in pages.items():
        d.count(text, doc_id=k)
    assert all(d.feed(text, doc_id=k).removed == [] for k, text in pages.items())


def test_boilerplate_needs_both_passes_in_order():
    d = Deduper(policy="boilerplate")
    with pytest.raises(DedupeError, match="count"):
        d.feed(page(BODIES[0]), doc_id="a")
    d = Deduper(policy="boilerplate")
    d.count(page(BODIES[0]), doc_id="a")
    d.feed(page(BODIES[0]), doc_id="a")
    with pytest.raises(DedupeError, match="count every document first"):
        d.count(page(BODIES[1]), doc_id="b")
    with pytest.raises(DedupeError, match="boilerplate"):
        Deduper().count("text")


def test_options_are_checked():
    with pytest.raises(DedupeError, match="policy"):
        Deduper(policy="sometimes")  # type: ignore[arg-type]
    with pytest.raises(DedupeError, match="min_docs"):
        Deduper(policy="boilerplate", min_docs=1)
    with pytest.raises(TypeError):
        Deduper(treshold=0.8)
    with pytest.raises(TypeError, match="bytes"):
        Deduper().feed(b"text")  # type: ignore[arg-type]


# -- the saved index -----------------------------------------------------------------------


def stream(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """Pages of two sites: site lines, shared wire paragraphs, and bodies of their own."""
    rng = random.Random(seed)
    wire = [f"Wire story {k}: the agency reported that talks would resume on day {k} of the summit." for k in range(6)]
    docs = []
    for i in range(n):
        lines = [*MENU[: rng.randint(1, 4)], f"Body {i}: " + " ".join(rng.choice(BODIES).split()[::-1])]
        lines += rng.sample(wire, rng.randint(0, 3))
        if rng.random() < 0.3:
            lines.append(rng.choice(wire).replace("agency", "agnecy"))
        lines.append(FOOTER)
        docs.append((f"site{i % 2}.example", "\n".join(lines)))
    return docs


def feed_all(d: Deduper, docs: list[tuple[str, str]], start: int = 0) -> list[object]:
    return [d.feed(text, doc_id=f"d{start + k}", site=site) for k, (site, text) in enumerate(docs)]


def test_an_index_saved_yesterday_is_continued_today(tmp_path):
    docs = stream(30)
    one_run = feed_all(Deduper(), docs)
    path = tmp_path / "index.npz"
    d = Deduper(index=path)
    yesterday = feed_all(d, docs[:17])
    d.save()
    today = feed_all(Deduper(index=path), docs[17:], start=17)
    assert yesterday + today == one_run
    assert sum(len(r.removed) for r in today) > 0  # type: ignore[attr-defined]
    assert [p.name for p in tmp_path.iterdir()] == ["index.npz"]  # no temporary file left


def test_boilerplate_counts_survive_a_save(tmp_path):
    docs = stream(12)
    path = tmp_path / "counts.npz"
    d = Deduper(policy="boilerplate", index=path)
    for k, (site, text) in enumerate(docs):
        d.count(text, doc_id=f"d{k}", site=site)
    d.save()
    reloaded = Deduper(policy="boilerplate", index=path)
    fresh = Deduper(policy="boilerplate")
    for k, (site, text) in enumerate(docs):
        fresh.count(text, doc_id=f"d{k}", site=site)
    assert feed_all(reloaded, docs) == feed_all(fresh, docs)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("num_perm", 256),
        ("shingle_size", 4),
        ("threshold", 0.8),
        ("coverage", 0.8),
        ("bands", 16),
        ("seed", 7),
        ("policy", "boilerplate"),
    ],
)
def test_an_index_built_with_other_parameters_is_refused(tmp_path, option, value):
    path = tmp_path / "index.npz"
    d = Deduper(index=path)
    d.feed(page(BODIES[0]), doc_id="a")
    d.save()
    with pytest.raises(IndexMismatchError, match=rf"{option}=.* \(this run: {value!r}\)"):
        Deduper(index=path, **{option: value})


def test_saving_replaces_the_file_atomically(tmp_path):
    path = tmp_path / "index.npz"
    d = Deduper(index=path)
    d.feed(page(BODIES[0]), doc_id="a")
    d.save()
    before = path.read_bytes()
    d.feed(page(BODIES[1]), doc_id="b")
    d.save()
    assert path.read_bytes() != before
    assert Deduper(index=path).stats().entries == d.stats().entries


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not an index at all\n",
        bytes(random.Random(1).randrange(256) for _ in range(4096)),
    ],
)
def test_a_corrupt_index_is_refused_with_a_clear_error(tmp_path, content):
    path = tmp_path / "index.npz"
    path.write_bytes(content)
    with pytest.raises(CorpusIndexError, match=r"index\.npz"):
        Deduper(index=path)


def test_a_foreign_npz_and_a_pickled_array_are_refused(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, header=np.frombuffer(b'{"format": "something else"}', dtype=np.uint8))
    with pytest.raises(CorpusIndexError, match="not a dedupe index"):
        Deduper(index=foreign)
    # An object array needs pickle to load: it must be refused, not unpickled.
    path = tmp_path / "index.npz"
    d = Deduper(index=path)
    d.feed(page(BODIES[0]), doc_id="a")
    d.save()
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    evil = tmp_path / "evil.npz"
    np.save(tmp_path / "keys.npy", np.array([object()], dtype=object), allow_pickle=True)
    members["key_blob.npy"] = (tmp_path / "keys.npy").read_bytes()
    with zipfile.ZipFile(evil, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(CorpusIndexError, match=r"evil\.npz"):
        Deduper(index=evil)


def test_a_truncated_index_is_refused(tmp_path):
    path = tmp_path / "index.npz"
    d = Deduper(index=path)
    feed_all(d, stream(5))
    d.save()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusIndexError):
        Deduper(index=path)


def test_stats_count_distinct_kept_paragraphs():
    d = Deduper()
    d.feed(page(BODIES[0]), doc_id="a")
    d.feed(page(BODIES[1]), doc_id="b")
    stats = d.stats()
    assert stats.entries == len(MENU) + 3  # the menu, two bodies, the footer
    assert stats.bytes > 0 and stats.bytes_per_entry == stats.bytes / stats.entries


# -- properties against a brute-force reference -------------------------------------------------

LINES = [
    *BODIES,
    "Sign up for our newsletter to get the morning briefing in your inbox every weekday.",
    "Sign up for our newsletter to get the morning briefing in your inbox every weekday!",
    "Photo: Reuters",
    "Read more",
    "이 기사는 연합뉴스와의 콘텐츠 제휴에 따라 제공되며 무단 전재와 재배포를 금지합니다.",
]


def brute_force_counts(docs: list[tuple[str, str]], threshold: float) -> list[dict[int, int]]:
    """For every paragraph, the number of documents of its site holding a copy (score >= threshold)."""
    keyed = [(site, [normalize(p.text) for p in split_paragraphs(text)]) for site, text in docs]
    out = []
    for site, keys in keyed:
        counts = {}
        for i, key in enumerate(keys):
            counts[i] = sum(
                1
                for other_site, other in keyed
                if other_site == site and any(score(key, k) >= threshold for k in other)
            )
        out.append(counts)
    return out


documents = st.lists(
    st.tuples(st.sampled_from(["a.example", "b.example"]), st.lists(st.sampled_from(LINES), min_size=1, max_size=6)),
    min_size=1,
    max_size=8,
)


@examples(40)
@given(documents, st.integers(2, 3), st.randoms())
def test_boilerplate_matches_brute_force_and_ignores_order(raw, min_docs, rng):
    docs = [(site, "\n".join(lines)) for site, lines in raw]

    def run(order: list[int]) -> dict[int, str]:
        d = Deduper(policy="boilerplate", min_docs=min_docs)
        for k in order:
            d.count(docs[k][1], doc_id=f"d{k}", site=docs[k][0])
        return {k: d.feed(docs[k][1], doc_id=f"d{k}", site=docs[k][0]).text for k in order}

    order = list(range(len(docs)))
    cleaned = run(order)
    rng.shuffle(order)
    assert run(order) == cleaned
    counts = brute_force_counts(docs, 0.9)
    for k, (_, text) in enumerate(docs):
        within = dedupe_and_explain(text)
        gone = {m.index for m in within.removed}
        expected = [p.text for p in split_paragraphs(text) if p.index not in gone and counts[k][p.index] < min_docs]
        assert [p.text for p in split_paragraphs(cleaned[k])] == expected


@examples(40)
@given(documents)
def test_seen_before_matches_brute_force(raw):
    docs = [(site, "\n".join(lines)) for site, lines in raw]
    d = Deduper()
    kept_before: dict[str, list[str]] = {}
    for k, (site, text) in enumerate(docs):
        result = d.feed(text, doc_id=f"d{k}", site=site)
        within = {m.index for m in dedupe_and_explain(text).removed}
        removed = {m.index for m in result.removed}
        earlier = kept_before.setdefault(site, [])
        for p in split_paragraphs(text):
            if p.index in within:
                continue
            key = normalize(p.text)
            expected_gone = any(score(key, e) >= 0.9 for e in earlier)
            assert (p.index in removed) == expected_gone, (p.text, earlier)
        earlier.extend(normalize(p.text) for p in split_paragraphs(result.text))


def test_a_document_fed_again_is_not_a_copy_of_itself():
    d = Deduper()
    text = page(BODIES[0])
    first = d.feed(text, doc_id="a")
    assert d.feed(text, doc_id="a") == first  # a job run twice keeps what it kept
    assert d.stats().entries == len(MENU) + 2  # and adds nothing to the index
    assert d.feed(page(BODIES[1]), doc_id="b").text == BODIES[1] + "\n"


def test_lone_surrogates_are_text_like_any_other():
    # Text decoded with errors="surrogateescape" carries lone surrogates.
    line = "Undecodable byte \udcff in a paragraph long enough to count as prose, repeated by the scraper."
    d = Deduper()
    d.feed(line, doc_id="a")
    assert d.feed(f"{line}\nNew.", doc_id="b").text == "New."
    assert dedupe_and_explain(f"{line}\n{line}").text == line


def test_unnamed_documents_are_numbered_in_each_pass():
    docs = [page(body) for body in BODIES[:3]]
    d = Deduper(policy="boilerplate", min_docs=3)
    for text in docs:
        d.count(text)
    assert [d.feed(text).text for text in docs] == [body + "\n" for body in BODIES[:3]]


def test_a_site_given_as_a_url_is_its_host_as_on_the_command_line(tmp_path: Path) -> None:
    import json

    from dedupe import site_of
    from dedupe.cli import main

    assert site_of("https://WWW.One.example:8080/a?b=c") == "one.example"
    assert site_of("one.example") == "one.example" and site_of("Alpha News") == "Alpha News"
    with pytest.raises(TypeError):
        site_of(5)  # type: ignore[arg-type]
    pages = [
        ("https://www.one.example/2026/a.html", page(BODIES[0])),
        ("https://one.example/2026/b.html", page(BODIES[1])),
        ("http://two.example/c", page(BODIES[2])),
    ]
    d = Deduper()
    api = [d.feed(text, doc_id=url, site=url).text for url, text in pages]
    assert api[1] == BODIES[1] + "\n"  # two addresses of one site: its menu and footer go
    assert api[2] == pages[2][1]  # another site: kept
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps({"url": url, "text": text}) + "\n" for url, text in pages), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert (
        main(
            [
                "-q",
                "--jsonl",
                "--scope",
                "corpus",
                "--site-field",
                "url",
                "--id-field",
                "url",
                str(path),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()] == api
