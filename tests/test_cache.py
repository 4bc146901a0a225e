"""The build cache (govsite/cache.py): an incremental build gives the bytes a build from scratch gives."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import tomllib

import pytest

from conftest import MINIMAL_SITE_YAML, REPO, SAMPLE_CONTENT, TODAY, copy_tree, document, make_content, run_cli, snapshot, write_files
from govsite import workers
from govsite.build import BuildOptions, build
from govsite.cache import default_folder
from govsite.problems import BuildFailed
from govsite.search import shards
from govsite.search.shards import buckets_for
from govsite.write import MARKER


class Site:
    """A content folder built again and again into one output folder with a cache, and checked
    each time against a build of the same content from scratch."""

    def __init__(self, tmp_path, content, today=TODAY):
        self.tmp_path, self.content, self.today = tmp_path, content, today
        self.out, self.cache = tmp_path / "build", tmp_path / "cache"
        self.cold_builds = 0

    def build(self, jobs=None):
        return build(BuildOptions(self.content, self.out, self.today, jobs=jobs, cache=self.cache))

    def cold(self):
        self.cold_builds += 1
        out = self.tmp_path / f"cold-{self.cold_builds}"
        build(BuildOptions(self.content, out, self.today))
        return snapshot(out)

    def check(self, jobs=None):
        """Build incrementally, then assert the output folder is what a build from scratch makes."""
        result = self.build(jobs)
        expected = self.cold()
        got = snapshot(self.out)
        assert sorted(got) == sorted(expected), (set(got) ^ set(expected))
        assert [path for path in got if got[path] != expected[path]] == []
        return result

    def write(self, files):
        write_files(self.content, files)

    def remove(self, name):
        (self.content / name).unlink()


def small_site(tmp_path, count=12) -> Site:
    files = {}
    for number in range(count):
        body = f"第{number}号文件的正文，涉及财政预算。\n"
        if number % 4 == 1:
            body += f"\n见[上一份](doc-{number - 1}.md)。\n"
        extra = {"expiry": "2026-12-31"} if number % 5 == 2 else {}
        files[f"zcwj/doc-{number}.md"] = document(
            title=f"关于第{number}项工作的通知", date=f"202{number % 6}-0{1 + number % 9}-15", doc_number=f"测政发〔2024〕{number}号", body=body, **extra
        )
    return Site(tmp_path, make_content(tmp_path, files))


def test_a_build_with_a_cache_gives_the_bytes_of_one_without(tmp_path):
    site = small_site(tmp_path)
    site.check()
    assert (site.cache / "cache.sqlite").is_file()


def test_building_again_unchanged_rewrites_nothing(tmp_path):
    site = small_site(tmp_path)
    site.build()
    times = {path: path.stat().st_mtime_ns for path in site.out.rglob("*") if path.is_file() and path.name != MARKER}
    site.check()
    assert {path: path.stat().st_mtime_ns for path in site.out.rglob("*") if path.is_file() and path.name != MARKER} == times


def test_an_edit_rewrites_its_page_and_the_files_showing_it_not_the_others(tmp_path):
    site = small_site(tmp_path)
    site.build()
    before = snapshot(site.out)
    times = {path: path.stat().st_mtime_ns for path in site.out.rglob("*") if path.is_file()}
    site.write({"zcwj/doc-7.md": document(title="关于第7项工作的通知", date="2021-08-15", doc_number="测政发〔2024〕7号", body="改过的正文。\n")})
    site.check()
    after = snapshot(site.out)
    changed = {path for path in after if before.get(path) != after[path]}
    assert "zcwj/doc-7/index.html" in changed
    assert "zcwj/doc-3/index.html" not in changed and "gk/index.html" not in changed
    rewritten = {path.relative_to(site.out).as_posix() for path in site.out.rglob("*") if path.is_file() and times.get(path) != path.stat().st_mtime_ns}
    assert rewritten - {MARKER} == changed - {MARKER}, "only files whose bytes changed are written"


def test_incremental_builds_after_an_add_an_edit_a_rename_and_a_delete_equal_builds_from_scratch(tmp_path):
    site = small_site(tmp_path)
    site.check()
    site.write({"zcwj/new.md": document(title="新增的文件", date="2024-06-01", body="新文件，见[第一号](doc-1.md)。\n")})
    site.check()
    site.write({"zcwj/doc-2.md": document(title="改了标题的通知", date="2022-03-15", body="改过的正文。\n")})
    site.check()
    os.rename(site.content / "zcwj/doc-3.md", site.content / "zcwj/doc-3-renamed.md")
    site.check()
    site.remove("zcwj/doc-0.md")  # doc-1 links to it: that is an error now
    with pytest.raises(BuildFailed):
        site.build()
    site.write({"zcwj/doc-1.md": document(title="关于第1项工作的通知", date="2021-02-15", body="不再链接。\n")})
    site.check()


def test_a_template_change_renders_every_page_again(tmp_path):
    content = make_content(tmp_path, {f"zcwj/d{n}.md": document(title=f"文件{n}") for n in range(3)}, MINIMAL_SITE_YAML + 'theme: "county"\n')
    site = Site(tmp_path, content)
    write_files(tmp_path / "county" / "templates", {"document.html": '{% extends "default/document.html" %}'})
    site.check()
    write_files(tmp_path / "county" / "templates", {"document.html": '{% extends "default/document.html" %}{% block main %}<p>新模板</p>{{ super() }}{% endblock %}'})
    site.check()
    assert "新模板" in (site.out / "zcwj/d1/index.html").read_text(encoding="utf-8")


def test_a_site_yaml_change_renders_every_page_again(tmp_path):
    site = small_site(tmp_path)
    site.check()
    (site.content / "site.yaml").write_text(MINIMAL_SITE_YAML.replace("测试县人民政府信息公开", "测试县政务公开"), encoding="utf-8")
    site.check()
    assert "测试县政务公开" in (site.out / "zcwj/doc-4/index.html").read_text(encoding="utf-8")


def test_today_moving_past_an_expiry_relabels_the_document_in_the_incremental_build(tmp_path):
    site = small_site(tmp_path)
    site.today = dt.date(2026, 12, 31)
    site.check()
    assert "失效" not in (site.out / "zcwj/doc-2/index.html").read_text(encoding="utf-8").split("有效性")[1][:200]
    site.today = dt.date(2027, 1, 1)
    site.check()
    assert "失效" in (site.out / "zcwj/doc-2/index.html").read_text(encoding="utf-8").split("有效性")[1][:200]


def test_a_document_dated_after_today_appears_when_today_reaches_it_and_its_links_follow(tmp_path):
    site = small_site(tmp_path)
    site.write({"zcwj/later.md": document(title="以后发布的文件", date="2027-01-10", body="以后的正文。\n"),
                "zcwj/doc-5.md": document(title="关于第5项工作的通知", date="2025-06-15", body="见[以后的文件](later.md)。\n")})
    site.check()
    site.today = dt.date(2027, 1, 10)
    site.check()
    assert "later/" in (site.out / "zcwj/doc-5/index.html").read_text(encoding="utf-8")


def test_a_failed_build_leaves_the_output_folder_and_the_next_build_is_right(tmp_path):
    site = small_site(tmp_path)
    site.build()
    before = snapshot(site.out)
    site.write({"zcwj/bad.md": document(title="错误", issuer="不存在的机关")})
    with pytest.raises(BuildFailed):
        site.build()
    assert snapshot(site.out) == before
    site.remove("zcwj/bad.md")
    site.check()


def test_an_update_cut_short_is_followed_by_a_whole_build(tmp_path):
    site = small_site(tmp_path)
    site.build()
    (site.out / MARKER).write_text("govsite output folder; safe for govsite to replace.\nupdating\n", encoding="utf-8")
    (site.out / "zcwj/doc-4/index.html").write_text("half", encoding="utf-8")
    site.check()


def test_an_output_folder_removed_by_hand_is_built_whole_again(tmp_path):
    site = small_site(tmp_path)
    site.build()
    shutil.rmtree(site.out)
    site.check()


def test_a_fresh_checkout_with_new_file_times_parses_nothing_again(tmp_path, monkeypatch):
    site = small_site(tmp_path)
    site.build()
    for path in site.content.rglob("*.md"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    calls = []
    original = workers.validate_document
    monkeypatch.setattr(workers, "validate_document", lambda *args: calls.append(args) or original(*args))
    site.build()
    assert calls == []
    site.check()


def test_a_changed_attachment_shows_its_new_size(tmp_path):
    content = make_content(
        tmp_path,
        {"zcwj/a.md": document(attachments=["files/表.pdf"]), "zcwj/files/表.pdf": b"%PDF" + b"x" * 100},
    )
    site = Site(tmp_path, content)
    site.check()
    (content / "zcwj/files/表.pdf").write_bytes(b"%PDF" + b"x" * 5000)
    site.check()
    assert "4.9 KB" in (site.out / "zcwj/a/index.html").read_text(encoding="utf-8")


def test_the_sample_site_built_with_a_cache_in_worker_processes_gives_the_same_bytes(tmp_path):
    site = Site(tmp_path, copy_tree(SAMPLE_CONTENT, tmp_path / "content"))
    site.check(jobs=2)
    path = next(site.content.rglob("qzbf-2024-15.md"))
    path.write_text(path.read_text(encoding="utf-8").replace("。", "。补充。", 1), encoding="utf-8")
    site.check(jobs=2)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_sequence_of_random_edits_each_built_incrementally_equals_a_build_from_scratch(tmp_path, seed):
    generator = random.Random(seed)
    site = small_site(tmp_path, count=16)
    site.check()
    names = [f"zcwj/doc-{n}.md" for n in range(16)]
    for step in range(10):
        action = generator.choice(["body", "title", "date", "category", "add", "delete", "rename", "link", "draft", "touch"])
        name = generator.choice(names)
        title, date = f"文件{step}{generator.randrange(5)}", f"202{generator.randrange(6)}-0{1 + generator.randrange(9)}-1{generator.randrange(9)}"
        if action == "add":
            names.append(f"zcwj/added-{step}.md")
            site.write({names[-1]: document(title=title, date=date, body=f"新增{step}。\n")})
        elif action == "delete" and len(names) > 4:
            names.remove(name)
            site.remove(name)
            for other in names:  # a link to it would be an error: drop them
                text = (site.content / other).read_text(encoding="utf-8")
                if name.split("/")[-1] in text:
                    site.write({other: document(title=f"去掉链接{step}", body="没有链接了。\n")})
        elif action == "rename":
            names.remove(name)
            names.append(name.replace(".md", f"-r{step}.md"))
            for other in names[:-1]:
                text = (site.content / other).read_text(encoding="utf-8")
                if name.split("/")[-1] in text:
                    site.write({other: document(title=f"去掉链接{step}", body="没有链接了。\n")})
            os.rename(site.content / name, site.content / names[-1])
        elif action == "link":
            target = generator.choice(names)
            if target != name:
                site.write({name: document(title=title, date=date, body=f"见[另一份]({target.split('/')[-1]})。\n")})
        elif action == "touch":
            path = site.content / name
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        else:
            extra = {"category": "政策文件/部门文件"} if action == "category" else {"draft": True} if action == "draft" else {}
            body = f"第{step}次修改的正文{generator.randrange(100)}。\n" if action == "body" else "正文。\n"
            site.write({name: document(title=title if action != "body" else "关于某项工作的通知", date=date, body=body, **extra)})
        site.check()


def test_the_command_keeps_its_cache_beside_the_content_unless_told_not_to(tmp_path):
    make_content(tmp_path, {"zcwj/a.md": document()})
    run_cli("build", "--no-cache", "--today", TODAY.isoformat(), cwd=tmp_path, check=True)
    assert not (tmp_path / ".govsite-cache").exists()
    run_cli("build", "--today", TODAY.isoformat(), cwd=tmp_path, check=True)
    assert (default_folder(tmp_path / "content") / "cache.sqlite").is_file()
    before = snapshot(tmp_path / "build")
    run_cli("build", "--today", TODAY.isoformat(), cwd=tmp_path, check=True)
    assert snapshot(tmp_path / "build") == before


def test_netlify_keeps_the_build_cache_and_the_output_between_builds():
    config = tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8"))
    [plugin] = [p for p in config["plugins"] if p["package"] == "netlify-plugin-cache"]
    assert set(plugin["inputs"]["paths"]) == {default_folder(REPO / "content").relative_to(REPO).parts[0], config["build"]["publish"]}


def test_a_site_yaml_change_keeps_what_the_bodies_gave(tmp_path, monkeypatch):
    site = small_site(tmp_path)
    site.build()
    (site.content / "site.yaml").write_text(MINIMAL_SITE_YAML.replace("测试县人民政府信息公开", "测试县政务公开"), encoding="utf-8")  # organs the same
    rendered = []
    original = workers.render_body
    monkeypatch.setattr(workers, "render_body", lambda document, *args: rendered.append(document.source) or original(document, *args))
    counted = []
    original_count = workers.count_chunk
    monkeypatch.setattr(workers, "count_chunk", lambda documents, *rest: counted.extend(documents) or original_count(documents, *rest))
    site.build()
    assert counted == [] and len(rendered) == 12, "pages rendered again, their bodies' tokens not counted again"
    site.check()


def test_a_new_organ_in_site_yaml_counts_every_body_again_for_its_name(tmp_path):
    site = small_site(tmp_path)
    site.write({"zcwj/doc-3.md": document(title="关于第3项工作的通知", date="2023-04-15", body="测试县审计局将开展审计。\n")})
    site.check()
    (site.content / "site.yaml").write_text(MINIMAL_SITE_YAML.replace('  - "测试县教育局"\n', '  - "测试县教育局"\n  - "测试县审计局"\n'), encoding="utf-8")
    site.check()


def test_a_document_key_changes_with_every_field_resolving_adds():
    """`build.document_digest` writes the resolved fields out by hand: a field added to Validity or
    Link, or any value changed, must change the key (else a page would be kept stale)."""
    import dataclasses

    from govsite.build import document_digest
    from govsite.model import Document, Link, Validity, evolve

    link = Link("zcwj/a/", "甲")
    base = Document("zcwj/b.md", "content/zcwj/b.md", "zcwj/b/", "乙", "政策文件/县政府文件", "测试县人民政府", dt.date(2024, 5, 1), "", 5,
                    validity=Validity("废止", "已被甲废止", link), interprets_link=link, interpreted_by=(link, link), previous=link, next=link)
    assert [f.name for f in dataclasses.fields(Link)] == ["url", "title"], "document_digest must write a new Link field"
    assert [f.name for f in dataclasses.fields(Validity)] == ["label", "note", "repealed_by"], "document_digest must write a new Validity field"
    other = Link("zcwj/c/", "丙")
    variants = [
        evolve(base, validity=Validity("有效", "已被甲废止", link)),
        evolve(base, validity=Validity("废止", "", link)),
        evolve(base, validity=Validity("废止", "已被甲废止", other)),
        evolve(base, validity=None),
        evolve(base, interprets_link=other),
        evolve(base, interprets_link=None),
        evolve(base, interpreted_by=(link,)),
        evolve(base, interpreted_by=(link, other)),
        evolve(base, previous=Link("zcwj/a/", "甲（修订）")),
        evolve(base, previous=None),
        evolve(base, next=other),
    ]
    from govsite.cache import Record

    record = Record("zcwj/b.md", 1, 1, b"\0" * 32, "", '{"title":"乙"}', "[]", 0)  # the validated fields: the same for all
    keys = {document_digest(document, record) for document in [base, *variants]}
    assert len(keys) == 1 + len(variants)


# --- the search index made incrementally -------------------------------------------------------


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 8 postings and 16 buckets whatever their size (in this process: sites under
    workers.POOL_THRESHOLD documents index here), so a small site has many tokens cut into
    blocks, and an edit's few new tokens do not change the bucket count, as they would not at
    20,000 documents."""
    monkeypatch.setattr(shards, "BLOCK_POSTINGS", 8)
    monkeypatch.setattr(shards, "buckets_for", lambda size: 16)


