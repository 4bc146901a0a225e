"""The pages a reader sees: catalogue lists and their pagination, the document page, Markdown bodies, stable URLs."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest

from govsite.problems import BuildFailed

from conftest import MINIMAL_SITE_YAML, build_content, document, make_content
from site_checks import parse, rich_site_files


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("rich")
    return build_content(make_content(root, rich_site_files(document)), root / "build")


def rows(page) -> list[str]:
    """The document titles listed on a catalogue page, in order."""
    return [a.text_content().strip() for a in page.xpath("//main//li[contains(@class, 'doc-row')]/a[contains(@class, 'doc-title')]")]


def row_hrefs(page) -> list[str]:
    return page.xpath("//main//li[contains(@class, 'doc-row')]/a[contains(@class, 'doc-title')]/@href")


def metadata(page) -> dict[str, str]:
    box = page.xpath("//section[contains(@class, 'metadata')]//dl")[0]
    return {d.xpath("string(dt)").strip(): " ".join(d.xpath("string(dd)").split()) for d in box.xpath("./div")}


def many(count: int, **extra) -> dict[str, str]:
    """`count` documents in 县政府文件, one a day from 2024-01-01, so the newest is the last."""
    start = dt.date(2024, 1, 1)
    return {
        f"zcwj/{n:03d}.md": document(title=f"第{n}号通知", date=(start + dt.timedelta(days=n)).isoformat(), doc_number=f"测政发〔2024〕{n}号", **extra)
        for n in range(1, count + 1)
    }


# --- catalogue pages ----------------------------------------------------------------------------


def test_a_category_page_lists_its_own_and_its_childrens_documents(build_site):
    built = build_site(
        {
            "a.md": document(title="县政府文件一", category="政策文件/县政府文件", date="2024-01-01"),
            "b.md": document(title="部门文件一", category="政策文件/部门文件", issuer="测试县财政局", date="2024-02-01"),
            "c.md": document(title="解读一", category="政策解读", date="2024-03-01"),
        }
    )
    assert rows(built.html("gk/zcwj/")) == ["部门文件一", "县政府文件一"]
    assert rows(built.html("gk/zcwj/xzfwj/")) == ["县政府文件一"]
    assert rows(built.html("gk/zcwj/bmwj/")) == ["部门文件一"]
    assert rows(built.html("gk/zcjd/")) == ["解读一"]
    assert rows(built.html("gk/gongshigonggao/")) == []
    assert rows(built.html("gk/")) == ["解读一", "部门文件一", "县政府文件一"]


def test_there_is_a_list_per_issuer_including_co_issued_documents(build_site):
    built = build_site(
        {
            "a.md": document(title="联合发文", date="2024-01-01", co_issuers=["测试县人民政府", "测试县财政局"]),
            "b.md": document(title="财政局发文", issuer="测试县财政局", date="2024-02-01"),
            "c.md": document(title="政府发文", date="2024-03-01"),
        }
    )
    assert rows(built.html("jigou/ceshixianrenminzhengfu/")) == ["政府发文", "联合发文"]
    assert rows(built.html("jigou/ceshixiancaizhengju/")) == ["财政局发文", "联合发文"]
    index = built.html("jigou/")
    assert sorted(index.xpath("//main//a/@href")) == ["/jigou/ceshixiancaizhengju/", "/jigou/ceshixianrenminzhengfu/"]


def test_there_is_a_list_per_year_newest_year_first(build_site):
    built = build_site(
        {
            "a.md": document(title="二二年", date="2022-06-01"),
            "b.md": document(title="二四年上", date="2024-01-01"),
            "c.md": document(title="二四年下", date="2024-12-31"),
        }
    )
    assert rows(built.html("nian/2024/")) == ["二四年下", "二四年上"]
    assert rows(built.html("nian/2022/")) == ["二二年"]
    assert built.html("nian/").xpath("//main//a/@href") == ["/nian/2024/", "/nian/2022/"]


def test_lists_are_newest_first_with_the_url_breaking_ties(build_site):
    built = build_site(
        {
            "zcwj/c.md": document(title="A", date="2024-05-01"),
            "zcwj/a.md": document(title="C", date="2024-05-01"),
            "zcwj/new.md": document(title="新", date="2024-06-01"),
            "zcwj/b.md": document(title="B", date="2024-05-01"),
            "zcwj/old.md": document(title="旧", date="2023-01-01"),
        }
    )
    # same date: ordered by URL (a, b, c), not by title or by the order the files were written
    for url in ("gk/", "gk/zcwj/", "gk/zcwj/xzfwj/", "jigou/ceshixianrenminzhengfu/", "nian/2024/"):
        assert rows(built.html(url)) == ["新", "C", "B", "A"] + (["旧"] if url != "nian/2024/" else []), url


def test_forty_five_documents_at_page_size_20_make_three_numbered_pages(build_site):
    built = build_site(many(45), site_yaml=MINIMAL_SITE_YAML + "page_size: 20\n")
    base = "gk/zcwj/xzfwj/"
    pages = [built.html(base), built.html(base + "page/2/"), built.html(base + "page/3/")]
    assert not (built.out / base / "page" / "4").exists()
    assert not (built.out / base / "page" / "1").exists()
    assert [len(rows(p)) for p in pages] == [20, 20, 5]
    listed = [title for page in pages for title in rows(page)]
    assert listed == [f"第{n}号通知" for n in range(45, 0, -1)]

    hrefs = ["/gk/zcwj/xzfwj/", "/gk/zcwj/xzfwj/page/2/", "/gk/zcwj/xzfwj/page/3/"]
    for number, page in enumerate(pages, 1):
        nav = page.xpath("//nav[contains(@class, 'pagination')]")
        assert len(nav) == 1
        numbered = nav[0].xpath(".//a[normalize-space()=string(number(normalize-space()))]")
        assert [a.text_content().strip() for a in numbered] == ["1", "2", "3"]
        assert [a.get("href") for a in numbered] == hrefs
        current = nav[0].xpath(".//a[@aria-current='page']")
        assert [a.text_content().strip() for a in current] == [str(number)]
        prev, next_ = nav[0].xpath(".//a[@rel='prev']/@href"), nav[0].xpath(".//a[@rel='next']/@href")
        assert prev == ([hrefs[number - 2]] if number > 1 else [])
        assert next_ == ([hrefs[number]] if number < 3 else [])


def test_a_long_list_shows_first_last_and_nearby_page_numbers_with_a_gap(build_site):
    built = build_site(many(200), site_yaml=MINIMAL_SITE_YAML + "page_size: 20\n")
    nav = built.html("gk/zcwj/page/5/").xpath("//nav[contains(@class, 'pagination')]")[0]
    numbers = [a.text_content().strip() for a in nav.xpath(".//a[not(@rel)]")]
    assert numbers == ["1", "3", "4", "5", "6", "7", "10"]
    assert len(nav.xpath(".//*[contains(@class, 'gap')]")) == 2


def test_a_short_list_has_no_pagination(build_site):
    built = build_site(many(3))
    assert built.html("gk/zcwj/").xpath("//nav[contains(@class, 'pagination')]") == []


def test_each_row_shows_title_number_date_and_validity(build_site):
    built = build_site(
        {
            "zcwj/a.md": document(title="有效的通知", date="2024-05-01", doc_number="测政发〔2024〕7号"),
            "zcwj/b.md": document(title="失效的办法", date="2023-05-01", expiry="2024-12-31"),
        }
    )
    for url in ("gk/", "gk/zcwj/", "jigou/ceshixianrenminzhengfu/", "nian/2024/", ""):
        page = built.html(url)
        row = page.xpath("//main//li[contains(@class, 'doc-row')][a[normalize-space()='有效的通知']]")[0]
        text = " ".join(row.text_content().split())
        assert "测政发〔2024〕7号" in text and "2024-05-01" in text and "有效" in text, url
        assert row.xpath(".//time/@datetime") == ["2024-05-01"]
    row = built.html("gk/").xpath("//main//li[contains(@class, 'doc-row')][a[normalize-space()='失效的办法']]")[0]
    assert "失效" in row.text_content()


def test_the_home_page_shows_latest_documents_the_tree_with_counts_and_entry_points(build_site):
    built = build_site(many(12))
    home = built.html("")
    assert home.xpath("string(//h1)") == "测试县人民政府信息公开"
    assert rows(home)[:2] == ["第12号通知", "第11号通知"]
    text = home.text_content()
    assert "县政府文件" in text and "（12）" in text
    hrefs = home.xpath("//main//a/@href")
    assert "/jigou/ceshixianrenminzhengfu/" in hrefs and "/nian/2024/" in hrefs and "/gk/zcwj/xzfwj/" in hrefs
    assert home.xpath("//form[@role='search']")


# --- document page ------------------------------------------------------------------------------


def test_the_document_page_shows_the_metadata_box(rich_site):
    page = rich_site.html("zcwj/2024/kfq-1/")
    box = metadata(page)
    assert box["索引号"] == "TEST001/2024-00001"
    assert box["主题分类"].replace(" ", "") == "政策文件/县政府文件"
    assert box["发文机关"].startswith("测试县人民政府") and "测试县财政局" in box["发文机关"]
    assert box["成文日期"] == "2024年04月28日"
    assert box["文号"] == "测政发〔2024〕1号"
    assert box["发布日期"] == "2024年05月01日"
    assert box["有效性"] == "有效"
    assert box["内容概述"] == "部署全县测试工作。"
    assert page.xpath("//section[contains(@class, 'metadata')]//time/@datetime")[:2] == ["2024-04-28", "2024-05-01"]


def test_the_metadata_box_leaves_out_fields_the_document_does_not_have(build_site):
    page = build_site({"zcwj/a.md": document()}).html("zcwj/a/")
    assert set(metadata(page)) == {"主题分类", "发文机关", "发布日期", "有效性"}


def test_attachments_are_listed_with_type_and_size_and_copied(rich_site):
    page = rich_site.html("zcwj/2024/kfq-1/")
    items = page.xpath("//section[contains(@class, 'attachments')]//li")
    assert len(items) == 2
    first, second = (" ".join(li.text_content().split()) for li in items)
    assert first.startswith("附件1：实施细则") and "PDF" in first and "KB" in first
    assert second.startswith("data") and "XLSX" in second and "104 字节" in second
    source = rich_site.content / "zcwj/2024/files/附件1 实施细则.pdf"
    href = items[0].xpath(".//a/@href")[0]
    copied = rich_site.out / unquote(href).lstrip("/")
    assert copied.read_bytes() == source.read_bytes()
    assert "3.0 KB" in first  # 3027 bytes


def test_breadcrumbs_lead_from_home_through_the_category_path(rich_site):
    crumbs = rich_site.html("zcwj/2024/kfq-1/").xpath("//nav[contains(@class, 'breadcrumbs')]//li")
    assert [" ".join(li.text_content().split()) for li in crumbs] == [
        "首页", "政府信息公开目录", "政策文件", "县政府文件", "测试县人民政府关于开展测试工作的通知"
    ]
    assert [li.xpath("string(a/@href)") for li in crumbs[:-1]] == ["/", "/gk/", "/gk/zcwj/", "/gk/zcwj/xzfwj/"]
    assert crumbs[-1].xpath(".//@aria-current") == ["page"]
    list_crumbs = rich_site.html("gk/zcwj/xzfwj/").xpath("//nav[contains(@class, 'breadcrumbs')]//li")
    assert [" ".join(li.text_content().split()) for li in list_crumbs] == ["首页", "政府信息公开目录", "政策文件", "县政府文件"]


def test_the_title_is_the_only_h1_and_body_headings_start_at_h2(build_site):
    body = "# 一级标题\n\n正文。\n\n## 二级标题\n\n###### 六级标题\n"
    page = build_site({"zcwj/a.md": document(title="文件标题", body=body)}).html("zcwj/a/")
    assert [h.text_content() for h in page.xpath("//h1")] == ["文件标题"]
    body_div = page.xpath("//div[contains(@class, 'doc-body')]")[0]
    assert [(h.tag, h.text_content()) for h in body_div.xpath(".//h2|.//h3|.//h4|.//h5|.//h6")] == [
        ("h2", "一级标题"), ("h3", "二级标题"), ("h6", "六级标题")
    ]


def test_a_markdown_table_renders_as_a_table_with_header_cells(rich_site):
    tables = rich_site.html("zcwj/2024/kfq-1/").xpath("//div[contains(@class, 'doc-body')]//table")
    assert len(tables) == 1
    table = tables[0]
    assert [th.text_content() for th in table.xpath(".//thead//th")] == ["单位", "任务", "时限"]
    assert table.xpath(".//thead//th/@scope") == ["col", "col", "col"]
    assert [td.text_content() for td in table.xpath(".//tbody//td")] == ["财政局", "保障经费", "6月"]


def test_table_column_alignment_survives_without_inline_style(rich_site):
    """style="text-align:…" would be blocked by the site's Content-Security-Policy (style-src 'self')."""
    table = rich_site.html("zcwj/2024/kfq-1/").xpath("//div[contains(@class, 'doc-body')]//table")[0]
    assert table.xpath(".//*[@style]") == []
    classes = [" ".join(cell.get("class", "").split()) for cell in table.xpath(".//tbody//td")]
    assert [c for c in classes] != ["", "", ""]
    assert ["left" in classes[0], "center" in classes[1], "right" in classes[2]] == [True, True, True]


