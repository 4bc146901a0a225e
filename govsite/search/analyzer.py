"""The one tokenizer of search, mirrored line for line by `analyze` in themes/default/static/search.js.

Chinese has no spaces, so CJK runs become overlapping character bigrams (县财政局 → 县财 财政
政局): a query matches where its characters stand together, not scattered. Letters and digits
form words. NFKC folds full-width forms (２０２０ → 2020, ＡＢＣ → abc) and every bracket is a
separator, so 〔2020〕, [2020], 【2020】, ﹝2020﹞ and (2020) give the same tokens. Both sides are
pinned by tests/fixtures/search/analyzer_vectors.json."""

from __future__ import annotations

import unicodedata

CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x3007, 0x3007), (0x25CB, 0x25CB))
"""CJK ideographs, plus 〇 and ○ (written as zero in numbers such as 第三七○号)."""
DIGIT_RANGES = ((0x30, 0x39),)
LETTER_RANGES = ((0x61, 0x7A), (0xDF, 0xF6), (0xF8, 0xFF), (0x100, 0x24F))
"""Lowercased Latin letters; letters and digits are separate words, so GB11643 matches GB 11643."""


def _in(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _kind(char: str) -> str:
    code = ord(char)
    if _in(code, CJK_RANGES):
        return "cjk"
    if _in(code, DIGIT_RANGES):
        return "digit"
    return "letter" if _in(code, LETTER_RANGES) else ""


def runs(text: str) -> list[tuple[str, str]]:
    """(kind, run) pairs: "cjk" runs of ideographs, "letter" and "digit" runs.

    Spaces between two ideographs do not break a run: letter-spaced text (促 进 转 型, common in
    real summaries) must still match 促进转型."""
    found: list[tuple[str, str]] = []
    kind, current = "", []
    chars = normalise(text)
    for index, char in enumerate(chars):
        char_kind = _kind(char)
        if char == " " and kind == "cjk" and _joins_cjk(chars, index):
            continue
        if char_kind != kind:
            if kind and current:
                found.append((kind, "".join(current)))
            kind, current = char_kind, []
        if char_kind:
            current.append(char)
    if kind and current:
        found.append((kind, "".join(current)))
    return found


def _joins_cjk(chars: str, index: int) -> bool:
    """True when the spaces at `index` are followed by an ideograph (the run before is CJK)."""
    rest = chars[index:].lstrip(" ")
    return bool(rest) and _kind(rest[0]) == "cjk"


def index_tokens(text: str) -> list[str]:
    """Tokens of a document field, in order: words, and for CJK every character and every bigram
    (single characters serve one-character queries)."""
    tokens: list[str] = []
    for kind, run in runs(text):
        if kind != "cjk":
            tokens.append(run)
            continue
        for i, char in enumerate(run):
            tokens.append(char)
            if i + 1 < len(run):
                tokens.append(run[i : i + 2])
    return tokens


def query_tokens(text: str) -> list[str]:
    """Tokens of one query word: bigrams for CJK runs (a lone character stands for itself), words as
    they are; duplicates removed, first occurrence kept."""
    tokens: list[str] = []
    for kind, run in runs(text):
        if kind != "cjk" or len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return list(dict.fromkeys(tokens))


def query_words(query: str) -> list[list[str]]:
    """The query split at spaces into words, each as its tokens; words with no tokens dropped."""
    words = [query_tokens(part) for part in normalise(query).split()]
    return [tokens for tokens in words if tokens]
