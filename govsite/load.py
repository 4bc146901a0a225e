"""Reading content files: decoding, splitting front matter from body, and safe YAML with line numbers."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

from .model import SourceFile, YamlValue
from .problems import Problems

try:  # the C parser is several times faster on 20,000 files
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

# Tags a safe loader understands, including those YAML guesses for plain values (`<<` and `=`
# resolve to merge and value); anything else (`!!python/object`, `!include` …) is refused
# before anything is constructed, so no author can make the build execute code.
_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge", "value", "binary")
}

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
        raise _explain(exc, text, first_line) from None
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in bytes, PyYAML in characters: find the character itself
        found = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = first_line + text[: found if found >= 0 else exc.position].count("\n")
        raise YamlProblem(
            line,
            f"这一行有不可见的控制字符（U+{exc.character:04X}），通常是从别处复制时带进来的。",
            "删除这一行后重新输入，或用编辑器的“显示不可见字符”找到并删除它。",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(first_line, f"YAML 格式错误（{exc}）。", _YAML_FIX) from None
    except RecursionError:  # thousands of nested [ or -: no author means that
        raise YamlProblem(first_line, "YAML 嵌套的层次太多。", "列表和“键: 值”最多嵌套几层，检查是否多写了 [ 或 - 。") from None
    if node is None:
        return None
    try:
        return _convert(node, first_line, set())
    except RecursionError:
        raise YamlProblem(first_line, "YAML 嵌套的层次太多。", "列表和“键: 值”最多嵌套几层，检查是否多写了 [ 或 - 。") from None


_YAML_FIX = (
    "检查这一行及上一行：冒号后要有空格；含有冒号、# 或引号的值请用英文双引号括起来；"
    "同一层的键要对齐，缩进只能用空格，不能用 Tab。"
)

# libyaml (the C loader) and PyYAML word the same mistakes differently; both are matched.
_REASONS = {
    "mapping values are not allowed": "这里不能出现冒号。值里有冒号时，请用双引号把整个值括起来；如果这是新的一项，它要和上一项左边对齐",
    "could not find expected ':'": "缺少冒号（每一行应写成“键: 值”）",
    "found undefined alias": "用了未定义的引用（*）",
    "did not find expected key": "缩进不一致，或这一行不是“键: 值”的形式",
    "did not find expected '-' indicator": "列表中混入了不以 - 开头的行",
    "did not find expected ',' or ']'": "方括号 [ 没有配对的 ]",
    "did not find expected ',' or '}'": "花括号 { 没有配对的 }",
    "found unknown escape character": "双引号里的反斜杠 \\ 后面跟了不认识的字符（要写反斜杠本身，请用两个 \\\\，或改用单引号）",
    "found unexpected end of stream": "引号没有闭合",
    "did not find expected node content": "这里缺少值（检查方括号 [ ] 和花括号 { } 是否配对）",
    "expected a single document": "文件里有第二个 --- 分隔线，只能有一组“键: 值”",
    "expected hexdecimal number": "双引号里的 \\x 或 \\u 后面要跟十六进制数字（要写反斜杠本身，请用两个 \\\\，或改用单引号）",
    "scanning a block scalar": "值以 | 或 > 开头，会被当作多行文字的标记；如果它们是文字本身，请用双引号把整个值括起来",
    "scanning an alias": "值以 * 开头，会被当作 YAML 引用；如果 * 是文字本身，请用双引号把整个值括起来",
    "scanning an anchor": "值以 & 开头，会被当作 YAML 引用；如果 & 是文字本身，请用双引号把整个值括起来",
    "scanning a tag": "值以 ! 开头，会被当作 YAML 标签；如果 ! 是文字本身，请用双引号把整个值括起来",
    "scanning a directive": "行首的 % 会被当作 YAML 指令；如果 % 是文字本身，请用双引号把整个值括起来",
    "cannot start any token": "这一行以 YAML 不允许的字符（如 @、`、%）开头，请用双引号把整个值括起来",
}
"""The known YAML errors in the author's words; anything else is shown as \"格式不正确\"."""


