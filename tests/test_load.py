"""load.py: decoding, front matter, and YAML read safely with the author's lines and words."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from govsite.load import YamlProblem, decode, parse_yaml, read_source, read_sources, split_front_matter
from govsite.problems import Problems


def values(text: str) -> dict:
    return {key: item.value for key, item in parse_yaml(text).value.items()}


def test_scalars_keep_the_authors_text_instead_of_yamls_guesses():
    assert values("index_number: 000123\ndate: 2024-02-30\ndraft: yes\ntitle: 2024\nsummary: 1e3\n") == {
        "index_number": "000123",
        "date": "2024-02-30",
        "draft": "yes",
        "title": "2024",
        "summary": "1e3",
    }


def test_empty_values_are_none_but_quoted_empty_strings_are_text():
    assert values('a:\nb: ~\nc: ""\nd: "null"\n') == {"a": None, "b": None, "c": "", "d": "null"}


def test_lines_are_counted_from_the_top_of_the_file_not_of_the_yaml_block():
    front = parse_yaml("title: 甲\n\ndate: 2024-05-01\n", first_line=2).value
    assert (front["title"].line, front["date"].line) == (2, 4)


def test_a_value_written_below_its_key_takes_the_keys_line():
    front = parse_yaml("title: 甲\nkeywords:\n  - 财政\n  - 预算\n", first_line=2).value
    assert front["keywords"].line == 3
    assert [item.line for item in front["keywords"].value] == [4, 5]


def test_plain_values_that_yaml_would_read_as_merge_or_value_are_text():
    assert values("a: =\nb: <<\n") == {"a": "=", "b": "<<"}


@pytest.mark.parametrize(
    "text",
    [
        'summary: !!python/object/apply:os.system ["touch /tmp/govsite-pwned-marker"]',
        "summary: !!python/name:os.system",
        "summary: !include other.yaml",
        "keywords: !!set {a, b}",
        "summary: !custom 文字",
    ],
)
def test_tags_are_refused_before_anything_is_constructed(text):
    Path("/tmp/govsite-pwned-marker").unlink(missing_ok=True)
    with pytest.raises(YamlProblem) as problem:
        parse_yaml("title: 甲\n" + text + "\n", first_line=2)
    assert problem.value.line == 3
    assert "不支持 YAML 标签" in problem.value.message and "不会被执行" in problem.value.message
    assert not Path("/tmp/govsite-pwned-marker").exists()


def test_aliases_are_refused_so_a_few_lines_cannot_grow_into_billions_of_values():
    lines = ['a: &a ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    for name, previous in zip("bcdefghi", "abcdefgh"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    started = time.perf_counter()
    with pytest.raises(YamlProblem) as problem:
        parse_yaml("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1
    assert problem.value.message.startswith("不支持 YAML 引用（& 和 *）")


def test_an_alias_is_reported_on_the_line_that_uses_it():
    with pytest.raises(YamlProblem) as problem:
        parse_yaml('keywords: &kw ["财政"]\nsummary: 甲\nco_issuers: *kw\n', first_line=2)
    assert problem.value.line == 4
    assert "第 2 行" in problem.value.message


def test_a_merge_key_is_refused_rather_than_read_as_a_key_named_angle_brackets():
    with pytest.raises(YamlProblem, match="合并"):
        parse_yaml("<<: {title: 甲}\n")


def test_a_key_written_twice_names_both_lines():
    with pytest.raises(YamlProblem) as problem:
        parse_yaml("title: 甲\ndate: 2024-05-01\ntitle: 乙\n", first_line=2)
    assert problem.value.line == 4
    assert problem.value.message == "“title”写了两次（第 2 行已经有了）。"


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("title: 关于: 通知\n", 2, "这里不能出现冒号"),
        ("title: 甲\ncategory：政策文件\n", 3, "中文冒号"),
        ("title: 甲\nkeywords:\n\t- 财政\n", 4, "Tab"),
        ('title: "关于通知\ncategory: 甲\n', 2, '引号 " 没有闭合'),
        ("title: '关于通知\ncategory: 甲\n", 2, "引号 ' 没有闭合"),
        ('title: "关于"十四五"规划"\n', 2, "提前结束了整个值"),
        ('title: "甲" # 注释\nkeywords: [财政, 预算\n', 3, "方括号"),
        ('summary: "C:\\q"\n', 2, "反斜杠"),
        ("title: 甲\n---\ndate: 2024-05-01\n", 3, "第二个 --- 分隔线"),
        ("title: 甲\nsummary: 乙\x07\n", 3, "控制字符（U+0007）"),
        ("title: 甲\n- 乙\n", 3, "缩进不一致"),
    ],
)
def test_yaml_mistakes_are_explained_in_chinese_on_the_line_the_author_made_them(text, line, words):
    with pytest.raises(YamlProblem) as problem:
        parse_yaml(text, first_line=2)
    assert (problem.value.line, words in problem.value.message) == (line, True), problem.value.message
    assert not any(english in problem.value.message for english in ("while ", "found ", "expected ", "mapping values"))


def test_quotes_escaped_inside_a_value_are_not_mistaken_for_its_end():
    assert values("a: \"他说\\\"好\\\"\"\nb: '它''s'\n") == {"a": '他说"好"', "b": "它's"}


def test_utf8_bom_and_windows_line_ends_are_removed():
    problems = Problems()
    assert decode(b"\xef\xbb\xbf---\r\ntitle: \xe7\x94\xb2\r\n---\rbody", "a.md", problems) == "---\ntitle: 甲\n---\nbody"
    assert problems.items == []


def test_gbk_file_is_named_with_the_line_and_how_to_convert_it():
    problems = Problems()
    assert decode("---\ntitle: 关于通知\n".encode("gbk"), "content/a.md", problems) is None
    [problem] = problems.items
    assert (problem.path, problem.line) == ("content/a.md", 2)
    assert "不是 UTF-8" in problem.message and "GBK" in problem.message
    assert "iconv -f GBK -t UTF-8 'content/a.md'" in problem.fix and "另存为" in problem.fix


def test_bytes_that_are_not_gbk_either_only_say_not_utf8():
    problems = Problems()
    decode(b"---\n\xff\xfe\xff\n", "a.md", problems)
    assert "不是 UTF-8" in problems.items[0].message and "GBK" not in problems.items[0].message


def test_front_matter_lines_and_body_line_are_counted_from_the_top():
    assert split_front_matter("---\ntitle: 甲\n---\n\n正文\n", "a.md", Problems()) == ("title: 甲", 2, "\n正文\n", 4)


@pytest.mark.parametrize(
    "text, words",
    [
        ("   \n\n", "文件是空的"),
        ("# 标题\n正文\n", "文件开头没有 front matter。"),
        ("+++\ntitle = '甲'\n+++\n", "请把 +++ 改成 ---"),
        ("---\ntitle: 甲\n正文\n", "front matter 没有结束"),
    ],
)
def test_a_file_without_usable_front_matter_says_which_fence_is_missing(text, words):
    problems = Problems()
    assert split_front_matter(text, "a.md", problems) is None
    assert words in problems.items[0].message
    assert problems.items[0].fix


@pytest.mark.parametrize(
    "front, words",
    [
        ("", "front matter 是空的"),
        ("- 甲\n- 乙", "写成了列表"),
        ("title：关于通知", "中文冒号"),
    ],
)
def test_front_matter_that_is_not_key_value_says_what_it_is_instead(tmp_path, front, words):
    path = tmp_path / "a.md"
    path.write_text(f"---\n{front}\n---\n正文\n", encoding="utf-8")
    problems = Problems()
    assert read_source(path, "a.md", "a.md", problems) is None
    assert words in problems.items[0].message and problems.items[0].line == 2


def test_sources_are_read_sorted_skipping_hidden_folders_and_readmes(tmp_path):
    good = "---\ntitle: 甲\n---\n"
    for name in ("b/2.md", "a/1.md", "a 空格/中文.md", ".git/x.md", "_drafts/y.md", "README.md", "a/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(good, encoding="utf-8")
    assert [s.rel for s in read_sources(tmp_path, Problems())] == ["a 空格/中文.md", "a/1.md", "b/2.md"]


def test_absurdly_deep_nesting_is_a_message_not_a_crash():
    with pytest.raises(YamlProblem, match="嵌套的层次太多"):
        parse_yaml("keywords: " + "[" * 5000 + "]" * 5000 + "\n")


def test_a_dangling_link_is_named_in_the_authors_words(tmp_path):
    (tmp_path / "a.md").symlink_to(tmp_path / "gone.md")
    problems = Problems()
    assert read_sources(tmp_path, problems) == []
    [problem] = problems.items
    assert problem.message == "文件不存在（可能是指向别处的快捷方式或链接已失效）。"
    assert problem.fix
