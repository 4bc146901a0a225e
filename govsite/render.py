"""The Jinja2 environment (autoescape, StrictUndefined, theme override) and Page → bytes."""

from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import hashlib
import traceback
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import jinja2
import rcssmin
import rjsmin
from markupsafe import Markup

from .load import shown_path
from .markdown import href
from .model import OutputFile, Page, Site
from .problems import Problem

PACKAGE_THEME = Path(__file__).parent / "themes" / "default"
"""Where the default theme is inside an installed wheel (pyproject's force-include)."""
CHECKOUT_THEME = Path(__file__).parent.parent / "themes" / "default"
"""Where it is in a source checkout or an editable install."""


def default_theme() -> Path:
    return PACKAGE_THEME if PACKAGE_THEME.is_dir() else CHECKOUT_THEME


@dataclass(frozen=True)
class Theme:
    """The theme folders in order of precedence: the site's own first, then the default."""

    folders: tuple[Path, ...]

    @classmethod
    def for_site(cls, site_theme: Path | None) -> "Theme":
        folders = (site_theme, default_theme()) if site_theme else (default_theme(),)
        return cls(tuple(folders))

    def static_files(self) -> dict[str, Path]:
        """Static file name (relative, with /) → the file that wins, site theme over default."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):
            static = folder / "static"
            if static.is_dir():
                for path in sorted(static.rglob("*")):
                    if path.is_file():
                        found[path.relative_to(static).as_posix()] = path
        return dict(sorted(found.items()))


def fingerprinted(name: str, data: bytes) -> str:
    """`style.css` → `static/style.1a2b3c4d.css`: a new name whenever the bytes change, so the
    files can be cached for a year (netlify.toml) and a page never meets a stale stylesheet."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, suffix = name.rpartition(".")
    return f"static/{stem}.{digest}.{suffix}" if dot else f"static/{name}.{digest}"


def minified(name: str, data: bytes) -> bytes | None:
    """Scripts and stylesheets without comments and spaces (rjsmin, rcssmin: nothing renamed, so
    the published code still reads as the theme's): search.js is a third smaller once compressed,
    and every reader on a phone fetches it. None for other files, which are published as they are."""
    if name.endswith(".js"):
        return rjsmin.jsmin(data.decode("utf-8"), keep_bang_comments=True).encode("utf-8")
    if name.endswith(".css"):
        return rcssmin.cssmin(data.decode("utf-8"), keep_bang_comments=True).encode("utf-8")
    return None


def static_outputs(theme: Theme) -> tuple[list[OutputFile], dict[str, str]]:
    """The theme's static files under fingerprinted names, and name → output path for templates."""
    outputs, names = [], {}
    for name, path in theme.static_files().items():
        data = minified(name, path.read_bytes())
        target = fingerprinted(name, data if data is not None else path.read_bytes())
        names[name] = target
        outputs.append(OutputFile(target, data=data) if data is not None else OutputFile(target, source=path))
    return outputs, names


def make_environment(theme: Theme, site: Site, assets: dict[str, str]) -> jinja2.Environment:
    loaders = [jinja2.FileSystemLoader(str(folder / "templates")) for folder in theme.folders]
    default_loader = jinja2.FileSystemLoader(str(default_theme() / "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([*loaders, jinja2.PrefixLoader({"default": default_loader})]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # an environment serves one build: no need to stat every template for every page
    )
    config = site.config
    base_path = config.base_path

    def asset(name: str) -> str:
        if name not in assets:
            raise jinja2.TemplateError(f"主题中没有静态文件 static/{name}")
        return base_path + assets[name]

    # the same few URLs (menu, footer, categories, issuers) are on every page: each is quoted once
    env.filters["href"] = functools.lru_cache(maxsize=4096)(lambda url: href(base_path, url))
    env.filters["absolute"] = lambda url: config.base_url + quote(url, safe="/#")
    made: dict[tuple[int, int], tuple[object, object, Markup]] = {}

    def once(macro, value) -> Markup:
        """`macro(value)`, made once a build for each value: a document's row is the same in each
        of the lists that show it (the macro and the value are kept, so their ids are not reused)."""
        key = (id(macro), id(value))
        if key not in made:
            made[key] = (macro, value, macro(value))
        return made[key][2]

    env.filters["filesize"] = filesize
    env.filters["cn_date"] = lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日" if d else ""
    env.globals.update(site=config, today=site.today, asset=asset, once=once, site_feed=("feed.xml", f"{config.title} 订阅"))
    return env


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def output_path(url: str) -> str:
    """`zcwj/2024/x/` → `zcwj/2024/x/index.html`; a URL naming a file stays as it is."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def render_page(env: jinja2.Environment, page: Page) -> OutputFile:
    template = env.get_template(page.template)
    html = template.render(page=page, url=page.url, **page.context)
    return OutputFile(output_path(page.url), html.encode("utf-8"))


def render_pages(env: jinja2.Environment, pages: list[Page]) -> list[OutputFile]:
    return [render_page(env, page) for page in pages]


def template_problem(exc: Exception) -> Problem:
    """Where in which template rendering failed: the innermost template frame of the traceback."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "模板"
    line = getattr(exc, "lineno", 0) or 0
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".j2")):
            name, line = frame.filename, frame.lineno or 0
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return Problem(
        shown_path(Path(str(name))) if name != "模板" else name,
        line,
        f"主题模板出错：{message}",
        "检查主题模板中这一行的写法；如果是自定义模板，可先删除它以使用默认主题。",
    )


