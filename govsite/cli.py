"""The `govsite` command: build, serve, new, search; printing problems and the summary; exit codes."""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from . import __version__
from .build import STAGES, BuildOptions, build
from .cache import default_folder as default_cache_folder
from .config import load_site_config
from .load import shown_path
from .model import BuildResult
from .problems import BuildFailed, Problems, format_report, summary_line
from .render import filesize
from .search.shards import VALIDITY_LABELS
from .write import UnsafeOutput, check_output_folder

CHINA_TZ = ZoneInfo("Asia/Shanghai")

EXIT_CONTENT_ERRORS = 1
EXIT_USAGE = 2


def today_in_china() -> dt.date:
    return dt.datetime.now(CHINA_TZ).date()


class DateParam(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"“{value}”不是日期，请写成 2024-05-01 的形式。", param, ctx)


content_option = click.option(
    "--content", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help="内容目录（含 site.yaml）。"
)
out_option = click.option("--out", type=click.Path(path_type=Path), default=Path("build"), show_default=True, help="输出目录。")
today_option = click.option(
    "--today", type=DateParam(), default=None, help="按这一天计算有效性和发布（默认：北京时间今天）。"
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="govsite", message="%(prog)s %(version)s")
def main() -> None:
    """govsite：把 Markdown 文件生成政府信息公开网站。"""


@main.command("build")
@content_option
@out_option
@today_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="用几个进程构建（默认：文件多时每个 CPU 核一个）。")
@click.option(
    "--cache", type=click.Path(path_type=Path), default=None, help="构建缓存目录（默认：内容目录所在项目根目录的 .govsite-cache/build/）。"
)
@click.option("--no-cache", is_flag=True, help="不用构建缓存，全部重新生成。")
def build_command(content: Path, out: Path, today: dt.date | None, jobs: int | None, cache: Path | None, no_cache: bool) -> None:
    """构建网站：读取内容目录，检查所有文件，生成到输出目录。

    构建缓存记下每个文件的内容和生成结果，下次只重新处理改动过的文件、只改写内容变了的输出文件。"""
    run_build(content, out, today, jobs=jobs, cache=None if no_cache else cache or default_cache_folder(content))


def run_build(content: Path, out: Path, today: dt.date | None, jobs: int | None = None, cache: Path | None = None) -> None:
    options = BuildOptions(content=_content_folder(content), out=out, today=today or today_in_china(), jobs=jobs, cache=cache)
    report = TerminalReport(out)
    try:
        result = build(replace(options, progress=report.started()))
    except UnsafeOutput as exc:
        report.stop_progress()
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    except BuildFailed as failed:
        report.finished(failed, first=True)
        sys.exit(EXIT_CONTENT_ERRORS)
    report.finished(result, first=True)


def _content_folder(content: Path) -> Path:
    if not content.is_dir():
        click.echo(f"找不到内容目录 {content}。请在网站项目的根目录运行，或用 --content 指定内容目录。", err=True)
        sys.exit(EXIT_USAGE)
    return content


STAGE_LABELS = {"read": "读取文件", "check": "检查内容", "index": "建立搜索索引", "render": "生成页面", "write": "写入输出目录"}
SHOW_PROGRESS_AFTER = 0.5
"""Seconds a build runs before the progress line appears: a quick build prints only its summary."""


def progress_wanted(stream) -> bool:
    """A progress line only on an interactive terminal; CI logs (CI=true) get the summary line alone."""
    ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
    return not ci and os.environ.get("TERM") != "dumb" and stream.isatty()