def _explain(exc: yaml.MarkedYAMLError, text: str, first_line: int) -> YamlProblem:
    """The likely mistake behind a YAML error, on the line where the author made it.

    The parser often notices a mistake lines later (an unclosed quote swallows the next key),
    so the lines are first checked for the mistakes Chinese authors make most: a full-width
    colon, a tab, a quote left open or closed too early by a quote inside the value."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        reason = _line_mistake(line)
        if reason:
            return YamlProblem(first_line + number, f"YAML 格式错误：{reason}。", _YAML_FIX)
    mark = exc.problem_mark or exc.context_mark
    if "quoted scalar" in (exc.context or "") and exc.context_mark:
        mark = exc.context_mark  # where the quote opened, not the end of the file
    last = max((number for number, text_line in enumerate(lines) if text_line.strip()), default=0)
    line = min(mark.line if mark else 0, last)  # "end of stream" is past the last line
    found = f"{exc.context or ''} {exc.problem or ''}"
    reason = next((chinese for english, chinese in _REASONS.items() if english in found), "")
    if not reason:
        reason = f"这一行的格式不正确（{found.strip()}）"
    return YamlProblem(first_line + line, f"YAML 格式错误：{reason}。", _YAML_FIX)


_FULLWIDTH_COLON_RE = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][A-Za-z0-9_]*\s*：")
_QUOTED_VALUE_RE = re.compile(r"^\s*(?:-\s+|[^\s:#\"'][^:#]*:\s+)([\"'])(.*)$")


def _line_mistake(line: str) -> str:
    """What is wrong with one YAML line on its own, or "" when the line looks fine."""
    if _FULLWIDTH_COLON_RE.match(line):
        return "键后面用了中文冒号“：”，请改成英文冒号加空格“: ”"
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return "用了 Tab 缩进，请改用空格"
    match = _QUOTED_VALUE_RE.match(line)
    if not match:
        return ""
    quote, rest = match.groups()
    end = _closing_quote(quote, rest)
    if end < 0:
        return f"引号 {quote} 没有闭合，请在值的末尾补上 {quote}"
    after = rest[end + 1 :].strip()
    if after and not after.startswith("#"):
        return f"值里的英文引号 {quote} 提前结束了整个值，请把值里的引号改成中文引号“”"
    return ""


def _closing_quote(quote: str, rest: str) -> int:
    """Index of the quote that closes a value, or -1; `\\"` and `''` do not close it."""
    index = 0
    while index < len(rest):
        char = rest[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and rest[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index
        index += 1
    return -1


def _convert(node: yaml.Node, first_line: int, seen: set[int], at: int | None = None) -> YamlValue:
    """A node → YamlValue; `at` is the line of the key a value belongs to, for messages."""
    line = first_line + node.start_mark.line
    if node.tag not in _PLAIN_TAGS:
        raise YamlProblem(
            line,
            f"不支持 YAML 标签“{_short_tag(node.tag)}”：出于安全考虑只接受普通文字、列表和“键: 值”，标签不会被执行。",
            "删除以 ! 开头的标签，只保留值本身。",
        )
    # an alias (*name) hands back the very node it names: expanding those would let a few
    # lines grow into billions of values, and a merge key (<<) would silently become a key
    if id(node) in seen and not isinstance(node, yaml.ScalarNode):
        raise YamlProblem(
            at or line, f"不支持 YAML 引用（& 和 *）：这里引用了第 {line} 行的内容。", "把被引用的内容直接写在这里，删除 & 和 * 。"
        )
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        # the resolver tags only unquoted `~`, `null` or nothing as null (libyaml's plain style is
        # "" where PyYAML's is None, so the style cannot tell)
        value = None if node.tag == "tag:yaml.org,2002:null" else node.value
        return YamlValue(value, line)
    if isinstance(node, yaml.SequenceNode):
        return YamlValue([_convert(item, first_line, seen) for item in node.value], line, "list")
    mapping: dict[str, YamlValue] = {}
    for key_node, value_node in node.value:
        key_line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlProblem(key_line, "键必须是一个词，不能是列表或键值。", "把这一行改成“键: 值”的形式。")
        key = key_node.value
        if key == "<<":
            raise YamlProblem(key_line, "不支持 YAML 合并（<<）。", "把要合并的各项直接写出来。")
        if key in mapping:
            raise YamlProblem(
                key_line,
                f"“{key}”写了两次（第 {mapping[key].line} 行已经有了）。",
                "删除其中一行，只保留正确的那一个。",
            )
        value = _convert(value_node, first_line, seen, key_line)
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


def read_bytes(path: Path, shown: str, problems: Problems) -> bytes | None:
    """A file's bytes, or None with the reason in the author's words (a dangling link, no permission)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        reason, fix = "文件不存在（可能是指向别处的快捷方式或链接已失效）", "删除这个链接，或把真正的文件放到这里。"
    except PermissionError:
        reason, fix = "没有读取这个文件的权限", "修改文件权限（例如 chmod a+r），或以有权限的用户运行构建。"
    except IsADirectoryError:
        reason, fix = "这是一个文件夹，不是文件", "给文件夹改一个不以 .md 或 .yaml 结尾的名字。"
    except OSError as exc:
        reason, fix = f"无法读取文件（{exc.strerror}）", "检查文件是否存在、是否有读取权限。"
    problems.error(shown, 0, reason + "。", fix)
    return None


