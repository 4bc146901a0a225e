"""Every document's search token counts, 8 bytes a count: what indexing needs of the documents.

A 20,000-document site has 15 million (document, field, token) counts. As Python dicts of
Counters they took 1.5 GB; here each is one 64-bit number packing (token id, document slot,
field, count), in numpy arrays, and each token's text is kept once.

Counting is the costliest per-document step of indexing, so a body is not split into a list of
token strings: its characters become numbers (`_body_codes`), a CJK bigram is the number
`first << 16 | second`, and numpy counts them, a chunk's bodies at once (`_bodies`). The
tokens are those of `analyzer.index_tokens` (tests/test_search_counts.py compares both on
every corpus and on random text). Worker processes count a chunk of documents (`count_chunk`); the build merges
the chunks in order (`TokenCounts.add`)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..model import Document
from .analyzer import exact_key, normalise, normalised_key, runs

FIELDS = ("title", "doc_number", "issuer", "keywords", "body")
"""The indexed fields, in the order their scores are added up (search/shards.py)."""
BODY = FIELDS.index("body")
"""The field whose single CJK characters are indexed only where they stand alone (analyzer.index_tokens)."""

MENTIONS = len(FIELDS)
"""The field index under which a document's organ mentions (`OrganMentions`) are counted: a sixth
field that search/shards.py weighs 0, so its tokens order results without adding to scores."""
FIELDS_COUNTED = MENTIONS + 1

COUNT_BITS = 16
FIELD_BITS = 3
SLOT_BITS = 20
"""Room for a million documents; the other 25 bits of a count number its token."""
COUNT_LIMIT = (1 << COUNT_BITS) - 1
"""A count above this (a token 65,535 times in one field) is packed as 0 and kept in `overflow`."""


def field_texts(document: Document) -> dict[str, str]:
    return {
        "title": document.title,
        "doc_number": document.doc_number,
        "issuer": " ".join(dict.fromkeys((document.issuer, *document.co_issuers))),
        "keywords": " ".join(document.keywords),
        "body": document.text,
    }


def _short_tokens(text: str) -> tuple[list[int], list[str]]:
    """The tokens of a short field (`analyzer.index_tokens(text)`): the CJK ones as codes (`code_of`;
    a run's characters, then its bigrams), and the words."""
    codes: list[int] = []
    words: list[str] = []
    for kind, run in runs(text):
        if kind != "cjk":
            words.append(run)
        else:
            points = list(map(ord, run))
            codes.extend(points)
            codes.extend([first << 16 | second for first, second in zip(points, points[1:])])
    return codes, words


# --- a body's tokens as numbers --------------------------------------------------------------


def code_of(token: str) -> int | None:
    """A CJK token as a number (a character's code point, a bigram's two as `first << 16 | second`);
    None for a word of letters or digits. The analyzer's CJK characters are all below U+FFFF and
    above every letter and digit (analyzer._CJK)."""
    if ord(token[0]) < 0x25CB:
        return None
    return ord(token) if len(token) == 1 else ord(token[0]) << 16 | ord(token[1])


def text_of(code: int) -> str:
    return chr(code) if code < 1 << 16 else chr(code >> 16) + chr(code & 0xFFFF)


_CONTEXTUAL = {0x03A3}
"""Σ: lower() makes it σ or ς by its neighbours."""
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
"""Jamo and syllables compose by an algorithm, not by the decomposition table."""


COMPOSITES = ((0x00C0, 0x30FF), (0xF900, 0xFB4F))
"""Where the BMP's characters with a two-character canonical decomposition are (tests check all)."""


def composition_seconds(ranges) -> set[int]:
    seconds = set()
    for first, last in ranges:
        for point in range(first, last + 1):
            parts = unicodedata.decomposition(chr(point)).split()
            if len(parts) == 2 and not parts[0].startswith("<"):
                seconds.add(int(parts[1], 16))
    return seconds


class _Tables:
    """Per code point of the BMP: what normalising does to it, learnt as characters are met."""

    def __init__(self) -> None:
        size = 1 << 16
        self.known = np.zeros(size, bool)
        self.known[0xD800:0xE000] = True  # surrogates: never simple
        self.fold = np.arange(size, dtype=np.uint32)
        """Code point → what `analyzer.normalise` (NFKC, lower()) makes of it, where that is one character."""
        self.simple = np.zeros(size, bool)
        """Code points that `fold` normalises on their own, whatever stands next to them: the one
        character they become has no decomposition, no combining class, and is never the second
        half of a composition, so NFKC of a text of them is the text folded character by character."""
        self.cjk = np.zeros(size, bool)
        """The analyzer's CJK characters."""
        for first, last in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x3007, 0x3007), (0x25CB, 0x25CB)):
            self.cjk[first : last + 1] = True
        self.word = np.zeros(size, np.int8)
        """1 for a digit, 2 for a letter of the analyzer's words, else 0."""
        self.word[0x30:0x3A] = 1
        for first, last in ((0x61, 0x7A), (0xDF, 0xF6), (0xF8, 0xFF), (0x100, 0x24F)):
            self.word[first : last + 1] = 2
        self.seconds = composition_seconds(COMPOSITES)
        """Characters that are the second of a canonical composition pair."""

    def learn(self, points: np.ndarray) -> None:
        for point in np.unique(points[~self.known[points]]).tolist():
            self.known[point] = True
            if point in _CONTEXTUAL or any(a <= point <= b for a, b in _HANGUL) or unicodedata.combining(chr(point)):
                continue
            result = normalise(chr(point))
            if len(result) != 1:
                continue
            target = ord(result)
            if (
                target < 1 << 16
                and not unicodedata.decomposition(result)
                and not unicodedata.combining(result)
                and target not in self.seconds
                and target not in _CONTEXTUAL
                and not any(a <= target <= b for a, b in _HANGUL)
            ):
                self.fold[point], self.simple[point] = target, True


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables()


