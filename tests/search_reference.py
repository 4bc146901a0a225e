"""The search index builder as it was before the index was computed with numpy (govsite ff60500),
kept unchanged so tests/test_search_index.py can check that the new one writes the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from whoosh.util.numeric import byte_to_length, length_to_byte

from govsite.search.counts import OrganMentions
from govsite.search.shards import average_length, buckets_for
from govsite.model import Document, Site
from govsite.search.analyzer import index_tokens

FIELDS = ("title", "doc_number", "issuer", "keywords", "body")
WEIGHTS = {"title": 8.0, "doc_number": 6.0, "issuer": 4.0, "keywords": 3.0, "body": 1.0}
"""Field boosts: a title match counts most, then the 文号, the organ, the 主题词, the text."""
B, K1 = 0.75, 1.2
VALIDITY_LABELS = ("有效", "失效", "废止", "尚未生效")
BUCKET_BYTES = 3_000
"""About how many bytes of postings a bucket holds: a query fetches one bucket per token, so a
selective token costs a few kilobytes, not the size of a big shard."""
BLOCK_POSTINGS = 2_048
"""Postings per block of a common token (and the most a token may have to sit in its bucket)."""
IMPACT_SCALE = 10
"""Impacts are kept as whole numbers of BM25F × IMPACT_SCALE: a tenth of a point ranks as finely as
readers can tell, and one digit fewer per posting makes the common tokens' shards 30 % smaller."""
FRAGMENT_TEXT = 400
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
    average = {field: average_length(totals[field], count) for field in FIELDS}  # (rounded as shards.py rounds it)
    idf = {
        field: {token: math.log(count / (df + 1)) + 1 for token, df in document_frequency[field].items()} for field in FIELDS
    }

    # token → doc ids and impacts, in doc id order (the hot loop of indexing: kept to comprehensions)
    ids: dict[str, list[int]] = defaultdict(list)
    impacts_of: dict[str, list[int]] = defaultdict(list)
    mentions = OrganMentions(site.config.issuers)  # organ mentions, impact 0 (as shards.py of 3e8137a)
    for doc_id, document in enumerate(documents):
        for token in mentions.tokens(document):
            ids[token].append(doc_id)
            impacts_of[token].append(0)
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

    bucket_count, shard_files = _posting_files(ids, impacts_of)
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
    dates = _dates(documents)
    dates_path = _named("search/d.", dates)
    files[dates_path] = dates
    config = site.config
    meta = _json(
        {
            "version": 3,
            "documents": count,
            "fields": list(FIELDS),
            "weights": [WEIGHTS[f] for f in FIELDS],
            "impactScale": IMPACT_SCALE,
            "buckets": bucket_count,
            "shardFolder": shard_folder,
            "fragments": fragment_folder,
            "perFolder": PER_FOLDER,
            "facets": {
                "category": [c.key for c in config.all_categories()],
                "issuer": [i.name for i in config.issuers],
                "validity": list(VALIDITY_LABELS),
            },
            "table": table_path.removeprefix("search/"),
            "dates": dates_path.removeprefix("search/"),
        }
    )
    meta_path = _named("search/meta.", meta)
    files[meta_path] = meta
    return SearchIndex(files, meta_path)