def read_yaml_file(path: Path, shown: str, problems: Problems, empty: tuple[str, str]) -> YamlValue | None:
    """A YAML file that must be a mapping (site.yaml, a 年度报告) → its tree, or None after a
    problem; `empty` is the (message, fix) for a file that is empty or no mapping."""
    data = read_bytes(path, shown, problems)
    text = decode(data, shown, problems) if data is not None else None
    if text is None:
        return None
    try:
        root = parse_yaml(text)
    except YamlProblem as exc:
        problems.error(shown, exc.line, exc.message, exc.fix)
        return None
    if root is None or root.kind != "mapping":
        problems.error(shown, 1, *empty)
        return None
    return root


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


def read_source(path: Path, rel: str, shown: str, problems: Problems, data: bytes | None = None) -> SourceFile | None:
    """One file (or its bytes `data`, already read) → SourceFile, or None with the reason in `problems`."""
    if data is None:
        data = read_bytes(path, shown, problems)
    if data is None:
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
        if front is None:
            what = "front matter 是空的：两行 --- 之间没有内容。"
        elif front.kind == "list":
            what = "front matter 写成了列表（以 - 开头的行），应该是逐行的“键: 值”。"
        else:
            mistake = next(filter(None, map(_line_mistake, yaml_text.split("\n"))), "")
            what = f"front matter 只有一段文字“{_clip(front.value)}”，应该是逐行的“键: 值”" + (f"：{mistake}。" if mistake else "。")
        problems.error(
            shown,
            yaml_line,
            what,
            "在两行 --- 之间逐行写 title: …、category: …、issuer: …、date: …（英文冒号后加一个空格）。",
        )
        return None
    return SourceFile(path, rel, shown, front.value, body, body_line)


def _clip(text: str | None, limit: int = 30) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "……"


def content_files(content: Path) -> list[Path]:
    """Every Markdown document under content/, sorted, skipping hidden folders and READMEs, and files
    and folders whose names start with `_` (the 指南's section, the 年度报告 in _reports/)."""
    return [path for _, path in content_sources(content)]


def content_sources(content: Path) -> list[tuple[str, Path]]:
    """(path relative to content/ with /, the file) of every document, sorted by the former (which
    `read_source` takes as the document's identity once NFC-normalised)."""
    found = []
    for root, dirs, files in os.walk(content):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        folder = os.path.relpath(root, content).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        here = Path(root)
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith((".", "_")) and name.upper() != "README.MD":
                found.append((prefix + name, here / name))
    found.sort(key=lambda item: item[0])
    return found


def shown_path(path: Path) -> str:
    """A path as messages print it: relative to the working directory when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@lru_cache(maxsize=8)
def _resolved(content: str, cwd: str) -> tuple[str, str]:
    return str(Path(content).resolve()) + os.sep, str(Path(cwd).resolve()) + os.sep


def shown_content_path(content: Path, path: Path) -> str:
    """`shown_path(path)` for a file `content_files` found, without resolving each one's folders
    again (a tenth of a millisecond a file): only the file itself may be a link."""
    if path.is_symlink():
        return shown_path(path)
    base, cwd = _resolved(str(content), os.getcwd())
    full = base + os.path.relpath(path, content)
    return Path(full[len(cwd) :]).as_posix() if full.startswith(cwd) else path.as_posix()


def source_file(content: Path, path: Path, problems: Problems, data: bytes | None = None) -> SourceFile | None:
    """The document at `path` (a file under `content`; `data`: its bytes, already read), or None
    with the reason in `problems`."""
    rel = unicodedata.normalize("NFC", path.relative_to(content).as_posix())
    return read_source(path, rel, shown_content_path(content, path), problems, data)


CHANGED_DURING_BUILD = "文件在构建过程中被修改了。"
"""The build read the file twice and found other bytes the second time (`govsite serve` builds again
instead of showing it)."""


def read_body(path: Path, shown: str, digest: bytes, problems: Problems) -> str | None:
    """The body of a document read before, whose bytes had the sha256 `digest`; None (with a
    problem) when the file has changed since."""
    data = read_bytes(path, shown, problems)
    if data is None:
        return None
    if hashlib.sha256(data).digest() != digest:
        problems.error(shown, 0, CHANGED_DURING_BUILD, "保存完所有文件后重新构建。")
        return None
    text = decode(data, shown, problems)
    parts = split_front_matter(text, shown, problems) if text is not None else None
    return parts[2] if parts is not None else None


def read_sources(content: Path, problems: Problems) -> list[SourceFile]:
    sources = []
    for path in content_files(content):
        source = source_file(content, path, problems)
        if source is not None:
            sources.append(source)
    return sources
