"""The preview's first answer to an edit: the edited documents' own pages, made from the saved file
and the last good build's site alone, shown while the full build that follows runs.

Hugo's server does the same ("fast render mode": the pages being viewed first). A webmaster who
saves a document looks at that document; at 20,000 documents the full build takes seconds, its
page alone a few milliseconds. The quick page is what the full build would make unless the edit
moved the document among the others (its date, category, address, validity, links between
documents): then there is no quick page and the full build is waited for. Either way the full
build follows and writes `build/` as `govsite build` would; nothing here writes a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .load import source_file
from .markdown import excerpt, render_body
from .model import BuildResult, Document, Site, evolve
from .pages import document_page, document_titles
from .problems import Problems
from .render import Theme, make_environment, render_page, static_outputs
from .resolve import compute_validity
from .validate import validate_document

SAME_PLACE = ("url", "date", "category", "draft", "repealed_by", "interprets", "validity_override", "expiry", "effective_date")
"""The fields that place a document among the others (its neighbours, lists, validity, links to and
from it): a quick page is made only when the edit left them as they were."""


@dataclass(frozen=True)
class QuickPage:
    data: bytes
    source: Path
    """The document file it was made from."""

    def seen_by(self, started_ns: int) -> bool:
        """Whether a build that started at `started_ns` (time.time_ns()) read the file as it is now,
        so that its page replaces this one: the file was last written before the build began (or is
        gone). The bytes may be newer than this page's (saved again, with no quick page for that
        save): then the build's page differs, and open copies reload."""
        try:
            return self.source.stat().st_mtime_ns < started_ns
        except OSError:
            return True


@dataclass
class QuickPages:
    """Made after each successful build of the preview, from its site."""

    site: Site
    content: Path
    _environment: jinja2.Environment | None = field(default=None, repr=False)
    _by_source: dict[str, Document] = field(default_factory=dict, repr=False)
    _titles: dict[str, str] = field(default_factory=dict, repr=False)
    _sources: dict[str, str] = field(default_factory=dict, repr=False)
    _pending: frozenset[str] = frozenset()

    @classmethod
    def after(cls, result: BuildResult, content: Path) -> "QuickPages":
        return cls(result.site, content)

    def prepare(self) -> None:
        """What every quick page needs (the templates, the documents by file): made once per build,
        before the next edit, so that the edit does not wait for it."""
        if self._environment is None:
            theme = Theme.for_site(self.site.config.theme)
            _, assets = static_outputs(theme)
            self._environment = make_environment(theme, self.site, assets)
            self._by_source = {d.source: d for d in self.site.documents}
            self._titles = document_titles(self.site)
            self._sources = {d.source: d.url for d in self.site.documents}
            self._pending = frozenset(d.source for d in self.site.held_back)

    def pages(self, changed: dict[Path, str]) -> dict[str, QuickPage]:
        """Output path → page, for each changed document file whose quick page can be made."""
        made: dict[str, QuickPage] = {}
        content = self.content.resolve()
        for path, kind in changed.items():
            if kind == "deleted" or path.suffix != ".md" or content not in path.parents or not path.is_file():
                continue
            if any(part.startswith((".", "_")) for part in path.relative_to(content).parts) or path.name.upper() == "README.MD":
                continue
            page = self.page(path)
            if page is not None:
                made[page[0]] = page[1]
        return made

    def page(self, path: Path) -> tuple[str, QuickPage] | None:
        """(output path, bytes) of one document's page; None when the file has an error (the full
        build tells it), is new, or moved the document among the others."""
        self.prepare()
        problems = Problems()
        try:
            data = path.read_bytes()
        except OSError:
            return None
        source = source_file(self.content.resolve(), path, problems, data)
        document = validate_document(source, self.site.config, self.content, problems) if source is not None else None
        old = self._by_source.get(document.source) if document is not None else None
        if document is None or old is None or problems.errors:
            return None
        if any(getattr(document, name) != getattr(old, name) for name in SAME_PLACE):
            return None
        repealed_link = old.validity.repealed_by if old.validity else None
        document = evolve(
            document,
            validity=compute_validity(document, self.site.today, repealed_link),
            interprets_link=old.interprets_link,
            interpreted_by=old.interpreted_by,
            previous=old.previous,
            next=old.next,
        )
        if document.validity != old.validity:
            return None
        body = render_body(document, self._sources, self.site.config.base_path, problems, self._pending)
        if problems.errors:
            return None
        document = evolve(document, html=body.html, text=body.text, files=body.files, excerpt=excerpt(body.text))
        title = self._titles[old.source]
        title = document.title + title[len(old.title) :] if title.startswith(old.title) else document.title  # (a 文号 after a shared title)
        output = render_page(self._environment, document_page(document, self.site, title))
        return output.path, QuickPage(output.data, path)
