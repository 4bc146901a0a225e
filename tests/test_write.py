"""Writing: a staging folder swapped in whole; never into a folder that is not ours."""

from __future__ import annotations

import pytest

from conftest import build_content, document, make_content, snapshot
from govsite.model import OutputFile
from govsite.write import MARKER, UnsafeOutput, check_output_folder, write_site


def test_a_new_build_replaces_the_old_one_whole_and_leaves_no_staging_folders(tmp_path):
    out = tmp_path / "build"
    write_site([OutputFile("index.html", b"old"), OutputFile("gone/index.html", b"x")], out)
    write_site([OutputFile("index.html", b"new")], out)
    assert snapshot(out) == {MARKER: (out / MARKER).read_bytes(), "index.html": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_folders_are_made_again_in_each_build_though_the_process_remembers_those_it_made(tmp_path):
    """`put` makes each folder once (write.py `_made`); the staging folder of the next build in the
    same process has the same name, and its folders must be made again."""
    out = tmp_path / "build"
    for text in (b"one", b"two", b"three"):
        write_site([OutputFile("a/b/c/index.html", text), OutputFile("a/index.html", text)], out)
        assert (out / "a/b/c/index.html").read_bytes() == text


def test_a_failure_while_writing_leaves_the_previous_site_as_it_was(tmp_path):
    out = tmp_path / "build"
    write_site([OutputFile("index.html", b"old")], out)
    before = snapshot(out)
    with pytest.raises(OSError):
        write_site([OutputFile("index.html", b"new"), OutputFile("a.pdf", source=tmp_path / "missing.pdf")], out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_a_folder_govsite_did_not_make_is_never_replaced(tmp_path):
    out = tmp_path / "mysite"
    out.mkdir()
    (out / "important.txt").write_text("keep me")
    with pytest.raises(UnsafeOutput, match="不是 govsite 生成的"):
        check_output_folder(out, tmp_path / "content")
    assert (out / "important.txt").read_text() == "keep me"


@pytest.mark.parametrize("out", [".", "content", "content/build"])
def test_the_output_folder_may_not_contain_or_sit_inside_the_content(tmp_path, out):
    content = make_content(tmp_path, {"a.md": document()})
    with pytest.raises(UnsafeOutput):
        build_content(content, tmp_path / out)
    assert (content / "a.md").exists()


def test_an_empty_existing_folder_may_be_used_and_then_is_ours(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document()})
    (tmp_path / "site").mkdir()
    build_content(content, tmp_path / "site")
    build_content(content, tmp_path / "site")  # the second build replaces the first
    assert (tmp_path / "site" / "zcwj/a/index.html").is_file()
