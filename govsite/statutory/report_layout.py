"""The 年度报告's table layout as data: report_layout.yaml (国办公开办函〔2021〕30号) read into
plain trees of rows and columns, with a site's content/_reports/layout.yaml applied."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from ..load import read_yaml_file, shown_path
from ..model import YamlValue
from ..problems import Problems, did_you_mean

REPORTS_DIR = "_reports"
"""content/_reports/: one YAML file per year; a folder starting with _ holds no documents (load.py)."""
LAYOUT_FILE = "layout.yaml"
"""content/_reports/layout.yaml: the site's additions to (or replacement of) the national layout."""
DEFAULT_LAYOUT = Path(__file__).with_name("report_layout.yaml")


# --- the layout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A row or a column of a report table; a node with children is a heading over them."""

    key: str
    label: str
    children: tuple["Node", ...] = ()
    sum: tuple[str, ...] = ()
    """Keys whose cells this one equals the sum of; a group's key stands for all its leaves."""
    short: str = ""
    """The name messages use, where the label is long or ambiguous (“3.其他”)."""
    corpus: str = ""
    """"normative": the numbers the documents can tell (行政规范性文件 制发/废止/现行有效)."""

    @property
    def name(self) -> str:
        return self.short or self.label

    def walk(self) -> Iterator["Node"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def leaves(self) -> list["Node"]:
        return [self] if not self.children else [leaf for child in self.children for leaf in child.leaves()]


@dataclass(frozen=True)
class Equality:
    """In every column, the sum of the `left` rows equals the sum of the `right` rows."""

    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    """How messages call the table: 表二, 表三, 表四."""
    caption: str
    columns: tuple[Node, ...]
    rows: tuple[Node, ...]
    corner: str = ""
    """Text in the top-left cell (table 三's 勾稽 note); not a header."""
    row_heading: str = ""
    """The header of the row-label column (表二's 信息内容)."""
    equal: tuple[Equality, ...] = ()
    amounts: bool = False
    not_applicable: bool = False
    across: bool = False
    """Rows laid side by side in one line, as 表四's fifteen numbers."""

    def column_leaves(self) -> list[Node]:
        return [leaf for node in self.columns for leaf in node.leaves()]

    def row_leaves(self) -> list[Node]:
        return [leaf for node in self.rows for leaf in node.leaves()]

    def rows_by_key(self) -> dict[str, Node]:
        return {node.key: node for root in self.rows for node in root.walk()}

    def columns_by_key(self) -> dict[str, Node]:
        return {node.key: node for root in self.columns for node in root.walk()}


@dataclass(frozen=True)
class Section:
    key: str
    """The key of this part in a report file."""
    heading: str
    tables: tuple[Table, ...] = ()
    """None for a narrative part (一、五、六), which is Markdown."""

    def row_tables(self) -> dict[str, Table]:
        """Each leaf row's key → its table: a report file gives one line per leaf row."""
        return {leaf.key: table for table in self.tables for leaf in table.row_leaves()}


@dataclass(frozen=True)
class Layout:
    sections: tuple[Section, ...]


# --- reading the layout -------------------------------------------------------------------------


class _LayoutReader:
    """Turns the layout YAML into a Layout; each mistake is a problem on its line."""

    def __init__(self, shown: str, problems: Problems):
        self.shown, self.problems = shown, problems
        self.ok = True

    def error(self, line: int, message: str, fix: str) -> None:
        self.ok = False
        self.problems.error(self.shown, line, f"年度报告版式：{message}", fix)

    def text(self, mapping: YamlValue, key: str, required: bool = True) -> str:
        value = mapping.value.get(key)
        if value is None or value.value is None or value.kind != "scalar" or not value.value.strip():
            if required:
                self.error(value.line if value else mapping.line, f"缺少 {key}，或者它不是一段文字。", f"写上 {key}: \"…\"。")
            return ""
        return value.value.strip()

    def flag(self, mapping: YamlValue, key: str) -> bool:
        value = mapping.value.get(key)
        if value is None:
            return False
        if value.kind == "scalar" and (value.value or "").strip().lower() in ("true", "false"):
            return value.value.strip().lower() == "true"
        self.error(value.line, f"{key} 应为 true 或 false。", f"写成 {key}: true，或删除这一行。")
        return False

    def keys(self, mapping: YamlValue, key: str) -> tuple[str, ...]:
        value = mapping.value.get(key)
        if value is None:
            return ()
        if value.kind == "scalar" and value.value:
            return (value.value.strip(),)
        if value.kind == "list" and all(item.kind == "scalar" and item.value for item in value.value):
            return tuple(item.value.strip() for item in value.value)
        self.error(value.line, f"{key} 应为行（或列）的 key 的列表。", f"写成 {key}: [a, b]。")
        return ()

    def items(self, mapping: YamlValue, key: str, required: bool = True) -> list[YamlValue]:
        value = mapping.value.get(key)
        if value is None or value.value is None:
            if required:
                self.error(value.line if value else mapping.line, f"缺少 {key}。", f"写上 {key}: 并在下面逐项以 - 开头列出。")
            return []
        if value.kind != "list" or not all(item.kind == "mapping" for item in value.value):
            self.error(value.line, f"{key} 应为列表，每一项写成“key: …”和“label: …”。", f"在 {key}: 下逐项以 - 开头列出。")
            return []
        return value.value

    def node(self, item: YamlValue) -> Node:
        key = self.text(item, "key")
        if key and not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            self.error(item.value["key"].line, f"key“{key}”只能用小写英文字母、数字和 _。", "例如 key: withheld_other。")
        corpus = self.text(item, "corpus", required=False)
        if corpus and corpus != "normative":
            self.error(item.value["corpus"].line, f"corpus“{corpus}”未知。", "目前只有 corpus: normative（行政规范性文件）。")
        return Node(
            key=key,
            label=self.text(item, "label"),
            children=tuple(self.node(child) for child in self.items(item, "children", required=False)),
            sum=self.keys(item, "sum"),
            short=self.text(item, "short", required=False),
            corpus=corpus,
        )

    def table(self, item: YamlValue) -> Table:
        equal = []
        for rule in self.items(item, "equal", required=False):
            equal.append(Equality(self.keys(rule, "left"), self.keys(rule, "right")))
        table = Table(
            name=self.text(item, "name"),
            caption=self.text(item, "caption"),
            columns=tuple(self.node(node) for node in self.items(item, "columns")),
            rows=tuple(self.node(node) for node in self.items(item, "rows")),
            corner=self.text(item, "corner", required=False),
            row_heading=self.text(item, "row_heading", required=False),
            equal=tuple(equal),
            amounts=self.flag(item, "amounts"),
            not_applicable=self.flag(item, "not_applicable"),
            across=self.flag(item, "across"),
        )
        return table

    def layout(self, root: YamlValue) -> Layout:
        sections = []
        for item in self.items(root, "sections"):
            tables = tuple(self.table(table) for table in self.items(item, "tables", required=False))
            sections.append(Section(self.text(item, "key"), self.text(item, "heading"), tables))
        return Layout(tuple(sections))


def read_report_yaml(path: Path, shown: str, problems: Problems) -> YamlValue | None:
    return read_yaml_file(path, shown, problems, ("文件是空的，或者不是逐行的“键: 值”。", "参照示例 content/_reports/2025.yaml 填写。"))


def check_layout(layout: Layout, shown: str, problems: Problems) -> bool:
    """Every key a sum or an equality names exists; row keys are unique in a section, column keys in
    a table; a sum on a row or a column needs numbers on the other axis to add up."""
    ok = True

    def error(message: str, fix: str) -> None:
        nonlocal ok
        ok = False
        problems.error(shown, 0, f"年度报告版式：{message}", fix)

    section_keys = [section.key for section in layout.sections]
    for key in sorted({k for k in section_keys if section_keys.count(k) > 1}):
        error(f"部分“{key}”写了不止一次。", "每个部分的 key 只能出现一次。")
    for section in layout.sections:
        seen: set[str] = set()
        for table in section.tables:
            for axis, nodes in (("行", table.rows_by_key()), ("列", table.columns_by_key())):
                all_keys = [node.key for root in (table.rows if axis == "行" else table.columns) for node in root.walk()]
                for key in sorted({k for k in all_keys if all_keys.count(k) > 1}):
                    error(f"{table.name}中的{axis}“{key}”写了不止一次。", f"给其中一{axis}换一个 key。")
                for node in nodes.values():
                    for key in node.sum:
                        if key not in nodes or key == node.key:
                            error(f"{table.name}“{node.label}”的 sum 中的“{key}”不是本表的{axis}。{did_you_mean(key, nodes)}", "改成本表中的 key。")
            rows = table.rows_by_key()
            for rule in table.equal:
                for key in rule.left + rule.right:
                    if key not in rows:
                        error(f"{table.name}的 equal 中的“{key}”不是本表的行。{did_you_mean(key, rows)}", "改成本表中行的 key。")
            for leaf in table.row_leaves():
                if leaf.key in seen:
                    error(f"“{section.key}”中的行“{leaf.key}”在两张表中都有。", "同一部分中各行的 key 不能重复。")
                seen.add(leaf.key)
    return ok


def read_layout(content: Path, problems: Problems) -> Layout | None:
    """The national layout, with the site's content/_reports/layout.yaml applied when there is one."""
    root = read_report_yaml(DEFAULT_LAYOUT, shown_path(DEFAULT_LAYOUT), problems)
    if root is None:
        return None
    reader = _LayoutReader(shown_path(DEFAULT_LAYOUT), problems)
    layout = reader.layout(root)
    override = content / REPORTS_DIR / LAYOUT_FILE
    shown = shown_path(override)
    if override.is_file():
        site_root = read_report_yaml(override, shown, problems)
        if site_root is None:
            return None
        layout = _apply_override(layout, site_root, _LayoutReader(shown, problems))
    else:
        shown = shown_path(DEFAULT_LAYOUT)
    if layout is None or not reader.ok or not check_layout(layout, shown, problems):
        return None
    return layout


def _apply_override(layout: Layout, root: YamlValue, reader: _LayoutReader) -> Layout | None:
    """`sections:` replaces the national layout; `add:` puts rows after a row of it (a province's
    extra rows), each summed where it stands (inside a group a sum names) and into any row named by
    its `sum_into`."""
    for key, value in root.value.items():
        if key not in ("sections", "add"):
            reader.error(value.line, f"未知的键“{key}”。{did_you_mean(key, ('sections', 'add'))}", "layout.yaml 中只能写 sections（整体替换）或 add（增加行）。")
    if "sections" in root.value:
        layout = reader.layout(root)
    for item in reader.items(root, "add", required=False):
        after = reader.text(item, "after")
        node = Node(reader.text(item, "key"), reader.text(item, "label"), short=reader.text(item, "short", required=False))
        sum_into = reader.keys(item, "sum_into")
        if not (after and node.key and node.label):
            continue
        placed = _insert_after(layout, after, node, sum_into)
        if placed is None:
            known = [n.key for s in layout.sections for t in s.tables for root_node in t.rows for n in root_node.walk()]
            reader.error(item.value["after"].line, f"after 中的行“{after}”在版式中不存在。{did_you_mean(after, known)}", "写版式中某一行的 key，新行放在它的后面。")
            continue
        layout = placed
        missing = [key for key in sum_into if key not in _table_of(layout, node.key).rows_by_key()]
        for key in missing:
            reader.error(item.value["sum_into"].line, f"sum_into 中的行“{key}”不在新行所在的表中。", "写同一张表中合计行的 key，例如 total。")
    return layout if reader.ok else None


def _table_of(layout: Layout, row_key: str) -> Table:
    return next(t for s in layout.sections for t in s.tables if row_key in t.rows_by_key())


def _insert_after(layout: Layout, after: str, new: Node, sum_into: tuple[str, ...]) -> Layout | None:
    def insert(nodes: tuple[Node, ...]) -> tuple[tuple[Node, ...], bool]:
        result, found = [], False
        for node in nodes:
            children, inside = insert(node.children)
            found = found or inside
            node = replace(node, children=children)
            result.append(node)
            if node.key == after:
                result.append(new)
                found = True
        return tuple(result), found

    sections, placed = [], False
    for section in layout.sections:
        tables = []
        for table in section.tables:
            rows, found = insert(table.rows) if not placed else (table.rows, False)
            if found:
                placed = True
                rows = tuple(_add_to_sums(row, new.key, sum_into) for row in rows)
            tables.append(replace(table, rows=rows))
        sections.append(replace(section, tables=tuple(tables)))
    return Layout(tuple(sections)) if placed else None


def _add_to_sums(node: Node, key: str, sum_into: tuple[str, ...]) -> Node:
    children = tuple(_add_to_sums(child, key, sum_into) for child in node.children)
    extra = (key,) if node.key in sum_into else ()
    return replace(node, children=children, sum=node.sum + extra)
