"""The 依申请公开 form in a real browser: validation, the error summary, applicant types, each
backend's hand-over and receipt, print, the keyboard alone, axe; apply.js against the shared vectors."""

from __future__ import annotations

import email.parser
import email.policy
import functools
import http.server
import re
import threading
from urllib.parse import unquote, urlsplit

import pytest

from apply_sites import BACKEND_YAML, BACKENDS, BAD_CREDIT_CODE, BAD_ID, ENDPOINT, GOOD_CREDIT_CODE, GOOD_ID, MAILBOX, VECTORS
from conftest import MINIMAL_SITE_YAML, _Handler, build_content, document, make_content, netlify_headers
from govsite.statutory.form_rules import reference_code

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
NOW = "2026-11-24T10:00:00+08:00"
"""The browser's clock in every test: the date on the form and in the reference code is 2026-11-24."""
ENDPOINT_ORIGIN = "https://" + urlsplit(ENDPOINT).netloc


def endpoint_headers() -> dict[str, str]:
    """netlify.toml's headers with the endpoint's origin added as README tells a county to."""
    headers = dict(netlify_headers())
    policy = headers["Content-Security-Policy"]
    for directive in ("form-action", "connect-src"):
        policy = re.sub(rf"({directive} [^;]*)", rf"\1 {ENDPOINT_ORIGIN}", policy)
    headers["Content-Security-Policy"] = policy
    return headers


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Backend → (base URL, build folder): the minimal site with each backend, served with the CSP."""
    found, servers = {}, []
    for backend in BACKENDS:
        root = tmp_path_factory.mktemp(f"apply-{backend}")
        content = make_content(root, {"zcwj/a.md": document()}, MINIMAL_SITE_YAML + BACKEND_YAML[backend])
        out = build_content(content, root / "build").out
        headers = endpoint_headers() if backend == "endpoint" else netlify_headers()
        handler = type("Handler", (_Handler,), {"extra_headers": headers})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(out)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        found[backend] = (f"http://127.0.0.1:{server.server_port}/", out)
    yield found
    for server in servers:
        server.shutdown()
        server.server_close()


def open_form(page, sites, backend: str, width: int = 1280) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.clock.set_fixed_time(NOW)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(sites[backend][0] + "ysqgk/")
    page.wait_for_function("() => window.GovsiteApply && document.getElementById('apply-date').readOnly")
    assert not errors, errors


def fill_citizen(page, id_number: str = GOOD_ID, with_file: bool = True) -> None:
    page.check("#apply-type-1")
    page.fill("#apply-name", "张三")
    page.fill("#apply-id-number", id_number)
    page.fill("#apply-phone", "138 1234 5678")
    page.fill("#apply-email", "zhangsan@example.com")
    if with_file and page.locator("#apply-id-proof").count():
        page.set_input_files("#apply-id-proof", files=[{"name": "身份证.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}])
    page.fill("#apply-info-title", "青山县2025年城乡居民医疗救助资金使用情况")
    page.fill("#apply-description", "2025年度医疗救助资金的使用情况，\n包括救助人次和支出金额。")
    page.check("#apply-form-kind-2")  # 电子文档
    page.check("#apply-delivery-3")  # 电子邮件
    page.check("#apply-pledge")


def summary_items(page) -> list[str]:
    return page.locator("#apply-errors-list li").all_inner_texts()


def submit(page) -> None:
    page.click("#apply-submit")


def multipart_fields(request) -> dict[str, object]:
    """A multipart/form-data request body as name → text, or (filename, bytes) for a file."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.post_data_buffer)
    fields: dict[str, object] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[name] = (part.get_filename(), payload) if part.get_filename() is not None else payload.decode("utf-8")
    return fields


def receipt(page) -> dict[str, str]:
    rows = page.locator("#apply-receipt .receipt-fields > div")
    return {rows.nth(i).locator("dt").inner_text(): rows.nth(i).locator("dd").inner_text() for i in range(rows.count())}


# --- the rules, the same as Python's --------------------------------------------------------------


