"""The whoosh index behind `govsite search`: kept in a cache folder, brought up to date from content hashes.

whoosh indexes about 76 documents a second with bigram analysis (issue 4), far too slow for the
build, but fine for a webmaster's terminal once the index exists: each run re-reads the sources,
compares one hash per document with the hash the index stored, and touches only the documents
that were added, changed or removed. It tokenizes with our analyzer and scores with BM25F and
the field weights of the static index, so it also serves as the oracle the static index (and
the browser) are tested against."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import whoosh
from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError  # noqa: F401 (cli.py reports a second writer with it)
from whoosh.qparser import OrGroup, QueryParser, RangePlugin, SingleQuotePlugin
from whoosh.query import And, AndNot, Not, NullQuery, Or, Query, Term
from whoosh.scoring import BM25F

from ..config import load_site_config
from ..load import read_sources
from ..markdown import render_body
from ..model import Document, Site
from ..problems import Problems, did_you_mean
from ..resolve import resolve_site
from ..validate import validate_documents
from . import analyzer, shards
from .analyzer import index_tokens, normalise, query_tokens
from .shards import B, FIELDS, K1, VALIDITY_LABELS, WEIGHTS, field_texts

MARKER = "govsite-index.json"
"""Beside whoosh's files: the version the index was built with and the content folder it holds."""
FILTER_FIELDS = ("category", "year", "validity")
"""Fields matched exactly (not analysed); `category` holds a document's category and its ancestors."""
QUERY_FIELDS = FIELDS + FILTER_FIELDS
WRITER_MB = 256
"""Megabytes of whoosh's posting pool before it spills sorted runs to disk (default 128): the first
indexing of 5,000 generated documents took 46 s with 128 and 37 s with 256 (peak 0.5 GB)."""


class GovsiteTokenizer(Tokenizer):
    """Our analyzer as a whoosh tokenizer, so whoosh and the browser see the same tokens: a field's
    `index_tokens` when indexing, one query word's `query_tokens` when parsing a query. whoosh's
    own handling of Chinese (and its lowercasing and stop words) is never used."""

    def __init__(self, characters: bool = True):
        self.characters = characters
        """False for the body, as the static index has it (`index_tokens`)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            texts = [value]
        elif mode == "query":
            texts = query_tokens(value)
        else:
            texts = index_tokens(value, self.characters)
        for position, text in enumerate(texts):
            # whoosh reuses one Token (acore.Token's docstring); every attribute is set each time
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + position
            if chars:  # no offsets are kept per token: the whole value stands for each
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token


def make_schema() -> Schema:
    def text(stored: bool, characters: bool = True) -> TEXT:
        # no positions (phrase=False): queries are tokens ANDed within a word, as in the browser
        return TEXT(analyzer=GovsiteTokenizer(characters), phrase=False, stored=stored, multitoken_query="and")

    return Schema(
        path=ID(stored=True, unique=True),
        title=text(True),
        doc_number=text(True),
        issuer=text(False),
        keywords=text(False),
        body=text(False, characters=False),
        organ=KEYWORD(stored=True),
        category=KEYWORD(stored=True),
        year=ID(stored=True),
        validity=ID(stored=True),
        url=STORED(),
        date=STORED(),
        hash=STORED(),
    )


def weighting() -> BM25F:
    return BM25F(B=B, K1=K1)


def index_version() -> str:
    """Changes whenever what the index holds could change (the schema, the tokenizer, the fields,
    whoosh itself), so that the next run rebuilds the index instead of mixing two versions."""
    digest = hashlib.sha256(whoosh.versionstring().encode())
    for module in (analyzer, shards, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


# --- reading the content --------------------------------------------------------------------


def read_site(content: Path, today: dt.date) -> Site:
    """load → validate → resolve, as `build` runs them; raises BuildFailed on content errors.

    The Markdown is left for `update_index`, which renders only the documents it (re)indexes."""
    problems = Problems()
    config = load_site_config(content, problems)
    sources = read_sources(content, problems)
    if config is None:
        problems.raise_if_errors()
    documents = validate_documents(sources, config, content, problems)
    site = resolve_site(documents, config, today, problems)
    problems.raise_if_errors()
    return site


def content_hash(document: Document, content: Path) -> str:
    """The source file's bytes plus what its indexed fields take from elsewhere: the validity on --today."""
    digest = hashlib.sha256((content / document.source).read_bytes())
    digest.update(b"\0" + document.validity.label.encode())
    return digest.hexdigest()[:32]


