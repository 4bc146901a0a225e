"""`govsite serve` for real: a preview of a temporary site on a free port; files are edited,
created, renamed and deleted on disk, and the tests read what the server then answers, the
event stream open pages listen to, and the errors it reports. Waits poll with a deadline."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import urllib.request

import lxml.html
import pytest

from conftest import MINIMAL_SITE_YAML, REPO, TODAY, build_content, document, make_content, snapshot, write_files
from govsite import serve
from govsite.cli import TerminalReport
from serve_helpers import WAIT, LivePreview, fetch, held_builds, start_preview, wait_until

RELOAD_TAG = re.compile(rb'<script src="/__govsite__/reload\.js" data-version="\d+"( data-builds="\d+")? defer></script>\n')


def starting_files() -> dict[str, str]:
    return {
        "zcwj/a.md": document(title="关于甲事项的通知", date="2024-05-01"),
        "zcwj/b.md": document(title="关于乙事项的通知", date="2024-06-01"),
    }


@pytest.fixture
def preview(tmp_path):
    content = make_content(tmp_path, starting_files())
    live = start_preview(content, tmp_path / "build")
    yield live
    live.stop()


def h1(body: bytes) -> str:
    return lxml.html.fromstring(body).xpath("string(//h1)")


def list_titles(live: LivePreview, url: str = "gk/zcwj/xzfwj/") -> list[str]:
    status, body = live.get(url)
    assert status == 200, url
    return [a.text_content() for a in lxml.html.fromstring(body).xpath("//main//a") if "关于" in a.text_content()]


class EventStream:
    """The preview's server-sent events, read as a browser's EventSource would."""

    def __init__(self, live: LivePreview):
        host, port = live.url.removeprefix("http://").rstrip("/").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=20)
        self.connection.request("GET", "/__govsite__/events")
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def next(self) -> tuple[str, dict]:
        """The next event (name, data); comments and `retry:` are skipped. Times out after 20 s."""
        name, data = "message", []
        while True:
            line = self.response.fp.readline().decode("utf-8")
            if not line:
                raise AssertionError("the event stream closed")
            line = line.rstrip("\n")
            if line == "" and data:
                return name, json.loads("\n".join(data))
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])

    def close(self) -> None:
        self.connection.close()


# --- edits, new files, renames, deletions ---


def test_an_edited_title_is_served_after_the_rebuild(preview):
    assert h1(preview.get("zcwj/a/")[1]) == "关于甲事项的通知"
    status = preview.change(lambda: preview.write("zcwj/a.md", document(title="关于甲事项的补充通知", date="2024-05-01")))
    assert status["ok"] and status["version"] == 2
    assert h1(preview.get("zcwj/a/")[1]) == "关于甲事项的补充通知"
    assert "关于甲事项的补充通知" in list_titles(preview)


def test_a_new_document_gets_its_page_and_appears_in_its_list(preview):
    assert preview.get("zcwj/c/")[0] == 404
    preview.change(lambda: preview.write("zcwj/c.md", document(title="关于丙事项的通知", date="2024-07-01")))
    status, body = preview.get("zcwj/c/")
    assert status == 200 and h1(body) == "关于丙事项的通知"
    assert list_titles(preview)[0] == "关于丙事项的通知", "newest first"


def test_a_new_folder_of_documents_is_picked_up(preview):
    preview.change(lambda: preview.write("zcwj/2025/new/d.md", document(title="关于丁事项的通知")))
    assert h1(preview.get("zcwj/2025/new/d/")[1]) == "关于丁事项的通知"


def test_a_renamed_document_moves_to_its_new_address_and_the_old_one_is_404(preview):
    status = preview.change(lambda: (preview.content / "zcwj/a.md").rename(preview.content / "zcwj/a-renamed.md"))
    assert preview.get("zcwj/a/")[0] == 404
    code, body = preview.get("zcwj/a-renamed/")
    assert code == 200 and h1(body) == "关于甲事项的通知"
    assert list_titles(preview).count("关于甲事项的通知") == 1
    assert any(path.endswith("zcwj/a-renamed.md") for path in status["changed"])


def test_a_deleted_document_is_404_and_gone_from_the_lists(preview):
    preview.change(lambda: (preview.content / "zcwj/b.md").unlink())
    assert preview.get("zcwj/b/")[0] == 404
    assert "关于乙事项的通知" not in list_titles(preview)
    assert "关于乙事项的通知".encode() not in preview.get("")[1]


def test_a_renamed_folder_moves_every_document_in_it(preview):
    preview.change(lambda: preview.write("old/x.md", document(title="关于戊事项的通知")))
    preview.change(lambda: (preview.content / "old").rename(preview.content / "new"))
    assert preview.get("old/x/")[0] == 404
    assert h1(preview.get("new/x/")[1]) == "关于戊事项的通知"


# --- errors: reported, the last good site kept, cleared by the fix ---


def test_broken_front_matter_is_reported_with_file_and_line_and_the_last_good_page_stays(preview):
    good = preview.get("zcwj/a/")[1]
    broken = document(title="关于甲事项的通知", date="2024-05-01").replace('date: "2024-05-01"', 'date: "2024-13-45"')
    status = preview.change(lambda: preview.write("zcwj/a.md", broken))
    assert not status["ok"] and status["total"] == 1 and status["files"] == 1
    problem = status["problems"][0]
    assert problem["path"].endswith("content/zcwj/a.md") and problem["line"] == 5
    assert "2024-13-45" in problem["message"] and problem["fix"]
    assert status["version"] == 1, "no new site"
    assert RELOAD_TAG.sub(b"", preview.get("zcwj/a/")[1]) == RELOAD_TAG.sub(b"", good)

    fixed = preview.change(lambda: preview.write("zcwj/a.md", document(title="关于甲事项的通知（已改正）", date="2024-05-01")))
    assert fixed["ok"] and fixed["problems"] == [] and fixed["version"] == 2
    assert h1(preview.get("zcwj/a/")[1]) == "关于甲事项的通知（已改正）"


def test_the_page_is_told_the_same_problem_the_terminal_prints(preview, capsys):
    broken = document(title="关于甲事项的通知", category="政策文件/不存在的栏目")
    status = preview.change(lambda: preview.write("zcwj/a.md", broken))
    printed = capsys.readouterr().err
    problem = status["problems"][0]
    assert f"{problem['path']}:{problem['line']}: {problem['message']}" in printed
    assert f"修改方法：{problem['fix']}" in printed
    assert "预览仍显示上次构建成功的网站" in printed


def test_a_broken_site_yaml_is_reported_and_fixing_it_clears_the_error(preview):
    broken = MINIMAL_SITE_YAML + "page_size: 二十\n"
    status = preview.change(lambda: (preview.content / "site.yaml").write_text(broken, encoding="utf-8"))
    assert not status["ok"]
    problem = status["problems"][0]
    assert problem["path"].endswith("content/site.yaml") and problem["line"] == broken.count("\n")
    assert "二十" in problem["message"]
    assert preview.get("zcwj/a/")[0] == 200, "the last good site is still served"
    retitled = MINIMAL_SITE_YAML.replace("测试县人民政府信息公开", "测试县政务公开")
    status = preview.change(lambda: (preview.content / "site.yaml").write_text(retitled, encoding="utf-8"))
    assert status["ok"]
    assert "测试县政务公开".encode() in preview.get("")[1]


def test_a_site_theme_is_watched_and_a_broken_template_is_reported_like_content(tmp_path):
    files = starting_files()
    content = make_content(tmp_path, files, MINIMAL_SITE_YAML + 'theme: "county"\n')
    template = tmp_path / "county/templates/document.html"
    write_files(tmp_path / "county", {"templates/document.html": '{% extends "default/document.html" %}\n'})
    live = start_preview(content, tmp_path / "build")
    try:
        assert live.status()["ok"]
        status = live.change(lambda: template.write_text('{% extends "default/document.html" %}\n{% block main %}{{ no_such_thing }}{% endblock %}\n', encoding="utf-8"))
        assert not status["ok"]
        problem = status["problems"][0]
        assert problem["path"].endswith("county/templates/document.html") and problem["line"] == 2
        assert "no_such_thing" in problem["message"]
        assert live.get("zcwj/a/")[0] == 200
        status = live.change(lambda: template.write_text('{% extends "default/document.html" %}\n{% block main %}<p class="custom">本县模板</p>{% endblock %}\n', encoding="utf-8"))
        assert status["ok"]
        assert lxml.html.fromstring(live.get("zcwj/a/")[1]).xpath("string(//p[@class='custom'])") == "本县模板"
    finally:
        live.stop()


def test_when_the_first_build_fails_every_page_explains_the_errors_until_it_is_fixed(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document(title="关于甲事项的通知", issuer="不存在的机关")})
    live = start_preview(content, tmp_path / "build")
    try:
        for path in ("", "zcwj/a/", "no/such/"):
            code, body = live.get(path)
            assert code == 503
            page = lxml.html.fromstring(body)
            assert page.xpath("string(//h1)") == "网站还没有构建成功"
            assert "content/zcwj/a.md:4" in page.xpath("string(//ol)") and "不存在的机关" in page.xpath("string(//ol)")
            assert page.xpath("//script/@data-builds") == ["1"]
        assert not (tmp_path / "build").exists()
        live.change(lambda: live.write("zcwj/a.md", document(title="关于甲事项的通知")))
        code, body = live.get("zcwj/a/")
        assert code == 200 and h1(body) == "关于甲事项的通知"
    finally:
        live.stop()


def test_error_text_reaches_the_error_page_as_text_not_markup(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document(title="x", issuer="<img src=x onerror=alert(1)>")})
    live = start_preview(content, tmp_path / "build")
    try:
        page = lxml.html.fromstring(live.get("")[1])
        assert page.xpath("//img") == []
        assert "<img src=x onerror=alert(1)>" in page.xpath("string(//ol)")
    finally:
        live.stop()


# --- the event stream open pages listen to ---


def test_the_event_stream_sends_the_status_then_reload_after_an_edit(preview):
    stream = EventStream(preview)
    try:
        name, data = stream.next()
        assert name == "reload" and data["version"] == 1 and data["builds"] == 1
        with held_builds() as release:
            preview.write("zcwj/a.md", document(title="关于甲事项的新通知"))
            name, data = stream.next()  # the edited page first, made beside the build (quick_pages.py)
            assert name == "quick" and data["quick"] == ["/zcwj/a/"] and data["version"] == 1
            release()
            name, data = stream.next()
        assert name == "reload" and data["version"] == 2 and data["ok"] and data["stale"] == []
    finally:
        stream.close()


def test_a_quick_page_is_served_while_the_build_runs_as_the_build_then_writes_it(preview):
    with held_builds() as release:
        preview.write("zcwj/a.md", document(title="关于甲事项的新通知", date="2024-05-01"))
        status, body = wait_until(lambda: (got := preview.get("zcwj/a/")) and h1(got[1]) == "关于甲事项的新通知" and got, "the quick page")
        assert b'data-version="2"' in body, "served as the coming version: no second reload"
        assert preview.status()["builds"] == 1 and "关于甲事项的新通知" not in list_titles(preview), "the lists wait for the build"
        release()
        status = preview.settled_after(1)
    assert status["version"] == 2 and status["stale"] == []
    assert RELOAD_TAG.sub(b"", preview.get("zcwj/a/")[1]) == RELOAD_TAG.sub(b"", body)
    assert "关于甲事项的新通知" in list_titles(preview)


def test_a_page_saved_again_during_a_build_is_served_quick_until_a_build_reads_it(preview):
    with held_builds() as release:
        preview.write("zcwj/a.md", document(title="甲：第一次保存", date="2024-05-01"))
        wait_until(lambda: h1(preview.get("zcwj/a/")[1]) == "甲：第一次保存", "the first quick page")
        wait_until(lambda: preview.status()["building"], "the build of the first save")
        preview.write("zcwj/a.md", document(title="甲：第二次保存", date="2024-05-01"))
        wait_until(lambda: h1(preview.get("zcwj/a/")[1]) == "甲：第二次保存", "the second quick page")
        release()
        preview.settled_after(1)
    assert h1(preview.get("zcwj/a/")[1]) == "甲：第二次保存", "never back to the first save"
    assert preview.status()["stale"] == []


def test_a_quick_page_gives_way_when_a_later_save_has_none(preview):
    """A title edit (a quick page), then a date edit (none: the document moves among the others):
    the page must end up showing the date edit, and open copies of the quick page be told to reload."""
    stream = EventStream(preview)
    try:
        stream.next()
        with held_builds() as release:
            preview.write("zcwj/a.md", document(title="关于甲事项的新通知", date="2024-05-01"))
            quick = wait_until(lambda: (body := preview.get("zcwj/a/")[1]) and h1(body) == "关于甲事项的新通知" and body, "the quick page")
            preview.write("zcwj/a.md", document(title="关于甲事项的新通知", date="2024-07-15"))
            release()
            preview.settled_after(1)
        assert "2024年07月15日".encode() in preview.get("zcwj/a/")[1]
        shown_version = int(re.search(rb'data-version="(\d+)"', quick).group(1))
        while True:  # (the build that replaced it says so; another write event may add an empty build after it)
            name, data = stream.next()
            if name == "reload" and (data["stale"] or not data["pending"]):
                break
    finally:
        stream.close()
    # an open copy reloads (reload.js): named stale, or the site is past the version it was served as
    assert data["stale"] == ["/zcwj/a/"] or data["version"] > shown_version


def test_a_quick_page_the_build_makes_otherwise_is_named_stale_so_open_pages_reload(preview):
    """A title that another document of the column has too gets its 文号 from the full build."""
    stream = EventStream(preview)
    try:
        stream.next()
        with held_builds() as release:
            preview.write("zcwj/a.md", document(title="关于乙事项的通知", date="2024-05-01", doc_number="测政发〔2024〕9号"))
            assert stream.next()[0] == "quick"
            release()
            name, data = stream.next()
        assert name == "reload" and data["stale"] == ["/zcwj/a/"]
        assert h1(preview.get("zcwj/a/")[1]) == "关于乙事项的通知"
    finally:
        stream.close()


def test_the_event_stream_sends_problems_with_file_and_line_then_reload_when_fixed(preview):
    stream = EventStream(preview)
    try:
        assert stream.next()[0] == "reload"
        preview.write("zcwj/b.md", "---\ntitle: \"乙\"\ncategory: [未闭合\n---\n正文\n")
        name, data = stream.next()
        assert name == "problems" and data["version"] == 1
        assert data["problems"][0]["path"].endswith("content/zcwj/b.md") and data["problems"][0]["line"] == 3
        preview.write("zcwj/b.md", document(title="关于乙事项的通知"))
        name, data = stream.next()
        assert name == "reload" and data["ok"] and data["version"] == 2
    finally:
        stream.close()


def test_a_page_opened_while_the_site_is_broken_is_told_at_once(preview):
    preview.change(lambda: preview.write("zcwj/a.md", document(title="甲", date="昨天")))
    stream = EventStream(preview)
    try:
        name, data = stream.next()
        assert name == "problems" and "昨天" in data["problems"][0]["message"]
    finally:
        stream.close()


# --- debounce, coalescing, editors' temporary files ---


def test_several_quick_writes_are_one_rebuild(preview):
    builds = preview.status()["builds"]
    for number in range(6):
        preview.write("zcwj/a.md", document(title=f"关于甲事项的第{number}次修改"))
    status = preview.settled_after(builds)
    assert status["builds"] == builds + 1
    assert h1(preview.get("zcwj/a/")[1]) == "关于甲事项的第5次修改"


def test_a_build_that_saw_a_file_change_under_it_is_built_again_not_shown_as_an_error(preview):
    """The build found a file's bytes changed between its two reads; the save behind it is already
    pending: the preview builds again instead of showing "文件在构建过程中被修改了"."""
    from govsite.load import CHANGED_DURING_BUILD
    from govsite.problems import BuildFailed, Problem

    real_build, calls = serve.build, []

    def build_that_sees_a_second_save(options):
        calls.append(options)
        if len(calls) == 1:
            preview.write("zcwj/a.md", document(title="关于甲事项的第二次修改"))
            wait_until(lambda: preview.status()["pending"], "the second save noticed")
            raise BuildFailed([Problem(str(preview.content / "zcwj/a.md"), 0, CHANGED_DURING_BUILD, "保存完所有文件后重新构建。")], [])
        return real_build(options)

    serve.build = build_that_sees_a_second_save
    try:
        builds = preview.status()["builds"]
        preview.write("zcwj/a.md", document(title="关于甲事项的第一次修改"))
        status = wait_until(lambda: (s := preview.status())["builds"] > builds and not s["pending"] and not s["building"] and s, "the build after")
    finally:
        serve.build = real_build
    assert len(calls) == 2 and status["ok"] and status["builds"] == builds + 1, "one build told, no error shown"
    assert h1(preview.get("zcwj/a/")[1]) == "关于甲事项的第二次修改"


def test_a_vim_style_save_is_one_rebuild_and_swap_files_alone_cause_none(preview):
    folder = preview.content / "zcwj"
    builds = preview.status()["builds"]
    (folder / ".a.md.swp").write_bytes(b"b0VIM 9.0")  # written while typing
    (folder / "4913").write_text("")  # vim's probe, then the backup-rename-write-delete save
    (folder / "4913").unlink()
    (folder / "a.md").rename(folder / "a.md~")
    (folder / "a.md").write_text(document(title="关于甲事项的通知（vim）"), encoding="utf-8")
    (folder / "a.md~").unlink()
    (folder / "#a.md#").write_text("emacs")
    status = preview.settled_after(builds)
    assert status["builds"] == builds + 1
    assert [path.rsplit("/", 1)[-1] for path in status["changed"]] == ["a.md"]
    assert h1(preview.get("zcwj/a/")[1]) == "关于甲事项的通知（vim）"


class HeldReport(TerminalReport):
    """Holds each build after the first at its start until the test lets it go: a long build."""

    def __init__(self, out):
        super().__init__(out, serving=True)
        self.go = threading.Event()
        self.builds = 0

    def started(self):
        self.builds += 1
        if self.builds > 1:
            assert self.go.wait(WAIT), "the test never let the build go"
        return super().started()


def test_saves_during_a_rebuild_wait_for_it_and_are_built_once_after_it(tmp_path):
    content = make_content(tmp_path, starting_files())
    report = HeldReport(tmp_path / "build")
    live = start_preview(content, tmp_path / "build", report)
    try:
        live.write("zcwj/a.md", document(title="甲一"))
        wait_until(lambda: live.status()["building"], "the rebuild to start")
        live.write("zcwj/b.md", document(title="乙一"))
        live.write("zcwj/c.md", document(title="丙一"))
        live.write("zcwj/a.md", document(title="甲二"))
        wait_until(lambda: live.status()["pending"], "the changes to be noticed during the build")
        assert live.status()["builds"] == 1, "one build at a time"
        report.go.set()
        status = live.settled_after(2)
        assert status["builds"] == 3, "the three saves made during the build are one more build"
        assert sorted(path.rsplit("/", 1)[-1] for path in status["changed"]) == ["a.md", "b.md", "c.md"]
        assert h1(live.get("zcwj/a/")[1]) == "甲二" and h1(live.get("zcwj/c/")[1]) == "丙一"
    finally:
        report.go.set()
        live.stop()


def test_editor_temporary_names_are_not_sources(preview):
    folder = preview.content.resolve() / "zcwj"
    for name in ("4913", ".a.md.swp", "a.md.swp", "a.md~", ".#a.md", "#a.md#", "a.md.kate-swp", "a.md___jb_tmp___", ".DS_Store"):
        assert not preview.running.preview.is_source(folder / name), name
    assert not preview.running.preview.is_source(preview.content.resolve() / ".git" / "index")
    assert not preview.running.preview.is_source(preview.out.resolve() / "index.html")
    assert not preview.running.preview.is_source(preview.out.resolve().with_name("build.staging-12") / "x.html")
    assert preview.running.preview.is_source(folder / "a.md")
    assert preview.running.preview.is_source(folder / "files" / "表.pdf")


# --- what is served ---


def test_served_pages_carry_the_reload_script_and_build_output_is_what_govsite_build_writes(preview, tmp_path):
    body = preview.get("zcwj/a/")[1]
    assert len(RELOAD_TAG.findall(body)) == 1
    assert body.index(b"/__govsite__/reload.js") < body.index(b"</head>")
    on_disk = snapshot(preview.out)
    assert not any(b"__govsite__" in data for data in on_disk.values())
    plain = build_content(preview.content, tmp_path / "plain-build")
    assert snapshot(plain.out) == on_disk
    code, css = preview.get(next(name for name in on_disk if name.startswith("static/style.")))
    assert code == 200 and css == on_disk[next(name for name in on_disk if name.startswith("static/style."))]


def test_a_missing_page_serves_the_sites_404_page_and_folders_are_not_listed(preview):
    code, body = preview.get("no/such/page/")
    assert code == 404
    assert RELOAD_TAG.sub(b"", body) == (preview.out / "404.html").read_bytes()
    assert preview.get("static/")[0] == 404, "no folder listing"
    assert preview.get("__govsite__/nothing")[0] == 404


def test_the_reload_script_and_overlay_styles_are_served_only_by_the_preview(preview):
    code, script = preview.get("__govsite__/reload.js")
    assert code == 200 and b"EventSource" in script and b"innerHTML" not in script
    assert preview.get("__govsite__/overlay.css")[0] == 200


def test_the_preview_sends_the_netlify_headers_when_the_project_has_them(tmp_path):
    content = make_content(tmp_path, starting_files())
    (tmp_path / "netlify.toml").write_text((REPO / "netlify.toml").read_text(encoding="utf-8"), encoding="utf-8")
    live = start_preview(content, tmp_path / "build")
    try:
        with urllib.request.urlopen(live.url, timeout=10) as response:
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    finally:
        live.stop()


# --- ports ---


def test_a_taken_default_port_moves_to_the_next_and_a_chosen_port_is_not_changed():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(serve.PortInUse):
            serve.bind("127.0.0.1", port, fixed=True)
        try:
            server = serve.bind("127.0.0.1", port, fixed=False)
        except serve.PortInUse:
            pytest.skip("the next ten ports are taken too")
        assert port < server.server_port <= port + serve.PORT_TRIES
        server.server_close()


class ServeProcess:
    """`python -m govsite serve …` in a temporary project, its output read line by line."""

    def __init__(self, root, *args):
        env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "govsite", "serve", "--today", TODAY.isoformat(), *args],
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def line(self, timeout: float = 30) -> str:
        try:
            return self.lines.get(timeout=timeout).rstrip("\n")
        except queue.Empty:
            raise AssertionError(f"govsite serve printed nothing for {timeout} s") from None

    def line_matching(self, pattern: str) -> re.Match:
        while True:
            found = re.search(pattern, self.line())
            if found:
                return found

    def stop(self) -> str:
        """Ctrl+C's cousin SIGTERM; → what it printed on stderr."""
        self.process.terminate()
        self.process.wait(timeout=10)
        return self.process.stderr.read()


