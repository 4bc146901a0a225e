"""Facts computed across documents on --today: validity, publication, drafts, next change, neighbours, 解读."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import TODAY, build_content, document, make_content
from govsite.problems import BuildFailed
from site_checks import html_files, parse, sitemap_locs, url_of

BASE_URL = "https://xxgk.test.example.gov.cn/"


def status(page) -> str:
    """The validity label shown in the page header, next to the <h1>."""
    labels = page.xpath("//h1/ancestor::header[1]//*[contains(concat(' ', @class, ' '), ' validity ')]")
    assert len(labels) == 1
    return labels[0].text_content().strip()


def metadata(page) -> dict[str, str]:
    return {dt_.text_content().strip(): " ".join(dd.text_content().split()) for dt_, dd in zip(page.xpath("//dl/div/dt"), page.xpath("//dl/div/dd"))}


def everywhere(built, needle: str) -> list[str]:
    """Every output file (pages, feeds, sitemap) whose text mentions `needle`."""
    return sorted(
        p.relative_to(built.out).as_posix()
        for p in built.out.rglob("*")
        if p.is_file() and p.suffix in (".html", ".xml", ".txt") and needle in p.read_text(encoding="utf-8")
    )


# --- validity ---------------------------------------------------------------------------------------


def test_an_expired_document_stays_published_and_is_labelled_near_its_title(build_site):
    built = build_site({"zcwj/old.md": document(title="临时办法", date="2023-01-10", expiry="2025-12-31")})
    page = built.html("zcwj/old/")
    assert page.xpath("string(//h1)") == "临时办法"
    assert status(page) == "失效"
    assert metadata(page)["有效性"] == "失效"
    assert "2025-12-31" in page.xpath("string(//h1/ancestor::header[1])")
    row = built.html("gk/zcwj/").xpath("//li[a[contains(@href, '/zcwj/old/')]]")[0]
    assert "失效" in row.text_content()
    assert BASE_URL + "zcwj/old/" in sitemap_locs(built.out)


def test_a_document_is_still_valid_on_its_expiry_day_and_lapses_the_day_after(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document(date="2024-01-01", expiry="2026-11-24")})
    on_the_day = build_content(content, tmp_path / "b1", today=dt.date(2026, 11, 24))
    assert status(on_the_day.html("zcwj/a/")) == "有效"
    assert on_the_day.result.site.next_change.date == dt.date(2026, 11, 25)
    day_after = build_content(content, tmp_path / "b2", today=dt.date(2026, 11, 25))
    assert status(day_after.html("zcwj/a/")) == "失效"


def test_a_repealed_document_is_labelled_and_links_to_the_repealing_document(build_site):
    built = build_site(
        {
            "zcwj/new.md": document(title="新办法", date="2024-05-01", doc_number="测政发〔2024〕1号"),
            "zcwj/old.md": document(title="旧办法", date="2020-05-01", validity="废止", repealed_by="测政发[2024]1号"),
            "zcwj/older.md": document(title="更旧的办法", date="2019-05-01", repealed_by="new.md"),
        }
    )
    for url in ("zcwj/old/", "zcwj/older/"):
        page = built.html(url)
        assert status(page) == "废止", url
        header = page.xpath("//h1/ancestor::header[1]")[0]
        assert header.xpath(".//a/@href") == ["/zcwj/new/"], url
        assert header.xpath("string(.//a)") == "新办法"
    assert status(built.html("zcwj/new/")) == "有效"


def test_a_document_repealed_without_a_named_successor_is_labelled_without_a_link(build_site):
    built = build_site({"zcwj/old.md": document(title="旧办法", validity="废止")})
    page = built.html("zcwj/old/")
    assert status(page) == "废止"
    assert page.xpath("//h1/ancestor::header[1]//a") == []


def test_a_document_declared_lapsed_is_labelled_even_before_its_expiry(build_site):
    built = build_site({"zcwj/a.md": document(date="2024-01-01", expiry="2030-12-31", validity="失效")})
    assert status(built.html("zcwj/a/")) == "失效"
    assert built.result.site.next_change is None  # declared lapsed: the expiry changes nothing


def test_a_document_not_yet_in_force_is_labelled_until_its_effective_date(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document(date="2026-10-01", effective_date="2027-01-01")})
    before = build_content(content, tmp_path / "b1")
    page = before.html("zcwj/a/")
    assert status(page) == "尚未生效"
    assert "2027" in page.xpath("string(//h1/ancestor::header[1])")
    assert before.result.site.next_change.date == dt.date(2027, 1, 1)
    after = build_content(content, tmp_path / "b2", today=dt.date(2027, 1, 1))
    assert status(after.html("zcwj/a/")) == "有效"


def test_a_document_with_no_dates_to_watch_is_valid(build_site):
    built = build_site({"zcwj/a.md": document()})
    assert status(built.html("zcwj/a/")) == "有效"
    assert built.result.site.next_change is None


# --- publication --------------------------------------------------------------------------------------


def test_a_future_dated_document_is_not_published_until_its_date_arrives(tmp_path):
    files = {
        "zcwj/now.md": document(title="已发布的通知", date="2026-11-01"),
        "zcwj/later.md": document(title="明年才发布的通知", date="2027-02-01", doc_number="测政发〔2027〕1号"),
    }
    content = make_content(tmp_path, files)
    before = build_content(content, tmp_path / "b1")
    assert not (before.out / "zcwj" / "later").exists()
    assert everywhere(before, "明年才发布的通知") == []
    assert everywhere(before, "zcwj/later/") == []
    assert [d.source for d in before.result.site.held_back] == ["zcwj/later.md"]
    assert not (before.out / "nian" / "2027").exists()
    assert before.result.site.next_change.date == dt.date(2027, 2, 1)

    after = build_content(content, tmp_path / "b2", today=dt.date(2027, 2, 1))
    assert after.html("zcwj/later/").xpath("string(//h1)") == "明年才发布的通知"
    for where in ("index.html", "gk/index.html", "gk/zcwj/index.html", "nian/2027/index.html", "feed.xml", "gk/zcwj/feed.xml", "sitemap.xml"):
        assert where in everywhere(after, "zcwj/later/"), where


def test_drafts_are_never_published(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document(), "zcwj/d.md": document(title="草稿通知", date="2024-01-01", draft=True)})
    for today in (TODAY, dt.date(2030, 1, 1)):
        built = build_content(content, tmp_path / f"b{today.year}", today=today)
        assert not (built.out / "zcwj" / "d").exists()
        assert everywhere(built, "草稿通知") == []
        assert [d.source for d in built.result.site.drafts] == ["zcwj/d.md"]


def test_a_link_to_a_held_back_document_names_it_without_linking_it(build_site):
    """A 解读 published before its policy: no link to a page that does not exist yet."""
    built = build_site(
        {
            "zcwj/policy.md": document(title="明年的政策", date="2027-01-01", doc_number="测政发〔2027〕1号"),
            "zcjd/jd.md": document(title="解读", category="政策解读", date="2026-11-01", interprets="测政发〔2027〕1号"),
        }
    )
    page = built.html("zcjd/jd/")
    assert not [h for h in page.xpath("//a/@href") if "policy" in h]


# --- next change ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"a.md": document(date="2027-03-01"), "b.md": document(date="2024-01-01", expiry="2026-12-31")}, dt.date(2027, 1, 1)),
        ({"a.md": document(date="2027-03-01"), "b.md": document(date="2024-01-01", effective_date="2026-12-15")}, dt.date(2026, 12, 15)),
        ({"a.md": document(date="2026-11-25"), "b.md": document(date="2024-01-01", expiry="2026-11-24")}, dt.date(2026, 11, 25)),
        ({"a.md": document(date="2024-01-01", expiry="2025-01-01")}, None),  # already lapsed
        ({"a.md": document(date="2027-01-01", draft=True)}, None),  # drafts never become due
        ({"a.md": document(date="2024-01-01", expiry="2027-01-01", validity="废止")}, None),
    ],
    ids=["expiry", "effective-date", "same-day", "past-expiry", "draft", "repealed"],
)
def test_the_next_change_date_is_the_first_day_the_output_would_differ(build_site, files, expected):
    files = {f"zcwj/{name}": text for name, text in files.items()}
    change = build_site(files).result.site.next_change
    assert (change.date if change else None) == expected
    if change:
        assert "《" in change.reason


def test_the_next_change_date_is_right_for_the_sample_site(sample_site):
    site = sample_site.result.site
    candidates = [d.date for d in site.held_back]
    for d in site.documents:
        if d.validity.label == "有效" and d.expiry:
            candidates.append(d.expiry + dt.timedelta(days=1))
        if d.validity.label == "尚未生效":
            candidates.append(d.effective_date)
    assert candidates, "the sample site has dates to watch"
    assert site.next_change.date == min(candidates)
    assert site.next_change.date > site.today


# --- neighbours and 解读 ------------------------------------------------------------------------------


def test_previous_and_next_stay_within_the_category_in_date_order(build_site):
    built = build_site(
        {
            "zcwj/a.md": document(title="一月", date="2024-01-01"),
            "zcwj/c.md": document(title="三月", date="2024-03-01"),
            "zcwj/b.md": document(title="二月", date="2024-02-01"),
            "zcwj/x.md": document(title="别的栏目", category="政策文件/部门文件", date="2024-02-15"),
        }
    )

    def neighbours(url):
        nav = built.html(url).xpath("//nav[contains(@class, 'prev-next')]")[0]
        return nav.xpath("string(.//a[@rel='prev'])"), nav.xpath("string(.//a[@rel='next'])")

    assert neighbours("zcwj/a/") == ("", "二月")
    assert neighbours("zcwj/b/") == ("一月", "三月")
    assert neighbours("zcwj/c/") == ("二月", "")
    assert neighbours("zcwj/x/") == ("", "")


def test_documents_of_the_same_date_have_a_stable_neighbour_order(build_site):
    titles = {"c": "丙", "a": "乙", "b": "甲"}  # by title: 丙 乙 甲; by path: 乙 甲 丙
    built = build_site({f"zcwj/{name}.md": document(title=title, date="2024-01-01") for name, title in titles.items()})
    nav = built.html("zcwj/b/").xpath("//nav[contains(@class, 'prev-next')]")[0]
    assert (nav.xpath("string(.//a[@rel='prev'])"), nav.xpath("string(.//a[@rel='next'])")) == ("乙", "丙")


def test_an_interpretation_links_to_its_policy_and_the_policy_lists_it(build_site):
    built = build_site(
        {
            "zcwj/policy.md": document(title="关于测试的办法", doc_number="测政发〔2024〕3号"),
            "zcjd/jd1.md": document(title="《关于测试的办法》解读", category="政策解读", date="2024-05-02", interprets="测政发〔2024〕3号"),
            "zcjd/jd2.md": document(title="图解：关于测试的办法", category="政策解读", date="2024-05-03", interprets="../zcwj/policy.md"),
        }
    )
    for url in ("zcjd/jd1/", "zcjd/jd2/"):
        related = [a for a in built.html(url).xpath("//main//a") if a.get("href") == "/zcwj/policy/"]
        assert [a.text_content() for a in related] == ["关于测试的办法"], url
    policy = built.html("zcwj/policy/")
    section = policy.xpath("//section[h2[normalize-space()='相关解读']]")
    assert len(section) == 1
    assert sorted(section[0].xpath(".//a/@href")) == ["/zcjd/jd1/", "/zcjd/jd2/"]


def test_held_back_and_draft_documents_are_not_in_the_sitemap_or_any_page(tmp_path):
    content = make_content(
        tmp_path,
        {
            "zcwj/a.md": document(title="可见"),
            "zcwj/future.md": document(title="未来", date="2030-01-01"),
            "zcwj/draft.md": document(title="草稿", draft=True),
        },
    )
    built = build_content(content, tmp_path / "build")
    pages = {url_of(built.out, p) for p in html_files(built.out)}
    assert "zcwj/a/" in pages and "zcwj/future/" not in pages and "zcwj/draft/" not in pages
    locs = sitemap_locs(built.out)
    assert not [loc for loc in locs if "future" in loc or "draft" in loc]
    for path in html_files(built.out):
        assert not [h for h in parse(path).xpath("//a/@href") if "future" in h or "draft" in h]


def test_a_body_link_to_a_held_back_document_is_plain_text_until_its_date(tmp_path):
    content = make_content(
        tmp_path,
        {
            "zcwj/now.md": document(title="现在", date="2026-11-01", body="详见[明年的办法](later.md)。\n"),
            "zcwj/later.md": document(title="明年的办法", date="2027-01-01"),
        },
    )
    before = build_content(content, tmp_path / "b1")
    body = before.html("zcwj/now/").xpath("//div[contains(@class, 'doc-body')]")[0]
    assert " ".join(body.text_content().split()) == "详见明年的办法。"
    assert body.xpath(".//a") == []
    after = build_content(content, tmp_path / "b2", today=dt.date(2027, 1, 1))
    assert after.html("zcwj/now/").xpath("//div[contains(@class, 'doc-body')]//a/@href") == ["/zcwj/later/"]


def test_a_body_link_to_a_draft_is_an_error_naming_the_file(build_site):
    with pytest.raises(BuildFailed) as failed:
        build_site({"zcwj/a.md": document(body="见[草稿](d.md)。\n"), "zcwj/d.md": document(draft=True)})
    assert [(p.path.endswith("zcwj/a.md"), "d.md" in p.message) for p in failed.value.errors] == [(True, True)]


def test_a_held_back_interpretation_is_not_listed_on_its_policy_until_its_date(tmp_path):
    content = make_content(
        tmp_path,
        {
            "zcwj/policy.md": document(title="办法", doc_number="测政发〔2024〕3号"),
            "zcjd/jd.md": document(title="办法解读", category="政策解读", date="2027-01-01", interprets="测政发〔2024〕3号"),
        },
    )
    before = build_content(content, tmp_path / "b1")
    assert before.html("zcwj/policy/").xpath("//section[h2[normalize-space()='相关解读']]") == []
    after = build_content(content, tmp_path / "b2", today=dt.date(2027, 1, 1))
    assert after.html("zcwj/policy/").xpath("//section[h2[normalize-space()='相关解读']]//a/@href") == ["/zcjd/jd/"]


def test_a_broken_reference_in_a_held_back_document_fails_the_build_today(build_site):
    with pytest.raises(BuildFailed) as failed:
        build_site({"zcjd/jd.md": document(category="政策解读", date="2030-01-01", interprets="测政发〔2024〕99号")})
    assert ["interprets" in p.message and p.path.endswith("zcjd/jd.md") for p in failed.value.errors] == [True]