def _normalised(text: str) -> tuple[np.ndarray, str]:
    """The text as `analyzer.normalise` makes it, and its code points (those outside the BMP as
    U+FFFF: neither CJK nor a word). Most bodies need no NFKC pass over the whole text: when every
    character is `simple`, a table folds them one by one (，→ , ① → 1, Ⅰ → i, Ａ → a)."""
    tables = _tables()
    points = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    if len(points) and int(points.max()) < 1 << 16:
        if not tables.known[points].all():
            tables.learn(points)
        if tables.simple[points].all():
            points = tables.fold[points]
            return points, points.tobytes().decode("utf-32-le")
    normalised = normalise(text)  # the general case: the analyzer's own normalisation
    points = np.frombuffer(normalised.encode("utf-32-le"), np.uint32)
    return np.where(points < 1 << 16, points, 0xFFFF), normalised


def _body_codes(text: str) -> tuple[np.ndarray, list[str]]:
    """The body's tokens (`index_tokens(text, characters=False)`): CJK ones as codes, one entry per
    occurrence, and the words."""
    codes, _, words, _ = _codes(*_normalised(text))
    return codes, words


def _codes(points: np.ndarray, normalised: str) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """`_body_codes` of a text `_normalised` made already, with where each code's first character
    and each word stand in it: (codes, their places, words, their places)."""
    tables = _tables()
    codes = places = np.empty(0, np.int64)
    cjk = tables.cjk[points]
    where = np.flatnonzero(cjk)
    if len(where):
        # two CJK characters are in one run when only spaces stand between them
        breaks = np.cumsum(~cjk & (points != 0x20))
        joined = breaks[where[1:]] == breaks[where[:-1]]
        chars = points[where].astype(np.int64)
        bigrams = (chars[:-1][joined] << 16) | chars[1:][joined]
        alone = np.ones(len(where), bool)
        alone[:-1] &= ~joined
        alone[1:] &= ~joined
        codes = np.concatenate((bigrams, chars[alone]))
        places = np.concatenate((where[:-1][joined], where[alone]))
    words: list[str] = []
    starts = np.empty(0, np.int64)
    kind = tables.word[points]
    if kind.any():
        edges = np.flatnonzero(np.diff(kind, prepend=np.int8(0), append=np.int8(0)))
        starts, ends = edges[:-1], edges[1:]
        keep = kind[starts] != 0
        starts = starts[keep]
        words = [normalised[a:b] for a, b in zip(starts.tolist(), ends[keep].tolist())]
    return codes, places, words, starts


_CODE_BITS = 40
"""Room for a CJK code (32 bits) below a document's number, when a chunk's codes are counted together."""


