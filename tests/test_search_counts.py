"""Token counting for the index (govsite/search/counts.py): the analyzer's tokens, counted fast."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from conftest import site_with_text
from govsite.model import Document
from govsite.search.analyzer import exact_key, index_tokens, normalise, runs
from govsite.search.counts import (
    BODY,
    COMPOSITES,
    FIELDS,
    WORD_CODES,
    TokenCounts,
    OrganMentions,
    _body_codes,
    _normalised,
    _tables,
    composition_seconds,
    count_chunk,
    field_texts,
    text_of,
    _short_tokens,
)


def counted(text: str) -> Counter:
    """The body counter `_body_codes` gives, with codes turned back into tokens."""
    codes, words = _body_codes(text)
    found = Counter(text_of(code) for code in codes.tolist())
    found.update(words)
    return found


def test_every_field_of_every_document_is_counted_as_the_analyzer_splits_it(sample_site, corpus_site):
    for built in (sample_site, corpus_site):
        documents = list(site_with_text(built).documents)
        for first in range(0, len(documents), 64):
            chunk = count_chunk(documents[first : first + 64])
            codes, numbers, fields, counts = chunk.unpacked()
            tokens = [text_of(code) if code < WORD_CODES else chunk.words[code - WORD_CODES] for code in codes.tolist()]
            found: dict[tuple[int, int], Counter] = {}
            for token, number, field, count in zip(tokens, numbers.tolist(), fields.tolist(), counts.tolist()):
                found.setdefault((number, field), Counter())[token] += count
            for number, document in enumerate(documents[first : first + 64]):
                for field, text in enumerate(field_texts(document).values()):
                    expected = Counter(index_tokens(text, characters=field != BODY))
                    assert found.get((number, field), Counter()) == expected, (document.source, FIELDS[field])


ALPHABET = (
    "县财政局关于印发的通知青山县人民政府〇○"  # CJK
    "，。、：；！？（）〔〕【】［］﹝﹞“”‘’《》…—·"  # punctuation, full-width and not
    "０１２３ＡＢＣａｂｃ　"  # full-width letters, digits, the ideographic space
    "0123456789abcXYZ  \t\n"
    "①②⑩ⅠⅡⅻ㈠㊀μµΣσéÉe\u0301\u0301\u0308ßİ"  # enclosed, Roman, Greek, a decomposed é, İ
    "\uf900\ufa0e\uf92c\u2f00\u3131가각\u1100\u1161\u11a8"  # compatibility ideographs, a Kangxi radical, Hangul
    "\u0bc6\u0bbe\u09c7\u09be😀\U00020000"  # Tamil/Bengali vowel signs that compose, outside the BMP
)


@pytest.mark.parametrize("seed", range(40))
def test_random_text_of_every_awkward_kind_is_counted_as_the_analyzer_splits_it(seed):
    generator = random.Random(seed)
    text = "".join(generator.choice(ALPHABET) for _ in range(generator.randrange(1, 400)))
    assert counted(text) == Counter(index_tokens(text, characters=False)), repr(text)
    codes, words = _short_tokens(text)
    assert Counter(map(text_of, codes)) + Counter(words) == Counter(index_tokens(text)), repr(text)
    assert _normalised(text)[1] == normalise(text), repr(text)
    assert exact_key(text) == "\u0001".join(run for _, run in runs(text)), repr(text)


def test_organ_mentions_are_the_same_from_a_body_normalised_once(corpus_site):
    mentions = OrganMentions(corpus_site.result.site.config.issuers)
    found = 0
    for document in site_with_text(corpus_site).documents:
        tokens = mentions.tokens(document)
        assert mentions.tokens(document, _normalised(document.text)[1]) == tokens, document.source
        found += len(tokens)
    assert found, "the corpus names its organs"


@pytest.mark.parametrize("seed", range(5))
def test_bodies_counted_together_in_a_chunk_do_not_run_into_each_other(seed):
    """A chunk's bodies are coded in one pass (`_bodies`): a run or a word at the end of one body
    must not join one at the start of the next."""
    generator = random.Random(seed)
    texts = ["".join(generator.choice(ALPHABET) for _ in range(generator.randrange(0, 60))) for _ in range(40)]
    texts += ["县财政局", "政府 工作", "", "abc", "123", "局长"]  # ends and starts that would join
    documents = [
        Document(source=f"{n}.md", shown=f"{n}.md", url=f"{n}/", title="", category="c", issuer="", date=None, body="", body_line=1, text=text)
        for n, text in enumerate(texts)
    ]
    chunk = count_chunk(documents)
    codes, numbers, fields, counts = chunk.unpacked()
    found: dict[int, Counter] = {}
    for code, number, field, count in zip(codes.tolist(), numbers.tolist(), fields.tolist(), counts.tolist()):
        if field == BODY:
            found.setdefault(number, Counter())[text_of(code) if code < WORD_CODES else chunk.words[code - WORD_CODES]] += count
    for number, text in enumerate(texts):
        assert found.get(number, Counter()) == Counter(index_tokens(text, characters=False)), repr(text)


SIMPLE = "县财政局关于印发的通知〇○，。、：；！？（）〔〕“”《》—·０１２ＡＢａｂ　0129abXYZ \n①②Ⅰⅰ㊀μ"


@pytest.mark.parametrize("seed", range(20))
def test_random_text_that_needs_no_nfkc_pass_is_counted_as_the_analyzer_splits_it(seed):
    generator = random.Random(seed)
    text = "".join(generator.choice(SIMPLE) for _ in range(generator.randrange(1, 400)))
    codes = [ord(char) for char in text]
    _body_codes(text)  # learns the characters
    assert _tables().simple[codes].all(), "these texts must take the table path"
    assert counted(text) == Counter(index_tokens(text, characters=False)), repr(text)


def test_the_characters_of_simple_texts_are_normalised_without_nfkc():
    """A text of common Chinese, full-width forms and circled numbers takes the table path: it must
    give what NFKC gives, ① as 1, Ⅰ as i, Ａ as a, ，as a comma."""
    text = "第①条　ＡＢＣ公司，Ⅰ类（２０２４年）"
    assert counted(text) == Counter(index_tokens(text, characters=False))
    assert counted(text)["2024"] == 1 and counted(text)["abc"] == 1 and counted(text)["i"] == 1


def test_the_bmp_composition_table_is_complete():
    everything = composition_seconds([(0, 0x10FFFF)])
    assert {point for point in everything if point < 0x10000} == composition_seconds(COMPOSITES)


def test_a_count_too_big_to_pack_is_kept_exactly():
    document = Document(source="a.md", shown="a.md", url="a/", title="标题", category="c", issuer="i", date=None, body="", body_line=1, text="政府" * 70_000)
    counts = TokenCounts(["a.md"])
    counts.add([0], count_chunk([document]))
    rows, tokens, overflow = counts.sorted_rows({"a.md": 0})
    assert sorted(overflow.values()) == [69_999, 70_000]
    assert {tokens[token] for token, _, _ in overflow} == {"政府", "府政"}
