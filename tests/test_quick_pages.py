"""The preview's quick pages (govsite/quick_pages.py): an edited document's own page made from the
saved file and the last good build, before the full build. It must be the page the full build
then writes, byte for byte; when it cannot be (the edit moved the document among the others, the
file is new or has an error) there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build_content, document, make_content
from govsite.quick_pages import QuickPages


def starting_files() -> dict[str, str]:
    return {
        "zcwj/a.md": document(title="关于甲事项的通知", date="2024-05-01", doc_number="测政发〔2024〕1号"),
        "zcwj/b.md": document(title="关于乙事项的通知", date="2024-06-01", body="见[甲](a.md)。\n"),
        "zcwj/c.md": document(title="关于丙事项的通知", date="2024-07-01", expiry="2030-12-31"),
    }


@pytest.fixture
def site(tmp_path):
    content = make_content(tmp_path, starting_files())
    built = build_content(content, tmp_path / "build")
    return content, tmp_path, QuickPages.after(built.result, content)


def edit_and_compare(site, name: str, text: str) -> dict[str, bytes]:
    """The quick pages of one edit, each checked against a full build of the edited content."""
    content, tmp_path, quick = site
    (content / name).write_text(text, encoding="utf-8")
    pages = quick.pages({(content / name).resolve(): "modified"})
    if not pages:  # (the edits with errors would fail the build)
        return pages
    full = build_content(content, tmp_path / "full")
    for path, page in pages.items():
        assert (full.out / path).read_bytes() == page.data, path
    return pages


@pytest.mark.parametrize(
    "text",
    [
        document(title="关于甲事项的补充通知", date="2024-05-01", doc_number="测政发〔2024〕1号"),
        document(title="关于甲事项的通知", date="2024-05-01", doc_number="测政发〔2024〕1号", body="新的正文，**加粗**，见[乙](b.md)。\n"),
        document(title="关于甲事项的通知", date="2024-05-01", doc_number="测政发〔2024〕2号", keywords=["教育", "补助"]),
    ],
    ids=["title", "body with a link", "doc number and keywords"],
)
def test_the_quick_page_of_an_edit_is_the_page_the_full_build_writes(site, text):
    pages = edit_and_compare(site, "zcwj/a.md", text)
    assert list(pages) == ["zcwj/a/index.html"]


def test_a_title_shared_with_another_document_of_its_column_keeps_its_number_as_the_full_build_does(tmp_path):
    files = starting_files() | {"zcwj/d.md": document(title="关于甲事项的通知", date="2024-08-01")}
    content = make_content(tmp_path, files)
    quick = QuickPages.after(build_content(content, tmp_path / "build").result, content)
    text = document(title="关于甲事项的通知", date="2024-05-01", doc_number="测政发〔2024〕1号", body="改过的正文。\n")
    (content / "zcwj/a.md").write_text(text, encoding="utf-8")
    pages = quick.pages({(content / "zcwj/a.md").resolve(): "modified"})
    assert pages["zcwj/a/index.html"].data == (build_content(content, tmp_path / "full").out / "zcwj/a/index.html").read_bytes()
    assert "关于甲事项的通知（测政发〔2024〕1号）".encode() in pages["zcwj/a/index.html"].data


@pytest.mark.parametrize(
    "text",
    [
        document(title="关于甲事项的通知", date="2024-09-01", doc_number="测政发〔2024〕1号"),
        document(title="关于甲事项的通知", date="2024-05-01", doc_number="测政发〔2024〕1号", category="政策文件/部门文件"),
        document(title="关于甲事项的通知", date="2024-05-01", doc_number="测政发〔2024〕1号", expiry="2024-06-01"),
        document(title="关于甲事项的通知", date="2024-05-01", doc_number="测政发〔2024〕1号", validity="废止"),
        "---\ntitle: \"甲\"\ncategory: [未闭合\n---\n正文\n",
        document(title="关于甲事项的通知", date="2024-05-01", body="见[不存在的文件](nowhere.md)。\n"),
    ],
    ids=["date (its neighbours)", "category", "expiry (its validity)", "repealed", "a YAML error", "a broken link"],
)
def test_no_quick_page_when_the_edit_moves_the_document_or_has_an_error(site, text):
    assert edit_and_compare(site, "zcwj/a.md", text) == {}


def test_no_quick_page_for_a_new_file_a_deleted_one_or_files_that_are_not_documents(site):
    content, _, quick = site
    new = content / "zcwj/new.md"
    new.write_text(document(title="新文件"), encoding="utf-8")
    guide = content / "_guide.md"
    guide.write_text("指南的补充说明。\n", encoding="utf-8")
    readme = content / "zcwj/README.md"
    readme.write_text("说明\n", encoding="utf-8")
    changed = {new.resolve(): "created", guide.resolve(): "modified", readme.resolve(): "modified",
               (content / "site.yaml").resolve(): "modified", (content / "zcwj/b.md").resolve(): "deleted"}
    assert quick.pages(changed) == {}


def test_an_edit_of_several_documents_gives_each_its_quick_page(site):
    content, tmp_path, quick = site
    (content / "zcwj/a.md").write_text(document(title="甲（修订）", date="2024-05-01", doc_number="测政发〔2024〕1号"), encoding="utf-8")
    (content / "zcwj/c.md").write_text(document(title="丙（修订）", date="2024-07-01", expiry="2030-12-31"), encoding="utf-8")
    pages = quick.pages({(content / name).resolve(): "modified" for name in ("zcwj/a.md", "zcwj/c.md")})
    assert sorted(pages) == ["zcwj/a/index.html", "zcwj/c/index.html"]
    full = build_content(content, tmp_path / "full")
    assert all((full.out / path).read_bytes() == page.data for path, page in pages.items())


def test_a_quick_page_is_seen_by_a_build_only_if_the_build_began_after_its_file_was_last_saved(site):
    import time

    content, _, quick = site
    path = content / "zcwj/a.md"
    path.write_text(document(title="甲（修订）", date="2024-05-01", doc_number="测政发〔2024〕1号"), encoding="utf-8")
    page = quick.pages({path.resolve(): "modified"})["zcwj/a/index.html"]
    saved = path.stat().st_mtime_ns
    assert not page.seen_by(saved), "a build that began before the save read the old bytes"
    assert page.seen_by(saved + 1)
    path.write_text(document(title="甲（再次修订）", date="2024-09-01"), encoding="utf-8")  # (no quick page for this one)
    assert not page.seen_by(saved + 1), "saved again since that build began"
    assert page.seen_by(time.time_ns() + 10**9), "a later build read the newer bytes: its page replaces this one"
