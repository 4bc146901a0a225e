"""site.yaml's `application:` section → `Application`: where the 依申请公开 form sends an application,
who receives it, the other channels, the time limits and the fee rules (national rules by default)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..model import Issuer, Office, YamlValue
from ..problems import did_you_mean
from .form_rules import check_email

URL = "ysqgk/"
"""The page: 依申请公开 in initials, as county sites name it (…/zfxxgk/ysqgk/)."""
SUCCESS_URL = "ysqgk/tijiao/"
"""Where a Netlify submission lands (the form's action): 提交."""
FORM_NAME = "ysqgk"
"""The form's name, which Netlify Forms files the submissions under."""
MAX_UPLOAD_MB = 8
"""Netlify Forms takes at most 8 MB per submission; the same cap for an endpoint keeps one rule."""

BACKENDS = {
    "netlify": "由 Netlify 表单接收，这是默认的方式",
    "endpoint": "提交到本县运行的接收地址",
    "email": "生成一封电子邮件，由申请人发送",
    "print": "打印申请表，签名后邮寄或当面提交",
}
"""Where the form hands an application over; a static site has no server of its own (DOMAIN.md §7.4)."""
FILE_BACKENDS = frozenset({"netlify", "endpoint"})
"""Backends that can carry the 身份证明 file; e-mail and paper ask for a copy instead."""

KEYS = {
    "backend": "提交方式",
    "endpoint": "接收申请的网址",
    "email": "接收申请的电子邮箱",
    "organ": "默认的受理机关",
    "office": "受理机构",
    "channels": "其他申请渠道",
    "time_limits": "办理时限",
    "fees": "收费标准",
    "privacy": "个人信息保护说明",
}


@dataclass(frozen=True)
class TimeLimit:
    """One statutory time limit in working days: the page shows it, a county may only shorten it."""

    days: int
    what: str
    article: str
    """The 条例 article that sets the national figure."""


TIME_LIMITS = {
    "answer": TimeLimit(20, "答复期限", "第三十三条"),
    "extension": TimeLimit(20, "延长答复期限的最长时间", "第三十三条"),
    "correction": TimeLimit(7, "一次性告知补正的期限", "第三十条"),
    "consultation": TimeLimit(15, "第三方提出意见的期限", "第三十二条"),
}
"""Key → the national figure (《政府信息公开条例》2019); site.yaml's time_limits may set fewer days."""


@dataclass(frozen=True)
class TimeLimits:
    answer: int = TIME_LIMITS["answer"].days
    """Working days from receipt to the answer, when it cannot be given on the spot (art. 33)."""
    extension: int = TIME_LIMITS["extension"].days
    """The one extension's longest length (art. 33)."""
    correction: int = TIME_LIMITS["correction"].days
    """Days within which an unclear application gets its one 补正 notice (art. 30)."""
    consultation: int = TIME_LIMITS["consultation"].days
    """A third party's days to comment; not counted in the answer's days (art. 32)."""


@dataclass(frozen=True)
class FeeBand:
    range: str
    """The band as the rules word it: "11—30件（含30件）的部分"."""
    price: str
    """"100元/件", "不收费" …"""


FEE_NOTE = (
    "依申请提供政府信息，不收取费用。申请人申请公开政府信息的数量、频次明显超过合理范围的，行政机关可以收取信息处理费"
    "（《中华人民共和国政府信息公开条例》第四十二条）。信息处理费按照《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
    "计收：可以按件计收，也可以按量计收，均按照超额累进方式计算；每件申请只适用其中一种标准，不同时按两种标准重复计算。"
)
PER_APPLICATION = (
    FeeBand("10件以下（含10件）", "不收费"),
    FeeBand("11—30件（含30件）的部分", "100元/件"),
    FeeBand("31件以上的部分", "以10件为一档，每增加一档，收费标准提高100元/件"),
)
"""按件计收 (国办函〔2020〕109号 第四条), for every kind of answer; counted per applicant per calendar month."""
PER_PAGE = (
    FeeBand("30页以下（含30页）", "不收费"),
    FeeBand("31—100页（含100页）的部分", "10元/页"),
    FeeBand("101—200页（含200页）的部分", "20元/页"),
    FeeBand("201页以上的部分", "40元/页"),
)
"""按量计收 (国办函〔2020〕109号 第五条), for paper copies, e-mail and copies of electronic data."""


@dataclass(frozen=True)
class Fees:
    note: str = FEE_NOTE
    per_application: tuple[FeeBand, ...] = PER_APPLICATION
    per_page: tuple[FeeBand, ...] = PER_PAGE


@dataclass(frozen=True)
class Channel:
    """A way to apply besides this page's form: in person, by post, fax, a provincial platform."""

    name: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class Application:
    """The 依申请公开 page's settings, every default filled in by `read_application`."""

    backend: str = "netlify"
    organ: str = ""
    """The 受理机关 selected when the form opens: an issuer's name."""
    office: Office = Office()
    """The receiving office shown on the page: application.office, else site.yaml's office."""
    channels: tuple[Channel, ...] = ()
    endpoint: str = ""
    """For backend endpoint: the https address the form posts to."""
    email: str = ""
    """For backend email: the mailbox the application is addressed to."""
    time_limits: TimeLimits = field(default_factory=TimeLimits)
    fees: Fees = field(default_factory=Fees)
    privacy: str = ""
    """The site's own privacy notice, replacing the one written for the backend."""

    @property
    def accepts_files(self) -> bool:
        return self.backend in FILE_BACKENDS

    @property
    def url(self) -> str:
        return URL

    @property
    def success_url(self) -> str:
        return SUCCESS_URL

    @property
    def form_name(self) -> str:
        return FORM_NAME

    @property
    def max_upload_mb(self) -> int:
        return MAX_UPLOAD_MB


def default_organ(office: Office, issuers: tuple[Issuer, ...] | list[Issuer]) -> str:
    """The issuer the disclosure office belongs to: the longest issuer name its name starts with
    (青山县人民政府办公室政务公开科 → 青山县人民政府办公室), else the first issuer."""
    owners = [issuer.name for issuer in issuers if office.name.startswith(issuer.name)]
    return max(owners, key=len) if owners else (issuers[0].name if issuers else "")


def default_channels(office: Office) -> tuple[Channel, ...]:
    """In person and by post (art. 29: letters and data messages are written applications), and
    fax when the office has one; each only when the office gives the address or number it needs."""
    channels = []
    if office.address:
        hours = f"，办公时间：{office.hours}" if office.hours else ""
        channels.append(
            Channel(
                "当面申请",
                f"到{office.name or '受理机构'}（{office.address}）当面提交书面申请{hours}。"
                "书写申请确有困难的，可以口头提出，由工作人员代为填写申请（条例第二十九条）。",
            )
        )
        postcode = f"（邮政编码 {office.postcode}）" if office.postcode else ""
        channels.append(
            Channel(
                "信函申请",
                f"将填好并签名的申请表邮寄至{office.address}{postcode}，{office.name or '受理机构'}收，"
                "并在信封左下角注明“政府信息公开申请”字样。",
            )
        )
    if office.fax:
        channels.append(Channel("传真申请", f"将填好并签名的申请表传真至 {office.fax}，并注明“政府信息公开申请”字样。"))
    return tuple(channels)


def read_application(
    data: dict[str, YamlValue], reader, office: Office, issuers: list[Issuer], project_root: Path | None = None
) -> Application:
    """The `application:` section of site.yaml (all of it optional) with defaults filled in; every
    wrong key or value is a problem on its line. `reader` is config's `_Reader`, which knows the file."""
    value = data.get("application")
    names = [issuer.name for issuer in issuers]
    if value is None or value.value is None:
        return Application(organ=default_organ(office, issuers), office=office, channels=default_channels(office))
    if value.kind != "mapping":
        reader.error(value.line, "application（依申请公开页面的设置）应该是“键: 值”的形式。", "写成 application: 下面缩进 backend: \"netlify\" 等，或删除这一项使用默认设置。")
        return Application(organ=default_organ(office, issuers), office=office, channels=default_channels(office))
    fields: dict[str, YamlValue] = value.value
    for key, item in fields.items():
        if key not in KEYS:
            reader.problems.warning(
                reader.shown, item.line, f"application 中有未知的键“{key}”，将被忽略。{did_you_mean(key, KEYS)}", f"application 可用的键：{'、'.join(KEYS)}。"
            )
    section = _Section(fields, value.line, reader)

    backend = section.text("backend") or "netlify"
    if backend not in BACKENDS:
        reader.error(
            fields["backend"].line,
            f"application.backend（{backend}）不是可用的提交方式。{did_you_mean(backend, BACKENDS)}",
            "写成 netlify、endpoint、email 或 print：" + "；".join(f"{name} {what}" for name, what in BACKENDS.items()) + "。",
        )
        backend = "netlify"

    endpoint = section.text("endpoint")
    if backend == "endpoint" and not endpoint and "endpoint" not in fields:
        reader.error(value.line, "application.backend 是 endpoint，但没有写 endpoint（接收申请的网址）。", "在 application: 下加上 endpoint: \"https://……\"（本县接收申请的地址），或改用其他 backend。")
    elif endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme != "https" or not parts.netloc:
            reader.error(
                fields["endpoint"].line,
                f"application.endpoint（{endpoint}）不是以 https:// 开头的完整网址。",
                "写成 https:// 开头的完整地址：申请中有身份证件号码等个人信息，不能用不加密的 http 传送。",
            )
            endpoint = ""
        elif backend != "endpoint":
            reader.problems.warning(reader.shown, fields["endpoint"].line, f"application.backend 是 {backend}，endpoint 不会被使用。", "要提交到这个地址，写 backend: \"endpoint\"；否则删除 endpoint 这一行。")
        else:
            _check_csp(endpoint, fields["endpoint"].line, reader, project_root)

    email = section.text("email")
    if backend == "email" and not email and "email" not in fields:
        example = office.email or "ysqgk@example.gov.cn"
        reader.error(value.line, "application.backend 是 email，但没有写 email（接收申请的电子邮箱）。", f"在 application: 下加上 email: \"{example}\"，或改用其他 backend。")
    elif email:
        if check_email(email):
            reader.error(fields["email"].line, f"application.email（{email}）不是电子邮箱地址。", "写成 ysqgk@example.gov.cn 这样的地址。")
            email = ""
        elif backend != "email":
            reader.problems.warning(reader.shown, fields["email"].line, f"application.backend 是 {backend}，email 不会被使用。", "要让申请人用电子邮件发送申请，写 backend: \"email\"；否则删除 email 这一行。")

    organ = section.text("organ")
    if organ and organ not in names:
        reader.error(
            fields["organ"].line,
            f"application.organ（{organ}）不在 site.yaml 的 issuers 中。{did_you_mean(organ, names)}",
            "写 issuers 中的一个机构全称；或删除这一行，默认选中政府信息公开工作机构所属的机关。",
        )
        organ = ""

    if "office" in fields and fields["office"].value is not None:
        from ..config import _office  # the site's office block and this one are read alike

        own_office = _office(fields, reader, "application.office")
    else:
        own_office = office
    channels = _channels(fields.get("channels"), reader)
    return Application(
        backend=backend,
        organ=organ or default_organ(own_office, issuers),
        office=own_office,
        channels=default_channels(own_office) if channels is None else channels,
        endpoint=endpoint if backend == "endpoint" else "",
        email=email if backend == "email" else "",
        time_limits=_time_limits(fields.get("time_limits"), reader),
        fees=_fees(fields.get("fees"), reader),
        privacy=section.text("privacy"),
    )


class _Section:
    """Text values of one site.yaml block, named in messages by their dotted path."""

    def __init__(self, fields: dict[str, YamlValue], line: int, reader, name: str = "application"):
        self.fields, self.line, self.reader, self.name = fields, line, reader, name

    def text(self, key: str) -> str:
        item = self.fields.get(key)
        if item is None or item.value is None:
            return ""
        if item.kind != "scalar":
            self.reader.error(item.line, f"{self.name}.{key}（{_what(self.name, key)}）应该是一段文字，而不是列表或键值。", f"写成 {key}: \"…\"。")
            return ""
        return item.value.strip()


def _what(section: str, key: str) -> str:
    return {"application": KEYS, "application.fees": FEE_KEYS}.get(section, {}).get(key, key)


def _check_csp(endpoint: str, line: int, reader, project_root: Path | None) -> None:
    """Warn when netlify.toml's Content-Security-Policy would stop the form reaching the endpoint:
    its form-action (a submission without script) and connect-src (apply.js's fetch) must allow
    the endpoint's origin, or the browser refuses and the applicant sees a failure."""
    if project_root is None or not (project_root / "netlify.toml").is_file():
        return
    try:
        config = tomllib.loads((project_root / "netlify.toml").read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return
    policies = [rule.get("values", {}).get("Content-Security-Policy", "") for rule in config.get("headers", [])]
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    blocked = []
    for directive in ("form-action", "connect-src"):
        for policy in filter(None, policies):
            sources = _csp_sources(policy, directive)
            if sources is not None and not ({origin, origin + "/", "https:", "*"} & set(sources)):
                blocked.append(directive)
                break
    if blocked:
        reader.problems.warning(
            reader.shown,
            line,
            f"netlify.toml 的 Content-Security-Policy 中 {' 和 '.join(blocked)} 不允许 {origin}，浏览器会拦截提交到 application.endpoint 的申请。",
            f"在 netlify.toml 的 Content-Security-Policy 中，把 {origin} 加到 {' 和 '.join(blocked)} 后面（例如 form-action 'self' {origin}）。",
        )


def _csp_sources(policy: str, directive: str) -> list[str] | None:
    """The sources of `directive` in a policy; connect-src falls back to default-src as browsers do."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    if directive in directives:
        return directives[directive]
    return directives.get("default-src") if directive == "connect-src" else None


def _channels(value: YamlValue | None, reader) -> tuple[Channel, ...] | None:
    """None when site.yaml lists no channels (the defaults apply); an empty list means none."""
    if value is None or value.value is None:
        return None
    example = "channels:\n      - name: \"当面申请\"\n        text: \"到……当面提交书面申请。\""
    if value.kind != "list":
        reader.error(value.line, "application.channels（其他申请渠道）应该是列表：每个渠道一项，以 - 开头。", f"写成：\n    {example}")
        return None
    channels = []
    for item in value.value:
        fields = item.value if item.kind == "mapping" else {}
        name = fields.get("name")
        text = fields.get("text")
        if not (name and name.kind == "scalar" and name.value and text and text.kind == "scalar" and text.value):
            reader.error(item.line, "application.channels 中的这一项缺少 name（渠道名称）或 text（说明）。", f"每一项写成：\n    {example}")
            continue
        for key in fields:
            if key not in ("name", "text", "url"):
                reader.problems.warning(reader.shown, fields[key].line, f"application.channels 中有未知的键“{key}”，将被忽略。{did_you_mean(key, ('name', 'text', 'url'))}", "每个渠道只能有 name、text 和 url。")
        url = ""
        if "url" in fields and fields["url"].value:
            url = str(fields["url"].value).strip()
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                reader.error(fields["url"].line, f"application.channels 中的 url（{url}）不是完整的网址。", "写成以 https:// 开头的完整地址，或删除 url 这一行。")
                url = ""
        channels.append(Channel(name.value.strip(), text.value.strip(), url))
    return tuple(channels)


def _time_limits(value: YamlValue | None, reader) -> TimeLimits:
    if value is None or value.value is None:
        return TimeLimits()
    if value.kind != "mapping":
        reader.error(value.line, "application.time_limits（办理时限）应该是“键: 值”的形式。", "写成 time_limits: 下面缩进 answer: 20 等（单位：工作日），或删除这一项使用条例规定的时限。")
        return TimeLimits()
    days = {}
    for key, item in value.value.items():
        if key not in TIME_LIMITS:
            reader.problems.warning(reader.shown, item.line, f"application.time_limits 中有未知的键“{key}”，将被忽略。{did_you_mean(key, TIME_LIMITS)}", f"可用的键：{'、'.join(TIME_LIMITS)}。")
            continue
        limit = TIME_LIMITS[key]
        text = item.value if item.kind == "scalar" and item.value else ""
        if not text.isdigit() or not 1 <= int(text) <= limit.days:
            reader.error(
                item.line,
                f"application.time_limits.{key}（{limit.what}）是“{text}”，应该是 1 到 {limit.days} 之间的工作日数。",
                f"条例{limit.article}规定为 {limit.days} 个工作日，本地只能规定得更短；写成 {key}: {limit.days}，或删除这一行。",
            )
            continue
        days[key] = int(text)
    return TimeLimits(**days)


FEE_KEYS = {"note": "收费说明", "per_application": "按件计收标准", "per_page": "按量计收标准"}


def _fees(value: YamlValue | None, reader) -> Fees:
    if value is None or value.value is None:
        return Fees()
    if value.kind != "mapping":
        reader.error(value.line, "application.fees（收费标准）应该是“键: 值”的形式。", "写成 fees: 下面缩进 note、per_application、per_page，或删除这一项使用国办函〔2020〕109号的标准。")
        return Fees()
    fields = value.value
    for key, item in fields.items():
        if key not in FEE_KEYS:
            reader.problems.warning(reader.shown, item.line, f"application.fees 中有未知的键“{key}”，将被忽略。{did_you_mean(key, FEE_KEYS)}", f"可用的键：{'、'.join(FEE_KEYS)}。")
    note = _Section(fields, value.line, reader, "application.fees").text("note")
    return Fees(
        note=note or FEE_NOTE,
        per_application=_bands(fields.get("per_application"), "per_application", reader) or PER_APPLICATION,
        per_page=_bands(fields.get("per_page"), "per_page", reader) or PER_PAGE,
    )


def _bands(value: YamlValue | None, key: str, reader) -> tuple[FeeBand, ...]:
    """A fee table as site.yaml writes it; () (the national table) when absent or unusable."""
    if value is None or value.value is None:
        return ()
    example = f"{key}:\n      - range: \"30页以下（含30页）\"\n        price: \"不收费\""
    if value.kind != "list" or not value.value:
        reader.error(value.line, f"application.fees.{key}（{FEE_KEYS[key]}）应该是列表：每一档一项，写 range 和 price。", f"写成：\n    {example}")
        return ()
    bands = []
    for item in value.value:
        fields = item.value if item.kind == "mapping" else {}
        band = {name: fields.get(name) for name in ("range", "price")}
        if not all(v is not None and v.kind == "scalar" and v.value for v in band.values()) or set(fields) - set(band):
            reader.error(item.line, f"application.fees.{key} 中的这一档应该有且只有 range（范围）和 price（标准）两项。", f"每一档写成：\n    {example}")
            return ()
        bands.append(FeeBand(band["range"].value.strip(), band["price"].value.strip()))
    return tuple(bands)
