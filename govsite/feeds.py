"""RSS 2.0 feeds (site, top-level categories, issuers), sitemap.xml and robots.txt."""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import quote

from .model import Document, OutputFile, Site

FEED_ITEMS = 50
CHINA = dt.timezone(dt.timedelta(hours=8))
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"

ET.register_namespace("atom", ATOM)


def absolute(site: Site, url: str) -> str:
    return site.config.base_url + quote(url, safe="/#")


def rfc822(day: dt.date) -> str:
    """A date as RSS wants it, midnight in China Standard Time: `Wed, 01 May 2024 00:00:00 +0800`."""
    return format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=CHINA))


@dataclass(frozen=True)
class Feed:
    """One feed to write: where, its channel's texts, and its documents (newest first)."""

    path: str
    title: str
    description: str
    link_url: str
    documents: tuple[Document, ...]

    def key(self, site: Site) -> bytes:
        """A digest of everything `rss` reads: a build cache keeps the file while it is the same."""
        config = site.config
        items = [
            (d.url, d.title, d.validity.label if d.validity else None, d.date, d.category, d.issuer, d.doc_number, d.summary or d.excerpt[:200])
            for d in self.documents[:FEED_ITEMS]
        ]
        text = repr((self.path, self.title, self.description, self.link_url, config.base_url, config.language, config.office.email, config.domain, items))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def rss(site: Site, path: str, title: str, description: str, link_url: str, documents: tuple[Document, ...]) -> OutputFile:
    """One feed of the newest FEED_ITEMS documents; lastBuildDate is the newest item's date, so
    two builds of the same content give the same bytes."""
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = absolute(site, link_url)
    ET.SubElement(channel, "description").text = description
    ET.SubElement(channel, "language").text = site.config.language
    ET.SubElement(channel, f"{{{ATOM}}}link", {"href": absolute(site, path), "rel": "self", "type": "application/rss+xml"})
    items = documents[:FEED_ITEMS]
    if items:
        ET.SubElement(channel, "lastBuildDate").text = rfc822(items[0].date)
    for document in items:
        item = ET.SubElement(channel, "item")
        title_text = document.title
        if document.validity and document.validity.label != "有效":
            title_text += f"（{document.validity.label}）"
        ET.SubElement(item, "title").text = title_text
        ET.SubElement(item, "link").text = absolute(site, document.url)
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = absolute(site, document.url)
        ET.SubElement(item, "pubDate").text = rfc822(document.date)
        ET.SubElement(item, "category").text = document.category
        ET.SubElement(item, "author").text = _author(site, document)
        ET.SubElement(item, "description").text = _description(document)
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return OutputFile(path, data + b"\n")


def _author(site: Site, document: Document) -> str:
    # RSS 2.0 wants an e-mail address in <author>; the office's, with the organ's name as the label
    email = site.config.office.email or "noreply@" + (site.config.domain or "example.gov.cn")
    return f"{email} ({document.issuer})"


def _description(document: Document) -> str:
    parts = []
    if document.doc_number:
        parts.append(f"文号：{document.doc_number}")
    parts.append(f"发布机构：{document.issuer}")
    if document.validity:
        parts.append(f"有效性：{document.validity.label}")
    summary = document.summary or document.excerpt[:200]
    return "　".join(parts) + ("\n" + summary if summary else "")


def feeds(site: Site) -> list[Feed]:
    """The site's feed, one per top-level category, one per issuer with documents."""
    config = site.config
    found = [Feed("feed.xml", config.title, f"{config.title}最新发布的政府信息", "", site.documents)]
    for root in config.categories:
        found.append(Feed(f"{root.url}feed.xml", f"{root.name} - {config.title}", f"{config.title}“{root.name}”栏目最新发布的信息", root.url, site.by_category[root.key]))
    for issuer in config.issuers:
        documents = site.by_issuer[issuer.name]
        if documents:
            found.append(Feed(f"{issuer.url}feed.xml", f"{issuer.name} - {config.title}", f"{issuer.name}最新发布的信息", issuer.url, documents))
    return found


def feed_file(site: Site, feed: Feed) -> OutputFile:
    return rss(site, feed.path, feed.title, feed.description, feed.link_url, feed.documents)


def feed_files(site: Site) -> list[OutputFile]:
    return [feed_file(site, feed) for feed in feeds(site)]


def sitemap(site: Site, page_urls: list[str]) -> OutputFile:
    """Every HTML page but the 404; a document's lastmod is its publication date."""
    lastmod = {document.url: document.date.isoformat() for document in site.documents}
    root = ET.Element("urlset", {"xmlns": SITEMAP})
    for url in sorted(set(page_urls)):
        if url.endswith(".html"):
            continue
        entry = ET.SubElement(root, "url")
        ET.SubElement(entry, "loc").text = absolute(site, url)
        if url in lastmod:
            ET.SubElement(entry, "lastmod").text = lastmod[url]
    ET.indent(root)
    return OutputFile("sitemap.xml", ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")


def robots(site: Site) -> OutputFile:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {absolute(site, 'sitemap.xml')}\n"
    return OutputFile("robots.txt", text.encode("utf-8"))
