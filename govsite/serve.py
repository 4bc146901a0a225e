"""`govsite serve`: build, serve the output on loopback, watch the sources, rebuild on change and
reload open pages; a failed build is shown in the page while the last good site stays served.

Nothing here changes what a build writes: the reload script is added to HTML as it is sent, so
`build/` is byte for byte what `govsite build` makes. `Preview.rebuild()` is the one place the
preview builds, with its own build cache (`.govsite-cache/serve/`), so only what changed is made
again. Before it, the edited documents' own pages are made at once (quick_pages.py) and served from
memory until the build has written them: the page a webmaster looks at is new in milliseconds."""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import json
import os
import re
import signal
import threading
import time
import tomllib
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Protocol

import click
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .build import BuildOptions, build
from .load import CHANGED_DURING_BUILD, shown_path
from .model import BuildResult
from .problems import BuildFailed, Problem
from .quick_pages import QuickPage, QuickPages
from .render import CHECKOUT_THEME, default_theme
from .write import UnsafeOutput

DEBOUNCE = 0.1
"""Seconds without a file event before a rebuild starts. Editors save in several steps (vim:
probe file `4913`, rename to `name~`, write, delete the backup; others write a temporary file and
rename it); one save must be one rebuild (MkDocs' build_delay), and the wait adds to every preview."""

IGNORED_NAME = re.compile(
    r"""^(4913                   # vim's probe for a writable folder
        |\..*                    # dot files: .name.swp, emacs' .#name lock, .DS_Store, gedit's .goutputstream-*
        |\#.*\#                  # emacs' auto-save
        |.*~                     # backups
        |.*\.sw[a-p]             # vim swap files without a dot (shortname, 'directory' settings)
        |.*\.kate-swp
        |.*___jb_(tmp|old)___    # JetBrains' safe write
        )$""",
    re.VERBOSE,
)
"""Files an editor writes beside the one being edited: never a reason to rebuild."""

WATCHED_EVENTS = {"created", "modified", "moved", "deleted"}
KIND_WORDS = {"created": "新建", "modified": "修改", "moved": "移动", "deleted": "删除"}

PREFIX = "/__govsite__/"
"""Where the preview's own files live: no site page can have this address (`_` folders are not content)."""
ASSETS = Path(__file__).parent / "serve_static"
"""reload.js and overlay.css: served by the preview only, never written to build/."""
PORT_TRIES = 10
"""Ports tried after the default one when it is taken (8000, 8001, …); a port given with --port is not changed."""
KEEPALIVE = 15.0
"""Seconds between comments on an idle event stream, so a closed tab's connection is noticed."""
MAX_SHOWN = 100
"""Errors sent to the page at most; the terminal lists them all."""


class Report(Protocol):
    """How a build is told on the terminal (cli.py's, the same as `govsite build`)."""

    def started(self) -> Callable[[str], None] | None:
        """A build begins; returns the callable for BuildOptions.progress, if any."""

    def finished(self, outcome: BuildResult | BuildFailed, first: bool) -> None:
        """It ended; `first` is the build before the server starts."""


@dataclass(frozen=True)
class Status:
    """What the preview is showing, as open pages and /__govsite__/status are told."""

    version: int = 0
    """Successful builds so far: the output folder holds this version (0: none this session)."""
    builds: int = 0
    """Builds so far, failed ones included."""
    problems: tuple[Problem, ...] = ()
    """The errors of the last build; empty when it succeeded."""
    changed: tuple[str, ...] = ()
    """The files whose change started the last build (as printed)."""
    building: bool = False
    pending: bool = False
    """Files changed and a build will follow (after the debounce, or after the running build)."""
    quick: tuple[str, ...] = ()
    """The addresses (/a/b/) of the last pages made quickly (`Preview.quick_pages`): served already
    as the next build will write them."""
    quick_serial: int = 0
    """How many times pages were made quickly: each time is news for open pages."""
    stale: tuple[str, ...] = ()
    """After a build: the quick pages it made differently, to be loaded again."""

    def as_json(self) -> dict:
        shown = self.problems[:MAX_SHOWN]
        return {
            "version": self.version,
            "builds": self.builds,
            "ok": not self.problems,
            "problems": [{"path": p.path, "line": p.line, "message": p.message, "fix": p.fix} for p in shown],
            "total": len(self.problems),
            "files": len({p.path for p in self.problems}),
            "changed": list(self.changed),
            "building": self.building,
            "pending": self.pending,
            "quick": list(self.quick),
            "stale": list(self.stale),
        }


