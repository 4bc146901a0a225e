"""Issue 4's ranking rules on a generated 5,000-document corpus (bench/corpus.py), in the browser."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO, build_content, site_with_text

sys.path.insert(0, str(REPO / "bench"))
from corpus import generate  # noqa: E402

SEARCH = "async ([q, size]) => (await window.GovsiteSearch.search(q, {pageSize: size})).results.map(r => [r.url, r.matchedWords, r.title, r.docNumber, r.issuer])"
BRACKETS = [("〔", "〕"), ("[", "]"), ("【", "】"), ("﹝", "﹞"), ("(", ")")]


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    root = tmp_path_factory.mktemp("large")
    return build_content(generate(root / "content", 5000), root / "build")


@pytest.fixture(scope="module")
def large_page(large, browser, serve):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(serve(large.out) + "search/")
    page.wait_for_function("window.GovsiteSearch !== undefined")
    yield page
    context.close()


def results(page, query: str, size: int = 10) -> list[list]:
    return page.evaluate(SEARCH, [query, size])


def test_an_exact_title_finds_a_document_of_that_title_first(large, large_page):
    documents = large.result.site.documents
    misses = []
    for document in documents[:: len(documents) // 60]:
        first = results(large_page, document.title)[0]
        if first[2] != document.title:
            misses.append(f"{document.title} → {first[2]}")
    assert not misses, misses


def test_a_document_number_in_any_bracket_or_width_finds_its_document_first(large, large_page):
    documents = large.result.site.documents
    misses = []
    for document in documents[:: len(documents) // 20]:
        for left, right in BRACKETS:
            query = document.doc_number.replace("〔", left).replace("〕", right)
            for spelled in (query, query.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})):
                if results(large_page, spelled)[0][0] != document.url:
                    misses.append(spelled)
    assert not misses, misses


def test_an_organ_query_ranks_documents_by_or_about_it_above_scattered_characters(large, large_page):
    """By: issued or co-issued by the organ; about: the organ named in the title. Scattered: the
    characters only apart (县审计局…财政…局), never the name as written."""
    organ = "青山县财政局"
    ranked = results(large_page, "县财政局", 10_000)
    by_url = {d.url: d for d in site_with_text(large).documents}

    def is_about(document):
        return organ in (document.issuer, *document.co_issuers) or "县财政局" in document.title

    about = [i for i, row in enumerate(ranked) if is_about(by_url[row[0]])]
    scattered = [i for i, row in enumerate(ranked) if "县财政局" not in by_url[row[0]].text + by_url[row[0]].title + by_url[row[0]].issuer]
    assert about, "the corpus must have documents by the organ"
    issued = [i for i, row in enumerate(ranked) if by_url[row[0]].issuer == organ]
    assert issued == list(range(len(issued))), "the organ's own documents come first"
    assert not scattered or max(about) < min(scattered)


def test_documents_with_both_words_come_before_documents_with_one(large_page):
    ranked = results(large_page, "政府采购 中标", 10_000)
    matched = [row[1] for row in ranked]
    assert 2 in matched and 1 in matched
    assert matched == sorted(matched, reverse=True)


def test_fetching_only_the_blocks_a_word_needs_finds_what_the_whole_postings_find(large, large_page):
    """A common token's blocks are fetched only where the word's other tokens leave documents
    (search.js `matchWord`); the results and scores must be those of the whole postings, which
    the Python reader of the index adds up (test_search_index.StaticIndex)."""
    from test_search_index import StaticIndex

    static = StaticIndex(large.out)
    assert any(isinstance(static.entry(token)[0], int) for token in ("号", "通知", "政府")), "the corpus must have blocked tokens"
    documents = large.result.site.documents
    queries = [d.doc_number for d in documents[:: len(documents) // 8]] + ["政府采购", "县财政局", "通知", "关于印发"]
    for query in queries:
        found = large_page.evaluate("async (q) => (await window.GovsiteSearch.match(q)).map(h => [h.id, h.score])", query)
        scale = static.meta["impactScale"]
        assert {static.url(doc_id): score / scale for doc_id, score in found} == static.scores(query), query
