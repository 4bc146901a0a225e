"""The 依申请公开 form's field rules and its reference code, as apply.js applies them in the browser.

Both sides are pinned by tests/fixtures/apply/form_vectors.json: each function here returns the
same reason code as its twin in themes/default/static/apply.js (the browser maps the code to a
message). Python needs them for no build step; they are the reference the vectors are checked
against, and let a county's receiver re-check a submission or recompute its reference code."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11643-1999: weight of position i (from the left, 0-based) is 2^(17-i) mod 11."""
ID_CHECK = "10X98765432"
"""GB 11643-1999: the check character for (weighted sum mod 11)."""
ID_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
"""First two digits of the address code (GB/T 2260 provinces; 81/82/83: 港澳台居民居住证)."""
EARLIEST_BIRTH_YEAR = 1900

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015: the 31 characters of a 统一社会信用代码 (no I, O, Z, S, V), valued 0–30."""
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""GB 32100-2015: 3^i mod 31 for positions 1–17."""

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
"""Area code (010, 0571 …), 7 or 8 digits, an optional extension: 0571-87654321-123."""
POSTCODE_RE = re.compile(r"\d{6}")
EMAIL_RE = re.compile(r"[^\s@]+@[^\s@.]+(\.[^\s@.]+)+")
"""Deliberately loose (as the HTML type=email check): a typo guard, not a verifier."""


SPACES_RE = re.compile(r"[ \t\r\n]")
"""Spaces typed inside a number (after NFKC, which makes U+3000 and U+00A0 plain spaces)."""
NOT_HASHED = ("form-name", "bot-field", "reference")
"""Fields the reference code leaves out: Netlify's form name, the honeypot, the code itself."""


def clean(value: str) -> str:
    """What the form checks: NFKC (full-width digits and letters → ASCII, as an IME may type them), trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def check_id_number(value: str, today: dt.date) -> str:
    """'' when `value` is a plausible 18-character 居民身份证号码, else why not:
    length | chars | region | date | checksum. 15-digit first-generation numbers are 'length'."""
    text = SPACES_RE.sub("", clean(value)).upper()
    if len(text) != 18:
        return "length"
    if not (text[:17].isdigit() and text[:17].isascii() and (text[17].isdigit() or text[17] == "X")):
        return "chars"
    if text[:2] not in ID_PROVINCES:
        return "region"
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "date"
    if born.year < EARLIEST_BIRTH_YEAR or born > today:
        return "date"
    total = sum(int(char) * weight for char, weight in zip(text[:17], ID_WEIGHTS))
    return "" if ID_CHECK[total % 11] == text[17] else "checksum"


def check_credit_code(value: str) -> str:
    """'' when `value` is an 18-character 统一社会信用代码 whose check character is right, else why not:
    length | chars | checksum. Lowercase letters are accepted as typed."""
    text = SPACES_RE.sub("", clean(value)).upper()
    if len(text) != 18:
        return "length"
    if any(char not in CREDIT_CHARS for char in text):
        return "chars"
    total = sum(CREDIT_CHARS.index(char) * weight for char, weight in zip(text[:17], CREDIT_WEIGHTS))
    return "" if CREDIT_CHARS[(31 - total % 31) % 31] == text[17] else "checksum"


def check_phone(value: str) -> str:
    """'' for a mainland mobile (13812345678, +86 allowed) or landline (0571-87654321, extension
    allowed) number; spaces and brackets are ignored, and hyphens in a mobile number. Else 'format'."""
    text = re.sub(r"[ \t\r\n()]", "", clean(value))
    mobile = re.sub(r"^\+?86(?=1)", "", text.replace("-", ""))
    return "" if MOBILE_RE.fullmatch(mobile) or LANDLINE_RE.fullmatch(text) else "format"


def check_postcode(value: str) -> str:
    return "" if POSTCODE_RE.fullmatch(clean(value)) else "format"


def check_email(value: str) -> str:
    return "" if EMAIL_RE.fullmatch(clean(value)) else "format"


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so a code read out over the phone is not misheard."""


def reference_code(fields: list[tuple[str, str]]) -> str:
    """The receipt's 申请编号: `YYYYMMDD-XXXXXXX`, the application date and a hash of what was sent.

    Deterministic, so the applicant's receipt and the office's copy of the submission give the
    same code with no server to issue one: the non-empty fields (name, value), values trimmed and
    line breaks made `\\n`, sorted by name then value (the order a form or an export lists them
    in does not matter), written `name=value` one per line; its UTF-8 bytes hashed with 32-bit
    FNV-1a, written as 7 Crockford base-32 characters (35 bits, the top 3 zero). The date is the
    `date` field's (YYYY-MM-DD). Not a secret and not unique by construction: two identical
    applications on one day share a code, which is what they are."""
    pairs = sorted((name, value.replace("\r\n", "\n").replace("\r", "\n").strip()) for name, value in fields if name not in NOT_HASHED)
    pairs = [(name, value) for name, value in pairs if value]
    date = next((value for name, value in pairs if name == "date"), "")
    digest = fnv1a32("\n".join(f"{name}={value}" for name, value in pairs).encode("utf-8"))
    code = "".join(CROCKFORD[(digest >> shift) & 31] for shift in range(30, -1, -5))
    return f"{date.replace('-', '')}-{code}"


def fnv1a32(data: bytes) -> int:
    """32-bit FNV-1a (Fowler–Noll–Vo): tiny, the same in any language, good enough to tell one
    day's applications apart; not a cryptographic hash, and not meant as one."""
    digest = 0x811C9DC5
    for byte in data:
        digest = ((digest ^ byte) * 0x01000193) & 0xFFFFFFFF
    return digest
