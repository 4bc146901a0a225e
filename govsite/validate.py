"""Front matter → Document: one parser per key in the FIELDS table; pure per file."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .model import Attachment, Document, SiteConfig, SourceFile, YamlValue
from .problems import Problems, nearest


class FieldError(Exception):
    """A value that cannot be used; carries the message and the fix for the author."""

    def __init__(self, message: str, fix: str, line: int | None = None):
        super().__init__(message)
        self.message, self.fix, self.line = message, fix, line


@dataclass(frozen=True)
class Context:
    """What a field parser may look at besides the value itself."""

    source: SourceFile
    config: SiteConfig
    content: Path


Parser = Callable[[str, YamlValue, Context], Any]


def _scalar(key: str, value: YamlValue, what: str) -> str:
    if value.kind != "scalar":
        shape = "列表" if value.kind == "list" else "键值（冒号后又分了几行）"
        raise FieldError(f"“{key}”应该是{what}，但这里写成了{shape}。", f"把它写在同一行：{key}: \"…\"。")
    return (value.value or "").strip()


def text(key: str, value: YamlValue, ctx: Context) -> str:
    result = _scalar(key, value, "一段文字")
    if not result:
        raise FieldError(f"“{key}”是空的。", f"在 {key}: 后面填写内容，或删除这一行。")
    return result


def title_text(key: str, value: YamlValue, ctx: Context) -> str:
    return " ".join(text(key, value, ctx).split())


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_LOOSE_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def date(key: str, value: YamlValue, ctx: Context) -> dt.date:
    raw = unicodedata.normalize("NFKC", _scalar(key, value, "一个日期"))
    form = "年-月-日，月和日都写两位，例如 2024-05-01"
    match = _DATE_RE.match(raw)
    loose = match or _LOOSE_DATE_RE.match(raw)
    if not loose:
        raise FieldError(f"“{key}”（{raw or '空'}）不是日期，应写成{form}。", f"改成 {key}: 2024-05-01 这样的具体日期。")
    year, month, day = (int(part) for part in loose.groups())
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            wrong = f"{year}年{month}月没有{day}日"
        else:
            wrong = f"没有{month}月"
        raise FieldError(f"“{key}”（{raw}）是不存在的日期：{wrong}。", f"核对原件，改成正确的日期（{form}）。")
    if not match:
        raise FieldError(f"“{key}”（{raw}）的写法不对：日期要写成{form}。", f"写成 {key}: {parsed.isoformat()}。")
    return parsed


def text_list(key: str, value: YamlValue, ctx: Context) -> tuple[str, ...]:
    if value.kind == "scalar":
        raw = (value.value or "").strip()
        return tuple(part for part in re.split(r"[,，、;；]\s*", raw) if part)
    if value.kind != "list":
        raise FieldError(f"“{key}”应该是一个列表。", f"每项一行，写成：\n    {key}:\n      - \"…\"")
    items = []
    for item in value.value:
        if item.kind != "scalar" or not (item.value or "").strip():
            raise FieldError(f"“{key}”中有一项不是文字。", "每项写成 - \"…\"。", item.line)
        items.append(item.value.strip())
    return tuple(items)


def category(key: str, value: YamlValue, ctx: Context) -> str:
    raw = text(key, value, ctx)
    path = "/".join(part.strip() for part in raw.strip("/").split("/"))
    if path in ctx.config.categories_by_key:
        return path
    keys = list(ctx.config.categories_by_key)
    # a bare leaf name is a common shortcut: point to its full path
    full = [k for k in keys if k.split("/")[-1] == path]
    if len(full) == 1:
        hint, example = f"应写完整路径“{full[0]}”。", full[0]
    elif full:
        hint, example = f"有 {len(full)} 个栏目都叫“{path}”：{'、'.join(full)}，请写完整路径。", full[0]
    else:
        example = nearest(path, keys) or ""
        hint = f"是不是“{example}”？" if example else ""
    fix = "从 site.yaml 的 categories 中选一个栏目，用 / 连接各级名称"
    fix += f"，例如 {key}: \"{example}\"。" if example else f"；可选的有：{'、'.join(keys)}。"
    raise FieldError(f"栏目“{raw}”不在 site.yaml 的 categories 中。{hint}", fix)


def issuer(key: str, value: YamlValue, ctx: Context) -> str:
    name = text(key, value, ctx)
    return _known_issuer("发布机构", name, ctx)


def _known_issuer(what: str, name: str, ctx: Context, line: int | None = None) -> str:
    if name in ctx.config.issuers_by_name:
        return name
    guess = nearest(name, ctx.config.issuers_by_name)
    raise FieldError(
        f"{what}“{name}”不在 site.yaml 的 issuers 中。" + (f"是不是“{guess}”？" if guess else ""),
        (f"改成“{guess}”，或其他 issuers 中的机构全称" if guess else "改成 issuers 中的机构全称")
        + "；如果这是新的机构，先把它加到 site.yaml 的 issuers 列表中。",
        line,
    )


def issuer_list(key: str, value: YamlValue, ctx: Context) -> tuple[str, ...]:
    """联合发文机关: each must be a known issuer; the message points at the wrong item's line."""
    if value.kind != "list":
        return tuple(_known_issuer("联合发文机关", name, ctx) for name in text_list(key, value, ctx))
    text_list(key, value, ctx)  # every item is text
    return tuple(_known_issuer("联合发文机关", item.value.strip(), ctx, item.line) for item in value.value)


