"""The `govsite` command as a user runs it: --version, build with default paths, bad options, new, serve."""

from __future__ import annotations

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
        assert missing == (tmp_path / "build" / "404.html").read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)
