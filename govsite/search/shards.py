"""The static search index: documents → files a browser fetches piece by piece (as Pagefind does).

Layout under `search/` (every JSON; a query fetches the meta file, the table, one bucket per
query token (and blocks of the common ones), and one fragment per result shown):

- `meta.<hash>.json`: `{"version", "documents", "fields", "weights", "impactScale", "buckets":
  count, "shardFolder", "fragments" (folders), "perFolder", "facets": {"category": [keys],
  "issuer": [names], "validity": [labels]}, "table": path, "dates": path}`. Its name is in the search page's
  `data-index`, so a page never meets an index of another build. Shard file n (buckets first,
  then blocks) is `<shardFolder><n // perFolder>/<n>.json`; both folders carry a digest of their
  files, so no cache can mix two builds.
- buckets: token `t` is in bucket `bucket_of(t, buckets)` (FNV-1a), as `{token: [gaps, base,
  impacts]}` or, for a token in more than BLOCK_POSTINGS documents, `{token: [file, [starts]]}`
  naming its blocks (see `_Postings._encode`). Numbers are strings of base64 VLQ (`vlq`). An impact
  is the token's BM25F score in that document (summed over fields, × IMPACT_SCALE, rounded), so a
  query adds numbers and needs no field lengths.
- `t.<hash>.json`, the table, one column per document id, for facets and ranking: `category`,
  `validity` and `year` run-length encoded (`[value, count, value, count, …]`), `issuer` as a
  VLQ string.
- `d.<hash>.json`, the dates (days since 1970-01-01) as zigzag VLQ differences from the previous
  document's, fetched only to sort by date.
- `<fragments><id // perFolder>/<id>.json`, fragments: what a result shows (url, title, issuer,
  date, 文号, validity, category, the first part of the text for the snippet).

Document ids follow (category, date, URL), so the table's columns run in long runs and
compress well, a category's documents share blocks, and within a category a later id is never
older. Scores follow whoosh's BM25F (same
idf, same quantised field lengths; field averages rounded to AVERAGE_BITS), which is what the
oracle test compares against.

The scores are computed with numpy over every (token, document, field) count at once
(`_Postings`), in the same floating-point operations in the same order as the loop over
dicts it replaced, so the files are the same to the byte (tests/search_reference.py keeps that
loop, and test_search_index.py compares). Files are handed to a `sink` as they are made: a
common token's blocks go to disk before the next token is scored.

After an edit, a build with a cache scores again only the tokens the edited documents have or
had (`_update`): what every score depends on (the number of documents, the fields' average
lengths, the bucket count) is rounded so that one edit almost never moves it, and when it does,
every token is scored again. Either way the files are those a build from scratch makes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Protocol

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..model import Document, Site
from ..write import PENDING, put
from .counts import CHUNK_DOCUMENTS, COUNT_BITS, COUNT_LIMIT, FIELD_BITS, FIELDS, MENTION, OrganMentions, TokenCounts, count_chunk, field_texts

__all__ = ["FIELDS", "field_texts", "build_search_index", "write_search_index"]

WEIGHTS = {"title": 8.0, "doc_number": 6.0, "issuer": 4.0, "keywords": 3.0, "body": 1.0}
"""Field boosts: a title match counts most, then the 文号, the organ, the 主题词, the text."""
B, K1 = 0.75, 1.2
COUNTED = len(FIELDS) + 1
"""The fields counted: the five scored ones, and the organ mentions (counts.MENTIONS), weighed 0."""
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
AVERAGE_BITS = 10
"""Significant bits a field's average length keeps (`average_length`)."""
BUCKET_BITS = 5
"""Significant bits the bucket count keeps (`buckets_for`)."""
EPOCH = dt.date(1970, 1, 1)
ROWS_AT_ONCE = 1 << 18
"""Counts scored at a time, and about how many a scoring task gets: the arrays made for them take
some 40 MB, whatever the site's size."""


def search_order(documents: tuple[Document, ...]) -> list[Document]:
    """Document ids: by category, then date, then URL; stable from build to build."""
    return sorted(documents, key=lambda d: (d.category, d.date, d.url))


@dataclass(frozen=True)
class SearchIndex:
    files: dict[str, bytes]
    """Output path → bytes."""
    meta_path: str
    """The entry point the search page names."""


class Sink(Protocol):
    """Where the index files go as they are made (write.Staging in a build)."""

    def put(self, path: str, data: bytes) -> object: ...

    def record(self, path: str, digest: bytes, key: bytes = b"", written: bool = False) -> None:
        """Count a file another process made (a block, a fragment)."""

    def previous_digest(self, path: str) -> bytes | None:
        """The digest of the file at `path` in the output folder, when known (it is not rewritten)."""

    def holds(self, path: str) -> bool:
        """Whether the output folder has a file at `path` (that `keep` keeps)."""

    def keep(self, path: str) -> None: ...

    def rename(self, folder: str, to: str) -> None: ...