def test_the_shared_form_vectors_hold_in_the_browser(page, sites):
    open_form(page, sites, "print")
    got = page.evaluate(
        """(v) => ({
            id_number: v.id_number.map((c) => GovsiteApply.checkIdNumber(c.value, v.today)),
            credit_code: v.credit_code.map((c) => GovsiteApply.checkCreditCode(c.value)),
            phone: v.phone.map((c) => GovsiteApply.checkPhone(c.value)),
            postcode: v.postcode.map((c) => GovsiteApply.checkPostcode(c.value)),
            email: v.email.map((c) => GovsiteApply.checkEmail(c.value)),
            reference_code: v.reference_code.map((c) => GovsiteApply.referenceCode(c.fields)),
            fnv: [GovsiteApply.fnv1a32(new TextEncoder().encode("a")), GovsiteApply.fnv1a32(new TextEncoder().encode("foobar"))],
        })""",
        VECTORS,
    )
    for kind in ("id_number", "credit_code", "phone", "postcode", "email", "reference_code"):
        expected = [case["expect"] for case in VECTORS[kind]]
        assert got[kind] == expected, kind
    assert got["fnv"] == [0xE40C292C, 0xBF9CF968]
    assert page.evaluate("GovsiteApply.todayInShanghai()") == "2026-11-24"


# --- validation -------------------------------------------------------------------------------------


def test_an_empty_form_shows_the_error_summary_focused_with_a_link_to_each_field(page, sites):
    open_form(page, sites, "netlify")
    title = page.title()
    submit(page)
    summary = page.locator("#apply-errors")
    assert summary.is_visible() and summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.id") == "apply-errors"
    assert summary_items(page) == ["请选择申请人类型", "请填写联系电话", "请选择身份证明文件", "请填写所需信息的内容描述",
                                   "请选择获取信息的形式", "请选择获取信息的方式", "请阅读并勾选承诺"]
    for href in page.eval_on_selector_all("#apply-errors-list a", "links => links.map(a => a.getAttribute('href'))"):
        assert page.locator(href).count() == 1, href
    assert page.title() == "错误：" + title
    assert page.url.endswith("/ysqgk/")  # nothing was sent


def test_a_summary_link_moves_focus_to_its_field(page, sites):
    open_form(page, sites, "netlify")
    submit(page)
    page.get_by_role("link", name="请填写所需信息的内容描述").click()
    assert page.evaluate("document.activeElement.id") == "apply-description"
    page.get_by_role("link", name="请选择获取信息的方式").click()
    assert page.evaluate("document.activeElement.id") == "apply-delivery-1"


def test_each_error_sits_beside_its_field_and_is_read_with_it(page, sites):
    open_form(page, sites, "netlify")
    page.fill("#apply-postcode", "3199")
    submit(page)
    postcode = page.locator("#apply-postcode")
    assert postcode.get_attribute("aria-invalid") == "true"
    assert postcode.get_attribute("aria-describedby") == "apply-postcode-hint apply-postcode-error"
    error = page.locator("#apply-postcode-error")
    assert error.text_content() == "错误：邮政编码应为6位数字"  # "错误：" for screen readers only
    assert error.is_visible() and page.locator("#apply-postcode-error .visually-hidden").text_content() == "错误："
    assert page.locator("#apply-postcode-field").evaluate("f => f.classList.contains('has-error')")
    group = page.locator("#apply-delivery-field")  # a radio group is described as a whole
    assert group.get_attribute("aria-describedby") == "apply-delivery-field-error"
    assert page.locator("#apply-delivery-1").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("group", name="获取信息的方式").count() == 1
    # fixed and sent again: the old errors go
    page.fill("#apply-postcode", "319900")
    submit(page)
    assert postcode.get_attribute("aria-invalid") is None
    assert postcode.get_attribute("aria-describedby") == "apply-postcode-hint"
    assert page.locator("#apply-postcode-error").count() == 0


def test_a_wrong_id_check_digit_is_rejected_and_the_right_one_accepted(page, sites):
    open_form(page, sites, "print")
    fill_citizen(page, id_number=BAD_ID)
    submit(page)
    assert summary_items(page) == ["证件号码的最后一位（校验码）与前17位不符，请逐位核对"]
    assert page.locator("#apply-receipt").is_hidden()
    page.fill("#apply-id-number", "330999200102290031")
    submit(page)
    assert summary_items(page) == ["证件号码中的出生日期（第7至14位）不是有效的日期，请核对"]
    page.fill("#apply-id-number", GOOD_ID.lower())
    submit(page)
    assert page.locator("#apply-errors").is_hidden()
    assert page.locator("#apply-receipt").is_visible()


