"""The `govsite` command as a user runs it: --version, build with default paths, bad options, new, serve."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest

from conftest import REPO, TODAY, document, make_content, run_cli
from govsite import __version__
from govsite.build import STAGES, BuildOptions, build
from govsite.cli import ProgressLine, progress_wanted
from govsite.render import filesize


def test_version_prints_the_package_version():
    completed = run_cli("--version", cwd=REPO)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"govsite {__version__}"


def test_build_with_default_paths_writes_build_and_prints_a_summary_and_the_next_change(tmp_path):
    make_content(
        tmp_path,
        {
            "zcwj/a.md": document(title="甲", date="2024-05-01", expiry="2026-12-31"),
            "zcwj/b.md": document(title="乙", date="2027-02-01"),
        },
    )
    completed = run_cli("build", "--today", TODAY.isoformat(), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "build" / "zcwj" / "a" / "index.html").is_file()
    assert not (tmp_path / "build" / "zcwj" / "b").exists()
    summary = re.search(r"构建完成：(\d+) 篇文件，(\d+) 篇未到发布日期.*?(\d+) 个页面.*→ build/", completed.stdout)
    assert summary, completed.stdout
    assert summary.group(1, 2) == ("1", "1")
    assert "下次内容自动变化：2027-01-01" in completed.stdout
    assert "Traceback" not in completed.stderr


def test_build_in_ci_prints_one_summary_line_with_documents_pages_feeds_index_size_time_and_warnings(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    make_content(tmp_path, {"zcwj/a.md": document(title="甲"), "zcwj/b.md": document(title="乙", draft=True)})
    completed = run_cli("build", "--today", TODAY.isoformat(), cwd=tmp_path, check=True)
    assert completed.stderr == ""
    lines = completed.stdout.splitlines()
    assert len(lines) == 1, completed.stdout
    summary = re.fullmatch(
        r"构建完成：1 篇文件，1 篇草稿未发布；(\d+) 个页面，(\d+) 个订阅源，搜索索引 ([\d.]+) (字节|KB|MB)，0 条警告；用时 \d+\.\d 秒 → build/",
        lines[0],
    )
    assert summary, lines[0]
    pages = len(list((tmp_path / "build").rglob("*.html")))
    assert int(summary[1]) == pages
    assert int(summary[2]) == len(list((tmp_path / "build").rglob("*.xml"))) - 1, "every XML file but sitemap.xml is a feed"
    index = sum(p.stat().st_size for p in (tmp_path / "build" / "search").rglob("*.json"))  # not the search page
    assert summary[3] + " " + summary[4] == filesize(index)


def test_build_says_when_nothing_will_change_by_itself(tmp_path):
    make_content(tmp_path, {"zcwj/a.md": document()})
    completed = run_cli("build", "--today", TODAY.isoformat(), cwd=tmp_path, check=True)
    assert "构建完成" in completed.stdout
    assert "下次内容自动变化" not in completed.stdout


@pytest.mark.parametrize("value", ["2024-02-30", "去年六月", "24-5-1"])
def test_a_bad_today_is_a_clear_message_and_exit_status_2(tmp_path, value):
    make_content(tmp_path, {"zcwj/a.md": document()})
    completed = run_cli("build", "--today", value, cwd=tmp_path)
    assert completed.returncode == 2
    assert value in completed.stderr and "2024-05-01" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "build").exists()


def test_build_without_a_content_folder_says_where_it_looked(tmp_path):
    completed = run_cli("build", cwd=tmp_path)
    assert completed.returncode == 2
    assert "content" in completed.stderr and "--content" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_new_writes_a_document_that_then_builds(tmp_path):
    make_content(tmp_path, {})
    completed = run_cli(
        "new", "zcwj/2026/x.md", "--title", "关于新建文件的通知", "--category", "政策文件/县政府文件", "--issuer", "测试县财政局", cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr
    created = tmp_path / "content" / "zcwj" / "2026" / "x.md"
    assert created.is_file()
    assert 'title: "关于新建文件的通知"' in created.read_text(encoding="utf-8")
    built = run_cli("build", cwd=tmp_path)  # the real today: `new` dated the file today
    assert built.returncode == 0, built.stderr
    assert "x.md" not in built.stderr, "no warning about the new file"
    page = lxml.html.fromstring((tmp_path / "build" / "zcwj" / "2026" / "x" / "index.html").read_bytes())
    assert page.xpath("string(//h1)") == "关于新建文件的通知"


def test_new_refuses_to_overwrite_an_existing_file(tmp_path):
    make_content(tmp_path, {"zcwj/2026/x.md": document(title="原有文件")})
    before = (tmp_path / "content/zcwj/2026/x.md").read_bytes()
    completed = run_cli(
        "new", "zcwj/2026/x.md", "--title", "新标题", "--category", "政策文件/县政府文件", "--issuer", "测试县财政局", cwd=tmp_path
    )
    assert completed.returncode != 0
    assert "x.md" in completed.stderr and "已经存在" in completed.stderr
    assert (tmp_path / "content/zcwj/2026/x.md").read_bytes() == before


def test_new_rejects_an_unknown_category_and_lists_the_choices(tmp_path):
    make_content(tmp_path, {})
    completed = run_cli("new", "zcwj/y.md", "--title", "标题", "--category", "政策文件/不存在", "--issuer", "测试县财政局", cwd=tmp_path)
    assert completed.returncode == 2
    assert "政策文件/县政府文件" in completed.stderr
    assert not (tmp_path / "content/zcwj/y.md").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_serves_the_home_page_a_chinese_named_page_and_the_404_page(tmp_path):
    make_content(tmp_path, {"通知公告/2024/关于开展测试的通知.md": document(title="关于开展测试的通知", category="公示公告")})
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "govsite", "serve", "--port", str(port), "--today", TODAY.isoformat()],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, home = fetch(base)
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.communicate()[1].decode()
                assert time.monotonic() < deadline, "govsite serve did not answer within 30 s"
                time.sleep(0.1)
        assert status == 200 and "测试县人民政府信息公开".encode() in home
        status, page = fetch(base + quote("通知公告/2024/关于开展测试的通知/"))
        assert status == 200 and lxml.html.fromstring(page).xpath("string(//h1)") == "关于开展测试的通知"
        status, missing = fetch(base + "no/such/page/")
        assert status == 404
        reload_script = re.compile(rb'<script src="/__govsite__/reload.js" data-version="1" defer></script>\n')
        assert len(reload_script.findall(missing)) == 1, "the preview adds its reload script, nothing else"
        assert reload_script.sub(b"", missing) == (tmp_path / "build" / "404.html").read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)



# --- the progress line on a terminal ---


def test_the_build_tells_each_stage_in_order(tmp_path):
    stages = []
    content = make_content(tmp_path, {"zcwj/a.md": document()})
    build(BuildOptions(content=content, out=tmp_path / "build", today=TODAY, progress=stages.append))
    assert stages == list(STAGES)


def test_the_progress_line_shows_stage_and_time_in_place_and_is_erased_at_the_end():
    stream = io.StringIO()
    line = ProgressLine(stream, show_after=0)
    line("read")
    line("render")
    line.close()
    text = stream.getvalue()
    assert "\r\x1b[K构建中 ■□□□□ 1/5 读取文件… " in text
    assert "\r\x1b[K构建中 ■■■□□ 3/5 生成页面… " in text
    assert text.endswith("\r\x1b[K"), "erased before the summary is printed"
    assert "\n" not in text


def test_a_build_quicker_than_a_moment_shows_no_progress_line():
    stream = io.StringIO()
    line = ProgressLine(stream, show_after=3600)
    line("read")
    line("write")
    line.close()
    assert stream.getvalue() == ""


def test_progress_is_shown_on_a_terminal_but_not_in_ci_or_a_pipe(monkeypatch):
    controller, terminal = os.openpty()
    with os.fdopen(terminal, "w") as tty:
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.setenv("TERM", "xterm")
        assert progress_wanted(tty)
        monkeypatch.setenv("CI", "true")
        assert not progress_wanted(tty)
    os.close(controller)
    monkeypatch.delenv("CI")
    assert not progress_wanted(io.StringIO())