def _bodies(texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, list[str], str]]:
    """For each text, its `_body_codes` counted: (CJK codes in order, their counts, words, the text
    as `analyzer.normalise` makes it). The texts of a chunk are coded in one pass, joined by line
    breaks (which end every run and word): numpy's calls cost more than its work on one body."""
    if not texts:
        return []
    normalised = [_normalised(text) for text in texts]
    line_break = np.array([0x0A], np.uint32)
    points = np.concatenate([part for text_points, _ in normalised for part in (text_points, line_break)])
    codes, places, words, starts = _codes(points, "".join(text + "\n" for _, text in normalised))
    firsts = np.cumsum([0] + [len(text) + 1 for _, text in normalised])  # where each text starts in `points`
    keys, counts = np.unique((np.searchsorted(firsts, places, side="right") - 1) << _CODE_BITS | codes, return_counts=True)
    bounds = np.searchsorted(keys >> _CODE_BITS, np.arange(len(texts) + 1)).tolist()
    keys &= (1 << _CODE_BITS) - 1
    found: list[list[str]] = [[] for _ in texts]
    for word, number in zip(words, (np.searchsorted(firsts, starts, side="right") - 1).tolist()):
        found[number].append(word)
    return [
        (keys[bounds[number] : bounds[number + 1]], counts[bounds[number] : bounds[number + 1]], found[number], normalised[number][1])
        for number in range(len(texts))
    ]


# --- counting documents ----------------------------------------------------------------------


WORD_CODES = 1 << 32
"""A chunk's words are coded from here up (CJK codes are below: two 16-bit characters)."""
CHUNK_DOCUMENTS = 256
"""The most documents a chunk may count (their index in the chunk takes 8 bits)."""
_CHUNK_CODE_SHIFT = 8 + FIELD_BITS + COUNT_BITS


@dataclass(frozen=True)
class ChunkCounts:
    """The counts of a few documents (a worker's chunk): one 64-bit number each, packing (token code,
    document in the chunk, field, count); a CJK token's code is `code_of`'s, a word's WORD_CODES +
    its index in `words`. 8 bytes a count is also what crosses the pipe from the worker."""

    rows: np.ndarray
    words: list[str]
    overflow: dict[int, int]
    """Row index → a count above COUNT_LIMIT (packed as 0)."""

    def unpacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(codes, documents, fields, counts) as int64 arrays."""
        rows = self.rows.view(np.int64)
        counts = rows & COUNT_LIMIT
        for at, count in self.overflow.items():
            counts[at] = count
        return rows >> _CHUNK_CODE_SHIFT, (rows >> (FIELD_BITS + COUNT_BITS)) & 0xFF, (rows >> COUNT_BITS) & ((1 << FIELD_BITS) - 1), counts


MENTION = "@"
"""Prefix of the tokens that say a document names an organ whole ("@县财政局"); the analyzer never
makes a token with it."""


class OrganMentions:
    """Which endings of three or more characters of an organ's name (县财政局, 财政局 of 青山县财政局)
    a document's title or text holds whole, as tokens `@<ending>`.

    A query word naming an organ (search.js `organsNamed`) then ranks the documents that name it
    above those where its bigrams only stand apart (县财力…财政…民政局), even when the name is deep
    in the text: bigrams cannot tell the two apart, and the fragments hold only the text's start.
    Their impacts are 0: the tokens order, they do not score."""

    def __init__(self, issuers):
        endings = {
            key[-length:]
            for key in (exact_key(issuer.name) for issuer in issuers)
            for length in range(3, len(key) + 1)
        }
        self._longer: dict[str, list[str]] = defaultdict(list)
        for ending in sorted(endings):
            self._longer[ending[-3:]].append(ending)
        shortest = sorted(self._longer)
        # (the class of first characters first: most places are passed without trying each ending)
        firsts = re.escape("".join(sorted({ending[0] for ending in shortest})))
        self._pattern = re.compile(f"(?=[{firsts}])(?=(" + "|".join(map(re.escape, shortest)) + "))") if shortest else None

    def tokens(self, document: Document, normalised_text: str | None = None) -> list[str]:
        """`normalised_text`: the document's text as `analyzer.normalise` made it, when known."""
        if self._pattern is None:
            return []
        body = exact_key(document.text) if normalised_text is None else normalised_key(normalised_text)
        text = exact_key(document.title) + "\u0002" + body
        found = {match.group(1) for match in self._pattern.finditer(text)}
        return [MENTION + ending for short in sorted(found) for ending in self._longer[short] if ending in text]



