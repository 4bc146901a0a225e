"""Bad input: a clear message (file, line, what is wrong, how to fix it), a non-zero exit without a
traceback, and the previous output folder left byte for byte as it was.

Each bad input is a folder under tests/fixtures/invalid/ (a small content folder plus
`expected.txt`, lines that must appear exactly in stderr), as Zola's test_sites_invalid; warnings
that still build are under tests/fixtures/warning/. Tolerated input and escaping follow."""

from __future__ import annotations

import re
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from conftest import FIXTURES, MINIMAL_SITE_YAML, TODAY, BuiltSite, build_content, document, make_content, run_cli, snapshot
from govsite.problems import BuildFailed

INVALID = FIXTURES / "invalid"
WARNING = FIXTURES / "warning"
INVALID_CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())
WARNING_CASES = sorted(p.name for p in WARNING.iterdir() if p.is_dir())

PROBLEM_LINE = re.compile(r"^(content/[^:]+?)(?::(\d+))?: (.+)$")
"""`content/zcwj/a.md:5: message` or `content/zcwj/a.md: message` (a problem about the whole file)."""
SUMMARY = re.compile(r"^共 (\d+) 个错误，涉及 (\d+) 个文件。未写入任何文件，build/ 保持不变。$")
PWNED = Path("/tmp/govsite-pwned-marker")
"""The file the `!!python/object/apply:os.system` fixtures would create if YAML were executed."""


def expected_lines(folder: Path) -> list[str]:
    return [line for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines() if line.strip()]


def copy_case(folder: Path, content: Path) -> None:
    shutil.copytree(folder, content, ignore=shutil.ignore_patterns("expected.txt"))


def cli_build(root: Path):
    return run_cli("build", "--content", "content", "--out", "build", "--today", TODAY.isoformat(), cwd=root)


def problem_lines(stderr: str) -> list[tuple[str, int, str]]:
    """(path, line, message) of every problem printed, in the order printed."""
    found = []
    for text in stderr.splitlines():
        match = PROBLEM_LINE.match(text)
        if match:
            found.append((match[1], int(match[2] or 0), match[3]))
    return found


def errors_only(stderr: str) -> list[tuple[str, int, str]]:
    return [p for p in problem_lines(stderr) if not p[2].startswith("警告：")]


@dataclass
class FailedBuild:
    case: str
    returncode: int
    stdout: str
    stderr: str
    before: dict[str, bytes]
    after: dict[str, bytes]
    beside_output: list[str]
    """What is in the folder holding content/ and build/ afterwards (no staging folder left)."""


@pytest.fixture(scope="module", params=INVALID_CASES)
def failed_build(request, tmp_path_factory) -> FailedBuild:
    """A good site is built into build/; then content/ is replaced by the bad case and rebuilt
    with the CLI, as a webmaster would after breaking a file."""
    root = tmp_path_factory.mktemp(request.param)
    content = make_content(root, {"zcwj/a.md": document(title="关于测试的通知")})
    build_content(content, root / "build")
    before = snapshot(root / "build")
    shutil.rmtree(content)
    copy_case(INVALID / request.param, content)
    completed = cli_build(root)
    return FailedBuild(
        request.param,
        completed.returncode,
        completed.stdout,
        completed.stderr,
        before,
        snapshot(root / "build"),
        sorted(p.name for p in root.iterdir()),
    )


def test_every_bad_input_has_a_fixture_with_expected_messages():
    assert len(INVALID_CASES) >= 40
    for case in INVALID_CASES + WARNING_CASES:
        folder = INVALID / case if case in INVALID_CASES else WARNING / case
        assert expected_lines(folder), f"{case}: expected.txt is empty"


def test_message_names_the_file_and_line_says_what_is_wrong_and_how_to_fix_it(failed_build):
    printed = failed_build.stderr.splitlines()
    missing = [line for line in expected_lines(INVALID / failed_build.case) if line not in printed]
    assert not missing, "not printed:\n" + "\n".join(missing) + "\n--- stderr ---\n" + failed_build.stderr
    errors = errors_only(failed_build.stderr)
    assert errors, failed_build.stderr
    for index, text in enumerate(printed):
        if PROBLEM_LINE.match(text):
            assert index + 1 < len(printed) and printed[index + 1].startswith("    修改方法："), f"no fix after: {text}"


def test_build_exits_non_zero_without_a_python_traceback(failed_build):
    assert failed_build.returncode == 1, failed_build.stderr
    output = failed_build.stdout + failed_build.stderr
    assert "Traceback" not in output
    assert not re.search(r"\b[A-Z]\w*(Error|Exception)\b|<class '", output), output
    assert "构建完成" not in failed_build.stdout


def test_existing_output_folder_is_left_byte_for_byte_untouched(failed_build):
    assert failed_build.before, "the good build wrote nothing"
    assert failed_build.after == failed_build.before
    assert failed_build.beside_output == [".govsite-cache", "build", "content"]  # the build cache (cache.py), and no staging folder


