"""Every HTML page as data (`Page`): documents, the 政府信息公开目录 lists, home, search, 404."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterator

from .model import Category, Document, Page, Site
from .statutory.annual_report import REPORTS_URL, Report, report_sections
from .statutory.guide import APPLICATION_URL, GUIDE_URL
from .statutory.application import Application

LATEST_ON_HOME = 10


@dataclass(frozen=True)
class Crumb:
    url: str | None
    title: str


@dataclass(frozen=True)
class PageLink:
    """One entry of numbered pagination; `url` None for the gap (…)."""

    number: int | None
    url: str | None
    current: bool = False


@dataclass(frozen=True)
class Pager:
    """Where a list page sits among its pages. Always at least one page (the first), even empty."""

    number: int
    count: int
    links: tuple[PageLink, ...]
    previous: str | None
    next: str | None
    first_index: int
    """1-based position of the first row on this page, for the "第 21–40 条" line."""
    total: int


@dataclass(frozen=True)
class TreeNode:
    """A category with its document count and children, for the home page and the catalogue."""

    category: Category
    count: int
    children: tuple["TreeNode", ...]


def page_url(base: str, number: int) -> str:
    return base if number == 1 else f"{base}page/{number}/"


def numbered(title: str, pager: Pager) -> str:
    """The <title> of a list page: page 2 on needs its number, or every page of a list has the same title."""
    return title if pager.number == 1 else f"{title}（第{pager.number}页）"


def paginate(base: str, items: tuple, size: int) -> Iterator[tuple[tuple, Pager]]:
    """Split `items` into pages of `size`; page 1 lives at `base`, page N at `base`page/N/."""
    count = max(1, -(-len(items) // size))
    for number in range(1, count + 1):
        shown = _visible_numbers(number, count)
        links = []
        previous_number = 0
        for n in shown:
            if n - previous_number > 1:
                links.append(PageLink(None, None))
            links.append(PageLink(n, page_url(base, n), n == number))
            previous_number = n
        start = (number - 1) * size
        yield items[start : start + size], Pager(
            number=number,
            count=count,
            links=tuple(links),
            previous=page_url(base, number - 1) if number > 1 else None,
            next=page_url(base, number + 1) if number < count else None,
            first_index=start + 1,
            total=len(items),
        )


def _visible_numbers(current: int, count: int) -> list[int]:
    """First, last, and two either side of the current page: enough to jump, short on a phone."""
    wanted = {1, count, *range(current - 2, current + 3)}
    return sorted(n for n in wanted if 1 <= n <= count)


def category_tree(site: Site) -> tuple[TreeNode, ...]:
    def node(category: Category) -> TreeNode:
        return TreeNode(category, len(site.by_category[category.key]), tuple(node(c) for c in category.children))

    return tuple(node(root) for root in site.config.categories)


def crumbs_for_category(category: Category, site: Site) -> list[Crumb]:
    crumbs = [Crumb("", "首页"), Crumb("gk/", "政府信息公开目录")]
    for depth in range(1, category.depth + 1):
        ancestor = site.config.categories_by_key["/".join(category.names[:depth])]
        crumbs.append(Crumb(ancestor.url, ancestor.name))
    return crumbs


def plan_pages(site: Site, search_index: str = "", documents: bool = True) -> list[Page]:
    """All pages of the site, in a fixed order; `search_index` is the search meta file's path.

    `documents=False` leaves out the document pages: the build plans those in its worker
    processes, where each document's body is rendered (`workers.py`)."""
    pages: list[Page] = []
    pages.append(home_page(site))
    pages.extend(catalogue_pages(site))
    for category in site.config.all_categories():
        pages.extend(category_pages(category, site))
    pages.extend(issuer_pages(site))
    pages.extend(year_pages(site))
    if documents:
        titles = document_titles(site)
        pages.extend(document_page(document, site, titles[document.source]) for document in site.documents)
    pages.append(Page("search/", "search.html", {"title": "站内搜索", "column": "站内搜索", "search_index": search_index, "crumbs": [Crumb("", "首页"), Crumb(None, "站内搜索")]}))
    pages.append(Page("404.html", "404.html", {"title": "页面不存在"}))
    pages.extend(application_pages(site))
    pages.extend(statutory_pages(site, pages))
    return pages


def statutory_pages(site: Site, planned: list[Page]) -> list[Page]:
    """The 指南 and the 年度报告; planned last, so the 指南 can link every page the site has (the
    依申请公开 page lives in another module)."""
    application = any(page.url == APPLICATION_URL for page in planned)
    return [guide_page(site, application), report_list_page(site), *(report_page(report, site) for report in _reports(site))]


