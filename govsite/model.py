"""The plain data the pipeline passes from stage to stage; each field says which stage fills it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .problems import Problem

if TYPE_CHECKING:
    from .statutory.annual_report import AnnualReports
    from .statutory.guide import Guide
    from .statutory.application import Application


@dataclass(frozen=True)
class YamlValue:
    """A front-matter or site.yaml value with the line it was written on.

    Scalars keep the author's text (`value` is a str, or None for an empty value) so that
    `index_number: 000123` keeps its zeros and `title: 2024` stays text; we parse each field
    ourselves instead of trusting YAML 1.1's guesses."""

    value: Any
    """str | None for scalars, list[YamlValue] for lists, dict[str, YamlValue] for mappings."""
    line: int
    """Line in the file, counted from 1 at the top of the file (not of the YAML block)."""
    kind: str = "scalar"
    """"scalar", "list" or "mapping"."""


@dataclass(frozen=True)
class Category:
    """One node of the catalogue tree in site.yaml."""

    name: str
    slug: str
    """ASCII path segment: the `slug` from site.yaml, else the name in pinyin."""
    names: tuple[str, ...]
    """Names from the root down to this node; their `/`-joined form is what documents write."""
    slugs: tuple[str, ...]
    children: tuple["Category", ...] = ()

    @property
    def key(self) -> str:
        return "/".join(self.names)

    @property
    def url(self) -> str:
        return "gk/" + "/".join(self.slugs) + "/"

    @property
    def depth(self) -> int:
        return len(self.names)

    def walk(self):
        """This node, then every descendant, depth first in site.yaml order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Issuer:
    name: str
    slug: str

    @property
    def url(self) -> str:
        return f"jigou/{self.slug}/"


@dataclass(frozen=True)
class Office:
    """The 政府信息公开工作机构 named on every page's footer and on the statutory pages."""

    name: str = ""
    address: str = ""
    postcode: str = ""
    hours: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""


@dataclass(frozen=True)
class GuideSettings:
    """site.yaml's `guide:` block: where complaints, 行政复议 and 行政诉讼 go (条例 art. 51).

    Empty names give the national wording (上一级行政机关、政府信息公开工作主管部门 …)."""

    organ: str = ""
    """The organ whose 指南 this is (its name heads the page); empty: the first of `issuers`."""
    supervisor: str = ""
    """政府信息公开工作主管部门 that hears complaints."""
    higher_organ: str = ""
    """上一级行政机关 that hears complaints."""
    reconsideration: str = ""
    """行政复议机关."""
    court: str = ""
    """The 人民法院 that hears 行政诉讼."""


@dataclass(frozen=True)
class ReportSettings:
    """site.yaml's `reports:` block, for the 政府信息公开工作年度报告."""

    deadline: tuple[int, int] = (3, 31)
    """(month, day) by which last year's report is due: 3-31 for a county government, 1-31 for a
    department (条例 art. 49)."""
    normative_category: str = ""
    """The category key of 行政规范性文件; empty: every category named 行政规范性文件."""


@dataclass(frozen=True)
class SiteConfig:
    """site.yaml, checked."""

    title: str
    base_url: str
    """Absolute, ending in `/`."""
    language: str
    org_code: str
    issuers: tuple[Issuer, ...]
    categories: tuple[Category, ...]
    """The roots of the tree."""
    notice: str = ""
    sponsor: str = ""
    site_id_code: str = ""
    icp: str = ""
    police_record: str = ""
    office: Office = Office()
    page_size: int = 20
    guide: GuideSettings = GuideSettings()
    reports: ReportSettings = ReportSettings()
    theme: Path | None = None
    """A theme folder whose templates and static files override the default theme's."""
    application: "Application | None" = None
    """The 依申请公开 page's settings (site.yaml `application:`, defaults filled in); set by config."""

    @property
    def base_path(self) -> str:
        """The path part of base_url ("/" or "/xxgk/"), the prefix of every internal link."""
        from urllib.parse import urlsplit

        return urlsplit(self.base_url).path or "/"

    @property
    def domain(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.base_url).netloc

    categories_by_key: dict[str, Category] = field(default_factory=dict, compare=False, repr=False)
    """Every node by its `/`-joined path of names; filled by config.load_site_config."""
    issuers_by_name: dict[str, Issuer] = field(default_factory=dict, compare=False, repr=False)

    def all_categories(self) -> list[Category]:
        return [node for root in self.categories for node in root.walk()]


@dataclass(frozen=True)
class SourceFile:
    """A Markdown file split into front matter and body; filled by `load.read_sources`."""

    path: Path
    rel: str
    """Path relative to the content folder, with `/`: the stable identity of a document."""
    shown: str
    """The path as messages print it (relative to where the build was started)."""
    front_matter: dict[str, YamlValue]
    body: str
    body_line: int
    """Line of the file on which the body starts, so Markdown problems can name a line."""