def test_the_id_check_applies_to_resident_ids_only(page, sites):
    open_form(page, sites, "print")
    fill_citizen(page, id_number="E12345678")
    submit(page)
    assert summary_items(page) == ["证件号码应为18位，现在是9位（15位的第一代身份证已停止使用）"]
    page.select_option("#apply-id-type", "护照")
    submit(page)
    assert page.locator("#apply-receipt").is_visible()


def test_a_wrong_credit_code_is_rejected_and_the_right_one_accepted(page, sites):
    open_form(page, sites, "print")
    fill_citizen(page)
    page.check("#apply-type-2")
    submit(page)
    assert summary_items(page) == ["请填写单位名称", "请填写统一社会信用代码", "请填写法定代表人或者负责人", "请填写联系人"]
    page.fill("#apply-org-name", "青山县某某科技有限公司")
    page.fill("#apply-credit-code", BAD_CREDIT_CODE)
    page.fill("#apply-legal-rep", "李四")
    page.fill("#apply-contact", "王五")
    submit(page)
    assert summary_items(page) == ["统一社会信用代码的最后一位（校验码）与前17位不符，请逐位核对"]
    page.fill("#apply-credit-code", GOOD_CREDIT_CODE.lower())
    submit(page)
    assert page.locator("#apply-receipt").is_visible()
    shown = receipt(page)
    assert shown["申请人类型"] == "法人或者其他组织" and "姓名" not in shown and "证件号码" not in shown


def test_contact_fields_become_required_for_the_delivery_chosen(page, sites):
    open_form(page, sites, "print")
    fill_citizen(page)
    page.fill("#apply-email", "")
    page.check("#apply-delivery-1")  # 邮寄
    assert page.locator("#apply-address").evaluate("e => e.required") and not page.locator("#apply-email").evaluate("e => e.required")
    submit(page)
    assert summary_items(page) == ["请填写通信地址", "请填写邮政编码"]
    page.check("#apply-delivery-4")  # 传真
    page.fill("#apply-fax", "0571-8765")
    submit(page)
    assert summary_items(page) == ["传真应为11位手机号码，或者带区号的固定电话号码，例如 0571-87654321"]


def test_choosing_the_applicant_type_shows_only_its_block_and_keeps_what_was_typed(page, sites):
    open_form(page, sites, "netlify")
    citizen, organisation = page.locator("#apply-citizen"), page.locator("#apply-organisation")
    assert citizen.is_hidden() and organisation.is_hidden()
    page.check("#apply-type-1")
    assert citizen.is_visible() and organisation.is_hidden()
    assert page.locator("#apply-name").evaluate("e => e.required") and not page.locator("#apply-org-name").evaluate("e => e.required")
    page.fill("#apply-name", "张三")
    page.check("#apply-type-2")
    assert citizen.is_hidden() and organisation.is_visible()
    assert organisation.evaluate("f => !f.disabled") and citizen.evaluate("f => f.disabled")
    page.fill("#apply-org-name", "青山县某某科技有限公司")
    page.check("#apply-type-1")
    assert page.input_value("#apply-name") == "张三" and page.input_value("#apply-org-name") == "青山县某某科技有限公司"
    # what the hidden block holds is not sent
    names = page.evaluate("[...new FormData(document.getElementById('apply-form')).keys()]")
    assert "name" in names and "org_name" not in names


def test_nothing_typed_is_lost_when_validation_fails(page, sites):
    open_form(page, sites, "netlify")
    fill_citizen(page, id_number=BAD_ID)
    page.select_option("#apply-organ", "测试县教育局")
    page.fill("#apply-purpose", "研究")
    page.fill("#apply-postcode", "12")
    before = page.evaluate("[...new FormData(document.getElementById('apply-form'))].map(([k, v]) => [k, typeof v === 'string' ? v : v.name])")
    submit(page)
    assert len(summary_items(page)) == 2
    after = page.evaluate("[...new FormData(document.getElementById('apply-form'))].map(([k, v]) => [k, typeof v === 'string' ? v : v.name])")
    assert after == before
    assert ["id_proof", "身份证.png"] in after and ["organ", "测试县教育局"] in after


