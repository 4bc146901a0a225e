"""The sample site (content/) shows every case content/README.md's 样例覆盖 table promises."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest

from conftest import SAMPLE_CONTENT, build_content, copy_tree
from govsite.validate import document_url


def coverage_table() -> dict[int, list[str]]:
    """编号 → the files listed for it in content/README.md."""
    text = (SAMPLE_CONTENT / "README.md").read_text(encoding="utf-8")
    table = text.split("## 样例覆盖", 1)[1]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"^\|\s*(\d+)\s*\|[^|]*\|(.*)\|\s*$", line)
        if match:
            rows[int(match.group(1))] = re.findall(r"`([^`]+\.md)`", match.group(2))
    return rows


COVERAGE = coverage_table()


def page_of(site, rel: str):
    return site.html(document_url(rel))


def status_text(site, rel: str) -> str:
    return " ".join(page_of(site, rel).xpath("string(//p[contains(@class,'doc-status')])").split())


def test_the_coverage_table_lists_every_case_and_only_existing_files():
    assert sorted(COVERAGE) == list(range(2, 16))
    for number, files in COVERAGE.items():
        assert files, f"case {number} lists no file"
        for rel in files:
            assert (SAMPLE_CONTENT / rel).is_file(), rel


def test_the_sample_site_has_at_least_40_published_documents_over_every_leaf_category(sample_site):
    site = sample_site.result.site
    assert len(site.documents) >= 40
    assert not sample_site.result.warnings
    for category in site.config.all_categories():
        assert site.by_category[category.key], f"{category.key} is empty"
    assert len({d.year for d in site.documents}) >= 5


def test_the_site_says_it_is_fictional_on_every_page(sample_site):
    for url in ("", "gk/", document_url(COVERAGE[8][0])):
        assert "虚构" in sample_site.html(url).xpath("string(//*[contains(@class,'site-notice')])")


@pytest.mark.parametrize("rel", COVERAGE[2])
def test_expired_documents_stay_published_and_are_labelled_lapsed(sample_site, rel):
    status = status_text(sample_site, rel)
    assert "失效" in status and "已过期" in status


@pytest.mark.parametrize("rel", COVERAGE[3])
def test_repealed_documents_show_repealed_and_link_the_repealing_one_when_named(sample_site, rel):
    page = page_of(sample_site, rel)
    assert "废止" in status_text(sample_site, rel)
    links = page.xpath("//p[contains(@class,'doc-status')]//a/@href")
    source = (SAMPLE_CONTENT / rel).read_text(encoding="utf-8")
    if "repealed_by:" in source:
        [target] = links
        assert (sample_site.out / target.lstrip("/") / "index.html").is_file()
    else:
        assert links == []


def test_a_declared_lapsed_document_shows_lapsed(sample_site):
    [rel] = COVERAGE[4]
    assert "失效" in status_text(sample_site, rel)


@pytest.mark.parametrize("rel", COVERAGE[5])
def test_documents_not_yet_in_force_say_from_when(sample_site, rel):
    status = status_text(sample_site, rel)
    assert "尚未生效" in status and "起施行" in status


@pytest.mark.parametrize("rel", COVERAGE[6])
def test_future_dated_documents_are_held_back_until_their_date(sample_site, rel, tmp_path):
    url = document_url(rel)
    assert not (sample_site.out / url).exists()
    assert url not in (sample_site.out / "sitemap.xml").read_text()
    later = build_content(copy_tree(SAMPLE_CONTENT, tmp_path / "content"), tmp_path / "build", dt.date(2027, 1, 5))
    assert (later.out / url / "index.html").is_file()


def test_the_next_change_is_the_first_future_document(sample_site):
    change = sample_site.result.site.next_change
    assert change.date == dt.date(2026, 12, 15)


@pytest.mark.parametrize("rel", COVERAGE[7])
def test_documents_with_a_future_expiry_are_valid_and_show_it(sample_site, rel):
    status = status_text(sample_site, rel)
    assert "有效" in status and "有效期至" in status


@pytest.mark.parametrize("rel", COVERAGE[8])
def test_pipe_tables_become_accessible_tables(sample_site, rel):
    tables = page_of(sample_site, rel).xpath("//div[@class='table-wrap']/table")
    assert tables and tables[0].xpath(".//th[@scope='col']")


@pytest.mark.parametrize("rel", COVERAGE[9])
def test_attachments_are_listed_with_type_and_size_and_published(sample_site, rel):
    items = page_of(sample_site, rel).xpath("//section[contains(@class,'attachments')]//li")
    assert items
    for item in items:
        href = item.xpath("string(.//a/@href)")
        info = item.xpath("string(.//span[@class='file-info'])")
        assert re.search(r"（(PDF|CSV|XLSX|DOCX)，[\d.]+ (KB|字节|MB)）", info), info
        assert (sample_site.out / unquote(href).lstrip("/")).is_file()


@pytest.mark.parametrize("rel", COVERAGE[10])
def test_interpretations_and_their_policies_link_each_other(sample_site, rel):
    page = page_of(sample_site, rel)
    [policy] = page.xpath("//p[@class='related']/a/@href")
    policy_page = sample_site.html(policy.lstrip("/"))
    assert "/" + document_url(rel) in policy_page.xpath("//section[contains(@class,'related')]//a/@href")


@pytest.mark.parametrize("rel", COVERAGE[11])
def test_joint_documents_appear_under_every_issuing_organ(sample_site, rel):
    document = next(d for d in sample_site.result.site.documents if d.source == rel)
    assert len(document.co_issuers) >= 2
    for name in document.co_issuers:
        issuer = sample_site.result.site.config.issuers_by_name[name]
        assert "/" + document.url in sample_site.html(issuer.url).xpath("//a/@href")


def test_drafts_are_not_published(sample_site):
    [rel] = COVERAGE[12]
    assert not (sample_site.out / document_url(rel)).exists()


def test_markup_in_titles_and_bodies_is_shown_as_text(sample_site):
    title_rel, body_rel = COVERAGE[13]
    title = page_of(sample_site, title_rel).xpath("string(//h1)")
    assert "<" in title and "&" in title
    body = page_of(sample_site, body_rel)
    assert "<script>alert(1)</script>" in body.xpath("string(//div[@class='doc-body'])")
    for page in (sample_site.out).rglob("*.html"):
        assert "<script>alert" not in page.read_text(encoding="utf-8")


def test_document_numbers_in_any_bracket_or_width_are_shown_as_written(sample_site):
    for rel in COVERAGE[14]:
        document = next(d for d in sample_site.result.site.documents if d.source == rel)
        shown = page_of(sample_site, rel).xpath("string(//dt[.='文号']/following-sibling::dd)")
        assert shown == document.doc_number


@pytest.mark.parametrize("rel", COVERAGE[15])
def test_relative_links_to_markdown_files_point_to_their_pages(sample_site, rel):
    hrefs = page_of(sample_site, rel).xpath("//div[@class='doc-body']//a/@href")
    assert hrefs
    for href in hrefs:
        assert not href.endswith(".md")
        assert (sample_site.out / href.lstrip("/").split("#")[0] / "index.html").is_file()


def test_a_chinese_file_name_with_a_space_gets_a_working_page(sample_site):
    assert (sample_site.out / "gsgg/2025/停电-公告/index.html").is_file()