class ProgressLine:
    """A build's stage and time on one terminal line, rewritten in place
    (`构建中 ■■■□□ 3/5 建立搜索索引… 2.4 秒`); drawn only once the build has run for `show_after`
    seconds and erased before the summary. Passed to the build as `BuildOptions.progress`."""

    def __init__(self, stream, show_after: float = SHOW_PROGRESS_AFTER):
        self.stream = stream
        self.show_after = show_after
        self.started = time.monotonic()
        self.stage = ""
        self.shown = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="govsite-progress", daemon=True)

    def __call__(self, stage: str) -> None:
        with self._lock:
            self.stage = stage
            self._draw()
        if not self._ticker.is_alive() and not self._done.is_set():
            self._ticker.start()

    def _tick(self) -> None:
        while not self._done.wait(0.1):
            with self._lock:
                self._draw()

    def _draw(self) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed < self.show_after or self._done.is_set():
            return
        number = STAGES.index(self.stage) + 1 if self.stage in STAGES else 0
        bar = "■" * number + "□" * (len(STAGES) - number)
        label = STAGE_LABELS.get(self.stage, self.stage)
        self.stream.write(f"\r\x1b[K构建中 {bar} {number}/{len(STAGES)} {label}… {elapsed:.1f} 秒")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        self._done.set()
        if self._ticker.is_alive():
            self._ticker.join()
        with self._lock:
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()


class TerminalReport:
    """How a build is told: the progress line on a terminal, then the problems, or the warnings
    and one summary line. `govsite build` tells one build; `govsite serve` each of its builds."""

    def __init__(self, out: Path, serving: bool = False):
        self.out = out
        self.serving = serving
        self.progress: ProgressLine | None = None

    def started(self) -> ProgressLine | None:
        self.progress = ProgressLine(sys.stderr) if progress_wanted(sys.stderr) else None
        return self.progress

    def stop_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress = None

    def finished(self, outcome: BuildResult | BuildFailed, first: bool) -> None:
        self.stop_progress()
        if isinstance(outcome, BuildFailed):
            click.echo(format_report(outcome.errors, outcome.warnings), err=True)
            click.echo("", err=True)
            click.echo(summary_line(outcome.errors, shown_path(self.out) + "/"), err=True)
            if self.serving:
                shown = "预览页面列出这些错误" if first else "预览仍显示上次构建成功的网站，页面上列出这些错误"
                click.echo(f"{shown}；改正后保存，会自动重新构建。", err=True)
            return
        if outcome.warnings:
            click.echo(format_report([], list(outcome.warnings)), err=True)
        click.echo(summary(outcome, self.out))
        site = outcome.site
        if first and site.next_change:
            click.echo(f"下次内容自动变化：{site.next_change.date.isoformat()}（{site.next_change.reason}），请在这一天重新构建。")


def summary(result: BuildResult, out: Path) -> str:
    """The one line a build ends with: documents, pages, feeds, index size, warnings, time."""
    site = result.site
    held = f"，{len(site.held_back)} 篇未到发布日期" if site.held_back else ""
    drafts = f"，{len(site.drafts)} 篇草稿未发布" if site.drafts else ""
    return (
        f"构建完成：{len(site.documents)} 篇文件{held}{drafts}；{result.pages} 个页面，{result.feeds} 个订阅源，"
        f"搜索索引 {filesize(result.index_bytes)}，{len(result.warnings)} 条警告；"
        f"用时 {result.seconds:.1f} 秒 → {shown_path(out)}/"
    )


@main.command("serve")
@content_option
@out_option
@today_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（默认只允许本机访问）。")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口；默认端口被占用时自动换下一个，0 表示任选空闲端口。")
@click.pass_context
def serve_command(ctx: click.Context, content: Path, out: Path, today: dt.date | None, host: str, port: int) -> None:
    """构建网站并在本机预览，保存文件后自动重新构建并刷新打开的页面。

    \b
    监视内容目录（含 site.yaml）和主题目录：新建、修改、改名或删除文件都会重新构建。
    内容有错误时，终端和打开的页面都显示错误（文件、行号、修改方法），
    预览保持上次构建成功的网站。
    """
    from . import serve  # watchdog is loaded only for this command

    content = _content_folder(content)
    options = BuildOptions(content=content, out=out, today=today or today_in_china(), cache=default_cache_folder(content, "serve"))
    try:
        check_output_folder(out, content)
    except UnsafeOutput as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    fixed = ctx.get_parameter_source("port") is not click.core.ParameterSource.DEFAULT
    try:
        serve.serve(options, TerminalReport(out, serving=True), host, port, fixed)
    except serve.PortInUse as busy:
        click.echo(f"无法在 {host}:{busy} 启动预览：端口已被占用（也许另一个 govsite serve 正在运行）。"
                   "可用 --port 指定另一个端口，或 --port 0 任选一个空闲端口。", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"无法在 {host}:{port} 启动预览：{exc.strerror}。可用 --host 或 --port 换一个地址。", err=True)
        sys.exit(EXIT_USAGE)


