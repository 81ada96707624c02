"""Every removal across documents points to a copy that stays, and says so consistently.

Within a document the rule removes later copies and keeps the first; across documents the
policy may then remove that first copy too. What the document's own removals point to
must follow: a removal never points to a paragraph that was itself removed (for the
``seen`` policy), and Match and Block records agree on where the kept copy is.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedupe import Block, Deduper, Explained, Match, dedupe_and_explain, split_paragraphs
from dedupe.normalize import normalize
from dedupe.verify import score
from tests.scale import SCALE

THRESHOLD = 0.9

P = "A paragraph long enough to count as prose rather than a heading, repeated by a careless scraper."
STORY = "The council approved the flood barrier on Tuesday, the largest public works project in the city's history."
# A chain of near copies: STORY ≈ NEAR, NEAR ≈ FAR, but FAR is not a copy of STORY.
NEAR = STORY.replace("Tuesday", "Monday")
FAR = NEAR.replace("largest public", "biggest civic").replace("history", "past")


def test_the_chain_is_a_chain() -> None:
    a, b, c = (normalize(t) for t in (STORY, NEAR, FAR))
    assert score(a, b) >= THRESHOLD and score(b, c) >= THRESHOLD and score(a, c) < THRESHOLD


@pytest.mark.parametrize("policy", ["seen", "boilerplate"])
def test_a_repeat_of_a_paragraph_seen_before_points_to_the_kept_copy(policy: str) -> None:
    docs = {"one": f"{P}\n", "two": f"{P}\nsecond\n{P}\n"}
    results = feed_all(Deduper(policy=policy), list(docs.items()))
    two = results["two"]
    assert two.text == "second\n"
    # Paragraph 2 repeats paragraph 0 of "two", which went because "one" holds it: both point to "one".
    assert [(m.index, m.kept_doc, m.kept_index, m.kept_span) for m in two.removed] == [
        (0, "one", 0, (0, len(P))),
        (2, "one", 0, (0, len(P))),
    ]
    assert [(b.first, b.last, b.kept_doc, b.kept_first, b.kept_last, b.kept_span) for b in two.blocks] == [
        (0, 0, "one", 0, 0, (0, len(P))),
        (2, 2, "one", 0, 0, (0, len(P))),
    ]
    assert two.blocks[1].reason == f"repeated paragraph of {len(normalize(P))} characters"
    check_pointers(docs, results, policy)


def test_a_near_repeat_keeps_pointing_to_a_verified_copy_or_stays() -> None:
    # In "two", FAR copies NEAR (kept there by the rule), then NEAR goes as a copy of "one"'s STORY.
    # FAR is no copy of STORY: removing it would chain, so it stays, and its own later copy points to it.
    docs = {"one": f"{STORY}\n", "two": f"{NEAR}\nx\n{FAR}\ny\n{FAR}\n"}
    results = feed_all(Deduper(max_copies=3), list(docs.items()))
    two = results["two"]
    assert two.text == f"x\n{FAR}\ny\n"
    assert [(m.index, m.kept_doc, m.kept_index, m.kind) for m in two.removed] == [
        (0, "one", 0, "near"),
        (4, None, 2, "exact"),
    ]
    assert two.kept == []
    check_pointers(docs, results, "seen")
    # What stays is indexed: a later document's copy of FAR goes, pointing to "two".
    d = Deduper(max_copies=3)
    feed_all(d, list(docs.items()))
    three = d.feed(f"{FAR}\n", doc_id="three")
    assert three.text == "\n" and three.removed[0].kept_doc == "two" and three.removed[0].kept_index == 2


def test_a_repeat_left_in_place_stops_being_one_when_its_copy_goes() -> None:
    # Three copies of P: a template line to the rule (max_copies=2), all three kept; then all go as seen before.
    docs = {"one": f"{P}\n", "two": f"{P}\na\n{P}\nb\n{P}\n"}
    two = feed_all(Deduper(), list(docs.items()))["two"]
    assert two.text == "a\nb\n"
    assert [(m.index, m.kept_doc) for m in two.removed] == [(0, "one"), (2, "one"), (4, "one")]
    assert two.kept == [] and all(b.removed for b in two.blocks)


# -- the property, on documents made of copies, near copies and chains of near copies --------

LINES = [
    P,
    STORY,
    NEAR,
    FAR,
    "Shares of the chipmaker fell 8 percent after it cut its forecast for the third quarter in a row.",
    "Shares of the chip maker fell 8 percent after it cut its forecast for the third quarter in a row.",
    "서울시는 내년부터 심야 버스 노선을 열두 개 늘리고 배차 간격을 십오 분으로 줄이기로 했다.",
    "Calendário Stock Car 2018",
    "Photo: Reuters",
    "Read more",
]

documents = st.lists(
    st.tuples(st.sampled_from(["a.example", "b.example"]), st.lists(st.sampled_from(LINES), min_size=1, max_size=7)),
    min_size=1,
    max_size=6,
)


def feed_all(d: Deduper, docs: list[tuple[str, str]], sites: dict[str, str] | None = None) -> dict[str, Explained]:
    site = (sites or {}).get
    if d.policy == "boilerplate":
        for doc, text in docs:
            d.count(text, doc_id=doc, site=site(doc))
    return {doc: d.feed(text, doc_id=doc, site=site(doc)) for doc, text in docs}


def check_pointers(texts: dict[str, str], results: dict[str, Explained], policy: str) -> None:
    """Every removal and block names a paragraph that exists, and (seen) one that its document kept."""
    paragraphs = {doc: split_paragraphs(text) for doc, text in texts.items()}
    removed = {doc: {m.index for m in r.removed} for doc, r in results.items()}
    for doc, result in results.items():
        own = paragraphs[doc]
        for m in result.removed:
            target = m.kept_doc if m.kept_doc is not None else doc
            kept = paragraphs[target][m.kept_index]
            assert m.kept_span == (kept.start, kept.end), (doc, m)
            assert m.span == (own[m.index].start, own[m.index].end)
            a, b = normalize(own[m.index].text), normalize(kept.text)
            if policy == "seen" or m.kept_doc is None:
                # The copy it points to stays where it is, and the removal was verified against it.
                assert m.kept_index not in removed[target], (doc, m, "points to a removed paragraph")
                assert score(a, b) >= THRESHOLD and abs(score(a, b) - m.score) < 1e-9, (doc, m)
                assert (m.kind == "exact") == (a == b), (doc, m)
            else:
                # Boilerplate keeps nothing: the pointer names the first occurrence (by document id) of the same text.
                assert a == b, (doc, m)
                holders = [d for d in texts if any(normalize(p.text) == a for p in paragraphs[d])]
                assert target == min(holders) and b not in {
                    normalize(p.text) for p in paragraphs[target][: m.kept_index]
                }
        for m in result.kept:  # repeats left in place: both copies are still there
            assert m.index not in removed[doc] and m.kept_index not in removed[doc], (doc, m)
        check_blocks(doc, result, paragraphs)


def check_blocks(doc: str, result: Explained, paragraphs: dict[str, list]) -> None:
    by_block: dict[int, list[Match]] = {}
    for m in [*result.removed, *result.kept]:
        by_block.setdefault(m.block, []).append(m)
    for b in result.blocks:
        matches: list[Match] = sorted(by_block.pop(b.index), key=lambda m: m.index)
        assert isinstance(b, Block) and b.removed == (matches[0] in result.removed)
        assert (b.first, b.last) == (matches[0].index, matches[-1].index)
        assert {m.kept_doc for m in matches} == {b.kept_doc}, (doc, b, matches)
        assert (b.kept_first, b.kept_last) == (matches[0].kept_index, matches[-1].kept_index), (doc, b)
        target = paragraphs[b.kept_doc if b.kept_doc is not None else doc]
        assert b.kept_span == (target[b.kept_first].start, target[b.kept_last].end), (doc, b)
        if b.kept_doc is not None:  # a run copying consecutive paragraphs of the other document
            assert [m.kept_index for m in matches] == list(range(b.kept_first, b.kept_last + 1)), (doc, b)
    assert by_block == {}


def named(raw: list[tuple[str, list[str]]]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    docs = [(f"d{k}", "\n".join(lines) + "\n") for k, (_, lines) in enumerate(raw)]
    return docs, {f"d{k}": site for k, (site, _) in enumerate(raw)}


@settings(max_examples=60 * SCALE, deadline=None)
@given(raw=documents, policy=st.sampled_from(["seen", "boilerplate"]), max_copies=st.sampled_from([2, 3]))
@example(raw=[("a.example", [P]), ("a.example", [P, "second", P])], policy="seen", max_copies=2)
@example(raw=[("a.example", [P]), ("a.example", [P, "second", P])], policy="boilerplate", max_copies=2)
def test_every_removal_points_to_a_copy_that_stays(raw, policy, max_copies) -> None:
    docs, sites = named(raw)
    results = feed_all(Deduper(policy=policy, max_copies=max_copies), docs, sites)
    for site in set(sites.values()):  # scopes do not meet: check each site's documents together
        mine = [doc for doc, _ in docs if sites[doc] == site]
        check_pointers({doc: text for doc, text in docs if doc in mine}, {doc: results[doc] for doc in mine}, policy)


@settings(max_examples=60 * SCALE, deadline=None)
@given(raw=documents, max_copies=st.sampled_from([2, 3]))
@example(raw=[("a.example", [STORY]), ("a.example", [NEAR, "x", FAR])], max_copies=2)
def test_seen_before_keeps_what_the_rule_says_brute_force(raw, max_copies) -> None:
    """Which paragraphs stay, recomputed by brute force (all pairs scored, no LSH).

    The document's rule first; a paragraph it keeps goes if it copies one kept by an earlier
    document of its site. A paragraph the rule removed stays removed, unless its kept copy
    went that way and it is a near copy (other normalised text) of no paragraph kept
    earlier: then its first occurrence stays (later ones are its exact copies).
    """
    docs, sites = named(raw)
    d = Deduper(max_copies=max_copies)
    earlier: dict[str, list[str]] = {}
    for doc, text in docs:
        result = d.feed(text, doc_id=doc, site=sites[doc])
        keys = [normalize(p.text) for p in split_paragraphs(text)]
        before = earlier.setdefault(sites[doc], [])

        def seen(key: str, before: list[str] = before) -> bool:
            return any(score(key, e) >= THRESHOLD for e in before)

        within = {m.index: m.kept_index for m in dedupe_and_explain(text, max_copies=max_copies).removed}
        gone = {i for i, key in enumerate(keys) if i not in within and seen(key)}
        for i, k in within.items():
            if k not in gone or keys[i] == keys[k] or seen(keys[i]):
                gone.add(i)
        stays_after_all = {keys[i] for i in within if i not in gone}
        for key in stays_after_all:  # its later occurrences copy the first one exactly
            gone.update([i for i in within if keys[i] == key][1:])
        assert {m.index for m in result.removed} == gone, (doc, keys)
        before.extend(keys[i] for i in range(len(keys)) if i not in gone)