def test_a_relative_link_to_another_markdown_file_becomes_that_pages_url(rich_site):
    body = rich_site.html("zcwj/2024/kfq-1/").xpath("//div[contains(@class, 'doc-body')]")[0]
    links = {a.text_content(): a.get("href") for a in body.xpath(".//a")}
    assert links == {
        "通知公告": "/%E9%80%9A%E7%9F%A5%E5%85%AC%E5%91%8A/2024/%E5%85%B3%E4%BA%8E%E5%BC%80%E5%B1%95%E6%B5%8B%E8%AF%95%E7%9A%84%E9%80%9A%E7%9F%A5/",
        "财政文件": "/bmwj/2024/cz-3/",
    }


def test_a_link_to_a_markdown_file_keeps_its_fragment_and_outside_links_are_left_alone(build_site):
    body = "见[乙](b.md#part)、[官网](https://www.example.gov.cn/x.html)和[目录](/gk/)。\n"
    built = build_site({"zcwj/a.md": document(body=body), "zcwj/b.md": document(title="乙")})
    hrefs = built.html("zcwj/a/").xpath("//div[contains(@class, 'doc-body')]//a/@href")
    assert hrefs == ["/zcwj/b/#part", "https://www.example.gov.cn/x.html", "/gk/"]


def test_a_body_link_to_an_attachment_beside_the_document_reaches_the_copied_file(build_site):
    """The page of zcwj/a.md lives one folder deeper (zcwj/a/), so `files/x.pdf` as written would miss."""
    body = "见[附件一](<files/附件 一.pdf>)。\n"
    built = build_site({"zcwj/a.md": document(body=body, attachments=["files/附件 一.pdf"]), "zcwj/files/附件 一.pdf": b"%PDF-1.4"})
    hrefs = built.html("zcwj/a/").xpath("//div[contains(@class, 'doc-body')]//a/@href")
    assert hrefs == ["/zcwj/files/%E9%99%84%E4%BB%B6%20%E4%B8%80.pdf"]
    assert (built.out / "zcwj/files/附件 一.pdf").read_bytes() == b"%PDF-1.4"


