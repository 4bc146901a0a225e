"""Every output file into a staging folder beside the output folder, then a swap: never half a site.

Files are written as they are made (`Staging.write`, and `put` in the worker processes), so a
20,000-document build never holds its pages in memory; nothing of the output folder changes
until `Staging.commit`, which runs only once every file is there."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .model import OutputFile

MARKER = ".govsite-build"
"""Left in every output folder, so a later build knows the folder is ours to replace."""


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
    """The folder `<out>.staging-<pid>` the new site is written into, swapped in by `commit`.

    Used as a context manager: leaving it without `commit` (an error, a content problem found
    late) removes the staging folder, and the output folder is as it was."""

    def __init__(self, out: Path):
        self.out = out.resolve()
        self.root = self.out.with_name(f"{self.out.name}.staging-{os.getpid()}")
        self.paths: dict[str, int] = {}
        """Every output path written so far, with how many times: two files for one path is an error."""

    def __enter__(self) -> "Staging":
        shutil.rmtree(self.root, ignore_errors=True)
        _forget(self.root)
        self.root.mkdir(parents=True)
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        _forget(self.root)

    def write(self, output: OutputFile) -> None:
        put(self.root, output.path, output.data, output.source)
        self.record(output.path)

    def put(self, path: str, data: bytes) -> None:
        put(self.root, path, data)
        self.record(path)

    def rename(self, folder: str, to: str) -> None:
        """Move a folder of the new site (`folder` and `to` relative, ending in /), if it was made."""
        if not (self.root / folder).exists():
            return
        (self.root / to).parent.mkdir(parents=True, exist_ok=True)
        (self.root / folder).rename(self.root / to)
        _forget(self.root / folder)
        self.paths = {(to + path[len(folder) :] if path.startswith(folder) else path): n for path, n in self.paths.items()}

    def record(self, path: str) -> None:
        """Count a path a worker process wrote into the staging folder."""
        self.paths[path] = self.paths.get(path, 0) + 1

    def collisions(self) -> list[str]:
        return sorted(path for path, count in self.paths.items() if count > 1)

    def commit(self) -> None:
        """Mark the new site as ours, then swap it in; the old site is removed only after."""
        retired = self.out.with_name(f"{self.out.name}.old-{os.getpid()}")
        (self.root / MARKER).write_text("govsite output folder; safe for govsite to replace.\n", encoding="utf-8")
        if self.out.exists():
            self.out.rename(retired)
        try:
            self.root.rename(self.out)
        except OSError:
            if retired.exists():
                retired.rename(self.out)
            raise
        finally:
            _forget(self.root)
        shutil.rmtree(retired, ignore_errors=True)


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