def category_keys(key: str) -> list[str]:
    """`政策文件/县政府文件` → [政策文件, 政策文件/县政府文件]: a filter by a top-level category finds its children's documents."""
    parts = key.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def document_fields(document: Document, digest: str) -> dict:
    """The whoosh document: the analysed fields exactly as the static index reads them (`field_texts`)."""
    return {
        **field_texts(document),
        "path": document.source,
        "organ": list(dict.fromkeys((document.issuer, *document.co_issuers))),
        "category": category_keys(document.category),
        "_stored_category": document.category,
        "year": str(document.year),
        "validity": document.validity.label,
        "url": document.url,
        "date": document.date.isoformat(),
        "hash": digest,
    }


# --- keeping the index up to date -----------------------------------------------------------


@dataclass(frozen=True)
class IndexChanges:
    """What one run did to the index."""

    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def open_index(folder: Path, content: Path) -> tuple[whoosh_index.Index, bool]:
    """(index, True when it was created empty): a missing, unreadable or outdated index is rebuilt."""
    marker = {"version": index_version(), "content": str(content.resolve())}
    try:
        found = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = None
    if found == marker and whoosh_index.exists_in(str(folder)):
        try:
            return whoosh_index.open_dir(str(folder), schema=make_schema()), False
        except Exception:  # a damaged cache is rebuilt, never a reason to fail
            pass
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)  # written again once the new index is committed
    return whoosh_index.create_in(str(folder), make_schema()), True


def update_index(site: Site, content: Path, folder: Path) -> tuple[whoosh_index.Index, IndexChanges]:
    """Add, replace and delete only what changed since the last run; nothing at all when nothing did.

    Raises BuildFailed when a (re)indexed document's Markdown has errors, before anything is written."""
    ix, fresh = open_index(folder, content)
    stored: dict[str, str] = {}
    if not fresh:
        with ix.reader() as reader:
            stored = {fields["path"]: fields["hash"] for fields in reader.all_stored_fields()}
    current = {document.source: (document, content_hash(document, content)) for document in site.documents}
    added = [path for path in current if path not in stored]
    changed = [path for path in current if path in stored and stored[path] != current[path][1]]
    removed = sorted(path for path in stored if path not in current)
    changes = IndexChanges(len(added), len(changed), len(removed))
    if fresh or changes.any:
        problems = Problems()
        documents = _with_text([current[path][0] for path in added + changed], site, problems)
        records = {document.source: document_fields(document, current[document.source][1]) for document in documents}
        problems.raise_if_errors()
        writer = ix.writer(timeout=10.0, limitmb=WRITER_MB)
        try:
            for path in removed:
                writer.delete_by_term("path", path)
            for path in changed:
                writer.update_document(**records[path])
            for path in added:
                writer.add_document(**records[path])
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        if fresh:
            marker = {"version": index_version(), "content": str(content.resolve())}
            (folder / MARKER).write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
    return ix, changes


def _with_text(documents: list[Document], site: Site, problems: Problems) -> list[Document]:
    """The documents with their plain text, rendered as `markdown.render_bodies` renders it."""
    sources = {d.source: d.url for d in site.documents}
    pending = frozenset(d.source for d in site.held_back)
    base_path = site.config.base_path
    return [replace(d, text=render_body(d, sources, base_path, problems, pending).text) for d in documents]


# --- queries --------------------------------------------------------------------------------


class QueryProblem(ValueError):
    """A query or filter that cannot be searched; the message says why, in the user's words."""


class Word(And):
    """One query word: every token of it, each in any field. Kept as one node when the query is
    normalised, so a document's matched words can be counted (the browser ranks by them first)."""

    def normalize(self):
        subqueries = [q for q in (q.normalize() for q in self.subqueries) if q is not NullQuery]
        return Word(subqueries, boost=self.boost) if subqueries else NullQuery


def word_query(tokens: list[str], boost: float = 1.0) -> Query:
    """AND within a word, each token in any field with its field weight: the browser's query."""
    if not tokens:
        return NullQuery
    return Word([Or([Term(field, token, boost=boost * WEIGHTS[field]) for field in FIELDS]) for token in tokens])