@pytest.fixture
def index_paths(monkeypatch):
    """Which way each build made the shards: "update" (only what an edit touched) or "full"."""
    made: list[str] = []
    update, full = shards._update, shards._Postings.write

    def counted_update(*args):
        result = update(*args)
        if result is not None:
            made.append("update")
        return result

    def counted_full(*args):
        made.append("full")
        return full(*args)

    monkeypatch.setattr(shards, "_update", counted_update)
    monkeypatch.setattr(shards._Postings, "write", counted_full)
    return made


RARE = "".join(chr(0x5A00 + n) for n in range(240))
"""CJK characters the generated documents do not otherwise use."""


def blocked_site(tmp_path, count=40) -> Site:
    """Titles sharing most tokens, bodies of one run of 120 CJK characters (119 bigrams)."""
    files = {}
    for number in range(count):
        body = ("通知正文" * 30) if number % 5 else ("甲乙" + "财政预算" * 29 + "丙丁")
        files[f"zcwj/doc-{number}.md"] = document(title=f"关于第{number}项工作的通知", date=f"20{10 + number % 12}-05-0{1 + number % 9}", body=body + "\n")
    return Site(tmp_path, make_content(tmp_path, files))


def shard_files(out) -> dict[str, tuple[int, int]]:
    """Shard file (path under its digest-named folder) → (inode, mtime): what an update rewrote."""
    [folder] = [path for path in (out / "search" / "s").iterdir()]
    return {path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns) for path in folder.rglob("*.json")}