# --- the backends ------------------------------------------------------------------------------------


def test_a_netlify_submission_posts_every_field_and_the_success_page_shows_the_receipt(page, sites):
    base, out = sites["netlify"]
    posted = []
    success = (out / "ysqgk" / "tijiao" / "index.html").read_bytes()

    def netlify(route):  # Netlify would take the POST and answer with the action's page
        if route.request.method == "POST":
            posted.append(route.request)
            route.fulfill(status=200, headers={**netlify_headers(), "Content-Type": "text/html; charset=utf-8"}, body=success)
        else:
            route.continue_()

    page.route("**/ysqgk/tijiao/", netlify)
    open_form(page, sites, "netlify")
    fill_citizen(page)
    submit(page)
    page.wait_for_url("**/ysqgk/tijiao/")
    [request] = posted
    fields = multipart_fields(request)
    assert fields["form-name"] == "ysqgk" and fields["bot-field"] == ""
    assert (fields["applicant_type"], fields["name"], fields["id_number"], fields["date"]) == ("公民", "张三", GOOD_ID, "2026-11-24")
    assert fields["organ"] == "测试县人民政府" and fields["delivery"] == "电子邮件"
    assert fields["id_proof"][0] == "身份证.png" and fields["id_proof"][1].startswith(b"\x89PNG")
    assert not {"org_name", "credit_code", "legal_rep", "contact_person"} & set(fields)
    # the office recomputes the applicant's reference code from what it received
    texts = [(name, value) for name, value in fields.items() if isinstance(value, str)]
    assert fields["reference"] == reference_code(texts)
    page.locator("#apply-receipt").wait_for()
    assert page.locator("[data-receipt-code]").inner_text() == fields["reference"]
    assert page.locator("[data-receipt-date]").inner_text() == "2026年11月24日"
    assert receipt(page)["所需信息的内容描述"] == "2025年度医疗救助资金的使用情况，\n包括救助人次和支出金额。"
    assert page.locator("[data-receipt-missing]").is_hidden()


def test_the_success_page_opened_directly_says_what_it_can(page, sites):
    page.goto(sites["netlify"][0] + "ysqgk/tijiao/")
    assert page.locator("[data-receipt-missing]").is_visible() and page.locator("#apply-receipt").is_hidden()


def test_the_honeypot_is_hidden_from_people_and_from_screen_readers(page, sites):
    open_form(page, sites, "netlify")
    assert page.locator("input[name='bot-field']").is_hidden()
    snapshot = page.locator("#apply-form").aria_snapshot()
    assert "请勿填写" not in snapshot and "身份证明文件" in snapshot
    page.focus("#apply-pledge")
    for _ in range(5):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") != "bot-field"


def test_an_endpoint_submission_posts_to_the_endpoint_and_shows_the_receipt(page, sites):
    posted = []

    def endpoint(route):
        posted.append(route.request)
        route.fulfill(status=201, headers={"Access-Control-Allow-Origin": "*", "Content-Type": "application/json"}, body="{}")

    page.route(ENDPOINT, endpoint)
    open_form(page, sites, "endpoint")
    fill_citizen(page)
    submit(page)
    page.locator("#apply-receipt").wait_for()
    [request] = posted
    assert request.method == "POST"
    fields = multipart_fields(request)
    assert fields["name"] == "张三" and fields["id_proof"][0] == "身份证.png" and "form-name" not in fields
    assert page.locator("[data-receipt-code]").inner_text() == fields["reference"] == reference_code(
        [(k, v) for k, v in fields.items() if isinstance(v, str)]
    )
    assert page.locator("#apply-form").is_hidden()
    assert page.evaluate("document.activeElement.id") == "apply-receipt"
    assert page.locator("#apply-receipt h2").inner_text() == "申请已提交"