def test_an_image_beside_the_document_is_shown_from_its_copied_file(build_site):
    """Images are not attachments: the build must copy the files a body refers to as well."""
    built = build_site({"zcwj/a.md": document(body="![区位图](img/map.png)\n"), "zcwj/img/map.png": b"\x89PNG\r\n"})
    assert built.html("zcwj/a/").xpath("//div[contains(@class, 'doc-body')]//img/@src") == ["/zcwj/img/map.png"]
    assert (built.out / "zcwj/img/map.png").read_bytes() == b"\x89PNG\r\n"


def test_a_missing_image_is_an_error(build_site):
    with pytest.raises(BuildFailed) as failed:
        build_site({"zcwj/a.md": document(body="![区位图](img/gone.png)\n")})
    assert "img/gone.png" in failed.value.errors[0].message


def test_the_image_of_a_future_document_is_not_published_before_it(build_site):
    later = {"zcwj/b.md": document(date="2030-01-01", body="![图](img/map.png)\n"), "zcwj/img/map.png": b"\x89PNG\r\n"}
    built = build_site(later)
    assert not (built.out / "zcwj/img/map.png").exists()


def test_the_url_comes_from_the_file_path_so_a_new_title_keeps_the_url(tmp_path):
    content = make_content(tmp_path, {"zcwj/2024/qzf-5.md": document(title="原来的标题")})
    first = build_content(content, tmp_path / "b1")
    assert first.html("zcwj/2024/qzf-5/").xpath("string(//h1)") == "原来的标题"
    (content / "zcwj/2024/qzf-5.md").write_text(document(title="改过的标题"), encoding="utf-8")
    second = build_content(content, tmp_path / "b2")
    assert second.html("zcwj/2024/qzf-5/").xpath("string(//h1)") == "改过的标题"
    # every page keeps its address (the search index files are named by content, so they change)
    assert sorted(p.relative_to(first.out) for p in first.out.rglob("*.html")) == sorted(p.relative_to(second.out) for p in second.out.rglob("*.html"))


