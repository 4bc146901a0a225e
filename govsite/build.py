"""`build()`: the stages in order, stopping before anything is written when the content has errors.

load → validate → resolve → render → index → write, with a build cache (cache.py) when asked:
then a file the cache saw unchanged is not read, a body whose products hold is not rendered
(unless its page must be), a page whose key is the same is not rendered, and a file whose bytes
are the same is not written (write.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import sys
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import config as config_module
from .cache import BuildCache, CacheKeys, Products, Record, code_key, document_from_json, open_cache, problems_from_json, problems_json, products_key
from .config import SITE_FILE, load_site_config
from .feeds import feed_file, feeds as site_feeds, robots, sitemap
from .load import content_sources, shown_path
from .markdown import link_targets, with_rendered
from .model import BuildResult, Document, Link, OutputFile, Site
from .pages import document_titles, plan_pages
from .problems import BuildFailed, Problem, Problems
from .render import Theme, make_environment, output_path, page_key, render_page, static_outputs, template_problem, theme_key, uses_today
from .resolve import resolve_site
from .search.counts import TokenCounts
from .search.shards import Shards, fragment, fragment_path, search_order, write_search_index
from .statutory.annual_report import read_reports
from .statutory.guide import read_guide
from .workers import POOL_THRESHOLD, CheckJob, CheckState, DocumentJob, RenderState, Workers, check_chunk, chunks, process_count, render_chunk
from .write import Staging, check_output_folder, output_id

__all__ = ["BuildOptions", "build", "published_files", "template_problem"]


@dataclass(frozen=True)
class BuildOptions:
    content: Path
    out: Path
    today: dt.date
    """"Now" for validity and publication; the real date in Asia/Shanghai unless --today says otherwise."""
    jobs: int | None = None
    """Processes to build with; None: one per core when there are `workers.POOL_THRESHOLD`
    documents or more to read or render, else 1."""
    cache: Path | None = None
    """The build cache folder (cache.py; the command line's default is `.govsite-cache/build/`
    beside the content folder); None: no cache, everything is made again."""
    progress: Callable[[str], None] | None = field(default=None, compare=False)
    """Told each stage of STAGES as it starts (cli.py's progress line on a terminal); None: nobody."""


STAGES = ("read", "check", "render", "index", "write")
"""The stages `build()` reports to `BuildOptions.progress`, in order."""


def build(options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    check_output_folder(options.out, options.content)
    with open_cache(options.cache) as cache:
        result = _Build(options, cache).run()
    return replace(result, seconds=time.perf_counter() - started, index_bytes=_folder_bytes(options.out / "search"))


def _stage(options: BuildOptions, name: str) -> None:
    if options.progress is not None:
        options.progress(name)


def _folder_bytes(folder: Path) -> int:
    """The size of the JSON files under `folder`: the search index (not the search page), for the summary line."""
    return sum(os.stat(os.path.join(root, name)).st_size for root, _, names in os.walk(folder) for name in names if name.endswith(".json"))


@dataclass
class _Plan:
    """What the render stage has to make, document by document."""

    jobs: list[DocumentJob] = field(default_factory=list)
    reused: dict[str, Products] = field(default_factory=dict)
    """Documents whose body need not be rendered, with what it gave last time."""
    kept: list[str] = field(default_factory=list)
    """Pages the output folder holds as they are."""
    fragments: list[tuple[str, bytes | None, bytes]] = field(default_factory=list)
    """(path, bytes to write or None to keep, digest) of fragments this process makes."""
    page_keys: dict[str, bytes] = field(default_factory=dict)
    """Output path → key of the document pages the workers make."""


class _Build:
    """One build's state, stage by stage (`run`)."""

    def __init__(self, options: BuildOptions, cache: BuildCache | None):
        self.options, self.cache, self.content = options, cache, options.content
        self.problems = Problems()
        self.records: dict[str, Record] = cache.records() if cache else {}
        self.changed: set[str] = set()
        """Sources whose record this build made or changed."""
        self.products: dict[str, Products | None] = {}
        """The products each reused record holds (cache.Products), whether they hold still or not."""
        self.keys = CacheKeys("", "")

    def run(self) -> BuildResult:
        if self.cache is not None:  # names given a slug before need no pinyin (and its 55 MB) again
            config_module.SLUGS.update(json.loads(self.cache.meta("slugs") or "{}"))
        _stage(self.options, "read")
        self.config = load_site_config(self.content, self.problems)
        documents, digests = self.read()
        if len(documents) >= POOL_THRESHOLD:
            _release_pinyin()
        if self.config is None:
            self.problems.raise_if_errors()
        _stage(self.options, "check")
        site = resolve_site(documents, self.config, self.options.today, self.problems)
        del documents
        site = replace(site, guide=read_guide(site, self.content, self.problems), reports=read_reports(site, self.content, self.problems))
        return self.make(site, digests)

    # --- load and validate --------------------------------------------------------------------

    def read(self) -> tuple[list[Document], dict[str, bytes]]:
        """Every content file's Document: the cache's when the file is as the cache saw it (same
        size and time, or same bytes), else read and validated, in worker processes when many."""
        if self.cache is not None:
            site_yaml = self.content / SITE_FILE
            self.keys = CacheKeys(
                code_key(),
                hashlib.sha256(
                    (site_yaml.read_bytes() if site_yaml.is_file() else b"")
                    + f"\0{self.content.resolve()}\0{shown_path(self.content)}\0{os.getcwd()}".encode()
                ).hexdigest(),
            )
        documents: list[Document] = []
        digests: dict[str, bytes] = {}
        jobs: list[CheckJob] = []
        decoded: dict[str, Document] = {}
        for relative, path in content_sources(self.content):
            record = self.records.get(unicodedata.normalize("NFC", relative))
            document = None
            if record is not None and record.parse_key == self.keys.parse:
                products = self.products[record.source] = Products.from_json(record.products) if record.products else None
                document = document_from_json(record.document, products)
            if document is not None and _attachments_unchanged(document):
                stat = path.stat()
                if (record.size, record.mtime) == (stat.st_size, stat.st_mtime_ns):
                    self.problems.extend(problems_from_json(record.problems))
                    documents.append(document)
                    digests[record.source] = record.digest
                    continue
                jobs.append(CheckJob(path, record.digest))
                decoded[record.source] = document
            else:
                jobs.append(CheckJob(path))
        workers = Workers(process_count(self.options.jobs, len(jobs)))
        state = CheckState(Path.cwd(), self.content, self.config, keep_json=self.cache is not None)
        with workers.run(check_chunk, state, jobs) as checked:
            for chunk, part in zip(chunks(jobs), checked):
                for job, item in zip(chunk, part):
                    if item.unchanged:  # new time, same bytes (a fresh checkout)
                        stat = job.path.stat()
                        record = replace(self.records[_source(self.content, job.path)], size=stat.st_size, mtime=stat.st_mtime_ns)
                        self._keep(record)
                        self.problems.extend(problems_from_json(record.problems))
                        documents.append(decoded[record.source])
                        digests[record.source] = record.digest
                        continue
                    self.problems.extend(item.problems)
                    if item.document is None:
                        continue
                    documents.append(item.document)
                    digests[item.document.source] = item.digest
                    if self.cache is not None:
                        stat = job.path.stat()
                        record = Record(item.document.source, stat.st_size, stat.st_mtime_ns, item.digest, self.keys.parse, item.json, problems_json(item.problems), -1)
                        old = self.records.get(record.source)
                        if old is not None and old.digest == item.digest:  # validated again (site.yaml changed), same body
                            record = replace(record, slot=old.slot, products=old.products, fragment=old.fragment, fragment_of=old.fragment_of)
                        self._keep(record)
        return documents, digests

    def _keep(self, record: Record) -> None:
        self.records[record.source] = record
        self.changed.add(record.source)

    # --- render and write ---------------------------------------------------------------------

    def make(self, site: Site, digests: dict[str, bytes]) -> BuildResult:
        """Render what must be, write what changed (everything without a cache), put it in place."""
        options, config, problems, cache = self.options, self.config, self.problems, self.cache
        _stage(options, "render")
        theme = Theme.for_site(config.theme)
        statics, assets = static_outputs(theme)
        self.render_key = b""
        if cache is not None:
            self.render_key = hashlib.sha256(
                self.keys.code.encode()
                + (self.content / SITE_FILE).read_bytes()
                + theme_key(theme)
                + (site.today.isoformat().encode() if uses_today(theme) else b"")
            ).digest()
        previous, previous_folders, previous_id = cache.outputs(options.out) if cache else ({}, {}, None)
        trusted = previous_id is not None and previous_id == output_id(options.out)
        staging = Staging(options.out, previous if trusted else None, previous_folders)

        self.sources = {d.source: d.url for d in site.documents}
        self.pending = frozenset(d.source for d in site.held_back)
        self.search_ids = {d.source: number for number, d in enumerate(search_order(site.documents))}
        self.titles = document_titles(site)
        self.digests = digests
        self.issuers = tuple(issuer.name for issuer in config.issuers)
        known: dict[int, tuple[object, bytes]] = {}
        plan = self.plan(site, staging, known)
        order = "\0".join(source for source, _ in sorted(self.search_ids.items(), key=lambda item: item[1]))
        shards = Shards(**json.loads(cache.meta("shards"))) if cache is not None and cache.meta("shards") else None
        self.counts: TokenCounts | None = None
        if shards is not None and not self.counting and staging.in_place and shards.key == _index_key(cache.meta("counts_id"), order):
            counts = lambda: self.token_counts(site, plan)  # the output folder holds the shards: loaded only if one is missing
        else:
            counts = self.token_counts(site, plan)
        workers = Workers(process_count(options.jobs, len(plan.jobs)))
        fragments: list[bytes] = [b""] * len(self.search_ids)
        products: dict[str, tuple[tuple[str, ...], str]] = {source: (p.files, p.excerpt) for source, p in plan.reused.items()}
        for reused in plan.reused.values():
            problems.extend(reused.problems)
        failures: list[Problem | None] = []

        def take(part) -> None:
            """Merge one chunk's results as they come (so that they do not pile up in memory)."""
            counted = [job_source for job_source in (item.source for item in part.documents) if job_source in self.counting]
            if counted:  # (then `counts` is a TokenCounts: documents to count rule out keeping the shards)
                counts.add([self.slot(source) for source in counted], part.counts)
            for item in part.documents:
                problems.extend(item.problems)
                failures.append(item.failure)
                for path, digest, written in item.made:
                    staging.record(path, digest, plan.page_keys.get(path, b""), written)
                    if path.startswith("search/"):
                        fragments[self.search_ids[item.source]] = digest
                products[item.source] = (item.files, item.excerpt)
                self.remember(item)

        with staging:
            for path in plan.kept:
                staging.keep(path)
            for path, data, digest in plan.fragments:
                staging.put(path, data) if data is not None else staging.record(path, digest)
                fragments[self.search_ids_by_path[path]] = digest
            state = RenderState(Path.cwd(), self.content, Site(config, site.today, (), {}, {}, {}), theme, assets, self.sources, self.pending, staging.root)
            with workers.pool(state) as pool:
                rendered = pool.map(render_chunk, chunks(plan.jobs))
                for output in statics:
                    staging.write(output)
                env = make_environment(theme, site, assets)
                pages = plan_pages(site, documents=False)
                first = [p for p in pages if "search_index" not in p.context] if not problems.errors else []

                def take_ready() -> None:
                    while rendered.ready():
                        take(next(rendered))

                failure = self.write_pages(env, first, staging, known, take_ready)
                for part in rendered:
                    take(part)
                failure = failure or next(filter(None, failures), None)  # the lists' first, as their pages come first
                site = with_rendered(site, products)
                files = published_files(site, self.content, problems)
                problems.raise_if_errors()  # nothing of the output folder was touched
                if failure is not None:
                    raise BuildFailed([failure], problems.warnings)
                index_key = _index_key(cache.meta("counts_id"), order) if cache is not None and not self.counting else ""  # ("": not the counts kept)
                _stage(options, "index")
                meta_path, self.shards = write_search_index(site, counts, staging, fragments, pool.map, staging.root, index_key, shards, options.out)
                del counts
                if cache is not None and self.counts is not None and (self.counting or self.counts.rebased):
                    saved = cache.save_counts(self.counts)  # (after the index: a build that indexed every token renumbered them)
                    self.shards = replace(self.shards, key=_index_key(saved, order), counts=saved)
                self.counts = None

            _stage(options, "write")
            for output in files:
                staging.write(output)
            later = [replace(p, context={**p.context, "search_index": meta_path}) for p in pages if "search_index" in p.context]
            failure = self.write_pages(env, later, staging, known)
            if failure is not None:
                raise BuildFailed([failure], problems.warnings)
            feeds = site_feeds(site)
            for feed in feeds:  # (29 feeds of 50 items: a third of a second to make again)
                key = hashlib.sha256(self.render_key + feed.key(site)).digest() if cache is not None else b""
                if staging.holds(feed.path, key):
                    staging.keep(feed.path)
                else:
                    staging.put(feed.path, feed_file(site, feed).data, key)
            staging.write(robots(site))
            urls = [page.url for page in pages if not page.context.get("noindex")] + [d.url for d in site.documents]
            key = b""
            if cache is not None:  # the sitemap of 25,000 URLs takes a third of a second to make
                text = "\n".join(sorted(set(urls))) + "\n".join(f"{d.url} {d.date}" for d in site.documents)
                key = hashlib.sha256(self.render_key + text.encode()).digest()
            if staging.holds("sitemap.xml", key):
                staging.keep("sitemap.xml")
            else:
                staging.put("sitemap.xml", sitemap(site, urls).data, key)
            _check_output_collisions(staging)
            staging.commit()
        if cache is not None:
            self.save(fragments, staging, previous)
        return BuildResult(
            site=site,
            files=len(staging.files),
            pages=len(pages) + len(site.documents),
            feeds=len(feeds),
            warnings=tuple(problems.warnings),
            seconds=0.0,
        )

    def plan(self, site: Site, staging: Staging, known: dict) -> _Plan:
        """Per document: whether its body's products hold (the cache's, when the bytes, the base
        path and what its links point at are the same), and which of its page and fragment the
        output folder holds already; what is left becomes a job for the workers."""
        plan = _Plan()
        self.document_keys: dict[str, bytes] = {}
        self.search_ids_by_path = {fragment_path(number): number for number in self.search_ids.values()}
        counts_kept = self.cache is not None and self.cache.counts_kept()
        base_path = self.config.base_path
        for document in (*site.documents, *site.held_back):
            record = self.records.get(document.source)
            kept = self.products.get(document.source)
            if kept is None and record is not None and record.products:  # validated again, same bytes
                kept = Products.from_json(record.products)
            if counts_kept and kept is not None and record.slot >= 0 and record.products:
                links = link_targets(tuple(link for link, _ in kept.links), self.sources, self.pending)
                if kept.key == products_key(record.digest, base_path, links, self.issuers):
                    plan.reused[document.source] = kept
            if self.cache is not None:
                self.document_keys[document.source] = key = document_digest(document, record)
                known[id(document)] = (document, "#" + key.hex())

        wanted = not self.problems.errors  # with errors, bodies are rendered for their problems only
        for document in (*site.documents, *site.held_back):
            source = document.source
            products = plan.reused.get(source)
            published = source in self.search_ids
            page = output_path(document.url) if published and wanted else None
            key = self.document_page_key(document) if page else b""
            held = page is not None and staging.holds(page, key)
            fragment_at = fragment_path(self.search_ids[source]) if published else None
            if products is None or (page is not None and not held):
                if page is not None:
                    plan.page_keys[page] = key
                plan.jobs.append(
                    DocumentJob(
                        document,
                        self.digests[source],
                        self.titles[source] if page else None,
                        self.search_ids.get(source),
                        count=products is None,
                        page_digest=staging.previous_digest(page) if page else None,
                        fragment_digest=staging.previous_digest(fragment_at) if fragment_at else None,
                    )
                )
                continue
            if held:
                plan.kept.append(page)
            if fragment_at is not None:
                record = self.records[source]
                if record.fragment_of == self.document_keys[source] and record.fragment and staging.previous_digest(fragment_at) == record.fragment:
                    plan.fragments.append((fragment_at, None, record.fragment))
                else:  # its fragment changed (its validity, its place …)
                    data = fragment(replace(document, excerpt=products.excerpt))
                    plan.fragments.append((fragment_at, data, hashlib.sha256(data).digest()))
        self.counting = {job.document.source for job in plan.jobs if job.count}
        return plan

    def document_page_key(self, document: Document) -> bytes:
        """A document page's context is made from the document, the site's config and its title
        alone (pages.document_page): their digests make its key."""
        text = f"document\x1f{document.url}\x1f{self.titles[document.source]}\x1f".encode()
        return hashlib.sha256(self.render_key + text + self.document_keys.get(document.source, b"")).digest()

    def write_pages(self, env, pages, staging: Staging, known: dict, between=lambda: None) -> Problem | None:
        """Render and write the pages whose key changed, in order, calling `between()` before each;
        the first template failure as a Problem, if any."""
        for page in pages:
            between()
            path = output_path(page.url)
            key = page_key(self.render_key, page, known) if self.cache is not None else b""
            if staging.holds(path, key):
                staging.keep(path)
                continue
            try:
                output = render_page(env, page)
            except Exception as exc:  # a broken (custom) template is a message, not a traceback
                return template_problem(exc)
            staging.put(output.path, output.data, key)
        return None

    # --- the search token counts --------------------------------------------------------------

    def token_counts(self, site: Site, plan: _Plan) -> TokenCounts:
        """The counts the cache kept for documents whose products are reused, and room for the
        counts of the others (each document has a slot, kept until a build indexes every token)."""
        self.slots: dict[str, int] = {}
        counts, stale = None, set()
        if self.cache is not None and plan.reused:
            table, present = self.cache.counts_table()
            kept = {source: slot for slot, source in enumerate(table) if source is not None}
            self.slots = {source: kept[source] for source in plan.reused}
            stale = present - set(self.slots.values())
            slots = {slot: source for source, slot in self.slots.items()}
            counts = self.cache.token_counts([slots.get(slot) for slot in range(max(present | set(slots), default=-1) + 1)])
            counts.replaced = {source: kept[source] for source in self.counting if source in kept}
            if len(stale) > max(64, len(self.slots) // 20):  # enough rows of changed or removed documents to drop them:
                counts.loaded_from = ""  # index every token again (search/shards.py), which drops them
        used = set(self.slots.values()) | stale  # a stale slot's rows are still there: not reused before they go
        self.next_slot = max(used, default=-1) + 1
        self.free = sorted(set(range(self.next_slot)) - used, reverse=True)
        self.table: list[str | None] = [None] * self.next_slot + [None] * len(self.counting)
        for source, slot in self.slots.items():
            self.table[slot] = source
        if counts is None:
            counts = TokenCounts(self.table)
        counts.sources = self.table
        self.counts = counts
        return counts

    def slot(self, source: str) -> int:
        """A document's slot in the counts: its own, a free one, or a new one."""
        if source not in self.slots:
            if self.free:
                slot = self.free.pop()
            else:
                slot, self.next_slot = self.next_slot, self.next_slot + 1
            self.slots[source] = slot
            self.table[slot] = source
        return self.slots[source]

    def remember(self, item) -> None:
        """Keep what rendering a document's body gave (cache.Products) in its record."""
        record = self.records.get(item.source) if self.cache is not None else None
        if record is None:
            return
        links = link_targets(item.links, self.sources, self.pending)
        products = Products(products_key(self.digests[item.source], self.config.base_path, links, self.issuers), links, item.files, item.excerpt, item.problems)
        slot = self.slot(item.source) if item.source in self.counting else record.slot
        self._keep(replace(record, products=products.to_json(), slot=slot))

    def save(self, fragments: list[bytes], staging: Staging, previous: dict) -> None:
        for source, key in self.document_keys.items():  # each fragment with the document it shows, for the next build
            record = self.records.get(source)
            if record is not None and source in self.search_ids:
                digest = fragments[self.search_ids[source]]
                if (record.fragment, record.fragment_of) != (digest, key):
                    self._keep(replace(record, fragment=digest, fragment_of=key))
        records = {source: record for source, record in self.records.items() if source in self.digests}
        self.cache.set_meta("shards", json.dumps(dataclasses.asdict(self.shards)))
        self.cache.save(records, self.changed, self.options.out, staging.files, previous, staging.folders, staging.id, dict(config_module.SLUGS))


def _release_pinyin() -> None:
    """Let pypinyin's dictionaries (55 MB) go once site.yaml's slugs are made: a large site needs
    the memory, and `config.SLUGS` (kept by the cache) spares most builds loading them at all."""
    for name in [name for name in sys.modules if name == "pypinyin" or name.startswith("pypinyin.")]:
        del sys.modules[name]


def _index_key(counts_id: str | None, order: str) -> str:
    """What the shards are made from: the token counts (the id the cache saved them under) and the
    documents in search order."""
    return hashlib.sha256(f"{counts_id}\0{order}".encode()).hexdigest()


def _source(content: Path, path: Path) -> str:
    return unicodedata.normalize("NFC", path.relative_to(content).as_posix())


def _attachments_unchanged(document: Document) -> bool:
    """Validation reads each attachment's size: a record holds only while they are the same."""
    for attachment in document.attachments:
        try:
            if attachment.source.stat().st_size != attachment.size:
                return False
        except OSError:
            return False
    return True


def document_digest(document: Document, record: Record | None) -> bytes:
    """What a document's pages and fragment are made from: its validated fields (the cache's JSON
    of them), its file's bytes, and what resolving the site added (validity, neighbours,
    interpretations). Its page also shows where its links point: when that changes, its products
    no longer hold and the page is made again whatever its key (`_Build.plan`)."""
    validity = document.validity
    resolved = "\x1f".join(
        (
            "-" if validity is None else f"{validity.label}\x1e{validity.note}\x1e{_link_text(validity.repealed_by)}",
            _link_text(document.interprets_link),
            "\x1d".join(map(_link_text, document.interpreted_by)),
            _link_text(document.previous),
            _link_text(document.next),
        )
    )  # (written out: the data classes' repr took a tenth of a second for 20,000 documents)
    validated = record.document + record.digest.hex() if record is not None else repr(document)
    return hashlib.sha256((validated + resolved).encode("utf-8", "surrogatepass")).digest()


def _link_text(link: Link | None) -> str:
    return "-" if link is None else f"{link.url}\x1e{link.title}"


def published_files(site: Site, content: Path, problems: Problems) -> list[OutputFile]:
    """Attachments and files a body links to or shows, copied to the path they have under content/,
    once each; only for published documents, so a future document's files are not out early (the
    指南's own section and the 年度报告 narratives may link files too)."""
    found: dict[str, OutputFile] = {}
    for document in site.documents:
        for attachment in document.attachments:
            found.setdefault(attachment.url, OutputFile(attachment.url, source=attachment.source))
    linked = [(document.shown, rel) for document in site.documents for rel in document.files]
    if site.guide:
        linked += [(site.guide.source, rel) for rel in site.guide.files]
    if site.reports:
        linked += [(report.shown, rel) for report in site.reports.reports for rel in report.files]
    for shown, rel in linked:
        path = content / rel
        if not path.is_file():
            problems.error(
                shown,
                0,
                f"正文链接或显示的文件“{rel}”不存在。",
                "把文件放到这个位置，或改正正文中的路径（相对于本 Markdown 文件所在的文件夹）。",
            )
            continue
        found.setdefault(rel, OutputFile(rel, source=path))
    return [found[path] for path in sorted(found)]


def _check_output_collisions(staging: Staging) -> None:
    clashes = staging.collisions()
    if clashes:
        problems = [
            Problem(path, 0, "两个输出文件的路径相同（附件与页面或其他附件重名）。", "给附件或文档换一个文件名。") for path in clashes
        ]
        raise BuildFailed(problems, [])