VALIDITY_CHOICES = ("失效", "废止")


def validity(key: str, value: YamlValue, ctx: Context) -> str | None:
    raw = text(key, value, ctx)
    if raw == "有效":
        return None  # the default; nothing to override
    if raw in VALIDITY_CHOICES:
        return raw
    raise FieldError(
        f"“{key}”只能是“失效”或“废止”，这里写的是“{raw}”。",
        "文件到期失效请用 expiry: 日期（会自动显示“失效”）；已被明令废止写 validity: \"废止\"，并可用 repealed_by 写明废止它的文件。",
    )


def flag(key: str, value: YamlValue, ctx: Context) -> bool:
    raw = _scalar(key, value, "true 或 false").lower()
    if raw in ("true", "yes", "on", "是", "1"):
        return True
    if raw in ("false", "no", "off", "否", "0", ""):
        return False
    raise FieldError(f"“{key}”应为 true 或 false，这里写的是“{raw}”。", f"写成 {key}: true（草稿，不发布）或删除这一行。")


def url(key: str, value: YamlValue, ctx: Context) -> str:
    raw = text(key, value, ctx)
    if not re.match(r"^https?://[^\s/]+", raw):
        raise FieldError(f"“{key}”（{raw}）不是以 http:// 或 https:// 开头的网址。", "写完整的网址，或删除这一行。")
    return raw


def attachments(key: str, value: YamlValue, ctx: Context) -> tuple[Attachment, ...]:
    items = value.value if value.kind == "list" else [value]
    found = []
    example = f"{key}:\n      - path: \"files/附件1.pdf\"\n        title: \"附件1名称\""
    for item in items:
        if item.kind == "scalar" and item.value:
            rel_path, title = item.value.strip(), ""
        elif item.kind == "mapping" and "path" in item.value and item.value["path"].kind == "scalar":
            rel_path = (item.value["path"].value or "").strip()
            title_value = item.value.get("title")
            title = (title_value.value or "").strip() if title_value and title_value.kind == "scalar" else ""
        else:
            raise FieldError("附件应写明文件路径（path）和标题（title）。", f"写成：\n    {example}", item.line)
        source = (ctx.source.path.parent / rel_path).resolve()
        content = ctx.content.resolve()
        if content not in source.parents:
            raise FieldError(f"附件“{rel_path}”不在内容目录中。", "把附件放到内容目录里（例如文档旁边的 files/ 文件夹），再写相对路径。", item.line)
        if not source.is_file():
            raise FieldError(
                f"找不到附件“{rel_path}”（应在 {source.parent.relative_to(content).as_posix() or '.'}/ 中）。",
                "把附件文件放到这个位置，或改正路径（路径相对于这个 Markdown 文件所在的文件夹）。",
                item.line,
            )
        rel = unicodedata.normalize("NFC", source.relative_to(content).as_posix())
        kind = source.suffix.lstrip(".").upper() or "文件"
        found.append(Attachment(title or source.stem, source, rel, source.stat().st_size, kind))
    return tuple(found)


@dataclass(frozen=True)
class Field:
    parser: Parser
    required: bool = False
    attribute: str = ""
    """The Document attribute, when it differs from the key."""
    label: str = ""
    """What the key means in the author's words."""