def count_chunk(documents: list[Document], mentions: OrganMentions | None = None) -> ChunkCounts:
    """Count the tokens of each document's fields (its `text` filled), and with `mentions`, the
    organs each names whole (field MENTIONS). A field's rows are its CJK tokens, then its words,
    each in the order first met."""
    if len(documents) > CHUNK_DOCUMENTS:
        raise ValueError(f"a chunk counts at most {CHUNK_DOCUMENTS} documents")
    words: dict[str, int] = {}
    parts: list[np.ndarray] = []
    short: list[int] = []
    """Rows of the short fields since the last body, packed one by one: a title has a few dozen
    tokens, too few to pay for numpy's calls."""
    overflow: dict[int, int] = {}
    size = 0
    bodies = _bodies([document.text for document in documents])
    for number, document in enumerate(documents):
        body_codes, body_counts, body_words, body = bodies[number]
        texts = list(field_texts(document).values())
        if mentions is not None:
            texts.append(mentions.tokens(document, body))  # (the body normalised once for both)
        for field, text in enumerate(texts):
            head = (number << (FIELD_BITS + COUNT_BITS)) | (field << COUNT_BITS)
            if field == BODY:
                unique, counts, counter = body_codes, body_counts, Counter(body_words)
                if counter:
                    word_codes = [WORD_CODES + words.setdefault(word, len(words)) for word in counter]
                    unique = np.concatenate((unique, np.array(word_codes, np.int64)))
                    counts = np.concatenate((counts, np.fromiter(counter.values(), np.int64, len(counter))))
                if not len(unique):
                    continue
                big = counts > COUNT_LIMIT
                if big.any():
                    for at in np.flatnonzero(big).tolist():
                        overflow[size + at] = int(counts[at])
                    counts = np.where(big, 0, counts)
                if short:
                    parts.append(np.array(short, np.int64))
                    short = []
                parts.append((unique << _CHUNK_CODE_SHIFT) | head | counts)
                size += len(unique)
                continue
            cjk, found = ([], text) if field == MENTIONS else _short_tokens(text)
            coded = list(Counter(cjk).items()) + [(WORD_CODES + words.setdefault(word, len(words)), count) for word, count in Counter(found).items()]
            for code, count in coded:
                if count > COUNT_LIMIT:
                    overflow[size] = count
                    count = 0
                short.append((code << _CHUNK_CODE_SHIFT) | head | count)
                size += 1
    if short:
        parts.append(np.array(short, np.int64))
    rows = np.concatenate(parts).view(np.uint64) if parts else np.empty(0, np.uint64)
    return ChunkCounts(rows, list(words), overflow)