def test_one_edit_rewrites_only_the_shards_holding_its_tokens_and_equals_a_build_from_scratch(tmp_path, small_blocks, index_paths):
    site = blocked_site(tmp_path)
    site.check()
    meta = json.loads(next((site.out / "search").glob("meta.*.json")).read_bytes())
    assert len(shard_files(site.out)) > meta["buckets"] + 10, "many tokens have blocks"
    before = shard_files(site.out)
    # the title keeps its length (so every average stays), two tokens change
    site.write({"zcwj/doc-7.md": document(title="关于第7项改革的通知", date="2017-05-08", body="通知正文" * 30 + "\n")})
    site.check()
    assert index_paths[::2] == ["full", "update"]  # (each check builds from scratch too)
    after = shard_files(site.out)
    assert sorted(after) == sorted(before)
    rewritten = {path for path in after if after[path] != before[path]}
    meta = json.loads(next((site.out / "search").glob("meta.*.json")).read_bytes())
    changed_tokens = {"项改", "改革", "革的", "改", "革", "项工", "工作", "作的", "工", "作", "7"}
    buckets = {f"{n // shards.PER_FOLDER}/{n}.json" for n in {shards.bucket_of(token, meta["buckets"]) for token in changed_tokens}}
    assert rewritten and rewritten - buckets, "a bucket and the blocks of a common token"
    assert len(rewritten) < len(after) // 3, f"{len(rewritten)} of {len(after)} shard files rewritten"


