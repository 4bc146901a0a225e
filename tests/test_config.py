"""config.py: site.yaml → SiteConfig; each missing or wrong key named with its line and fix."""

from __future__ import annotations

import pytest

from conftest import MINIMAL_SITE_YAML
from govsite.config import load_site_config, slugify
from govsite.problems import Problems


def load(tmp_path, text: str | bytes):
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    (content / "site.yaml").write_bytes(data)
    problems = Problems()
    return load_site_config(content, problems), problems


def test_the_minimal_site_yaml_gives_the_category_tree_and_issuers_without_problems(tmp_path):
    config, problems = load(tmp_path, MINIMAL_SITE_YAML)
    assert problems.items == []
    assert list(config.categories_by_key) == ["政策文件", "政策文件/县政府文件", "政策文件/部门文件", "政策解读", "公示公告"]
    assert config.categories_by_key["公示公告"].url == "gk/gongshigonggao/"
    assert config.issuers_by_name["测试县财政局"].url == "jigou/ceshixiancaizhengju/"


def test_slugs_are_full_pinyin_so_a_new_sibling_never_changes_an_existing_url():
    assert (slugify("县财政局"), slugify("县　财政局（试点）"), slugify("A区2号")) == ("xiancaizhengju", "xian-caizhengju-shidian", "aqu2hao")


def test_missing_footer_keys_are_warnings_naming_each_key(tmp_path):
    text = MINIMAL_SITE_YAML.split("sponsor:")[0] + "office:" + MINIMAL_SITE_YAML.split("office:")[1]
    config, problems = load(tmp_path, text)
    assert config is not None and problems.errors == []
    named = {w.message.split("（")[0] for w in problems.warnings}
    assert named == {"没有设置 sponsor", "没有设置 site_id_code", "没有设置 icp", "没有设置 police_record"}


def test_without_an_office_block_the_guide_cannot_be_built_and_the_error_names_every_key(tmp_path):
    text = MINIMAL_SITE_YAML.split("office:")[0] + "issuers:" + MINIMAL_SITE_YAML.split("issuers:")[1]
    config, problems = load(tmp_path, text)
    [error] = problems.errors
    assert (error.line, error.message) == (
        0,
        "没有设置 office（政府信息公开工作机构）：《政府信息公开条例》第十二条要求政府信息公开指南载明它的名称、办公地址、办公时间、联系电话、传真号码和电子邮箱。",
    )
    assert "name、address、postcode、hours、phone、fax、email" in error.fix


@pytest.mark.parametrize("key, what", [("name", "名称"), ("address", "地址"), ("hours", "办公时间"), ("phone", "电话"), ("fax", "传真"), ("email", "电子邮箱")])
def test_an_office_key_the_guide_requires_is_an_error_naming_the_key(tmp_path, key, what):
    line = next(line for line in MINIMAL_SITE_YAML.splitlines(keepends=True) if line.startswith(f"  {key}:"))
    config, problems = load(tmp_path, MINIMAL_SITE_YAML.replace(line, ""))
    assert problems.warnings == []
    [error] = problems.errors
    assert (error.line, error.message, error.fix) == (
        9,
        f"office 中没有 {key}（{what}）：《政府信息公开条例》第十二条要求政府信息公开指南载明这一项。",
        f"在 office: 下加上 {key}: \"…\"。",
    )


def test_an_empty_office_value_is_an_error_on_its_own_line(tmp_path):
    _, problems = load(tmp_path, MINIMAL_SITE_YAML.replace('fax: "0000-0000001"', 'fax: ""'))
    assert [(e.line, e.message.split("：")[0]) for e in problems.errors] == [(15, "office 中没有 fax（传真）")]


def test_a_missing_postcode_is_only_a_warning_on_the_office_line(tmp_path):
    config, problems = load(tmp_path, MINIMAL_SITE_YAML.replace('  postcode: "000000"\n', ""))
    assert problems.errors == []
    [warning] = problems.warnings
    assert (warning.line, warning.message) == (9, "office 中没有 postcode（邮政编码），页面中将不显示这一项。")


def test_the_guide_and_reports_blocks_are_read(tmp_path):
    text = MINIMAL_SITE_YAML + 'guide:\n  supervisor: "测试县人民政府办公室"\n  court: "测试县人民法院"\nreports:\n  deadline: "01-31"\n  normative_category: "政策文件/部门文件"\n'
    config, problems = load(tmp_path, text)
    assert problems.items == []
    assert (config.guide.supervisor, config.guide.court, config.guide.higher_organ) == ("测试县人民政府办公室", "测试县人民法院", "")
    assert (config.reports.deadline, config.reports.normative_category) == ((1, 31), "政策文件/部门文件")


