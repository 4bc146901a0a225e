"""Whole builds: the corpora and the sample site build, the output is deterministic, every page is well formed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE_YAML, REPO, SAMPLE_CONTENT, TODAY, build_content, copy_tree, document, make_content, snapshot
from site_checks import broken_links, external_references, html_files, meta, parse, references, rich_site_files, url_of

BASE_URL = "https://xxgk.test.example.gov.cn/"
GOVERNMENT_META = (
    "SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate",
    "ContentSource", "KeyWords", "Author", "Description", "Url",
)


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("rich")
    return build_content(make_content(root, rich_site_files(document)), root / "build")


def markdown_files(content: Path) -> list[str]:
    return sorted(p.relative_to(content).as_posix() for p in content.rglob("*.md"))


def document_pages(out: Path) -> list[str]:
    """URLs of the pages that show one document (they carry ArticleTitle)."""
    return sorted(url_of(out, p) for p in html_files(out) if meta(parse(p), "ArticleTitle") is not None)


# --- the corpora and the sample site build ------------------------------------------------------


def test_each_real_corpus_builds_with_zero_errors_and_every_document_gets_a_page(corpus_site):
    sources = markdown_files(corpus_site.content)
    assert len(sources) in (264, 79)  # the corpora as copied (README.md)
    site = corpus_site.result.site
    assert not site.held_back and not site.drafts
    assert len(site.documents) == len(sources)
    pages = document_pages(corpus_site.out)
    assert len(pages) == len(sources)
    for rel in sources:
        # the corpora use lowercase ASCII names, so the URL is the path without ".md"
        assert (corpus_site.out / rel[: -len(".md")] / "index.html").is_file(), rel


def test_the_sample_site_builds_with_at_least_40_documents_of_every_kind(sample_site):
    site = sample_site.result.site
    documents = site.documents
    assert len(documents) + len(site.held_back) >= 40
    assert len(document_pages(sample_site.out)) == len(documents)
    assert len({d.year for d in documents}) >= 3
    labels = Counter(d.validity.label for d in documents)
    assert labels["失效"] and labels["废止"] and labels["尚未生效"], labels
    assert site.held_back, "a future-dated document"
    assert any(b"<table>" in (sample_site.out / d.url / "index.html").read_bytes() for d in documents), "a document with a table"
    assert any(d.attachments for d in documents), "a document with an attachment"
    assert any(d.interprets_link for d in documents), "a 政策解读 that interprets a policy"
    used = {d.category.split("/")[0] for d in documents}
    assert used == {c.name for c in site.config.categories}, "documents in every top-level category"


def test_the_sample_site_says_on_every_page_that_the_county_is_fictional(sample_site):
    for page in html_files(sample_site.out):
        assert "虚构" in parse(page).text_content(), url_of(sample_site.out, page)


# --- determinism -------------------------------------------------------------------------------


def test_two_builds_of_the_same_content_and_today_are_byte_identical(tmp_path):
    """Different content folders, output folders and file-creation order: the same bytes."""
    files = rich_site_files(document)
    first = build_content(make_content(tmp_path / "a", files), tmp_path / "a" / "build")
    second = build_content(make_content(tmp_path / "b" / "deeper", dict(reversed(files.items()))), tmp_path / "b" / "out")
    one, two = snapshot(first.out), snapshot(second.out)
    assert sorted(one) == sorted(two)
    assert [path for path in one if one[path] != two[path]] == []


def test_two_cli_builds_of_the_sample_site_in_separate_processes_are_byte_identical(tmp_path):
    """Separate interpreters with different hash seeds: set and dict order cannot leak into the output."""
    content = copy_tree(SAMPLE_CONTENT, tmp_path / "content")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"build-{seed}"
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "govsite", "build", "--content", str(content), "--out", str(out), "--today", TODAY.isoformat()],
            env=env, check=True, capture_output=True, timeout=300,
        )
        outs.append(snapshot(out))
    assert sorted(outs[0]) == sorted(outs[1])
    assert [path for path in outs[0] if outs[0][path] != outs[1][path]] == []


def test_a_rebuild_over_an_existing_output_gives_the_same_bytes(tmp_path):
    content = make_content(tmp_path, rich_site_files(document))
    first = snapshot(build_content(content, tmp_path / "build").out)
    assert snapshot(build_content(content, tmp_path / "build").out) == first


# --- links and hosts ------------------------------------------------------------------------------


def test_the_link_checker_finds_missing_files_and_fragments_and_accepts_encoded_chinese_paths(tmp_path):
    (tmp_path / "通知").mkdir()
    (tmp_path / "通知" / "index.html").write_text('<html><body><h1 id="top">x</h1></body></html>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<html><body><a href="/%E9%80%9A%E7%9F%A5/">ok</a><a href="%E9%80%9A%E7%9F%A5/#top">ok</a>'
        '<a href="/missing/">bad</a><img src="/static/x.png"><a href="/%E9%80%9A%E7%9F%A5/#nowhere">bad</a>'
        '<a href="https://elsewhere.example/">outside</a><a href="mailto:a@b.c">mail</a></body></html>',
        encoding="utf-8",
    )
    assert broken_links(tmp_path, BASE_URL) == [
        "/: <a href='/missing/'> → missing missing/index.html",
        "/: <img src='/static/x.png'> → missing static/x.png",
        "/: <a href='/%E9%80%9A%E7%9F%A5/#nowhere'> → no element with id='nowhere'",
    ]


def test_every_internal_link_of_the_sample_site_resolves(sample_site):
    assert broken_links(sample_site.out, sample_site.result.site.config.base_url) == []


def test_every_internal_link_of_each_corpus_resolves(corpus_site):
    assert broken_links(corpus_site.out, corpus_site.result.site.config.base_url) == []


def test_every_internal_link_resolves_with_chinese_and_spaced_paths(rich_site):
    assert broken_links(rich_site.out, BASE_URL) == []
    page = rich_site.html("zcwj/2024/kfq-1/")
    hrefs = page.xpath("//main//a/@href")
    # Chinese paths are percent-encoded, and still name the files on disk
    assert "/%E9%80%9A%E7%9F%A5%E5%85%AC%E5%91%8A/2024/%E5%85%B3%E4%BA%8E%E5%BC%80%E5%B1%95%E6%B5%8B%E8%AF%95%E7%9A%84%E9%80%9A%E7%9F%A5/" in hrefs
    assert any(h.startswith("/zcwj/2024/files/") and h.endswith(".pdf") for h in hrefs)
    for path in html_files(rich_site.out):
        for tag, attribute, value in references(parse(path)):
            assert value.isascii(), f"{url_of(rich_site.out, path)}: <{tag} {attribute}={value!r}> should be percent-encoded"


def test_internal_links_carry_the_base_path_when_the_site_lives_in_a_subfolder(tmp_path):
    site_yaml = MINIMAL_SITE_YAML.replace("https://xxgk.test.example.gov.cn/", "https://www.test.example.gov.cn/xxgk/")
    built = build_content(make_content(tmp_path, rich_site_files(document), site_yaml), tmp_path / "build")
    assert broken_links(built.out, "https://www.test.example.gov.cn/xxgk/") == []
    hrefs = built.html("zcwj/2024/kfq-1/").xpath("//a/@href")
    assert "/xxgk/" in hrefs and not any(h == "/" for h in hrefs)


def test_the_fingerprinted_stylesheet_is_linked_and_written(sample_site):
    stylesheets = parse(sample_site.out / "index.html").xpath("//link[@rel='stylesheet']/@href")
    assert len(stylesheets) == 1
    assert re.fullmatch(r"/static/style\.[0-9a-f]{8,}\.css", stylesheets[0])
    assert (sample_site.out / stylesheets[0].lstrip("/")).is_file()


def test_nothing_refers_to_an_external_host_but_source_urls_and_our_own_absolute_urls(sample_site, rich_site):
    for built in (sample_site, rich_site):
        site = built.result.site
        source_urls = {d.source_url for d in site.documents if d.source_url}
        source_urls |= {c.url for c in site.config.application.channels if c.url}  # 依申请公开: other channels
        for page, tag, attribute, value in external_references(built.out):
            if value.startswith(site.config.base_url):
                assert tag == "link", (page, tag, value)  # canonical URL and feed autodiscovery
            else:
                assert tag == "a" and value in source_urls, f"{page}: <{tag} {attribute}={value!r}>"
    assert ("通知公告/2024/关于开展测试的通知/", "a", "href", "https://www.example.gov.cn/original/1.html") in external_references(rich_site.out)


def test_the_stylesheets_fetch_nothing_from_another_host(sample_site):
    for css in (sample_site.out / "static").rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css.name
        assert "@import" not in text, css.name


def test_pages_use_no_inline_script_or_style_so_the_content_security_policy_holds(sample_site, rich_site):
    """netlify.toml sends script-src 'self'; style-src 'self': inline code and style= would be blocked."""
    for built in (sample_site, rich_site):
        for path in html_files(built.out):
            tree = parse(path)
            where = url_of(built.out, path)
            assert tree.xpath("//style") == [], where
            assert tree.xpath("//script[not(@src)]") == [], where
            assert tree.xpath("//*[@style]") == [], where
            assert tree.xpath("//@*[starts-with(name(), 'on')]") == [], where


# --- every page -----------------------------------------------------------------------------------


def test_every_page_has_exactly_one_h1_and_lang_zh_cn(sample_site, corpus_site):
    for built in (sample_site, corpus_site):
        for path in html_files(built.out):
            tree = parse(path)
            where = url_of(built.out, path)
            assert len(tree.xpath("//h1")) == 1, where
            assert tree.get("lang") == "zh-CN", where


def test_every_page_has_its_own_title(sample_site, corpus_site, rich_site):
    for built in (sample_site, corpus_site, rich_site):
        titles = Counter(parse(path).findtext(".//title").strip() for path in html_files(built.out))
        assert [title for title, count in titles.items() if count > 1] == []


def test_a_document_page_carries_every_government_meta_tag_with_the_right_value(rich_site):
    tree = rich_site.html("zcwj/2024/kfq-1/")
    expected = {
        "SiteName": "测试县人民政府信息公开",
        "SiteDomain": "xxgk.test.example.gov.cn",
        "SiteIDCode": "0000000001",
        "ColumnName": "县政府文件",
        "ArticleTitle": "测试县人民政府关于开展测试工作的通知",
        "ContentSource": "测试县人民政府",
        "Author": "测试县人民政府",
        "Description": "部署全县测试工作。",
        "Url": BASE_URL + "zcwj/2024/kfq-1/",
    }
    assert {name: meta(tree, name) for name in expected} == expected
    assert re.fullmatch(r"2024-05-01( \d\d:\d\d)?", meta(tree, "PubDate"))
    assert re.split(r"[,，;；\s]+", meta(tree, "KeyWords")) == ["测试", "工作"]


def test_every_document_page_carries_all_government_meta_tags(sample_site, corpus_site):
    for built in (sample_site, corpus_site):
        for url in document_pages(built.out):
            tree = built.html(url)
            missing = [name for name in GOVERNMENT_META if meta(tree, name) is None]
            if not built.result.site.config.site_id_code:
                missing = [name for name in missing if name != "SiteIDCode"]  # the corpora have none
            assert missing == [], url
            empty = [name for name in GOVERNMENT_META if name not in ("KeyWords", "SiteIDCode") and not meta(tree, name)]
            assert empty == [], url


def test_every_page_carries_the_site_level_meta_tags(sample_site):
    config = sample_site.result.site.config
    for path in html_files(sample_site.out):
        tree = parse(path)
        assert meta(tree, "SiteName") == config.title, url_of(sample_site.out, path)
        assert meta(tree, "SiteDomain") == config.domain
        assert meta(tree, "SiteIDCode") == config.site_id_code


def test_the_footer_shows_sponsor_site_id_icp_and_police_record_on_every_page(rich_site, sample_site):
    for built in (rich_site, sample_site):
        config = built.result.site.config
        for path in html_files(built.out):
            footer = " ".join(parse(path).xpath("string(//footer)").split())
            where = url_of(built.out, path)
            assert f"主办单位：{config.sponsor}" in footer, where
            assert f"网站标识码：{config.site_id_code}" in footer, where
            assert config.icp in footer and "ICP" in config.icp, where
            assert config.police_record in footer and "公网安备" in config.police_record, where
            assert config.office.phone in footer and config.office.email in footer, where


def test_the_footer_leaves_out_what_site_yaml_does_not_give(build_site):
    site_yaml = "\n".join(
        line for line in MINIMAL_SITE_YAML.splitlines() if not line.startswith(("sponsor", "icp", "police_record", "site_id_code"))
    )
    built = build_site({"zcwj/a.md": document()}, site_yaml=site_yaml)
    footer = built.html("zcwj/a/").xpath("string(//footer)")
    assert "主办单位" not in footer and "网站标识码" not in footer and "None" not in footer
    assert meta(built.html("zcwj/a/"), "SiteIDCode") in (None, "")
