"""`govsite serve` in a real browser: an open page reloads itself after a save; a broken save
shows the error dialog (accessible, readable at 360 px) over the last good page; the fix clears
it. The preview sends the project's netlify.toml headers, so all of it runs under the real CSP."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from conftest import REPO, document, make_content
from serve_helpers import held_builds, start_preview

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
WAIT_MS = 20_000
DIALOG = "dialog[role=alertdialog]"


@pytest.fixture
def live(tmp_path):
    content = make_content(tmp_path, {"zcwj/a.md": document(title="关于甲事项的通知"), "zcwj/b.md": document(title="关于乙事项的通知")})
    shutil.copy(REPO / "netlify.toml", tmp_path / "netlify.toml")
    preview = start_preview(content, tmp_path / "build")
    yield preview
    preview.stop()


@pytest.fixture
def console_errors(page):
    """Script errors and CSP refusals; not a status line such as the favicon's 404 or the error page's 503."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def open_and_connect(page, url: str) -> None:
    """Opens the page and waits until its event stream is connected (the first event arrived)."""
    with page.expect_response(lambda response: "/__govsite__/events" in response.url):
        page.goto(url)
    page.wait_for_load_state()


def axe_violations(page) -> str:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options=WCAG)
    return result.generate_report() if result.violations_count else ""


def test_an_open_page_reloads_itself_after_a_save_and_shows_the_new_text(page, live, console_errors):
    open_and_connect(page, live.url + "zcwj/a/")
    page.evaluate("window.notReloaded = true")
    live.write("zcwj/a.md", document(title="关于甲事项的补充通知"))
    expect(page.locator("h1")).to_have_text("关于甲事项的补充通知", timeout=WAIT_MS)
    assert page.evaluate("window.notReloaded === undefined"), "a reload, not a patch of the old page"
    assert console_errors == []


def test_a_broken_save_shows_the_error_dialog_over_the_last_good_page_and_the_fix_clears_it(page, live, console_errors):
    open_and_connect(page, live.url + "zcwj/a/")
    live.write("zcwj/a.md", document(title="关于甲事项的通知", date="2024-02-30"))
    dialog = page.locator(DIALOG)
    dialog.wait_for(state="visible", timeout=WAIT_MS)
    text = dialog.inner_text()
    assert "构建出错" in text and "共 1 个错误，涉及 1 个文件" in text
    assert "content/zcwj/a.md:5" in text and "2024-02-30" in text and "修改方法：" in text
    assert page.evaluate("document.activeElement.textContent") == "关闭", "focus moves into the dialog"
    assert page.locator("h1").inner_text() == "关于甲事项的通知", "the last good page stays behind it"
    assert axe_violations(page) == ""

    live.write("zcwj/a.md", document(title="关于甲事项的通知（已改正）"))
    expect(page.locator("h1")).to_have_text("关于甲事项的通知（已改正）", timeout=WAIT_MS)
    expect(page.locator(DIALOG)).to_have_count(0)
    assert console_errors == []


def test_the_dialog_closes_with_its_button_or_escape_and_comes_back_for_the_next_error(page, live):
    open_and_connect(page, live.url + "zcwj/b/")
    live.write("zcwj/a.md", document(title="甲", issuer="不存在的机关"))
    page.locator(DIALOG).wait_for(state="visible", timeout=WAIT_MS)
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)
    live.write("zcwj/a.md", document(title="甲", category="不存在的栏目"))
    page.locator(DIALOG).wait_for(state="visible", timeout=WAIT_MS)
    assert "不存在的栏目" in page.locator(DIALOG).inner_text()
    page.get_by_role("button", name="关闭").click()
    expect(page.locator(DIALOG)).to_have_count(0)


def test_a_page_opened_while_the_site_is_broken_shows_the_dialog_and_it_reflows_at_360_px(browser, live):
    live.change(lambda: live.write("zcwj/a.md", "---\ntitle: 甲\ncategory: [政策文件\n---\n正文\n"))
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 640})
    page = context.new_page()
    try:
        page.goto(live.url + "zcwj/b/")
        dialog = page.locator(DIALOG)
        dialog.wait_for(state="visible", timeout=WAIT_MS)
        assert "content/zcwj/a.md:3" in dialog.inner_text()
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert page.evaluate(f"(d => d.scrollWidth <= d.clientWidth)(document.querySelector('{DIALOG}'))"), "no sideways scrolling"
        assert axe_violations(page) == ""
    finally:
        context.close()


def test_when_the_first_build_fails_the_error_page_is_accessible_and_becomes_the_site(page, tmp_path, console_errors):
    content = make_content(tmp_path, {"zcwj/a.md": document(title="关于甲事项的通知", date="明天")})
    shutil.copy(REPO / "netlify.toml", tmp_path / "netlify.toml")
    preview = start_preview(content, tmp_path / "build")
    try:
        open_and_connect(page, preview.url + "zcwj/a/")
        assert page.locator("h1").inner_text() == "网站还没有构建成功"
        assert "content/zcwj/a.md:5" in page.locator("main").inner_text()
        assert axe_violations(page) == ""
        preview.write("zcwj/a.md", document(title="关于甲事项的通知"))
        expect(page.locator("h1")).to_have_text("关于甲事项的通知", timeout=WAIT_MS)
        assert console_errors == []
    finally:
        preview.stop()


def test_the_edited_page_shows_the_edit_before_the_build_ends_and_reloads_once(browser, live):
    """The build is held after the quick page (quick_pages.py): the open document page shows the
    edit already; a list page waits for the build; the build's end reloads the list page only."""
    document_page, list_page = browser.new_page(), browser.new_page()
    errors = []
    for opened in (document_page, list_page):
        opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_and_connect(document_page, live.url + "zcwj/a/")
        open_and_connect(list_page, live.url + "gk/zcwj/xzfwj/")
        list_page.evaluate("window.notReloaded = true")
        with held_builds() as release:
            live.write("zcwj/a.md", document(title="关于甲事项的补充通知"))
            expect(document_page.locator("h1")).to_have_text("关于甲事项的补充通知", timeout=WAIT_MS)
            document_page.wait_for_load_state()
            document_page.evaluate("window.notReloaded = true")
            document_page.wait_for_timeout(300)
            assert document_page.evaluate("window.notReloaded === true"), "one reload, not a loop"
            assert list_page.evaluate("window.notReloaded === true"), "not before the build"
            release()
            expect(list_page.locator("main")).to_contain_text("关于甲事项的补充通知", timeout=WAIT_MS)
        live.settled_after(1)
        document_page.wait_for_timeout(500)
        assert document_page.evaluate("window.notReloaded === true"), "the quick page was the built one: no second reload"
    finally:
        document_page.close()
        list_page.close()
    assert errors == []
