"""The per-document work of a build on every core: reading and checking each file, then rendering
its body, counting its search tokens, and rendering and writing its page and search fragment;
then scoring the search index a slice at a time (search/shards.py `score_slice`).

Processes start with `forkserver` where the platform has it, else `spawn`; never `fork`. A
forked worker is a copy of the parent at that moment, threads' locks included: `govsite serve`
builds while its web server and file watcher run, and a lock one of them held would stay held
in the copy for ever (the reason Python 3.14 stopped forking by default on Linux). The fork
server is a fresh process that imports govsite once (`set_forkserver_preload`), so each worker
starts in milliseconds, holding nothing of the parent's memory; `spawn` (macOS, Windows) starts
each worker from scratch.

Work goes out in chunks of documents in site order and the results come back in that order
(`Results`), so whatever the number of processes the parent merges the same results in the same
order: the output is byte for byte what one process makes (tests/test_workers.py). Workers write
their files into the staging folder themselves (write.py `put`) and send back only what the
parent must know: problems, the excerpt, digests, token counts packed 8 bytes each. A build with
fewer than `POOL_THRESHOLD` documents to read or render does it all in its own process."""

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
from .cache import document_json
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
    keep_json: bool = False
    """Send back each Document as JSON too, for the build cache."""

    def prepared(self) -> "CheckState":
        return self


@dataclass(frozen=True)
class CheckJob:
    path: Path
    digest: bytes | None = None
    """The sha256 the file had when the build cache's record of it was made: when the bytes have
    it still, they need no parsing (a fresh checkout gives every file a new time, not new bytes)."""


@dataclass(frozen=True)
class Checked:
    """One content file read and checked: its Document (None when it has errors or is unchanged)."""

    document: Document | None
    """Without its body."""
    problems: tuple[Problem, ...]
    digest: bytes
    """The sha256 of the file's bytes."""
    json: str | None = None
    """The Document as JSON (cache.document_json), when asked for."""
    unchanged: bool = False
    """The bytes have the job's digest: not parsed."""


def check_chunk(jobs: list[CheckJob]) -> list[Checked]:
    """Read and validate each file (`load`, `validate`): the work that needs no other file."""
    state: CheckState = _state
    return [check_file(job, state) for job in jobs]


def check_file(job: CheckJob, state: CheckState) -> Checked:
    problems = Problems()
    data = read_bytes(job.path, shown_content_path(state.content, job.path), problems)
    if data is None:
        return Checked(None, tuple(problems.items), b"")
    digest = hashlib.sha256(data).digest()
    if digest == job.digest:
        return Checked(None, (), digest, unchanged=True)
    source = source_file(state.content, job.path, problems, data)
    document = None
    if source is not None and state.config is not None:
        document = validate_document(source, state.config, state.content, problems)
    if document is None:
        return Checked(None, tuple(problems.items), digest)
    document = evolve(document, body="")  # read again where it is rendered: it need not travel
    return Checked(document, tuple(problems.items), digest, document_json(document) if state.keep_json else None)


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
    """What to make of one document: its body rendered always, and as asked its tokens counted,
    its page and its search fragment written."""

    document: Document
    """Resolved, without its body (read again from the file, which must still have `digest`)."""
    digest: bytes
    title: str | None = None
    """The <title> of its page; None: no page to make."""
    search_id: int | None = None
    """Its number in the search index; None: no fragment to make."""
    count: bool = True
    """Count its search tokens."""
    page_digest: bytes | None = None
    fragment_digest: bytes | None = None
    """What the output folder holds at the page's and the fragment's paths (in place): the same
    bytes are not written again."""


@dataclass(frozen=True)
class Rendered:
    """What the build keeps of one rendered document (never its HTML: the page is written already)."""

    source: str
    files: tuple[str, ...]
    excerpt: str
    links: tuple[str, ...]
    """The Markdown files its body links to (markdown.RenderedBody.links)."""
    problems: tuple[Problem, ...]
    made: tuple[tuple[str, bytes, bool], ...]
    """(path, sha256, written into the staging folder) of the page and the fragment."""
    failure: Problem | None = None
    """A template that failed on this page."""


@dataclass(frozen=True)
class RenderedChunk:
    documents: list[Rendered]
    counts: ChunkCounts
    """The search token counts of the chunk's documents whose job asked for them, in order."""


def render_chunk(jobs: list[DocumentJob]) -> RenderedChunk:
    rendered, counted = [], []
    for job in jobs:
        result, document = render_document(job)
        rendered.append(result)
        if job.count:
            counted.append(document)
    return RenderedChunk(rendered, count_chunk(counted, OrganMentions(_state.site.config.issuers)))


def _made(state: "RenderState", path: str, data: bytes, previous: bytes | None) -> tuple[str, bytes, bool]:
    digest = hashlib.sha256(data).digest()
    if digest == previous:
        return path, digest, False
    put(state.staging, path, data)
    return path, digest, True


def render_document(job: DocumentJob) -> tuple[Rendered, Document]:
    """Render the body; make the page and the search fragment. The document is returned with its text."""
    state: RenderState = _state
    problems = Problems()
    text = read_body(state.content / job.document.source, job.document.shown, job.digest, problems)
    document = evolve(job.document, body=text or "")
    body = render_body(document, state.sources, state.site.config.base_path, problems, state.pending)
    document = evolve(document, html=body.html, text=body.text, files=body.files, excerpt=excerpt(body.text))
    made: list[tuple[str, bytes, bool]] = []
    failure = None
    if job.title is not None:
        try:
            output = render_page(state.environment, document_page(document, state.site, job.title))
        except Exception as exc:  # a broken (custom) template is a message, not a traceback
            failure = template_problem(exc)
        else:
            made.append(_made(state, output.path, output.data, job.page_digest))
    if job.search_id is not None:
        made.append(_made(state, fragment_path(job.search_id), fragment(document), job.fragment_digest))
    rendered = Rendered(document.source, body.files, document.excerpt, body.links, tuple(problems.items), tuple(made), failure)
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
            _start_fork_server()
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


def _start_fork_server() -> None:
    """Start the fork server with this govsite first on its path: Python 3.11's fork server ignores
    the parent's sys.path, and would preload whichever govsite the default path finds."""
    from multiprocessing import forkserver

    root = str(Path(__file__).resolve().parent.parent)
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = root + (os.pathsep + before if before else "")
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def _restore(previous) -> None:
    global _state
    _state = previous

