"""Problems in user input as values: collected over every file, printed together, then one failure."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, told the way a webmaster can act on it."""

    path: str
    """The file, relative to the folder the build was started from (or the content folder)."""
    line: int
    """Line counted from the top of the file; 0 when the problem is about the whole file."""
    message: str
    """What is wrong, quoting the value."""
    fix: str = ""
    """How to put it right, in the author's words."""
    severity: Severity = "error"

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        label = "" if self.severity == "error" else "警告："
        text = f"{where}: {label}{self.message}"
        if self.fix:
            text += f"\n    修改方法：{self.fix}"
        return text


@dataclass
class Problems:
    """The collector every stage writes into; stages keep going after a bad file."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str, fix: str = "") -> None:
        self.items.append(Problem(path, line, message, fix, "error"))

    def warning(self, path: str, line: int, message: str, fix: str = "") -> None:
        self.items.append(Problem(path, line, message, fix, "warning"))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == "error")

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == "warning")

    def raise_if_errors(self) -> None:
        if self.errors:
            raise BuildFailed(self.errors, self.warnings)


class BuildFailed(Exception):
    """Raised before anything is written when the content has errors."""

    def __init__(self, errors: list[Problem], warnings: list[Problem]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.warnings = warnings


def nearest(value: str, choices: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The closest known name, for "did you mean …?" hints; None when nothing is close."""
    matches = difflib.get_close_matches(value, list(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    guess = nearest(value, choices)
    return f"是不是“{guess}”？" if guess else ""


GROUP_AFTER = 5
"""Repeats of one message beyond this many are folded into a count (as Pelican's LimitFilter)."""


def format_report(errors: list[Problem], warnings: list[Problem]) -> str:
    """All problems, sorted by file and line, with repeats of one message grouped after five."""
    lines: list[str] = []
    for group in (warnings, errors):
        seen: dict[str, int] = {}
        folded: dict[str, int] = {}
        for problem in group:
            key = problem.message.split("：")[0] if problem.severity == "warning" else problem.format()
            seen[key] = seen.get(key, 0) + 1
            if problem.severity == "warning" and seen[key] > GROUP_AFTER:
                folded[key] = folded.get(key, 0) + 1
                continue
            lines.append(problem.format())
        for key, count in folded.items():
            lines.append(f"…… 另有 {count} 条同类警告：{key}")
    return "\n".join(lines)


def summary_line(errors: list[Problem], out_dir: str) -> str:
    files = len({p.path for p in errors})
    return f"共 {len(errors)} 个错误，涉及 {files} 个文件。未写入任何文件，{out_dir} 保持不变。"
