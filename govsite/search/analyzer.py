"""The one tokenizer of search, mirrored by `indexTokens`/`queryTokens`/`queryWords` in themes/default/static/search.js.

Chinese has no spaces, so CJK runs become overlapping character bigrams (县财政局 → 县财 财政
政局): a query matches where its characters stand together, not scattered. Letters and digits
form words. NFKC folds full-width forms (２０２０ → 2020, ＡＢＣ → abc) and every bracket is a
separator, so 〔2020〕, [2020], 【2020】, ﹝2020﹞ and (2020) give the same tokens. Both sides are
pinned by tests/fixtures/search/analyzer_vectors.json."""

from __future__ import annotations

import re
import unicodedata

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007\u25cb"
_CJK_RUN = f"[{_CJK}]+(?: +[{_CJK}]+)*"
_DIGIT_RUN = "[0-9]+"
_LETTER_RUN = "[a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f]+"
_RUN_RE = re.compile(f"({_CJK_RUN})|({_DIGIT_RUN})|({_LETTER_RUN})")
"""One regular expression (search.js applies the same rules with code-point ranges): CJK runs (spaces between two ideographs do not
break a run: letter-spaced text such as 促 进 转 型, common in real summaries, must match
促进转型), digit runs, letter runs (separate, so GB11643 matches GB 11643)."""
_ANY_RUN_RE = re.compile(f"{_CJK_RUN}|{_DIGIT_RUN}|{_LETTER_RUN}")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[tuple[str, str]]:
    """(kind, run) pairs in order: kind is "cjk", "digit" or "letter"."""
    found = []
    for cjk, digits, letters in _RUN_RE.findall(normalise(text)):
        if cjk:
            found.append(("cjk", cjk.replace(" ", "")))
        else:
            found.append(("digit", digits) if digits else ("letter", letters))
    return found


def index_tokens(text: str, characters: bool = True) -> list[str]:
    """Tokens of a document field, in order: words, and for CJK every bigram and every character
    (single characters serve one-character queries).

    `characters=False` (the body) keeps a character only where it stands alone: single
    characters of long texts would double the index for queries that the title, 文号, organ and
    主题词 fields answer better."""
    tokens: list[str] = []
    for kind, run in runs(text):
        if kind != "cjk":
            tokens.append(run)
        elif not characters and len(run) > 1:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            last = len(run) - 1
            for i, char in enumerate(run):
                tokens.append(char)
                if i < last:
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


def exact_key(text: str) -> str:
    """The text's runs joined by U+0001 (search.js `exactKey`): the same words and characters, with
    punctuation, brackets, spaces, width and case set aside, for "does it stand here whole" checks."""
    return normalised_key(normalise(text))


def normalised_key(normalised: str) -> str:
    """`exact_key` of a text `normalise` made already (search/counts.py normalises a body once for all its uses)."""
    # the runs without their kinds: only a CJK run holds spaces, and `runs` drops them
    return "\u0001".join(_ANY_RUN_RE.findall(normalised)).replace(" ", "")