def test_errors_are_sorted_by_path_and_line_and_counted_in_the_summary(failed_build):
    errors = errors_only(failed_build.stderr)
    assert [(path, line) for path, line, _ in errors] == sorted((path, line) for path, line, _ in errors)
    last = failed_build.stderr.strip().splitlines()[-1]
    summary = SUMMARY.match(last)
    assert summary, last
    assert int(summary[1]) == len(errors)
    assert int(summary[2]) == len({path for path, _, _ in errors})


def test_several_errors_in_several_files_are_reported_together_in_order(tmp_path):
    copy_case(INVALID / "several-errors", tmp_path / "content")
    completed = cli_build(tmp_path)
    assert [(path, line) for path, line, _ in errors_only(completed.stderr)] == [
        ("content/gsgg/c.md", 1),
        ("content/zcwj/a.md", 4),
        ("content/zcwj/a.md", 5),
        ("content/zcwj/b.md", 1),
    ]
    assert completed.stderr.strip().endswith("共 4 个错误，涉及 3 个文件。未写入任何文件，build/ 保持不变。")
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize(
    "extra, body",
    [({"repealed_by": "测政发〔2024〕9号"}, "正文。\n"), ({}, "详见[细则](xize.md)。\n")],
    ids=["repealed_by", "markdown-link"],
)
def test_a_future_document_with_a_broken_reference_fails_today_not_on_its_publication_day(build_site, extra, body):
    with pytest.raises(BuildFailed):
        build_site({"zcwj/a.md": document(date="2030-01-01", body=body, **extra)})


@pytest.mark.parametrize("case", ["yaml-python-tag", "site-yaml-python-tag"])
def test_python_yaml_tag_is_refused_and_never_executed(tmp_path, case):
    PWNED.unlink(missing_ok=True)
    copy_case(INVALID / case, tmp_path / "content")
    with pytest.raises(BuildFailed) as failed:
        build_content(tmp_path / "content", tmp_path / "build")
    assert any("!!python/object/apply:os.system" in p.message for p in failed.value.errors)
    assert cli_build(tmp_path).returncode == 1
    assert not PWNED.exists(), "a YAML tag ran a shell command"


@pytest.mark.parametrize("case", WARNING_CASES)
def test_warning_names_the_file_and_the_fix_and_the_build_still_succeeds(tmp_path, case):
    copy_case(WARNING / case, tmp_path / "content")
    completed = cli_build(tmp_path)
    assert completed.returncode == 0, completed.stderr
    printed = completed.stderr.splitlines()
    missing = [line for line in expected_lines(WARNING / case) if line not in printed]
    assert not missing, "\n".join(missing) + "\n--- stderr ---\n" + completed.stderr
    assert "构建完成" in completed.stdout
    assert (tmp_path / "build" / "zcwj" / "a" / "index.html").is_file()


def test_misspelt_expiry_is_ignored_with_a_warning_not_used(build_site):
    site = build_site({"zcwj/a.md": document(expirey="2025-12-31")})
    [warning] = [w for w in site.result.warnings if "expirey" in w.message]
    assert (warning.path.endswith("zcwj/a.md"), warning.line) == (True, 6)
    assert "是不是“expiry”？" in warning.message
    assert site.result.site.documents[0].expiry is None


# Tolerated input: these must build, and build right.


def test_utf8_bom_in_a_document_and_in_site_yaml_is_tolerated(tmp_path):
    content = make_content(
        tmp_path,
        {"site.yaml": b"\xef\xbb\xbf" + MINIMAL_SITE_YAML.encode(), "zcwj/a.md": b"\xef\xbb\xbf" + document(title="带BOM的文件").encode()},
    )
    site = build_content(content, tmp_path / "build")
    assert site.html("zcwj/a/").xpath("string(//h1)") == "带BOM的文件"
    assert site.result.site.config.title == "测试县人民政府信息公开"


def test_crlf_line_endings_are_tolerated(tmp_path):
    text = document(title="Windows 换行的文件", body="第一段。\n\n第二段。\n")
    content = make_content(
        tmp_path,
        {"site.yaml": MINIMAL_SITE_YAML.replace("\n", "\r\n").encode(), "zcwj/a.md": text.replace("\n", "\r\n").encode()},
    )
    site = build_content(content, tmp_path / "build")
    page = site.html("zcwj/a/")
    assert page.xpath("string(//h1)") == "Windows 换行的文件"
    paragraphs = [p.text_content() for p in page.xpath("//p")]
    assert "第一段。" in paragraphs and "第二段。" in paragraphs
    assert b"\r" not in site.file("zcwj/a/index.html").read_bytes()


