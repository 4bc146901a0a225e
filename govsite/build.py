"""`build()`: the stages in order, stopping before anything is written when the content has errors."""

from __future__ import annotations

import datetime as dt
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .config import load_site_config
from .feeds import feed_files, robots, sitemap
from .load import read_sources, shown_path
from .markdown import render_bodies
from .model import BuildResult, OutputFile, Site
from .pages import plan_pages
from .problems import BuildFailed, Problem, Problems
from .render import Theme, make_environment, render_pages, static_outputs
from .resolve import resolve_site
from .search.shards import build_search_index
from .statutory.annual_report import read_reports
from .statutory.guide import read_guide
from .validate import validate_documents
from .write import check_output_folder, write_site


@dataclass(frozen=True)
class BuildOptions:
    content: Path
    out: Path
    today: dt.date
    """"Now" for validity and publication; the real date in Asia/Shanghai unless --today says otherwise."""
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    """Told each stage of STAGES as it starts (cli.py's progress line on a terminal); None: nobody."""


STAGES = ("read", "check", "index", "render", "write")
"""The stages `build()` reports to `BuildOptions.progress`, in order."""


def build(options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    check_output_folder(options.out, options.content)
    _stage(options, "read")
    problems = Problems()
    config = load_site_config(options.content, problems)
    sources = read_sources(options.content, problems)
    if config is None:
        problems.raise_if_errors()
    _stage(options, "check")
    documents = validate_documents(sources, config, options.content, problems)
    site = resolve_site(documents, config, options.today, problems)
    site = render_bodies(site, problems)
    site = replace(site, guide=read_guide(site, options.content, problems), reports=read_reports(site, options.content, problems))
    files = published_files(site, options.content, problems)
    problems.raise_if_errors()  # nothing rendered, nothing written

    # everything is rendered into memory first, then written in one swap
    theme = Theme.for_site(config.theme)
    statics, assets = static_outputs(theme)
    _stage(options, "index")
    search = build_search_index(site)
    _stage(options, "render")
    pages = plan_pages(site, search.meta_path)
    try:
        html = render_pages(make_environment(theme, site, assets), pages)
    except Exception as exc:  # a broken (custom) template is a message, not a traceback
        raise BuildFailed([template_problem(exc)], problems.warnings) from None
    feeds = feed_files(site)
    outputs = html + feeds + [sitemap(site, [page.url for page in pages if not page.context.get("noindex")]), robots(site)]
    outputs += files + statics + [OutputFile(path, data) for path, data in sorted(search.files.items())]
    _check_output_collisions(outputs)
    _stage(options, "write")
    write_site(outputs, options.out)
    return BuildResult(
        site=site,
        files=len(outputs),
        pages=len(html),
        feeds=len(feeds),
        warnings=tuple(problems.warnings),
        seconds=time.perf_counter() - started,
        index_bytes=sum(len(data) for data in search.files.values()),
    )


def _stage(options: BuildOptions, name: str) -> None:
    if options.progress is not None:
        options.progress(name)


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


def _check_output_collisions(outputs: list[OutputFile]) -> None:
    paths: dict[str, int] = {}
    for output in outputs:
        paths[output.path] = paths.get(output.path, 0) + 1
    clashes = sorted(path for path, count in paths.items() if count > 1)
    if clashes:
        problems = [
            Problem(path, 0, "两个输出文件的路径相同（附件与页面或其他附件重名）。", "给附件或文档换一个文件名。") for path in clashes
        ]
        raise BuildFailed(problems, [])


def template_problem(exc: Exception) -> Problem:
    """Where in which template rendering failed: the innermost template frame of the traceback."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "模板"
    line = getattr(exc, "lineno", 0) or 0
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".j2")):
            name, line = frame.filename, frame.lineno or 0
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return Problem(
        shown_path(Path(str(name))) if name != "模板" else name,
        line,
        f"主题模板出错：{message}",
        "检查主题模板中这一行的写法；如果是自定义模板，可先删除它以使用默认主题。",
    )
