"""Accessibility in a real browser: axe (WCAG 2.1 A/AA) on every template, reflow, keyboard, CSP."""

from __future__ import annotations

import pytest

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}


def template_pages(site) -> dict[str, str]:
    """One URL per page template (and per validity label) of the sample site."""
    documents = site.result.site.documents
    by_label = {}
    for document in documents:
        by_label.setdefault(document.validity.label, document.url)
    with_table = next(d.url for d in documents if site.html(d.url).xpath("//main//table"))  # (bodies are not kept in memory)
    with_attachment = next(d.url for d in documents if d.attachments)
    config = site.result.site.config
    leaf = next(c for c in config.all_categories() if not c.children and site.result.site.by_category[c.key])
    return {
        "home": "",
        "catalogue": "gk/",
        "category": config.categories[0].url,
        "leaf category": leaf.url,
        "issuers": "jigou/",
        "issuer": config.issuers[0].url,
        "year": f"nian/{documents[0].year}/",
        "document with a table": with_table,
        "document with attachments": with_attachment,
        **{f"document {label}": url for label, url in by_label.items()},
        "search": "search/",
        "依申请公开": "ysqgk/",
        "依申请公开 submitted": "ysqgk/tijiao/",
        "404": "404.html",
        "guide": "gkzn/",
        "reports": "ndbg/",
        "report": f"ndbg/{site.result.site.reports.reports[0].year}/",
    }


@pytest.fixture(scope="module")
def sample_url(sample_site, serve):
    return serve(sample_site.out)


def test_every_template_passes_axe_wcag_21_aa(page, sample_site, sample_url):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    failures = []
    for kind, url in template_pages(sample_site).items():
        page.goto(sample_url + url)
        result = axe.run(page, options=WCAG)
        if result.violations_count:
            failures.append(f"{kind} (/{url}):\n{result.generate_report()}")
    assert not failures, "\n\n".join(failures)


def test_pages_reflow_at_320_css_pixels_without_sideways_scrolling(browser, sample_site, sample_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 320, "height": 640})
    page = context.new_page()
    wide = []
    for kind, url in template_pages(sample_site).items():
        page.goto(sample_url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide.append(f"{kind} (/{url}) is {overflow}px too wide")
    context.close()
    assert not wide, "\n".join(wide)


def test_first_tab_stop_is_the_skip_link_and_it_moves_focus_to_the_main_content(page, sample_url):
    page.goto(sample_url)
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent, document.activeElement.getAttribute('href')]")
    assert focused == ["跳到主要内容", "#main"]
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-160px"  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pages_load_under_the_netlify_csp_with_no_console_errors(page, sample_site, sample_url):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    for url in template_pages(sample_site).values():
        # networkidle: leaving the search page while its index loads would abort those requests
        response = page.goto(sample_url + url, wait_until="networkidle")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # the stylesheet really applied (a CSP block would leave the browser default serif)
        assert page.evaluate("getComputedStyle(document.body).lineHeight") != "normal"
    assert not [e for e in errors if "404" not in e], errors


def test_validity_labels_are_words_not_only_colour(page, sample_site, sample_url):
    pages = template_pages(sample_site)
    for label in ("失效", "废止", "尚未生效"):
        page.goto(sample_url + pages[f"document {label}"])
        status = page.locator(".doc-status").inner_text()
        assert label in status
        # the label sits right under the title, above the metadata box
        title_box = page.locator("h1").bounding_box()
        status_box = page.locator(".doc-status").bounding_box()
        assert 0 <= status_box["y"] - (title_box["y"] + title_box["height"]) < 40


def test_report_tables_scroll_inside_a_focusable_region_at_360_pixels(browser, sample_site, sample_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(sample_url + template_pages(sample_site)["report"])
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    regions = page.locator(".report-table")
    assert regions.count() == 6
    wide = page.evaluate("[...document.querySelectorAll('.report-table')].map(r => r.scrollWidth > r.clientWidth)")
    assert wide[4] and wide[5], "tables 三 and 四 should scroll sideways inside their region"
    # a keyboard user reaches the region and scrolls it with the arrow keys
    region = regions.nth(4)
    region.focus()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "收到和处理政府信息公开申请情况（可左右滚动）"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # (polled from here: wait_for_function's polling evaluates a string in the page, which the CSP refuses)
    for _ in range(100):
        if page.evaluate("document.activeElement.scrollLeft") > 0:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("document.activeElement.scrollLeft") > 0, "the arrow keys scroll the focused table"
    context.close()
