"""The configured Markdown parser, pinned by `input . expected` fixture files (markdown-it-py style)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from govsite.markdown import render_body
from govsite.model import Document
from govsite.problems import Problems

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"


def body_document(body: str, source: str = "zcwj/2024/a.md") -> Document:
    return Document(source=source, shown=f"content/{source}", url=source[:-3] + "/", title="标题", category="政策文件",
                    issuer="测试县人民政府", date=dt.date(2024, 1, 1), body=body, body_line=7)


def fixture_cases():
    for path in sorted(FIXTURES.glob("*.md")):
        for line, title, given, expected in read_fixture_file(path):
            yield pytest.param(given, expected, id=f"{path.stem}:{line + 1}: {title}")


@pytest.mark.parametrize("given, expected", fixture_cases())
def test_markdown_fixture(given, expected):
    problems = Problems()
    html = render_body(body_document(given), {}, "/", problems).html
    assert html == expected
    assert not problems.items


def test_a_link_to_another_documents_file_becomes_its_page_address():
    document = body_document("见[《办法》](../2023/b.md#第三条)。\n")
    html = render_body(document, {"zcwj/2023/b.md": "zcwj/2023/b/"}, "/xxgk/", Problems()).html
    assert '<a href="/xxgk/zcwj/2023/b/#%E7%AC%AC%E4%B8%89%E6%9D%A1">《办法》</a>' in html  # #第三条


def test_a_link_to_a_chinese_file_name_is_percent_encoded():
    document = body_document("见[公告](../../gsgg/停电 公告.md)。\n".replace(" ", "%20"))
    html = render_body(document, {"gsgg/停电 公告.md": "gsgg/停电-公告/"}, "/", Problems()).html
    assert 'href="/gsgg/%E5%81%9C%E7%94%B5-%E5%85%AC%E5%91%8A/"' in html


def test_a_broken_link_to_a_document_is_an_error_on_its_line():
    problems = Problems()
    render_body(body_document("第一段。\n\n见[旧文](../2019/gone.md)。\n"), {}, "/", problems)
    [problem] = problems.errors
    assert problem.path == "content/zcwj/2024/a.md"
    assert problem.line == 7 + 2
    assert "../2019/gone.md" in problem.message and problem.fix


def test_links_to_other_sites_and_anchors_are_left_alone():
    problems = Problems()
    html = render_body(body_document("[国务院](https://www.gov.cn/a.md) [第三条](#三)\n"), {}, "/", problems).html
    assert 'href="https://www.gov.cn/a.md"' in html and 'href="#%E4%B8%89"' in html  # #三
    assert not problems.items


def test_plain_text_keeps_the_words_and_drops_the_markup():
    text = render_body(body_document("## 一、总则\n\n**加粗**和`代码`。\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n"), {}, "/", Problems()).text
    assert text.split("\n") == ["一、总则", "加粗和代码。", "甲", "乙", "1", "2"]