def _posting_files(ids: dict[str, list[int]], impacts: dict[str, list[int]]) -> tuple[int, list[bytes]]:
    """Buckets of tokens (by `bucket_of`), then the blocks of the common tokens: (bucket count, files).

    A token in at most BLOCK_POSTINGS documents sits whole in its bucket as `[gaps, base,
    impacts]` (encoded by `encode_postings`). A commoner token's postings are cut into blocks of
    at most BLOCK_POSTINGS documents, each a file of its own, and its bucket names them: `[first
    block's file number, [first doc id of the second block, of the third, …]]`. A query word such
    as 青政发〔2020〕3号 then fetches the selective tokens (青政, 政发) whole and, of 号 and 2020,
    only the blocks that can hold the documents those leave."""
    small = [token for token in sorted(ids) if len(ids[token]) <= BLOCK_POSTINGS]
    small_size = sum(len(token) * 3 + 8 + 3 * len(ids[token]) for token in small)
    bucket_count = buckets_for(small_size)  # (on shards.py's grid)
    buckets: list[dict[str, list]] = [{} for _ in range(bucket_count)]
    blocks: list[bytes] = []
    for token in sorted(ids):
        doc_ids, token_impacts = ids[token], impacts[token]
        if len(doc_ids) <= BLOCK_POSTINGS:
            buckets[bucket_of(token, bucket_count)][token] = encode_postings(doc_ids, token_impacts)
            continue
        count = -(-len(doc_ids) // BLOCK_POSTINGS)
        cuts = [len(doc_ids) * k // count for k in range(count + 1)]
        starts = [doc_ids[cut] for cut in cuts[1:-1]]
        buckets[bucket_of(token, bucket_count)][token] = [bucket_count + len(blocks), starts]
        for k in range(count):
            block_start = 0 if k == 0 else starts[k - 1]
            part = slice(cuts[k], cuts[k + 1])
            blocks.append(_json(encode_postings(doc_ids[part], token_impacts[part], block_start)))
    return bucket_count, [_json(bucket) for bucket in buckets] + blocks


def bucket_of(token: str, count: int) -> int:
    """FNV-1a (32 bits) over the token's UTF-16 code units, modulo the bucket count: search.js
    computes the same, so the meta file needs no list of tokens or shard boundaries."""
    value = 0x811C9DC5
    for char in token:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value % count


_VLQ_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _vlq(value: int) -> str:
    digits = []
    while True:
        digit, value = value & 31, value >> 5
        digits.append(_VLQ_DIGITS[digit | 32] if value else _VLQ_DIGITS[digit])
        if not value:
            return "".join(digits)


_VLQ_TABLE = [_vlq(value) for value in range(1 << 15)]


def vlq(values: list[int]) -> str:
    """Non-negative integers as one string, five bits per character, low bits first, a character
    with 32 set continuing the number (source maps' base64 VLQ, unsigned). 30 % smaller than a JSON
    list once compressed (no commas to code); search.js's `unvlq` reads it."""
    if values and max(values) >= len(_VLQ_TABLE):
        return "".join(map(_vlq, values))
    return "".join(map(_VLQ_TABLE.__getitem__, values))


def unvlq(text: str) -> list[int]:
    values, value, shift = [], 0, 0
    for char in text:
        digit = _VLQ_DIGITS.index(char)
        value |= (digit & 31) << shift
        if digit & 32:
            shift += 5
        else:
            values.append(value)
            value, shift = 0, 0
    return values


def encode_postings(doc_ids: list[int], impacts: list[int], start: int = 0) -> list:
    """`[gaps, base, impacts above base]`: doc ids as differences (the first from `start`), impacts
    less their minimum, so most postings take one character each."""
    base = min(impacts)
    gaps = [b - a for a, b in zip([start] + doc_ids, doc_ids)]
    return [vlq(gaps), base, vlq([impact - base for impact in impacts])]


def decode_postings(encoded: list, start: int = 0) -> tuple[list[int], list[int]]:
    gaps, base, impacts = encoded
    doc_ids, doc_id = [], start
    for gap in unvlq(gaps):
        doc_id += gap
        doc_ids.append(doc_id)
    return doc_ids, [base + impact for impact in unvlq(impacts)]


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
    return _json(
        {
            "category": run_length([category_index[d.category] for d in documents]),
            "issuer": vlq([issuer_index[d.issuer] for d in documents]),
            "validity": run_length([validity_index[d.validity.label] for d in documents]),
            "year": run_length([d.date.year for d in documents]),
        }
    )


def _dates(documents: list[Document]) -> bytes:
    """Publication days, for sorting by date only: as long as the rest of the table together, and
    a query in relevance order (the first one a reader makes) does without it."""
    days = [(d.date - EPOCH).days for d in documents]
    return _json(vlq([_zigzag(b - a) for a, b in zip([0] + days, days)]))


def _zigzag(value: int) -> int:
    """A signed number as unsigned (0, -1, 1, -2 … → 0, 1, 2, 3 …): dates go back at each new category."""
    return value * 2 if value >= 0 else -value * 2 - 1


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
