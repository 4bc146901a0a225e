"""The 政府信息公开指南 (条例 art. 12): generated from site.yaml and the catalogue, plus the site's own
section in content/_guide.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..load import decode, read_bytes, shown_path
from ..markdown import render_markdown
from ..model import Site
from ..problems import Problems

GUIDE_URL = "gkzn/"
APPLICATION_URL = "ysqgk/"
"""The 依申请公开 page (statutory/application.py); the 指南 links it when the site has it."""
GUIDE_FILE = "_guide.md"
"""content/_guide.md: what the site adds to the generated 指南 (a file starting with _ is no document)."""


@dataclass(frozen=True)
class Guide:
    html: str = ""
    """The site's own section (content/_guide.md) as HTML; empty without one."""
    source: str = ""
    """content/_guide.md as messages show it, or "" without one."""
    files: tuple[str, ...] = ()
    """Content-relative files that section links to or shows."""


def read_guide(site: Site, content: Path, problems: Problems) -> Guide:
    """The site's own section of the 指南, rendered like a document body; the rest of the 指南 is
    generated, and what it needs from site.yaml (office: …) is checked by config.py."""
    path = content / GUIDE_FILE
    if not path.is_file():
        return Guide()
    shown = shown_path(path)
    data = read_bytes(path, shown, problems)
    text = decode(data, shown, problems) if data is not None else None
    if not text or not text.strip():
        return Guide(source=shown)
    body = render_markdown(text, GUIDE_FILE, shown, 1, site, problems)
    return Guide(body.html, shown, body.files)
