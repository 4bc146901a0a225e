"""Facts that need every document: references, duplicates, validity on --today, groupings, neighbours."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import unicodedata
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache

from .model import Document, Link, NextChange, Site, SiteConfig, Validity, evolve
from .problems import Problems, nearest

RESERVED_TOP = {"gk", "jigou", "nian", "static", "search", "feed.xml", "sitemap.xml", "robots.txt", "404.html", "gkzn", "ndbg", "ysqgk"}
"""First URL segments the generated pages use; a content folder of that name would collide."""

_BRACKETS = str.maketrans({"［": "〔", "］": "〕", "[": "〔", "]": "〕", "【": "〔", "】": "〕", "﹝": "〔", "﹞": "〕",
                           "(": "〔", ")": "〕", "（": "〔", "）": "〕", "〖": "〔", "〗": "〕"})


@lru_cache(maxsize=None)
def normalise_number(text: str) -> str:
    """A 文号 or 索引号 in one canonical spelling: full-width folded, brackets unified, no spaces.

    Real data writes 〔〕, [], 【】 and ﹝﹞ for the same number (shared/corpora/README.md). Kept per
    text: the duplicate check and the reference index both ask for every 文号 and 索引号."""
    if not unicodedata.is_normalized("NFKC", text):  # (the check is 20 times faster than NFKC itself)
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.translate(_BRACKETS).split())  # str.split's whitespace is re's \s


def newest_first(document: Document) -> tuple:
    """Sort key: newest date first, then URL, so equal dates never swap between builds."""
    return (-document.date.toordinal(), document.url)


def resolve_site(documents: list[Document], config: SiteConfig, today: dt.date, problems: Problems) -> Site:
    drafts = tuple(d for d in documents if d.draft)
    candidates = [d for d in documents if not d.draft]
    _check_unique(candidates, problems)
    published = [d for d in candidates if d.date <= today]
    held_back = tuple(sorted((d for d in candidates if d.date > today), key=lambda d: (d.date, d.url)))
    references = _ReferenceIndex(candidates, {d.source for d in published})

    resolved: dict[str, Document] = {}
    interpreted_by: dict[str, list[Link]] = defaultdict(list)
    neighbours = _neighbours(published)
    for document in published:
        repealed_link = None
        if document.repealed_by:
            target = references.find(document, "repealed_by", document.repealed_by, problems)
            repealed_link = references.link(target) if target else None
        interprets_link = None
        if document.interprets:
            target = references.find(document, "interprets", document.interprets, problems)
            if target is not None:
                interprets_link = references.link(target)
                if interprets_link is not None:
                    interpreted_by[target.source].append(Link(document.url, document.title))
        previous, newer = neighbours[document.source]
        resolved[document.source] = evolve(  # (dataclasses.replace, 20 times faster: 20,000 documents)
            document,
            validity=compute_validity(document, today, repealed_link),
            interprets_link=interprets_link,
            previous=previous,
            next=newer,
        )
    for document in held_back:
        # checked today, so that a typo fails this build and not the unattended one on its publication day
        for key in ("repealed_by", "interprets"):
            if getattr(document, key):
                references.find(document, key, getattr(document, key), problems)
    for source, links in interpreted_by.items():
        resolved[source] = replace(resolved[source], interpreted_by=tuple(sorted(links, key=lambda l: l.url)))

    ordered = tuple(sorted(resolved.values(), key=newest_first))
    return Site(
        config=config,
        today=today,
        documents=ordered,
        by_category=_by_category(ordered, config),
        by_issuer=_by_issuer(ordered, config),
        by_year=_by_year(ordered),
        held_back=held_back,
        drafts=drafts,
        next_change=next_change(ordered, held_back, today),
    )


def compute_validity(document: Document, today: dt.date, repealed_by: Link | None) -> Validity:
    """有效 / 失效 / 废止 / 尚未生效 on `today`; an explicit `validity` wins over dates."""
    override = document.validity_override
    if override == "废止" or (document.repealed_by and override is None):
        note = f"已被{document.repealed_by}废止" if document.repealed_by else "已废止"
        return Validity("废止", note, repealed_by)
    if override == "失效":
        return Validity("失效", "已宣布失效", repealed_by)
    if document.expiry and document.expiry < today:
        return Validity("失效", f"有效期至{document.expiry.isoformat()}，已过期")
    if document.effective_date and document.effective_date > today:
        return Validity("尚未生效", f"自{document.effective_date.isoformat()}起施行")
    if document.expiry:
        return Validity("有效", f"有效期至{document.expiry.isoformat()}")
    return Validity("有效")


def next_change(documents: tuple[Document, ...], held_back: tuple[Document, ...], today: dt.date) -> NextChange | None:
    """The first day after `today` on which a rebuild would publish something different."""
    changes: list[tuple[dt.date, str]] = []
    for document in held_back:
        changes.append((document.date, f"《{document.title}》到发布日期"))
    for document in documents:
        if document.validity_override is None and not document.repealed_by:
            if document.expiry and document.expiry >= today:
                changes.append((document.expiry + dt.timedelta(days=1), f"《{document.title}》失效"))
            if document.effective_date and document.effective_date > today:
                changes.append((document.effective_date, f"《{document.title}》开始施行"))
    if not changes:
        return None
    first = min(changes)
    same_day = sorted(reason for day, reason in changes if day == first[0])
    reason = same_day[0] + (f" 等 {len(same_day)} 项" if len(same_day) > 1 else "")
    return NextChange(first[0], reason)


def _check_unique(documents: list[Document], problems: Problems) -> None:
    """Two documents may share neither an output URL nor an 索引号; every file involved is named."""
    by_url: dict[str, list[Document]] = defaultdict(list)
    by_index: dict[str, list[Document]] = defaultdict(list)
    for document in documents:
        by_url[document.url].append(document)
        if document.index_number:
            by_index[normalise_number(document.index_number)].append(document)
        top = document.url.split("/")[0]
        if top in RESERVED_TOP:
            problems.error(
                document.shown,
                0,
                f"文件所在的文件夹“{top}/”与网站自动生成的页面（目录、机构、年份、订阅等）同名，网址会冲突。",
                f"把文件移到别的文件夹，不要使用这些名称作为内容目录下的第一级文件夹：{'、'.join(sorted(RESERVED_TOP))}。",
            )
    for url, group in by_url.items():
        if len(group) > 1:
            names = "、".join(d.shown for d in group)
            for document in group:
                problems.error(
                    document.shown,
                    0,
                    f"{len(group)} 个文件会生成同一个网址 /{url}：{names}。",
                    "网址由文件路径决定（不区分英文大小写，空格视同 -）；给其中一个文件改名。",
                )
    for number, group in by_index.items():
        if len(group) > 1:
            names = "、".join(d.shown for d in group)
            for document in group:
                problems.error(
                    document.shown,
                    document.lines.get("index_number", 0),
                    f"索引号“{document.index_number}”重复，共 {len(group)} 个文件使用：{names}。",
                    "索引号必须唯一且发布后不再改变；给新文件分配一个新的序号。",
                )


class _ReferenceIndex:
    """Finds the document a `repealed_by` or `interprets` value names: by 文号, 索引号 or path."""

    def __init__(self, documents: list[Document], published: set[str]):
        self.published = published
        self.by_number: dict[str, list[Document]] = defaultdict(list)
        self.by_source: dict[str, Document] = {}
        for document in documents:
            self.by_source[document.source] = document
            self.by_source[document.source[: -len(".md")]] = document
            for number in {document.doc_number, document.index_number} - {""}:
                self.by_number[normalise_number(number)].append(document)

    def find(self, document: Document, key: str, value: str, problems: Problems) -> Document | None:
        line = document.lines.get(key, 0)
        matches = self.by_number.get(normalise_number(value), [])
        if len(matches) > 1:
            problems.error(
                document.shown,
                line,
                f"“{key}”（{value}）对应多个文件：{'、'.join(d.shown for d in matches)}。",
                "改写成目标文件的路径（相对于内容目录，例如 zcwj/2024/qzf-2024-5.md）。",
            )
            return None
        if matches:
            return matches[0]
        for candidate in (
            posixpath.normpath(posixpath.join(posixpath.dirname(document.source), value)),
            value.strip("/"),
        ):
            if candidate in self.by_source:
                return self.by_source[candidate]
        if re.match(r"^https?://", value):
            return None  # an outside document: shown as text
        known = [n for d in self.by_source.values() for n in (d.doc_number, d.index_number) if n]
        guess = nearest(value, known)
        problems.error(
            document.shown,
            line,
            f"“{key}”（{value}）找不到对应的文件。" + (f"是不是“{guess}”？" if guess else ""),
            "写本站另一份文件的文号、索引号或路径（相对于内容目录）；本站没有的文件可写完整网址。",
        )
        return None

    def link(self, target: Document) -> Link | None:
        """A link only when the target is published; a held-back target is named, not linked."""
        return Link(target.url, target.title) if target.source in self.published else None


def _neighbours(documents: list[Document]) -> dict[str, tuple[Link | None, Link | None]]:
    """Source → links to the previous (older) and next (newer) document in the same category."""
    by_category: dict[str, list[Document]] = defaultdict(list)
    for document in documents:
        by_category[document.category].append(document)
    found: dict[str, tuple[Link | None, Link | None]] = {}
    for group in by_category.values():
        group.sort(key=lambda d: (d.date, d.url))
        links = [Link(d.url, d.title) for d in group]
        for index, document in enumerate(group):
            found[document.source] = (links[index - 1] if index > 0 else None, links[index + 1] if index + 1 < len(links) else None)
    return found


def _by_category(documents: tuple[Document, ...], config: SiteConfig) -> dict[str, tuple[Document, ...]]:
    groups: dict[str, list[Document]] = {c.key: [] for c in config.all_categories()}
    for document in documents:
        parts = document.category.split("/")
        for depth in range(1, len(parts) + 1):
            groups["/".join(parts[:depth])].append(document)
    return {key: tuple(group) for key, group in groups.items()}


def _by_issuer(documents: tuple[Document, ...], config: SiteConfig) -> dict[str, tuple[Document, ...]]:
    groups: dict[str, list[Document]] = {issuer.name: [] for issuer in config.issuers}
    for document in documents:
        for name in dict.fromkeys((document.issuer, *document.co_issuers)):
            groups[name].append(document)
    return {name: tuple(group) for name, group in groups.items()}


def _by_year(documents: tuple[Document, ...]) -> dict[int, tuple[Document, ...]]:
    groups: dict[int, list[Document]] = defaultdict(list)
    for document in documents:
        groups[document.year].append(document)
    return {year: tuple(groups[year]) for year in sorted(groups, reverse=True)}
