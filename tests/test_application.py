"""The 依申请公开 page (issue 5): site.yaml's application: section, the form each backend gets, the
information the page must show (arts. 27–33, 40, 42, 43), and the field rules apply.js mirrors."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from apply_sites import (
    BACKEND_YAML,
    BACKENDS,
    CITIZEN_NAMES,
    ENDPOINT,
    MAILBOX,
    ORGANISATION_NAMES,
    REQUIRED_IN_HTML,
    VECTORS,
    names_for,
)
from conftest import MINIMAL_SITE_YAML, build_content, document, make_content, netlify_headers
from govsite.config import load_site_config
from govsite.problems import BuildFailed, Problems
from govsite.statutory import form_rules
from govsite.statutory.application import FEE_NOTE, PER_APPLICATION, PER_PAGE, TimeLimits
from test_bad_input import assert_no_script_from_content

TODAY = dt.date.fromisoformat(VECTORS["today"])


# --- the field rules, as the browser applies them (the browser half: tests/browser/test_apply.py) ---


@pytest.mark.parametrize("case", VECTORS["id_number"], ids=lambda c: c["note"] or c["value"])
def test_id_numbers_are_checked_by_the_gb_11643_check_digit_and_birth_date(case):
    assert form_rules.check_id_number(case["value"], TODAY) == case["expect"]


@pytest.mark.parametrize("case", VECTORS["credit_code"], ids=lambda c: c["note"] or c["value"])
def test_credit_codes_are_checked_by_the_gb_32100_check_character(case):
    assert form_rules.check_credit_code(case["value"]) == case["expect"]


@pytest.mark.parametrize("kind", ["phone", "postcode", "email"])
def test_phones_postcodes_and_emails_follow_the_shared_vectors(kind):
    check = {"phone": form_rules.check_phone, "postcode": form_rules.check_postcode, "email": form_rules.check_email}[kind]
    assert [check(case["value"]) for case in VECTORS[kind]] == [case["expect"] for case in VECTORS[kind]]


def test_the_vectors_anchor_on_the_standards_own_examples_and_cover_every_reason():
    ids = {case["value"]: case["expect"] for case in VECTORS["id_number"]}
    assert ids["11010519491231002X"] == ""  # the example printed in GB 11643-1999
    assert {case["expect"] for case in VECTORS["id_number"]} == {"", "length", "chars", "region", "date", "checksum"}
    codes = {case["value"]: case["expect"] for case in VECTORS["credit_code"]}
    assert codes["91350100M000100Y43"] == ""  # the example published with GB 32100-2015
    assert {case["expect"] for case in VECTORS["credit_code"]} == {"", "length", "chars", "checksum"}


def test_every_single_digit_change_of_a_valid_id_number_is_caught():
    valid = "11010519491231002X"
    for position in range(14, 17):  # the sequence digits: the date stays valid, only the check can fail
        for digit in "0123456789":
            if digit != valid[position]:
                changed = valid[:position] + digit + valid[position + 1 :]
                assert form_rules.check_id_number(changed, TODAY) == "checksum", changed


def test_the_reference_code_hashes_with_fnv_1a_as_published():
    # the FNV-1a test vectors of the algorithm's authors (draft-eastlake-fnv)
    assert (form_rules.fnv1a32(b""), form_rules.fnv1a32(b"a"), form_rules.fnv1a32(b"foobar")) == (0x811C9DC5, 0xE40C292C, 0xBF9CF968)


@pytest.mark.parametrize("case", VECTORS["reference_code"], ids=lambda c: c["expect"])
def test_the_reference_code_follows_the_shared_vectors(case):
    assert form_rules.reference_code([tuple(pair) for pair in case["fields"]]) == case["expect"]


def test_the_reference_code_ignores_order_and_the_fields_netlify_adds_but_not_the_content():
    fields = [("date", "2026-11-24"), ("name", "张三"), ("info_description", "2025年预算")]
    code = form_rules.reference_code(fields)
    assert re.fullmatch(r"20261124-[0-9A-HJKMNP-TV-Z]{7}", code)
    assert form_rules.reference_code(list(reversed(fields)) + [("form-name", "ysqgk"), ("bot-field", ""), ("reference", code)]) == code
    assert form_rules.reference_code(fields[:2] + [("info_description", "2024年预算")]) != code
    assert form_rules.reference_code([("date", "2026-11-25")] + fields[1:]).startswith("20261125-")


# --- site.yaml -------------------------------------------------------------------------------------


def load(tmp_path, extra: str, netlify_toml: str | None = None):
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "site.yaml").write_text(MINIMAL_SITE_YAML + extra, encoding="utf-8")
    if netlify_toml is not None:
        (tmp_path / "netlify.toml").write_text(netlify_toml, encoding="utf-8")
    problems = Problems()
    return load_site_config(content, problems), problems


def test_without_an_application_section_the_page_uses_netlify_the_office_and_the_national_rules(tmp_path):
    config, problems = load(tmp_path, "")
    app = config.application
    assert problems.items == []
    assert (app.backend, app.accepts_files, app.endpoint, app.email) == ("netlify", True, "", "")
    assert app.office == config.office
    assert app.organ == "测试县人民政府"  # the issuer the office (测试县人民政府办公室) belongs to
    assert [c.name for c in app.channels] == ["当面申请", "信函申请", "传真申请"]
    assert "测试县人民路1号" in app.channels[0].text and "0000-0000001" in app.channels[2].text
    assert app.time_limits == TimeLimits(answer=20, extension=20, correction=7, consultation=15)
    assert (app.fees.note, app.fees.per_application, app.fees.per_page) == (FEE_NOTE, PER_APPLICATION, PER_PAGE)
    assert [band.price for band in PER_PAGE] == ["不收费", "10元/页", "20元/页", "40元/页"]
    assert "国办函〔2020〕109号" in FEE_NOTE and "第四十二条" in FEE_NOTE


def test_every_key_of_the_application_section_is_read(tmp_path):
    extra = """\
