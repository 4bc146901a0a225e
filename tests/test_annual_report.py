"""statutory/annual_report.py: the 年度报告 in the 30号 format, its 勾稽 checks, and what the documents tell.

The golden report is the real 平潭综合实验区 2024 report (tests/fixtures/reports/pingtan-2024.yaml);
the bad reports are folders in tests/fixtures/invalid/report-* (run by test_bad_input.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import FIXTURES, MINIMAL_SITE_YAML, TODAY, document
from govsite.problems import BuildFailed, Problems
from govsite.statutory.annual_report import count_normative, read_layout, read_reports

PINGTAN = (FIXTURES / "reports" / "pingtan-2024.yaml").read_text(encoding="utf-8")
PINGTAN_DAY = dt.date(2025, 3, 20)
"""After the report's date (2025-03-10), before 2026's deadline: a build with no problem at all."""

TABLE_3_ROWS = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "三、本年度办理结果",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（三）不予公开",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "（四）无法提供",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "（五）不予处理",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "（六）其他处理",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
    "（七）总计",
    "四、结转下年度继续办理",
]
"""Every row heading of table 三 in the order of 国办公开办函〔2021〕30号 (../shared/DOMAIN.md §2.3)."""
TABLE_3_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


@pytest.fixture(scope="module")
def pingtan(tmp_path_factory):
    from conftest import build_content, make_content

    root = tmp_path_factory.mktemp("pingtan-report")
    content = make_content(root, {"zcwj/a.md": document(), "_reports/2024.yaml": PINGTAN})
    return build_content(content, root / "build", PINGTAN_DAY)


def tables(page):
    return page.xpath("//main//table")


def cells_by_headers(table) -> dict[tuple[str, ...], str]:
    """Each data cell keyed by the texts of the headers its `headers` attribute names, in order."""
    texts = {th.get("id"): " ".join(th.text_content().split()) for th in table.xpath(".//th[@id]")}
    found = {}
    for td in table.xpath(".//td[@headers]"):
        found[tuple(texts[i] for i in td.get("headers").split())] = td.text_content().strip()
    return found


def test_the_pingtan_2024_report_builds_with_no_problem_at_all(pingtan):
    assert pingtan.result.warnings == ()
    [report] = pingtan.result.site.reports.reports
    assert (report.year, report.title, report.date) == (2024, "平潭综合实验区2024年度政府信息公开工作年度报告", dt.date(2025, 3, 10))


def test_the_report_page_has_the_six_parts_of_the_30_format_in_order(pingtan):
    page = pingtan.html("ndbg/2024/")
    assert page.xpath("string(//h1)") == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert [" ".join(h.text_content().split()) for h in page.xpath("//main//h2[not(@class='visually-hidden')]")] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    text = page.text_content()
    assert "全年办理政府信息公开申请218件" in text and "2024年，无收取信息处理费情况。" in text
    assert "统计期限为2024年1月1日至2024年12月31日" in text


def test_table_3_has_every_row_of_the_30_format_with_its_exact_label_in_order(pingtan):
    table = tables(pingtan.html("ndbg/2024/"))[4]
    assert table.xpath("string(caption)") == "收到和处理政府信息公开申请情况"
    assert [" ".join(th.text_content().split()) for th in table.xpath("tbody//th")] == TABLE_3_ROWS
    assert [th.text_content() for th in table.xpath("thead//th")] == ["申请人情况", "自然人", "法人或其他组织", "总计", *TABLE_3_COLUMNS[1:6]]


def test_table_3_headers_span_as_in_the_30_format(pingtan):
    table = tables(pingtan.html("ndbg/2024/"))[4]

    def spans(text):
        [th] = table.xpath(".//th[normalize-space()=$t]", t=text)
        return th.get("scope"), th.get("colspan", "1"), th.get("rowspan", "1")

    [corner] = table.xpath("thead/tr[1]/td")
    assert (corner.get("colspan"), corner.get("rowspan")) == ("3", "3")
    assert "第一项加第二项之和，等于第三项加第四项之和" in corner.text_content()
    assert spans("申请人情况") == ("colgroup", "7", "1")
    assert spans("自然人") == ("col", "1", "2")
    assert spans("法人或其他组织") == ("colgroup", "5", "1")
    assert spans("总计") == ("col", "1", "2")
    assert spans("商业企业") == ("col", "1", "1")
    assert spans("一、本年新收政府信息公开申请数量") == ("row", "3", "1")
    assert spans("三、本年度办理结果") == ("rowgroup", "1", "22")
    assert spans("（一）予以公开") == ("row", "2", "1")
    assert spans("（三）不予公开") == ("rowgroup", "1", "8")
    assert spans("（四）无法提供") == ("rowgroup", "1", "3")
    assert spans("（七）总计") == ("row", "2", "1")
    assert len(table.xpath("tbody/tr")) == 25
    assert all(len(row.xpath("td")) == 7 for row in table.xpath("tbody/tr"))


def test_every_number_of_table_3_is_in_the_cell_its_headers_name(pingtan):
    cells = cells_by_headers(tables(pingtan.html("ndbg/2024/"))[4])
    assert len(cells) == 25 * 7
    assert cells[("一、本年新收政府信息公开申请数量", "申请人情况", "自然人")] == "217"
    assert cells[("一、本年新收政府信息公开申请数量", "申请人情况", "法人或其他组织", "商业企业")] == "1"
    assert cells[("一、本年新收政府信息公开申请数量", "申请人情况", "总计")] == "218"
    assert cells[("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "申请人情况", "自然人")] == "4"
    assert cells[("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息", "申请人情况", "总计")] == "32"
    assert cells[("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息", "申请人情况", "自然人")] == "75"
    assert cells[("三、本年度办理结果", "（六）其他处理", "3.其他", "申请人情况", "法人或其他组织", "商业企业")] == "1"
    assert cells[("三、本年度办理结果", "（六）其他处理", "3.其他", "申请人情况", "总计")] == "2"
    assert cells[("三、本年度办理结果", "（七）总计", "申请人情况", "总计")] == "218"
    assert cells[("四、结转下年度继续办理", "申请人情况", "总计")] == "0"


def test_table_2_gives_the_four_items_of_article_20_with_their_numbers(pingtan):
    first, fifth, sixth, eighth = tables(pingtan.html("ndbg/2024/"))[:4]
    assert [t.xpath("string(caption)") for t in (first, fifth, sixth, eighth)] == [
        "第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项",
    ]
    assert [th.text_content() for th in first.xpath("thead//th")] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    assert cells_by_headers(first) == {
        ("规章", "本年制发件数"): "0", ("规章", "本年废止件数"): "0", ("规章", "现行有效件数"): "0",
        ("行政规范性文件", "本年制发件数"): "62", ("行政规范性文件", "本年废止件数"): "33", ("行政规范性文件", "现行有效件数"): "440",
    }
    assert cells_by_headers(fifth) == {("行政许可", "本年处理决定数量"): "4529"}
    assert cells_by_headers(sixth) == {("行政处罚", "本年处理决定数量"): "1100", ("行政强制", "本年处理决定数量"): "65"}
    assert cells_by_headers(eighth) == {("行政事业性收费", "本年收费金额（单位：万元）"): "18651.06"}


def test_table_4_is_one_line_of_fifteen_numbers_under_three_header_rows(pingtan):
    table = tables(pingtan.html("ndbg/2024/"))[5]
    assert [[(th.text_content(), th.get("colspan", "1"), th.get("rowspan", "1")) for th in row.xpath("th")] for row in table.xpath("thead/tr")][:2] == [
        [("行政复议", "5", "2"), ("行政诉讼", "10", "1")],
        [("未经复议直接起诉", "5", "1"), ("复议后起诉", "5", "1")],
    ]
    assert [th.text_content() for th in table.xpath("thead/tr[3]/th")] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3
    [row] = table.xpath("tbody/tr")
    assert [td.text_content() for td in row.xpath("td")] == "2 1 3 1 7 0 0 0 0 0 13 2 4 0 19".split()
    cells = cells_by_headers(table)
    assert cells[("行政复议", "总计")] == "7"
    assert cells[("行政诉讼", "复议后起诉", "结果维持")] == "13"
    assert cells[("行政诉讼", "未经复议直接起诉", "总计")] == "0"


def test_every_header_has_a_scope_every_data_cell_names_existing_headers_and_every_table_a_caption(pingtan):
    page = pingtan.html("ndbg/2024/")
    ids = set(page.xpath("//@id"))
    assert len(ids) == len(page.xpath("//@id")), "duplicate ids"
    for table in tables(page):
        assert table.xpath("string(caption)").strip()
        assert {th.get("scope") for th in table.xpath("thead//th")} <= {"col", "colgroup"}
        assert {th.get("scope") for th in table.xpath("tbody//th")} <= {"row", "rowgroup"}
        for td in table.xpath("tbody//td"):
            assert td.get("headers") and set(td.get("headers").split()) <= ids
        wrap = table.getparent()
        assert (wrap.get("class"), wrap.get("role"), wrap.get("tabindex")) == ("table-wrap report-table", "region", "0")


def test_the_list_page_links_each_published_report_and_the_nav_and_footer_link_the_list(pingtan):
    listing = pingtan.html("ndbg/")
    assert listing.xpath("//main//a[normalize-space()='平潭综合实验区2024年度政府信息公开工作年度报告']/@href") == ["/ndbg/2024/"]
    for url in ("", "zcwj/a/", "ndbg/2024/", "gkzn/"):
        page = pingtan.html(url)
        assert page.xpath("//nav[@aria-label='主导航']//a[@href='/ndbg/']"), url
        assert page.xpath("//footer//a[@href='/ndbg/'] and //footer//a[@href='/gkzn/']"), url


# --- every single wrong number is caught -----------------------------------------------------------

NUMBER_LINES = [
    (number, line)
    for number, line in enumerate(PINGTAN.splitlines(), 1)
    if re.match(r"^  (?!rules|normative|licensing|penalty|coercion|fees)\w+: +\[", line)
]


@pytest.mark.parametrize("line_number", [n for n, _ in NUMBER_LINES])
def test_changing_any_one_number_of_tables_3_and_4_fails_with_a_message_naming_the_year_and_the_numbers(pingtan, tmp_path, line_number):
    lines = PINGTAN.splitlines()
    text = lines[line_number - 1]
    cells = re.search(r"\[(.*)\]", text)[1].split(", ")
    (tmp_path / "_reports").mkdir()
    for position in range(len(cells)):
        changed = cells.copy()
        changed[position] = str(int(changed[position]) + 1)
        lines[line_number - 1] = text.replace(", ".join(cells), ", ".join(changed))
        (tmp_path / "_reports" / "2024.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = Problems()
        read_reports(pingtan.result.site, tmp_path, problems)
        assert problems.errors, (line_number, position)
        for error in problems.errors:
            assert error.path.endswith("_reports/2024.yaml") and error.line > 0
            assert error.message.startswith("2024年度报告表"), error.message
            assert "不等于" in error.message and re.search(r"\d+ = \d+", error.message)


def test_a_not_applicable_slash_is_shown_and_skipped_by_the_checks_but_refused_in_table_3(build_site):
    report = PINGTAN.replace("  rules: [0, 0, 0]", '  rules: ["/", "/", "/"]')
    site = build_site({"_reports/2024.yaml": report}, today=PINGTAN_DAY)
    first = tables(site.html("ndbg/2024/"))[0]
    assert cells_by_headers(first)[("规章", "本年制发件数")] == "/"
    with pytest.raises(BuildFailed) as failed:
        build_site({"_reports/2024.yaml": report.replace("  carried_over:              [0,", '  carried_over:              ["/",')}, today=PINGTAN_DAY)
    [error] = failed.value.errors
    assert error.message == "2024年度报告表三“二、上年结转政府信息公开申请数量”行“自然人”列填写的“/”是“/”，而这张表不能填“/”，应为不小于 0 的整数。"


# --- a site's own layout (a province's extra rows) --------------------------------------------------

EXTRA_ROW = 'add:\n  - after: withheld_query\n    key: withheld_other\n    label: "9.其他"\n'


def test_a_row_a_site_adds_inside_a_group_is_shown_in_place_and_counted_in_the_total(build_site):
    report = PINGTAN.replace(
        "  unavailable_not_held:", "  withheld_other:            [1, 0, 0, 0, 0, 0, 1]\n  unavailable_not_held:"
    ).replace("  withheld_internal:         [32, 0, 0, 0, 0, 0, 32]", "  withheld_internal:         [31, 0, 0, 0, 0, 0, 31]")
    site = build_site({"_reports/2024.yaml": report, "_reports/layout.yaml": EXTRA_ROW}, today=PINGTAN_DAY)
    table = tables(site.html("ndbg/2024/"))[4]
    labels = [" ".join(th.text_content().split()) for th in table.xpath("tbody//th")]
    assert labels == TABLE_3_ROWS[:14] + ["9.其他"] + TABLE_3_ROWS[14:]
    [group] = table.xpath(".//th[normalize-space()='（三）不予公开']")
    assert group.get("rowspan") == "9"
    assert cells_by_headers(table)[("三、本年度办理结果", "（三）不予公开", "9.其他", "申请人情况", "自然人")] == "1"
    # the new row is part of （三）, so （七）总计 must count it
    with pytest.raises(BuildFailed) as failed:
        build_site({"_reports/2024.yaml": report.replace("[31, 0, 0, 0, 0, 0, 31]", "[32, 0, 0, 0, 0, 0, 32]"), "_reports/layout.yaml": EXTRA_ROW}, today=PINGTAN_DAY)
    assert sorted(e.message for e in failed.value.errors) == [
        "2024年度报告表三“总计”列：（七）总计 218 不等于 （一）予以公开 71 + （二）部分公开 29 + （三）不予公开 40 + （四）无法提供 75 + （五）不予处理 1 + （六）其他处理 3 = 219。",
        "2024年度报告表三“自然人”列：（七）总计 217 不等于 （一）予以公开 71 + （二）部分公开 29 + （三）不予公开 40 + （四）无法提供 75 + （五）不予处理 1 + （六）其他处理 2 = 218。",
    ]


def test_a_row_added_outside_every_sum_is_summed_only_where_its_sum_into_says(build_site):
    report = PINGTAN.replace("  carried_forward:", "  online:                    [5, 0, 0, 0, 0, 0, 5]\n  carried_forward:")
    layout = 'add:\n  - after: carried_forward\n    key: online\n    label: "五、其中：网上申请"\n'
    site = build_site({"_reports/2024.yaml": report, "_reports/layout.yaml": layout}, today=PINGTAN_DAY)
    assert [" ".join(th.text_content().split()) for th in tables(site.html("ndbg/2024/"))[4].xpath("tbody//th")][-1] == "五、其中：网上申请"
    with pytest.raises(BuildFailed) as failed:
        build_site({"_reports/2024.yaml": report, "_reports/layout.yaml": layout + "    sum_into: total\n"}, today=PINGTAN_DAY)
    assert any(e.message.startswith("2024年度报告表三“自然人”列：（七）总计 217 不等于") and "五、其中：网上申请 5" in e.message for e in failed.value.errors)


def test_the_shipped_layout_reads_without_a_problem(tmp_path):
    problems = Problems()
    layout = read_layout(tmp_path, problems)
    assert problems.items == []
    assert [s.heading for s in layout.sections][0] == "一、总体情况"
    table = layout.sections[2].tables[0]
    assert [leaf.label for leaf in table.column_leaves()] == TABLE_3_COLUMNS


# --- the documents' own 行政规范性文件 numbers -------------------------------------------------------

NORMATIVE_SITE = MINIMAL_SITE_YAML.replace(
    '      - name: "部门文件"\n        slug: "bmwj"\n', '      - name: "部门文件"\n        slug: "bmwj"\n      - name: "行政规范性文件"\n        slug: "gfxwj"\n'
)


def normative(name, **extra):
    return {f"zcwj/gfxwj/{name}.md": document(title=f"规范性文件{name}", category="政策文件/行政规范性文件", doc_number=f"测政规〔{name}〕号", **extra)}


NORMATIVE_FILES = {
    **normative("a", date="2022-03-01", written_date="2022-02-20"),
    **normative("b", date="2023-01-10", written_date="2022-12-28", expiry="2024-06-30"),
    **normative("c", date="2024-05-01", repealed_by="测政规〔d〕号"),
    **normative("d", date="2025-02-01", written_date="2025-01-20", effective_date="2025-03-01"),
    **normative("e", date="2025-06-01", written_date="2025-05-20"),
}


@pytest.mark.parametrize(
    "year, issued, repealed, in_force",
    [(2022, 2, 0, 2), (2023, 0, 0, 2), (2024, 1, 1, 2), (2025, 2, 1, 3)],
)
def test_normative_documents_are_counted_by_issue_end_and_year_end(build_site, year, issued, repealed, in_force):
    site = build_site(NORMATIVE_FILES, site_yaml=NORMATIVE_SITE).result.site
    counts = count_normative(site, year)
    assert (counts.issued, counts.repealed, counts.in_force) == (issued, repealed, in_force)


def test_in_force_is_last_years_in_force_plus_issued_minus_repealed_every_year(build_site):
    site = build_site(NORMATIVE_FILES, site_yaml=NORMATIVE_SITE).result.site
    for year in range(2022, 2027):
        this, last = count_normative(site, year), count_normative(site, year - 1)
        assert this.in_force == last.in_force + this.issued - this.repealed, year


def test_a_document_declared_repealed_without_a_date_leaves_repealed_and_in_force_unknown(build_site):
    files = {**NORMATIVE_FILES, **normative("f", date="2023-05-01", validity="废止")}
    site = build_site(files, site_yaml=NORMATIVE_SITE).result.site
    assert (count_normative(site, 2022).in_force, count_normative(site, 2023).in_force) == (2, None)
    assert count_normative(site, 2023).issued == 1


def test_a_report_that_differs_from_the_documents_gets_a_warning_naming_both_numbers(build_site):
    report = PINGTAN.replace("2024年度", "2025年度").replace("date: 2025-03-10", "date: 2026-03-10")
    built = build_site({**NORMATIVE_FILES, "_reports/2025.yaml": report}, site_yaml=NORMATIVE_SITE)
    warnings = [(w.path.rsplit("content/", 1)[1], w.line, w.message) for w in built.result.warnings]
    assert warnings == [
        ("_reports/2025.yaml", 25, "2025年度报告表二“行政规范性文件”的“本年制发件数”填写为 62，而网站“政策文件/行政规范性文件”栏目中的文件成文日期在2025年的有 2 件。"),
        ("_reports/2025.yaml", 25, "2025年度报告表二“行政规范性文件”的“本年废止件数”填写为 33，而网站“政策文件/行政规范性文件”栏目中的文件在2025年废止或失效的有 1 件。"),
        ("_reports/2025.yaml", 25, "2025年度报告表二“行政规范性文件”的“现行有效件数”填写为 440，而网站“政策文件/行政规范性文件”栏目中的文件2025年12月31日有效的有 3 件。"),
    ]
    same = report.replace("normative: [62, 33, 440]", "normative: [2, 1, 3]")
    assert build_site({**NORMATIVE_FILES, "_reports/2025.yaml": same}, site_yaml=NORMATIVE_SITE).result.warnings == ()


def test_the_sample_sites_report_agrees_with_its_documents(sample_site):
    [report] = sample_site.result.site.reports.reports
    assert report.year == 2025 and report.values["normative"] == (1, 0, 2)
    assert not [w for w in sample_site.result.warnings if "_reports" in w.path]
    counts = count_normative(sample_site.result.site, 2025)
    assert (counts.issued, counts.repealed, counts.in_force) == (1, 0, 2)


# --- when reports are due, and held back --------------------------------------------------------


@pytest.mark.parametrize(
    "today, deadline, warned",
    [
        (dt.date(2026, 3, 31), "", False),
        (dt.date(2026, 4, 1), "", True),
        (dt.date(2026, 2, 1), "reports:\n  deadline: \"01-31\"\n", True),
        (dt.date(2026, 1, 31), "reports:\n  deadline: \"01-31\"\n", False),
    ],
)
def test_a_missing_report_for_last_year_is_a_warning_after_the_deadline(build_site, today, deadline, warned):
    built = build_site({"_reports/2024.yaml": PINGTAN}, site_yaml=MINIMAL_SITE_YAML + deadline, today=today)
    found = [w for w in built.result.warnings if "2025年度" in w.message]
    assert bool(found) == warned
    if warned:
        month = "1月31日" if deadline else "3月31日"
        assert found[0].message == f"还没有发布2025年度的政府信息公开工作年度报告：《政府信息公开条例》第四十九条要求在{month}前公布上一年度的年度报告。"
        assert found[0].path.endswith("content/_reports/")


def test_a_site_without_reports_is_not_reminded_and_shows_an_empty_list(build_site):
    built = build_site({"zcwj/a.md": document()})
    assert not [w for w in built.result.warnings if "年度报告" in w.message]
    assert "暂无年度报告。" in built.html("ndbg/").text_content()


def test_a_report_dated_after_today_is_held_back_until_then(build_site):
    built = build_site({"_reports/2024.yaml": PINGTAN}, today=dt.date(2025, 3, 9))
    assert not (built.out / "ndbg" / "2024").exists()
    assert built.result.site.reports.held_back[0].year == 2024
    assert "暂无年度报告。" in built.html("ndbg/").text_content()


def test_reports_are_not_documents_and_yaml_files_in_reports_build_no_pages(build_site):
    built = build_site({"zcwj/a.md": document(), "_reports/2024.yaml": PINGTAN, "_reports/README.md": "说明\n"}, today=PINGTAN_DAY)
    assert [d.source for d in built.result.site.documents] == ["zcwj/a.md"]
    assert not list(built.out.rglob("README*"))


def test_narrative_markdown_is_rendered_safely_with_links_to_documents(build_site):
    report = PINGTAN.replace("  2024年，无收取信息处理费情况。", "  见[通知](../zcwj/a.md)。<script>alert(1)</script>")
    built = build_site({"zcwj/a.md": document(title="关于测试的通知"), "_reports/2024.yaml": report}, today=PINGTAN_DAY)
    page = built.html("ndbg/2024/")
    assert page.xpath("//main//a[.='通知']/@href") == ["/zcwj/a/"]
    assert not page.xpath("//main//script") and "<script>alert(1)</script>" in page.text_content()
