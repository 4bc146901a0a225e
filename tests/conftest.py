"""Builds real sites into temporary folders and reads what they produce."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from govsite.build import BuildOptions, build
from govsite.model import BuildResult

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPORA = FIXTURES / "corpora"
SAMPLE_CONTENT = REPO / "content"
TODAY = dt.date(2026, 11, 24)
"""The fixed "today" every test builds with, so validity labels never drift with the calendar."""

MINIMAL_SITE_YAML = textwrap.dedent(
    """\
    title: "测试县人民政府信息公开"
    base_url: "https://xxgk.test.example.gov.cn/"
    language: "zh-CN"
    org_code: "TEST001"
    sponsor: "测试县人民政府办公室"
    site_id_code: "0000000001"
    icp: "测ICP备00000001号"
    police_record: "测公网安备00000000000001号"
    office:
      name: "测试县人民政府办公室"
      address: "测试县人民路1号"
      postcode: "000000"
      hours: "工作日 9:00-17:00"
      phone: "0000-0000000"
      fax: "0000-0000001"
      email: "xxgk@test.example.gov.cn"
    issuers:
      - "测试县人民政府"
      - "测试县财政局"
      - "测试县教育局"
    categories:
      - name: "政策文件"
        slug: "zcwj"
        children:
          - name: "县政府文件"
            slug: "xzfwj"
          - name: "部门文件"
            slug: "bmwj"
      - name: "政策解读"
        slug: "zcjd"
      - name: "公示公告"
    """
)


def document(title="测试文件", category="政策文件/县政府文件", issuer="测试县人民政府", date="2024-05-01", body="正文第一段。\n", **extra) -> str:
    """A Markdown document with front matter; extra keys are written as given (strings quoted)."""
    lines = ["---", f'title: "{title}"', f'category: "{category}"', f'issuer: "{issuer}"', f'date: "{date}"']
    for key, value in extra.items():
        if isinstance(value, (list, tuple)):
            lines.append(f"{key}:")
            lines.extend(f'  - "{item}"' for item in value)
        elif isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        else:
            lines.append(f'{key}: "{value}"')
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body


@dataclass
class BuiltSite:
    content: Path
    out: Path
    result: BuildResult

    def html(self, url: str) -> lxml.html.HtmlElement:
        """The parsed page at a site URL such as `gk/` or `zcwj/2024/a/`."""
        path = self.out / (url + "index.html" if url == "" or url.endswith("/") else url)
        return lxml.html.fromstring(path.read_bytes())

    def file(self, path: str) -> Path:
        return self.out / path


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


def make_content(tmp_path: Path, files: dict[str, str | bytes], site_yaml: str | None = MINIMAL_SITE_YAML) -> Path:
    content = tmp_path / "content"
    content.mkdir(parents=True, exist_ok=True)
    if site_yaml is not None:
        (content / "site.yaml").write_text(site_yaml, encoding="utf-8")
    write_files(content, files)
    return content


def build_content(content: Path, out: Path, today: dt.date = TODAY) -> BuiltSite:
    result = build(BuildOptions(content=content, out=out, today=today))
    return BuiltSite(content, out, result)


_WITH_TEXT: dict[Path, object] = {}


def site_with_text(built: BuiltSite):
    """The built site with each document's body, HTML and text, which a build does not keep (a
    20,000-document site's would fill memory): read and rendered again from its content folder."""
    if built.out not in _WITH_TEXT:
        from govsite.markdown import render_bodies
        from govsite.problems import Problems
        from govsite.search.whoosh_index import read_site

        _WITH_TEXT[built.out] = render_bodies(read_site(built.content, built.result.site.today), Problems())
    return _WITH_TEXT[built.out]


@pytest.fixture
def build_site(tmp_path):
    """`build_site({"zcwj/a.md": document(...)})` → BuiltSite; raises BuildFailed on content errors."""

    def _build(files: dict[str, str | bytes], site_yaml: str | None = MINIMAL_SITE_YAML, today: dt.date = TODAY) -> BuiltSite:
        content = make_content(tmp_path, files, site_yaml)
        return build_content(content, tmp_path / "build", today)

    return _build


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> BuiltSite:
    """The repository's own sample site (content/), built once per test session."""
    root = tmp_path_factory.mktemp("sample")
    return build_content(copy_tree(SAMPLE_CONTENT, root / "content"), root / "build")


@pytest.fixture(scope="session", params=["real-govcn", "real-pingtan"])
def corpus_site(request, tmp_path_factory) -> BuiltSite:
    """Each real corpus from tests/fixtures/corpora, built once per test session."""
    root = tmp_path_factory.mktemp(request.param)
    return build_content(copy_tree(CORPORA / request.param, root / "content"), root / "build")


def run_cli(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess:
    """Runs `python -m govsite ARGS` as a user would, capturing both streams as text."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "govsite", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"govsite {' '.join(args)} exited {completed.returncode}:\n{completed.stderr}")
    return completed


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes: to compare two builds, or a folder before and after."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the browser: headless Debian Chromium through Playwright (never a downloaded browser) ---

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"]


def chromium_path() -> str | None:
    candidate = os.environ.get("GOVSITE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    message = "Debian chromium is not installed (apt-get install --no-install-recommends chromium)"
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; in CI the browser tests must run, not skip")
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("playwright is not installed; pip install -e '.[test]'")
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=ARGS)
        yield browser
        browser.close()


def netlify_headers() -> dict[str, str]:
    """The headers netlify.toml sets for every page, so the tests see the real CSP."""
    config = tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8"))
    headers: dict[str, str] = {}
    for rule in config.get("headers", []):
        if rule["for"] == "/*":
            headers.update(rule["values"])
    return headers


class _Handler(http.server.SimpleHTTPRequestHandler):
    extra_headers: dict[str, str] = {}

    def end_headers(self):
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def serve():
    """`serve(folder)` → base URL of a loopback server for that folder, stopped after the session."""
    servers = []

    def _serve(folder: Path) -> str:
        handler = type("Handler", (_Handler,), {"extra_headers": netlify_headers()})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield _serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