def test_spaces_and_chinese_in_a_file_name_give_a_page_whose_link_works(build_site):
    site = build_site({"zcwj/2024年 文件/关于 印发 办法.md": document(title="关于印发办法的通知")})
    [doc] = site.result.site.documents
    assert doc.url == "zcwj/2024年-文件/关于-印发-办法/"
    assert (site.out / doc.url / "index.html").is_file()
    catalogue = site.html("gk/zcwj/xzfwj/")
    [link] = catalogue.xpath("//a[normalize-space()='关于印发办法的通知']")
    path = urllib.parse.unquote(urllib.parse.urlsplit(link.get("href")).path)
    target = site.out / path.lstrip("/") / "index.html"
    assert target.is_file(), path
    assert lxml.html.fromstring(target.read_bytes()).xpath("string(//h1)") == "关于印发办法的通知"


def test_unquoted_dates_are_read_as_dates(build_site):
    text = document().replace('date: "2024-05-01"', "date: 2024-05-01\nexpiry: 2025-01-31\nwritten_date: 2024-04-28")
    site = build_site({"zcwj/a.md": text})
    [doc] = site.result.site.documents
    assert (doc.date.isoformat(), doc.expiry.isoformat(), doc.written_date.isoformat()) == ("2024-05-01", "2025-01-31", "2024-04-28")
    assert doc.validity.label == "失效"
    assert {"2024-05-01", "2025-01-31"} <= set(site.html("zcwj/a/").xpath("//time/@datetime"))


def test_index_number_keeps_its_leading_zeros(build_site):
    text = document().replace('date: "2024-05-01"', 'date: "2024-05-01"\nindex_number: 000123\ndoc_number: 0012')
    site = build_site({"zcwj/a.md": text})
    [doc] = site.result.site.documents
    assert (doc.index_number, doc.doc_number) == ("000123", "0012")
    assert "000123" in site.html("zcwj/a/").text_content()


# Escaping: nothing a content author writes can run script in a reader's browser.


def html_pages(site: BuiltSite) -> list[tuple[str, lxml.html.HtmlElement]]:
    return [(p.relative_to(site.out).as_posix(), lxml.html.fromstring(p.read_bytes())) for p in sorted(site.out.rglob("*.html"))]


def assert_no_script_from_content(site: BuiltSite) -> None:
    """No page has a script, event handler or javascript: URL that came from the content."""
    for name, page in html_pages(site):
        for script in page.xpath("//script"):
            assert "alert" not in lxml.html.tostring(script, encoding="unicode"), name
        for element in page.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute, value in element.attrib.items():
                assert not attribute.lower().startswith("on"), (name, element.tag, attribute)
                squashed = re.sub(r"[\s\x00-\x1f]+", "", value).lower()
                assert not squashed.startswith(("javascript:", "vbscript:", "data:text/html")), (name, value)
        assert not page.xpath("//iframe|//object|//embed"), name


def test_script_in_a_title_and_metadata_is_shown_as_text(build_site):
    title = "<script>alert(1)</script>"
    summary = '"><script>alert(2)</script>'
    text = document(title=title, doc_number="测政发<b>1</b>号", keywords=["<i>词</i>"])
    text = text.replace("---\n\n", f"summary: '{summary}'\n---\n\n")  # single quotes: the value holds a "
    site = build_site({"zcwj/a.md": text})
    assert_no_script_from_content(site)
    page = site.html("zcwj/a/")
    assert page.xpath("string(//h1)") == title
    assert page.xpath("//meta[@name='Description']/@content") == [summary]
    assert "测政发<b>1</b>号" in page.text_content()
    assert not page.xpath("//main//b|//main//i")
    assert title in site.html("").text_content()
    assert title in site.html("gk/zcwj/xzfwj/").text_content()
    feed = lxml.etree.fromstring(site.file("feed.xml").read_bytes())
    assert title in feed.xpath("//item/title/text()")


def test_raw_html_in_a_body_is_shown_as_text(build_site):
    body = (
        "<script>alert(3)</script>\n\n"
        '<img src="x" onerror="alert(4)">\n\n'
        '<div onclick="alert(5)">点我</div>\n\n'
        '段落里的 <a href="javascript:alert(6)">链接</a> 和 <iframe src="https://example.com"></iframe>。\n'
    )
    site = build_site({"zcwj/a.md": document(body=body)})
    assert_no_script_from_content(site)
    page = site.html("zcwj/a/")
    text = page.text_content()
    assert "<script>alert(3)</script>" in text
    assert '<img src="x" onerror="alert(4)">' in text
    assert not page.xpath("//img[@src='x']")


def test_javascript_link_in_a_body_is_not_rendered_as_a_link(build_site):
    body = "[点我](javascript:alert(7))\n\n[再点](JaVaScRiPt:alert(8))\n\n<javascript:alert(9)>\n\n[图](data:text/html;base64,PHNjcmlwdD4=)\n"
    site = build_site({"zcwj/a.md": document(body=body)})
    assert_no_script_from_content(site)
    page = site.html("zcwj/a/")
    assert "点我" in page.text_content() and "再点" in page.text_content()
    assert not page.xpath("//a[contains(., '点我') or contains(., '再点')]")
