"""Themes: a site overrides one template or static file; everything else comes from the default."""

from __future__ import annotations

import lxml.html
import pytest

from conftest import MINIMAL_SITE_YAML, build_content, document, make_content, write_files
from govsite.problems import BuildFailed


def themed_site(tmp_path, theme_files):
    content = make_content(tmp_path, {"zcwj/a.md": document(title="关于测试的通知")}, MINIMAL_SITE_YAML + 'theme: "county"\n')
    write_files(tmp_path / "county", theme_files)
    return build_content(content, tmp_path / "build")


def test_a_site_template_extends_the_default_one_and_overrides_a_block(tmp_path):
    site = themed_site(tmp_path, {
        "templates/document.html": '{% extends "default/document.html" %}\n'
                                   '{% block main %}<p class="county">本县定制</p>{{ super() }}{% endblock %}\n',
    })
    page = site.html("zcwj/a/")
    assert page.xpath("string(//p[@class='county'])") == "本县定制"
    assert page.xpath("string(//h1)") == "关于测试的通知"  # the default block still renders
    assert not site.html("").xpath("//p[@class='county']")  # other templates untouched


def test_a_site_static_file_replaces_the_default_one_of_the_same_name(tmp_path):
    site = themed_site(tmp_path, {"static/style.css": "body { color: #000; }\n"})
    [css] = site.out.glob("static/style.*.css")
    assert css.read_text() == "body{color:#000}"  # the site's file, minified
    assert site.html("").xpath("//link[@rel='stylesheet']/@href") == ["/" + css.relative_to(site.out).as_posix()]


def test_scripts_and_stylesheets_are_published_without_comments_and_other_files_as_they_are(tmp_path):
    script = "/* 说明：只在源文件中 */\nconst answer = 42; // 行尾注释\nconst pattern = /a\\/b/; const text = `模板 ${answer}`;\n"
    picture = bytes(range(256))
    site = themed_site(tmp_path, {"static/extra.js": script, "static/logo.bin": picture, "static/extra.css": "/* 注释 */\na { color : red ; }\n"})
    [js] = site.out.glob("static/extra.*.js")
    assert js.read_text() == "const answer=42;const pattern=/a\\/b/;const text=`模板 ${answer}`;"
    assert [p.read_text() for p in site.out.glob("static/extra.*.css")] == ["a{color:red}"]
    [binary] = site.out.glob("static/logo.*.bin")
    assert binary.read_bytes() == picture


def test_static_files_are_named_by_their_content_hash(tmp_path):
    first = themed_site(tmp_path / "a", {"static/style.css": "body { color: #000; }\n"})
    second = themed_site(tmp_path / "b", {"static/style.css": "body { color: #111; }\n"})
    names = [sorted(p.name for p in s.out.glob("static/style.*.css")) for s in (first, second)]
    assert names[0] != names[1]


def test_a_broken_site_template_is_reported_with_its_file_and_line_not_a_traceback(tmp_path):
    with pytest.raises(BuildFailed) as failed:
        themed_site(tmp_path, {"templates/document.html": '{% extends "default/document.html" %}\n{% block main %}{{ no_such_thing }}{% endblock %}\n'})
    [problem] = failed.value.errors
    assert problem.path.endswith("county/templates/document.html")
    assert problem.line == 2
    assert "no_such_thing" in problem.message
    assert not (tmp_path / "build").exists()


def test_titles_and_metadata_are_escaped_everywhere_they_appear(build_site):
    title = '<script>alert("t")</script>&amp;'
    site = build_site({"zcwj/a.md": document(title=title.replace('"', '\\"'), doc_number="<b>青政发</b>", summary="<i>概述</i>")})
    raw = (site.out / "zcwj/a/index.html").read_text()
    assert "<script>alert" not in raw and "<b>青政发" not in raw and "<i>概述" not in raw
    page = site.html("zcwj/a/")
    assert page.xpath("string(//h1)") == title
    assert page.xpath("//script") == []
    feed = (site.out / "feed.xml").read_text()
    assert "<script>" not in feed and "&lt;script&gt;" in feed


def test_each_document_has_its_own_row_the_same_in_every_list_that_shows_it(build_site):
    """A row is made once a build and reused (render.py `once`): each list must still show each
    document's own row, escaped, whichever list showed it first."""
    titles = {"a": "<甲>关于测试的通知", "b": "乙通知", "c": "丙通知"}
    site = build_site({
        "zcwj/a.md": document(title=titles["a"], doc_number="测政发〔2024〕1号"),
        "zcwj/b.md": document(title=titles["b"], date="2024-06-01", expiry="2024-07-01"),
        "zcwj/c.md": document(title=titles["c"], date="2023-03-01"),
    })
    rows: dict[str, set[str]] = {}
    for path in site.out.rglob("index.html"):
        raw = path.read_text(encoding="utf-8")
        assert "<甲>" not in raw, path
        for row in lxml.html.fromstring(raw).xpath("//li[@class='doc-row']"):
            rows.setdefault(row.xpath("string(a/@href)"), set()).add(lxml.html.tostring(row, encoding="unicode", with_tail=False))
    for name, title in titles.items():
        assert len(rows[f"/zcwj/{name}/"]) == 1, rows[f"/zcwj/{name}/"]
        [row] = rows[f"/zcwj/{name}/"]
        assert lxml.html.fromstring(row).xpath("string(a)") == title
    assert "测政发" in rows["/zcwj/a/"].pop() and "测政发" not in rows["/zcwj/b/"].pop()


def test_html_in_a_body_is_shown_as_text_never_as_markup(build_site):
    """document.html puts the rendered body in with `| safe`: Markdown with raw HTML off must leave
    nothing of the author's text that a browser would run or load."""
    body = ('<script>alert(1)</script>\n\n段落<img src=x onerror="alert(2)">结束。\n\n'
            '[点这里](javascript:alert(3)) 和 <a href="https://example.com">链接</a>\n')
    site = build_site({"zcwj/a.md": document(title="甲", body=body)})
    page = site.html("zcwj/a/")
    main = page.xpath("//main")[0]
    assert main.xpath(".//script") == [] and main.xpath(".//img") == []
    assert main.xpath(".//a[starts-with(@href, 'javascript')]") == [] and main.xpath(".//a[@href='https://example.com']") == []
    assert "<script>alert(1)</script>" in main.text_content() and 'onerror="alert(2)"' in main.text_content()
