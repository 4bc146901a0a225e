"""A real `govsite serve` preview on a temporary site, in this process, for tests/test_serve.py and
tests/browser/test_serve_browser.py: the same Preview, watcher and HTTP server the command runs,
on a free port; the tests change files on disk and poll what the server answers."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from conftest import TODAY
from govsite import serve
from govsite.build import BuildOptions
from govsite.cache import default_folder as default_cache_folder
from govsite.cli import TerminalReport

WAIT = 20.0
"""Seconds a test waits for a rebuild at most (a deadline, not a sleep: polls end on success)."""


def wait_until(predicate, what: str, timeout: float = WAIT):
    """Polls `predicate` until it returns something true; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.03)


def fetch(base: str, path: str) -> tuple[int, bytes]:
    """GET a site path (`zcwj/a/`, Chinese allowed) from a server → (status, body)."""
    try:
        with urllib.request.urlopen(base + quote(path, safe="/?=&"), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class LivePreview:
    content: Path
    out: Path
    running: serve.Running

    @property
    def url(self) -> str:
        return self.running.url

    def get(self, path: str) -> tuple[int, bytes]:
        return fetch(self.url, path)

    def status(self) -> dict:
        return json.loads(self.get("__govsite__/status")[1])

    def write(self, name: str, text: str) -> None:
        path = self.content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def settled_after(self, builds: int) -> dict:
        """The status once a build after the `builds`-th has run and nothing more is coming."""
        return wait_until(
            lambda: (s := self.status())["builds"] > builds and not s["building"] and not s["pending"] and s,
            f"a rebuild after build {builds}",
        )

    def change(self, action) -> dict:
        """Runs `action()` (file edits), then waits for the rebuild it causes; → the new status."""
        builds = self.status()["builds"]
        action()
        return self.settled_after(builds)

    def stop(self) -> None:
        self.running.stop()


def start_preview(content: Path, out: Path, report=None) -> LivePreview:
    """As `govsite serve` starts it: with its own build cache beside the content folder."""
    options = BuildOptions(content=content, out=out, today=TODAY, cache=default_cache_folder(content, "serve"))
    running = serve.start(options, report or TerminalReport(out, serving=True), "127.0.0.1", 0, fixed=True)
    return LivePreview(content, out, running)


@contextlib.contextmanager
def held_builds():
    """Builds, once begun, wait until the test calls `release()` (quick pages do not): what a
    browser sees while a long build runs."""
    gate = threading.Event()
    real_build = serve.build

    def held_build(options):
        gate.wait(WAIT)
        return real_build(options)

    serve.build = held_build
    try:
        yield gate.set
    finally:
        gate.set()
        serve.build = real_build