class Preview:
    """The sources, the builds and their status: one build at a time, changes during a build
    coalesced into one more build after it."""

    def __init__(self, options: BuildOptions, report: Report):
        self.options = options
        self.report = report
        self.out = options.out.resolve()
        self.status = Status()
        self.stopped = False
        self.condition = threading.Condition()
        """Guards status, the pending changes and `stopped`; notified when any of them changes."""
        self._pending: dict[Path, str] = {}
        self._last_event = 0.0
        self._roots: tuple[Path, ...] = ()
        self._theme: Path | None = None
        self._quick: QuickPages | None = None
        self.overlay: dict[str, QuickPage] = {}
        """Output path → a quick page, served instead of the file until a build has read its bytes."""
        self._shown: dict[str, QuickPage] = {}
        """Quick pages shown and not yet compared with what a successful build that read their
        bytes made (then the address is `Status.stale` when they differ)."""
        self._quick_pending: dict[Path, str] = {}

    # --- building ---

    def rebuild(self, changed: dict[Path, str]) -> Status:
        """The one place the preview builds. `changed` (absolute path → "created", "modified",
        "moved" or "deleted"; a move gives both paths) is what an incremental build needs; the
        full build ignores it."""
        with self.condition:
            self.status = replace(self.status, building=True)
        started = time.time_ns()
        progress = self.report.started()
        try:
            outcome: BuildResult | BuildFailed = build(replace(self.options, progress=progress))
        except BuildFailed as failed:
            outcome = failed
        except UnsafeOutput as exc:
            outcome = BuildFailed([Problem(shown_path(self.out), 0, str(exc))], [])
        except Exception as exc:  # a bug must not stop the preview: tell it, keep serving
            traceback.print_exc()
            fix = "请把终端中显示的错误信息报告给 govsite 的维护人员；改动文件后会再试一次。"
            outcome = BuildFailed([Problem("govsite", 0, f"构建时发生意外错误：{type(exc).__name__}: {exc}", fix)], [])
        if self._superseded(outcome):
            click.echo("文件在构建过程中又被修改，重新构建……")
            with self.condition:
                self.status = replace(self.status, building=False)
                self.condition.notify_all()
                return self.status
        self.report.finished(outcome, first=self.status.builds == 0)
        ok = isinstance(outcome, BuildResult)
        with self.condition:
            shown = dict(self._shown)
        seen = {path: page for path, page in shown.items() if page.seen_by(started)}
        stale = tuple(address(path) for path, page in seen.items() if _read(self.out / path) != page.data) if ok else ()
        with self.condition:
            if ok:
                self._theme = outcome.site.config.theme
                self._shown = {path: page for path, page in self._shown.items() if seen.get(path) is not page}
            self.overlay = {path: page for path, page in self.overlay.items() if seen.get(path) is not page}
            self.status = Status(
                version=self.status.version + ok,
                builds=self.status.builds + 1,
                problems=() if ok else tuple(outcome.errors),
                changed=tuple(shown_path(path) for path in changed),
                pending=bool(self._pending),
                quick=self.status.quick,
                quick_serial=self.status.quick_serial,
                stale=stale,
            )
            self.condition.notify_all()
            status = self.status
        if ok:
            self._quick = QuickPages.after(outcome, self.options.content)
            try:
                self._quick.prepare()
            except Exception:  # a quick page is a bonus: the builds go on without it
                traceback.print_exc()
                self._quick = None
        return status

    def _superseded(self, outcome: BuildResult | BuildFailed) -> bool:
        """A build failed only because files were saved again while it ran: the build after it
        (for those saves) is the answer, not an error to show."""
        with self.condition:
            pending = bool(self._pending)
        return pending and isinstance(outcome, BuildFailed) and all(p.message == CHANGED_DURING_BUILD for p in outcome.errors)

    def quick_pages(self, changed: dict[Path, str]) -> None:
        """Serve the changed documents' own pages at once, made from the saved files and the last
        good site (quick_pages.py), and tell open pages; a build follows for the same changes."""
        quick = self._quick
        try:
            pages = quick.pages(changed) if quick is not None else {}
        except Exception:  # never in the way of the build
            traceback.print_exc()
            return
        if not pages:
            return
        with self.condition:
            self.overlay = {**self.overlay, **pages}
            self._shown.update(pages)
            self.status = replace(self.status, quick=tuple(address(path) for path in pages), quick_serial=self.status.quick_serial + 1)
            self.condition.notify_all()

    def _settled(self, pending: str) -> dict[Path, str] | None:
        """The changes in `self.<pending>` once there are some and no file event came for DEBOUNCE
        (taken: the attribute is emptied); None when the preview stops."""
        with self.condition:
            self.condition.wait_for(lambda: getattr(self, pending) or self.stopped)
            while not self.stopped:
                quiet = self._last_event + DEBOUNCE - time.monotonic()
                if quiet <= 0:
                    break
                self.condition.wait(quiet)
            if self.stopped:
                return None
            changed = getattr(self, pending)
            setattr(self, pending, {})
            return changed

    def run_quick(self) -> None:
        """The quick thread: the edited documents' own pages, while a build for earlier changes may
        still be running (a webmaster saves again, looks again)."""
        while (changed := self._settled("_quick_pending")) is not None:
            self.quick_pages(changed)

    def run_builds(self) -> None:
        """The builder thread: waits for changes, lets them settle for DEBOUNCE, rebuilds."""
        while (changed := self._settled("_pending")) is not None:
            click.echo(f"{dt.datetime.now():%H:%M:%S} {describe_changes(changed)}，重新构建……")
            self.rebuild(changed)
            self.watch_theme()

    def notice(self, kind: str, paths: list[str]) -> None:
        with self.condition:
            for path in paths:
                self._pending[Path(path)] = self._quick_pending[Path(path)] = kind
            self._last_event = time.monotonic()
            self.status = replace(self.status, pending=True)
            self.condition.notify_all()

    def wait_for_build(self, seen: int, timeout: float) -> Status | None:
        """The status once a build after the `seen`-th has finished; None on timeout or stop."""
        with self.condition:
            self.condition.wait_for(lambda: self.status.builds != seen or self.stopped, timeout)
            return None if self.stopped or self.status.builds == seen else self.status

    def wait_for_news(self, seen: tuple[int, int], timeout: float) -> Status | None:
        """The status once a build has finished or quick pages are served since `seen` (builds,
        quick_serial); None on timeout or stop."""
        news = lambda: (self.status.builds, self.status.quick_serial) != seen
        with self.condition:
            self.condition.wait_for(lambda: news() or self.stopped, timeout)
            return None if self.stopped or not news() else self.status

    # --- watching ---

    def is_source(self, path: Path) -> bool:
        """Whether a changed file can change the site: not an editor's temporary file, not in a
        dot folder (.git), not the output folder or its staging copies beside it."""
        if IGNORED_NAME.match(path.name):
            return False
        for root in self._roots:
            if root in path.parents and any(part.startswith(".") for part in path.relative_to(root).parts):
                return False
        if self.out.parent in path.parents:
            top = path.relative_to(self.out.parent).parts[0]
            if top == self.out.name or top.startswith(self.out.name + "."):
                return False
        return True

    def watched_folders(self) -> tuple[Path, ...]:
        """content/ (with site.yaml), the site's theme, and the default theme in a source checkout."""
        folders = [self.options.content.resolve()]
        if self._theme is not None and self._theme.is_dir():
            folders.append(self._theme.resolve())
        if default_theme() == CHECKOUT_THEME:
            folders.append(CHECKOUT_THEME.resolve())
        return tuple(dict.fromkeys(folders))

    def start_watching(self) -> None:
        self._observer = Observer()
        self._watches: dict[Path, object] = {}
        self._handler = _SourceEvents(self)
        self.watch_theme()
        self._observer.start()

    def watch_theme(self) -> None:
        """Follows `theme:` in site.yaml: a theme folder set or changed is watched from then on."""
        folders = self.watched_folders()
        for folder in set(self._watches) - set(folders):
            self._observer.unschedule(self._watches.pop(folder))
        for folder in folders:
            if folder not in self._watches:
                self._watches[folder] = self._observer.schedule(self._handler, str(folder), recursive=True)
        self._roots = folders

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify_all()
        if hasattr(self, "_observer"):
            self._observer.stop()
            self._observer.join(timeout=5)


