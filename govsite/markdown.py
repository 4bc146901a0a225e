"""The one configured Markdown parser: body → safe HTML and plain text, links between documents resolved."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .model import Document, Site
from .problems import Problems


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with raw HTML off (a bare MarkdownIt() passes it through), plus tables."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


def _table_open(self, tokens, idx, options, env):
    # a wide table scrolls inside its own focusable region instead of widening the page (WCAG 1.4.10)
    return '<div class="table-wrap" role="region" aria-label="表格（可左右滚动）" tabindex="0">\n<table>\n'


def _table_close(self, tokens, idx, options, env):
    return "</table>\n</div>\n"


def href(base_path: str, url: str) -> str:
    """A site-relative URL as an href: the base path, then the URL percent-encoded."""
    return base_path + quote(url, safe="/#")


def render_body(document: Document, sources: dict[str, str], base_path: str, problems: Problems) -> tuple[str, str]:
    """(HTML, plain text) of one body; relative links to other .md files become their pages' URLs."""
    md = parser()
    tokens = md.parse(document.body)
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            # the title is the page's only <h1>: body headings start at <h2>
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type in ("th_open", "td_open"):
            _align_by_class(token)
            if token.type == "th_open":
                token.attrSet("scope", "col")
        elif token.type == "inline" and token.children:
            line = document.body_line + (token.map[0] if token.map else 0)
            for child in token.children:
                if child.type == "link_open":
                    _resolve_link(child, document, sources, base_path, line, problems)
    html = md.renderer.render(tokens, md.options, {})
    return html, plain_text(tokens)


def _align_by_class(token: Token) -> None:
    """Column alignment as a class: the CSP (netlify.toml) forbids inline style attributes."""
    style = str(token.attrGet("style") or "")
    if style.startswith("text-align:"):
        token.attrs.pop("style")
        token.attrSet("class", "align-" + style.split(":", 1)[1])


def _resolve_link(token: Token, document: Document, sources: dict[str, str], base_path: str, line: int, problems: Problems) -> None:
    target = str(token.attrGet("href") or "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.lower().endswith(".md"):
        return
    path = unquote(parts.path)
    if path.startswith("/"):
        candidate = path.lstrip("/")
    else:
        candidate = posixpath.normpath(posixpath.join(posixpath.dirname(document.source), path))
    url = sources.get(candidate)
    if url is None:
        problems.error(
            document.shown,
            line,
            f"链接“{target}”指向的文件不存在（或是草稿、尚未到发布日期）。",
            "改正链接路径（相对于本文件所在文件夹），例如 ../2024/qzf-2024-5.md；或删除这个链接。",
        )
        return
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    token.attrSet("href", href(base_path, url) + fragment)


def plain_text(tokens: list[Token]) -> str:
    """The words a reader reads, one block a line: for descriptions, feeds and search."""
    blocks: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words = "".join(
                child.content for child in token.children or [] if child.type in ("text", "code_inline")
            )
            if words.strip():
                blocks.append(words.strip())
        elif token.type in ("code_block", "fence") and token.content.strip():
            blocks.append(token.content.strip())
    return "\n".join(blocks)


def render_bodies(site: Site, problems: Problems) -> Site:
    """Every published document with its `html` and `text` filled in."""
    sources = {document.source: document.url for document in site.documents}
    base_path = site.config.base_path
    rendered = []
    for document in site.documents:
        html, text = render_body(document, sources, base_path, problems)
        rendered.append(replace(document, html=html, text=text))
    return _replace_documents(site, rendered)


def _replace_documents(site: Site, documents: list[Document]) -> Site:
    by_source = {document.source: document for document in documents}

    def swap(group):
        return tuple(by_source[d.source] for d in group)

    return replace(
        site,
        documents=swap(site.documents),
        by_category={key: swap(group) for key, group in site.by_category.items()},
        by_issuer={key: swap(group) for key, group in site.by_issuer.items()},
        by_year={key: swap(group) for key, group in site.by_year.items()},
    )
