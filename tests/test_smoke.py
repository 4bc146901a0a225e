from conftest import document


def test_a_minimal_site_builds_with_its_document_page(build_site):
    site = build_site({"zcwj/a.md": document(title="关于测试的通知")})
    page = site.html("zcwj/a/")
    assert page.xpath("string(//h1)") == "关于测试的通知"
