"""statutory/guide.py and the 指南 page: every element of 条例 art. 12 and art. 51, from site.yaml,
the category tree and content/_guide.md."""

from __future__ import annotations

import pytest

from conftest import MINIMAL_SITE_YAML, document
from govsite.model import Page
from govsite.pages import guide_page, statutory_pages
from govsite.problems import BuildFailed

GUIDE_SETTINGS = """\
guide:
  supervisor: "测试县人民政府办公室"
  higher_organ: "测试市人民政府"
  reconsideration: "测试市人民政府"
  court: "测试市中级人民法院"
"""


@pytest.fixture
def guide(build_site):
    files = {
        "zcwj/a.md": document(title="甲"),
        "zcwj/b.md": document(title="乙", category="政策文件/部门文件", issuer="测试县财政局"),
        "gsgg/c.md": document(title="丙", category="公示公告"),
    }
    return build_site(files, site_yaml=MINIMAL_SITE_YAML + GUIDE_SETTINGS)


def text(page) -> str:
    return " ".join(page.xpath("string(//main)").split())


def definition(page, term: str) -> str:
    return " ".join(page.xpath("string(//main//dl/div[dt=$t]/dd)", t=term).split())


def test_the_guide_names_the_office_with_every_contact_art_12_requires(guide):
    page = guide.html("gkzn/")
    assert page.xpath("string(//h1)") == "测试县人民政府政府信息公开指南"
    assert definition(page, "机构名称") == "测试县人民政府办公室"
    assert definition(page, "办公地址") == "测试县人民路1号"
    assert definition(page, "邮政编码") == "000000"
    assert definition(page, "办公时间") == "工作日 9:00-17:00"
    assert definition(page, "联系电话") == "0000-0000000"
    assert definition(page, "传真号码") == "0000-0000001"
    assert page.xpath("//main//dl/div[dt='电子邮箱']//a/@href") == ["mailto:xxgk@test.example.gov.cn"]
    assert definition(page, "政府信息公开网站") == "https://xxgk.test.example.gov.cn/"


def test_the_guide_gives_the_classification_from_the_category_tree_with_counts_and_links(guide):
    page = guide.html("gkzn/")
    [tree] = page.xpath("//section[h2='二、政府信息的分类和编排体系']/ul[@class='tree']")
    entries = [(" ".join(li.xpath("string(a)").split()), li.xpath("string(a/@href)"), li.xpath("string(span)")) for li in tree.iter("li")]
    assert entries == [
        ("政策文件", "/gk/zcwj/", "（2）"),
        ("县政府文件", "/gk/zcwj/xzfwj/", "（1）"),
        ("部门文件", "/gk/zcwj/bmwj/", "（1）"),
        ("政策解读", "/gk/zcjd/", "（0）"),
        ("公示公告", "/gk/gongshigonggao/", "（1）"),
    ]
    assert "现有 3 条" in text(page)
    assert "索引号" in text(page) and "有效性" in text(page) and "按发布日期从新到旧排列" in text(page)


def test_the_guide_says_how_to_obtain_information_proactively_and_on_application(guide):
    page = guide.html("gkzn/")
    section = page.xpath("//section[h2='三、获取政府信息的方式']")[0]
    links = set(section.xpath(".//a/@href"))
    assert {"/gk/", "/search/", "/feed.xml", "/gk/zcwj/feed.xml", "/gk/gongshigonggao/feed.xml"} <= links
    words = " ".join(section.text_content().split())
    assert "20 个工作日内予以公开（《条例》第二十六条）" in words
    assert "传真：0000-0000001" in words and "mailto:xxgk@test.example.gov.cn" in links
    assert "不能当场答复的，自收到申请之日起 20 个工作日内答复" in words
    assert "国办函〔2020〕109号" in words


