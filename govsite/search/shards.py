"""The static search index: documents → files a browser fetches piece by piece (as Pagefind does).

Layout under `search/` (every JSON; a query fetches the meta file, the table, one shard per
query token, and one fragment per result shown):

- `meta.<hash>.json`: `{"version", "documents", "fields", "weights", "shards": [first token of
  each shard, sorted], "shardFolder", "fragments" (folders), "perFolder", "facets": {"category":
  [keys], "issuer": [names], "validity": [labels]}, "table": path}`. Its name is in the search
  page's `data-index`, so a page never meets an index of another build; shard n is
  `<shardFolder><n // perFolder>/<n>.json`, and both folders carry a digest of their files, so
  no cache can mix two builds.
- `t.<hash>.json`, the table, one column per document id: `category` and `validity` run-length
  encoded (`[value, count, value, count, …]`), `issuer`, and `date` (days since 1970-01-01) as
  differences from the previous document's: for facet counts and date sorting.
- shards: `{token: [doc id gaps, impacts]}` for a run of tokens in sorted order. An impact is
  the token's BM25F score in that document (summed over fields, × IMPACT_SCALE, rounded), so a query adds
  numbers and needs no field lengths.
- `<fragments><id // perFolder>/<id>.json`, fragments: what a result shows (url, title, issuer,
  date, 文号, validity, category, the first part of the text for the snippet).

Document ids follow (category, date, URL), so the table's columns run in long runs and
compress well. Scores follow whoosh's BM25F (same idf, same quantised field lengths), which
is what the oracle test compares against."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from whoosh.util.numeric import byte_to_length, length_to_byte

from ..model import Document, Site
from .analyzer import index_tokens

FIELDS = ("title", "doc_number", "issuer", "keywords", "body")
WEIGHTS = {"title": 8.0, "doc_number": 6.0, "issuer": 4.0, "keywords": 3.0, "body": 1.0}
"""Field boosts: a title match counts most, then the 文号, the organ, the 主题词, the text."""
B, K1 = 0.75, 1.2
VALIDITY_LABELS = ("有效", "失效", "废止", "尚未生效")
SHARD_BYTES = 20_000
"""A shard is closed once its JSON passes this size; a very common token gets a shard of its own."""
IMPACT_SCALE = 10
"""Impacts are kept as whole numbers of BM25F × IMPACT_SCALE: a tenth of a point ranks as finely as
readers can tell, and one digit fewer per posting makes the common tokens' shards 30 % smaller."""
FRAGMENT_TEXT = 800
"""Characters of text a fragment keeps for the snippet."""
PER_FOLDER = 200
"""Files per folder for shards and fragments: hosts and tools slow down on huge folders."""
EPOCH = dt.date(1970, 1, 1)


def field_texts(document: Document) -> dict[str, str]:
    return {
        "title": document.title,
        "doc_number": document.doc_number,
        "issuer": " ".join(dict.fromkeys((document.issuer, *document.co_issuers))),
        "keywords": " ".join(document.keywords),
        "body": document.text,
    }


def search_order(documents: tuple[Document, ...]) -> list[Document]:
    """Document ids: by category, then date, then URL; stable from build to build."""
    return sorted(documents, key=lambda d: (d.category, d.date, d.url))


@dataclass(frozen=True)
class SearchIndex:
    files: dict[str, bytes]
    """Output path → bytes."""
    meta_path: str
    """The entry point the search page names."""


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


def _named(prefix: str, data: bytes, suffix: str = ".json") -> str:
    return f"{prefix}{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


def quantised_length(length: int) -> int:
    """Field length as whoosh stores it (one byte, lossy), so scores match the whoosh oracle."""
    return byte_to_length(length_to_byte(length))