class TokenCounts:
    """Counts of many documents under one vocabulary: a row packs (token id, slot, field, count)
    from the high bits down, so sorting the rows sorts them by token, then slot, then field.

    The rows are in `base`, sorted (the build cache keeps it as a file and maps it, unread, into
    memory), and in `rows[:size]` (the documents counted since, in any order). A row counts while
    its slot's document is in `sources`; the others (of documents changed or gone) are left until
    a build indexes every token again (`sorted_rows`), which drops them."""

    def __init__(self, sources: list[str | None]):
        self.sources = sources
        """The document in each slot (None: a free slot)."""
        self.slot_bits = SLOT_BITS
        self.token_shift = SLOT_BITS + FIELD_BITS + COUNT_BITS
        if len(sources) > 1 << SLOT_BITS:
            raise ValueError(f"too many documents to index ({len(sources)})")
        self.codes = np.empty(0, np.int64)
        """The CJK codes met so far, sorted; `code_ids` holds each one's token id."""
        self.code_ids = np.empty(0, np.int64)
        self.words: dict[str, int] = {}
        """Word → token id."""
        self.texts: list[str | int] = []
        """Token id → its word, or its CJK code."""
        self.base = np.empty(0, np.uint64)
        """Rows sorted, as the last build that indexed every token left them (`sorted_rows`)."""
        self.rows = np.empty(0, np.uint64)
        """The packed counts added since, in `rows[:size]`; grown in place (`resize`, which the OS
        does without copying for big arrays) rather than kept as chunks and joined: freeing the
        chunks would not give their memory back."""
        self.size = 0
        self.counted = 0
        """Documents whose counts are in."""
        self.present: set[int] = set()
        """The slots some rows are of: those of `sources`, and slots no longer used whose rows are
        left until every token is indexed again."""
        self.overflow: dict[tuple[int, int, int], int] = {}
        """(token id, slot, field) → a count above COUNT_LIMIT."""
        self.lengths = np.zeros((0, FIELDS_COUNTED), np.int64)
        """Slot → each field's length (its counts summed), for BM25's length normalisation: kept
        for the slots of `base` (`field_lengths` counts the others')."""
        self.added: set[int] = set()
        """The slots `add` took rows for (documents counted by this build)."""
        self.replaced: dict[str, int] = {}
        """Document → the slot its rows had before it was counted again (set by the build)."""
        self.loaded_from = ""
        """The id the build cache kept these counts under ("" when counted afresh)."""
        self.rebased = False
        """Whether `sorted_rows` made a new `base` (slots then number documents in index order)."""

    def _ids(self, codes: np.ndarray) -> np.ndarray:
        """Token ids of CJK codes (sorted, distinct), new ones numbered as they come."""
        at = np.searchsorted(self.codes, codes)
        known = at < len(self.codes)
        known[known] = self.codes[at[known]] == codes[known]
        new = codes[~known]
        ids = np.empty(len(codes), np.int64)
        ids[known] = self.code_ids[at[known]]
        ids[~known] = np.arange(len(self.texts), len(self.texts) + len(new))
        self.texts.extend(new.tolist())
        if len(new):
            merged = np.concatenate((self.codes, new))
            order = np.argsort(merged, kind="stable")
            self.codes = merged[order]
            self.code_ids = np.concatenate((self.code_ids, ids[~known]))[order]
        return ids

    def add(self, slots: list[int], chunk: ChunkCounts) -> None:
        """Take a chunk's counts; its documents are in `slots`, in chunk order."""
        self.added.update(slots)
        if not len(chunk.rows):
            return
        word_ids = []
        for word in chunk.words:
            if word not in self.words:
                self.words[word] = len(self.texts)
                self.texts.append(word)
            word_ids.append(self.words[word])
        codes = (chunk.rows >> np.uint64(_CHUNK_CODE_SHIFT)).view(np.int64)
        is_word = codes >= WORD_CODES
        token_ids = np.empty(len(codes), np.int64)
        if is_word.any():
            token_ids[is_word] = np.array(word_ids, np.int64)[codes[is_word] - WORD_CODES]
        cjk = codes[~is_word]
        if len(cjk):
            unique, inverse = np.unique(cjk, return_inverse=True)
            token_ids[~is_word] = self._ids(unique)[inverse]
        low = chunk.rows & np.uint64((1 << (FIELD_BITS + COUNT_BITS)) - 1)  # field and count as they are
        documents = ((chunk.rows >> np.uint64(FIELD_BITS + COUNT_BITS)) & np.uint64(0xFF)).astype(np.intp)
        chunk_documents = len(slots)
        self.present.update(slots)
        slots = np.array(slots, np.uint64)[documents]
        for at, count in chunk.overflow.items():
            field = int(low[at]) >> COUNT_BITS
            self.overflow[(int(token_ids[at]), int(slots[at]), field)] = count
        self._append((token_ids.view(np.uint64) << np.uint64(self.token_shift)) | (slots << np.uint64(FIELD_BITS + COUNT_BITS)) | low, chunk_documents)

    def _append(self, rows: np.ndarray, documents: int) -> None:
        self.counted += documents
        needed = self.size + len(rows)
        if needed > len(self.rows):
            # room for the documents to come at the rate so far, and a little more
            estimate = needed * max(len(self.sources), self.counted) // max(self.counted, 1)
            size = max(needed + needed // 16, estimate + estimate // 16, 1024)
            if self.rows.flags.owndata:
                self.rows.resize(size, refcheck=False)
            else:  # a view (of a loaded file): copied once
                grown = np.empty(size, np.uint64)
                grown[: self.size] = self.rows[: self.size]
                self.rows = grown
        self.rows[self.size : needed] = rows
        self.size = needed

    def restore(self, base: np.ndarray, rows: np.ndarray, texts: list, overflow: dict[tuple[int, int, int], int], present: set[int], lengths: np.ndarray) -> None:
        """Take the counts a build cache kept: `base` sorted, `rows` (owned, with room to grow) the
        others; rows of slots not in `sources` are left out of the index."""
        self._index(texts)
        self.base, self.rows, self.size = base, rows, len(rows)
        self.counted = sum(source is not None for source in self.sources)
        self.overflow = dict(overflow)
        self.present = set(present)
        self.lengths = np.array(lengths, np.int64).reshape(-1, FIELDS_COUNTED)

    def _index(self, texts: list) -> None:
        """Take `texts` as the vocabulary (word and CJK code lookups made from it)."""
        self.texts = texts
        self.words = {text: number for number, text in enumerate(texts) if isinstance(text, str)}
        codes = np.array([text if not isinstance(text, str) else -1 for text in texts], np.int64)
        order = np.flatnonzero(codes >= 0)
        order = order[np.argsort(codes[order], kind="stable")]
        self.codes, self.code_ids = codes[order], order.astype(np.int64)

    def tokens(self) -> list[str]:
        """Token id → its text."""
        return [text if isinstance(text, str) else text_of(text) for text in self.texts]

    def field_lengths(self) -> np.ndarray:
        """Slot → each field's length: those kept (`lengths`) for the slots of `base`, counted from
        `rows` for the others (a slot's rows are all in one of the two)."""
        lengths = np.zeros((max(len(self.sources), len(self.lengths)), FIELDS_COUNTED), np.int64)
        lengths[: len(self.lengths)] = self.lengths
        rows = self.rows[: self.size]
        if len(rows):
            slot = ((rows >> np.uint64(FIELD_BITS + COUNT_BITS)) & np.uint64((1 << self.slot_bits) - 1)).astype(np.intp)
            field = ((rows >> np.uint64(COUNT_BITS)) & np.uint64((1 << FIELD_BITS) - 1)).astype(np.intp)
            counts = (rows & np.uint64(COUNT_LIMIT)).astype(np.int64)
            for at in np.flatnonzero(counts == 0).tolist():  # a count too big to pack
                counts[at] = self.overflow[(int(rows[at] >> np.uint64(self.token_shift)), int(slot[at]), int(field[at]))]
            size = max(len(lengths), int(slot.max()) + 1)
            if size > len(lengths):
                lengths = np.concatenate((lengths, np.zeros((size - len(lengths), FIELDS_COUNTED), np.int64)))
            lengths[np.unique(slot)] = 0
            lengths += np.bincount(slot * FIELDS_COUNTED + field, weights=counts, minlength=size * FIELDS_COUNTED).astype(np.int64).reshape(size, FIELDS_COUNTED)
        return lengths

    def slot_rows(self, slots, base: bool = True) -> np.ndarray:
        """The rows of the given slots (with `base`, those there too: a pass over it, a few
        hundredths of a second at 20,000 documents)."""
        slots = sorted(set(slots))
        if not slots:
            return np.empty(0, np.uint64)
        wanted = np.zeros(slots[-1] + 1, bool)
        wanted[slots] = True
        mask, shift = np.uint64((1 << self.slot_bits) - 1), np.uint64(FIELD_BITS + COUNT_BITS)
        found = []
        for rows in (self.base, self.rows[: self.size]) if base else (self.rows[: self.size],):
            for start in range(0, len(rows), 1 << 20):
                part = rows[start : start + (1 << 20)]
                if len(slots) <= 4:  # (an edit or a few: compared in place, no array of slots made)
                    slot_bits = part & (mask << shift)
                    inside = slot_bits == np.uint64(slots[0]) << shift
                    for other in slots[1:]:
                        inside |= slot_bits == np.uint64(other) << shift
                else:
                    slot = ((part >> shift) & mask).astype(np.intp)
                    inside = slot < len(wanted)
                    inside[inside] = wanted[slot[inside]]
                found.append(np.asarray(part[inside]))
        return np.concatenate(found) if found else np.empty(0, np.uint64)

    def token_rows(self, token_ids: np.ndarray) -> np.ndarray:
        """The rows of the given tokens (distinct, sorted), of every slot: `base` is searched, not read."""
        shift = np.uint64(self.token_shift)
        keys = token_ids.astype(np.uint64)
        starts = np.searchsorted(self.base, keys << shift).tolist()
        ends = np.searchsorted(self.base, (keys + np.uint64(1)) << shift).tolist()
        rows = self.rows[: self.size]
        added = np.empty(0, np.uint64)
        if len(rows):
            wanted = np.zeros(len(self.texts), bool)
            wanted[token_ids] = True
            added = rows[wanted[(rows >> shift).astype(np.intp)]]
        found = np.empty(sum(b - a for a, b in zip(starts, ends)) + len(added), np.uint64)
        at = 0
        for a, b in zip(starts, ends):  # (copied once, straight from the mapped file)
            found[at : at + b - a] = self.base[a:b]
            at += b - a
        found[at:] = added
        return found

    def sorted_rows(self, ids: dict[str, int]) -> tuple[np.ndarray, list[str], dict[tuple[int, int, int], int]]:
        """The counts of the documents in `ids` (source → document id) repacked as (token's rank in
        string order, document id, field, count) and sorted; the tokens in string order; and the
        counts too big to pack, by (rank, document id, field).

        The table is then renumbered so (`rebased`): token ids are ranks, the slot of the
        document with id d is d, and those `base`; the rows of the documents in `sources` but not
        in `ids` (dated after today) go to `rows` under the slots after the last id."""
        tokens = self.tokens()
        order = sorted(range(len(tokens)), key=tokens.__getitem__)
        rank = np.empty(len(order), np.uint64)
        rank[order] = np.arange(len(order), dtype=np.uint64)
        none = np.uint64(np.iinfo(np.uint64).max)
        document_of = np.full(max(len(self.sources), 1), none, np.uint64)
        held_of = np.full(max(len(self.sources), 1), none, np.uint64)
        held: list[str] = []
        for slot, source in enumerate(self.sources):
            if source in ids:
                document_of[slot] = ids[source]
            elif source is not None:
                held_of[slot] = len(ids) + len(held)
                held.append(source)
        rows = self.rows[: self.size]
        if len(self.base):
            rows = np.concatenate((self.base, rows))
        self.rows, self.base = np.empty(0, np.uint64), np.empty(0, np.uint64)
        shift, slot_shift = np.uint64(self.token_shift), np.uint64(FIELD_BITS + COUNT_BITS)
        low = np.uint64((1 << (FIELD_BITS + COUNT_BITS)) - 1)
        slot_mask = np.uint64((1 << self.slot_bits) - 1)
        held_rows = []
        for start in range(0, len(rows), 1 << 18):  # (a quarter of a million at a time: the arrays made stay small)
            part = rows[start : start + (1 << 18)]
            slot = ((part >> slot_shift) & slot_mask).astype(np.intp)
            document = document_of[slot]
            repacked = (rank[(part >> shift).astype(np.intp)] << shift) | (document << slot_shift) | (part & low)
            dropped = np.flatnonzero(document == none)
            if held and len(dropped):  # (of a document dated after today, or of none any more)
                later = held_of[slot[dropped]]
                kept = dropped[later != none]
                held_rows.append((rank[(part[kept] >> shift).astype(np.intp)] << shift) | (held_of[slot[kept]] << slot_shift) | (part[kept] & low))
            repacked[dropped] = none
            part[:] = repacked
        rows.sort()
        rows = rows[: int(np.searchsorted(rows, none))]
        overflow = {
            (int(rank[token]), int(document_of[slot]), field): count
            for (token, slot, field), count in self.overflow.items()
            if slot < len(document_of) and document_of[slot] != none
        }
        held_overflow = {
            (int(rank[token]), int(held_of[slot]), field): count
            for (token, slot, field), count in self.overflow.items()
            if slot < len(held_of) and held_of[slot] != none
        }
        # the table renumbered
        sources = [None] * len(ids) + held
        for source, number in ids.items():
            sources[number] = source
        self.lengths = np.zeros((len(ids), FIELDS_COUNTED), np.int64)  # (filled by search/shards.py's _Postings)
        self.sources = sources
        self._index([self.texts[i] for i in order])
        self.base = rows
        self.rows = np.concatenate(held_rows) if held_rows else np.empty(0, np.uint64)
        self.size = len(self.rows)
        self.overflow = {**overflow, **held_overflow}
        self.present = {slot for slot, source in enumerate(sources) if source is not None}
        self.rebased = True
        return rows, [tokens[i] for i in order], overflow
