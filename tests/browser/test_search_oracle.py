"""The oracle of issue 4 in the browser: window.GovsiteSearch's top 10 equals whoosh's BM25F top 10.

Compared as sets up to score ties at the cut: the page may reorder its first ten (an exact title
or 文号 first), but must not hold a document whoosh ranks below its tenth. Organ names are left
out of this query set on purpose: the page lifts an organ's own documents above scattered
matches (issue 4's organ rule), which pure BM25F does not do."""

from __future__ import annotations

import pytest

from conftest import site_with_text
from test_search_index import oracle_queries, tie_tolerance, whoosh_scores
from govsite.search.analyzer import query_words
from govsite.search.whoosh_index import update_index

SEARCH = "async (q) => (await window.GovsiteSearch.search(q, {pageSize: 10})).results.map(r => [r.url, r.matchedWords])"


def browser_top_ten(page, query: str) -> list[str]:
    """The first page of results that match every word (as whoosh_scores keeps only those)."""
    words = len(query_words(query))
    return [url for url, matched in page.evaluate(SEARCH, query) if matched == words]


def check_browser_oracle(built, serve, page, tmp_path) -> None:
    ix, _ = update_index(site_with_text(built), built.content, tmp_path / "whoosh")
    base = serve(built.out)
    page.goto(base + "search/")
    page.wait_for_function("window.GovsiteSearch !== undefined")
    organs = {d.issuer for d in built.result.site.documents}
    checked = 0
    for query in oracle_queries(built.result.site):
        if query in organs:
            continue
        whoosh = whoosh_scores(ix, query)
        if not whoosh:
            continue
        ranked = sorted(whoosh, key=lambda url: (-whoosh[url], url))
        cut = whoosh[ranked[min(9, len(ranked) - 1)]] - tie_tolerance(query)
        ours = browser_top_ten(page, query)
        expected = min(10, len(ranked))
        assert len(ours) == expected, f"{query!r}: the page shows {len(ours)} full matches on page 1, whoosh has {len(ranked)}"
        for url in ours:
            assert whoosh.get(url, -1) >= cut, (
                f"{query!r}: the page's top 10 holds {url} (whoosh score {whoosh.get(url)}), below whoosh's tenth ({cut:.3f})"
                f"\npage: {ours}\nwhoosh: {ranked[:10]}"
            )
        checked += 1
    assert checked >= 12, "the oracle must compare enough queries to mean something"


def test_the_browser_ranks_the_sample_site_as_whoosh_does(sample_site, serve, page, tmp_path):
    check_browser_oracle(sample_site, serve, page, tmp_path)


def test_the_browser_ranks_each_real_corpus_as_whoosh_does(corpus_site, serve, page, tmp_path):
    check_browser_oracle(corpus_site, serve, page, tmp_path)
