"""validate.py: one parser per front-matter key; every problem of a file reported, in the author's words."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE_YAML
from govsite.config import load_site_config
from govsite.load import parse_yaml
from govsite.model import SourceFile
from govsite.problems import Problems
from govsite.validate import FIELDS, document_url, validate_document

REQUIRED = 'title: "关于测试的通知"\ncategory: "政策文件/县政府文件"\nissuer: "测试县人民政府"\ndate: 2024-05-01\n'


@pytest.fixture
def check(tmp_path):
    """`check(front_matter_text)` → (Document or None, errors, warnings) for content/zcwj/a.md."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "site.yaml").write_text(MINIMAL_SITE_YAML, encoding="utf-8")
    config = load_site_config(content, Problems())

    def _check(front: str, site_yaml: str | None = None):
        nonlocal config
        if site_yaml is not None:
            (content / "site.yaml").write_text(site_yaml, encoding="utf-8")
            config = load_site_config(content, Problems())
        path = content / "zcwj" / "a.md"
        source = SourceFile(path, "zcwj/a.md", "content/zcwj/a.md", parse_yaml(front, 2).value, "正文\n", len(front.splitlines()) + 3)
        problems = Problems()
        document = validate_document(source, config, content, problems)
        return document, problems.errors, problems.warnings

    return _check


def test_a_document_with_the_four_required_fields_is_valid(check):
    document, errors, warnings = check(REQUIRED)
    assert (errors, warnings) == ([], [])
    assert (document.title, document.category, document.issuer, document.date) == (
        "关于测试的通知",
        "政策文件/县政府文件",
        "测试县人民政府",
        dt.date(2024, 5, 1),
    )


@pytest.mark.parametrize("raw", ["2024-02-29", "２０２４-０２-２９", '"2024-02-29"'])
def test_valid_dates_in_any_quoting_and_full_width_digits_are_read(check, raw):
    document, errors, _ = check(REQUIRED.replace("date: 2024-05-01", f"date: {raw}"))
    assert errors == [] and document.date == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    "raw, message, fix",
    [
        ("2023-02-29", "“date”（2023-02-29）是不存在的日期：2023年2月没有29日。", "核对原件"),
        ("2024-13-01", "“date”（2024-13-01）是不存在的日期：没有13月。", "核对原件"),
        ("2024年5月1日", "“date”（2024年5月1日）的写法不对", "写成 date: 2024-05-01。"),
        ("2024.5.1", "“date”（2024.5.1）的写法不对", "写成 date: 2024-05-01。"),
        ("2024-5-1", "“date”（2024-5-1）的写法不对", "写成 date: 2024-05-01。"),
        ("去年六月", "“date”（去年六月）不是日期，应写成年-月-日", "2024-05-01"),
        ("2024-05-01 10:00", "“date”（2024-05-01 10:00）不是日期", "2024-05-01"),
    ],
)
def test_a_wrong_date_says_what_is_wrong_with_it_and_the_date_to_write(check, raw, message, fix):
    _, [error], _ = check(REQUIRED.replace("date: 2024-05-01", f"date: {raw}"))
    assert error.line == 5
    assert error.message.startswith(message) and fix in error.fix


def test_every_problem_of_a_file_is_reported_not_only_the_first(check):
    front = 'title:\n  zh: 关于\ncategory: "政策文件/县政府文件"\nissuer: "测试县财政厅"\ndate: 2024-02-30\nexpiry: 去年\n'
    document, errors, _ = check(front)
    assert document is None
    assert [e.line for e in errors] == [2, 5, 6, 7]


def test_an_empty_required_field_is_called_empty_not_missing(check):
    _, [error], _ = check(REQUIRED.replace('title: "关于测试的通知"', "title:"))
    assert (error.line, error.message) == (2, "必填字段“title”（标题）是空的。")


@pytest.mark.parametrize("empty", ["expiry:", "expiry: ~", "summary: null"])
def test_an_empty_optional_field_is_treated_as_absent(check, empty):
    document, errors, _ = check(REQUIRED + empty + "\n")
    assert errors == [] and document.expiry is None and document.summary == ""


def test_missing_required_fields_give_a_value_from_this_sites_config_to_copy(check):
    _, errors, _ = check('title: "甲"\n')
    fixes = {e.message: e.fix for e in errors}
    assert fixes["缺少必填字段“category”（栏目）。"] == "在 front matter 中写上 category: \"政策文件/县政府文件\"（site.yaml 中栏目的完整路径）。"
    assert fixes["缺少必填字段“issuer”（发布机构）。"] == "在 front matter 中写上 issuer: \"测试县人民政府\"（site.yaml 的 issuers 之一）。"
    assert all(e.line == 1 for e in errors)