class GovsiteParser(QueryParser):
    """whoosh's query language, with plain words searched as the browser searches them.

    A word without a field looks in every text field (`word_query`); words are ORed. A word with
    a field (title:预算) is ANDed tokens of that field, weighted like the field. Quotes make one
    word of several ("政府采购 中标" needs both). `[ ]` and `( )` inside a word are 文号 brackets
    (青政发[2024]5号), not whoosh's ranges or groups."""

    def __init__(self, schema: Schema):
        super().__init__(None, schema, group=OrGroup, phraseclass=self._phrase)
        self.remove_plugin_class(RangePlugin)
        self.remove_plugin_class(SingleQuotePlugin)

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        if fieldname is None:
            if termclass is Term:
                return word_query(query_tokens(text) if tokenize else [text], boost)
            text = normalise(text)  # a wildcard (预*): whoosh matches it against our tokens as it is
            return Or([termclass(field, text, boost=boost * WEIGHTS[field]) for field in FIELDS])
        return super().term_query(fieldname, text, termclass, boost * WEIGHTS.get(fieldname, 1.0), tokenize, removestops)

    def _phrase(self, fieldname, words, slop=1, boost=1.0, char_ranges=None):
        if fieldname is None:  # each word's tokens (joined, 政府采购 公示 would be one run of CJK)
            return word_query(list(dict.fromkeys(t for word in words for t in query_tokens(word))), boost)
        weight = boost * WEIGHTS.get(fieldname, 1.0)
        return And([Term(fieldname, word, boost=weight) for word in words]) if words else NullQuery


FIELD_NAMES = {"标题": "title", "文号": "doc_number", "发布机构": "issuer", "主题词": "keywords", "正文": "body",
               "栏目": "category", "年份": "year", "有效性": "validity"}
"""The Chinese names a field may also be written with (文号:青政发〔2024〕5号)."""
_FIELD_RE = re.compile(r"(?<![^\s(（])([A-Za-z_][A-Za-z0-9_]*|" + "|".join(FIELD_NAMES) + r")\s*[:：](?!//)(\S?)")
_WORD_BRACKETS_RE = re.compile(r"(?<=[^\s:(（])\(([^\s()]*)\)")


def parse_query(text: str, schema: Schema) -> Query:
    """The query, or QueryProblem: an unknown field name, a field with nothing after it, or nothing to search for."""
    for match in _FIELD_RE.finditer(text):
        name = FIELD_NAMES.get(match.group(1), match.group(1))
        if name not in QUERY_FIELDS:
            raise QueryProblem(
                f"不认识的字段“{name}”。{did_you_mean(name, QUERY_FIELDS)}可用的字段：{'、'.join(QUERY_FIELDS)}。"
            )
        if not match.group(2):
            raise QueryProblem(f"字段“{match.group(1)}:”后面没有要搜索的内容。冒号后面紧接着写，如 {match.group(1)}:预算。")
    # 文号：… and title：… (a Chinese name or colon) are fields too
    text = _FIELD_RE.sub(lambda m: FIELD_NAMES.get(m.group(1), m.group(1)) + ":" + m.group(2), text)
    text = _WORD_BRACKETS_RE.sub(r"〔\1〕", text)  # 青政发(2024)5号 is one word, not a group
    query = _exclusions(GovsiteParser(schema).parse(text, normalize=False)).normalize()
    if query is NullQuery:
        raise QueryProblem(f"“{text.strip()}”中没有可以搜索的字词：请输入汉字、字母或数字。")
    return query


def _exclusions(query: Query) -> Query:
    """`a NOT b` excludes b: whoosh's OR grouping alone would read it as "a, or anything without b"."""
    if isinstance(query, (And, Or)) and not isinstance(query, Word):
        subqueries = [_exclusions(q) for q in query.subqueries]
        if isinstance(query, Or):
            kept = [q for q in subqueries if not isinstance(q, Not)]
            dropped = [q.query for q in subqueries if isinstance(q, Not)]
            if kept and dropped:
                return AndNot(Or(kept, boost=query.boost), Or(dropped))
            if dropped:  # NOT a NOT b: neither
                return Not(Or(dropped))
        return query.__class__(subqueries, boost=query.boost)
    return query