class MemoryFiles:
    """A sink that keeps the files."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, path: str, data: bytes) -> None:
        self.files[path] = data

    def record(self, path: str, digest: bytes, key: bytes = b"", written: bool = False) -> None:
        raise ValueError(f"{path} was written elsewhere")

    def previous_digest(self, path: str) -> bytes | None:
        return None

    def holds(self, path: str) -> bool:
        return False

    def keep(self, path: str) -> None:
        raise ValueError(f"no output folder to keep {path} in")

    def rename(self, folder: str, to: str) -> None:
        self.files = {(to + path[len(folder) :] if path.startswith(folder) else path): data for path, data in self.files.items()}


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


def _named(prefix: str, data: bytes, suffix: str = ".json") -> str:
    return f"{prefix}{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


def quantised_length(length: int) -> int:
    """Field length as whoosh stores it (one byte, lossy), so scores match the whoosh oracle."""
    return byte_to_length(length_to_byte(length))


def average_length(total: int, count: int) -> float:
    """A field's average length as BM25F uses it, rounded to AVERAGE_BITS significant bits.

    whoosh divides by the exact average; rounded, one edited document almost never moves it (at
    20,000 documents a title must grow by some 60 tokens in 100 to cross a step, a body by some
    20,000 tokens), so the next build re-scores only the tokens that document has (incremental
    builds). The cost is a relative error of at most 2**-AVERAGE_BITS in the normalisation, which
    moves a score by less than that fraction of itself (below 0.03 points for a title hit worth
    80): inside the half tenth of a point per token that rounding impacts leaves the oracle tests."""
    average = (total / count if count else 0) or 1
    mantissa, exponent = math.frexp(average)
    return math.ldexp(round(mantissa * (1 << AVERAGE_BITS)) / (1 << AVERAGE_BITS), exponent)


def buckets_for(small_size: int) -> int:
    """Buckets for `small_size` bytes of postings: at least one per BUCKET_BYTES, rounded up to
    BUCKET_BITS significant bits (8,205 → 8,704), so that one edit almost never changes it (which
    would move every token's bucket). Buckets then hold 3 % fewer bytes on average."""
    needed = max(1, -(-small_size // BUCKET_BYTES))
    shift = max(0, needed.bit_length() - BUCKET_BITS)
    return -(-needed >> shift) << shift


def build_search_index(site: Site) -> SearchIndex:
    """The index of the site's documents (their `text` filled), made in memory."""
    documents = list(site.documents)
    counts = TokenCounts([document.source for document in documents])
    for first in range(0, len(documents), CHUNK_DOCUMENTS):
        part = documents[first : first + CHUNK_DOCUMENTS]
        counts.add(list(range(first, first + len(part))), count_chunk(part, OrganMentions(site.config.issuers)))
    sink = MemoryFiles()
    meta_path, _ = write_search_index(site, counts, sink)
    return SearchIndex(sink.files, meta_path)


def fragment_path(number: int, folder: str = f"f/{PENDING}/") -> str:
    return f"search/{folder}{number // PER_FOLDER}/{number}.json"


def _shard_path(number: int) -> str:
    return f"search/s/{PENDING}/{number // PER_FOLDER}/{number}.json"


@dataclass(frozen=True)
class Shards:
    """What a build's shards were made from (`key`) and what they are, so that the next build can
    keep them when they would be the same (the token counts and the documents' order unchanged), or
    make again only what an edit touched (`_update`)."""

    key: str
    buckets: int
    files: int
    folder: str
    counts: str = ""
    """The id the build cache keeps the token counts they were made from under (build.py)."""
    order: str = ""
    """A digest of the documents' sources in id order."""
    totals: tuple[int, ...] = ()
    """Each field's length summed over the documents (their averages are `average_length`)."""
    small_size: int = 0
    """What `buckets_for` was given."""
    blocked: tuple[tuple[str, int], ...] = ()
    """(token, blocks) of the tokens cut into blocks, in token order (their blocks follow the buckets)."""


def write_search_index(
    site: Site,
    counts: TokenCounts | Callable[[], TokenCounts],
    sink: Sink,
    fragments: list[bytes] | None = None,
    run=map,
    root: Path | None = None,
    key: str = "",
    previous: Shards | None = None,
    out: Path | None = None,
) -> tuple[str, Shards]:
    """Write the index of the site's documents through `sink`; (the meta file's path, its shards).

    `counts` holds every document's token counts (and is used up). `fragments`: the sha256 of
    each fragment file in document id order, when the build's workers wrote them
    (`fragment_path`); else the fragments are made here from the documents. `run` and `root`:
    how to score the postings (`_Postings.write`). When the shards' `key` is that of the
    `previous` ones, the sink keeps those (`counts` may then be a function that loads them,
    called only if the sink lacks one). When they were made from the counts `counts` was loaded
    from (`TokenCounts.loaded_from`) and the documents are the same in the same order, only the
    files holding the tokens the documents counted again touched are made (`_update`), reading
    the buckets to change from the output folder `out`."""
    documents = search_order(site.documents)
    if fragments is None:
        fragments = []
        for number, document in enumerate(documents):
            data = fragment(document)
            sink.put(fragment_path(number), data)
            fragments.append(hashlib.sha256(data).digest())
    fragment_folder = _folder_name("f/", fragments)
    sink.rename(f"search/f/{PENDING}/", f"search/{fragment_folder}")
    if key and previous is not None and previous.key == key and all(sink.holds(_shard_path(n)) for n in range(previous.files)):
        for number in range(previous.files):
            sink.keep(_shard_path(number))
        shards = previous
    else:
        counts = counts() if callable(counts) else counts
        order = hashlib.sha256("\0".join(d.source for d in documents).encode()).hexdigest()
        shards = None
        if previous is not None and out is not None and counts.loaded_from and previous.counts == counts.loaded_from and previous.order == order:
            shards = _update(counts, documents, previous, sink, run, root, out / "search" / previous.folder)
        if shards is None:
            shards = _Postings(counts, documents).write(sink, run, root)
        shards = replace(shards, key=key, order=order)
    bucket_count, shard_folder = shards.buckets, shards.folder
    sink.rename(f"search/s/{PENDING}/", f"search/{shard_folder}")
    table = _table(documents, site)
    table_path = _named("search/t.", table)
    sink.put(table_path, table)
    dates = _dates(documents)
    dates_path = _named("search/d.", dates)
    sink.put(dates_path, dates)
    config = site.config
    meta = _json(
        {
            "version": 3,
            "documents": len(documents),
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
    sink.put(meta_path, meta)
    return meta_path, shards


class _Postings:
    """Every token's postings (document ids and impacts) from the sorted counts, written as shards.

    A row is one (token, document, field) count; sorted, a token's rows are together, by document,
    then field, so a posting is a run of at most five rows whose scores are added in field order,
    as the dict loop did. This process finds the statistics scores need (document frequencies,
    field lengths) and cuts the rows into slices at token boundaries; the slices are scored and
    encoded by `score_slice`, in the build's worker processes when it has them."""

    def __init__(self, counts: TokenCounts, documents: list[Document]):
        self.rows, self.tokens, self.overflow = counts.sorted_rows({d.source: i for i, d in enumerate(documents)})
        self.counts = counts
        self.token_shift = counts.token_shift
        self.slot_bits = counts.slot_bits
        self.count = len(documents)

    def _statistics(self):
        """Per field: how many documents hold each token, each document's length; per token: postings."""
        vocabulary, count, fields = len(self.tokens), self.count, COUNTED
        frequency = np.zeros(fields * vocabulary, np.int64)
        lengths = np.zeros(fields * count, np.float64)  # sums of whole numbers, exact below 2**53
        postings = np.zeros(vocabulary, np.int64)
        decode = _Decoder(self.token_shift, self.slot_bits, self.overflow)
        for start in range(0, len(self.rows), ROWS_AT_ONCE):
            part = self.rows[start : start + ROWS_AT_ONCE]
            token, document, field, counts = decode(part)
            frequency += np.bincount(field * vocabulary + token, minlength=fields * vocabulary)
            lengths += np.bincount(field * count + document, weights=counts, minlength=fields * count)
            pairs = part >> np.uint64(FIELD_BITS + COUNT_BITS)
            first = np.ones(len(part), bool)
            first[1:] = pairs[1:] != pairs[:-1]
            if start:  # a posting may go on from the previous part
                first[0] = pairs[0] != self.rows[start - 1] >> np.uint64(FIELD_BITS + COUNT_BITS)
            postings += np.bincount(token[first], minlength=vocabulary)
        return frequency, lengths, postings

    def write(self, sink: Sink, run=map, root: Path | None = None) -> Shards:
        """Write the buckets and blocks; what they are (the folder named from each file's sha256).

        `run` maps `score_slice` over the slices (the worker pool's map, or the builtin); with
        `root`, the scorers write the block files there themselves (the staging folder)."""
        vocabulary, count = len(self.tokens), self.count
        frequency, lengths, postings = self._statistics()
        self.counts.lengths = lengths.astype(np.int64).reshape(COUNTED, count).T.copy()  # (kept for the next build's `_update`)
        totals = tuple(int(lengths[number * count : (number + 1) * count].sum()) for number in range(COUNTED))
        norms = _norms(lengths.astype(np.int64).reshape(COUNTED, count).T, totals)
        weights = _weights(frequency, count).ravel()
        del frequency

        # (a token only documents dated after today have is in the vocabulary, with no postings)
        small_size = sum(_bucket_bytes(token, n) for token, n in zip(self.tokens, postings.tolist()))
        bucket_count = buckets_for(small_size)
        blocks_of = np.where(postings > BLOCK_POSTINGS, -(-postings // BLOCK_POSTINGS), 0)
        first_block = bucket_count + np.concatenate(([0], np.cumsum(blocks_of)))
        jobs = []
        for start, end in self._slices():
            first = int(self.rows[start] >> np.uint64(self.token_shift))
            last = int(self.rows[end - 1] >> np.uint64(self.token_shift)) + 1
            jobs.append(
                SliceJob(
                    self.rows[start:end],
                    first,
                    self.tokens[first:last],
                    weights.reshape(COUNTED, vocabulary)[:, first:last].copy(),
                    norms,
                    {key: n for key, n in self.overflow.items() if first <= key[0] < last},
                    self.token_shift,
                    self.slot_bits,
                    bucket_count,
                    np.where(blocks_of[first:last] > 0, first_block[first:last], -1),
                    root,
                    {
                        path: digest
                        for number in range(int(first_block[first]), int(first_block[last]))
                        if (digest := sink.previous_digest(path := _shard_path(number))) is not None
                    },
                )
            )
        buckets: list[dict[str, list]] = [{} for _ in range(bucket_count)]
        blocks: dict[str, bytes] = {}
        _take(run(score_slice, jobs), sink, buckets, blocks)
        digests = []
        for number, bucket in enumerate(buckets):
            data = _json(bucket)
            sink.put(_shard_path(number), data)
            digests.append(hashlib.sha256(data).digest())
        digests += blocks.values()
        blocked = tuple((self.tokens[t], int(blocks_of[t])) for t in np.flatnonzero(blocks_of).tolist())
        return Shards("", bucket_count, len(digests), _folder_name("s/", digests), totals=totals, small_size=small_size, blocked=blocked)

    def _slices(self):
        return _token_slices(self.rows, self.token_shift)


def _bucket_bytes(token: str, postings: int) -> int:
    """About what a token adds to the buckets (`buckets_for`): nothing when it has blocks or no postings."""
    return len(token) * 3 + 8 + 3 * postings if 0 < postings <= BLOCK_POSTINGS else 0


def _norms(lengths: np.ndarray, totals: tuple[int, ...]) -> np.ndarray:
    """(field, document) → BM25's length normalisation, from each document's field lengths
    (document × field) quantised as whoosh stores them, over the field's `average_length`."""
    count = len(lengths)
    norms = np.zeros(COUNTED * count, np.float64)
    for number in range(COUNTED):
        field_lengths = lengths[:, number]
        average = average_length(totals[number], count)
        quantised: dict[int, int] = {}
        whoosh = np.array([quantised.get(n) or quantised.setdefault(n, quantised_length(n)) for n in field_lengths.tolist()], np.float64)
        norms[number * count : (number + 1) * count] = K1 * ((1 - B) + B * whoosh / average)
    return norms


def _weights(frequency: np.ndarray, count: int) -> np.ndarray:
    """(field, token) → the score's first product, field scale × idf, from the document frequencies
    (field-major): the same number the loop made."""
    highest = int(frequency.max()) if len(frequency) else 0
    idf_of = np.array([0.0] + [math.log(count / (df + 1)) + 1 for df in range(1, highest + 1)], np.float64)
    scale = np.array([WEIGHTS[field] * (K1 + 1) * IMPACT_SCALE for field in FIELDS] + [0.0], np.float64)  # mentions: 0
    return scale[:, None] * idf_of[frequency].reshape(COUNTED, -1)


def _token_slices(rows: np.ndarray, token_shift: int):
    """(start, end) of slices of about ROWS_AT_ONCE sorted rows, each ending where a token does."""
    start = 0
    while start < len(rows):
        end = min(start + ROWS_AT_ONCE, len(rows))
        if end < len(rows):
            next_token = (int(rows[end - 1]) >> token_shift) + 1
            end = int(np.searchsorted(rows, np.uint64(next_token << token_shift)))
        yield start, end
        start = end


def _update(counts: TokenCounts, documents: list[Document], previous: Shards, sink: Sink, run, root: Path | None, folder: Path) -> Shards | None:
    """The shards of `previous` with only the tokens that the documents counted again have or had
    (or whose blocks moved) made again: their postings scored afresh (their document frequencies
    may have changed), their blocks written, the buckets holding them read from the output
    folder's `folder` and written with their entries replaced; every other file kept.

    The result is the bytes indexing every token gives, as long as the number of documents, the
    fields' `average_length`s and the bucket count are those of `previous` (the documents the
    same, in the same order, checked by the caller): otherwise None, and every token is indexed.
    None too when a bucket file is not what the output folder's manifest says."""
    count = len(documents)
    ids = {d.source: i for i, d in enumerate(documents)}
    slots = len(counts.sources)
    kept = counts.field_lengths()
    ends = max([slots, len(kept), *(slot + 1 for slot in counts.replaced.values())])
    document_of = np.full(ends, -1, np.int64)
    for slot, source in enumerate(counts.sources):
        if source is not None and source in ids:
            document_of[slot] = ids[source]
    live = np.flatnonzero(document_of >= 0)
    if len(live) != count or len(previous.totals) != COUNTED:
        return None
    slot_lengths = np.zeros((ends, COUNTED), np.int64)
    slot_lengths[: len(kept)] = kept
    lengths = np.zeros((count, COUNTED), np.int64)
    lengths[document_of[live]] = slot_lengths[live]
    totals = tuple(int(total) for total in lengths.sum(axis=0))
    if any(average_length(totals[f], count) != average_length(previous.totals[f], count) for f in range(len(FIELDS))):
        return None  # (the mentions' norms do not matter: their weight is 0)
    slot_of = {source: slot for slot, source in enumerate(counts.sources) if source is not None}
    changed = {source: old for source, old in counts.replaced.items() if source in ids}
    if any(counts.sources[slot] in ids and counts.sources[slot] not in changed for slot in counts.added):
        return None  # a document the previous shards did not hold
    old_document = np.full(ends, -1, np.int64)  # (the slots the changed documents had)
    for source, old in changed.items():
        old_document[old] = ids[source]

    # the tokens whose postings changed: a (token, field, count) a document gained or lost, and every
    # token of a field whose (quantised) length changed, as that changes the document's norm
    shift, slot_shift = counts.token_shift, FIELD_BITS + COUNT_BITS
    slot_mask = np.uint64((1 << counts.slot_bits) - 1)

    def keyed(rows: np.ndarray, document: np.ndarray) -> np.ndarray:
        slot = ((rows >> np.uint64(slot_shift)) & slot_mask).astype(np.intp)
        return (rows & ~(slot_mask << np.uint64(slot_shift))) | (document[slot].astype(np.uint64) << np.uint64(slot_shift))

    before = keyed(counts.slot_rows(changed.values()), old_document)
    after = keyed(counts.slot_rows([slot_of[source] for source in changed], base=False), document_of)
    affected = set((np.setxor1d(before, after) >> np.uint64(shift)).tolist())
    for rows in (before, after):  # a count too big to pack is 0 in its row: its token counts as changed
        affected.update((rows[rows & np.uint64(COUNT_LIMIT) == 0] >> np.uint64(shift)).tolist())
    for source, old in changed.items():
        new = slot_of[source]
        for field in range(COUNTED):
            if quantised_length(int(slot_lengths[old, field])) != quantised_length(int(slot_lengths[new, field])):
                rows = np.concatenate((before, after))
                of = ((rows >> np.uint64(slot_shift)) & slot_mask == np.uint64(ids[source])) & ((rows >> np.uint64(COUNT_BITS)) & np.uint64(7) == np.uint64(field))
                affected.update((rows[of] >> np.uint64(shift)).tolist())
    del before, after

    texts = counts.tokens()
    was_live = (document_of >= 0) | (old_document >= 0)
    was_live[[slot_of[source] for source in changed]] = False

    def rows_and_postings(tokens: set[int]):
        """The tokens' rows of the documents indexed now, and per token its postings now and before
        (a few arrays of the rows' length at a time: a body's tokens may have millions)."""
        token_ids = np.array(sorted(tokens), np.int64)
        rows = counts.token_rows(token_ids)
        rows.sort(kind="stable")  # (sorted runs, and a few rows after)
        slot = ((rows >> np.uint64(slot_shift)) & slot_mask).astype(np.int32)
        indexed, was = document_of[slot] >= 0, was_live[slot]
        del slot
        postings = []
        for mask in (indexed, was):
            pairs = rows[mask] >> np.uint64(slot_shift)  # (token, slot): one posting each, its rows together
            first = np.ones(len(pairs), bool)
            first[1:] = pairs[1:] != pairs[:-1]
            numbers = np.bincount((pairs[first] >> np.uint64(shift - slot_shift)).astype(np.intp), minlength=len(counts.texts))
            del pairs, first
            postings.append(dict(zip(token_ids.tolist(), numbers[token_ids].tolist())))
        return rows[indexed], postings[0], postings[1]

    rows, now, then = rows_and_postings(affected)
    small_size = previous.small_size + sum(_bucket_bytes(texts[t], int(now.get(t, 0))) - _bucket_bytes(texts[t], int(then.get(t, 0))) for t in affected)
    bucket_count = buckets_for(small_size)
    if bucket_count != previous.buckets:
        return None
    blocked = dict(previous.blocked)
    for t in affected:
        if blocked.get(texts[t], 0) != (-(-int(then.get(t, 0)) // BLOCK_POSTINGS) if then.get(t, 0) > BLOCK_POSTINGS else 0):
            return None  # not the counts the previous shards were made from
        n = int(now.get(t, 0))
        if n > BLOCK_POSTINGS:
            blocked[texts[t]] = -(-n // BLOCK_POSTINGS)
        else:
            blocked.pop(texts[t], None)
    first_before, first_now = _first_blocks(previous.blocked, bucket_count), _first_blocks(sorted(blocked.items()), bucket_count)
    moved = {token for token, number in first_now.items() if first_before.get(token) != number} - {texts[t] for t in affected}
    if moved:  # blocks after a token that gained or lost one: written under their new numbers
        number_of = {text: number for number, text in enumerate(texts)}
        more, _, _ = rows_and_postings({number_of[token] for token in moved})
        affected |= {number_of[token] for token in moved}
        rows = np.concatenate((rows, more))
    files = bucket_count + sum(blocked.values())

    # the buckets to write again, read from the output folder (checked against the manifest)
    rewritten: dict[int, dict] = {}
    for t in affected:
        bucket = bucket_of(texts[t], bucket_count)
        if bucket not in rewritten:
            try:
                data = (folder / str(bucket // PER_FOLDER) / f"{bucket}.json").read_bytes()
            except OSError:
                return None
            if hashlib.sha256(data).digest() != sink.previous_digest(_shard_path(bucket)):
                return None
            rewritten[bucket] = json.loads(data)
        rewritten[bucket].pop(texts[t], None)
    block_paths = {_shard_path(first_now[texts[t]] + k) for t in affected if texts[t] in blocked for k in range(blocked[texts[t]])}
    if not all(sink.holds(_shard_path(n)) for n in range(files) if n not in rewritten and _shard_path(n) not in block_paths):
        return None

    # score the affected tokens' postings as indexing every token does (same numbers, same order)
    local = sorted(affected, key=texts.__getitem__)
    local_of = np.full(len(texts), -1, np.int64)
    local_of[local] = np.arange(len(local))
    vocabulary = len(local)
    frequency = np.zeros(COUNTED * vocabulary, np.int64)
    local_rows, document_rows = local_of.astype(np.uint64) << np.uint64(shift), document_of.astype(np.uint64) << np.uint64(slot_shift)
    for start in range(0, len(rows), ROWS_AT_ONCE):  # repacked in place, a slice at a time
        part = rows[start : start + ROWS_AT_ONCE]
        slot = ((part >> np.uint64(slot_shift)) & slot_mask).astype(np.intp)
        part[:] = local_rows[(part >> np.uint64(shift)).astype(np.intp)] | document_rows[slot] | (part & np.uint64((1 << slot_shift) - 1))
        fields = ((part >> np.uint64(COUNT_BITS)) & np.uint64(7)).astype(np.intp)
        frequency += np.bincount(fields * vocabulary + (part >> np.uint64(shift)).astype(np.intp), minlength=COUNTED * vocabulary)
    rows.sort()
    overflow = {(int(local_of[t]), int(document_of[s]), f): n for (t, s, f), n in counts.overflow.items() if t < len(local_of) and local_of[t] >= 0 and s < ends and document_of[s] >= 0}
    weights = _weights(frequency, count)
    norms = _norms(lengths, totals)
    block_numbers = np.array([first_now.get(texts[t], -1) for t in local], np.int64)
    jobs = []
    for start, end in _token_slices(rows, shift):
        first, last = int(rows[start] >> np.uint64(shift)), int(rows[end - 1] >> np.uint64(shift)) + 1
        jobs.append(
            SliceJob(
                rows[start:end],
                first,
                [texts[t] for t in local[first:last]],
                weights[:, first:last].copy(),
                norms,
                {key: n for key, n in overflow.items() if first <= key[0] < last},
                shift,
                counts.slot_bits,
                bucket_count,
                block_numbers[first:last],
                root,
                {path: digest for path in block_paths if (digest := sink.previous_digest(path)) is not None},
            )
        )
    digests: dict[str, bytes] = {}
    _take((run if len(jobs) > 1 else map)(score_slice, jobs), sink, rewritten, digests)
    for bucket, entries in rewritten.items():
        data = _json({token: entries[token] for token in sorted(entries)})
        sink.put(_shard_path(bucket), data)
        digests[_shard_path(bucket)] = hashlib.sha256(data).digest()
    ordered = []
    for number in range(files):
        path = _shard_path(number)
        if path not in digests:
            sink.keep(path)
            digests[path] = sink.previous_digest(path)
        ordered.append(digests[path])
    return Shards("", bucket_count, files, _folder_name("s/", ordered), totals=totals, small_size=small_size, blocked=tuple(sorted(blocked.items())))


def _first_blocks(blocked, bucket_count: int) -> dict[str, int]:
    """Token → the shard number of its first block, for (token, blocks) in token order."""
    first, number = {}, bucket_count
    for token, blocks in blocked:
        first[token] = number
        number += blocks
    return first


def _take(results, sink: Sink, buckets, blocks: dict[str, bytes]) -> None:
    """Merge scored slices (`SliceResult`s): each entry into its bucket (`buckets[number]`, a dict
    of token → entry), each block written through the sink or recorded there (a scorer wrote it or
    the output folder holds it), its digest in `blocks` by path, in the order met."""
    for result in results:
        for bucket, token, entry in result.entries:
            buckets[bucket][token] = entry
        for path, digest, data, written in result.blocks:
            if data is not None:
                sink.put(path, data)
            else:
                sink.record(path, digest, written=written)
            blocks[path] = digest


class _Decoder:
    """Rows → (token, document, field, count) arrays."""

    def __init__(self, token_shift: int, slot_bits: int, overflow: dict, first_token: int = 0):
        self.token_shift, self.overflow, self.first_token = np.uint64(token_shift), overflow, first_token
        self.document_mask = np.uint64((1 << slot_bits) - 1)

    def __call__(self, rows: np.ndarray):
        # (views, not copies: every value is far below 2**63)
        token = (rows >> self.token_shift).view(np.int64)
        document = ((rows >> np.uint64(FIELD_BITS + COUNT_BITS)) & self.document_mask).view(np.int64)
        field = ((rows >> np.uint64(COUNT_BITS)) & np.uint64((1 << FIELD_BITS) - 1)).view(np.int64)
        counts = (rows & np.uint64((1 << COUNT_BITS) - 1)).astype(np.float64)
        for at in np.flatnonzero(counts == 0):  # a count too big to pack
            counts[at] = self.overflow[(int(token[at]), int(document[at]), int(field[at]))]
        if self.first_token:
            token = token - self.first_token
        return token, document, field, counts


@dataclass(frozen=True)
class SliceJob:
    """Rows of whole tokens to score and encode, with what scoring needs of the whole index."""

    rows: np.ndarray
    first_token: int
    """The rank of the first token of the slice; `tokens[i]` is rank first_token + i."""
    tokens: list[str]
    weights: np.ndarray
    """(field, token of the slice) → field weight × idf."""
    norms: np.ndarray
    """(field, document) → BM25's length normalisation."""
    overflow: dict
    token_shift: int
    slot_bits: int
    bucket_count: int
    block_numbers: np.ndarray
    """Token of the slice → the shard number of its first block (-1: the token sits in its bucket)."""
    root: Path | None
    previous: dict[str, bytes]
    """The digests of the blocks the output folder holds, by path: the same bytes are not written."""


@dataclass(frozen=True)
class SliceResult:
    entries: list[tuple[int, str, list]]
    """(bucket, token, entry) in token order."""
    blocks: list[tuple[str, bytes, bytes | None, bool]]
    """(path, sha256, the bytes when the job had no root to write them to, written)."""


def score_slice(job: SliceJob) -> SliceResult:
    """Score and encode the postings of a slice's tokens."""
    decode = _Decoder(job.token_shift, job.slot_bits, job.overflow, job.first_token)
    count = len(job.norms) // COUNTED
    vocabulary = len(job.tokens)
    result = SliceResult([], [])
    rows = job.rows
    token, document, field, counts = decode(rows)
    scores = job.weights.ravel()[field * vocabulary + token] * counts / (counts + job.norms[field * count + document])
    del field, counts
    pairs = rows >> np.uint64(FIELD_BITS + COUNT_BITS)
    first = np.flatnonzero(np.concatenate(([True], pairs[1:] != pairs[:-1])))
    runs = np.diff(np.append(first, len(pairs)))
    total = scores[first]
    for k in range(1, COUNTED):  # add a posting's field scores in field order
        more = runs > k
        if not more.any():
            break
        total[more] += scores[first[more] + k]
    impacts = (total + 0.5).astype(np.int64)
    _encode(job, token[first], document[first], impacts, result)
    return result


def _encode(job: SliceJob, tokens: np.ndarray, documents: np.ndarray, impacts: np.ndarray, result: SliceResult) -> None:
    """Postings of whole tokens (sorted by token, then document) → bucket entries and block files."""
    if not len(tokens):
        return
    token_starts = np.flatnonzero(np.concatenate(([True], tokens[1:] != tokens[:-1])))
    token_ends = np.append(token_starts[1:], len(tokens))
    # segments: a token's postings, or one block of a common token's
    block_starts = []
    for at in np.flatnonzero(token_ends - token_starts > BLOCK_POSTINGS).tolist():
        first, n = int(token_starts[at]), int(token_ends[at] - token_starts[at])
        parts = -(-n // BLOCK_POSTINGS)
        block_starts.extend(first + n * k // parts for k in range(1, parts))
    segment_starts = np.sort(np.concatenate([token_starts, np.array(block_starts, np.int64)])).astype(np.intp)
    segment_ends = np.append(segment_starts[1:], len(tokens))
    gaps = documents.astype(np.int64)
    gaps[1:] -= documents[:-1]
    gaps[token_starts] = documents[token_starts]  # a token's first id counts from 0
    if block_starts:
        gaps[np.array(block_starts, np.intp)] = 0  # a later block's first id is its start
    bases = np.minimum.reduceat(impacts, segment_starts)
    above = impacts - np.repeat(bases, segment_ends - segment_starts)
    gap_text, gap_at = _vlq_all(gaps)
    impact_text, impact_at = _vlq_all(above)
    bases = bases.tolist()
    # only where segments start and end are character offsets needed
    gap_at, impact_at = _sparse(gap_at, segment_starts, segment_ends), _sparse(impact_at, segment_starts, segment_ends)
    segment = 0
    for start, end in zip(token_starts.tolist(), token_ends.tolist()):
        token = job.tokens[int(tokens[start])]
        bucket = bucket_of(token, job.bucket_count)
        if end - start <= BLOCK_POSTINGS:
            entry = [gap_text[gap_at[start] : gap_at[end]], bases[segment], impact_text[impact_at[start] : impact_at[end]]]
            result.entries.append((bucket, token, entry))
            segment += 1
            continue
        first_block = int(job.block_numbers[int(tokens[start])])
        starts = []
        while segment < len(segment_starts) and segment_starts[segment] < end:
            a, b = int(segment_starts[segment]), int(segment_ends[segment])
            path = _shard_path(first_block + len(starts) + (a > start))  # (starts: one per block after the first)
            if a > start:
                starts.append(int(documents[a]))
            data = _json([gap_text[gap_at[a] : gap_at[b]], bases[segment], impact_text[impact_at[a] : impact_at[b]]])
            digest = hashlib.sha256(data).digest()
            written = job.root is not None and job.previous.get(path) != digest
            if written:
                put(job.root, path, data)
            result.blocks.append((path, digest, None if job.root is not None else data, written))
            segment += 1
        result.entries.append((bucket, token, [first_block, starts]))


class _sparse(dict):
    """The entries of `at` at the given positions, as a dict of Python ints."""

    def __init__(self, at: np.ndarray, starts: np.ndarray, ends: np.ndarray):
        super().__init__(zip(starts.tolist(), at[starts].tolist()))
        self.update(zip(ends.tolist(), at[ends].tolist()))


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
_VLQ_BYTES = np.frombuffer(_VLQ_DIGITS.encode("ascii"), np.uint8)


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


def _vlq_all(values: np.ndarray) -> tuple[str, np.ndarray]:
    """`vlq` of every value back to back, and where each value's characters start (plus the end):
    `text[at[i]:at[j]]` is `vlq(values[i:j])`."""
    values = values.astype(np.uint32)
    digits = np.ones(len(values), np.int32)
    for power in range(5, 32, 5):
        more = values >= np.uint32(1 << power)
        if not more.any():
            break
        digits += more
    at = np.zeros(len(values) + 1, np.int64)
    np.cumsum(digits, out=at[1:])
    text = np.empty(int(at[-1]), np.uint8)
    # the last digit of each value (no continuation bit) and, for longer ones, the others
    last = at[1:] - 1
    text[last] = _VLQ_BYTES[(values >> (np.uint32(5) * (digits - 1).astype(np.uint32))) & np.uint32(31)]
    for k in range(int(digits.max(initial=1)) - 1):
        has = np.flatnonzero(digits > k + 1)
        text[at[has] + k] = _VLQ_BYTES[((values[has] >> np.uint32(5 * k)) & np.uint32(31)) | np.uint32(32)]
    return text.tobytes().decode("ascii"), at


def decode_postings(encoded: list, start: int = 0) -> tuple[list[int], list[int]]:
    gaps, base, impacts = encoded
    doc_ids, doc_id = [], start
    for gap in unvlq(gaps):
        doc_id += gap
        doc_ids.append(doc_id)
    return doc_ids, [base + impact for impact in unvlq(impacts)]


def _folder_name(prefix: str, digests: list[bytes]) -> str:
    """`prefix` and a digest of the folder's files (the sha256 of each, in file order)."""
    digest = hashlib.sha256()
    for file_digest in digests:
        digest.update(file_digest)
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


def fragment(document: Document) -> bytes:
    """What a result shows of a document (its `excerpt` filled)."""
    return _json(
        {
            "url": document.url,
            "title": document.title,
            "issuer": document.issuer,
            "date": document.date.isoformat(),
            "docNumber": document.doc_number,
            "validity": document.validity.label,
            "category": document.category,
            "text": document.excerpt[:FRAGMENT_TEXT],
        }
    )
