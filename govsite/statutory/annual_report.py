"""The 政府信息公开工作年度报告 (条例 arts. 49–50): content/_reports/YYYY.yaml read in the layout of
report_layout.py, the 勾稽 checks, the 行政规范性文件 the documents tell, and the tables as cells."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Union

from ..load import shown_path
from ..markdown import render_markdown
from ..model import Document, Site, YamlValue
from ..problems import Problems, did_you_mean
from ..validate import FieldError, date as parse_date
from .report_layout import LAYOUT_FILE, REPORTS_DIR, Layout, Node, Section, Table, read_report_yaml, read_layout

REPORTS_URL = "ndbg/"

Number = Union[int, Decimal, None]
"""A cell: a count, an amount (万元), or None for "/" (不适用)."""

EXPAND_LEAVES = 8
"""A sum is spelt out cell by cell in a message when it has at most this many; longer ones
(（七）总计's 22 cells) are spelt out by their groups."""


# --- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One year's report, read from content/_reports/YYYY.yaml and checked."""

    year: int
    title: str
    organ: str
    date: dt.date
    """发布日期; a report dated after --today is held back, as a document is."""
    source: str
    """Content-relative path (_reports/2025.yaml)."""
    shown: str
    preamble: str
    texts: dict[str, str]
    """Narrative section key → HTML."""
    values: dict[str, tuple[Number, ...]]
    """Leaf row key → its cells, in column order."""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Row or section key → line in the file."""
    files: tuple[str, ...] = ()
    """Content-relative files the narratives link to or show."""

    @property
    def url(self) -> str:
        return f"{REPORTS_URL}{self.year}/"


@dataclass(frozen=True)
class AnnualReports:
    layout: Layout
    reports: tuple[Report, ...]
    """Published reports, newest year first."""
    held_back: tuple[Report, ...] = ()


# --- reading a report ---------------------------------------------------------------------------

CHINESE_NUMERALS = set("零〇一二三四五六七八九十百千万两壹贰叁肆伍陆柒捌玖拾佰仟")


def parse_number(raw: str | None, table: Table) -> Number:
    """A cell as written → its number; ValueError(why) in the author's words."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise ValueError("是空的")
    if text == "/":
        if table.not_applicable:
            return None
        raise ValueError("是“/”，而这张表不能填“/”")
    if re.fullmatch(r"\d+", text):
        return int(text)
    if table.amounts and re.fullmatch(r"\d+\.\d+", text):
        return Decimal(text)
    if text.startswith("-") or text.startswith("−"):
        return _raise("是负数")
    if re.fullmatch(r"\d+\.\d+", text):
        return _raise("带有小数")
    if "," in text:
        return _raise("带有千位分隔符（逗号）")
    if any(char in CHINESE_NUMERALS for char in text):
        return _raise("写成了汉字")
    return _raise("不是数字")


def _raise(why: str):
    raise ValueError(why)


def shown_number(value: Number) -> str:
    return "/" if value is None else str(value)


class _ReportReader:
    def __init__(self, shown: str, year: int, problems: Problems):
        self.shown, self.year, self.problems = shown, year, problems
        self.ok = True

    def error(self, line: int, message: str, fix: str) -> None:
        self.ok = False
        self.problems.error(self.shown, line, f"{self.year}年度报告{message}", fix)

    def text(self, data: dict[str, YamlValue], key: str, what: str, required: bool) -> tuple[str, int]:
        value = data.get(key)
        if value is None or value.value is None or (value.kind == "scalar" and not value.value.strip()):
            if required:
                self.error(
                    value.line if value else 0,
                    f"缺少“{key}”（{what}）。",
                    f"加上 {key}: | ，在下一行起缩进两格写这一部分的内容（Markdown）；没有需要报告的写“无。”。",
                )
            return "", 0
        if value.kind != "scalar":
            self.error(value.line, f"的“{key}”（{what}）应该是一段文字。", f"写成 {key}: | ，在下一行起缩进两格写内容。")
            return "", 0
        # a block (`key: |`) starts on the next line; Markdown lines are counted from there
        return value.value, value.line + (1 if value.value.endswith("\n") else 0)

    def rows(self, section: Section, data: dict[str, YamlValue]) -> tuple[dict[str, tuple[Number, ...]], dict[str, int]]:
        value = data.get(section.key)
        if value is None or value.kind != "mapping":
            example = next(iter(section.row_tables()))
            self.error(
                value.line if value else 0,
                f"缺少“{section.key}”（{section.heading}）的表格数字。" if value is None or value.value is None
                else f"的“{section.key}”（{section.heading}）应该是逐行的“行名: [数字, …]”。",
                f"加上 {section.key}: ，下面缩进两格逐行写，例如 {example}: [0, 0, 0]（参照示例 content/_reports/2025.yaml）。",
            )
            return {}, {}
        tables = section.row_tables()
        values: dict[str, tuple[Number, ...]] = {}
        lines: dict[str, int] = {}
        for key, item in value.value.items():
            if key not in tables:
                self.error(
                    item.line,
                    f"的“{section.key}”中有未知的行“{key}”。{did_you_mean(key, tables)}",
                    f"“{section.key}”中可写的行：{'、'.join(tables)}。",
                )
                continue
            lines[key] = item.line
            cells = self.cells(tables[key], tables[key].rows_by_key()[key], item)
            if cells is not None:
                values[key] = cells
        for key, table in tables.items():
            if key not in value.value:
                row = table.rows_by_key()[key]
                zeros = ", ".join("0" for _ in table.column_leaves())
                self.error(
                    value.line,
                    f"缺少{table.name}“{row.label}”这一行（{key}）。",
                    f"在 {section.key}: 下加上 {key}: [{zeros}]，数字依次对应{'、'.join(c.label for c in table.column_leaves())}。",
                )
        return values, lines

    def cells(self, table: Table, row: Node, item: YamlValue) -> tuple[Number, ...] | None:
        columns = table.column_leaves()
        items = item.value if item.kind == "list" else [item] if item.kind == "scalar" and len(columns) == 1 else None
        if items is None or len(items) != len(columns) or any(cell.kind != "scalar" for cell in items):
            count = len(items) if isinstance(items, list) else 0 if item.kind != "list" else len(item.value)
            zeros = ", ".join("0" for _ in columns)
            self.error(
                item.line,
                f"{table.name}“{row.name}”行应有 {len(columns)} 个数字（{'、'.join(c.label for c in columns)}），这里有 {count} 个。",
                f"写成 {row.key}: [{zeros}] 的形式，数字依次对应各列。",
            )
            return None
        cells: list[Number] = []
        ok = True
        for column, cell in zip(columns, items):
            try:
                cells.append(parse_number(cell.value, table))
            except ValueError as why:
                ok = False
                wanted = "不小于 0 的数（可以带小数）" if table.amounts else "不小于 0 的整数"
                self.error(
                    cell.line,
                    f"{table.name}“{row.name}”行“{column.label}”列填写的“{cell.value or ''}”{why}，应为{wanted}。",
                    "改成阿拉伯数字，例如 0、12、218；没有的填 0" + ("，不适用的填 \"/\"。" if table.not_applicable else "。"),
                )
        return tuple(cells) if ok else None


REPORT_KEYS = {"date": "发布日期", "title": "标题", "organ": "发布机关", "preamble": "开头的说明"}


def read_report(path: Path, rel: str, layout: Layout, site: Site, problems: Problems) -> Report | None:
    """One content/_reports/YYYY.yaml → Report, every problem of the file reported."""
    shown = shown_path(path)
    match = re.fullmatch(r"(\d{4})\.ya?ml", path.name)
    if not match:
        problems.error(
            shown, 0, f"年度报告文件名“{path.name}”不是年份。", f"把文件改名为报告所属的年份，例如 2025.yaml；版式的修改写在 {LAYOUT_FILE} 中。"
        )
        return None
    year = int(match[1])
    root = read_report_yaml(path, shown, problems)
    if root is None:
        return None
    data: dict[str, YamlValue] = root.value
    reader = _ReportReader(shown, year, problems)
    sections = {section.key: section for section in layout.sections}
    for key, value in data.items():
        if key not in REPORT_KEYS and key not in sections:
            known = [*REPORT_KEYS, *sections]
            problems.warning(shown, value.line, f"{year}年度报告中有未知的键“{key}”，将被忽略。{did_you_mean(key, known)}", f"可用的键有：{'、'.join(known)}。")

    published = None
    if data.get("date") is None or data["date"].value is None:
        reader.error(0, "缺少“date”（发布日期）。", f"在文件开头加上 date: {year + 1}-03-20 这样的发布日期。")
    else:
        try:
            published = parse_date("date", data["date"], None)
        except FieldError as exc:
            reader.error(data["date"].line, f"的{exc.message}", exc.fix)
    if published and published <= dt.date(year, 12, 31):
        reader.error(
            data["date"].line,
            f"的发布日期（{published.isoformat()}）不在{year}年之后：年度报告在这一年结束后才能发布。",
            f"改正发布日期（{year + 1}年的某一天），或者把文件名改为报告所属的年份。",
        )
    organ = reader.text(data, "organ", "发布机关", required=False)[0].strip() or site.config.issuers[0].name
    title = reader.text(data, "title", "标题", required=False)[0].strip() or f"{organ}{year}年政府信息公开工作年度报告"
    preamble = reader.text(data, "preamble", "开头的说明", required=False)[0].strip() or (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》"
        f"（国办公开办函〔2021〕30号）编制。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    )

    texts: dict[str, str] = {}
    values: dict[str, tuple[Number, ...]] = {}
    lines: dict[str, int] = {}
    files: list[str] = []
    for section in layout.sections:
        if section.key in data:
            lines[section.key] = data[section.key].line
        if section.tables:
            section_values, section_lines = reader.rows(section, data)
            values.update(section_values)
            lines.update(section_lines)
        else:
            text, first_line = reader.text(data, section.key, section.heading, required=True)
            if text:
                body = render_markdown(text, rel, shown, first_line, site, problems)
                texts[section.key] = body.html
                files.extend(body.files)
    if not reader.ok or published is None:
        return None
    return Report(year, title, organ, published, rel, shown, preamble, texts, values, lines, tuple(sorted(set(files))))


# --- the 勾稽 checks ------------------------------------------------------------------------------


def _total(values: list[Number]) -> Number:
    """The sum of some cells; None when one of them is "/" (nothing to check)."""
    if any(value is None for value in values):
        return None
    return sum(values, start=0)


def _terms(parts: list[tuple[str, Number]]) -> str:
    return " + ".join(f"{name} {shown_number(value)}" for name, value in parts)


def _spelt(nodes: list[Node], value_of) -> list[tuple[str, Number]]:
    """The parts of a sum as (name, value): its cells when few, else the nodes the layout names."""
    leaves = [leaf for node in nodes for leaf in node.leaves()]
    shown = leaves if len(leaves) <= EXPAND_LEAVES else nodes
    return [(node.name, value_of(node)) for node in shown]


def check_report(report: Report, layout: Layout, problems: Problems) -> None:
    """Every sum and equality of the layout, in every column (and row): an error naming the year,
    the table, the row or column, and the numbers on both sides."""
    for section in layout.sections:
        for table in section.tables:
            _check_table(report, table, problems)


def _check_table(report: Report, table: Table, problems: Problems) -> None:
    rows = table.rows_by_key()
    columns = table.columns_by_key()
    column_leaves = table.column_leaves()
    if any(leaf.key not in report.values for leaf in table.row_leaves()):
        return  # a missing or unreadable row is reported already
    index = {leaf.key: position for position, leaf in enumerate(column_leaves)}
    prefix = f"{report.year}年度报告{table.name}"

    def cell(row: Node, column: Node) -> Number:
        return _total([report.values[r.key][index[c.key]] for r in row.leaves() for c in column.leaves()])

    def error(line_key: str, message: str, fix: str) -> None:
        problems.error(report.shown, report.lines.get(line_key, 0), message, fix)

    # a row that is the sum of other rows, in every column (（七）总计)
    for row in rows.values():
        if not row.sum:
            continue
        parts = [rows[key] for key in row.sum]
        for column in column_leaves:
            total, expected = cell(row, column), _total([cell(part, column) for part in parts])
            if total is not None and expected is not None and total != expected:
                spelt = _spelt(parts, lambda node: cell(node, column))
                error(
                    row.leaves()[0].key,
                    f"{prefix}“{column.label}”列：{row.name} {total} 不等于 {_terms(spelt)} = {expected}。",
                    f"核对这一列中“{row.name}”和它的各组成部分，改正填错的数字。",
                )
    # a column that is the sum of other columns, in every row (总计)
    axis = "" if table.across else "行"
    for column in columns.values():
        if not column.sum:
            continue
        parts = [columns[key] for key in column.sum]
        for row in table.row_leaves():
            total, expected = cell(row, column), _total([cell(row, part) for part in parts])
            if total is not None and expected is not None and total != expected:
                spelt = _spelt(parts, lambda node: cell(row, node))
                error(
                    row.key,
                    f"{prefix}“{row.name}”{axis}：{column.label} {total} 不等于 {_terms(spelt)} = {expected}。",
                    f"核对这一{axis or '组'}的各个数字，改正填错的一个（“{column.label}”应等于其余各项之和）。",
                )
    # equalities between rows, in every column (一 + 二 = （七）总计 + 四)
    for rule in table.equal:
        left_nodes, right_nodes = [rows[key] for key in rule.left], [rows[key] for key in rule.right]
        for column in column_leaves:
            left = [(node.name, cell(node, column)) for node in left_nodes]
            right = [(node.name, cell(node, column)) for node in right_nodes]
            a, b = _total([v for _, v in left]), _total([v for _, v in right])
            if a is not None and b is not None and a != b:
                note = f"{table.corner.strip('（）')}。" if table.corner else ""
                error(
                    rule.right[0],
                    f"{prefix}“{column.label}”列：{_terms(left)} = {a}，不等于 {_terms(right)} = {b}。",
                    f"核对这一列中这几行的数字，改正填错的一个。{note}",
                )


# --- what the documents can tell (行政规范性文件) -----------------------------------------------


@dataclass(frozen=True)
class NormativeCounts:
    """行政规范性文件 counted from the site's documents for one year; None where a document's end
    (废止 or 失效) has no date the build can know."""

    issued: int
    repealed: int | None
    in_force: int | None
    category: str


def normative_categories(site: Site) -> list[str]:
    """The categories holding 行政规范性文件: the one site.yaml's reports.normative_category names,
    else every category named 行政规范性文件."""
    if site.config.reports.normative_category:
        return [site.config.reports.normative_category]
    return [c.key for c in site.config.all_categories() if c.name == "行政规范性文件"]


def _end_date(document: Document, by_url: dict[str, Document]) -> dt.date | None | bool:
    """The first day a document is no longer in force; None if it still is; False if it has
    ended on a day the documents do not tell (declared 失效/废止 without a dated repealing document)."""
    validity = document.validity
    if validity is not None and validity.repealed_by is not None and validity.repealed_by.url in by_url:
        repealer = by_url[validity.repealed_by.url]
        return repealer.effective_date or repealer.date
    if document.validity_override or document.repealed_by:
        return False
    if document.expiry:
        return document.expiry + dt.timedelta(days=1)
    return None


def count_normative(site: Site, year: int) -> NormativeCounts | None:
    """本年制发 (成文日期, else 发布日期, in the year), 本年废止 (repealed by a document taking effect
    in the year, or lapsed after an expiry in it), 现行有效 (issued by 31 December and not ended by
    then). So 现行有效 = last year's 现行有效 + 制发 − 废止, every year."""
    keys = normative_categories(site)
    if not keys:
        return None
    by_url = {document.url: document for document in site.documents}
    documents = [d for key in keys for d in site.by_category.get(key, ())]
    documents += [d for d in site.held_back if any(d.category == k or d.category.startswith(k + "/") for k in keys)]
    year_end = dt.date(year, 12, 31)
    issued = repealed = in_force = 0
    unknown = False
    for document in documents:
        made = document.written_date or document.date
        if made.year == year:
            issued += 1
        if made > year_end:
            continue
        end = _end_date(document, by_url)
        if end is False:
            unknown = True
        elif end is None or end > year_end:
            in_force += 1
        if end and end.year == year:
            repealed += 1
    return NormativeCounts(issued, None if unknown else repealed, None if unknown else in_force, "、".join(keys))


CORPUS_COLUMNS = {
    "issued": "成文日期在{year}年的有 {n} 件",
    "repealed": "在{year}年废止或失效的有 {n} 件",
    "in_force": "{year}年12月31日有效的有 {n} 件",
}


def compare_with_documents(report: Report, layout: Layout, site: Site, problems: Problems) -> None:
    """The 行政规范性文件 numbers entered against the site's own documents: a warning on a difference."""
    counts = None
    for section in layout.sections:
        for table in section.tables:
            for row in table.row_leaves():
                if row.corpus != "normative" or row.key not in report.values:
                    continue
                counts = counts or count_normative(site, report.year)
                if counts is None:
                    return
                for column, entered in zip(table.column_leaves(), report.values[row.key]):
                    counted = getattr(counts, column.key, None) if column.key in CORPUS_COLUMNS else None
                    if entered is None or counted is None or entered == counted:
                        continue
                    found = CORPUS_COLUMNS[column.key].format(year=report.year, n=counted)
                    problems.warning(
                        report.shown,
                        report.lines.get(row.key, 0),
                        f"{report.year}年度报告{table.name}“{row.label}”的“{column.label}”填写为 {entered}，"
                        f"而网站“{counts.category}”栏目中的文件{found}。",
                        "核对年度报告中的数字；或检查这些文件的 written_date、expiry、validity、repealed_by 是否填写正确、文件是否都已发布。",
                    )


def check_deadline(reports: AnnualReports, site: Site, folder: str, problems: Problems) -> None:
    """条例 art. 49: last year's report is due by 31 March (a county government; 31 January for a
    department, set in site.yaml). Only a site that publishes its reports here is reminded."""
    if not reports.reports and not reports.held_back:
        return
    today = site.today
    month, day = site.config.reports.deadline
    due = dt.date(today.year, month, day)
    wanted = today.year - 1
    if today <= due or any(report.year == wanted for report in reports.reports):
        return
    latest = max(report.year for report in reports.reports + reports.held_back)
    problems.warning(
        folder,
        0,
        f"还没有发布{wanted}年度的政府信息公开工作年度报告：《政府信息公开条例》第四十九条要求在{month}月{day}日前公布上一年度的年度报告。",
        f"在 {folder} 中加上 {wanted}.yaml（可复制 {latest}.yaml 修改），发布日期不晚于今天；"
        "期限可在 site.yaml 中用 reports: deadline: \"01-31\" 设置（县级人民政府部门）。",
    )


def read_reports(site: Site, content: Path, problems: Problems) -> AnnualReports | None:
    """Every content/_reports/YYYY.yaml, read, checked against the layout and the documents."""
    layout = read_layout(content, problems)
    if layout is None:
        return None
    folder = content / REPORTS_DIR
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml") and p.name != LAYOUT_FILE) if folder.is_dir() else []
    reports: dict[int, Report] = {}
    for path in paths:
        report = read_report(path, f"{REPORTS_DIR}/{path.name}", layout, site, problems)
        if report is None:
            continue
        if report.year in reports:
            problems.error(report.shown, 0, f"{report.year}年度报告有两个文件：{reports[report.year].shown} 和 {report.shown}。", "删除其中一个。")
            continue
        check_report(report, layout, problems)
        compare_with_documents(report, layout, site, problems)
        reports[report.year] = report
    ordered = sorted(reports.values(), key=lambda r: -r.year)
    result = AnnualReports(
        layout,
        tuple(r for r in ordered if r.date <= site.today),
        tuple(r for r in ordered if r.date > site.today),
    )
    check_deadline(result, site, shown_path(folder) + "/", problems)
    return result


# --- tables as cells, for the template -----------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One <th> or <td>: rendering needs nothing else, so the template stays a loop."""

    text: str
    header: bool = False
    colspan: int = 1
    rowspan: int = 1
    scope: str = ""
    id: str = ""
    headers: str = ""
    """The ids of every header of a data cell (WCAG 1.3.1 for multi-level headers)."""
    numeric: bool = False


@dataclass(frozen=True)
class Grid:
    caption: str
    head: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]
    across: bool = False


def _depth(nodes: tuple[Node, ...]) -> int:
    return max((1 + _depth(node.children) for node in nodes), default=0)


def _header_rows(nodes: tuple[Node, ...], prefix: str) -> tuple[list[list[Cell]], dict[str, list[str]]]:
    """Column headers as rows of cells, and each leaf's key → the ids of the headers above it.

    Every leaf header sits on the last header row or spans down to it; a group over a shallower
    subtree spans the rows its subtree leaves free, as 表四's 行政复议 spans two rows over its five
    columns while 行政诉讼 splits into 未经复议直接起诉 and 复议后起诉."""
    depth = _depth(nodes)
    rows: list[list[Cell]] = [[] for _ in range(depth)]
    chains: dict[str, list[str]] = {}

    def place(node: Node, level: int, above: list[str]) -> None:
        cell_id = f"{prefix}-{node.key}"
        if node.children:
            span = depth - level - _depth(node.children)
            rows[level].append(Cell(node.label, True, colspan=len(node.leaves()), rowspan=span, scope="colgroup", id=cell_id))
            for child in node.children:
                place(child, level + span, above + [cell_id])
        else:
            rows[level].append(Cell(node.label, True, rowspan=depth - level, scope="col", id=cell_id))
            chains[node.key] = above + [cell_id]

    for node in nodes:
        place(node, 0, [])
    return rows, chains


def table_grid(table: Table, values: dict[str, tuple[Number, ...]], prefix: str) -> Grid:
    """A table of the 30号 format as rows of cells: its header rows (spans as in the format), then a
    row per leaf row with its heading cells and numbers; `prefix` keeps the ids unique on a page."""
    columns = table.column_leaves()
    if table.across:
        # 表四: the row groups become column groups over the columns, one line of numbers
        nodes = tuple(_across(node, table.columns) for node in table.rows)
        head, chains = _header_rows(nodes, f"{prefix}-c")
        body = [
            Cell(shown_number(values[row.key][index]), headers=" ".join(chains[f"{row.key}-{column.key}"]), numeric=True)
            for row in table.row_leaves()
            for index, column in enumerate(columns)
        ]
        return Grid(table.caption, tuple(tuple(row) for row in head), (tuple(body),), across=True)
    head, chains = _header_rows(table.columns, f"{prefix}-c")
    row_depth = _depth(table.rows)
    if table.row_heading:
        head[0].insert(0, Cell(table.row_heading, True, colspan=row_depth, rowspan=len(head), scope="col", id=f"{prefix}-rh"))
    else:
        head[0].insert(0, Cell(table.corner, colspan=row_depth, rowspan=len(head)))
    body: list[list[Cell]] = []

    def place(node: Node, level: int, above: list[str]) -> None:
        cell_id = f"{prefix}-r-{node.key}"
        start = len(body)
        if node.children:
            for child in node.children:
                place(child, level + 1, above + [cell_id])
            # groups are placed after their children, so an outer group's cell goes in front of an inner one's
            body[start].insert(0, Cell(node.label, True, rowspan=len(node.leaves()), scope="rowgroup", id=cell_id))
            return
        ids = above + [cell_id]
        cells = [Cell(node.label, True, colspan=row_depth - level, scope="row", id=cell_id)]
        for index, column in enumerate(columns):
            cells.append(Cell(shown_number(values[node.key][index]), headers=" ".join(ids + chains[column.key]), numeric=True))
        body.append(cells)

    for node in table.rows:
        place(node, 0, [])
    return Grid(table.caption, tuple(tuple(row) for row in head), tuple(tuple(row) for row in body))


def _across(node: Node, columns: tuple[Node, ...]) -> Node:
    if node.children:
        return replace(node, children=tuple(_across(child, columns) for child in node.children))
    leaves = [leaf for column in columns for leaf in column.leaves()]
    return replace(node, children=tuple(Node(f"{node.key}-{leaf.key}", leaf.label) for leaf in leaves))


@dataclass(frozen=True)
class ReportSection:
    heading: str
    html: str
    grids: tuple[Grid, ...]


def report_sections(layout: Layout, report: Report) -> tuple[ReportSection, ...]:
    """The report's six parts in layout order, narratives as HTML, tables as grids."""
    sections = []
    for number, section in enumerate(layout.sections, 1):
        grids = tuple(table_grid(table, report.values, f"t{number}-{index}") for index, table in enumerate(section.tables, 1))
        sections.append(ReportSection(section.heading, report.texts.get(section.key, ""), grids))
    return tuple(sections)