application:
  backend: "email"
  email: "ysq@test.example.gov.cn"
  organ: "测试县教育局"
  office:
    name: "测试县教育局办公室"
    address: "测试县学府路2号"
    postcode: "000001"
    hours: "工作日 8:30-17:00"
    phone: "0000-1111111"
    fax: "0000-1111112"
    email: "jyj@test.example.gov.cn"
  channels:
    - name: "网上申请平台"
      text: "在市政务服务网申请。"
      url: "https://zwfw.test.example.gov.cn/"
  time_limits:
    answer: 15
    correction: 5
  fees:
    note: "本县依申请提供政府信息不收费。"
    per_page:
      - range: "50页以下"
        price: "不收费"
  privacy: "申请内容仅用于办理本申请。"
"""
    config, problems = load(tmp_path, extra)
    app = config.application
    assert problems.items == []
    assert (app.backend, app.email, app.organ, app.accepts_files) == ("email", "ysq@test.example.gov.cn", "测试县教育局", False)
    assert (app.office.name, app.office.fax) == ("测试县教育局办公室", "0000-1111112")
    assert [(c.name, c.url) for c in app.channels] == [("网上申请平台", "https://zwfw.test.example.gov.cn/")]
    assert app.time_limits == TimeLimits(answer=15, extension=20, correction=5, consultation=15)
    assert app.fees.note == "本县依申请提供政府信息不收费。"
    assert [(b.range, b.price) for b in app.fees.per_page] == [("50页以下", "不收费")]
    assert app.fees.per_application == PER_APPLICATION
    assert app.privacy == "申请内容仅用于办理本申请。"


def test_an_empty_channel_list_means_no_other_channels_and_a_receiving_office_without_fax_gets_no_fax_channel(tmp_path):
    config, _ = load(tmp_path, "application:\n  channels: []\n")
    assert config.application.channels == ()
    config, problems = load(tmp_path, 'application:\n  office:\n    name: "测试县某办公室"\n    address: "测试县一路1号"\n')
    assert [c.name for c in config.application.channels] == ["当面申请", "信函申请"]
    assert any(w.line == 33 and w.message == "application.office 中没有 fax（传真），页面中将不显示这一项。" for w in problems.warnings)


@pytest.mark.parametrize(
    "extra, line, message",
    [
        ('application:\n  backend: "Netlify"\n', 33, "application.backend（Netlify）不是可用的提交方式。是不是“netlify”？"),
        ('application:\n  backend: "mail"\n', 33, "application.backend（mail）不是可用的提交方式。是不是“email”？"),
        ('application:\n  backend:\n    - "print"\n', 33, "application.backend（提交方式）应该是一段文字，而不是列表或键值。"),
        ('application:\n  backend: "endpoint"\n  endpoint: "ysq.test.example.gov.cn"\n', 34, "application.endpoint（ysq.test.example.gov.cn）不是以 https:// 开头的完整网址。"),
        ('application:\n  channels:\n    - name: "当面申请"\n', 34, "application.channels 中的这一项缺少 name（渠道名称）或 text（说明）。"),
        ('application:\n  channels:\n    - name: "网上"\n      text: "在网上申请。"\n      url: "zwfw"\n', 36, "application.channels 中的 url（zwfw）不是完整的网址。"),
        ('application:\n  time_limits:\n    correction: 0\n', 34, "application.time_limits.correction（一次性告知补正的期限）是“0”，应该是 1 到 7 之间的工作日数。"),
        ('application:\n  time_limits:\n    extension: "二十"\n', 34, "application.time_limits.extension（延长答复期限的最长时间）是“二十”，应该是 1 到 20 之间的工作日数。"),
        ('application:\n  time_limits: 20\n', 33, "application.time_limits（办理时限）应该是“键: 值”的形式。"),
        ('application:\n  fees:\n    per_application: "免费"\n', 34, "application.fees.per_application（按件计收标准）应该是列表：每一档一项，写 range 和 price。"),
        ('application:\n  fees:\n    note:\n      - "免费"\n', 34, "application.fees.note（收费说明）应该是一段文字，而不是列表或键值。"),
    ],
    ids=["backend-case", "backend-mail", "backend-list", "endpoint-no-scheme", "channel-no-text", "channel-bad-url",
         "limit-zero", "limit-not-a-number", "limits-not-a-mapping", "bands-not-a-list", "note-a-list"],
)
def test_a_wrong_application_value_is_an_error_on_its_line(tmp_path, extra, line, message):
    _, problems = load(tmp_path, extra)
    assert [(p.line, p.message) for p in problems.errors] == [(line, message)]
    assert all(p.fix for p in problems.errors)


def test_a_misspelt_key_is_a_warning_with_the_nearest_key_at_every_level(tmp_path):
    extra = 'application:\n  backnd: "print"\n  time_limits:\n    answr: 10\n  fees:\n    per_pages: []\n'
    config, problems = load(tmp_path, extra)
    assert problems.errors == []
    assert [(w.line, w.message) for w in problems.warnings] == [
        (33, "application 中有未知的键“backnd”，将被忽略。是不是“backend”？"),
        (35, "application.time_limits 中有未知的键“answr”，将被忽略。是不是“answer”？"),
        (37, "application.fees 中有未知的键“per_pages”，将被忽略。是不是“per_page”？"),
    ]
    assert config.application.backend == "netlify"


def test_a_value_for_another_backend_is_a_warning_and_is_not_used(tmp_path):
    config, problems = load(tmp_path, f'application:\n  backend: "print"\n  endpoint: "{ENDPOINT}"\n  email: "{MAILBOX}"\n')
    assert problems.errors == []
    assert [(w.line, w.message) for w in problems.warnings] == [
        (34, "application.backend 是 print，endpoint 不会被使用。"),
        (35, "application.backend 是 print，email 不会被使用。"),
    ]
    assert (config.application.endpoint, config.application.email) == ("", "")


CSP_TOML = """\
[[headers]]
  for = "/*"
  [headers.values]
    Content-Security-Policy = "default-src 'self'; form-action 'self'{extra}; connect-src 'self'{extra}"