def test_a_chinese_file_name_gives_a_chinese_url_and_spaces_become_dashes(build_site):
    built = build_site({"通知公告/2024/关于 测试 的通知.md": document(title="甲"), "zcwj/Upper Case.md": document(title="乙")})
    assert built.html("通知公告/2024/关于-测试-的通知/").xpath("string(//h1)") == "甲"
    assert built.html("zcwj/upper-case/").xpath("string(//h1)") == "乙"


def test_same_named_categories_and_same_titled_documents_still_get_distinct_page_titles(build_site):
    site_yaml = MINIMAL_SITE_YAML.replace(
        '  - name: "公示公告"\n', '  - name: "公示公告"\n    children:\n      - name: "部门文件"\n        slug: "gsbm"\n'
    )
    built = build_site(
        {
            "a.md": document(title="关于废止一批文件的决定", category="政策文件/部门文件", doc_number="测政规〔2025〕3号"),
            "b.md": document(title="关于废止一批文件的决定", category="政策文件/部门文件", doc_number="测政规〔2025〕4号"),
            "c.md": document(title="部门公告", category="公示公告/部门文件"),
        },
        site_yaml=site_yaml,
    )
    titles = {url: built.html(url).findtext(".//title") for url in ("a/", "b/", "gk/zcwj/bmwj/", "gk/gongshigonggao/gsbm/")}
    assert len(set(titles.values())) == 4, titles
    assert "测政规〔2025〕3号" in titles["a/"] and "测政规〔2025〕4号" in titles["b/"]
    assert [built.html(url).xpath("string(//h1)") for url in ("a/", "b/")] == ["关于废止一批文件的决定"] * 2


def test_an_image_from_another_host_is_a_warning_naming_the_file_and_line(build_site):
    built = build_site({"zcwj/a.md": document(body="正文。\n\n![图](https://cdn.example.com/x.png)\n")})
    [warning] = [w for w in built.result.warnings if "cdn.example.com" in w.message]
    assert warning.path.endswith("zcwj/a.md") and warning.line == 10
    assert "img/" in warning.fix