@dataclass(frozen=True)
class Attachment:
    title: str
    source: Path
    url: str
    """Output path relative to the site root, mirroring the content folder."""
    size: int
    kind: str
    """What a reader sees as the file type: PDF, DOCX, XLSX …"""


@dataclass(frozen=True)
class Link:
    url: str
    title: str


@dataclass(frozen=True)
class Validity:
    """The 有效性 label a reader sees, computed against the build's `--today`."""

    label: str
    """有效, 失效, 废止 or 尚未生效."""
    note: str = ""
    """Why, in a sentence: 已于2023-12-31到期 …"""
    repealed_by: Link | None = None

    @property
    def css(self) -> str:
        return {"有效": "valid", "失效": "expired", "废止": "repealed", "尚未生效": "pending"}[self.label]


@dataclass(frozen=True)
class Document:
    """One disclosed document; filled by `validate`, then completed by `resolve` and `markdown`."""

    source: str
    """SourceFile.rel."""
    shown: str
    url: str
    """Output URL relative to the site root, ending in `/`; derived from the file path only."""
    title: str
    category: str
    issuer: str
    date: dt.date
    """发布日期."""
    body: str
    body_line: int
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Front-matter key → line, for messages from later stages."""
    expiry: dt.date | None = None
    validity_override: str | None = None
    repealed_by: str = ""
    effective_date: dt.date | None = None
    written_date: dt.date | None = None
    doc_number: str = ""
    index_number: str = ""
    summary: str = ""
    keywords: tuple[str, ...] = ()
    co_issuers: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    interprets: str = ""
    source_url: str = ""
    draft: bool = False

    validity: Validity | None = None
    """Filled by resolve."""
    interprets_link: Link | None = None
    """Filled by resolve: the policy a 政策解读 explains."""
    interpreted_by: tuple[Link, ...] = ()
    """Filled by resolve: the 政策解读 that explain this document."""
    previous: Link | None = None
    """Filled by resolve: the older neighbour in the same category."""
    next: Link | None = None
    """Filled by resolve: the newer neighbour in the same category."""
    html: str = ""
    """The body as HTML; filled by `markdown.render_bodies`."""
    text: str = ""
    """The body as plain text (for descriptions, feeds and search); filled by `markdown.render_bodies`."""
    files: tuple[str, ...] = ()
    """Content-relative paths of files the body links to or shows; filled by `markdown.render_bodies`,
    copied by `build` for published documents only (a future document's files stay unpublished)."""
    excerpt: str = ""
    """The start of `text`, whitespace folded (`markdown.excerpt`): what descriptions, feeds and search
    fragments show. Filled by `markdown`; unlike `body`, `html` and `text`, the built Site keeps it."""

    @property
    def year(self) -> int:
        return self.date.year


def evolve(value, **changes):
    """`dataclasses.replace` for the frozen data classes here, 20 times faster (it calls no
    __init__: none of them has a __post_init__); the build makes 20,000 documents at a time."""
    new = object.__new__(type(value))
    object.__setattr__(new, "__dict__", {**value.__dict__, **changes})
    return new


@dataclass(frozen=True)
class NextChange:
    """The next date on which the site's output changes by itself (for a scheduled rebuild)."""

    date: dt.date
    reason: str


@dataclass(frozen=True)
class Site:
    """Everything the pages are made from; filled by `resolve.resolve_site`."""

    config: SiteConfig
    today: dt.date
    documents: tuple[Document, ...]
    """Published documents, newest first (then by URL)."""
    by_category: dict[str, tuple[Document, ...]]
    """Category key → its documents and its descendants' documents, newest first."""
    by_issuer: dict[str, tuple[Document, ...]]
    by_year: dict[int, tuple[Document, ...]]
    held_back: tuple[Document, ...] = ()
    """Documents dated after today: validated, not published."""
    drafts: tuple[Document, ...] = ()
    next_change: NextChange | None = None
    guide: Guide | None = None
    """The 政府信息公开指南; filled by `statutory.guide.read_guide`."""
    reports: AnnualReports | None = None
    """The 政府信息公开工作年度报告; filled by `statutory.annual_report.read_reports`."""


@dataclass(frozen=True)
class Page:
    """One HTML page as data: rendering it reads nothing but this."""

    url: str
    template: str
    context: dict[str, Any]
    inputs: tuple[str, ...] = ()
    """Sources the page depends on, so one edited document re-renders only its pages."""


@dataclass(frozen=True)
class OutputFile:
    path: str
    """Relative to the output folder, with `/`."""
    data: bytes | None = None
    source: Path | None = None
    """A file copied as it is (attachments, theme static files) instead of `data`."""


@dataclass(frozen=True)
class BuildResult:
    site: Site
    files: int
    pages: int
    feeds: int
    warnings: tuple[Problem, ...]
    seconds: float
    index_bytes: int = 0
    """Bytes of the static search index (build/search/), for the summary line."""