@dataclass(frozen=True)
class Filters:
    """Exact filters, as the browser's facets: a category key (a top-level one includes its children),
    an issuer's full name (co-issued documents count), a year, a validity label."""

    category: str | None = None
    issuer: str | None = None
    year: int | None = None
    validity: str | None = None


def check_filters(filters: Filters, site: Site) -> Filters:
    """Filters with names completed (县政府文件 → 政策文件/县政府文件, 财政局 → 青山县财政局), or QueryProblem."""
    config = site.config
    category = filters.category
    if category is not None:
        keys = [c.key for c in config.all_categories()]
        if category not in keys:
            ends = [key for key in keys if key.split("/")[-1] == category.strip("/")]
            if len(ends) != 1:
                hint = f"是“{'”还是“'.join(ends)}”？" if ends else did_you_mean(category, keys)
                raise QueryProblem(f"没有栏目“{category}”。{hint}栏目要写 site.yaml 中的完整路径，如“{keys[-1]}”。")
            category = ends[0]
    issuer = filters.issuer
    if issuer is not None:
        names = [i.name for i in config.issuers]
        if issuer not in names:
            containing = [name for name in names if issuer in name]
            if len(containing) != 1:
                hint = f"是“{'”“'.join(containing[:5])}”中的哪一个？" if containing else did_you_mean(issuer, names)
                raise QueryProblem(f"没有发布机构“{issuer}”。{hint}请写 site.yaml 中 issuers 的全称。")
            issuer = containing[0]
    if filters.validity is not None and filters.validity not in VALIDITY_LABELS:
        raise QueryProblem(f"有效性只能是 {'、'.join(VALIDITY_LABELS)} 之一，收到“{filters.validity}”。")
    return Filters(category, issuer, filters.year, filters.validity)


def filter_query(filters: Filters) -> Query | None:
    terms = []
    if filters.category is not None:
        terms.append(Term("category", filters.category))
    if filters.issuer is not None:
        terms.append(Term("organ", filters.issuer))
    if filters.year is not None:
        terms.append(Term("year", str(filters.year)))
    if filters.validity is not None:
        terms.append(Term("validity", filters.validity))
    return And(terms) if terms else None


@dataclass(frozen=True)
class Hit:
    """One document found, with what `govsite search` prints of it."""

    path: str
    """SourceFile.rel of the document."""
    url: str
    title: str
    date: str
    doc_number: str
    issuers: tuple[str, ...]
    """The issuer, then the co-issuers."""
    category: str
    validity: str
    score: float
    words: int
    """How many of the query's words the document matches."""


@dataclass(frozen=True)
class SearchResult:
    total: int
    """Every matching document, beyond the limit too."""
    hits: tuple[Hit, ...]
    """The first `limit` hits, best first."""


def search(ix: whoosh_index.Index, query: Query, filters: Filters = Filters(), limit: int | None = 20) -> SearchResult:
    """Hits ranked as the browser ranks them: by matched words, then BM25F score; then valid before
    lapsed documents, newest first, by path (every sort has a tie-break, STYLE.md §7)."""
    positive = query.a if isinstance(query, AndNot) else query
    words = list(positive.subqueries) if isinstance(positive, Or) else [positive]
    with ix.searcher(weighting=weighting()) as searcher:
        results = searcher.search(query, limit=None, filter=filter_query(filters))
        matched: Counter = Counter()
        if len(words) > 1:
            for word in words:
                matched.update(searcher.docs_for_query(word))
        hits = []
        for result in results:
            fields = result.fields()
            hits.append(
                Hit(
                    path=fields["path"],
                    url=fields["url"],
                    title=fields["title"],
                    date=fields["date"],
                    doc_number=fields.get("doc_number", ""),
                    issuers=tuple(fields["organ"]),
                    category=fields["category"],
                    validity=fields["validity"],
                    score=result.score,
                    words=matched[result.docnum] or 1,
                )
            )
    lapsed = {"失效": 1, "废止": 1}
    hits.sort(key=lambda h: (-h.words, -round(h.score, 6), lapsed.get(h.validity, 0), _days(h.date), h.path))
    return SearchResult(len(hits), tuple(hits[:limit] if limit else hits))


def _days(iso: str) -> int:
    return -dt.date.fromisoformat(iso).toordinal()
