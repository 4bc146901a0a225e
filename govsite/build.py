"""`build()`: the stages in order, stopping before anything is written when the content has errors."""

from __future__ import annotations

import datetime as dt
import time
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .config import load_site_config
from .feeds import feed_files, robots, sitemap
from .load import content_files
from .markdown import with_rendered
from .model import BuildResult, OutputFile, Site
from .pages import document_titles, plan_pages
from .problems import BuildFailed, Problem, Problems
from .render import Theme, make_environment, render_page, static_outputs, template_problem
from .resolve import resolve_site
from .search.counts import TokenCounts
from .search.shards import search_order, write_search_index
from .statutory.annual_report import read_reports
from .statutory.guide import read_guide
from .workers import CheckState, DocumentJob, RenderState, Workers, check_chunk, chunks, process_count, render_chunk
from .write import Staging, check_output_folder

__all__ = ["BuildOptions", "build", "published_files", "template_problem"]


@dataclass(frozen=True)
class BuildOptions:
    content: Path
    out: Path
    today: dt.date
    """"Now" for validity and publication; the real date in Asia/Shanghai unless --today says otherwise."""
    jobs: int | None = None
    """Processes to build with; None: one per core for a site of `workers.POOL_THRESHOLD` documents or more, else 1."""
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    """Told each stage of STAGES as it starts (cli.py's progress line on a terminal); None: nobody."""


STAGES = ("read", "check", "render", "index", "write")
"""The stages `build()` reports to `BuildOptions.progress`, in order."""