def test_the_guide_names_the_organs_for_complaints_reconsideration_and_suits(guide):
    words = text(guide.html("gkzn/"))
    assert "可以向测试市人民政府（上一级行政机关）或者测试县人民政府办公室（政府信息公开工作主管部门）投诉、举报" in words
    assert "向测试市人民政府申请，自知道或者应当知道该行政行为之日起六十日内提出" in words
    assert "向测试市中级人民法院提起，自知道或者应当知道作出行政行为之日起六个月内提出" in words


def test_without_organ_names_the_guide_uses_the_national_wording_of_article_51(build_site):
    words = text(build_site({"zcwj/a.md": document()}).html("gkzn/"))
    assert "可以向上一级行政机关或者政府信息公开工作主管部门投诉、举报，也可以依法申请行政复议或者提起行政诉讼（《条例》第五十一条）" in words
    assert "向有管辖权的人民法院提起" in words


def test_the_guide_links_the_reports_and_the_nav_and_footer_link_the_guide(guide, sample_site):
    page = guide.html("gkzn/")
    assert page.xpath("//section[h2='五、政府信息公开工作年度报告']//a/@href") == ["/ndbg/"]
    sample = sample_site.html("gkzn/")
    assert sample.xpath("//section[h2='五、政府信息公开工作年度报告']//a/@href") == ["/ndbg/", "/ndbg/2025/"]
    assert sample.xpath("//nav[@aria-label='主导航']//a[@href='/gkzn/']/@aria-current") == ["page"]
    for url in ("", "gk/", "zcwj/a/"):
        assert guide.html(url).xpath("//footer//a[@href='/gkzn/']"), url


def test_the_guide_links_the_application_page_only_when_the_site_has_one(guide):
    site = guide.result.site
    page = guide_page(site, application=False)
    assert page.context["application_url"] is None
    [with_form, *_] = statutory_pages(site, [Page("ysqgk/", "application.html", {})])
    assert with_form.context["application_url"] == "ysqgk/"
    # every built site has the 依申请公开 page (application: defaults to the netlify backend)
    assert guide.html("gkzn/").xpath("//main//a[@href='/ysqgk/']")


def test_the_sites_own_section_is_rendered_safely_and_is_not_a_document(build_site):
    section = "## 查阅场所\n\n县档案馆，见[通知](zcwj/a.md)。\n\n<script>alert(1)</script>\n"
    built = build_site({"zcwj/a.md": document(title="甲"), "_guide.md": section})
    page = built.html("gkzn/")
    [more] = page.xpath("//section[h2='六、其他说明']")
    assert more.xpath("h3/text()") == ["查阅场所"]
    assert more.xpath(".//a[.='通知']/@href") == ["/zcwj/a/"]
    assert not page.xpath("//main//script") and "<script>alert(1)</script>" in more.text_content()
    assert [d.source for d in built.result.site.documents] == ["zcwj/a.md"]
    assert not (built.out / "_guide").exists()


def test_a_broken_link_in_the_sites_own_section_is_an_error_on_its_line(build_site):
    with pytest.raises(BuildFailed) as failed:
        build_site({"zcwj/a.md": document(), "_guide.md": "第一段。\n\n见[办法](zcwj/nothing.md)。\n"})
    [error] = failed.value.errors
    assert (error.path.endswith("content/_guide.md"), error.line) == (True, 3)


def test_without_its_own_section_the_guide_has_five_parts(guide):
    headings = guide.html("gkzn/").xpath("//main//h2/text()")
    assert headings == ["一、政府信息公开工作机构", "二、政府信息的分类和编排体系", "三、获取政府信息的方式", "四、监督和救济", "五、政府信息公开工作年度报告"]


@pytest.mark.parametrize("folder", ["gkzn", "ndbg"])
def test_a_content_folder_named_like_a_statutory_page_is_an_error(build_site, folder):
    with pytest.raises(BuildFailed) as failed:
        build_site({f"{folder}/a.md": document()})
    assert any(f"“{folder}/”" in e.message for e in failed.value.errors)
