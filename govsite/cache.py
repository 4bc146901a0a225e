"""The build cache: what the last build read, made and wrote, so that the next redoes only what changed.

A folder (`.govsite-cache/build/` beside the content folder unless told otherwise; git-ignored)
holding one SQLite database and the search token counts:

- `documents`: per content file, its size and time, the sha256 of its bytes, the Document that
  validation made of it (JSON, without the body) with its problems, and the products of its
  body (`Products`): the files it links to, its excerpt, its problems, the links to other
  documents it has and what each pointed at. A file whose size and time (or, after a fresh
  checkout, whose bytes) are the same is neither parsed nor validated again; its body is
  rendered again only when its page must be, or a document it links to came, went or moved,
  or the site's organs changed (their names are searched for in it).
- `outputs`: the manifest of the output folder: each file's digest and the key it was made from
  (a page's key is a digest of its template's inputs, `pages.Page.context`). A page whose key
  is the same is not rendered; a file whose bytes are the same is not written (write.py).
- `meta`: what everything above was made with (`CacheKeys`): govsite's own code, site.yaml, the
  theme; the id of the build the output folder holds; the names of the search index's folders.
- `counts.npy`, `delta.npy`, `lengths.npy`, `tokens.json`: every document's search token counts
  (search/counts.py's TokenCounts: the sorted rows of the last build that indexed every token,
  the rows of documents counted since, each slot's field lengths; the vocabulary, the table of
  slots and the counts too big to pack).

Whatever a build cannot trust is made again: a cache of another govsite version, a site.yaml or
theme of other bytes, an output folder whose marker names another build. No pickle: everything
is JSON or numbers, readable and safe to load."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import sqlite3
import types
import typing
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

from . import __version__
from .model import Document
from .problems import Problem
from .search.counts import TokenCounts

SCHEMA = 1
DATABASE = "cache.sqlite"


def code_key() -> str:
    """Changes with govsite's code (every module of the package) and version: a cache made by
    other code is not used."""
    digest = hashlib.sha256(f"{SCHEMA} {__version__}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def default_folder(content: Path, purpose: str = "build") -> Path:
    """`.govsite-cache/build/` beside the content folder; `govsite serve` keeps its own
    (`purpose` "serve"), since a cache remembers the one output folder it last filled."""
    return content.resolve().parent / ".govsite-cache" / purpose


# --- documents as JSON -------------------------------------------------------------------------
# A Document is kept as a JSON object of its fields. Reading 20,000 of them back is on the path of
# every build, so each field gets a converter made once from its type (dates from their ISO
# text, tuples from lists, nested data classes from objects), and the object is made without
# calling __init__ (a frozen data class's __init__ sets each field through object.__setattr__).


def _encode(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot keep {type(value).__name__} in the build cache")


def _converter(kind):
    """A function turning `_encode`'s JSON back into a value of `kind`; None when it is the JSON itself."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if kind in (str, int, float, bool, type(None), typing.Any):
        return None
    if kind is dt.date:
        return dt.date.fromisoformat
    if kind is Path:
        return Path
    if origin in (types.UnionType, typing.Union):
        inner = [_converter(argument) for argument in arguments if argument is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"cannot read {kind} from the build cache")
        return None if inner[0] is None else (lambda value, convert=inner[0]: None if value is None else convert(value))
    if origin is tuple:
        item = _converter(arguments[0])
        return tuple if item is None else (lambda value: tuple(map(item, value)))
    if origin is dict:
        item = _converter(arguments[1])
        return None if item is None else (lambda value: {key: item(v) for key, v in value.items()})
    if dataclasses.is_dataclass(kind):
        return _reader(kind)
    raise TypeError(f"cannot read {kind} from the build cache")


@lru_cache(maxsize=None)
def _reader(cls):
    hints = typing.get_type_hints(cls)
    converters = [(name, convert) for name in (f.name for f in dataclasses.fields(cls)) if (convert := _converter(hints[name])) is not None]

    def read(values: dict):
        for name, convert in converters:
            values[name] = convert(values[name])
        made = object.__new__(cls)
        made.__dict__.update(values)
        return made

    return read


def document_json(document: Document) -> str:
    return json.dumps(_encode(document), ensure_ascii=False, separators=(",", ":"))


def document_from_json(text: str, products: "Products | None" = None) -> Document:
    """The Document kept as JSON; with `products`, its files and excerpt filled from them."""
    values = json.loads(text)
    if products is not None:
        values["files"], values["excerpt"] = products.files, products.excerpt
    return _reader(Document)(values)