def build(options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    check_output_folder(options.out, options.content)
    _stage(options, "read")
    problems = Problems()
    config = load_site_config(options.content, problems)
    paths = content_files(options.content)
    workers = Workers(process_count(options.jobs, len(paths)))
    with workers.run(check_chunk, CheckState(Path.cwd(), options.content, config), paths) as checked:
        documents, digests = [], {}
        for part in checked:
            for item in part:
                problems.extend(item.problems)
                if item.document is not None:
                    documents.append(item.document)
                    digests[item.document.source] = item.digest
    if config is None:
        problems.raise_if_errors()
    _stage(options, "check")
    site = resolve_site(documents, config, options.today, problems)
    del documents
    site = replace(site, guide=read_guide(site, options.content, problems), reports=read_reports(site, options.content, problems))

    # Pages are written into a staging folder as they are made; it replaces the output folder only
    # if nothing went wrong (write.py). Workers render the documents while this process renders
    # the lists; the index and the feeds need every document's tokens and excerpt, so they come last.
    theme = Theme.for_site(config.theme)
    statics, assets = static_outputs(theme)
    # with errors already, the bodies are still rendered for their own problems, but no page is made
    pages_wanted = not problems.errors
    titles = document_titles(site)
    search_ids = {d.source: number for number, d in enumerate(search_order(site.documents))}
    jobs = [DocumentJob(d, digests[d.source], titles[d.source] if pages_wanted else None, search_ids[d.source]) for d in site.documents]
    jobs += [DocumentJob(d, digests[d.source], None) for d in site.held_back]
    counts = TokenCounts([job.document.source for job in jobs])
    fragments: list[bytes] = [b""] * len(search_ids)
    _stage(options, "render")
    with Staging(options.out) as staging:
        state = RenderState(
            Path.cwd(),
            options.content,
            Site(config, site.today, (), {}, {}, {}),
            theme,
            assets,
            {d.source: d.url for d in site.documents},
            frozenset(d.source for d in site.held_back),
            staging.root,
        )
        with workers.pool(state) as pool:
            rendered = pool.map(render_chunk, chunks(jobs))
            products: dict[str, tuple[tuple[str, ...], str]] = {}

            def take(part) -> Problem | None:
                """Merge one chunk's results as they come (so that they do not pile up in memory)."""
                failed = None
                counts.add(len(products), part.counts)
                for item in part.documents:
                    problems.extend(item.problems)
                    failed = failed or item.failure
                    for path in item.written:
                        staging.record(path)
                    if item.fragment is not None:
                        fragments[search_ids[item.source]] = item.fragment
                    products[item.source] = (item.files, item.excerpt)
                return failed

            for output in statics:
                staging.write(output)
            env = make_environment(theme, site, assets)
            pages = plan_pages(site, documents=False)
            first = [p for p in pages if "search_index" not in p.context] if pages_wanted else []
            failed: list[Problem | None] = []

            def take_ready() -> None:
                while rendered.ready():
                    failed.append(take(next(rendered)))

            failure = _write_pages(env, first, staging, take_ready)
            failed.extend(take(part) for part in rendered)
            failure = failure or next(filter(None, failed), None)  # the lists' first, as their pages come first
            site = with_rendered(site, products)
            files = published_files(site, options.content, problems)
            problems.raise_if_errors()  # nothing of the output folder was touched
            if failure is not None:
                raise BuildFailed([failure], problems.warnings)
            _stage(options, "index")
            meta_path = write_search_index(site, counts, staging, fragments, pool.map, staging.root)
            del counts

        _stage(options, "write")
        for output in files:
            staging.write(output)
        later = [replace(p, context={**p.context, "search_index": meta_path}) for p in pages if "search_index" in p.context]
        failure = _write_pages(env, later, staging)
        if failure is not None:
            raise BuildFailed([failure], problems.warnings)
        feeds = feed_files(site)
        urls = [page.url for page in pages if not page.context.get("noindex")] + [d.url for d in site.documents]
        for output in feeds + [sitemap(site, urls), robots(site)]:
            staging.write(output)
        _check_output_collisions(staging)
        index_bytes = _folder_bytes(staging.root / "search")
        staging.commit()
    return BuildResult(
        site=site,
        files=len(staging.paths),
        pages=len(pages) + len(site.documents),
        feeds=len(feeds),
        warnings=tuple(problems.warnings),
        seconds=time.perf_counter() - started,
        index_bytes=index_bytes,
    )


def _stage(options: BuildOptions, name: str) -> None:
    if options.progress is not None:
        options.progress(name)


def _folder_bytes(folder: Path) -> int:
    """The size of the JSON files under `folder`: the search index (not the search page), for the summary line."""
    return sum(os.stat(os.path.join(root, name)).st_size for root, _, names in os.walk(folder) for name in names if name.endswith(".json"))


def _write_pages(env, pages, staging: Staging, between=lambda: None) -> Problem | None:
    """Render and write `pages` in order, calling `between()` before each; the first template
    failure as a Problem, if any."""
    for page in pages:
        between()
        try:
            output = render_page(env, page)
        except Exception as exc:  # a broken (custom) template is a message, not a traceback
            return template_problem(exc)
        staging.write(output)
    return None


def published_files(site: Site, content: Path, problems: Problems) -> list[OutputFile]:
    """Attachments and files a body links to or shows, copied to the path they have under content/,
    once each; only for published documents, so a future document's files are not out early (the
    指南's own section and the 年度报告 narratives may link files too)."""
    found: dict[str, OutputFile] = {}
    for document in site.documents:
        for attachment in document.attachments:
            found.setdefault(attachment.url, OutputFile(attachment.url, source=attachment.source))
    linked = [(document.shown, rel) for document in site.documents for rel in document.files]
    if site.guide:
        linked += [(site.guide.source, rel) for rel in site.guide.files]
    if site.reports:
        linked += [(report.shown, rel) for report in site.reports.reports for rel in report.files]
    for shown, rel in linked:
        path = content / rel
        if not path.is_file():
            problems.error(
                shown,
                0,
                f"正文链接或显示的文件“{rel}”不存在。",
                "把文件放到这个位置，或改正正文中的路径（相对于本 Markdown 文件所在的文件夹）。",
            )
            continue
        found.setdefault(rel, OutputFile(rel, source=path))
    return [found[path] for path in sorted(found)]


def _check_output_collisions(staging: Staging) -> None:
    clashes = staging.collisions()
    if clashes:
        problems = [
            Problem(path, 0, "两个输出文件的路径相同（附件与页面或其他附件重名）。", "给附件或文档换一个文件名。") for path in clashes
        ]
        raise BuildFailed(problems, [])
