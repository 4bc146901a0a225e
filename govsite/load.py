"""Reading content files: decoding, splitting front matter from body, and safe YAML with line numbers."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import yaml

from .model import SourceFile, YamlValue
from .problems import Problems

try:  # the C parser is several times faster on 20,000 files
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

# Tags a safe loader understands; anything else (`!!python/object`, `!include` …) is refused
# before anything is constructed, so no author can make the build execute code.
_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge", "binary")
}
_NULLS = {"", "~", "null", "Null", "NULL"}

FENCE = "---"


class YamlProblem(Exception):
    def __init__(self, line: int, message: str, fix: str):
        super().__init__(message)
        self.line, self.message, self.fix = line, message, fix


def parse_yaml(text: str, first_line: int = 1) -> YamlValue | None:
    """YAML → YamlValue tree keeping each value's line; raises YamlProblem in the author's words.

    Only composes nodes, never constructs Python objects: that is what makes tags harmless and
    keeps scalars as written (`000123`, `2024-02-30`, `yes`)."""
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise YamlProblem(line, f"YAML 格式错误：{_yaml_reason(exc)}", _YAML_FIX) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(first_line, f"YAML 格式错误：{exc}", _YAML_FIX) from None
    if node is None:
        return None
    return _convert(node, first_line)


_YAML_FIX = (
    "检查这一行及上一行：冒号后要有空格；含有冒号、# 或引号的值请用英文双引号括起来；"
    "同一层的键要对齐，缩进只能用空格，不能用 Tab。"
)


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    reasons = {
        "mapping values are not allowed here": "这里不能出现冒号（值里有冒号时，请用双引号把整个值括起来）",
        "could not find expected ':'": "缺少冒号（每一行应写成“键: 值”）",
        "found character '\\t' that cannot start any token": "用了 Tab 缩进（请改用空格）",
        "found undefined alias": "引用了未定义的别名（*）",
        "did not find expected key": "缩进不一致或缺少“键: 值”",
        "found unexpected end of stream": "引号没有闭合",
        "while scanning a quoted scalar": "引号没有闭合",
    }
    text = f"{exc.context or ''} {exc.problem or ''}".strip()
    for english, chinese in reasons.items():
        if english in text:
            return chinese
    return text


def _convert(node: yaml.Node, first_line: int) -> YamlValue:
    line = first_line + node.start_mark.line
    if node.tag not in _PLAIN_TAGS and not node.tag.startswith("tag:yaml.org,2002:"):
        raise YamlProblem(
            line,
            f"不支持 YAML 标签“{_short_tag(node.tag)}”（出于安全考虑，只接受普通文字、列表和键值）",
            "删除这个以 ! 开头的标签，只保留值本身。",
        )
    if node.tag not in _PLAIN_TAGS:
        raise YamlProblem(line, f"不支持 YAML 标签“{_short_tag(node.tag)}”", "删除这个以 !! 开头的标签。")
    if isinstance(node, yaml.ScalarNode):
        value = None if (node.style is None and node.value in _NULLS) else node.value
        return YamlValue(value, line)
    if isinstance(node, yaml.SequenceNode):
        return YamlValue([_convert(item, first_line) for item in node.value], line, "list")
    mapping: dict[str, YamlValue] = {}
    for key_node, value_node in node.value:
        key_line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlProblem(key_line, "键必须是一个词，不能是列表或键值", "把这一行改成“键: 值”的形式。")
        key = key_node.value
        if key in mapping:
            raise YamlProblem(
                key_line,
                f"“{key}”写了两次（第 {mapping[key].line} 行已经有了）",
                "删除其中一行，只保留正确的那一个。",
            )
        value = _convert(value_node, first_line)
        # the line of a key is where the author looks, even when its value starts below
        mapping[key] = YamlValue(value.value, key_line, value.kind)
    return YamlValue(mapping, line, "mapping")


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def decode(data: bytes, shown: str, problems: Problems) -> str | None:
    """Bytes → text with Unix line ends; a UTF-8 BOM is fine, other encodings get a hint."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = "文件不是 UTF-8 编码"
        try:
            data.decode("gb18030")
            hint += "，看起来是 GBK/GB18030 编码（Windows 记事本或 WPS 的默认“ANSI”）"
        except UnicodeDecodeError:
            pass
        problems.error(
            shown,
            line,
            hint + "。",
            "用编辑器把文件另存为“UTF-8”编码（记事本：另存为 → 编码选 UTF-8），"
            f"或在命令行运行：iconv -f GBK -t UTF-8 '{shown}' -o 新文件.md",
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, shown: str, problems: Problems) -> tuple[str, int, str, int] | None:
    """Text → (yaml, yaml's first line, body, body's first line), or None after a problem."""
    if not text.strip():
        problems.error(
            shown, 0, "文件是空的。", "写入 front matter（以 --- 开头和结尾的标题、栏目、发布机构、日期）和正文，或删除这个文件。"
        )
        return None
    lines = text.split("\n")
    first = lines[0].strip()
    if first != FENCE:
        hint = ""
        if first == "+++":
            hint = "（govsite 使用 YAML，请把 +++ 改成 ---，并把“键 = 值”改成“键: 值”）"
        problems.error(
            shown,
            1,
            f"文件开头没有 front matter{hint}。",
            "在文件第一行写 ---，接着写 title、category、issuer、date 等字段，再单独写一行 --- 结束，然后是正文。",
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (FENCE, "..."):
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return yaml_text, 2, body, index + 2
    problems.error(
        shown,
        1,
        "front matter 没有结束：找不到第二个单独一行的 ---。",
        "在最后一个字段（例如 date）之后、正文之前加一行 ---。",
    )
    return None


def read_source(path: Path, rel: str, shown: str, problems: Problems) -> SourceFile | None:
    """One file → SourceFile, or None with the reason in `problems`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(shown, 0, f"无法读取文件：{exc.strerror}。", "检查文件是否存在、是否有读取权限。")
        return None
    text = decode(data, shown, problems)
    if text is None:
        return None
    parts = split_front_matter(text, shown, problems)
    if parts is None:
        return None
    yaml_text, yaml_line, body, body_line = parts
    try:
        front = parse_yaml(yaml_text, yaml_line)
    except YamlProblem as exc:
        problems.error(shown, exc.line, exc.message, exc.fix)
        return None
    if front is None or front.kind != "mapping":
        problems.error(
            shown,
            yaml_line,
            "front matter 是空的，或者不是“键: 值”的形式。",
            "在两行 --- 之间逐行写 title: …、category: …、issuer: …、date: …。",
        )
        return None
    return SourceFile(path, rel, shown, front.value, body, body_line)


def content_files(content: Path) -> list[Path]:
    """Every Markdown document under content/, sorted, skipping hidden folders and READMEs."""
    found = []
    for root, dirs, files in os.walk(content):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith(".") and name.upper() != "README.MD":
                found.append(Path(root) / name)
    return sorted(found, key=lambda p: p.relative_to(content).as_posix())


def shown_path(path: Path) -> str:
    """A path as messages print it: relative to the working directory when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_sources(content: Path, problems: Problems) -> list[SourceFile]:
    sources = []
    for path in content_files(content):
        rel = unicodedata.normalize("NFC", path.relative_to(content).as_posix())
        source = read_source(path, rel, shown_path(path), problems)
        if source is not None:
            sources.append(source)
    return sources
