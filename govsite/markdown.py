"""The one configured Markdown parser: body → safe HTML and plain text, links between documents resolved."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .model import Document, Site, evolve
from .problems import Problems


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with raw HTML off (a bare MarkdownIt() passes it through), plus tables. The raw
    HTML rules are disabled too: with `html` off they only return False, for every block and
    every `<` of every body."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table").disable(["html_block", "html_inline"])
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


EXCERPT_CHARS = 400
"""Characters of plain text a document keeps once its body is rendered: a search fragment's
snippet (search/shards.py FRAGMENT_TEXT), a feed summary (200) and a page description (120)."""


def excerpt(text: str) -> str:
    """The start of a body's plain text with every run of whitespace folded to one space."""
    return " ".join(text.split())[:EXCERPT_CHARS]


class RenderedBody(NamedTuple):
    html: str
    text: str
    files: tuple[str, ...]
    """Content-relative paths of the files the body links to or shows (images, files/附件.pdf)."""
    links: tuple[str, ...] = ()
    """Content-relative paths of the Markdown files the body links to: the HTML changes when one of
    them is published, held back or removed (`link_targets`)."""


def link_targets(links: tuple[str, ...], sources: dict[str, str], pending: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """What each linked Markdown file is now: its page's URL, "pending" (dated after today) or "" (none)."""
    return tuple((link, sources.get(link) or ("pending" if link in pending else "")) for link in links)


def render_body(
    document: Document, sources: dict[str, str], base_path: str, problems: Problems, pending: frozenset[str] = frozenset()
) -> RenderedBody:
    """(HTML, plain text) of one body; relative links to other .md files become their pages' URLs.

    `pending` holds the sources of documents dated after --today: a link to one is shown as its text
    until that day's build (the site's next change), as `interprets` does, instead of failing."""
    md = parser()
    tokens = md.parse(document.body)
    files: list[str] = []
    links: list[str] = []
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            # the title is the page's only <h1>: body headings start at <h2>
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type in ("th_open", "td_open"):
            _align_by_class(token)
            if token.type == "th_open":
                token.attrSet("scope", "col")
        elif token.type == "inline" and token.children:
            line = document.body_line + (token.map[0] if token.map else 0)
            hide_close = False
            for child in token.children:
                if child.type == "link_open":
                    hide_close = child.hidden = _resolve_link(child, document, sources, base_path, line, problems, pending, links)
                    files.append(_resolve_file(child, "href", document, base_path, line, problems))
                elif child.type == "link_close" and hide_close:
                    child.hidden, hide_close = True, False
                elif child.type == "image":
                    files.append(_resolve_file(child, "src", document, base_path, line, problems))
    html = md.renderer.render(tokens, md.options, {})
    return RenderedBody(html, plain_text(tokens), tuple(sorted(set(filter(None, files)))), tuple(sorted(set(links))))


def _align_by_class(token: Token) -> None:
    """Column alignment as a class: the CSP (netlify.toml) forbids inline style attributes."""
    style = str(token.attrGet("style") or "")
    if style.startswith("text-align:"):
        token.attrs.pop("style")
        token.attrSet("class", "align-" + style.split(":", 1)[1])


def _resolve_link(
    token: Token,
    document: Document,
    sources: dict[str, str],
    base_path: str,
    line: int,
    problems: Problems,
    pending: frozenset[str],
    links: list[str] | None = None,
) -> bool:
    """Point a link to a .md file at its page; True when the link must be hidden (target not yet due).
    The .md file it names is added to `links`."""
    target = str(token.attrGet("href") or "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.lower().endswith(".md"):
        return False
    path = unquote(parts.path)
    if path.startswith("/"):
        candidate = path.lstrip("/")
    else:
        candidate = posixpath.normpath(posixpath.join(posixpath.dirname(document.source), path))
    if links is not None:
        links.append(candidate)
    if candidate in pending:
        return True
    url = sources.get(candidate)
    if url is None:
        problems.error(
            document.shown,
            line,
            f"链接“{target}”指向的文件不存在（或是草稿、尚未到发布日期）。",
            "改正链接路径（相对于本文件所在文件夹），例如 ../2024/qzf-2024-5.md；或删除这个链接。",
        )
        return False
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    token.attrSet("href", href(base_path, url) + fragment)
    return False


def _resolve_file(token: Token, attribute: str, document: Document, base_path: str, line: int, problems: Problems) -> str | None:
    """A relative link or image to a file beside the Markdown (`files/附件1.pdf`, `map.png`) → its site URL.

    The page of `zcwj/a.md` is `zcwj/a/`, one folder deeper than the file, so the author's relative
    path would miss; files keep their content path in the output (as attachments do), so the URL
    is that path under the base path. Page-like paths (`../b/`) and .md links are left to others."""
    target = str(token.attrGet(attribute) or "")
    parts = urlsplit(target)
    name = parts.path.rsplit("/", 1)[-1]
    if attribute == "src" and (parts.scheme or parts.netloc):
        # pages fetch nothing from other hosts (issue #3), and netlify.toml's CSP (img-src 'self') blocks it
        problems.warning(
            document.shown,
            line,
            f"图片“{target}”来自其他网站，读者打开页面时不会显示。",
            "把图片下载到内容目录（例如本文件旁边的 img/ 文件夹），再写相对路径，如 ![说明](img/图1.png)。",
        )
        return None
    if parts.scheme or parts.netloc or parts.path.startswith("/") or "." not in name.strip("."):
        return None
    if name.lower().endswith(".md"):
        return None
    candidate = posixpath.normpath(posixpath.join(posixpath.dirname(document.source), unquote(parts.path)))
    if candidate == ".." or candidate.startswith("../"):
        problems.error(
            document.shown,
            line,
            f"链接“{target}”指向内容目录之外的文件，网站上无法访问。",
            "把文件放进内容目录（例如本文件旁边的 files/ 文件夹），再写相对路径。",
        )
        return None
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    token.attrSet(attribute, href(base_path, candidate) + query + fragment)
    return candidate


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
    """Every published and held-back document with its `html` and `text` filled in (held-back ones only to
    find their broken links today)."""
    sources = {document.source: document.url for document in site.documents}
    pending = frozenset(document.source for document in site.held_back)
    base_path = site.config.base_path
    rendered = []
    for document in site.documents:
        body = render_body(document, sources, base_path, problems, pending)
        rendered.append(evolve(document, html=body.html, text=body.text, files=body.files, excerpt=excerpt(body.text)))
    held_back = []
    for document in site.held_back:
        # rendered now so a broken link fails today's build, not the unattended one on its publication day
        body = render_body(document, sources, base_path, problems, pending)
        held_back.append(evolve(document, html=body.html, text=body.text, files=body.files, excerpt=excerpt(body.text)))
    return replace(_replace_documents(site, rendered), held_back=tuple(held_back))


def with_rendered(site: Site, rendered: dict[str, tuple[tuple[str, ...], str]]) -> Site:
    """The site once its bodies were rendered elsewhere (the build's workers; source → (files,
    excerpt)): each document with its `files` and `excerpt`, and without `body`, `html` and `text`,
    which a build does not keep (20,000 documents' would take 150 MB)."""

    def done(document: Document) -> Document:
        files, text = rendered[document.source]
        if document.files == files and document.excerpt == text and not (document.body or document.html or document.text):
            return document  # (from the build cache, already complete)
        return evolve(document, body="", html="", text="", files=files, excerpt=text)

    documents = [done(document) for document in site.documents]
    held_back = tuple(done(d) for d in site.held_back)
    if all(new is old for new, old in zip(documents, site.documents)):
        return replace(site, held_back=held_back)
    return replace(_replace_documents(site, documents), held_back=held_back)


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


def render_markdown(text: str, source: str, shown: str, first_line: int, site: Site, problems: Problems) -> RenderedBody:
    """Markdown that belongs to no document (the 指南's own section, a 年度报告's narrative), with the
    same rules as a body: raw HTML off, headings from <h2>, links to .md files become their pages.
    `source` is its content-relative path, from which relative links are read."""
    holder = Document(
        source=source, shown=shown, url="", title="", category="", issuer="", date=site.today, body=text, body_line=first_line
    )
    sources = {document.source: document.url for document in site.documents}
    pending = frozenset(document.source for document in site.held_back)
    return render_body(holder, sources, site.config.base_path, problems, pending)
