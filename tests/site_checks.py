"""Checks over a built output folder that several test files share (links, external hosts, feeds), and a feature-rich site."""

from __future__ import annotations

import email.utils
import textwrap
import posixpath
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
CHINA_OFFSET = "+0800"
URL_ATTRIBUTES = ("href", "src", "action", "poster", "data")


def html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def url_of(out: Path, path: Path) -> str:
    """`build/zcwj/a/index.html` → `zcwj/a/`; `build/404.html` → `404.html`."""
    rel = path.relative_to(out).as_posix()
    return rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel


@lru_cache(maxsize=4096)
def _parse(path: Path, _mtime: float) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def parse(path: Path) -> lxml.html.HtmlElement:
    return _parse(path, path.stat().st_mtime_ns)


def references(tree: lxml.html.HtmlElement) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every URL-bearing attribute on the page."""
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in URL_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None:
                found.append((element.tag, attribute, value))
        srcset = element.get("srcset")
        if srcset:
            found.extend((element.tag, "srcset", part.split()[0]) for part in srcset.split(",") if part.strip())
    return found


def is_external(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme or parts.netloc)


def target_file(out: Path, base_path: str, page_url: str, value: str) -> tuple[Path | None, str]:
    """The output file an internal reference points to, and its fragment; None if it leaves the site."""
    parts = urlsplit(value)
    if parts.path == "":
        path = base_path + page_url
    elif parts.path.startswith("/"):
        path = parts.path
    else:
        path = posixpath.join(posixpath.dirname(base_path + page_url), parts.path)
        path = posixpath.normpath(path) + ("/" if parts.path.endswith("/") else "")
    if not path.startswith(base_path):
        return None, parts.fragment
    rel = unquote(path[len(base_path):])
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return out / rel, unquote(parts.fragment)


def broken_links(out: Path, base_url: str) -> list[str]:
    """Every internal href/src (and form action) on every page that names no file (or no id) of the output."""
    base_path = urlsplit(base_url).path or "/"
    problems = []
    for page in html_files(out):
        page_url = url_of(out, page)
        for tag, attribute, value in references(parse(page)):
            if value.startswith(("mailto:", "tel:")) or is_external(value):
                continue
            target, fragment = target_file(out, base_path, page_url, value)
            where = f"{page_url or '/'}: <{tag} {attribute}={value!r}>"
            if target is None:
                problems.append(f"{where} leaves the site's base path {base_path}")
            elif not target.is_file():
                problems.append(f"{where} → missing {target.relative_to(out).as_posix()}")
            elif fragment and target.suffix == ".html" and not parse(target).xpath("//*[@id=$id]", id=fragment):
                problems.append(f"{where} → no element with id={fragment!r}")
    return problems


def external_references(out: Path) -> list[tuple[str, str, str, str]]:
    """(page URL, tag, attribute, value) of every reference with a scheme or a host, mailto: aside."""
    found = []
    for page in html_files(out):
        for tag, attribute, value in references(parse(page)):
            if is_external(value) and not value.startswith(("mailto:", "tel:")):
                found.append((url_of(out, page), tag, attribute, value))
    return found


def meta(tree: lxml.html.HtmlElement, name: str) -> str | None:
    values = tree.xpath("//head/meta[@name=$name]/@content", name=name)
    return values[0] if values else None


def rss_errors(path: Path, base_url: str, self_url: str, limit: int = 50) -> list[str]:
    """A strict RSS 2.0 check (feedparser forgives too much: a missing <description>, a Chinese date).

    Shape from ../shared/TESTING-TOOLS.md §4, plus what the issue asks: self link, +0800 dates,
    absolute links under base_url, at most `limit` items, newest first."""
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed: {exc}"]
    errors = [] if root.tag == "rss" and root.get("version") == "2.0" else ["root is not <rss version=2.0>"]
    channel = root.find("channel")
    if channel is None:
        return errors + ["no <channel>"]
    errors += [f"channel lacks <{tag}>" for tag in ("title", "link", "description") if not (channel.findtext(tag) or "").strip()]
    if not (channel.findtext("link") or "").startswith(base_url):
        errors.append(f"channel link {channel.findtext('link')!r} is not under {base_url}")
    selves = channel.findall(f"{ATOM}link[@rel='self']")
    if len(selves) != 1:
        errors.append(f"{len(selves)} atom:link rel=self (want 1)")
    elif selves[0].get("href") != self_url:
        errors.append(f"atom:link rel=self is {selves[0].get('href')!r}, the feed is at {self_url!r}")
    dates = [("lastBuildDate", channel.findtext("lastBuildDate"))] if channel.find("lastBuildDate") is not None else []
    items = channel.findall("item")
    parsed = []
    for item in items:
        dates.append(("pubDate", item.findtext("pubDate")))
        for tag in ("title", "link", "guid", "pubDate"):
            if not (item.findtext(tag) or "").strip():
                errors.append(f"an item lacks <{tag}>")
        for tag in ("link", "guid"):
            value = item.findtext(tag) or ""
            if not value.startswith(base_url):
                errors.append(f"item {tag} {value!r} is not an absolute URL under {base_url}")
    for name, value in dates:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            errors.append(f"{name} not RFC 822: {value!r}")
            continue
        if not (value or "").rstrip().endswith(CHINA_OFFSET) or moment.utcoffset() is None or moment.utcoffset().total_seconds() != 8 * 3600:
            errors.append(f"{name} not in +0800: {value!r}")
        if name == "pubDate":
            parsed.append(moment)
    guids = [item.findtext("guid") for item in items]
    if len(guids) != len(set(guids)):
        errors.append("duplicate guid")
    if len(items) > limit:
        errors.append(f"{len(items)} items (at most {limit})")
    if parsed != sorted(parsed, reverse=True):
        errors.append("items are not newest first")
    return errors


def feed_paths(out: Path) -> list[Path]:
    return sorted(out.rglob("feed.xml"))


def sitemap_locs(out: Path) -> list[str]:
    root = etree.parse(str(out / "sitemap.xml"), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    return [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def rich_site_files(document) -> dict[str, str | bytes]:
    """A small site using every feature at once, Chinese and spaced paths included.

    `document` is conftest's helper (passed in, so this module does not import conftest)."""
    return {
        "zcwj/2024/kfq-1.md": textwrap.dedent(
            """\
            ---
            title: "测试县人民政府关于开展测试工作的通知"
            category: "政策文件/县政府文件"
            issuer: "测试县人民政府"
            co_issuers:
              - "测试县人民政府"
              - "测试县财政局"
            date: "2024-05-01"
            written_date: "2024-04-28"
            doc_number: "测政发〔2024〕1号"
            index_number: "TEST001/2024-00001"
            keywords:
              - "测试"
              - "工作"
            summary: "部署全县测试工作。"
            attachments:
              - path: "files/附件1 实施细则.pdf"
                title: "附件1：实施细则"
              - "files/data.xlsx"
            ---

            # 总体要求

            见[通知公告](../../通知公告/2024/关于开展测试的通知.md)和[财政文件](../../bmwj/2024/cz-3.md)。

            ## 分工

            | 单位 | 任务 | 时限 |
            |:-----|:----:|-----:|
            | 财政局 | 保障经费 | 6月 |
            """
        ),
        "zcwj/2024/files/附件1 实施细则.pdf": b"%PDF-1.4\n% test attachment\n" + b"0" * 3000,
        "zcwj/2024/files/data.xlsx": b"PK\x03\x04" + b"1" * 100,
        "zcwj/2023/old.md": document(title="测试县临时管理办法", date="2023-01-10", expiry="2024-12-31", doc_number="测政发〔2023〕2号"),
        "zcwj/2022/repealed.md": document(
            title="测试县旧办法", date="2022-03-01", validity="废止", repealed_by="测政发〔2024〕1号", doc_number="测政发〔2022〕9号"
        ),
        "zcwj/2026/pending.md": document(title="测试县新办法", date="2026-10-01", effective_date="2027-01-01"),
        "zcwj/2027/future.md": document(title="测试县未来的通知", date="2027-03-01"),
        "zcwj/2024/draft.md": document(title="测试县草稿", date="2024-02-01", draft=True),
        "zcjd/2024/解读-1.md": document(
            title="《关于开展测试工作的通知》政策解读", category="政策解读", date="2024-05-02", interprets="测政发〔2024〕1号"
        ),
        "通知公告/2024/关于开展测试的通知.md": document(
            title="关于开展测试的公告",
            category="公示公告",
            issuer="测试县教育局",
            date="2024-06-01",
            source_url="https://www.example.gov.cn/original/1.html",
            co_issuers=["测试县教育局", "测试县财政局"],
        ),
        "bmwj/2024/cz-3.md": document(
            title="测试县财政局关于经费保障的通知",
            category="政策文件/部门文件",
            issuer="测试县财政局",
            date="2024-05-01",
            body="## 第一部分\n\n内容。\n\n## 第二部分\n\n内容。\n",
        ),
    }
