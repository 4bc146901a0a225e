"""The per-document work of a build on every core: reading and checking each file, then rendering
its body, counting its search tokens, and rendering and writing its page.

Processes start with `forkserver` where the platform has it, else `spawn`; never `fork`. A
forked worker is a copy of the parent at that moment, threads' locks included: `govsite serve`
builds while its web server and file watcher run, and a lock one of them held would stay held
in the copy for ever (the reason Python 3.14 stopped forking by default on Linux). The fork
server is a fresh process that imports govsite once (`set_forkserver_preload`), so each worker
starts in milliseconds, holding nothing of the parent's memory; `spawn` (macOS, Windows) starts
each worker from scratch.

Work goes out in chunks of documents in site order and `imap` hands the results back in that
order, so whatever the number of processes the parent merges the same results in the same
order: the output is byte for byte what one process makes (tests/test_workers.py). A site
smaller than `POOL_THRESHOLD` documents does all of it in the build's own process."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .load import read_body, read_bytes, shown_content_path, source_file
from .markdown import excerpt, render_body
from .model import Document, Site, SiteConfig, evolve
from .pages import document_page
from .problems import Problem, Problems
from .render import Theme, make_environment, render_page, template_problem
from .search.counts import ChunkCounts, OrganMentions, count_chunk
from .search.shards import fragment, fragment_path
from .validate import validate_document
from .write import put

POOL_THRESHOLD = 400
"""Documents from which a build (when not told how many processes to use) starts worker
processes. Starting them takes about half a second on two cores (the fork server imports
govsite, each worker makes its Jinja environment), which a site shares out only from a few
hundred documents on; every test site is smaller and runs in one process."""

CHUNK = 64
"""Documents per task: small enough that the cores finish together, large enough that handing
out tasks costs little."""


def start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def process_count(jobs: int | None, documents: int) -> int:
    """`jobs` when given; else one process per core, or just this one for a small site."""
    if jobs is not None:
        return max(1, jobs)
    return available_cores() if documents >= POOL_THRESHOLD else 1


# --- the state each worker keeps, and the tasks --------------------------------------------

_state: Any = None
"""What the tasks of the current pool read: a `CheckState` or a `RenderState` (set by `_install`)."""


def _install(state) -> None:
    global _state
    os.chdir(state.cwd)  # the fork server may have started in another folder: messages name paths from this one
    _state = state.prepared()


@dataclass(frozen=True)
class CheckState:
    cwd: Path
    content: Path
    config: SiteConfig | None

    def prepared(self) -> "CheckState":
        return self


@dataclass(frozen=True)
class Checked:
    """One content file read and checked: its Document (None when it has errors) and its problems."""

    document: Document | None
    """Without its body."""
    problems: tuple[Problem, ...]
    digest: bytes
    """The sha256 of the file's bytes."""


def check_chunk(paths: list[Path]) -> list[Checked]:
    """Read and validate each file (`load`, `validate`): the work that needs no other file."""
    state: CheckState = _state
    checked = []
    for path in paths:
        problems = Problems()
        data = read_bytes(path, shown_content_path(state.content, path), problems)
        source = source_file(state.content, path, problems, data) if data is not None else None
        document = None
        if source is not None and state.config is not None:
            document = validate_document(source, state.config, state.content, problems)
        if document is not None:  # the body is read again where it is rendered: it need not travel
            document = evolve(document, body="")
        checked.append(Checked(document, tuple(problems.items), hashlib.sha256(data).digest() if data is not None else b""))
    return checked


@dataclass(frozen=True)
class RenderState:
    cwd: Path
    content: Path
    site: Site
    """The site's config and today, with no documents (the pages need nothing else of it)."""
    theme: Theme
    assets: dict[str, str]
    sources: dict[str, str]
    """Published document source → URL, for links between documents."""
    pending: frozenset[str]
    """Sources of documents dated after today."""
    staging: Path
    environment: Any = None

    def prepared(self) -> "RenderState":
        return evolve(self, environment=make_environment(self.theme, self.site, self.assets))


@dataclass(frozen=True)
class DocumentJob:
    document: Document
    """Resolved, without its body (read again from the file, which must still have `digest`)."""
    digest: bytes
    title: str | None
    """The <title> of its page; None for a document that gets no page (dated after today)."""
    search_id: int | None = None
    """Its number in the search index, whose fragment of it this worker writes; None: not searchable."""


