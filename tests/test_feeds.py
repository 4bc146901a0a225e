"""RSS feeds (parsed by feedparser and by a strict lxml checker), autodiscovery, sitemap.xml, robots.txt, 404.html."""

from __future__ import annotations

import datetime as dt
import email.utils
from urllib.parse import quote

import feedparser
import pytest
from lxml import etree

from conftest import MINIMAL_SITE_YAML, build_content, document, make_content
from site_checks import feed_paths, html_files, parse, rich_site_files, rss_errors, sitemap_locs, url_of

BASE_URL = "https://xxgk.test.example.gov.cn/"


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("rich")
    return build_content(make_content(root, rich_site_files(document)), root / "build")


def feed_url(built, path) -> str:
    return built.result.site.config.base_url + quote(path.relative_to(built.out).as_posix())


def items(path) -> list[etree._Element]:
    return etree.parse(str(path)).getroot().findall("channel/item")


# --- which feeds ----------------------------------------------------------------------------------


def test_there_is_a_feed_for_the_site_each_top_level_category_and_each_issuer(rich_site):
    written = sorted(p.relative_to(rich_site.out).as_posix() for p in feed_paths(rich_site.out))
    assert written == [
        "feed.xml",
        "gk/gongshigonggao/feed.xml",
        "gk/zcjd/feed.xml",
        "gk/zcwj/feed.xml",
        "jigou/ceshixiancaizhengju/feed.xml",
        "jigou/ceshixianjiaoyuju/feed.xml",
        "jigou/ceshixianrenminzhengfu/feed.xml",
    ]
    titles = [item.findtext("title") for item in items(rich_site.out / "gk/zcwj/feed.xml")]
    assert "测试县财政局关于经费保障的通知" in titles  # a child category's document is in its root's feed
    assert not [t for t in titles if "解读" in t]


def test_every_feed_of_the_sample_site_and_the_corpora_is_valid_rss(sample_site, corpus_site, rich_site):
    for built in (sample_site, corpus_site, rich_site):
        paths = feed_paths(built.out)
        assert paths
        for path in paths:
            where = path.relative_to(built.out).as_posix()
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo is False, (where, parsed.get("bozo_exception"))
            assert parsed.version == "rss20", where
            assert rss_errors(path, built.result.site.config.base_url, feed_url(built, path)) == [], where


def test_the_strict_checker_catches_what_feedparser_forgives(tmp_path):
    """The checker must be able to fail: a feed without <description> and with a Chinese date."""
    bad = tmp_path / "feed.xml"
    bad.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>t</title><link>{BASE_URL}</link>"
        f'<atom:link href="{BASE_URL}feed.xml" rel="self" type="application/rss+xml"/>'
        f"<item><title>a</title><link>{BASE_URL}a/</link><guid>{BASE_URL}a/</guid><pubDate>2026年11月23日</pubDate></item>"
        f"<item><title>b</title><link>/b/</link><guid>{BASE_URL}a/</guid><pubDate>Mon, 23 Nov 2026 00:00:00 +0000</pubDate></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    assert feedparser.parse(bad.read_bytes()).bozo is False
    errors = rss_errors(bad, BASE_URL, BASE_URL + "feed.xml")
    assert "channel lacks <description>" in errors
    assert "pubDate not RFC 822: '2026年11月23日'" in errors
    assert "pubDate not in +0800: 'Mon, 23 Nov 2026 00:00:00 +0000'" in errors
    assert "duplicate guid" in errors
    assert any("/b/" in e for e in errors)
    assert not [e for e in errors if "rel=self" in e]
    assert [e for e in rss_errors(bad, BASE_URL, BASE_URL + "other.xml") if "rel=self" in e]


def test_a_feed_holds_the_newest_50_documents_newest_first(build_site):
    start = dt.date(2024, 1, 1)
    files = {f"zcwj/{n:02d}.md": document(title=f"通知{n}", date=(start + dt.timedelta(days=n)).isoformat()) for n in range(1, 56)}
    built = build_site(files)
    for path in ("feed.xml", "gk/zcwj/feed.xml", "jigou/ceshixianrenminzhengfu/feed.xml"):
        entries = feedparser.parse((built.out / path).read_bytes()).entries
        assert [e.title for e in entries] == [f"通知{n}" for n in range(55, 5, -1)], path