def _reports(site: Site) -> tuple[Report, ...]:
    return site.reports.reports if site.reports else ()


def guide_page(site: Site, application: bool) -> Page:
    """政府信息公开指南: every element of 条例 art. 12, and art. 51's remedies."""
    roots = site.config.categories
    organ = site.config.guide.organ or site.config.issuers[0].name
    return Page(
        GUIDE_URL,
        "guide.html",
        {
            "title": f"{organ}政府信息公开指南",
            "column": "政府信息公开指南",
            "tree": category_tree(site),
            "total": len(site.documents),
            "office": site.config.office,
            "settings": site.config.guide,
            "guide": site.guide,
            "application_url": APPLICATION_URL if application else None,
            "feeds": [("feed.xml", "全部信息")] + [(f"{root.url}feed.xml", root.name) for root in roots],
            "reports": _reports(site),
            "crumbs": [Crumb("", "首页"), Crumb(None, "政府信息公开指南")],
            "description": f"{organ}政府信息的分类、编排体系和获取方式，政府信息公开工作机构的地址、办公时间和联系方式，以及监督和救济途径。",
        },
        inputs=("*",),
    )


def report_list_page(site: Site) -> Page:
    return Page(
        REPORTS_URL,
        "report_list.html",
        {
            "title": "政府信息公开工作年度报告",
            "column": "政府信息公开工作年度报告",
            "reports": _reports(site),
            "crumbs": [Crumb("", "首页"), Crumb(None, "政府信息公开工作年度报告")],
        },
        inputs=tuple(report.source for report in _reports(site)),
    )


def report_page(report: Report, site: Site) -> Page:
    return Page(
        report.url,
        "report.html",
        {
            "title": report.title,
            "column": "政府信息公开工作年度报告",
            "report": report,
            "sections": report_sections(site.reports.layout, report),
            "crumbs": [Crumb("", "首页"), Crumb(REPORTS_URL, "政府信息公开工作年度报告"), Crumb(None, f"{report.year}年度")],
            "description": f"{report.organ}{report.year}年政府信息公开工作情况，按国办公开办函〔2021〕30号格式编制。",
        },
        inputs=(report.source,),
    )


def home_page(site: Site) -> Page:
    return Page(
        "",
        "home.html",
        {
            "title": site.config.title,
            "latest": site.documents[:LATEST_ON_HOME],
            "tree": category_tree(site),
            "issuers": _issuer_counts(site),
            "years": _year_counts(site),
            "column": "首页",
        },
        inputs=("*",),
    )


def list_pages(base: str, documents: tuple[Document, ...], site: Site, template: str = "list.html", **context) -> list[Page]:
    """The numbered pages of one list (a category, an organ, a year, the whole catalogue).

    `context` holds what every page of the list shares; `title` gets the page number from page
    2 on, so every page has its own <title>. A page depends on the documents it shows."""
    pages = []
    for rows, pager in paginate(base, documents, site.config.page_size):
        page_context = {**context, "title": numbered(context["title"], pager), "rows": rows, "pager": pager}
        pages.append(Page(page_url(base, pager.number), template, page_context, inputs=tuple(d.source for d in rows)))
    return pages


def catalogue_pages(site: Site) -> list[Page]:
    pages = list_pages(
        "gk/",
        site.documents,
        site,
        "catalogue.html",
        title="政府信息公开目录",
        heading="政府信息公开目录",
        column="政府信息公开目录",
        tree=category_tree(site),
        crumbs=[Crumb("", "首页"), Crumb(None, "政府信息公开目录")],
    )
    # the tree's counts change with any document
    return [replace(page, inputs=("*",)) for page in pages]


def category_pages(category: Category, site: Site) -> list[Page]:
    root = site.config.categories_by_key[category.names[0]]
    return list_pages(
        category.url,
        site.by_category[category.key],
        site,
        title=category_title(category, site),
        heading=category.name,
        column=category.name,
        category=category,
        children=tuple(TreeNode(c, len(site.by_category[c.key]), ()) for c in category.children),
        crumbs=crumbs_for_category(category, site)[:-1] + [Crumb(None, category.name)],
        feed=(f"{root.url}feed.xml", f"{root.name} 订阅"),
    )


def _issuer_counts(site: Site) -> list[tuple]:
    return [(issuer, len(site.by_issuer[issuer.name])) for issuer in site.config.issuers if site.by_issuer[issuer.name]]


def _year_counts(site: Site) -> list[tuple[int, int]]:
    return [(year, len(documents)) for year, documents in site.by_year.items()]


