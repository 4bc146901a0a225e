"""Every OutputFile into a staging folder beside the output folder, then a swap: never half a site."""

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


def write_site(outputs: list[OutputFile], out: Path) -> None:
    """Write into `<out>.staging-<pid>`, then swap it in; the old site is removed only after."""
    out = out.resolve()
    staging = out.with_name(f"{out.name}.staging-{os.getpid()}")
    retired = out.with_name(f"{out.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        made: set[Path] = {staging}
        for output in outputs:
            target = staging / output.path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if output.source is not None:
                shutil.copyfile(output.source, target)
            else:
                target.write_bytes(output.data or b"")
        (staging / MARKER).write_text("govsite output folder; safe for govsite to replace.\n", encoding="utf-8")
        if out.exists():
            out.rename(retired)
        try:
            staging.rename(out)
        except OSError:
            if retired.exists():
                retired.rename(out)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(retired, ignore_errors=True)