class _SourceEvents(FileSystemEventHandler):
    def __init__(self, preview: Preview):
        self.preview = preview

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in WATCHED_EVENTS or (event.is_directory and event.event_type == "modified"):
            return
        paths = [os.fsdecode(event.src_path)]
        if event.event_type == "moved":
            paths.append(os.fsdecode(event.dest_path))
        relevant = [path for path in paths if self.preview.is_source(Path(path))]
        if relevant:
            self.preview.notice(event.event_type, relevant)


def address(path: str) -> str:
    """The address an output file is served at: `a/b/index.html` → `/a/b/`."""
    return "/" + (path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def describe_changes(changed: dict[Path, str]) -> str:
    """`修改 content/a.md`, or the first three and how many more."""
    items = [f"{KIND_WORDS.get(kind, kind)} {shown_path(path)}" for path, kind in changed.items()]
    more = f" 等 {len(items)} 个文件" if len(items) > 3 else ""
    return "，".join(items[:3]) + more


# --- the HTTP side ---


def reload_tag(version: int, builds: int | None = None) -> bytes:
    extra = f' data-builds="{builds}"' if builds is not None else ""
    return f'<script src="{PREFIX}reload.js" data-version="{version}"{extra} defer></script>\n'.encode()


def with_reload_script(page: bytes, version: int) -> bytes:
    """The page with the reload script before `</head>` (else `</body>`, else at the end)."""
    for closing in (rb"</head\s*>", rb"</body\s*>"):
        found = re.search(closing, page, re.IGNORECASE)
        if found:
            return page[: found.start()] + reload_tag(version) + page[found.start() :]
    return page + reload_tag(version)


def error_page(status: Status) -> bytes:
    """What every page shows while no build has succeeded yet: the errors, as the terminal lists them."""
    items = "\n".join(
        f"<li><p><code>{html.escape(p.path)}{f':{p.line}' if p.line else ''}</code></p>"
        f"<p>{html.escape(p.message)}</p>" + (f"<p>修改方法：{html.escape(p.fix)}</p>" if p.fix else "") + "</li>"
        for p in status.problems[:MAX_SHOWN]
    )
    files = len({p.path for p in status.problems})
    text = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>构建出错 - govsite 预览</title>
<link rel="stylesheet" href="{PREFIX}overlay.css">
{reload_tag(status.version, status.builds).decode()}</head>
<body class="govsite-error-page">
<main>
<h1>网站还没有构建成功</h1>
<p>共 {len(status.problems)} 个错误，涉及 {files} 个文件。改正后保存，这个页面会自动刷新。</p>
<ol class="govsite-problems">
{items}
</ol>
</main>
</body>
</html>
"""
    return text.encode()


def site_headers(content: Path) -> dict[str, str]:
    """The headers netlify.toml gives every page (the CSP above all), so the preview enforces what
    the host will; none when the project has no netlify.toml beside content/."""
    path = content.resolve().parent / "netlify.toml"
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    headers: dict[str, str] = {}
    for rule in config.get("headers", []):
        if isinstance(rule, dict) and rule.get("for") == "/*":
            headers.update({str(k): str(v) for k, v in rule.get("values", {}).items()})
    return headers


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the output as a static host would (404.html for a missing page, no folder listings),
    with the reload script in every HTML page and the preview's own files under PREFIX."""

    preview: Preview
    headers_for_all: dict[str, str] = {}

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(PREFIX):
            self._own(path[len(PREFIX) :], head)
            return
        status = self.preview.status
        if not self.preview.out.is_dir():
            self._send(503, "text/html; charset=utf-8", error_page(status), head)
            return
        page = self._html_file(path)
        quick = self._quick_page(page)
        if quick is not None:  # served as the build under way will write it
            self._send(200, "text/html; charset=utf-8", with_reload_script(quick, status.version + 1), head)
            return
        if page is None:
            super().do_HEAD() if head else super().do_GET()
            return
        self._send(200, "text/html; charset=utf-8", with_reload_script(page.read_bytes(), status.version), head)

    def _quick_page(self, page: Path | None) -> bytes | None:
        overlay = self.preview.overlay
        if not overlay or page is None:
            return None
        try:
            quick = overlay.get(page.relative_to(self.preview.out).as_posix())
        except ValueError:
            return None
        return quick.data if quick is not None else None

    def _html_file(self, path: str) -> Path | None:
        found = Path(self.translate_path(path))
        if found.is_dir():
            if not path.endswith("/"):
                return None  # the static server redirects to the address with /
            found = found / "index.html"
        return found if found.suffix == ".html" and found.is_file() else None

    def _own(self, name: str, head: bool) -> None:
        if name == "events":
            self._events()
        elif name == "status":
            body = json.dumps(self.preview.status.as_json(), ensure_ascii=False).encode()
            self._send(200, "application/json; charset=utf-8", body, head)
        elif name in ("reload.js", "overlay.css"):
            kind = "text/javascript" if name.endswith(".js") else "text/css"
            self._send(200, f"{kind}; charset=utf-8", (ASSETS / name).read_bytes(), head)
        else:
            self.send_error(404)

    def _events(self) -> None:
        """Server-sent events: the current status at once, then one event per build (`reload`
        after a successful build, `problems` after a failed one) and `quick` each time edited
        documents' pages were made quickly."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        status = self.preview.status
        builds, quick = None, status.quick_serial  # on connecting: the last build's outcome, not older quick pages
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                if status is None:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    if status.quick_serial != quick:
                        self._event("quick", status)
                    if status.builds != builds:
                        self._event("reload" if not status.problems else "problems", status)
                    builds, quick = status.builds, status.quick_serial
                self.wfile.flush()
                status = self.preview.wait_for_news((builds, quick), KEEPALIVE)
                if status is None and self.preview.stopped:
                    return
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return

    def _event(self, kind: str, status: Status) -> None:
        data = json.dumps(status.as_json(), ensure_ascii=False)
        self.wfile.write(f"event: {kind}\ndata: {data}\n\n".encode())

    def _send(self, code: int, kind: str, body: bytes, head: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser left (a reload, a closed tab) before the answer was sent

    def end_headers(self) -> None:
        for name, value in self.headers_for_all.items():
            self.send_header(name, value)
        super().end_headers()

    def list_directory(self, path):
        self.send_error(404)  # a static host lists no folders
        return None

    def send_error(self, code, message=None, explain=None):
        page = self.preview.out / "404.html"
        if code == 404 and page.is_file():
            self._send(404, "text/html; charset=utf-8", with_reload_script(page.read_bytes(), self.preview.status.version), self.command == "HEAD")
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # keep the terminal for build messages
        pass


class PortInUse(Exception):
    """The port (or every port tried) is taken."""


def bind(host: str, port: int, fixed: bool) -> http.server.ThreadingHTTPServer:
    """The server on `port`; when the port is the default and taken, on the next free one of
    PORT_TRIES (as Hugo and Vite do). A port the user chose (or 0: any free port) is not changed."""
    tries = [port] if fixed or port == 0 else list(range(port, port + PORT_TRIES))
    for candidate in tries:
        try:
            return http.server.ThreadingHTTPServer((host, candidate), PreviewHandler)
        except OSError as exc:
            if exc.errno not in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise
    raise PortInUse(tries[0] if len(tries) == 1 else f"{tries[0]}–{tries[-1]}")


@dataclass
class Running:
    """A started preview: its address, and how to stop it."""

    url: str
    preview: Preview
    server: http.server.ThreadingHTTPServer
    threads: list[threading.Thread] = field(default_factory=list)

    def stop(self) -> None:
        self.preview.stop()
        self.server.shutdown()
        self.server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)


def start(options: BuildOptions, report: Report, host: str = "127.0.0.1", port: int = 0, fixed: bool = True) -> Running:
    """Binds, builds once (a failure is shown in the pages, not fatal), then serves and watches in
    background threads. Raises PortInUse before building."""
    server = bind(host, port, fixed)
    preview = Preview(options, report)
    handler = type("Handler", (PreviewHandler,), {"preview": preview, "headers_for_all": site_headers(options.content)})
    server.RequestHandlerClass = functools.partial(handler, directory=str(preview.out))
    server.daemon_threads = True
    preview.start_watching()  # before the first build: a save during it is one more build after it
    preview.rebuild({})
    preview.watch_theme()
    threads = [
        threading.Thread(target=server.serve_forever, args=(0.1,), name="govsite-http", daemon=True),
        threading.Thread(target=preview.run_builds, name="govsite-builds", daemon=True),
        threading.Thread(target=preview.run_quick, name="govsite-quick", daemon=True),
    ]
    for thread in threads:
        thread.start()
    shown_host = f"[{host}]" if ":" in host else host
    return Running(f"http://{shown_host}:{server.server_port}/", preview, server, threads)


def serve(options: BuildOptions, report: Report, host: str, port: int, fixed: bool) -> None:
    """`govsite serve` until Ctrl+C (or SIGTERM): prints the address and what it watches."""
    signal.signal(signal.SIGTERM, _interrupt)
    running = None
    try:
        running = start(options, report, host, port, fixed)
        if not fixed and running.server.server_port != port:
            click.echo(f"端口 {port} 已被占用，改用 {running.server.server_port}。")
        watched = "、".join(shown_path(folder) + "/" for folder in running.preview.watched_folders())
        click.echo(f"预览地址：{running.url}  （按 Ctrl+C 停止）")
        click.echo(f"正在监视 {watched}：保存文件后自动重新构建并刷新打开的页面。")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("已停止预览。")
    finally:
        if running is not None:
            running.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt
