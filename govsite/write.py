"""Every output file into a staging folder beside the output folder, then into place: never half a site.

Files are written as they are made (`Staging.put`, and `put` in the worker processes), so a
20,000-document build never holds its pages in memory. Nothing of the output folder changes
until `Staging.commit`, which runs only once every file is made and no problem was found: an
error in the content or a template leaves the output folder exactly as it was.

`commit` puts the new site in place one of two ways:

- Whole (a first build, or when the output folder's state is not known): the staging folder
  holds every file; the output folder is renamed away, the staging folder renamed to it, and
  the old one deleted. The swap is two renames.
- In place (`Staging(out, previous=...)`, when the build cache's manifest and the output folder's
  marker name the same build, so the cache knows every file in the folder and its digest): the
  staging folder holds only the files whose bytes changed. The marker is first rewritten to say
  "updating"; then the search index's digest-named folders are renamed, each changed file is
  renamed over the old one (`os.replace`: a reader sees the old file or the new one, never part of
  one), files the new site no longer has are deleted, and the marker is rewritten with the new
  build's id. If the process dies in between, the marker still says "updating": the next build
  does not trust the folder and makes the whole site again (the first way). A reader of the
  folder during those moments (a preview server) may see some files new and some old, never a
  half-written file; a host serving from a deployment (Netlify) never sees the folder then.

A build's id is a digest of every file's path and bytes: two builds of the same site leave the
same marker, so the output folder stays byte for byte the same.

A one-document edit at 20,000 documents rewrites a few hundred files instead of 56,000."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .model import OutputFile

MARKER = ".govsite-build"
"""Left in every output folder, so a later build knows the folder is ours to replace."""
MARKER_TEXT = "govsite output folder; safe for govsite to replace.\n"
PENDING = ".pending"
"""The name a digest-named folder has while its files are made (search/shards.py): its digest is
known only once they all are."""


class UnsafeOutput(Exception):
    """The output folder holds something a build must not replace (content, a project …)."""


def check_output_folder(out: Path, content: Path) -> None:
    out, content = out.resolve(), content.resolve()
    if out == content or out in content.parents:
        raise UnsafeOutput(f"输出目录 {out} 包含内容目录 {content}，构建会覆盖您的文件。请用 --out 指定另一个目录（默认 build/）。")
    if content in out.parents:
        raise UnsafeOutput(f"输出目录 {out} 位于内容目录 {content} 之中。请把输出目录放在内容目录之外（默认 build/）。")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UnsafeOutput(
            f"输出目录 {out} 已存在且不是 govsite 生成的（其中没有 {MARKER}），为避免删除您的文件，构建已停止。"
            "请指定一个新的或空的目录，或先手动删除它。"
        )


def output_id(out: Path) -> str | None:
    """The id of the build the output folder holds, from its marker; None when it is being updated,
    holds no id or is not there."""
    try:
        lines = (out / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return lines[1].removeprefix("build ") if len(lines) > 1 and lines[1].startswith("build ") else None


def _write_marker(folder: Path, state: str) -> None:
    temporary = folder / (MARKER + ".new")
    temporary.write_text(MARKER_TEXT + state + "\n", encoding="utf-8")
    os.replace(temporary, folder / MARKER)


_made: set[str] = set()
"""Folders this process has made under a staging folder (one mkdir each, not one per file)."""


def put(root: Path, path: str, data: bytes | None = None, source: Path | None = None) -> None:
    """Write one file at `root/path` (`path` relative, with /), making its folders: the bytes, or a
    copy of `source`. Worker processes call this with the staging folder they were given."""
    target = os.path.join(root, path)
    folder = os.path.dirname(target)
    if folder not in _made:
        os.makedirs(folder, exist_ok=True)
        _made.add(folder)
    if source is not None:
        shutil.copyfile(source, target)
        return
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data or b"")
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


class Staging:
    """The folder `<out>.staging-<pid>` the new site is made in, put in place by `commit`.

    Used as a context manager: leaving it without `commit` (an error, a content problem found
    late) removes the staging folder, and the output folder is as it was.

    Every file of the new site is recorded with its digest (the sha256 of its bytes) and, for a
    page or a copied file, the key of what it was made from: the build cache keeps them as the
    manifest of the output folder. `previous`, that manifest for the output folder as it is,
    makes the update in place: a file whose digest (or key) is in it need not be written.

    Paths under a PENDING folder are named by that folder, whose real name changes from build to
    build: `folders` maps each PENDING folder to its real name in the new site, `previous_folders`
    in the site the output folder holds."""

    def __init__(self, out: Path, previous: dict[str, tuple[bytes, bytes]] | None = None, previous_folders: dict[str, str] | None = None):
        self.out = out.resolve()
        self.root = self.out.with_name(f"{self.out.name}.staging-{os.getpid()}")
        self.previous = previous
        """Output path → (digest, key) of each file the output folder holds; None: not known."""
        self.previous_folders = previous_folders or {}
        self.files: dict[str, tuple[bytes, bytes]] = {}
        """Every file of the new site so far: path → (digest, key)."""
        self.made: dict[str, int] = {}
        """How many times each path was made: two files for one path is an error."""
        self.written: set[str] = set()
        """The paths written into the staging folder (in place: the changed ones)."""
        self.folders: dict[str, str] = {}
        """PENDING folder → its real name in the new site."""
        self.id = ""
        """This build's id, left in the marker (and in the build cache): a digest of every file's path
        and bytes, so that two builds of the same site leave the same marker."""

    @property
    def in_place(self) -> bool:
        return self.previous is not None

    def __enter__(self) -> "Staging":
        shutil.rmtree(self.root, ignore_errors=True)
        _forget(self.root)
        self.root.mkdir(parents=True)
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        _forget(self.root)

    def previous_digest(self, path: str) -> bytes | None:
        return self.previous.get(path, (None, None))[0] if self.previous is not None else None

    def holds(self, path: str, key: bytes | None = None) -> bool:
        """Whether the output folder holds the file made from `key` (any, when None) at `path`: it can be kept."""
        return self.previous is not None and path in self.previous and (key is None or self.previous[path][1] == key)

    def keep(self, path: str) -> None:
        """Keep the file the output folder holds at `path` (`holds` said it is the one)."""
        self.record(path, *self.previous[path])

    def put(self, path: str, data: bytes, key: bytes = b"") -> bool:
        """Write `data` at `path` unless the output folder holds these bytes already; whether it wrote."""
        digest = hashlib.sha256(data).digest()
        if self.previous_digest(path) == digest:
            self.record(path, digest, key)
            return False
        put(self.root, path, data)
        self.record(path, digest, key, written=True)
        return True

    def copy(self, path: str, source: Path) -> None:
        """A file copied as it is (an attachment, a theme file): its key is its size and time, so
        the output folder's copy is kept without reading the file again."""
        stat = source.stat()
        key = f"{stat.st_size}:{stat.st_mtime_ns}:{source}".encode()
        if self.holds(path, key):
            self.keep(path)
            return
        data = source.read_bytes()
        digest = hashlib.sha256(data).digest()
        if self.previous_digest(path) != digest:
            put(self.root, path, data)
        self.record(path, digest, key, written=self.previous_digest(path) != digest)

    def write(self, output: OutputFile) -> None:
        if output.source is not None:
            self.copy(output.path, output.source)
        else:
            self.put(output.path, output.data or b"")

    def record(self, path: str, digest: bytes, key: bytes = b"", written: bool = False) -> None:
        """Count a file of the new site; `written`: it is in the staging folder (a worker wrote it)."""
        self.made[path] = self.made.get(path, 0) + 1
        self.files[path] = (digest, key)
        if written:
            self.written.add(path)

    def collisions(self) -> list[str]:
        return sorted(path for path, count in self.made.items() if count > 1)

    def rename(self, folder: str, to: str) -> None:
        """Name a PENDING folder (`folder`, relative, ending in /) `to` in the new site."""
        self.folders[folder] = to

    def real(self, path: str) -> str:
        """A path of the new site with its PENDING folder named."""
        if not path.startswith(tuple(self.folders)):  # (most paths: one test, not one per folder)
            return path
        for pending, name in self.folders.items():
            if path.startswith(pending):
                return name + path[len(pending) :]
        return path

    def commit(self) -> None:
        """Put the new site in place (module docstring): whole, or in place when `previous` is given."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(self.real(path).encode() + b"\0" + self.files[path][0])
        self.id = digest.hexdigest()[:32]
        if self.in_place and output_id(self.out) is not None:
            self._update()
        else:
            self._swap()

    def _swap(self) -> None:
        for pending, name in self.folders.items():
            if (self.root / pending).exists():
                (self.root / name).parent.mkdir(parents=True, exist_ok=True)
                (self.root / pending).rename(self.root / name)
        _forget(self.root)
        _write_marker(self.root, f"build {self.id}")
        retired = self.out.with_name(f"{self.out.name}.old-{os.getpid()}")
        if self.out.exists():
            self.out.rename(retired)
        try:
            self.root.rename(self.out)
        except OSError:
            if retired.exists():
                retired.rename(self.out)
            raise
        shutil.rmtree(retired, ignore_errors=True)

    def _update(self) -> None:
        out = self.out
        _write_marker(out, "updating")
        for pending, name in self.folders.items():
            before = self.previous_folders.get(pending)
            if before and before != name and (out / before).is_dir():
                shutil.rmtree(out / name, ignore_errors=True)
                (out / before).rename(out / name)
        made: set[Path] = set()
        for path in sorted(self.written):
            target = out / self.real(path)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(self.root / path, target)
        gone = set(self.previous) - set(self.files)
        for path in gone:
            (out / self.real(path)).unlink(missing_ok=True)
        for folder in sorted({(out / self.real(path)).parent for path in gone}, key=lambda f: -len(f.parts)):
            while folder != out and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        _write_marker(out, f"build {self.id}")


def _forget(root: Path) -> None:
    """Drop the folders remembered under `root` (it was removed or renamed)."""
    prefix = str(root)
    for folder in [f for f in _made if f == prefix or f.startswith(prefix + os.sep)]:
        _made.discard(folder)


def write_site(outputs: list[OutputFile], out: Path) -> None:
    """Write `outputs` into a staging folder, then swap it in (`Staging`)."""
    with Staging(out) as staging:
        for output in outputs:
            staging.write(output)
        staging.commit()
