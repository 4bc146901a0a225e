"""The 依申请公开 form's test sites: one small site per backend, and the field names each should post."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VECTORS = json.loads((FIXTURES / "apply" / "form_vectors.json").read_text(encoding="utf-8"))

ENDPOINT = "https://ysq.test.example.gov.cn/api/shenqing"
MAILBOX = "ysqgk@test.example.gov.cn"
BACKEND_YAML = {
    "netlify": 'application:\n  backend: "netlify"\n',
    "endpoint": f'application:\n  backend: "endpoint"\n  endpoint: "{ENDPOINT}"\n',
    "email": f'application:\n  backend: "email"\n  email: "{MAILBOX}"\n',
    "print": 'application:\n  backend: "print"\n',
}
BACKENDS = tuple(BACKEND_YAML)

COMMON_NAMES = {
    "reference", "organ", "applicant_type", "phone", "email", "address", "postcode", "fax",
    "info_title", "info_doc_number", "info_index_number", "info_description", "info_form", "delivery", "purpose", "pledge", "date",
}
CITIZEN_NAMES = {"name", "id_type", "id_number", "employer"}
ORGANISATION_NAMES = {"org_name", "credit_code", "legal_rep", "contact_person"}


def names_for(backend: str) -> set[str]:
    """Every control name the form of `backend` has (both applicant blocks)."""
    names = COMMON_NAMES | CITIZEN_NAMES | ORGANISATION_NAMES
    if backend in ("netlify", "endpoint"):
        names |= {"id_proof"}
    if backend == "netlify":
        names |= {"form-name", "bot-field"}
    return names


REQUIRED_IN_HTML = {"applicant_type", "phone", "info_description", "info_form", "delivery", "pledge"}
"""What may carry `required` in the static HTML: what every applicant, of either type, must fill."""

GOOD_ID = "11010519491231002X"
"""GB 11643-1999's own example number."""
BAD_ID = "110105194912310021"
GOOD_CREDIT_CODE = "91350100M000100Y43"
BAD_CREDIT_CODE = "91350100M000100Y44"
