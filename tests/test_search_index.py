"""The static search index (govsite/search/shards.py): analyzer vectors, shard layout, and the oracle.

The oracle of issue 4 at the index level: reading the built files as a browser would (the meta
file, one shard per query token, a fragment per hit) and adding up impacts must rank documents
as whoosh's BM25F does over the same tokens with the same field weights."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from whoosh.query import Or

import search_reference
from conftest import FIXTURES, MINIMAL_SITE_YAML, build_content, document, make_content, site_with_text, snapshot
from govsite.search.analyzer import index_tokens, query_tokens, query_words
from govsite.search.shards import AVERAGE_BITS, BLOCK_POSTINGS, BUCKET_BITS, BUCKET_BYTES, FIELDS, IMPACT_SCALE, OrganMentions, average_length, bucket_of, buckets_for, decode_postings, field_texts
from govsite.search.whoosh_index import Word, search, update_index, word_query

VECTORS = json.loads((FIXTURES / "search" / "analyzer_vectors.json").read_text(encoding="utf-8"))["cases"]
MAX_FILES_PER_FOLDER = 300
"""Static hosts limit files per directory (Pagefind/pagefind#739); issue 4 sets 300."""


@pytest.mark.parametrize("case", VECTORS, ids=[repr(case["input"]) for case in VECTORS])
def test_the_shared_analyzer_vectors_hold_in_python(case):
    assert index_tokens(case["input"]) == case["index"]
    assert query_tokens(case["input"]) == case["query"]
    assert query_words(case["input"]) == case["words"]


class StaticIndex:
    """The built `search/` folder read the way search.js reads it: meta, then buckets and blocks, then fragments."""

    def __init__(self, out: Path):
        metas = sorted((out / "search").glob("meta.*.json"))
        assert len(metas) == 1, metas
        self.root = out / "search"
        self.meta = json.loads(metas[0].read_text(encoding="utf-8"))
        self._files: dict[int, object] = {}

    def shard(self, number: int):
        """Shard file `number` (buckets first, then blocks), parsed."""
        if number not in self._files:
            per, folder = self.meta["perFolder"], self.meta["shardFolder"]
            self._files[number] = json.loads((self.root / f"{folder}{number // per}/{number}.json").read_text(encoding="utf-8"))
        return self._files[number]

    def entry(self, token: str) -> list | None:
        return self.shard(bucket_of(token, self.meta["buckets"])).get(token)

    def postings(self, token: str) -> dict[int, int]:
        """Doc id → impact for one token; {} when no document has it."""
        entry = self.entry(token)
        if entry is None:
            return {}
        if isinstance(entry[0], str):
            return dict(zip(*decode_postings(entry)))
        first, starts = entry
        found: dict[int, int] = {}
        for k, start in enumerate([0, *starts]):
            ids, impacts = decode_postings(self.shard(first + k), start)
            assert all(start <= doc_id < ([*starts, float("inf")][k]) for doc_id in ids), (token, k)
            found.update(zip(ids, impacts))
        return found

    def url(self, doc_id: int) -> str:
        per = self.meta["perFolder"]
        path = self.root / self.meta["fragments"] / str(doc_id // per) / f"{doc_id}.json"
        return json.loads(path.read_text(encoding="utf-8"))["url"]

    def scores(self, query: str) -> dict[str, float]:
        """URL → score of the documents that match every word of the query (a word matches when the
        document has all its tokens): the sum of the impacts of their tokens, in whoosh's units."""
        matched: dict[int, int] | None = None
        for tokens in query_words(query):
            word = self.postings(tokens[0])
            for token in tokens[1:]:
                postings = self.postings(token)
                word = {doc: impact + postings[doc] for doc, impact in word.items() if doc in postings}
            if matched is not None:
                word = {doc: impact + matched[doc] for doc, impact in word.items() if doc in matched}
            matched = word
        return {self.url(doc): impact / IMPACT_SCALE for doc, impact in (matched or {}).items()}


def whoosh_scores(ix, query: str) -> dict[str, float]:
    """URL → whoosh BM25F score of the documents that match every word, words ORed as in the browser."""
    words = [word_query(tokens) for tokens in query_words(query)]
    result = search(ix, Or(words) if len(words) > 1 else words[0], limit=None)
    return {hit.url: hit.score for hit in result.hits if hit.words == len(words)}


def oracle_queries(site) -> list[str]:
    """About 20 queries of the kinds issue 4 names, taken from the site itself so every one has answers:
    exact titles, 文号 in other bracket spellings and full-width digits, organ names, two-word queries."""
    documents = sorted(site.documents, key=lambda d: d.url)
    count = len(documents)
    titles = [documents[i * count // 6].title for i in range(6)]
    numbered = [d.doc_number for d in documents if d.doc_number]
    spellings = [
        lambda n: n,
        lambda n: n.replace("〔", "[").replace("〕", "]"),
        lambda n: n.replace("〔", "【").replace("〕", "】"),
        lambda n: n.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),
    ]
    numbers = [spell(numbered[i * len(numbered) // 4]) for i, spell in enumerate(spellings)] if numbered else []
    organs = [name for name, _ in Counter(d.issuer for d in documents).most_common(3)]
    fixed = ["政府采购 中标", "财政 预算", "实施 意见", "关于 通知", "管理办法 印发", "通知", "2020", "局"]
    return titles + numbers + organs + fixed


def tie_tolerance(query: str) -> float:
    """Each impact is rounded to 1/IMPACT_SCALE, so a document's sum of n tokens may be off by
    n/(2 × IMPACT_SCALE), and two documents the static index ties may differ by twice that."""
    return 1.0 / IMPACT_SCALE * sum(len(tokens) for tokens in query_words(query)) + 1e-6


def assert_same_top_ten(static: dict[str, float], whoosh: dict[str, float], query: str) -> None:
    """The same documents match; rank by rank, the static top 10 and whoosh's top 10 hold documents of
    the same whoosh score (so they differ at most in the order of score-tied documents)."""
    assert set(static) == set(whoosh), f"{query!r}: only static {set(static) - set(whoosh)}, only whoosh {set(whoosh) - set(static)}"
    tolerance = tie_tolerance(query)
    static_top = sorted(static, key=lambda url: (-static[url], url))[:10]
    whoosh_top = sorted(whoosh, key=lambda url: (-whoosh[url], url))[:10]
    for rank, (ours, theirs) in enumerate(zip(static_top, whoosh_top), 1):
        assert abs(whoosh[ours] - whoosh[theirs]) <= tolerance, (
            f"{query!r}, rank {rank}: static index has {ours} (whoosh score {whoosh[ours]:.3f}), "
            f"whoosh has {theirs} ({whoosh[theirs]:.3f})\nstatic top 10: {static_top}\nwhoosh top 10: {whoosh_top}"
        )
    for url, score in static.items():
        assert abs(score - whoosh[url]) <= tolerance, f"{query!r}: {url} scores {score} in the static index, {whoosh[url]} in whoosh"


@pytest.fixture(scope="session")
def whoosh_of(tmp_path_factory):
    """`whoosh_of(built_site)` → a whoosh index of the same documents, built once per site."""
    built: dict[Path, object] = {}

    def _index(site_built):
        if site_built.out not in built:
            folder = tmp_path_factory.mktemp("whoosh")
            built[site_built.out], _ = update_index(site_with_text(site_built), site_built.content, folder)
        return built[site_built.out]

    return _index


def check_oracle(site_built, whoosh_of) -> None:
    static = StaticIndex(site_built.out)
    ix = whoosh_of(site_built)
    queries = oracle_queries(site_built.result.site)
    assert len(queries) >= 18
    answered = 0
    for query in queries:
        ours, theirs = static.scores(query), whoosh_scores(ix, query)
        assert_same_top_ten(ours, theirs, query)
        answered += bool(theirs)
    assert answered >= len(queries) - 5, "most oracle queries should find something, or the test proves little"


def test_the_static_index_ranks_the_sample_site_as_whoosh_does(sample_site, whoosh_of):
    check_oracle(sample_site, whoosh_of)


def test_the_static_index_ranks_each_real_corpus_as_whoosh_does(corpus_site, whoosh_of):
    check_oracle(corpus_site, whoosh_of)


def test_an_exact_title_or_document_number_query_finds_its_document_in_both_indexes(corpus_site, whoosh_of):
    static, ix = StaticIndex(corpus_site.out), whoosh_of(corpus_site)
    for doc in corpus_site.result.site.documents[::7]:
        for query in filter(None, (doc.title, doc.doc_number.replace("〔", "[").replace("〕", "]"))):
            assert doc.url in static.scores(query), query
            assert doc.url in whoosh_scores(ix, query), query


def test_each_token_sits_once_in_its_bucket_and_every_token_of_every_document_is_there(sample_site, corpus_site):
    for built in (sample_site, corpus_site):
        static = StaticIndex(built.out)
        count = static.meta["buckets"]
        seen: list[str] = []
        for number in range(count):
            tokens = list(static.shard(number))
            assert all(bucket_of(token, count) == number for token in tokens), number
            seen.extend(tokens)
        assert len(seen) == len(set(seen))
        mentions = OrganMentions(built.result.site.config.issuers)
        expected = {
            token
            for doc in site_with_text(built).documents
            for field, text in field_texts(doc).items()
            for token in index_tokens(text, characters=field != "body")
        } | {token for doc in site_with_text(built).documents for token in mentions.tokens(doc)}
        assert set(seen) == expected


def check_same_index_as_the_reference(built) -> None:
    """The search files are byte for byte those of the loop over dicts that numpy replaced."""
    reference = search_reference.build_search_index(site_with_text(built))
    written = {name: data for name, data in snapshot(built.out / "search").items() if name != "index.html"}  # the search page
    assert written == {path.removeprefix("search/"): data for path, data in reference.files.items()}


def test_the_index_is_byte_for_byte_that_of_the_reference_implementation(sample_site, corpus_site):
    for built in (sample_site, corpus_site):
        check_same_index_as_the_reference(built)


def test_a_count_too_big_to_pack_gives_the_reference_index(tmp_path):
    files = {"zcwj/a.md": document(title="政府工作", body="政府" * 70_000 + "\n"), "zcwj/b.md": document(title="其他", body="政府工作。\n")}
    check_same_index_as_the_reference(build_content(make_content(tmp_path, files, MINIMAL_SITE_YAML), tmp_path / "build"))


@pytest.fixture(scope="module")
def blocked_site(tmp_path_factory):
    """More documents than a block holds (and than the worker pool's threshold): built in worker processes."""
    tmp_path = tmp_path_factory.mktemp("blocked")
    files = {
        f"zcwj/doc-{number}.md": document(title=f"关于第{number}项工作的通知", date=f"20{10 + number % 15}-05-01", body="通知正文。\n")
        for number in range(BLOCK_POSTINGS + 300)
    }
    return build_content(make_content(tmp_path, files, MINIMAL_SITE_YAML), tmp_path / "build")


def test_a_site_with_blocks_built_in_worker_processes_gives_the_reference_index(blocked_site):
    check_same_index_as_the_reference(blocked_site)


def test_a_common_token_is_cut_into_blocks_that_cover_its_documents_in_order(blocked_site):
    built, files = blocked_site, range(BLOCK_POSTINGS + 300)
    static = StaticIndex(built.out)
    entry = static.entry("通知")
    assert isinstance(entry[0], int) and len(entry[1]) == 1, entry  # two blocks, one boundary
    postings = static.postings("通知")
    assert sorted(postings) == list(range(len(files)))
    assert isinstance(static.entry(str(BLOCK_POSTINGS + 7))[0], str), "a token of few documents stays whole in its bucket"


def test_organ_mention_tokens_list_the_documents_that_name_the_organ_whole(build_site):
    site_yaml = MINIMAL_SITE_YAML.replace('  - "测试县教育局"\n', '  - "测试县教育局"\n  - "测试县审计局"\n')
    built = build_site(
        {
            "zcwj/bmwj/named.md": document(title="教育经费安排", issuer="测试县教育局", body="前文。" * 300 + "\n\n会同县 财 政 局开展核查。\n"),
            "zcwj/bmwj/title.md": document(title="测试县财政局关于预算的通知", issuer="测试县教育局"),
            "zcwj/bmwj/scattered.md": document(title="审计报告", issuer="测试县审计局", body="县财力保障，财政资金，县民政局。\n"),
        },
        site_yaml=site_yaml,
    )
    static = StaticIndex(built.out)
    urls = lambda token: sorted(static.url(doc_id) for doc_id in static.postings(token))
    assert urls("@县财政局") == urls("@财政局") == ["zcwj/bmwj/named/", "zcwj/bmwj/title/"]
    assert urls("@测试县财政局") == ["zcwj/bmwj/title/"]
    assert set(static.postings("@县财政局").values()) == {0}, "mentions order results; they add nothing to scores"
    assert not static.postings("@县审计局"), "the issuer is the table's job: a mention is in the title or text"
    assert not static.postings("@财政"), "endings shorter than three characters name no organ"


def test_every_posting_lists_a_document_that_has_the_token(sample_site):
    static = StaticIndex(sample_site.out)
    by_url = {doc.url: doc for doc in site_with_text(sample_site).documents}
    for token in ("青山", "财政", "2024", "局"):
        postings = static.postings(token)
        assert postings, token
        for doc_id, impact in postings.items():
            doc = by_url[static.url(doc_id)]
            tokens = {t for f, text in field_texts(doc).items() for t in index_tokens(text, characters=f != "body")}
            assert token in tokens and impact > 0, (token, doc.url)


def test_no_folder_of_a_corpus_search_index_holds_more_than_300_files(corpus_site):
    assert crowded_folders(corpus_site.out / "search") == {}


def test_no_folder_of_a_thousand_document_search_index_holds_more_than_300_files(tmp_path):
    files = {
        f"zcwj/{year}/doc-{number}.md": document(
            title=f"测试县人民政府关于第{number}项工作的通知",
            date=f"{year}-05-01",
            doc_number=f"测政发〔{year}〕{number}号",
            body=f"第{number}项工作的正文，涉及财政预算和政府采购。\n",
        )
        for year in range(2015, 2025)
        for number in range(1, 101)
    }
    built = build_content(make_content(tmp_path, files, MINIMAL_SITE_YAML), tmp_path / "build")
    assert len(built.result.site.documents) == 1000
    assert crowded_folders(built.out / "search") == {}


def crowded_folders(root: Path) -> dict[str, int]:
    """Folders under `root` holding more than MAX_FILES_PER_FOLDER files, with their counts."""
    counts = Counter(path.parent for path in root.rglob("*") if path.is_file())
    assert counts, f"no search index under {root}"
    return {folder.relative_to(root).as_posix(): n for folder, n in counts.items() if n > MAX_FILES_PER_FOLDER}


def test_whoosh_keeps_a_query_word_together(sample_site, whoosh_of):
    """One word is one node of the query (matched words are counted per word, as the browser does)."""
    query = Or([word_query(tokens) for tokens in query_words("财政局 预算")]).normalize()
    assert [type(q) for q in query.subqueries] == [Word, Word]
    assert len(query.subqueries[0].subqueries) == 2 and all(len(q.subqueries) == len(FIELDS) for q in query.subqueries[0].subqueries)


def test_the_averages_and_the_bucket_count_are_rounded_so_one_edit_rarely_moves_them():
    for total, count in [(942_955, 19_878), (16_455_978, 19_878), (7, 3), (0, 5), (123_456_789, 100_000)]:
        exact = (total / count if count else 0) or 1
        assert abs(average_length(total, count) - exact) <= exact * 2.0**-AVERAGE_BITS
    assert average_length(942_955, 19_878) == average_length(942_955 + 40, 19_878), "a title 40 tokens longer at 20,000 documents"
    counts = [buckets_for(size) for size in range(0, 30_000_000, 9_973)]
    assert counts == sorted(counts) and all(count >= -(-size // BUCKET_BYTES) for count, size in zip(counts, range(0, 30_000_000, 9_973)))
    assert all((count >> (count.bit_length() - BUCKET_BITS) << (count.bit_length() - BUCKET_BITS)) == count for count in counts if count.bit_length() > BUCKET_BITS)
    assert buckets_for(8_205 * BUCKET_BYTES) == 8_704 and buckets_for(8_205 * BUCKET_BYTES + 600_000) == 8_704