FIELDS: dict[str, Field] = {
    "title": Field(title_text, True, label="标题"),
    "category": Field(category, True, label="栏目"),
    "issuer": Field(issuer, True, label="发布机构"),
    "date": Field(date, True, label="发布日期"),
    "expiry": Field(date, label="有效期至"),
    "validity": Field(validity, attribute="validity_override", label="有效性（失效 或 废止）"),
    "repealed_by": Field(text, label="废止它的文件"),
    "effective_date": Field(date, label="施行日期"),
    "written_date": Field(date, label="成文日期"),
    "doc_number": Field(text, label="文号"),
    "index_number": Field(text, label="索引号"),
    "summary": Field(text, label="内容概述"),
    "keywords": Field(text_list, label="主题词"),
    "co_issuers": Field(issuer_list, label="联合发文机关"),
    "attachments": Field(attachments, label="附件"),
    "interprets": Field(text, label="解读的文件"),
    "source_url": Field(url, label="原文链接"),
    "draft": Field(flag, label="草稿"),
}
"""Every front-matter key a document may have, with its parser (as Pelican's METADATA_PROCESSORS)."""


def _example(key: str, config: SiteConfig) -> str:
    """A value the author can copy for a missing required field, taken from this site's config."""
    if key == "category":
        leaves = [c.key for c in config.all_categories() if not c.children]
        return f"\"{leaves[0]}\"（site.yaml 中栏目的完整路径）" if leaves else "栏目路径"
    if key == "issuer":
        return f"\"{config.issuers[0].name}\"（site.yaml 的 issuers 之一）" if config.issuers else "发布机构"
    if key == "date":
        return "2024-05-01（发布日期）"
    return "\"关于……的通知\"（文件标题）"


def document_url(rel: str) -> str:
    """The page URL for a content path: stable, from the path only, never from the title.

    `zcwj/2024/qzf-5.md` → `zcwj/2024/qzf-5/`; `gsgg/a b/index.md` → `gsgg/a-b/`. ASCII letters
    are lowercased (servers differ on case); Chinese stays as it is (percent-encoded in links)."""
    parts = rel[: -len(".md")].split("/")
    if parts[-1].lower() == "index" and len(parts) > 1:
        parts = parts[:-1]
    cleaned = []
    for part in parts:
        part = unicodedata.normalize("NFC", part).lower()
        part = re.sub(r"[\s#?%&+'\"<>\\^`{|}]+", "-", part).strip("-.") or "-"
        cleaned.append(part)
    return "/".join(cleaned) + "/"


def validate_document(source: SourceFile, config: SiteConfig, content: Path, problems: Problems) -> Document | None:
    """Check every key (all of them, not stopping at the first) and build the Document."""
    ctx = Context(source, config, content)
    values: dict[str, Any] = {}
    ok = True
    front = source.front_matter
    for key, spec in FIELDS.items():
        value = front.get(key)
        if value is None or (value.kind == "scalar" and value.value is None):
            if spec.required:
                ok = False
                problems.error(
                    source.shown,
                    value.line if value else 1,
                    f"缺少必填字段“{key}”（{spec.label}）。" if value is None else f"必填字段“{key}”（{spec.label}）是空的。",
                    f"在 front matter 中写上 {key}: {_example(key, config)}。",
                )
            continue
        try:
            values[spec.attribute or key] = spec.parser(key, value, ctx)
        except FieldError as exc:
            ok = False
            problems.error(source.shown, exc.line or value.line, exc.message, exc.fix)
    for key, value in front.items():
        if key not in FIELDS:
            guess = nearest(key, FIELDS, cutoff=0.6)
            hint = f"是不是“{guess}”？" if guess else ""
            fix = f"把“{key}”改成“{guess}”。" if guess else f"可用的字段有：{'、'.join(FIELDS)}。"
            problems.warning(source.shown, value.line, f"未知字段“{key}”，将被忽略。{hint}", fix)
    if not ok:
        return None
    lines = {key: value.line for key, value in front.items()}
    if "expiry" in values and values["expiry"] < values["date"]:
        problems.error(
            source.shown,
            lines["expiry"],
            f"“expiry”（{values['expiry']}）早于“date”（{values['date']}）。",
            "改正其中一个日期；如果文件没有有效期，删除 expiry 这一行。",
        )
        return None
    if values.get("effective_date") and values.get("expiry") and values["expiry"] < values["effective_date"]:
        problems.error(
            source.shown,
            lines["expiry"],
            f"“expiry”（{values['expiry']}）早于“effective_date”（{values['effective_date']}）。",
            "改正其中一个日期。",
        )
        return None
    return Document(
        source=source.rel,
        shown=source.shown,
        url=document_url(source.rel),
        body=source.body,
        body_line=source.body_line,
        lines=lines,
        **values,
    )


def validate_documents(sources: list[SourceFile], config: SiteConfig, content: Path, problems: Problems) -> list[Document]:
    documents = []
    for source in sources:
        document = validate_document(source, config, content, problems)
        if document is not None:
            documents.append(document)
    return documents