def problems_json(problems) -> str:
    return json.dumps([[p.path, p.line, p.message, p.fix, p.severity] for p in problems], ensure_ascii=False)


def problems_from_json(text: str) -> tuple[Problem, ...]:
    return tuple(Problem(*item) for item in json.loads(text))


# --- records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Products:
    """What rendering a document's body gave, and under which conditions it holds."""

    key: str
    """`products_key`: a digest of the file's bytes, the base path, what each linked document is
    (`links`) and the site's organs."""
    links: tuple[tuple[str, str], ...]
    """(linked .md file, its URL, or "pending" for a document dated after today, or "" for none)."""
    files: tuple[str, ...]
    excerpt: str
    problems: tuple[Problem, ...]

    def to_json(self) -> str:
        return json.dumps(
            {"key": self.key, "links": self.links, "files": self.files, "excerpt": self.excerpt, "problems": json.loads(problems_json(self.problems))},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> "Products":
        data = json.loads(text)
        problems = tuple(Problem(*item) for item in data["problems"])
        return cls(data["key"], tuple(map(tuple, data["links"])), tuple(data["files"]), data["excerpt"], problems)


def products_key(digest: bytes, base_path: str, links: tuple[tuple[str, str], ...], issuers: tuple[str, ...] = ()) -> str:
    """What a body's products depend on: its file's bytes, the site's base path (in its links),
    what each linked document is, and the site's organs (whose names it is searched for)."""
    text = base_path + "\0" + (json.dumps(links, ensure_ascii=False) if links else "[]") + "\0" + _joined(issuers)
    return hashlib.sha256(digest + text.encode()).hexdigest()


@lru_cache(maxsize=4)
def _joined(issuers: tuple[str, ...]) -> str:
    return "\0".join(issuers)  # (the same for all 20,000 documents)


@dataclass
class Record:
    """One content file as the last build left it."""

    source: str
    size: int
    mtime: int
    digest: bytes
    parse_key: str
    """The `CacheKeys.parse` the document was validated under."""
    document: str
    """The validated Document as JSON (`document_json`), without its body."""
    problems: str
    """Its problems as JSON."""
    slot: int
    """≥ 0 once its search token counts are kept (their slot is in the counts' own table, tokens.json)."""
    products: str | None = None
    """`Products` as JSON, once its body was rendered."""
    fragment: bytes | None = None
    """The sha256 of its search fragment, made from the document whose page key is `fragment_of`."""
    fragment_of: bytes | None = None


@dataclass(frozen=True)
class CacheKeys:
    code: str
    parse: str
    """What validation depends on besides the file: site.yaml, where the content folder is, and
    the folder messages name paths from."""


class BuildCache:
    """The cache folder of one build, opened (and locked) for it by `open_cache`."""

    def __init__(self, folder: Path, code: str):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(folder / DATABASE, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS documents (source TEXT PRIMARY KEY, size INT, mtime INT, digest BLOB,
                parse_key TEXT, document TEXT, problems TEXT, slot INT, products TEXT, fragment BLOB, fragment_of BLOB);
            CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, digest BLOB, key BLOB);
            """
        )
        if self.meta("code") != code:  # made by other code: start afresh
            self.db.executescript("DELETE FROM meta; DELETE FROM documents; DELETE FROM outputs;")
            for name in ("counts.npy", "delta.npy", "lengths.npy", "tokens.json"):
                (folder / name).unlink(missing_ok=True)
            self.set_meta("code", code)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def records(self) -> dict[str, Record]:
        rows = self.db.execute("SELECT source, size, mtime, digest, parse_key, document, problems, slot, products, fragment, fragment_of FROM documents")
        return {row[0]: Record(*row) for row in rows}

    def outputs(self, out: Path) -> tuple[dict[str, tuple[bytes, bytes]], dict[str, str], str | None]:
        """The manifest of `out` as the last build left it: (files, PENDING folder names, build id);
        empty when the last build wrote elsewhere."""
        if self.meta("out") != str(out.resolve()):
            return {}, {}, None
        files = {path: (digest, key) for path, digest, key in self.db.execute("SELECT path, digest, key FROM outputs")}
        return files, json.loads(self.meta("folders") or "{}"), self.meta("output_id")

    def counts_kept(self) -> bool:
        """Whether the token counts on disk are those the records name: saved by a build that then
        saved its records (one that failed in between left others)."""
        kept = self.meta("counts_id")
        return kept is not None and kept == self.meta("records_counts_id") and (self.folder / "counts.npy").is_file()

    def _counts_meta(self) -> dict:
        if getattr(self, "_kept_meta", None) is None:
            self._kept_meta = json.loads((self.folder / "tokens.json").read_text(encoding="utf-8"))
        return self._kept_meta

    def counts_table(self) -> tuple[list[str | None], set[int]]:
        """The kept counts' table (slot → document) and the slots they have rows for."""
        kept = self._counts_meta()
        return kept["sources"], set(kept["present"])

    def token_counts(self, slots: list[str | None]) -> TokenCounts:
        """The counts kept, for the documents in `slots` (slot → source): the sorted rows mapped
        into memory, not read (an edit reads only the tokens it touched), the others loaded."""
        counts = TokenCounts(slots)
        base = np.load(self.folder / "counts.npy", mmap_mode="r")
        stored = np.load(self.folder / "delta.npy")
        rows = np.empty(len(stored) + len(stored) // 2 + 65_536, np.uint64)  # room for a few documents more
        rows[: len(stored)] = stored
        kept = self._counts_meta()
        overflow = {tuple(map(int, key.split())): n for key, n in kept["overflow"].items()}
        counts.restore(base, rows[: len(stored)], kept["texts"], overflow, set(kept["present"]), np.load(self.folder / "lengths.npy"))
        counts.rows = rows
        counts.loaded_from = self.meta("counts_id") or ""
        return counts

    def save_counts(self, counts: TokenCounts) -> str:
        """Keep the token counts (the sorted rows only when `sorted_rows` made them anew); `save`
        then confirms them. Their id."""
        self.set_meta("counts_id", "")
        files = {"delta.npy": counts.rows[: counts.size], "lengths.npy": counts.field_lengths()}
        if counts.rebased or not (self.folder / "counts.npy").is_file():
            files["counts.npy"] = counts.base
        for name, array in files.items():
            np.save(self.folder / f"{name}.tmp.npy", array)
            os.replace(self.folder / f"{name}.tmp.npy", self.folder / name)
        data = {
            "texts": counts.texts,
            "sources": counts.sources,
            "present": sorted(counts.present),
            "overflow": {f"{a} {b} {c}": n for (a, b, c), n in counts.overflow.items()},
        }
        (self.folder / "tokens.json.tmp").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(self.folder / "tokens.json.tmp", self.folder / "tokens.json")
        self._kept_meta = None
        self.saved_counts = os.urandom(8).hex()
        self.set_meta("counts_id", self.saved_counts)
        return self.saved_counts

    def save(
        self,
        records: dict[str, Record],
        changed: set[str],
        out: Path,
        files: dict[str, tuple[bytes, bytes]],
        previous: dict[str, tuple[bytes, bytes]],
        folders: dict[str, str],
        output_id: str,
        slugs: dict[str, str],
    ) -> None:
        """Keep what this build read and made: the records in `changed` (the others are as they
        were; those not in `records` are gone) and the manifest of the output folder (`previous`:
        the manifest as loaded, so that only what changed is written)."""
        if self.meta("out") != str(out.resolve()):  # the manifest was of another folder
            self.db.execute("DELETE FROM outputs")
            previous = {}
        with self.transaction():
            kept = {row[0] for row in self.db.execute("SELECT source FROM documents")}
            self.db.executemany("DELETE FROM documents WHERE source = ?", ((source,) for source in kept - set(records)))
            self.db.executemany(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (dataclasses.astuple(records[source]) for source in sorted(changed) if source in records),
            )
            self.db.executemany("DELETE FROM outputs WHERE path = ?", ((path,) for path in previous.keys() - files.keys()))
            self.db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
                ((path, digest, key) for path, (digest, key) in files.items() if previous.get(path) != (digest, key)),
            )
            self.set_meta("out", str(out.resolve()))
            self.set_meta("folders", json.dumps(folders))
            self.set_meta("output_id", output_id)
            self.set_meta("slugs", json.dumps(slugs, ensure_ascii=False))
            if getattr(self, "saved_counts", None):
                self.set_meta("records_counts_id", self.saved_counts)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


@contextmanager
def open_cache(folder: Path | None) -> Iterator[BuildCache | None]:
    """The cache in `folder` (None: no cache), locked against another build using it meanwhile."""
    if folder is None:
        yield None
        return
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # Windows: builds sharing a cache are not guarded
            pass
        cache = BuildCache(folder, code_key())
        try:
            yield cache
        finally:
            cache.close()
