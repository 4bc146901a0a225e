"""The `govsite` command: build, serve, new, search; printing problems and the summary; exit codes."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from . import __version__
from .build import BuildOptions, build
from .cache import default_folder as default_cache_folder
from .config import load_site_config
from .load import shown_path
from .problems import BuildFailed, Problems, format_report, summary_line
from .search.shards import VALIDITY_LABELS
from .write import UnsafeOutput

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
    if not content.is_dir():
        click.echo(f"找不到内容目录 {content}。请在网站项目的根目录运行，或用 --content 指定内容目录。", err=True)
        sys.exit(EXIT_USAGE)
    options = BuildOptions(content=content, out=out, today=today or today_in_china(), jobs=jobs, cache=cache)
    try:
        result = build(options)
    except UnsafeOutput as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    except BuildFailed as failed:
        click.echo(format_report(failed.errors, failed.warnings), err=True)
        click.echo("", err=True)
        click.echo(summary_line(failed.errors, shown_path(out) + "/"), err=True)
        sys.exit(EXIT_CONTENT_ERRORS)
    if result.warnings:
        click.echo(format_report([], list(result.warnings)), err=True)
    site = result.site
    held = f"，{len(site.held_back)} 篇未到发布日期" if site.held_back else ""
    drafts = f"，{len(site.drafts)} 篇草稿未发布" if site.drafts else ""
    warned = f"，{len(result.warnings)} 条警告" if result.warnings else ""
    click.echo(
        f"构建完成：{len(site.documents)} 篇文件{held}{drafts}；{result.pages} 个页面，{result.feeds} 个订阅源"
        f"{warned}；用时 {result.seconds:.1f} 秒 → {shown_path(out)}/"
    )
    if site.next_change:
        click.echo(f"下次内容自动变化：{site.next_change.date.isoformat()}（{site.next_change.reason}），请在这一天重新构建。")


@main.command("serve")
@content_option
@out_option
@today_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=8000, show_default=True, type=int, help="端口。")
@click.option("--no-build", is_flag=True, help="不先构建，直接预览输出目录。")
def serve_command(content: Path, out: Path, today: dt.date | None, host: str, port: int, no_build: bool) -> None:
    """构建网站，然后在本机预览（浏览器打开显示的地址）。"""
    if not no_build:
        run_build(content, out, today)
    if not out.is_dir():
        click.echo(f"输出目录 {out} 不存在，请先运行 govsite build。", err=True)
        sys.exit(EXIT_USAGE)
    handler = functools.partial(_QuietHandler, directory=str(out))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        click.echo(f"无法在 {host}:{port} 启动预览：{exc.strerror}。可用 --port 换一个端口。", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"预览地址：http://{host}:{server.server_port}/  （按 Ctrl+C 停止）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("已停止预览。")
    finally:
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site as a static host would, with its 404 page."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # keep the terminal for build messages
        pass


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

    if not content.is_dir():
        click.echo(f"找不到内容目录 {content}。请在网站项目的根目录运行，或用 --content 指定内容目录。", err=True)
        sys.exit(EXIT_USAGE)
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