def test_a_failed_endpoint_submission_says_so_and_keeps_the_data(page, sites):
    page.route(ENDPOINT, lambda route: route.fulfill(status=503, headers={"Access-Control-Allow-Origin": "*"}, body="busy"))
    open_form(page, sites, "endpoint")
    fill_citizen(page)
    submit(page)
    page.locator("#apply-errors").wait_for()
    assert "没有提交成功" in summary_items(page)[0]
    assert page.evaluate("document.activeElement.id") == "apply-errors"
    assert page.locator("#apply-receipt").is_hidden() and page.input_value("#apply-name") == "张三"
    assert page.locator("#apply-submit").is_enabled() and page.locator("#apply-submit").inner_text() == "提交申请"


def test_the_email_backend_writes_the_application_into_a_mailto_body_and_a_receipt(page, sites):
    open_form(page, sites, "email")
    fill_citizen(page)
    submit(page)
    assert page.locator("#apply-receipt").is_visible() and page.locator("#apply-form").is_hidden()
    code = page.locator("[data-receipt-code]").inner_text()
    assert re.fullmatch(r"20261124-[0-9A-Z]{7}", code)
    href = page.get_attribute("#apply-mailto", "href")
    parts = urlsplit(href)
    assert (parts.scheme, parts.path) == ("mailto", MAILBOX)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    assert unquote(query["subject"]) == f"政府信息公开申请（{code}）"
    body = unquote(query["body"])
    lines = body.split("\r\n")
    assert lines[0] == "政府信息公开申请"
    for line in ("受理机关：测试县人民政府", "申请人类型：公民", "姓名：张三", f"证件号码：{GOOD_ID}", "获取信息的方式：电子邮件",
                 "申请日期：2026年11月24日", f"申请编号：{code}"):
        assert line in lines, line
    assert "所需信息的内容描述：2025年度医疗救助资金的使用情况，\r\n包括救助人次和支出金额。" in body
    assert "附上身份证件" in body
    assert page.input_value("#apply-mail-body") == body.replace("\r\n", "\n")


def test_the_print_backend_makes_the_application_sheet_and_prints_it_alone(page, sites):
    open_form(page, sites, "print")
    fill_citizen(page)
    submit(page)
    sheet = page.locator("#apply-receipt")
    assert sheet.is_visible() and page.evaluate("document.activeElement.id") == "apply-receipt"
    assert page.locator(".sheet-title").is_hidden() and page.locator("[data-receipt-print]").is_visible()
    page.emulate_media(media="print")
    try:
        assert page.locator(".sheet-title").is_visible() and page.locator(".sheet-title").inner_text() == "政府信息公开申请表"
        assert page.locator(".signature").is_visible() and "申请人签名（盖章）" in page.locator(".signature").inner_text()
        for hidden in ("header.site-header", "footer.site-footer", "#apply-form", "#apply-office-heading", "#apply-flow-heading",
                       "[data-receipt-print]", ".receipt-next", "#apply-receipt-heading", "h1"):
            assert page.locator(hidden).first.is_hidden(), hidden
        assert receipt(page)["姓名"] == "张三" and page.locator("[data-receipt-code]").is_visible()
    finally:
        page.emulate_media(media="screen")


def test_going_back_from_the_receipt_to_edit_keeps_the_data(page, sites):
    open_form(page, sites, "email")
    fill_citizen(page)
    submit(page)
    first = page.locator("[data-receipt-code]").inner_text()
    page.click("[data-receipt-edit]")
    assert page.locator("#apply-form").is_visible() and page.locator("#apply-receipt").is_hidden()
    assert page.input_value("#apply-name") == "张三" and page.is_checked("#apply-pledge")
    assert page.evaluate("document.activeElement.id") == "apply-submit"
    page.fill("#apply-purpose", "学习研究")
    submit(page)
    assert page.locator("[data-receipt-code]").inner_text() != first  # another application, another code
    assert receipt(page)["信息用途"] == "学习研究"