"""


def test_an_endpoint_the_sites_csp_would_block_is_a_warning_naming_the_directives(tmp_path):
    extra = f'application:\n  backend: "endpoint"\n  endpoint: "{ENDPOINT}"\n'
    _, problems = load(tmp_path, extra, CSP_TOML.format(extra=""))
    [warning] = problems.warnings
    assert (warning.line, warning.message) == (
        34,
        "netlify.toml 的 Content-Security-Policy 中 form-action 和 connect-src 不允许 https://ysq.test.example.gov.cn，浏览器会拦截提交到 application.endpoint 的申请。",
    )
    assert "form-action 'self' https://ysq.test.example.gov.cn" in warning.fix
    _, problems = load(tmp_path, extra, CSP_TOML.format(extra=" https://ysq.test.example.gov.cn"))
    assert problems.items == []


def test_the_repositorys_netlify_toml_lets_the_email_form_post_to_mailto_without_script():
    policy = netlify_headers()["Content-Security-Policy"]
    form_action = next(part.split()[1:] for part in policy.split(";") if part.split()[:1] == ["form-action"])
    assert "'self'" in form_action and "mailto:" in form_action


# --- the page each backend gets --------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def backend_site(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"apply-{request.param}")
    content = make_content(root, {"zcwj/a.md": document()}, MINIMAL_SITE_YAML + BACKEND_YAML[request.param])
    return request.param, build_content(content, root / "build")


def form_of(site):
    [form] = site.html("ysqgk/").xpath("//form[@id='apply-form']")
    return form


def controls(form):
    return form.xpath(".//input|.//select|.//textarea")


def test_the_form_has_every_field_of_article_29_under_its_name(backend_site):
    backend, site = backend_site
    names = {control.get("name") for control in controls(form_of(site))}
    assert names == names_for(backend)


def test_every_visible_control_has_a_label_and_its_hints_exist(backend_site):
    _, site = backend_site
    page = site.html("ysqgk/")
    form = form_of(site)
    for control in controls(form):
        if control.get("type") == "hidden":
            continue
        labels = page.xpath("//label[@for=$id]", id=control.get("id"))
        assert len(labels) == 1 and labels[0].text_content().strip(), control.get("name")
        for hint in (control.get("aria-describedby") or "").split():
            assert page.xpath("//*[@id=$id]", id=hint), (control.get("name"), hint)
    for group in form.xpath(".//fieldset[@data-group]"):
        assert group.xpath("string(legend)").strip() == group.get("data-label")
        assert {r.get("name") for r in group.xpath(".//input[@type='radio']")} == {group.get("data-group")}
    ids = [element.get("id") for element in page.iter() if isinstance(element.tag, str) and element.get("id")]
    assert len(ids) == len(set(ids))
    assert len(page.xpath("//h1")) == 1


def test_only_fields_every_applicant_must_fill_are_required_in_html_so_either_type_can_send_without_script(backend_site):
    backend, site = backend_site
    required = {control.get("name") for control in controls(form_of(site)) if control.get("required") is not None}
    assert required == REQUIRED_IN_HTML | ({"id_proof"} if backend in ("netlify", "endpoint") else set())
    assert not required & (CITIZEN_NAMES | ORGANISATION_NAMES)
    form = form_of(site)
    citizen = form.xpath(".//fieldset[@id='apply-citizen']")[0]
    organisation = form.xpath(".//fieldset[@id='apply-organisation']")[0]
    assert "个人名义" in citizen.xpath("string(legend)") and "单位名义" in organisation.xpath("string(legend)")
    assert citizen.get("hidden") is None and organisation.get("hidden") is None  # both shown without script
    assert form.xpath(".//input[@name='credit_code']/@pattern") == ["[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}"]
    assert form.xpath(".//input[@name='postcode']/@pattern") == ["[0-9]{6}"]
    assert form.xpath(".//input[@name='email']/@type") == ["email"]


def test_the_receiving_organ_is_a_choice_of_the_issuers_defaulting_to_the_disclosure_office(backend_site):
    _, site = backend_site
    [select] = form_of(site).xpath(".//select[@name='organ']")
    assert select.xpath("option/text()") == ["测试县人民政府", "测试县财政局", "测试县教育局"]
    assert select.xpath("option[@selected]/text()") == ["测试县人民政府"]


def test_the_use_of_the_information_is_optional_and_there_is_no_fee_waiver_box(backend_site):
    _, site = backend_site
    form = form_of(site)
    [purpose] = form.xpath(".//textarea[@name='purpose']")
    assert purpose.get("required") is None and "选填" in form.xpath("string(.//label[@for='apply-purpose'])")
    assert "减免" not in form.text_content()
    assert form.xpath(".//input[@name='info_form']/@value") == ["纸质", "电子文档", "光盘或者移动存储介质", "当场查阅或者抄录"]
    assert form.xpath(".//input[@name='delivery']/@value") == ["邮寄", "快递", "电子邮件", "传真", "当面领取"]
    assert form.xpath(".//input[@name='pledge']/@type") == ["checkbox"]
    assert form.xpath(".//fieldset[legend='所需信息']//a/@href") == ["/search/"]


def test_the_netlify_form_carries_the_detection_attributes_honeypot_and_success_page(backend_site):
    backend, site = backend_site
    form = form_of(site)
    if backend != "netlify":
        assert form.get("data-netlify") is None and not form.xpath(".//input[@name='form-name']")
        assert not (site.out / "ysqgk" / "tijiao" / "index.html").exists()
        return
    assert (form.get("name"), form.get("method"), form.get("action"), form.get("enctype")) == ("ysqgk", "post", "/ysqgk/tijiao/", "multipart/form-data")
    assert (form.get("data-netlify"), form.get("netlify-honeypot")) == ("true", "bot-field")
    assert form.xpath(".//input[@type='hidden'][@name='form-name']/@value") == ["ysqgk"]
    [bot] = form.xpath(".//input[@name='bot-field']")
    assert bot.xpath("ancestor::div[@hidden and contains(@class, 'honeypot')]")
    assert "recaptcha" not in site.file("ysqgk/index.html").read_text(encoding="utf-8").lower()
    success = site.html("ysqgk/tijiao/")
    assert success.xpath("string(//h1)") == "申请已提交"
    assert success.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert success.xpath("//section[@id='apply-receipt']//*[@data-receipt-code]")
    assert "ysqgk/tijiao/" not in site.file("sitemap.xml").read_text(encoding="utf-8")


def test_the_other_backends_post_to_the_endpoint_write_a_mailto_or_never_submit(backend_site):
    backend, site = backend_site
    form = form_of(site)
    attributes = {key: form.get(key) for key in ("action", "method", "enctype")}
    button = form.xpath(".//button[@id='apply-submit']")[0]
    if backend == "endpoint":
        assert attributes == {"action": ENDPOINT, "method": "post", "enctype": "multipart/form-data"}
    elif backend == "email":
        parts = urlsplit(attributes["action"])
        assert (parts.scheme, parts.path, parse_qs(parts.query)) == ("mailto", MAILBOX, {"subject": ["政府信息公开申请"]})
        assert (attributes["method"], attributes["enctype"]) == ("post", "text/plain")
    elif backend == "print":
        # nothing to send anywhere: no action, and no submit button until apply.js makes one
        assert attributes == {"action": None, "method": None, "enctype": None}
        assert (button.get("type"), button.get("hidden")) == ("button", "")
        return
    assert button.get("type") == "submit" and button.get("hidden") is None


def test_the_file_input_is_there_only_when_the_backend_can_carry_the_file(backend_site):
    backend, site = backend_site
    files = form_of(site).xpath(".//input[@type='file']")
    if backend in ("netlify", "endpoint"):
        [proof] = files
        assert proof.get("name") == "id_proof" and "8 MB" in site.html("ysqgk/").xpath("string(//*[@id='apply-id-proof-hint'])")
    else:
        assert files == []


def test_the_privacy_notice_says_where_the_application_goes(backend_site):
    backend, site = backend_site
    notice = " ".join(site.html("ysqgk/").xpath("string(//*[@id='apply-privacy'])").split())
    expected = {"netlify": "Netlify", "endpoint": "ysq.test.example.gov.cn/api/shenqing", "email": MAILBOX, "print": "本网站不接收、不保存"}
    assert expected[backend] in notice
    if backend == "netlify":
        assert "境外" in notice


def test_the_page_shows_the_office_channels_time_limits_fees_and_the_flow_as_html(backend_site):
    _, site = backend_site
    page = site.html("ysqgk/")
    office = {d.xpath("string(dt)"): d.xpath("string(dd)") for d in page.xpath("//dl[contains(@class, 'apply-office')]/div")}
    assert office == {
        "名称": "测试县人民政府办公室", "办公地址": "测试县人民路1号", "邮政编码": "000000", "办公时间": "工作日 9:00-17:00",
        "联系电话": "0000-0000000", "传真": "0000-0000001", "电子邮箱": "xxgk@test.example.gov.cn",
    }
    channels = page.xpath("//dl[contains(@class, 'apply-channels')]/div/dt/text()")
    assert channels == ["在线申请", "当面申请", "信函申请", "传真申请"]
    steps = page.xpath("//ol[contains(@class, 'flow')]/li")
    assert len(steps) == 7 and not page.xpath("//section[.//h2[@id='apply-flow-heading']]//img")
    flow = page.xpath("string(//ol[contains(@class, 'flow')])")
    for needle in ("7 个工作日", "15 个工作日", "20 个工作日内答复", "不超过 20 个工作日", "第三十一条", "第五十一条"):
        assert needle in flow, needle
    tables = page.xpath("//table[contains(@class, 'fee-table')]")
    assert [t.xpath("string(caption)")[:4] for t in tables] == ["按件计收", "按量计收"]
    assert [row.xpath("string(td[2])") for row in tables[1].xpath("tbody/tr")] == ["不收费", "10元/页", "20元/页", "40元/页"]
    assert [row.xpath("string(td[2])") for row in tables[0].xpath("tbody/tr")][:2] == ["不收费", "100元/件"]
    assert "第四十三条" in page.text_content()  # help for applicants with disabilities


def test_site_yaml_values_on_the_page_are_escaped(tmp_path):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    extra = f"""\
application:
  backend: "email"
  email: "ysq@test.example.gov.cn"
  office:
    name: '{hostile}'
    address: '{hostile}'
    phone: "0000-1"
  channels:
    - name: '{hostile}'
      text: '{hostile}'
      url: "https://zwfw.test.example.gov.cn/?a=1&b=<2>"
  fees:
    note: '{hostile}'
    per_page:
      - range: '{hostile}'
        price: '{hostile}'
  privacy: '{hostile}'
