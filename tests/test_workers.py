"""Building on every core (govsite/workers.py): the same bytes as one process, errors told the same way."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import CORPORA, MINIMAL_SITE_YAML, REPO, SAMPLE_CONTENT, TODAY, copy_tree, document, make_content, snapshot, write_files
from govsite.build import BuildOptions, build
from govsite.problems import BuildFailed
from govsite.workers import POOL_THRESHOLD, process_count


def build_with(content, out, jobs):
    return build(BuildOptions(content=content, out=out, today=TODAY, jobs=jobs))


@pytest.mark.parametrize("source", [SAMPLE_CONTENT, CORPORA / "real-pingtan"], ids=["sample", "real-pingtan"])
def test_a_build_in_two_worker_processes_is_byte_identical_to_one_in_a_single_process(tmp_path, source):
    content = copy_tree(source, tmp_path / "content")
    one = build_with(content, tmp_path / "one", 1)
    two = build_with(content, tmp_path / "two", 2)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    assert (one.files, one.pages, one.feeds, one.warnings) == (two.files, two.pages, two.feeds, two.warnings)


def test_worker_processes_give_the_same_bytes_whatever_the_hash_seed(tmp_path):
    """Sets and dicts of strings iterate in another order under each PYTHONHASHSEED: nothing may depend on it."""
    content = copy_tree(SAMPLE_CONTENT, tmp_path / "content")
    build_with(content, tmp_path / "here", 1)
    script = (
        "import sys, datetime; from pathlib import Path; from govsite.build import BuildOptions, build\n"
        "if __name__ == '__main__':\n"
        "    build(BuildOptions(Path(sys.argv[1]), Path(sys.argv[2]), datetime.date.fromisoformat(sys.argv[3]), jobs=2))\n"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-c", script, str(content), str(tmp_path / seed), TODAY.isoformat()], env=env, check=True, timeout=300)
        assert snapshot(tmp_path / seed) == snapshot(tmp_path / "here"), seed


def test_a_small_site_is_built_in_one_process_and_a_large_one_on_every_core():
    assert process_count(None, POOL_THRESHOLD - 1) == 1
    assert process_count(None, POOL_THRESHOLD) == (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    assert process_count(3, 10) == 3 and process_count(0, 10_000) == 1


def test_an_error_found_in_a_worker_is_reported_and_the_output_folder_is_untouched(tmp_path):
    content = make_content(
        tmp_path,
        {
            "zcwj/a.md": document(title="甲"),
            "zcwj/b.md": document(title="乙", body="见[丙](c.md)。\n"),
            "zcwj/d.md": document(title="丁", issuer="测试县公安局"),
        },
    )
    out = tmp_path / "build"
    out.mkdir()
    (out / ".govsite-build").write_text("")
    (out / "index.html").write_text("old")
    before = snapshot(out)
    with pytest.raises(BuildFailed) as one:
        build_with(content, out, 1)
    with pytest.raises(BuildFailed) as two:
        build_with(content, out, 2)
    assert two.value.errors == one.value.errors
    assert [(e.path, e.line) for e in two.value.errors] == [(str(content / "zcwj/b.md"), 8), (str(content / "zcwj/d.md"), 4)]
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "content"], "no staging folder left behind"


def test_a_template_error_on_a_document_page_in_a_worker_names_the_template(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document(), "zcwj/b.md": document(title="乙")}, MINIMAL_SITE_YAML + 'theme: "county"\n')
    write_files(tmp_path / "county" / "templates", {"document.html": '{% extends "default/document.html" %}{% block main %}{{ document.missing.x }}{% endblock %}'})
    with pytest.raises(BuildFailed) as failed:
        build_with(content, tmp_path / "build", 2)
    [problem] = failed.value.errors
    assert problem.path.endswith("county/templates/document.html") and "主题模板出错" in problem.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "county"], "nothing written"