@pytest.mark.parametrize("written", ["政策文件/县政府文件", " 政策文件 / 县政府文件 ", "/政策文件/县政府文件/"])
def test_a_category_path_with_stray_spaces_or_slashes_is_accepted(check, written):
    document, errors, _ = check(REQUIRED.replace('"政策文件/县政府文件"', f'"{written}"'))
    assert errors == [] and document.category == "政策文件/县政府文件"


def test_a_leaf_name_shared_by_two_categories_lists_both_full_paths(check):
    site_yaml = MINIMAL_SITE_YAML.replace('  - name: "公示公告"\n', '  - name: "公示公告"\n    children:\n      - name: "部门文件"\n')
    _, [error], _ = check(REQUIRED.replace('"政策文件/县政府文件"', '"部门文件"'), site_yaml)
    assert "有 2 个栏目都叫“部门文件”：政策文件/部门文件、公示公告/部门文件，请写完整路径。" in error.message


def test_a_category_with_nothing_close_lists_every_category(check):
    _, [error], _ = check(REQUIRED.replace('"政策文件/县政府文件"', '"人事信息"'))
    assert "是不是" not in error.message
    assert "可选的有：政策文件、政策文件/县政府文件、政策文件/部门文件、政策解读、公示公告" in error.fix


def test_an_issuer_with_nothing_close_gets_no_guess(check):
    _, [error], _ = check(REQUIRED.replace('"测试县人民政府"', '"某某公司"'))
    assert error.message == "发布机构“某某公司”不在 site.yaml 的 issuers 中。"
    assert "先把它加到 site.yaml 的 issuers 列表中" in error.fix


def test_co_issuers_may_be_a_list_or_one_line_and_each_must_be_known(check):
    document, errors, _ = check(REQUIRED + "co_issuers: 测试县财政局、测试县教育局\n")
    assert errors == [] and document.co_issuers == ("测试县财政局", "测试县教育局")
    _, [error], _ = check(REQUIRED + 'co_issuers:\n  - "测试县财政局"\n  - "测试县教育厅"\n')
    assert (error.line, error.message) == (8, "联合发文机关“测试县教育厅”不在 site.yaml 的 issuers 中。是不是“测试县教育局”？")


@pytest.mark.parametrize(
    "extra, words",
    [
        ("validity: 作废", "只能是“失效”或“废止”"),
        ("draft: 也许", "应为 true 或 false"),
        ("source_url: www.gov.cn/zhengce", "不是以 http:// 或 https:// 开头的网址"),
        ("keywords:\n  - a: b", "“keywords”中有一项不是文字"),
        ("effective_date: 2024-06-01\nexpiry: 2024-05-15", "“expiry”（2024-05-15）早于“effective_date”（2024-06-01）"),
        ("attachments:\n  - path: ../../../etc/passwd", "不在内容目录中"),
    ],
)
def test_optional_fields_with_wrong_values_say_what_is_allowed(check, extra, words):
    _, errors, _ = check(REQUIRED + extra + "\n")
    assert len(errors) == 1 and words in errors[0].message and errors[0].fix


def test_unknown_key_warns_with_the_nearest_known_key_or_the_list(check):
    document, errors, warnings = check(REQUIRED + "expirey: 2025-01-01\n作者: 张三\n")
    assert document is not None and errors == []
    assert [(w.line, w.message, w.fix) for w in warnings] == [
        (6, "未知字段“expirey”，将被忽略。是不是“expiry”？", "把“expirey”改成“expiry”。"),
        (7, "未知字段“作者”，将被忽略。", f"可用的字段有：{'、'.join(FIELDS)}。"),
    ]


@pytest.mark.parametrize(
    "rel, url",
    [
        ("zcwj/2024/qzf-5.md", "zcwj/2024/qzf-5/"),
        ("zcwj/A b.md", "zcwj/a-b/"),
        ("zcwj/a-b.md", "zcwj/a-b/"),
        ("gsgg/关于 印发#1.md", "gsgg/关于-印发-1/"),
        ("gsgg/通知/index.md", "gsgg/通知/"),
    ],
)
def test_document_url_comes_from_the_path_only(rel, url):
    assert document_url(rel) == url