@pytest.mark.parametrize(
    "block, line, message",
    [
        ('reports:\n  deadline: "02-30"\n', 33, "reports 中的 deadline（02-30）不是“月-日”形式的日期。"),
        ('reports:\n  normative_category: "规范性文件"\n', 33, "reports 中的 normative_category（规范性文件）不是 categories 中的栏目。"),
        ('guide: "青山县"\n', 32, "guide 应该是政府信息公开指南的各项设置。"),
    ],
)
def test_wrong_guide_and_reports_settings_are_errors_on_their_line(tmp_path, block, line, message):
    _, problems = load(tmp_path, MINIMAL_SITE_YAML + block)
    assert [(e.line, e.message) for e in problems.errors] == [(line, message)]


def test_a_misspelt_guide_key_is_a_warning_with_the_nearest_key(tmp_path):
    _, problems = load(tmp_path, MINIMAL_SITE_YAML + 'guide:\n  suprevisor: "测试县人民政府办公室"\n')
    assert [(w.line, w.message) for w in problems.warnings] == [(33, "guide 中有未知的键“suprevisor”，将被忽略。是不是“supervisor”？")]


def test_a_misspelt_key_is_a_warning_with_the_nearest_key(tmp_path):
    _, problems = load(tmp_path, MINIMAL_SITE_YAML.replace("icp:", "ipc:"))
    assert any(w.line == 7 and "未知的配置项“ipc”" in w.message and "是不是“icp”？" in w.message for w in problems.warnings)


@pytest.mark.parametrize(
    "categories, message",
    [
        ("categories:\n", "categories（政府信息公开目录的栏目）下面没有任何一项。"),
        ("categories: []\n", "categories（政府信息公开目录的栏目）下面没有任何一项。"),
        ('categories: "政策文件"\n', "categories（政府信息公开目录的栏目）写成了一段文字“政策文件”，应该是列表：每一项单独一行，以 - 开头。"),
        ("categories:\n  政策文件: zcwj\n", "categories（政府信息公开目录的栏目）写成了“键: 值”，应该是列表：每一项单独一行，以 - 开头。"),
    ],
)
def test_categories_that_are_not_a_list_say_what_they_are_instead(tmp_path, categories, message):
    text = MINIMAL_SITE_YAML.split("categories:")[0] + categories
    config, problems = load(tmp_path, text)
    assert config is None
    [error] = problems.errors
    assert (error.line, error.message) == (21, message)
    assert "categories:" in error.fix


def test_issuers_written_on_one_line_say_to_make_a_list(tmp_path):
    head, tail = MINIMAL_SITE_YAML.split("issuers:\n")
    text = head + 'issuers: "测试县人民政府"\ncategories:' + tail.split("categories:")[1]
    _, problems = load(tmp_path, text)
    [error] = problems.errors
    assert error.message == "issuers（发布机构名单）写成了一段文字“测试县人民政府”，应该是列表：每一项单独一行，以 - 开头。"


@pytest.mark.parametrize(
    "replace, line, words",
    [
        (('slug: "bmwj"', 'slug: "部门"'), 28, "只能用小写英文字母、数字和 -"),
        (('"https://xxgk.test.example.gov.cn/"', '"ftp://xxgk.test.example.gov.cn/"'), 2, "不是完整的网址"),
        (('title: "测试县人民政府信息公开"', "title:\n  - 甲"), 1, "title 应该是一段文字"),
    ],
)
def test_wrong_values_in_site_yaml_name_their_line(tmp_path, replace, line, words):
    _, problems = load(tmp_path, MINIMAL_SITE_YAML.replace(*replace))
    [error] = problems.errors
    assert (error.line, words in error.message) == (line, True), error.message
    assert error.fix


def test_a_page_size_out_of_range_is_an_error_on_its_line(tmp_path):
    _, problems = load(tmp_path, MINIMAL_SITE_YAML + "page_size: 2\n")
    [error] = problems.errors
    assert (error.line, error.message) == (len(MINIMAL_SITE_YAML.splitlines()) + 1, "page_size（2）应该是 5 到 200 之间的整数。")


def test_a_theme_folder_that_does_not_exist_is_an_error(tmp_path):
    _, problems = load(tmp_path, MINIMAL_SITE_YAML + 'theme: "themes/没有"\n')
    [error] = problems.errors
    assert "主题目录“themes/没有”不存在" in error.message


def test_site_yaml_with_bom_and_crlf_is_read(tmp_path):
    config, problems = load(tmp_path, b"\xef\xbb\xbf" + MINIMAL_SITE_YAML.replace("\n", "\r\n").encode("utf-8"))
    assert problems.errors == [] and config.title == "测试县人民政府信息公开"


def test_site_yaml_in_gbk_says_so(tmp_path):
    config, problems = load(tmp_path, MINIMAL_SITE_YAML.encode("gbk"))
    assert config is None
    assert "GBK" in problems.errors[0].message