def fingerprint(value, known: dict[int, tuple[object, str]]) -> bytes:
    """A digest of a page context value: everything a template can read of it (strings, numbers,
    dates, and the fields of data classes, through tuples, lists and dicts). `known` maps the id
    of an object to (the object, its digest in hex): documents come with theirs
    (`build.document_digest`), and every data class, tuple and list met is added, since pages
    share their categories, trees and crumbs (the object is kept, so its id is not reused)."""
    parts: list[str] = []
    _feed(value, parts, known)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()


_FIELDS: dict[type, tuple[str, ...]] = {}
_PLAIN: dict[type, bool] = {}


def _plain(kind) -> bool:
    """Whether a data class holds, however deep, only text, numbers, dates and data classes of the
    same (pagers, crumbs, categories, but not documents, which `known` stands for)."""
    if kind not in _PLAIN:
        _PLAIN[kind] = True  # (a tree's children are of its own class)
        hints = typing.get_type_hints(kind)
        _PLAIN[kind] = all(_plain_type(hints[field.name]) for field in dataclasses.fields(kind) if field.repr)
        _PLAIN[kind] = _PLAIN[kind] and all(field.repr for field in dataclasses.fields(kind))
    return _PLAIN[kind]


def _plain_type(kind) -> bool:
    if kind in (str, int, float, bool, type(None), dt.date, Decimal):
        return True
    origin = typing.get_origin(kind)
    if origin in (tuple, typing.Union, types.UnionType):
        return all(argument is Ellipsis or _plain_type(argument) for argument in typing.get_args(kind))
    return dataclasses.is_dataclass(kind) and _plain(kind)


def _feed(value, parts: list[str], known: dict[int, tuple[object, str]]) -> None:
    kind = type(value)
    if kind is str:
        parts.append(f"s{len(value)}:{value}")
        return
    if value is None or kind in (int, float, bool, dt.date, Decimal):  # (Decimal: the 年度报告's amounts)
        parts.append(f"{kind.__name__}:{value}")
        return
    seen = known.get(id(value))
    if seen is not None:
        parts.append(seen[1])
        return
    if kind is dict:
        parts.append("{")
        for key, item in value.items():
            _feed(key, parts, known)
            _feed(item, parts, known)
        parts.append("}")
        return
    inner: list[str] = [kind.__name__]
    if kind in (tuple, list):
        for item in value:
            _feed(item, parts if len(value) < 4 else inner, known)
        if len(value) < 4:  # small ones inline
            parts.append(f"{kind.__name__}{len(value)}")
            return
    elif dataclasses.is_dataclass(value):
        if _plain(kind):  # nothing but text, numbers and dates inside: its repr says it all
            text = repr(value)
            known[id(value)] = (value, text)
            parts.append(text)
            return
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(field.name for field in dataclasses.fields(value))
        for name in names:
            _feed(getattr(value, name), inner, known)
    elif kind is Path or isinstance(value, Path):
        parts.append(f"Path:{value}")
        return
    else:
        raise TypeError(f"a page context holds a {kind.__name__}, which cannot be keyed")
    digest = "#" + hashlib.sha256("\x1f".join(inner).encode("utf-8", "surrogatepass")).hexdigest()
    known[id(value)] = (value, digest)
    parts.append(digest)


def page_key(render_key: bytes, page: Page, known: dict[int, tuple[object, str]]) -> bytes:
    """What a page is made from: the theme and site (`render_key`), its template, URL and context."""
    return hashlib.sha256(render_key + f"{page.template}\x1f{page.url}\x1f".encode() + fingerprint(page.context, known)).digest()


def uses_today(theme: Theme) -> bool:
    """Whether a template of the theme reads `today` (then every page changes with the date)."""
    env = jinja2.Environment()
    for folder in theme.folders:
        for path in sorted((folder / "templates").rglob("*")):
            if path.is_file() and any(kind == "name" and value == "today" for _, kind, value in env.lex(path.read_text(encoding="utf-8"))):
                return True
    return False


def theme_key(theme: Theme) -> bytes:
    """A digest of every file of the theme's folders (templates and static files)."""
    digest = hashlib.sha256()
    for folder in theme.folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()