NEW_TEMPLATE = """---
title: "{title}"
category: "{category}"
issuer: "{issuer}"
date: "{date}"
# doc_number: "青政发〔{year}〕1号"       # 文号（可选）
# index_number: "{org_code}/{year}-00001"  # 索引号（可选，全站唯一，发布后不要改）
# written_date: "{date}"                  # 成文日期（可选）
# expiry: "{next_year}-12-31"             # 有效期至（可选，过期后自动显示“失效”）
# summary: "一句话概述文件内容"             # 内容概述（可选）
# keywords: ["关键词1", "关键词2"]          # 主题词（可选）
---

（在这里写正文。段落之间空一行；小标题用 ## 开头；表格用 | 分隔。）
"""


@main.command("new")
@click.argument("path", type=click.Path(path_type=Path))
@content_option
@click.option("--title", help="标题。")
@click.option("--category", help="栏目路径，如 政策文件/县政府文件。")
@click.option("--issuer", help="发布机构（site.yaml 的 issuers 之一）。")
@click.option("--date", "date_", type=DateParam(), default=None, help="发布日期（默认今天）。")
def new_command(path: Path, content: Path, title: str | None, category: str | None, issuer: str | None, date_: dt.date | None) -> None:
    """新建一篇文件：PATH 是内容目录中的路径，如 zcwj/2026/qzf-2026-1.md。"""
    problems = Problems()
    config = load_site_config(content, problems)
    if config is None:
        click.echo(format_report(problems.errors, []), err=True)
        sys.exit(EXIT_CONTENT_ERRORS)
    if path.suffix != ".md":
        path = path.with_suffix(".md")
    target = path if content in path.parents else content / path
    if target.exists():
        click.echo(f"{shown_path(target)} 已经存在，没有覆盖。请换一个文件名。", err=True)
        sys.exit(EXIT_USAGE)
    interactive = sys.stdin.isatty()
    categories = [c.key for c in config.all_categories()]
    issuers = [i.name for i in config.issuers]
    title = title or _ask_title(interactive)
    category = category or _choose(interactive, "栏目", categories)
    issuer = issuer or _choose(interactive, "发布机构", issuers)
    if category not in categories:
        click.echo(f"栏目“{category}”不在 site.yaml 中。可选：\n  " + "\n  ".join(categories), err=True)
        sys.exit(EXIT_USAGE)
    if issuer not in issuers:
        click.echo(f"发布机构“{issuer}”不在 site.yaml 中。可选：\n  " + "\n  ".join(issuers), err=True)
        sys.exit(EXIT_USAGE)
    day = date_ or today_in_china()
    text = NEW_TEMPLATE.format(
        title=title.replace('"', "“"),
        category=category,
        issuer=issuer,
        date=day.isoformat(),
        year=day.year,
        next_year=day.year + 1,
        org_code=config.org_code or "机构代码",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"已创建 {shown_path(target)}。编辑正文后运行 govsite build 查看效果。")


def _ask_title(interactive: bool) -> str:
    if not interactive:
        click.echo("请用 --title 指定标题。", err=True)
        sys.exit(EXIT_USAGE)
    return click.prompt("标题").strip()


def _choose(interactive: bool, what: str, choices: list[str]) -> str:
    if not interactive:
        option = {"栏目": "category", "发布机构": "issuer"}[what]
        click.echo(f"请用 --{option} 指定{what}。可选：\n  " + "\n  ".join(choices), err=True)
        sys.exit(EXIT_USAGE)
    for number, choice in enumerate(choices, 1):
        click.echo(f"  {number:>2}. {choice}")
    number = click.prompt(f"{what}（输入编号）", type=click.IntRange(1, len(choices)))
    return choices[number - 1]


