"""Site search in a real browser: the analyzer twin, the search page, ranking on real content, a11y."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from conftest import FIXTURES, MINIMAL_SITE_YAML, document, site_with_text
from govsite.markdown import href
from govsite.search.analyzer import index_tokens, normalise, query_words
from govsite.search.shards import field_texts

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
VECTORS = json.loads((FIXTURES / "search" / "analyzer_vectors.json").read_text(encoding="utf-8"))["cases"]
MANY = "青山县"
"""A query nearly every sample document matches: several pages of results, every facet busy."""
HOSTILE_TITLE = "关于“<青山>”品牌 & 标识使用的公告"
"""content/README.md case 13."""


@pytest.fixture(scope="module")
def sample_url(sample_site, serve):
    return serve(sample_site.out)


def wait_shown(page) -> None:
    """Until the search page has drawn the state its URL names (search.js sets data-shown)."""
    page.wait_for_function(
        "() => { const app = document.getElementById('search-app');"
        " return app && app.getAttribute('data-shown') === location.search; }"
    )


def open_search(page, site_url: str, query: str = "", **params) -> None:
    pairs = [("q", query)] + [(key, v) for key, value in params.items() for v in (value if isinstance(value, list) else [value])]
    page.goto(site_url + "search/?" + urlencode(pairs))
    wait_shown(page)


def shown_links(page) -> list[str]:
    return page.eval_on_selector_all("#search-results .search-result-title a", "links => links.map(a => a.getAttribute('href'))")


def shown_dates(page) -> list[str]:
    return page.eval_on_selector_all("#search-results time", "times => times.map(t => t.getAttribute('datetime'))")


def status(page) -> str:
    return page.locator("#search-status").inner_text()


def total(page) -> int:
    found = re.fullmatch(r"找到 (\d+) 条结果", status(page))
    assert found, status(page)
    return int(found.group(1))


def url_params(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def link(document_) -> str:
    return href("/", document_.url)


def documents_of(site):
    return site_with_text(site).documents


def tokens_of(document_) -> set[str]:
    found: set[str] = set()
    for text in field_texts(document_).values():
        found.update(index_tokens(text))
    return found


def words_matched(document_, query: str) -> int:
    """How many words of the query the document has all the tokens of: the truth, from Python."""
    tokens = tokens_of(document_)
    return sum(all(token in tokens for token in word) for word in query_words(query))


def facet_counts(page, facet: str) -> dict[str, int]:
    """Value → count of one facet, all values shown (a long facet first shows eight)."""
    more = page.locator(f"#facet-more-{facet}")
    if more.count() and more.get_attribute("aria-expanded") == "false":
        more.click()
        wait_shown(page)
    rows = page.eval_on_selector_all(
        f"#search-facets input[data-facet='{facet}']",
        "boxes => boxes.map(b => [b.value, b.labels[0].querySelector('.count').textContent])",
    )
    return {value: int(re.sub(r"\D", "", count)) for value, count in rows}


# --- the analyzer is the same on both sides ---


def test_the_browser_analyzer_gives_the_tokens_of_every_shared_vector(page, sample_url):
    page.goto(sample_url + "search/")
    got = page.evaluate(
        """cases => cases.map(c => ({
            index: GovsiteSearch.indexTokens(c.input),
            query: GovsiteSearch.queryTokens(c.input),
            words: GovsiteSearch.queryWords(c.input)}))""",
        VECTORS,
    )
    wrong = [
        f"{case['input']!r} {part}: browser {mine[part]} != {case[part]}"
        for case, mine in zip(VECTORS, got)
        for part in ("index", "query", "words")
        if mine[part] != case[part]
    ]
    assert len(got) == len(VECTORS) > 10
    assert not wrong, "\n".join(wrong)


EDGE_CASES = [
    "政府\x1c采购\x85中标\ufeff公告",  # what Python's split() splits at, and U+FEFF, which it does not
    "促\u3000进　 转\u00a0型 ab 升 级",  # spaces of every width between ideographs, and not
    "ＡＢＣ ａｂｃ ①②③ ㈠ ㍻ ﬁle Ⅻ",  # NFKC expansions
    "Cafe\u0301 İstanbul ΣΑΣ ß",  # combining mark, special lower-casing
    "𠀀𠀁 中𠀂文",  # ideographs outside the BMP are not CJK here
    "第三七○号 〇〇七",
    "2024年5月20日起施行，有效期5年",
]


def test_the_browser_analyzer_agrees_with_python_on_real_text_and_edge_cases(page, sample_site, sample_url):
    from govsite.search.analyzer import query_tokens

    texts = EDGE_CASES + [text for d in documents_of(sample_site) for text in field_texts(d).values()]
    page.goto(sample_url + "search/")
    got = page.evaluate(
        "texts => texts.map(t => [GovsiteSearch.indexTokens(t), GovsiteSearch.queryTokens(t), GovsiteSearch.queryWords(t)])", texts
    )
    wrong = [text[:60] for text, mine in zip(texts, got) if mine != [index_tokens(text), query_tokens(text), query_words(text)]]
    assert not wrong, wrong


# --- the page, as a reader uses it ---


def test_a_title_typed_into_the_header_box_on_the_home_page_shows_that_document_first(page, sample_site, sample_url):
    wanted = next(d for d in documents_of(sample_site) if d.source == "zcwj/xzfbwj/2024/qzbf-2024-15.md")
    page.goto(sample_url)
    page.fill("#site-search", wanted.title)
    page.press("#site-search", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    wait_shown(page)
    assert page.input_value("#search-q") == wanted.title
    assert total(page) >= 1
    assert shown_links(page)[0] == link(wanted)
    first = page.locator("#search-results .search-result").first
    meta = first.locator(".search-result-meta").inner_text()
    assert wanted.issuer in meta and wanted.date.isoformat() in meta and wanted.doc_number in meta
    assert first.locator(".validity").inner_text() == wanted.validity.label
    assert first.locator(".validity").get_attribute("class") == f"validity validity-{wanted.validity.css}"


def test_ticking_a_facet_narrows_results_and_counts_and_puts_the_filter_in_the_url(page, sample_site, sample_url):
    open_search(page, sample_url, MANY)
    before, years_before, issuers_before = total(page), facet_counts(page, "year"), facet_counts(page, "issuer")
    assert len(years_before) > 2 and sum(years_before.values()) == before
    page.get_by_role("checkbox", name=re.compile(r"^2024年")).check()
    wait_shown(page)
    after = total(page)
    assert after == years_before["2024"] < before
    assert url_params(page)["year"] == ["2024"]
    assert page.get_by_role("checkbox", name=re.compile(r"^2024年")).is_checked()
    assert {date[:4] for date in shown_dates(page)} == {"2024"}
    # the other facets now count only 2024's results; the year facet still offers the other years
    issuers_after = facet_counts(page, "issuer")
    assert sum(issuers_after.values()) == after and issuers_after != issuers_before
    assert facet_counts(page, "year") == years_before
    # a second year is OR, an issuer is AND
    page.get_by_role("checkbox", name=re.compile(r"^2023年")).check()
    wait_shown(page)
    assert total(page) == years_before["2024"] + years_before["2023"]
    issuer, count = next((name, n) for name, n in facet_counts(page, "issuer").items() if n < total(page))
    page.locator(f"#search-facets input[data-facet='issuer'][value='{issuer}']").check()
    wait_shown(page)
    assert total(page) == count
    assert url_params(page) == {"q": [MANY], "issuer": [issuer], "year": ["2024", "2023"]}
    expected = {
        link(d)
        for d in documents_of(sample_site)
        if words_matched(d, MANY) and d.issuer == issuer and d.year in (2023, 2024)
    }
    assert set(shown_links(page)) == expected


def test_a_category_facet_counts_each_document_under_its_column_and_every_parent(page, sample_site, sample_url):
    open_search(page, sample_url, MANY)
    counts = facet_counts(page, "category")
    matching = [d for d in documents_of(sample_site) if words_matched(d, MANY)]
    for key, count in counts.items():
        assert count == sum(d.category == key or d.category.startswith(key + "/") for d in matching), key
    parent = next(key for key in counts if "/" not in key and any(k.startswith(key + "/") for k in counts))
    page.locator(f"#search-facets input[data-facet='category'][value='{parent}']").check()
    wait_shown(page)
    assert total(page) == counts[parent]


def test_sorting_by_date_lists_the_newest_first(page, sample_site, sample_url):
    open_search(page, sample_url, MANY)
    by_relevance = shown_dates(page)
    page.get_by_label("按发布日期").check()
    wait_shown(page)
    assert url_params(page)["sort"] == ["date"]
    dates = shown_dates(page)
    newest = max(d.date for d in documents_of(sample_site) if words_matched(d, MANY)).isoformat()
    assert dates[0] == newest
    assert dates == sorted(dates, reverse=True) and dates != by_relevance
    page.get_by_role("link", name="下一页").click()
    wait_shown(page)
    second = shown_dates(page)
    assert second == sorted(second, reverse=True) and second[0] <= dates[-1]


def test_paging_forward_then_going_back_restores_the_previous_list(page, sample_url):
    open_search(page, sample_url, MANY)
    first = shown_links(page)
    assert page.locator(".pagination a[aria-current='page']").inner_text() == "1"
    page.get_by_role("link", name="下一页").click()
    wait_shown(page)
    second = shown_links(page)
    assert url_params(page)["page"] == ["2"]
    assert page.locator(".pagination a[aria-current='page']").inner_text() == "2"
    assert second and not set(second) & set(first)
    assert page.evaluate("document.activeElement.id") == "search-results-heading"
    page.go_back()
    wait_shown(page)
    assert "page" not in url_params(page)
    assert shown_links(page) == first
    page.go_forward()
    wait_shown(page)
    assert shown_links(page) == second


def test_a_result_list_url_opened_directly_shows_the_same_list(page, sample_url):
    open_search(page, sample_url, MANY)
    page.get_by_role("checkbox", name=re.compile(r"^有效")).check()
    wait_shown(page)
    page.get_by_label("按发布日期").check()
    wait_shown(page)
    page.get_by_role("link", name="下一页").click()
    wait_shown(page)
    address, links, said = page.url, shown_links(page), status(page)
    assert set(url_params(page)) == {"q", "validity", "sort", "page"}
    other = page.context.new_page()
    other.goto(address)
    wait_shown(other)
    assert (shown_links(other), status(other), other.input_value("#search-q")) == (links, said, MANY)
    assert other.get_by_role("checkbox", name=re.compile(r"^有效")).is_checked()
    assert other.get_by_label("按发布日期").is_checked()


def test_a_query_with_no_results_says_so_and_points_to_the_catalogue(page, sample_url):
    open_search(page, sample_url, "量子计算机")
    assert status(page) == "找到 0 条结果"
    empty = page.locator("#search-empty")
    assert empty.is_visible() and "没有找到与“量子计算机”相关的信息" in empty.inner_text()
    assert empty.get_by_role("link", name="政府信息公开目录").get_attribute("href") == "/gk/"
    assert not page.locator("#search-layout").is_visible()


def test_without_javascript_the_page_says_so_and_links_the_catalogue(browser, sample_url):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(sample_url + "search/?q=" + MANY)
    message = page.locator("main .search-message").first
    assert message.is_visible() and "JavaScript" in message.inner_text()
    assert message.get_by_role("link", name="政府信息公开目录").get_attribute("href") == "/gk/"
    assert not page.locator("#search-app").is_visible()
    context.close()


def test_facets_sorting_and_pages_work_from_the_keyboard_alone(page, sample_url):
    open_search(page, sample_url, MANY)
    page.focus("#search-q")

    def tab_to(script: str) -> None:
        for _ in range(120):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return {script}; }})()"):
                return
        raise AssertionError(f"Tab never reached {script}")

    tab_to("e.dataset.facet === 'year' && e.value === '2024'")
    page.keyboard.press("Space")
    wait_shown(page)
    assert url_params(page)["year"] == ["2024"]
    assert page.evaluate("document.activeElement.value") == "2024"  # focus stays on the box
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    open_search(page, sample_url, MANY)
    page.focus("#search-q")
    tab_to("e.id === 'sort-relevance'")
    page.keyboard.press("ArrowRight")  # radio group: arrows move and choose
    wait_shown(page)
    assert url_params(page)["sort"] == ["date"]
    tab_to("e.textContent === '下一页'")
    page.keyboard.press("Enter")
    wait_shown(page)
    assert url_params(page)["page"] == ["2"]
    assert page.evaluate("document.activeElement.id") == "search-results-heading"


# --- content is text, and nothing leaves the site ---


def test_a_hostile_title_and_script_text_from_a_body_show_as_text(page, sample_url):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_search(page, sample_url, HOSTILE_TITLE)
    assert page.locator("#search-results .search-result-title a").first.inner_text() == HOSTILE_TITLE
    api = page.evaluate(f"GovsiteSearch.search({json.dumps(HOSTILE_TITLE)})")
    assert api["results"][0]["title"] == HOSTILE_TITLE
    open_search(page, sample_url, "<script>alert(1)</script>")
    snippets = page.locator("#search-results .search-snippet").all_inner_texts()
    assert any("<script>alert(1)</script>" in text for text in snippets), snippets
    assert page.locator("#search-results script, #search-results img, #search-results [onerror]").count() == 0
    scripts = page.eval_on_selector_all("script", "all => all.map(s => s.getAttribute('src'))")
    assert len(scripts) == 1 and re.fullmatch(r"/static/search\.[0-9a-f]+\.js", scripts[0])
    api = page.evaluate("GovsiteSearch.search('<script>alert(1)</script>')")
    html = " ".join(r["snippetHtml"] for r in api["results"])
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(<mark>1</mark>)&lt;/<mark>script</mark>&gt;" in html
    assert dialogs == []


def test_snippets_show_the_text_around_a_match_with_the_words_marked(page, sample_url):
    open_search(page, sample_url, "政府采购 中标")
    marks = page.locator("#search-results .search-snippet mark").all_inner_texts()
    assert "政府采购" in marks and "中标" in marks
    for text in page.locator("#search-results .search-snippet").all_inner_texts():
        assert len(text) <= 82  # about 80 characters, plus … at a cut


def test_the_search_page_requests_nothing_outside_the_site(page, sample_url):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(sample_url)
    page.fill("#site-search", MANY)
    page.press("#site-search", "Enter")
    page.wait_for_url(re.compile(r"/search/"))
    wait_shown(page)
    page.get_by_role("checkbox", name=re.compile(r"^有效")).check()
    wait_shown(page)
    page.get_by_role("link", name="下一页").click()
    wait_shown(page)
    open_search(page, sample_url, "量子计算机")
    assert any("/search/s/" in url for url in requests) and any("/search/f/" in url for url in requests)
    outside = [url for url in requests if not url.startswith(sample_url)]
    assert not outside, outside


def test_a_query_fetches_only_its_shards_and_the_fragments_of_the_page_shown(page, sample_url):
    fetched = []
    page.on("request", lambda request: fetched.append(urlsplit(request.url).path) if "/search/" in request.url else None)
    query = "县财政局 预算"
    open_search(page, sample_url, query)
    tokens = {token for word in query_words(query) for token in word}
    shards = [p for p in fetched if p.startswith("/search/s/")]
    fragments = [p for p in fetched if p.startswith("/search/f/")]
    assert len([p for p in fetched if re.fullmatch(r"/search/meta\.\w+\.json", p)]) == 1
    assert len([p for p in fetched if re.fullmatch(r"/search/t\.\w+\.json", p)]) == 1
    # a bucket per token at most, plus the one of "@县财政局" (who names the organ whole: shards.OrganMentions)
    assert 1 <= len(shards) <= len(tokens) + 1 and len(set(shards)) == len(shards)
    assert len(fragments) == len(set(fragments)) == len(shown_links(page)) == 10
    fetched.clear()
    page.get_by_role("link", name="下一页").click()
    wait_shown(page)
    assert fetched and all(p.startswith("/search/f/") for p in fetched)  # meta, table and shards are cached


# --- ranking on real content ---

FIRST_BY_TITLE = """async (docs) => {
  const misses = [];
  for (const [title, url, allowed] of docs) {
    const found = await GovsiteSearch.search(title, {pageSize: 3});
    const first = found.results.length ? found.results[0].url : null;
    if (!allowed.includes(first)) misses.push(`${title} (${url}): first was ${first}`);
  }
  return misses;
}"""


def titles_not_found_first(page, site, site_url) -> list[str]:
    """Every document searched by its exact title; a title two documents share may find either."""
    documents = documents_of(site)
    by_title: dict[str, list[str]] = {}
    for d in documents:
        by_title.setdefault(d.title, []).append(d.url)
    page.goto(site_url + "search/")
    return page.evaluate(FIRST_BY_TITLE, [[d.title, d.url, by_title[d.title]] for d in documents])


def test_every_sample_document_is_found_first_by_its_exact_title(page, sample_site, sample_url):
    misses = titles_not_found_first(page, sample_site, sample_url)
    assert not misses, f"{len(misses)} of {len(documents_of(sample_site))}:\n" + "\n".join(misses)


def test_every_corpus_document_is_found_first_by_its_exact_title(page, corpus_site, serve):
    misses = titles_not_found_first(page, corpus_site, serve(corpus_site.out))
    assert not misses, f"{len(misses)} of {len(documents_of(corpus_site))}:\n" + "\n".join(misses)


OPENERS, CLOSERS = "〔[【(", "〕]】)"
BRACKETS = ["〔〕", "[]", "【】", "﹝﹞", "()", "（）"]
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def bracket_variants(number: str) -> list[str]:
    """The 文号 in every bracket style, and with full-width digits."""
    plain = unicodedata.normalize("NFKC", number)  # ２０２１ → 2021, ﹝ → 〔, （ → (
    variants = []
    for pair in BRACKETS:
        table = {ord(c): pair[0] for c in OPENERS} | {ord(c): pair[1] for c in CLOSERS}
        variants.append(plain.translate(table))
    variants.append(variants[0].translate(FULL_WIDTH_DIGITS))
    return variants


def test_a_doc_number_in_any_bracket_variant_finds_its_document_first(page, sample_site, sample_url):
    numbered = [d for d in documents_of(sample_site) if d.doc_number]
    assert len(numbered) > 20
    queries = [[variant, d.url, [d.url]] for d in numbered for variant in bracket_variants(d.doc_number)]
    assert any("[" in q for q, _, _ in queries) and any("１" in q or "２" in q for q, _, _ in queries)
    page.goto(sample_url + "search/")
    misses = page.evaluate(FIRST_BY_TITLE, queries)
    assert not misses, "\n".join(misses)


def ranked_urls(page, query: str) -> list[str]:
    found = page.evaluate("q => GovsiteSearch.search(q, {pageSize: 1000})", query)
    assert found["total"] == len(found["results"])
    return [r["url"] for r in found["results"]]


def organ_order_problems(page, site, query: str, organ: str) -> list[str]:
    """Documents issued by `organ` (or naming it whole) must rank above those with its characters
    only scattered (县审计局…财政…民政局)."""
    ranked = ranked_urls(page, query)
    documents = {d.url: d for d in documents_of(site)}
    issued = [d.url for d in documents.values() if organ in (d.issuer, *d.co_issuers)]
    short = normalise(query)

    def names_it(d) -> bool:
        return any(short in normalise(text).replace(" ", "") for text in field_texts(d).values())

    scattered = [url for url in ranked if not names_it(documents[url])]
    problems = [f"{url} (issued by {organ}) not found" for url in issued if url not in ranked]
    if scattered and issued and not problems:
        last_issued = max(ranked.index(url) for url in issued)
        problems += [f"{url} (scattered) at {ranked.index(url)} above an issued one at {last_issued}" for url in scattered if ranked.index(url) < last_issued]
    return problems


def test_an_organ_query_ranks_the_organs_documents_above_scattered_characters(page, sample_site, sample_url, build_site, serve):
    page.goto(sample_url + "search/")
    for query in ("县财政局", "财政局"):
        assert not organ_order_problems(page, sample_site, query, "青山县财政局"), query
    # the sample names its organs whole; a site where the characters also stand apart
    site_yaml = MINIMAL_SITE_YAML.replace('  - "测试县教育局"\n', '  - "测试县教育局"\n  - "测试县审计局"\n')
    scattered_body = (
        "本次审计重点关注县财力保障情况和财政资金使用绩效，延伸审计了县民政局、县教育局等部门。"
        "审计发现，部分财政专项资金拨付不及时，县民政局的社会救助资金存在滞留。\n\n" * 4
    )
    finance = {"category": "政策文件/部门文件", "issuer": "测试县财政局"}
    others = {"category": "公示公告"}
    built = build_site(
        {
            "zcwj/bmwj/a.md": document(
                title="关于做好2025年部门预算编制工作的通知", date="2024-10-08", body="各预算单位：现就2025年部门预算编制工作通知如下。\n", **finance
            ),
            "zcwj/bmwj/b.md": document(title="测试县2023年县级财政决算公开", date="2024-09-05", body="2023年县级财政决算已经审查批准。\n", **finance),
            "gsgg/c.md": document(
                title="测试县审计局关于2023年度县级预算执行和其他财政收支情况的审计工作报告",
                issuer="测试县审计局", date="2024-08-30", body=scattered_body, **others,
            ),
            "gsgg/d.md": document(
                title="关于县财力保障和财政资金使用情况的说明", issuer="测试县教育局", date="2024-11-01",
                body="县民政局、县教育局按照县财力保障要求使用财政资金。\n", **others,
            ),
            # names the organ once, deep in a long text: a low BM25F score, but about the organ
            "gsgg/e.md": document(
                title="县教育局2024年学校经费管理情况", issuer="测试县教育局", date="2024-06-01",
                body="各学校经费管理总体规范，资金使用情况良好。\n\n" * 40 + "下一步，县教育局将会同县财政局开展专项检查。\n", **others,
            ),
        },
        site_yaml=site_yaml,
    )
    page.goto(serve(built.out) + "search/")
    ranked = ranked_urls(page, "县财政局")
    assert len(ranked) == 5  # all five match, two only scattered
    problems = organ_order_problems(page, built, "县财政局", "测试县财政局")
    assert not problems, problems
    assert ranked.index("gsgg/e/") < min(ranked.index("gsgg/c/"), ranked.index("gsgg/d/")), ranked


@pytest.mark.parametrize("query", ["政府采购 中标", "最低生活保障 标准", "乡村振兴 专项资金", "促进 发展"])
def test_a_two_word_query_returns_documents_with_both_words_before_those_with_one(page, sample_site, sample_url, query):
    page.goto(sample_url + "search/")
    ranked = ranked_urls(page, query)
    matched = {d.url: words_matched(d, query) for d in documents_of(sample_site)}
    assert set(ranked) == {url for url, n in matched.items() if n}
    counts = [matched[url] for url in ranked]
    assert 2 in counts and 1 in counts, f"{query}: the sample should have documents with both words and with one"
    assert counts == sorted(counts, reverse=True), list(zip(ranked, counts))


def test_equally_relevant_documents_list_the_valid_one_before_the_repealed_one(page, build_site, serve):
    same = {"title": "关于加强城乡环境卫生管理的通知", "category": "政策文件/县政府文件", "body": "各乡镇：现就加强城乡环境卫生管理通知如下。\n"}
    built = build_site(
        {
            "zcwj/xzfwj/old.md": document(date="2021-03-01", **same),
            "zcwj/xzfwj/new.md": document(date="2024-03-01", validity="废止", **same),
        }
    )
    page.goto(serve(built.out) + "search/")
    found = page.evaluate("GovsiteSearch.search('城乡环境卫生')")
    assert [(r["url"], r["validity"]) for r in found["results"]] == [("zcwj/xzfwj/old/", "有效"), ("zcwj/xzfwj/new/", "废止")]
    assert found["results"][0]["score"] == found["results"][1]["score"]
    by_date = page.evaluate("GovsiteSearch.search('城乡环境卫生', {sort: 'date'})")
    assert [r["url"] for r in by_date["results"]] == ["zcwj/xzfwj/new/", "zcwj/xzfwj/old/"]


# --- accessibility ---


def axe_report(page) -> str:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options=WCAG)
    return result.generate_report() if result.violations_count else ""


def test_the_search_page_passes_axe_with_results_facets_and_pagination(page, sample_url):
    open_search(page, sample_url, MANY)
    assert page.locator("#search-facets fieldset").count() == 4
    assert page.locator(".pagination").is_visible() and page.locator(".search-snippet mark").count() > 0
    assert axe_report(page) == ""
    page.get_by_role("checkbox", name=re.compile(r"^2024年")).check()
    wait_shown(page)
    assert axe_report(page) == ""


def test_the_search_page_passes_axe_with_no_results(page, sample_url):
    open_search(page, sample_url, "量子计算机")
    assert page.locator("#search-empty").is_visible()
    assert axe_report(page) == ""


def test_the_search_page_with_results_reflows_at_320_css_pixels(browser, sample_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 320, "height": 640})
    page = context.new_page()
    open_search(page, sample_url, HOSTILE_TITLE)
    open_search(page, sample_url, MANY, sort="date")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    folded = not page.locator("#search-facets-panel").evaluate("d => d.open")
    context.close()
    assert overflow <= 0
    assert folded  # on a phone the facets start folded, so the results come first