def test_feed_items_link_absolute_urls_with_dates_at_midnight_china_time(build_site):
    built = build_site({"zcwj/2024/通知.md": document(title="甲", date="2024-05-01")})
    entry = feedparser.parse((built.out / "feed.xml").read_bytes()).entries[0]
    assert entry.link == BASE_URL + "zcwj/2024/%E9%80%9A%E7%9F%A5/"
    assert entry.id == entry.link
    published = email.utils.parsedate_to_datetime(etree.parse(str(built.out / "feed.xml")).findtext("channel/item/pubDate"))
    assert published == dt.datetime(2024, 5, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_lapsed_document_says_so_in_its_feed_item(build_site):
    built = build_site({"zcwj/a.md": document(title="旧办法", date="2023-01-01", expiry="2024-01-01")})
    entry = feedparser.parse((built.out / "feed.xml").read_bytes()).entries[0]
    assert "失效" in entry.title + entry.summary


def test_an_empty_site_still_writes_a_valid_feed(build_site):
    built = build_site({"zcwj/a.md": document(date="2030-01-01")})
    path = built.out / "feed.xml"
    assert items(path) == []
    assert rss_errors(path, BASE_URL, BASE_URL + "feed.xml") == []
    assert feedparser.parse(path.read_bytes()).bozo is False


def test_markup_in_a_title_is_escaped_in_the_feed(build_site):
    built = build_site({"zcwj/a.md": document(title="A & B <script>alert(1)</script>")})
    path = built.out / "feed.xml"
    assert rss_errors(path, BASE_URL, BASE_URL + "feed.xml") == []
    assert items(path)[0].findtext("title") == "A & B <script>alert(1)</script>"
    assert b"<script>" not in path.read_bytes()


# --- autodiscovery --------------------------------------------------------------------------------


def test_every_page_announces_the_site_feed_and_its_sections_feed(rich_site):
    for path in html_files(rich_site.out):
        alternates = parse(path).xpath("//head/link[@rel='alternate'][@type='application/rss+xml']/@href")
        where = url_of(rich_site.out, path)
        assert "/feed.xml" in alternates, where
        for href in alternates:
            assert (rich_site.out / href.lstrip("/")).is_file(), (where, href)
    assert parse(rich_site.out / "zcwj/2024/kfq-1/index.html").xpath("//head/link[@rel='alternate']/@href") == ["/feed.xml", "/gk/zcwj/feed.xml"]
    assert "/jigou/ceshixiancaizhengju/feed.xml" in parse(rich_site.out / "jigou/ceshixiancaizhengju/index.html").xpath(
        "//head/link[@rel='alternate']/@href"
    )


# --- sitemap, robots, 404 -------------------------------------------------------------------------


def test_the_sitemap_lists_every_html_page_but_the_404_and_noindex_pages_with_absolute_urls(sample_site, corpus_site, rich_site):
    for built in (sample_site, corpus_site, rich_site):
        base_url = built.result.site.config.base_url
        noindex = {p for p in html_files(built.out) if parse(p).xpath("//meta[@name='robots'][@content='noindex']")}
        assert {url_of(built.out, p) for p in noindex} == {"ysqgk/tijiao/"}  # the Netlify success page only
        pages = {base_url + quote(url_of(built.out, p)) for p in html_files(built.out) if p not in noindex} - {base_url + "404.html"}
        locs = sitemap_locs(built.out)
        assert len(locs) == len(set(locs))
        assert set(locs) == pages


def test_the_sitemap_is_valid_xml_with_lastmod_dates_for_documents(rich_site):
    root = etree.parse(str(rich_site.out / "sitemap.xml")).getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    entry = root.xpath("s:url[s:loc=$loc]", namespaces=ns, loc=BASE_URL + "zcwj/2024/kfq-1/")[0]
    assert entry.findtext("s:lastmod", namespaces=ns) == "2024-05-01"


def test_the_sitemap_leaves_out_held_back_and_draft_documents(rich_site):
    locs = " ".join(sitemap_locs(rich_site.out))
    assert "future" not in locs and "draft" not in locs
    assert BASE_URL + "zcwj/2026/pending/" in locs  # published, not yet in force: listed


def test_robots_txt_points_to_the_sitemap(rich_site):
    lines = (rich_site.out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {BASE_URL}sitemap.xml" in lines
    assert "Disallow: /" not in lines


def test_the_404_page_exists_and_its_links_work_from_any_depth(rich_site):
    page = parse(rich_site.out / "404.html")
    assert page.xpath("string(//h1)") == "页面不存在"
    for href in page.xpath("//@href|//@src|//@action"):
        if not href.startswith(("http", "mailto:", "#")):
            assert href.startswith("/"), f"a relative link {href!r} breaks when 404.html answers /a/b/c/"
    assert page.xpath("//link[@rel='canonical']") == []


def test_the_robots_and_sitemap_follow_a_base_path(tmp_path):
    site_yaml = MINIMAL_SITE_YAML.replace("https://xxgk.test.example.gov.cn/", "https://www.test.example.gov.cn/xxgk/")
    built = build_content(make_content(tmp_path, {"zcwj/a.md": document()}, site_yaml), tmp_path / "build")
    assert "Sitemap: https://www.test.example.gov.cn/xxgk/sitemap.xml" in (built.out / "robots.txt").read_text(encoding="utf-8")
    assert "https://www.test.example.gov.cn/xxgk/zcwj/a/" in sitemap_locs(built.out)
    for path in feed_paths(built.out):
        assert rss_errors(path, "https://www.test.example.gov.cn/xxgk/", feed_url(built, path)) == []


def test_the_sample_sites_held_back_and_draft_documents_appear_in_no_page_feed_or_sitemap(sample_site):
    site = sample_site.result.site
    hidden = site.held_back + site.drafts
    assert hidden
    texts = {
        p.relative_to(sample_site.out).as_posix(): p.read_text(encoding="utf-8")
        for p in sample_site.out.rglob("*")
        if p.suffix in (".html", ".xml")
    }
    for document in hidden:
        assert not (sample_site.out / document.url).exists(), document.source
        encoded = quote(document.url)
        assert [name for name, text in texts.items() if encoded in text] == [], document.source