@main.command("search")
@click.argument("query", nargs=-1, required=True)
@content_option
@click.option("--category", help="只看这个栏目（site.yaml 中的路径，如 政策文件/县政府文件；顶级栏目含其子栏目）。")
@click.option("--issuer", help="只看这个发布机构的文件（含联合发文）；写全称，或全称中唯一的一段，如 财政局。")
@click.option("--year", type=int, help="只看这一年发布的文件。")
@click.option("--validity", type=click.Choice(VALIDITY_LABELS), help="只看有效、失效、废止或尚未生效的文件。")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="最多显示几条。")
@today_option
@click.option(
    "--cache", type=click.Path(path_type=Path), default=None, help="缓存目录（默认：内容目录所在项目根目录的 .govsite-cache/）。"
)
def search_command(
    query: tuple[str, ...],
    content: Path,
    category: str | None,
    issuer: str | None,
    year: int | None,
    validity: str | None,
    limit: int,
    today: dt.date | None,
    cache: Path | None,
) -> None:
    """在终端搜索已发布的文件，列出路径、标题、日期、文号、发布机构和有效性。

    QUERY 的各个词之间是“或”，匹配词多的排在前面；一个词的各个字都要出现（可以分散在标题、文号、
    发布机构、主题词、正文中）。文号的括号写法〔〕[]【】() 和全角数字都能互相匹配。

    \b
    指定字段（whoosh 查询语法，字段名也可以写中文）：
      title:预算            标题        doc_number:青政发〔2024〕5号  文号
      issuer:财政局          发布机构    keywords:医疗救助             主题词
      body:政府采购          正文        category:政策文件             栏目（含子栏目）
      year:2024             年份        validity:失效                 有效性
    AND、OR、NOT 和括号可以组合条件；用英文引号把几个词括起来表示都要出现，如 "政府采购 中标"。

    索引保存在缓存目录中；每次搜索前只更新新增、修改和删除的文件，所以第二次起很快。
    """
    from .search import whoosh_index as wi  # whoosh is loaded only for this command

    _content_folder(content)
    text = " ".join(query)
    folder = (cache if cache is not None else content.resolve().parent / ".govsite-cache") / "whoosh"
    try:  # a mistyped query or filter is told before any indexing
        parsed = wi.parse_query(text, wi.make_schema())
        site = wi.read_site(content, today or today_in_china())
        filters = wi.check_filters(wi.Filters(category, issuer, year, validity), site)
        ix, changes = wi.update_index(site, content, folder)
    except wi.QueryProblem as problem:
        click.echo(f"无法搜索：{problem}", err=True)
        sys.exit(EXIT_USAGE)
    except BuildFailed as failed:
        click.echo(format_report(failed.errors, failed.warnings), err=True)
        click.echo("", err=True)
        files = len({p.path for p in failed.errors})
        click.echo(f"共 {len(failed.errors)} 个错误，涉及 {files} 个文件。请先改正，再搜索；索引没有更新。", err=True)
        sys.exit(EXIT_CONTENT_ERRORS)
    except wi.LockError:
        click.echo(f"另一个 govsite search 正在更新索引（{shown_path(folder)}），请稍后再试。", err=True)
        sys.exit(EXIT_USAGE)
    result = wi.search(ix, parsed, filters, limit)

    if changes.any:
        status = f"索引已更新：新增 {changes.added}，修改 {changes.changed}，删除 {changes.removed}"
    else:
        status = "索引已是最新"
    shown = f"，显示前 {len(result.hits)} 条" if len(result.hits) < result.total else ""
    click.echo(f"共 {result.total} 条{shown}（{status}）")
    if not result.hits:
        narrowed = "，或去掉 --category、--issuer、--year、--validity 筛选" if filters != wi.Filters() else ""
        click.echo(f"没有找到与“{text}”相符的文件。可以换个说法、减少字词{narrowed}。")
        return
    for hit in result.hits:
        facts = [f"日期：{hit.date}"]
        if hit.doc_number:
            facts.append(f"文号：{hit.doc_number}")
        facts += [f"发布机构：{'、'.join(hit.issuers)}", f"有效性：{hit.validity}"]
        click.echo("")
        click.echo(shown_path(content / hit.path))
        click.echo(f"  标题：{hit.title}")
        click.echo("  " + "  ".join(facts))