def test_a_token_gaining_a_block_moves_the_blocks_after_it_and_equals_a_build_from_scratch(tmp_path, small_blocks, index_paths):
    site = blocked_site(tmp_path)
    site.check()
    # 甲乙 is in 8 bodies (one block); a ninth gives it two, and every later token's blocks move
    site.write({"zcwj/doc-3.md": document(title="关于第3项工作的通知", date="2013-05-04", body="甲乙" + "通知正文" * 29 + "丙丁\n")})
    site.check()
    assert index_paths[::2] == ["full", "update"]  # (each check builds from scratch too)


@pytest.mark.parametrize(
    "files",
    [
        {"zcwj/new.md": document(title="关于第99项工作的通知", date="2024-06-01", body="通知正文" * 30 + "\n")},
        {"zcwj/doc-7.md": document(title="关于第7项工作的通知", date="2017-05-08", body="通知正文" * 60 + "\n")},
    ],
    ids=["an added document", "an edit that moves an average"],
)
def test_a_change_of_the_document_count_or_an_average_indexes_every_token_again(tmp_path, small_blocks, index_paths, files):
    site = blocked_site(tmp_path)
    site.check()
    site.write(files)
    site.check()
    assert index_paths[::2] == ["full", "full"]  # (each check builds from scratch too)