@dataclass(frozen=True)
class Rendered:
    """What the build keeps of one rendered document (never its HTML: the page is written already)."""

    source: str
    files: tuple[str, ...]
    excerpt: str
    problems: tuple[Problem, ...]
    written: tuple[str, ...]
    """The output paths this worker wrote: the page, the search fragment."""
    fragment: bytes | None
    """The sha256 of the search fragment written."""
    failure: Problem | None = None
    """A template that failed on this page."""


@dataclass(frozen=True)
class RenderedChunk:
    documents: list[Rendered]
    counts: ChunkCounts
    """The search token counts of the chunk's documents."""


def render_chunk(jobs: list[DocumentJob]) -> RenderedChunk:
    rendered, documents = [], []
    for job in jobs:
        result, document = render_document(job)
        rendered.append(result)
        documents.append(document)
    return RenderedChunk(rendered, count_chunk(documents, OrganMentions(_state.site.config.issuers)))


def render_document(job: DocumentJob) -> tuple[Rendered, Document]:
    """Render the body; write the page and the search fragment. The document is returned with its text."""
    state: RenderState = _state
    problems = Problems()
    text = read_body(state.content / job.document.source, job.document.shown, job.digest, problems)
    document = evolve(job.document, body=text or "")
    body = render_body(document, state.sources, state.site.config.base_path, problems, state.pending)
    document = evolve(document, html=body.html, text=body.text, files=body.files, excerpt=excerpt(body.text))
    written: list[str] = []
    failure = digest = None
    if job.title is not None:
        try:
            output = render_page(state.environment, document_page(document, state.site, job.title))
        except Exception as exc:  # a broken (custom) template is a message, not a traceback
            failure = template_problem(exc)
        else:
            put(state.staging, output.path, output.data)
            written.append(output.path)
    if job.search_id is not None:
        data = fragment(document)
        put(state.staging, fragment_path(job.search_id), data)
        written.append(fragment_path(job.search_id))
        digest = hashlib.sha256(data).digest()
    rendered = Rendered(document.source, body.files, document.excerpt, tuple(problems.items), tuple(written), digest, failure)
    return rendered, evolve(document, html="")


# --- running tasks --------------------------------------------------------------------------


def chunks(items: list, size: int = CHUNK) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class Results:
    """The results of a task over items, in item order, read as they come."""

    def __init__(self, futures: Iterable[Future] | None = None, lazy: Iterator | None = None):
        self.futures = deque(futures or ())
        self.lazy = lazy

    def ready(self) -> bool:
        """Whether the next result is there (never, in one process: there it is made when read)."""
        return bool(self.futures) and self.futures[0].done()

    def __iter__(self) -> "Results":
        return self

    def __next__(self):
        if self.lazy is not None:
            return next(self.lazy)
        if not self.futures:
            raise StopIteration
        return self.futures.popleft().result()


class Pool:
    """Processes with the state of one stage installed (or this process alone), running its tasks."""

    def __init__(self, executor: ProcessPoolExecutor | None):
        self.executor = executor

    def map(self, task: Callable, items: Iterable) -> Results:
        """`task` over `items`; the work starts at once in worker processes, so the caller can do
        its own while it runs (in this process, it is done as the results are read)."""
        if self.executor is None:
            return Results(lazy=map(task, items))
        return Results([self.executor.submit(task, item) for item in items])


class Workers:
    """`count` processes (or this one alone when `count` is 1) that run one stage at a time."""

    def __init__(self, count: int):
        self.count = count

    @contextmanager
    def pool(self, state) -> Iterator[Pool]:
        """A pool whose processes hold `state` (`CheckState`, `RenderState`) while the block runs."""
        if self.count == 1:
            previous = _state
            _install(state)
            try:
                yield Pool(None)
            finally:
                _restore(previous)
            return
        context = multiprocessing.get_context(start_method())
        if start_method() == "forkserver":
            context.set_forkserver_preload([__name__])
        # an executor, not a Pool: a worker that dies (killed, out of memory, a script that starts a
        # build without `if __name__ == "__main__"`) fails the build instead of being restarted for ever
        executor = ProcessPoolExecutor(self.count, mp_context=context, initializer=_install, initargs=(state,))
        try:
            yield Pool(executor)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    @contextmanager
    def run(self, task: Callable[[list], Any], state, items: list) -> Iterator[Iterator]:
        """Start `task` over `items` in chunks; yields an iterator of each chunk's result, in order."""
        with self.pool(state) as pool:
            yield pool.map(task, chunks(items))


def _restore(previous) -> None:
    global _state
    _state = previous

