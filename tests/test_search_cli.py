"""`govsite search`: a webmaster finds documents from the terminal; the whoosh index follows the content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import document, make_content, run_cli

TODAY = "2026-11-24"

DOCUMENTS = {
    "zcwj/xzfwj/2024/cg-5.md": document(
        title="测试县人民政府关于印发测试县政府采购管理办法的通知",
        category="政策文件/县政府文件",
        issuer="测试县人民政府",
        date="2024-03-15",
        doc_number="测政发〔2024〕5号",
        keywords=["政府采购"],
        body="为规范政府采购行为，提高财政资金使用效益，制定本办法。\n",
    ),
    "zcwj/bmwj/2023/ys-12.md": document(
        title="测试县财政局关于下达2023年部门预算的通知",
        category="政策文件/部门文件",
        issuer="测试县财政局",
        date="2023-02-01",
        doc_number="测财预[2023]12号",
        expiry="2023-12-31",
        body="各部门：现将2023年部门预算下达给你们，请严格执行。\n",
    ),
    "zcwj/bmwj/2022/kh-3.md": document(
        title="关于规范中小学课后服务收费的通知",
        category="政策文件/部门文件",
        issuer="测试县教育局",
        co_issuers=["测试县教育局", "测试县财政局"],
        date="2022-08-01",
        doc_number="测教发【2022】3号",
        validity="废止",
        body="课后服务收费标准由学校公示。\n",
    ),
    "zcjd/2024/jd-cg.md": document(
        title="《测试县政府采购管理办法》政策解读",
        category="政策解读",
        issuer="测试县财政局",
        date="2024-03-20",
        body="本办法明确了政府采购的程序，公开招标后公示中标结果。\n",
    ),
    "gsgg/2024/zb-1.md": document(
        title="测试县中小学校舍维修项目中标结果公告",
        category="公示公告",
        issuer="测试县教育局",
        date="2024-06-01",
        body="经评审，现将中标结果公告如下。项目编号：CG2023-12。\n",
    ),
}
PROCUREMENT, BUDGET, AFTER_SCHOOL, EXPLAINED, AWARD = (f"content/{path}" for path in DOCUMENTS)


@pytest.fixture
def site(tmp_path) -> Path:
    """A project folder holding content/ with the five documents above."""
    make_content(tmp_path, DOCUMENTS)
    return tmp_path


def search(project: Path, *args: str, today: str = TODAY):
    return run_cli("search", *args, "--today", today, cwd=project)


def hits(stdout: str) -> list[str]:
    """The paths of the result blocks, in order."""
    return [line for line in stdout.splitlines() if line.startswith(("content/", "../"))]


def first_line(stdout: str) -> str:
    return stdout.splitlines()[0]


def test_a_document_is_found_by_its_exact_title_first(site):
    completed = search(site, "测试县财政局关于下达2023年部门预算的通知")
    assert completed.returncode == 0, completed.stderr
    assert hits(completed.stdout)[0] == BUDGET
    block = completed.stdout.split(BUDGET, 1)[1]
    assert "标题：测试县财政局关于下达2023年部门预算的通知" in block
    assert "日期：2023-02-01" in block and "文号：测财预[2023]12号" in block
    assert "发布机构：测试县财政局" in block and "有效性：失效" in block


@pytest.mark.parametrize(
    "number",
    ["测财预[2023]12号", "测财预〔2023〕12号", "测财预【2023】12号", "测财预(2023)12号", "测财预（２０２３）１２号", "测财预﹝2023﹞12号"],
)
def test_a_document_number_matches_in_every_bracket_spelling_and_with_full_width_digits(site, number):
    completed = search(site, number)
    assert completed.returncode == 0, completed.stderr
    assert first_line(completed.stdout).startswith("共 1 条")
    assert hits(completed.stdout) == [BUDGET]


def test_an_organ_name_ranks_the_documents_issued_by_that_organ_first(site):
    completed = search(site, "测试县教育局")
    assert set(hits(completed.stdout)[:2]) == {AFTER_SCHOOL, AWARD}
    assert "发布机构：测试县教育局、测试县财政局" in completed.stdout  # the co-issuer is shown too


def test_documents_with_both_words_come_before_documents_with_one(site):
    found = hits(search(site, "政府采购", "中标").stdout)
    assert found[0] == EXPLAINED  # the only one with both words
    assert set(found[1:]) == {PROCUREMENT, AWARD}


@pytest.mark.parametrize(
    "option, expected",
    [
        (["--category", "政策文件"], {PROCUREMENT, BUDGET, AFTER_SCHOOL}),  # a top-level category includes its children
        (["--category", "政策文件/部门文件"], {BUDGET, AFTER_SCHOOL}),
        (["--category", "部门文件"], {BUDGET, AFTER_SCHOOL}),  # a unique last part is enough
        (["--issuer", "测试县财政局"], {BUDGET, AFTER_SCHOOL, EXPLAINED}),  # co-issued documents count
        (["--issuer", "教育局"], {AFTER_SCHOOL, AWARD}),
        (["--year", "2024"], {PROCUREMENT, EXPLAINED, AWARD}),
        (["--validity", "失效"], {BUDGET}),
        (["--validity", "废止"], {AFTER_SCHOOL}),
        (["--year", "2024", "--category", "政策解读"], {EXPLAINED}),
    ],
)
def test_filters_narrow_the_results(site, option, expected):
    completed = search(site, "通知", "测试县", "课后服务", "公告", *option)
    assert completed.returncode == 0, completed.stderr
    assert set(hits(completed.stdout)) == expected
    assert first_line(completed.stdout).startswith(f"共 {len(expected)} 条")


def test_without_filters_the_same_query_finds_every_document(site):
    assert set(hits(search(site, "通知", "测试县", "课后服务", "公告").stdout)) == {f"content/{p}" for p in DOCUMENTS}


@pytest.mark.parametrize(
    "option, message",
    [
        (["--category", "政策"], "没有栏目“政策”"),
        (["--issuer", "测试县审计局"], "没有发布机构“测试县审计局”"),
        (["--issuer", "测试县"], "是“测试县人民政府”“测试县财政局”“测试县教育局”中的哪一个？"),
    ],
)
def test_an_unknown_filter_value_is_a_clear_message(site, option, message):
    completed = search(site, "通知", *option)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_first_run_indexes_every_document_and_a_second_run_touches_nothing(site):
    first = search(site, "预算")
    assert first_line(first.stdout) == "共 1 条（索引已更新：新增 5，修改 0，删除 0）"
    folder = site / ".govsite-cache" / "whoosh"
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}
    second = search(site, "预算")
    assert first_line(second.stdout) == "共 1 条（索引已是最新）"
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()} == before
    assert hits(second.stdout) == hits(first.stdout) == [BUDGET]


def test_after_editing_one_file_the_next_run_updates_that_document_only(site):
    search(site, "预算")
    path = site / BUDGET
    path.write_text(path.read_text(encoding="utf-8").replace("下达2023年部门预算", "调整2023年部门决算"), encoding="utf-8")
    completed = search(site, "部门决算")
    assert first_line(completed.stdout) == "共 1 条（索引已更新：新增 0，修改 1，删除 0）"
    assert hits(completed.stdout) == [BUDGET]
    assert "标题：测试县财政局关于调整2023年部门决算的通知" in completed.stdout
    assert "共 0 条" in search(site, "title:下达").stdout


def test_a_deleted_file_is_no_longer_found(site):
    assert hits(search(site, "校舍维修").stdout) == [AWARD]
    (site / AWARD).unlink()
    completed = search(site, "校舍维修")
    assert first_line(completed.stdout) == "共 0 条（索引已更新：新增 0，修改 0，删除 1）"
    assert hits(completed.stdout) == []


def test_a_new_file_is_found_on_the_next_run(site):
    search(site, "预算")
    (site / "content/gsgg/2024/zb-2.md").write_text(
        document(title="测试县道路养护项目中标结果公告", category="公示公告", issuer="测试县人民政府", date="2024-07-01"),
        encoding="utf-8",
    )
    completed = search(site, "道路养护")
    assert first_line(completed.stdout) == "共 1 条（索引已更新：新增 1，修改 0，删除 0）"
    assert hits(completed.stdout) == ["content/gsgg/2024/zb-2.md"]


def test_another_today_reindexes_only_the_documents_whose_validity_or_publication_changes(site):
    search(site, "预算")
    # on 2023-06-01 the budget is still in force and the three documents of 2024 are not yet published
    completed = search(site, "预算", "--validity", "有效", today="2023-06-01")
    assert first_line(completed.stdout) == "共 1 条（索引已更新：新增 0，修改 1，删除 3）"
    assert hits(completed.stdout) == [BUDGET]


def test_a_changed_index_version_rebuilds_the_index_from_scratch(site):
    search(site, "预算")
    marker = site / ".govsite-cache" / "whoosh" / "govsite-index.json"
    data = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps({**data, "version": "an older govsite"}), encoding="utf-8")
    completed = search(site, "预算")
    assert first_line(completed.stdout) == "共 1 条（索引已更新：新增 5，修改 0，删除 0）"
    assert hits(completed.stdout) == [BUDGET]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("title:预算", [BUDGET]),
        ("doc_number:测教发[2022]3号", [AFTER_SCHOOL]),
        ("文号：测教发〔2022〕3号", [AFTER_SCHOOL]),  # Chinese field name and colon
        ("body:中标 AND category:政策解读", [EXPLAINED]),
        ("issuer:教育局 NOT 公告", [AFTER_SCHOOL]),
        ("validity:废止", [AFTER_SCHOOL]),
        ('"政府采购 公示"', [EXPLAINED]),  # quotes: every word must be there
    ],
)
def test_whoosh_field_queries_work(site, query, expected):
    completed = search(site, query)
    assert completed.returncode == 0, completed.stderr
    assert hits(completed.stdout) == expected


def test_a_plain_word_is_not_limited_to_one_field_while_a_field_query_is(site):
    assert set(hits(search(site, "预算").stdout)) == {BUDGET}
    assert hits(search(site, "body:预算").stdout) == [BUDGET]
    assert hits(search(site, "title:公示").stdout) == []
    assert set(hits(search(site, "公示").stdout)) == {EXPLAINED, AFTER_SCHOOL}


@pytest.mark.parametrize(
    "query, message",
    [
        ("tilte:预算", "不认识的字段“tilte”。是不是“title”？"),
        ("title: 预算", "字段“title:”后面没有要搜索的内容"),
        ("，。！", "中没有可以搜索的字词"),
    ],
)
def test_a_bad_query_is_a_clear_message_in_chinese(site, query, message):
    completed = search(site, query)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert completed.stdout == "" and "Traceback" not in completed.stderr
    assert not (site / ".govsite-cache").exists()  # told before any indexing


def test_an_empty_result_says_so(site):
    completed = search(site, "高速公路")
    assert completed.returncode == 0
    assert first_line(completed.stdout) == "共 0 条（索引已更新：新增 5，修改 0，删除 0）"
    assert "没有找到与“高速公路”相符的文件" in completed.stdout


def test_limit_shows_the_best_hits_and_says_how_many_there_are(site):
    completed = search(site, "测试县", "--limit", "2")
    assert first_line(completed.stdout).startswith("共 5 条，显示前 2 条")
    assert len(hits(completed.stdout)) == 2


def test_content_errors_are_printed_as_the_build_prints_them_and_exit_1(site):
    (site / "content/zcwj/bmwj/2023/bad.md").write_text(document(date="2023-02-30"), encoding="utf-8")
    completed = search(site, "预算")
    assert completed.returncode == 1
    assert re.search(r"content/zcwj/bmwj/2023/bad\.md:\d+: “date”（2023-02-30）是不存在的日期", completed.stderr)
    assert "共 1 个错误，涉及 1 个文件" in completed.stderr
    assert not (site / ".govsite-cache").exists()


def test_paths_are_shown_relative_to_where_the_command_runs(site):
    (site / "sub").mkdir()
    completed = run_cli("search", "部门预算", "--content", "../content", "--today", TODAY, cwd=site / "sub")
    assert hits(completed.stdout) == ["../" + BUDGET]
    assert (site / "sub" / ("../" + BUDGET)).is_file()
    assert (site / ".govsite-cache" / "whoosh").is_dir()  # beside content/, not where the command ran


def test_the_cache_option_puts_the_index_where_it_says(site, tmp_path):
    completed = search(site, "预算", "--cache", str(tmp_path / "elsewhere"))
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "elsewhere" / "whoosh" / "govsite-index.json").is_file()
    assert not (site / ".govsite-cache").exists()


def test_help_names_the_query_fields(site):
    completed = run_cli("search", "--help", cwd=site)
    for field in ("title:", "doc_number:", "issuer:", "keywords:", "body:", "category:", "year:", "validity:"):
        assert field in completed.stdout