def build_search_index(site: Site) -> SearchIndex:
    documents = search_order(site.documents)
    count = len(documents)
    frequencies: list[dict[str, Counter]] = []
    totals = dict.fromkeys(FIELDS, 0)
    document_frequency: dict[str, Counter] = {field: Counter() for field in FIELDS}
    for document in documents:
        per_field = {}
        for field, text in field_texts(document).items():
            counts = Counter(index_tokens(text, characters=field != "body"))
            per_field[field] = counts
            totals[field] += sum(counts.values())
            document_frequency[field].update(counts.keys())
        frequencies.append(per_field)
    average = {field: (totals[field] / count if count else 0) or 1 for field in FIELDS}
    idf = {
        field: {token: math.log(count / (df + 1)) + 1 for token, df in document_frequency[field].items()} for field in FIELDS
    }

    # token → doc ids and impacts, in doc id order (the hot loop of indexing: kept to comprehensions)
    ids: dict[str, list[int]] = defaultdict(list)
    impacts_of: dict[str, list[int]] = defaultdict(list)
    for doc_id, per_field in enumerate(frequencies):
        impacts: dict[str, float] = {}
        for field, counts in per_field.items():
            if not counts:
                continue
            norm = K1 * ((1 - B) + B * quantised_length(sum(counts.values())) / average[field])
            scale, field_idf = WEIGHTS[field] * (K1 + 1) * IMPACT_SCALE, idf[field]
            scores = {token: scale * field_idf[token] * tf / (tf + norm) for token, tf in counts.items()}
            if impacts:
                for token, score in scores.items():
                    impacts[token] = impacts.get(token, 0.0) + score
            else:
                impacts = scores
        for token, score in impacts.items():
            ids[token].append(doc_id)
            impacts_of[token].append(int(score + 0.5))

    shard_firsts, shard_files = _shards(ids, impacts_of)
    shard_folder = _digest_folder("s/", shard_files)
    fragment_files = [_fragment(document) for document in documents]
    fragment_folder = _digest_folder("f/", fragment_files)
    files: dict[str, bytes] = {}
    for folder, contents in ((shard_folder, shard_files), (fragment_folder, fragment_files)):
        for number, data in enumerate(contents):
            files[f"search/{folder}{number // PER_FOLDER}/{number}.json"] = data
    table = _table(documents, site)
    table_path = _named("search/t.", table)
    files[table_path] = table
    config = site.config
    meta = _json(
        {
            "version": 2,
            "documents": count,
            "fields": list(FIELDS),
            "weights": [WEIGHTS[f] for f in FIELDS],
            "impactScale": IMPACT_SCALE,
            "shards": shard_firsts,
            "shardFolder": shard_folder,
            "fragments": fragment_folder,
            "perFolder": PER_FOLDER,
            "facets": {
                "category": [c.key for c in config.all_categories()],
                "issuer": [i.name for i in config.issuers],
                "validity": list(VALIDITY_LABELS),
            },
            "table": table_path.removeprefix("search/"),
        }
    )
    meta_path = _named("search/meta.", meta)
    files[meta_path] = meta
    return SearchIndex(files, meta_path)


def _shards(ids: dict[str, list[int]], impacts: dict[str, list[int]]) -> tuple[list[str], list[bytes]]:
    """Tokens in sorted order, cut into shards of about SHARD_BYTES: (first tokens, shard files)."""
    firsts: list[str] = []
    shards: list[bytes] = []
    current: dict[str, list[list[int]]] = {}
    size = 0
    for token in sorted(ids):
        doc_ids = ids[token]
        gaps = [b - a for a, b in zip([0] + doc_ids, doc_ids)]
        entry_size = len(token) * 3 + 6 + 4 * len(doc_ids)
        if current and size + entry_size > SHARD_BYTES:
            shards.append(_json(current))
            current, size = {}, 0
        if not current:
            firsts.append(token)
        current[token] = [gaps, impacts[token]]
        size += entry_size
    if current:
        shards.append(_json(current))
    return firsts, shards


def _digest_folder(prefix: str, contents: list[bytes]) -> str:
    digest = hashlib.sha256()
    for data in contents:
        digest.update(hashlib.sha256(data).digest())
    return f"{prefix}{digest.hexdigest()[:10]}/"


def run_length(values: list[int]) -> list[int]:
    """[3, 3, 3, 5] → [3, 3, 5, 1]: value, count, value, count."""
    encoded: list[int] = []
    for value in values:
        if encoded and encoded[-2] == value:
            encoded[-1] += 1
        else:
            encoded += [value, 1]
    return encoded


def _table(documents: list[Document], site: Site) -> bytes:
    config = site.config
    category_index = {c.key: i for i, c in enumerate(config.all_categories())}
    issuer_index = {issuer.name: i for i, issuer in enumerate(config.issuers)}
    validity_index = {label: i for i, label in enumerate(VALIDITY_LABELS)}
    days = [(d.date - EPOCH).days for d in documents]
    return _json(
        {
            "category": run_length([category_index[d.category] for d in documents]),
            "issuer": [issuer_index[d.issuer] for d in documents],
            "validity": run_length([validity_index[d.validity.label] for d in documents]),
            "date": [b - a for a, b in zip([0] + days, days)],
        }
    )


def _fragment(document: Document) -> bytes:
    return _json(
        {
            "url": document.url,
            "title": document.title,
            "issuer": document.issuer,
            "date": document.date.isoformat(),
            "docNumber": document.doc_number,
            "validity": document.validity.label,
            "category": document.category,
            "text": " ".join(document.text.split())[:FRAGMENT_TEXT],
        }
    )
