"""site.yaml → SiteConfig; every missing or wrong key is a Problem naming the key and the fix."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit


from .load import read_yaml_file, shown_path
from .model import Category, GuideSettings, Issuer, Office, ReportSettings, SiteConfig, YamlValue
from .problems import Problems, did_you_mean
from .statutory.application import read_application

SITE_FILE = "site.yaml"

OPTIONAL_TEXT = {
    "language": "网站语言（zh-CN）",
    "org_code": "机构代码（索引号的前缀）",
    "notice": "全站提示（例如“本站为演示站点”）",
    "sponsor": "主办单位",
    "site_id_code": "网站标识码",
    "icp": "ICP备案号",
    "police_record": "公网安备案号",
}
"""Optional text keys and what they are; a missing footer key is a warning, not an error."""

FOOTER_KEYS = ("sponsor", "site_id_code", "icp", "police_record")

OFFICE_KEYS = {
    "name": "名称",
    "address": "地址",
    "postcode": "邮政编码",
    "hours": "办公时间",
    "phone": "电话",
    "fax": "传真",
    "email": "电子邮箱",
}

OFFICE_REQUIRED = ("name", "address", "hours", "phone", "fax", "email")
"""What art. 12 of the 条例 requires the 政府信息公开指南 to give about the office: a missing one is
an error, since the 指南 is always built (postcode is not in art. 12: a warning)."""

ART_12 = "《政府信息公开条例》第十二条要求政府信息公开指南载明"

GUIDE_KEYS = {
    "organ": "指南所属的机关",
    "supervisor": "政府信息公开工作主管部门",
    "higher_organ": "上一级行政机关",
    "reconsideration": "行政复议机关",
    "court": "受理行政诉讼的人民法院",
}

KNOWN_KEYS = {"title", "base_url", "issuers", "categories", "office", "page_size", "theme", "guide", "reports", *OPTIONAL_TEXT}
KNOWN_KEYS.add("application")  # the 依申请公开 page: govsite/statutory/application.py


SLUGS: dict[str, str] = {}
"""Name → the slug `slugify` made of it. pypinyin's dictionaries take 55 MB and a third of a
second to load: they are loaded only for a name not met before (the build cache keeps this)."""


def slugify(name: str) -> str:
    """A lowercase ASCII path segment for a Chinese name, in pinyin: 县财政局 → xiancaizhengju.

    Full pinyin rather than initials, so that adding a sibling never changes an existing URL."""
    if name in SLUGS:
        return SLUGS[name]
    from pypinyin import lazy_pinyin

    text = "".join(lazy_pinyin(unicodedata.normalize("NFKC", name), errors=lambda chars: list(chars)))
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    SLUGS[name] = text
    return text


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def load_site_config(content: Path, problems: Problems, project_root: Path | None = None) -> SiteConfig | None:
    """Read content/site.yaml; None (with problems) when it cannot give a usable config."""
    path = content / SITE_FILE
    shown = shown_path(path)
    if not path.is_file():
        problems.error(
            shown,
            0,
            f"找不到网站配置文件 {SITE_FILE}。",
            f"在内容目录 {shown_path(content)} 中创建 {SITE_FILE}，至少写上 title、base_url、issuers 和 categories"
            "（可复制示例站点 content/site.yaml 修改）。",
        )
        return None
    root = read_yaml_file(path, shown, problems, (f"{SITE_FILE} 是空的，或者不是“键: 值”的形式。", "至少写上 title、base_url、issuers 和 categories。"))
    if root is None:
        return None
    data: dict[str, YamlValue] = root.value
    reader = _Reader(shown, problems)

    for key, value in data.items():
        if key not in KNOWN_KEYS:
            problems.warning(
                shown, value.line, f"未知的配置项“{key}”，将被忽略。{did_you_mean(key, KNOWN_KEYS)}", "检查拼写，或删除这一行。"
            )

    title = reader.text(data, "title", "网站名称，例如 title: \"青山县人民政府信息公开\"")
    base_url = reader.text(data, "base_url", "网站地址，例如 base_url: \"https://xxgk.example.gov.cn/\"")
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.error(
                shown,
                data["base_url"].line,
                f"base_url（{base_url}）不是完整的网址。",
                "写成以 https:// 开头的完整地址，例如 \"https://xxgk.example.gov.cn/\"。",
            )
            base_url = ""
        elif not base_url.endswith("/"):
            base_url += "/"
    issuers = _issuers(data, reader)
    categories = _categories(data, reader)

    optional = {key: reader.text(data, key, desc, required=False) for key, desc in OPTIONAL_TEXT.items()}
    for key in FOOTER_KEYS:
        if not optional[key] and key not in data:
            problems.warning(
                shown, 0, f"没有设置 {key}（{OPTIONAL_TEXT[key]}），页脚中将不显示这一项。", f"在 {SITE_FILE} 中加上 {key}: \"…\"。"
            )
    office = _office(data, reader)
    guide = _guide(data, reader)
    page_size = _page_size(data, reader)
    application = read_application(data, reader, office, issuers, project_root if project_root is not None else content.parent)
    theme = None
    if "theme" in data:
        theme_text = reader.text(data, "theme", "主题目录", required=False)
        if theme_text:
            base = project_root if project_root is not None else content.parent
            theme = (base / theme_text).resolve()
            if not (theme / "templates").is_dir() and not (theme / "static").is_dir():
                problems.error(
                    shown,
                    data["theme"].line,
                    f"主题目录“{theme_text}”不存在，或其中没有 templates/ 或 static/ 文件夹。",
                    f"theme 的路径相对于 {shown_path(base)}；检查拼写，或删除 theme 这一行使用默认主题。",
                )
                theme = None
    if not (title and base_url and issuers and categories):
        return None
    config = SiteConfig(
        title=title,
        base_url=base_url,
        language=optional["language"] or "zh-CN",
        org_code=optional["org_code"],
        issuers=tuple(issuers),
        categories=tuple(categories),
        notice=optional["notice"],
        sponsor=optional["sponsor"],
        site_id_code=optional["site_id_code"],
        icp=optional["icp"],
        police_record=optional["police_record"],
        office=office,
        page_size=page_size,
        guide=guide,
        reports=_reports(data, reader, categories),
        theme=theme,
        application=application,
    )
    return replace(
        config,
        categories_by_key={c.key: c for c in config.all_categories()},
        issuers_by_name={i.name: i for i in issuers},
    )


class _Reader:
    """Reads typed values out of site.yaml, reporting each problem against its line."""

    def __init__(self, shown: str, problems: Problems):
        self.shown, self.problems = shown, problems

    def text(self, data: dict[str, YamlValue], key: str, what: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None or value.value is None:
            if required:
                line = value.line if value else 0
                self.problems.error(self.shown, line, f"缺少必填项 {key}（{what.split('，')[0]}）。", f"在 {SITE_FILE} 中加上{what}。")
            return ""
        if value.kind != "scalar":
            self.problems.error(self.shown, value.line, f"{key} 应该是一段文字，而不是列表或键值。", f"写成 {key}: \"…\"。")
            return ""
        return value.value.strip()

    def error(self, line: int, message: str, fix: str) -> None:
        self.problems.error(self.shown, line, message, fix)


def _issuers(data: dict[str, YamlValue], reader: _Reader) -> list[Issuer]:
    value = data.get("issuers")
    example = "issuers:\n      - \"青山县人民政府\"\n      - \"青山县财政局\""
    if value is None or value.kind != "list" or not value.value:
        reader.error(value.line if value else 0, _list_problem("issuers", "发布机构名单", value), f"在 {SITE_FILE} 中写上：\n    {example}")
        return []
    issuers: list[Issuer] = []
    seen: dict[str, str] = {}
    for item in value.value:
        name, slug = "", ""
        if item.kind == "scalar" and item.value:
            name = item.value.strip()
        elif item.kind == "mapping" and "name" in item.value and item.value["name"].kind == "scalar":
            name = (item.value["name"].value or "").strip()
            if "slug" in item.value:
                slug = (item.value["slug"].value or "").strip()
        if not name:
            reader.error(item.line, "issuers 中有一项不是机构名称。", "每一项写成 - \"机构全称\"，或 - name: \"机构全称\" 加 slug: \"ascii-name\"。")
            continue
        if any(i.name == name for i in issuers):
            reader.error(item.line, f"发布机构“{name}”在 issuers 中写了两次。", "删除重复的一项。")
            continue
        if slug and not SLUG_RE.match(slug):
            reader.error(item.line, f"slug“{slug}”只能用小写英文字母、数字和 - 。", "例如 slug: \"czj\"。")
            slug = ""
        slug = slug or slugify(name)
        if slug in seen:
            reader.error(
                item.line,
                f"发布机构“{name}”和“{seen[slug]}”的网址（jigou/{slug}/）相同。",
                f"把这一项写成 - name: \"{name}\" 和 slug: \"另一个英文名\"。",
            )
            continue
        seen[slug] = name
        issuers.append(Issuer(name, slug))
    return issuers


def _list_problem(key: str, what: str, value: YamlValue | None) -> str:
    """Why a required list is unusable: missing, empty, or written as something else."""
    if value is None:
        return f"缺少 {key}（{what}）。"
    if value.value is None or value.kind == "list":
        return f"{key}（{what}）下面没有任何一项。"
    if value.kind == "mapping":
        return f"{key}（{what}）写成了“键: 值”，应该是列表：每一项单独一行，以 - 开头。"
    return f"{key}（{what}）写成了一段文字“{value.value}”，应该是列表：每一项单独一行，以 - 开头。"


def _categories(data: dict[str, YamlValue], reader: _Reader) -> list[Category]:
    value = data.get("categories")
    example = "categories:\n      - name: \"政策文件\"\n        slug: \"zcwj\"\n        children:\n          - name: \"县政府文件\""
    if value is None or value.kind != "list" or not value.value:
        reader.error(value.line if value else 0, _list_problem("categories", "政府信息公开目录的栏目", value), f"在 {SITE_FILE} 中写上：\n    {example}")
        return []
    return _category_nodes(value.value, (), (), reader)


def _category_nodes(items: list[YamlValue], names: tuple, slugs: tuple, reader: _Reader) -> list[Category]:
    nodes: list[Category] = []
    seen_slugs: dict[str, str] = {}
    for item in items:
        if item.kind == "scalar" and item.value:
            fields = {"name": item}
        elif item.kind == "mapping":
            fields = item.value
        else:
            reader.error(item.line, "栏目应写成 - name: \"栏目名称\"。", "每个栏目至少要有 name，可选 slug 和 children。")
            continue
        name_value = fields.get("name")
        name = (name_value.value or "").strip() if name_value and name_value.kind == "scalar" else ""
        if not name:
            reader.error(item.line, "栏目缺少 name（栏目名称）。", "加上 name: \"栏目名称\"。")
            continue
        if "/" in name:
            reader.error(
                name_value.line,
                f"栏目名称“{name}”中含有 /，而 / 用来分隔栏目路径。",
                "把 / 改成顿号“、”，例如“行政处罚、行政强制”。",
            )
            continue
        for key in fields:
            if key not in ("name", "slug", "children"):
                reader.problems.warning(
                    reader.shown, fields[key].line, f"栏目“{name}”中有未知的键“{key}”，将被忽略。", "栏目只能有 name、slug 和 children。"
                )
        if any(n.name == name for n in nodes):
            reader.error(item.line, f"栏目“{name}”在同一层写了两次。", "删除重复的栏目，或改名。")
            continue
        slug = ""
        if "slug" in fields:
            slug = (fields["slug"].value or "").strip() if fields["slug"].kind == "scalar" else ""
            if not SLUG_RE.match(slug):
                reader.error(
                    fields["slug"].line,
                    f"栏目“{name}”的 slug“{slug}”只能用小写英文字母、数字和 - 。",
                    "例如 slug: \"zcwj\"；或删除 slug，由栏目名称的拼音生成。",
                )
                slug = ""
        slug = slug or slugify(name) or "lanmu"
        if slug in seen_slugs:
            reader.error(
                item.line,
                f"栏目“{name}”和“{seen_slugs[slug]}”的网址（{slug}）相同。",
                f"给其中一个加上不同的 slug，例如 slug: \"{slug}2\"。",
            )
            continue
        seen_slugs[slug] = name
        children: list[Category] = []
        if "children" in fields:
            kids = fields["children"]
            if kids.kind != "list":
                reader.error(kids.line, f"栏目“{name}”的 children 应该是子栏目的列表。", "每个子栏目一行，写成 - name: \"子栏目名称\"。")
            else:
                children = _category_nodes(kids.value, names + (name,), slugs + (slug,), reader)
        nodes.append(Category(name, slug, names + (name,), slugs + (slug,), tuple(children)))
    return nodes


def _office(data: dict[str, YamlValue], reader: _Reader, block: str = "office") -> Office:
    """The office block; `block` is its dotted name in messages (application.office reuses this)."""
    value = data.get(block.rpartition(".")[2])
    if value is None or value.kind != "mapping":
        if value is not None:
            reader.error(value.line, f"{block} 应该是政府信息公开工作机构的各项信息。", f"写成 {block}: 下面缩进 name、address、phone 等。")
        else:
            reader.error(
                0,
                f"没有设置 office（政府信息公开工作机构）：{ART_12}它的名称、办公地址、办公时间、联系电话、传真号码和电子邮箱。",
                f"在 {SITE_FILE} 中加上 office: 并在下面缩进写 name、address、postcode、hours、phone、fax、email。",
            )
        return Office()
    fields = value.value
    values = {}
    for key, what in OFFICE_KEYS.items():
        item = fields.get(key)
        if item is None or item.value is None or (item.kind == "scalar" and not item.value.strip()):
            if key in OFFICE_REQUIRED and block == "office":
                reader.error(
                    item.line if item else value.line,
                    f"office 中没有 {key}（{what}）：{ART_12}这一项。",
                    f"在 office: 下加上 {key}: \"…\"。",
                )
            else:
                reader.problems.warning(
                    reader.shown, value.line, f"{block} 中没有 {key}（{what}），页面中将不显示这一项。", f"在 {block}: 下加上 {key}: \"…\"。"
                )
            values[key] = ""
        elif item.kind != "scalar":
            reader.error(item.line, f"{block} 中的 {key}（{what}）应该是一段文字。", f"写成 {key}: \"…\"。")
            values[key] = ""
        else:
            values[key] = item.value.strip()
    for key in fields:
        if key not in OFFICE_KEYS:
            reader.problems.warning(
                reader.shown, fields[key].line, f"{block} 中有未知的键“{key}”，将被忽略。{did_you_mean(key, OFFICE_KEYS)}", "检查拼写。"
            )
    return Office(**values)


def _settings(data: dict[str, YamlValue], reader: _Reader, key: str, known: dict[str, str], what: str) -> dict[str, YamlValue]:
    """An optional block of settings (guide:, reports:): its keys, an unknown one a warning."""
    value = data.get(key)
    if value is None or value.value is None:
        return {}
    if value.kind != "mapping":
        reader.error(value.line, f"{key} 应该是{what}的各项设置。", f"写成 {key}: 下面缩进 {'、'.join(known)}。")
        return {}
    for name, item in value.value.items():
        if name not in known:
            reader.problems.warning(
                reader.shown, item.line, f"{key} 中有未知的键“{name}”，将被忽略。{did_you_mean(name, known)}", f"{key} 中可写：{'、'.join(known)}。"
            )
    return value.value


def _guide(data: dict[str, YamlValue], reader: _Reader) -> GuideSettings:
    """The organs the 指南 names for complaints, 行政复议 and 行政诉讼; all optional."""
    fields = _settings(data, reader, "guide", GUIDE_KEYS, "政府信息公开指南")
    return GuideSettings(**{key: reader.text(fields, key, what, required=False) for key, what in GUIDE_KEYS.items()})


REPORT_KEYS = {"deadline": "公布期限", "normative_category": "行政规范性文件所在的栏目"}


def _reports(data: dict[str, YamlValue], reader: _Reader, categories: list[Category]) -> ReportSettings:
    """When last year's 年度报告 is due, and which category holds the 行政规范性文件 it counts."""
    fields = _settings(data, reader, "reports", REPORT_KEYS, "年度报告")
    settings = ReportSettings()
    deadline = reader.text(fields, "deadline", REPORT_KEYS["deadline"], required=False)
    if deadline:
        match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", deadline)
        try:
            month, day = (int(match[1]), int(match[2])) if match else (0, 0)
            dt.date(2001, month, day)  # not a leap year: 02-29 would be due only every fourth year
            settings = replace(settings, deadline=(month, day))
        except ValueError:
            reader.error(
                fields["deadline"].line,
                f"reports 中的 deadline（{deadline}）不是“月-日”形式的日期。",
                "写成 deadline: \"03-31\"（县级人民政府，条例第四十九条）或 \"01-31\"（县级人民政府部门）。",
            )
    category = reader.text(fields, "normative_category", REPORT_KEYS["normative_category"], required=False)
    if category:
        keys = [node.key for root in categories for node in root.walk()]
        if category in keys:
            settings = replace(settings, normative_category=category)
        else:
            reader.error(
                fields["normative_category"].line,
                f"reports 中的 normative_category（{category}）不是 categories 中的栏目。{did_you_mean(category, keys)}",
                "写栏目的完整路径，各级名称用 / 连接，例如 \"政策文件/行政规范性文件\"。",
            )
    return settings


def _page_size(data: dict[str, YamlValue], reader: _Reader) -> int:
    value = data.get("page_size")
    if value is None or value.value is None:
        return 20
    text = value.value if value.kind == "scalar" else ""
    if not text.isdigit() or not 5 <= int(text) <= 200:
        reader.error(value.line, f"page_size（{text}）应该是 5 到 200 之间的整数。", "例如 page_size: 20。")
        return 20
    return int(text)