"""
    content = make_content(tmp_path, {"zcwj/a.md": document()}, MINIMAL_SITE_YAML + extra)
    site = build_content(content, tmp_path / "build")
    assert_no_script_from_content(site)
    page = site.html("ysqgk/")
    assert page.xpath("//script/@src") and all(s.get("src", "").startswith("/static/apply.") for s in page.xpath("//main//script"))
    assert not page.xpath("//img")
    text = page.text_content()
    assert text.count(hostile) >= 6
    assert page.xpath("//dl[contains(@class, 'apply-channels')]/div[dt!='在线申请']//a/@href") == ["https://zwfw.test.example.gov.cn/?a=1&b=<2>"]


def test_every_page_links_the_application_page_and_the_search_page_offers_it_when_nothing_is_found(backend_site):
    _, site = backend_site
    for url in ("", "zcwj/a/", "gk/", "search/"):
        page = site.html(url)
        assert page.xpath("//nav[@aria-label='主导航']//a[@href='/ysqgk/']"), url
        assert page.xpath("//footer//a[@href='/ysqgk/']"), url
    assert site.html("").xpath("//main//a[@href='/ysqgk/']")
    assert site.html("ysqgk/").xpath("//nav[@aria-label='主导航']//a[@href='/ysqgk/']/@aria-current") == ["page"]
    empty = site.html("search/").xpath("//*[@id='search-empty']")[0]
    assert empty.xpath(".//a[@href='/ysqgk/']/text()") == ["申请政府信息公开"]


def test_a_content_folder_named_like_the_application_page_is_refused(build_site):
    with pytest.raises(BuildFailed) as failed:
        build_site({"ysqgk/a.md": document()})
    assert any("“ysqgk/”" in p.message for p in failed.value.errors)


def test_the_sample_site_uses_netlify_and_lists_its_own_channels(sample_site):
    app = sample_site.result.site.config.application
    assert app.backend == "netlify"
    assert [c.name for c in app.channels] == ["当面申请", "信函申请", "青云市政务服务网"]
    assert sample_site.html("ysqgk/").xpath("//dl[contains(@class, 'apply-channels')]/div[dt!='在线申请']//a/@href") == ["https://zwfw.qingyun.example.gov.cn/ysqgk/"]
    assert unquote(sample_site.html("ysqgk/").xpath("//link[@rel='canonical']/@href")[0]).endswith("/ysqgk/")