def test_serve_with_a_taken_port_says_so_and_exits_2(tmp_path):
    make_content(tmp_path, starting_files())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = ServeProcess(tmp_path, "--port", str(taken.getsockname()[1]))
        server.process.wait(timeout=60)
    assert server.process.returncode == 2
    err = server.process.stderr.read()
    assert "端口已被占用" in err and "--port" in err and "Traceback" not in err


def test_serve_prints_the_address_and_what_it_watches_and_rebuilds_on_a_save(tmp_path):
    make_content(tmp_path, {"通知公告/2024/关于开展测试的通知.md": document(title="关于开展测试的通知", category="公示公告")})
    server = ServeProcess(tmp_path, "--port", "0")
    try:
        assert server.line_matching(r"^构建完成：1 篇文件；")
        base = server.line_matching(r"^预览地址：(http://127\.0\.0\.1:\d+/)")[1]
        assert server.line().startswith("正在监视 content/")
        code, body = fetch(base, "通知公告/2024/关于开展测试的通知/")
        assert code == 200 and h1(body) == "关于开展测试的通知"
        (tmp_path / "content/通知公告/2024/关于开展测试的通知.md").write_text(
            document(title="关于开展测试的补充通知", category="公示公告"), encoding="utf-8"
        )
        assert server.line_matching(r"修改 content/通知公告/2024/关于开展测试的通知\.md，重新构建")
        assert server.line().startswith("构建完成：1 篇文件")
        assert h1(fetch(base, "通知公告/2024/关于开展测试的通知/")[1]) == "关于开展测试的补充通知"
    finally:
        err = server.stop()
    assert server.line() == "已停止预览。"
    assert "Traceback" not in err
    assert not list(tmp_path.glob("build.*")), "no staging folder left behind"