def _index_page(url: str, title: str, entries: list[tuple[str, str, int]]) -> Page:
    """The entry page of a browsing axis: every organ or year with its count."""
    crumbs = [Crumb("", "首页"), Crumb("gk/", "政府信息公开目录"), Crumb(None, title)]
    return Page(url, "index_list.html", {"title": title, "heading": title, "column": title, "entries": entries, "crumbs": crumbs}, inputs=("*",))


def issuer_pages(site: Site) -> list[Page]:
    counts = _issuer_counts(site)
    pages = [_index_page("jigou/", "按发布机构浏览", [(issuer.url, issuer.name, count) for issuer, count in counts])]
    for issuer, _count in counts:
        pages += list_pages(
            issuer.url,
            site.by_issuer[issuer.name],
            site,
            title=issuer.name,
            heading=f"{issuer.name}发布的信息",
            column=issuer.name,
            crumbs=[Crumb("", "首页"), Crumb("gk/", "政府信息公开目录"), Crumb("jigou/", "按发布机构浏览"), Crumb(None, issuer.name)],
            feed=(f"{issuer.url}feed.xml", f"{issuer.name} 订阅"),
        )
    return pages


def year_pages(site: Site) -> list[Page]:
    counts = _year_counts(site)
    pages = [_index_page("nian/", "按年份浏览", [(f"nian/{year}/", f"{year}年", count) for year, count in counts])]
    for year, documents in site.by_year.items():
        pages += list_pages(
            f"nian/{year}/",
            documents,
            site,
            title=f"{year}年发布的信息",
            heading=f"{year}年发布的信息",
            column=f"{year}年",
            crumbs=[Crumb("", "首页"), Crumb("gk/", "政府信息公开目录"), Crumb("nian/", "按年份浏览"), Crumb(None, f"{year}年")],
        )
    return pages


def category_title(category: Category, site: Site) -> str:
    """A category's name, or its whole path when another node has the same name (two 部门文件 in
    different branches would otherwise share a <title>)."""
    same = [c for c in site.config.all_categories() if c.name == category.name]
    return category.name if len(same) == 1 else " / ".join(category.names)


def document_titles(site: Site) -> dict[str, str]:
    """Source → the document's <title> text: its title, plus its 文号 (or 索引号, or date) when another
    document of the same column has the same title (real data has such pairs, e.g. two
    平潭 "关于废止一批文件的决定" of 2025 in tests/fixtures/corpora/real-pingtan)."""
    def column(document: Document) -> str:
        return document.category.split("/")[-1]

    counts = Counter((document.title, column(document)) for document in site.documents)
    titles = {}
    for document in site.documents:
        title = document.title
        if counts[(title, column(document))] > 1:
            title += f"（{document.doc_number or document.index_number or document.date.isoformat()}）"
        titles[document.source] = title
    return titles


def document_page(document: Document, site: Site, title: str | None = None) -> Page:
    category = site.config.categories_by_key[document.category]
    issuer = site.config.issuers_by_name[document.issuer]
    root = site.config.categories_by_key[category.names[0]]
    crumbs = crumbs_for_category(category, site) + [Crumb(None, document.title)]
    return Page(
        document.url,
        "document.html",
        {
            "title": title or document.title,
            "column": category.name,
            "document": document,
            "category": category,
            "issuer": issuer,
            "co_issuers": [site.config.issuers_by_name[name] for name in document.co_issuers],
            "crumbs": crumbs,
            "feed": (f"{root.url}feed.xml", f"{root.name} 订阅"),
            "description": document.summary or _excerpt(document.excerpt),
        },
        inputs=(document.source,),
    )


def _excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def application_pages(site: Site) -> list[Page]:
    """The 依申请公开 page with its form, and the page a Netlify submission lands on (issue 5)."""
    application = site.config.application or Application()
    crumbs = [Crumb("", "首页"), Crumb(None, "依申请公开")]
    context = {"title": "依申请公开", "column": "依申请公开", "application": application, "issuers": site.config.issuers}
    pages = [Page(application.url, "apply.html", {**context, "crumbs": crumbs, "description": "向行政机关申请公开政府信息：在线填写申请表，受理机构、办理流程、办理时限和收费标准。"})]
    if application.backend == "netlify":
        done = [Crumb("", "首页"), Crumb(application.url, "依申请公开"), Crumb(None, "申请已提交")]
        pages.append(Page(application.success_url, "apply_success.html", {**context, "title": "申请已提交", "crumbs": done, "noindex": True}))
    return pages