def test_an_edit_that_changes_the_bucket_count_indexes_every_token_again(tmp_path, small_blocks, index_paths, monkeypatch):
    monkeypatch.setattr(shards, "buckets_for", buckets_for)
    monkeypatch.setattr(shards, "BUCKET_BYTES", 100)
    site = blocked_site(tmp_path)
    site.check()
    buckets = json.loads(next((site.out / "search").glob("meta.*.json")).read_bytes())["buckets"]
    # as long as before (the averages stay), of 119 bigrams no other document has
    site.write({"zcwj/doc-7.md": document(title="关于第7项工作的通知", date="2017-05-08", body=RARE[:120] + "\n")})
    site.check()
    assert json.loads(next((site.out / "search").glob("meta.*.json")).read_bytes())["buckets"] != buckets
    assert index_paths[::2] == ["full", "full"]  # (each check builds from scratch too)


def test_edits_one_after_another_each_update_the_index_and_equal_builds_from_scratch(tmp_path, small_blocks, index_paths):
    site = blocked_site(tmp_path)
    site.check()
    for step, number in enumerate((4, 9, 4, 22)):
        title = f"关于第{number}项{('改革', '调整', '部署', '安排')[step]}的通知"
        site.write({f"zcwj/doc-{number}.md": document(title=title, date=f"20{10 + number % 12}-05-0{1 + number % 9}", body="通知正文" * 30 + "\n")})
        site.check()
    assert index_paths[::2] == ["full"] + ["update"] * 4  # (each check builds from scratch too)


def test_an_edit_of_a_count_too_big_to_pack_updates_the_index_as_a_build_from_scratch(tmp_path, index_paths):
    files = {
        "zcwj/a.md": document(title="政府工作", body="政府" * 70_000 + "\n"),
        "zcwj/b.md": document(title="其他", body="政府工作。\n"),
        "zcwj/c.md": document(title="另一份", body="工作报告。\n"),
    }
    site = Site(tmp_path, make_content(tmp_path, files))
    site.check()
    site.write({"zcwj/a.md": document(title="政府工作", body="政府" * 70_001 + "\n")})  # (the averages stay)
    site.check()
    assert index_paths[::2] == ["full", "update"]