def test_the_form_can_be_completed_with_the_keyboard_alone(page, sites):
    open_form(page, sites, "print")
    keys = page.keyboard
    for _ in range(40):  # from the top of the page to the table of contents' link to the form
        keys.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "在线填写申请表":
            break
    keys.press("Enter")
    keys.press("Tab")
    assert page.evaluate("document.activeElement.id") == "apply-organ"
    order = []

    def tab():
        keys.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))

    keys.press("ArrowDown")  # 受理机关: the next organ
    tab()
    keys.press("Space")  # 公民: the first radio of a group with none chosen takes the focus
    tab()
    keys.type("张三")
    tab()  # 证件类型 stays 居民身份证
    tab()
    keys.type(GOOD_ID)
    tab()  # 工作单位
    tab()
    keys.type("13812345678")
    for _ in range(6):  # email, address, postcode, fax, the hint's link to the search, 信息名称
        tab()
    keys.type("测试县财政局2025年部门预算")
    for _ in range(3):  # 文号, 索引号, 内容描述
        tab()
    keys.type("2025年部门预算的全文。")
    tab()
    keys.press("Space")  # 纸质
    tab()
    for _ in range(4):
        keys.press("ArrowRight")  # 邮寄 → … → 当面领取
    tab()  # 信息用途
    tab()
    keys.press("Space")  # 承诺
    tab()  # 申请日期 (read-only)
    tab()
    assert order == [
        "apply-type-1", "apply-name", "apply-id-type", "apply-id-number", "apply-employer", "apply-phone", "apply-email",
        "apply-address", "apply-postcode", "apply-fax", "搜索", "apply-info-title", "apply-info-number", "apply-info-index",
        "apply-description", "apply-form-kind-1", "apply-delivery-1", "apply-purpose", "apply-pledge", "apply-date", "apply-submit",
    ]
    keys.press("Enter")
    assert page.locator("#apply-receipt").is_visible(), summary_items(page)
    shown = receipt(page)
    assert (shown["受理机关"], shown["姓名"], shown["获取信息的形式"], shown["获取信息的方式"]) == ("测试县财政局", "张三", "纸质", "当面领取")
    assert page.evaluate("document.activeElement.id") == "apply-receipt"
    keys.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "打印申请表"


def test_without_javascript_both_blocks_show_and_the_browser_enforces_the_common_fields(browser, sites):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(sites["netlify"][0] + "ysqgk/")
    assert page.locator("#apply-citizen").is_visible() and page.locator("#apply-organisation").is_visible()
    assert page.locator("#apply-submit").is_visible()
    page.click("#apply-submit")
    assert page.url.endswith("/ysqgk/")  # the browser's own check stopped it: nothing is filled in
    assert page.evaluate("document.querySelectorAll('#apply-form :invalid').length") > 0
    page.goto(sites["print"][0] + "ysqgk/")
    assert page.locator("#apply-submit").is_hidden()
    assert "打印" in page.locator(".apply-noscript").inner_text()
    page.fill("#apply-phone", "13812345678")
    page.press("#apply-phone", "Enter")  # no submit button: Enter sends nothing anywhere
    assert urlsplit(page.url).query == ""
    context.close()


# --- accessibility --------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_no_violations_in_any_state_of_the_form(browser, sites, width):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    failures = []

    def check(state: str) -> None:
        result = axe.run(page, options=WCAG)
        if result.violations_count:
            failures.append(f"{state} at {width}px:\n{result.generate_report()}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            failures.append(f"{state} at {width}px is {overflow}px too wide")

    open_form(page, sites, "netlify", width)
    check("empty form")
    page.check("#apply-type-2")
    submit(page)
    check("form with errors")
    for backend in ("email", "print", "endpoint"):
        if backend == "endpoint":
            page.route(ENDPOINT, lambda route: route.fulfill(status=200, headers={"Access-Control-Allow-Origin": "*"}, body="{}"))
        open_form(page, sites, backend, width)
        fill_citizen(page)
        submit(page)
        page.locator("#apply-receipt").wait_for()
        check(f"{backend} receipt")
    page.goto(sites["netlify"][0] + "ysqgk/tijiao/")
    check("success page")
    context.close()
    assert not failures, "\n\n".join(failures)


def test_the_search_page_offers_the_application_page_when_nothing_is_found(page, sites):
    page.goto(sites["netlify"][0] + "search/?q=" + "量子计算机")
    page.wait_for_function("() => document.getElementById('search-app').getAttribute('data-shown') === location.search")
    empty = page.locator("#search-empty")
    assert empty.is_visible()
    link = empty.get_by_role("link", name="申请政府信息公开")
    assert link.get_attribute("href") == "/ysqgk/"
    link.click()
    assert page.locator("h1").inner_text() == "依申请公开"
