"""The public pages: landing, verification (Chinese by default, English with lang=en), docs."""

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import RegistryDep
from api.english import in_language, level_name
from api.models import DirectoryStatus, NoticeStatus
from registry.answers import NOTICE_STATUSES, printable
from registry.errors import InvalidInput, NotFound, NotInForce
from registry.pdfcert import document_html
from registry.projections.certificates import search_text
from registry.qrcodes import check
from registry.rules.lifecycle import Status
from registry.rules.numbers import OID_PREFIX, parse_number

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["tr"] = in_language
templates.env.filters["level_name"] = level_name
router = APIRouter(include_in_schema=False)

Lang = Annotated[Literal["zh", "en"], Query()]
RESULTS_PER_PAGE = 20
FEED_ENTRIES = 100

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "大规模个性化定制服务认证证书查询",
        "lead": "北京赛西认证有限责任公司依据 CESI-SC-OD13 颁发的服务认证证书登记库。"
        "输入证书编号、OID 或组织名称，查询证书的实时状态。",
        "search": "查询",
        "placeholder": "证书编号、OID、组织名称或统一社会信用代码",
        "directory": "合格组织名录",
        "api": "API 文档",
        "not_found": "未找到该证书",
        "invalid": "输入有误",
        Status.VALID: "有效",
        Status.SUSPENDED: "暂停",
        Status.REVOKED: "撤销",
        Status.CANCELLED: "注销",
        Status.EXPIRED: "过期",
        "superseded": "已换发",
        "since": "自",
        "holder": "获证组织",
        "uscc": "统一社会信用代码",
        "address": "地址",
        "level": "级别",
        "scope": "认证范围（场所及相关活动）",
        "activities": "活动",
        "standard": "认证依据",
        "rule": "认证规则",
        "issue_date": "颁证日期",
        "valid_until": "有效期至",
        "last_surveillance": "最近监督",
        "next_surveillance": "下次监督截止",
        "reason": "原因",
        "restore_deadline": "恢复期限",
        "current": "现行证书",
        "certificate_no": "证书编号",
        "master_no": "总证书号",
        "sub_nos": "子证书号",
        "as_of": "查询日期",
        "results": "查询结果",
        "none": "无",
        "other_lang": "English",
        "automatic": "暂停期满自动撤销",
        "authentic": "二维码签名有效：以下为证书印制时的信息",
        "not_authentic": "二维码无法验证，证书可能被伪造",
        "printed": "证书印制信息",
        "differs": "注意：印制信息与登记库当前信息不一致，以当前信息为准",
        "live": "登记库当前状态",
        "holder_name": "获证组织",
        "signed_by": "签名密钥",
        "in_force": "全部有效及暂停的证书",
        "status": "状态",
        "any_status": "全部状态",
        "filter": "筛选",
        "page": "第 {page} / {pages} 页",
        "previous": "上一页",
        "next": "下一页",
        "found": "共 {total} 条",
        "notices": "暂停、撤销和注销公示",
        "notices_lead": "依据认证规则 §6.3.3，被暂停、撤销或注销的认证证书在此公示。",
        "date": "日期",
        "feed": "Atom 订阅",
        "all": "全部",
        "history": "证书状态历史",
        "event_issued": "颁发",
        "event_reissued": "换发",
        "event_sub_issued": "颁发子证书",
        "event_sub_withdrawn": "注销子证书",
        "event_suspended": "暂停",
        "event_restored": "恢复",
        "event_revoked": "撤销",
        "event_cancelled": "注销",
        "event_expired": "过期",
        "not_found_hint": "请核对编号，或输入获证组织名称、统一社会信用代码查询全部状态的证书。",
        "contact": "如有疑问，请联系北京赛西认证有限责任公司客户服务部：010-64102688、"
        "010-64102689（认证证书查询、申诉及投诉受理，见认证规则附录 D）。",
        "invalid_number": "证书编号形如 CESI2026EV/IMG10007R00"
        "（子证书 CESI2026EV/IMG10007R00-S01），OID 形如 1.2.156.1.2. CESI2026EV/IMG10007R00",
        "signed_but": "签名真实，但证书{status}：请勿以此证书作为有效认证的证明",
        "level_of": "{level} 级（{name}）",
        "gone": "该证书不再提供打印件和二维码",
        "gone_lead": "证书状态为「{status}」，其打印件和二维码不再有效，不得使用。",
        "current_lead": "请以登记库当前信息为准：",
    },
    "en": {
        "title": "Mass personalized customization service certificates",
        "lead": "The registry of service certificates issued by CESI Certification under rule "
        "CESI-SC-OD13. Enter a certificate number, OID or organisation name "
        "to see its live status.",
        "search": "Search",
        "placeholder": "Certificate number, OID, organisation name or USCC",
        "directory": "Directory of certified organisations",
        "api": "API documentation",
        "not_found": "No such certificate",
        "invalid": "Invalid input",
        Status.VALID: "Valid",
        Status.SUSPENDED: "Suspended",
        Status.REVOKED: "Revoked",
        Status.CANCELLED: "Cancelled",
        Status.EXPIRED: "Expired",
        "superseded": "Superseded",
        "since": "since",
        "holder": "Holder",
        "uscc": "Unified social credit code",
        "address": "Address",
        "level": "Level",
        "scope": "Scope (sites and activities)",
        "activities": "Activities",
        "standard": "Standard",
        "rule": "Certification rule",
        "issue_date": "Issued",
        "valid_until": "Valid until",
        "last_surveillance": "Last surveillance",
        "next_surveillance": "Next surveillance due",
        "reason": "Reason",
        "restore_deadline": "Restore by",
        "current": "Current certificate",
        "certificate_no": "Certificate number",
        "master_no": "Master certificate number",
        "sub_nos": "Sub-certificate numbers",
        "as_of": "As of",
        "results": "Results",
        "none": "none",
        "other_lang": "中文",
        "automatic": "revoked automatically when the suspension lapsed",
        "authentic": "The QR signature is authentic: these are the facts as printed",
        "not_authentic": "This QR code cannot be verified: the certificate may be forged",
        "printed": "As printed",
        "differs": "Warning: the printed facts differ from the registry's current ones",
        "live": "Live status in the registry",
        "holder_name": "Holder",
        "signed_by": "Signing key",
        "in_force": "All certificates in force (valid or suspended)",
        "status": "Status",
        "any_status": "Any status",
        "filter": "Filter",
        "page": "Page {page} of {pages}",
        "previous": "Previous",
        "next": "Next",
        "found": "{total} found",
        "notices": "Suspensions, revocations and cancellations",
        "notices_lead": "Certificates suspended, revoked or cancelled, published under "
        "§6.3.3 of the certification rule.",
        "date": "Date",
        "feed": "Atom feed",
        "all": "All",
        "history": "Status history",
        "event_issued": "Issued",
        "event_reissued": "Reissued",
        "event_sub_issued": "Sub-certificate issued",
        "event_sub_withdrawn": "Sub-certificate cancelled",
        "event_suspended": "Suspended",
        "event_restored": "Restored",
        "event_revoked": "Revoked",
        "event_cancelled": "Cancelled",
        "event_expired": "Expired",
        "not_found_hint": "Check the number, or search by the organisation's name or its "
        "unified social credit code (USCC) to find certificates of every status.",
        "contact": "Questions: CESI Certification customer service, +86 10 64102688 or "
        "+86 10 64102689 (certificate enquiries, appeals and complaints; rule Appendix D).",
        "invalid_number": "A certificate number looks like CESI2026EV/IMG10007R00 (a "
        "sub-certificate's CESI2026EV/IMG10007R00-S01), an OID like "
        "1.2.156.1.2. CESI2026EV/IMG10007R00",
        "signed_but": "The signature is authentic, but the certificate is {status}: "
        "do not accept it as proof of certification",
        "level_of": "Level {level} ({name})",
        "gone": "This certificate is no longer printed",
        "gone_lead": "The certificate is {status}: its printed copies and QR codes are no "
        "longer valid and must not be used.",
        "current_lead": "See the registry's current record:",
    },
}


def _page(
    request: Request, name: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    other = "en" if lang == "zh" else "zh"
    query = dict(request.query_params) | {"lang": other}
    return templates.TemplateResponse(
        request,
        name,
        {"t": WORDS[lang], "lang": lang, "other_query": query, **context},
        status_code=status,
    )


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, lang: Lang = "zh") -> HTMLResponse:
    return _page(request, "index.html", lang)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    registry: RegistryDep,
    number: Annotated[str | None, Query(max_length=100)] = None,
    oid: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[DirectoryStatus | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    lang: Lang = "zh",
) -> HTMLResponse:
    """One search box: a number or OID shows the certificate, anything else searches the
    directory of every status (names, USCCs); `status` alone lists, e.g. all in force."""
    text = search_text(q or "")
    number, oid = (search_text(v) if v is not None else None for v in (number, oid))
    if (text or status) and number is None and oid is None:
        if "".join(text.split()).startswith(OID_PREFIX):
            oid = text
        else:
            try:
                parse_number(text)
                number = text
            except InvalidInput:
                found = registry.directory(
                    q=text, status=status or "", page=page, page_size=RESULTS_PER_PAGE
                )
                return _page(
                    request,
                    "verify.html",
                    lang,
                    query=text,
                    filter=status or "",
                    results=found,
                    pages=-(-found["total"] // RESULTS_PER_PAGE),
                )
    if number is None and oid is None:
        return _page(request, "verify.html", lang, query="")
    try:
        answer = registry.verify(number=number, oid=oid)
    except NotFound:
        return _page(request, "verify.html", lang, 404, query=number or oid, error="not_found")
    except InvalidInput:
        return _page(request, "verify.html", lang, 422, query=number or oid, error="invalid_number")
    history = registry.milestones(answer["registration_no"])
    return _page(
        request, "verify.html", lang, query=number or oid, certificate=answer, history=history
    )


@router.get("/notices", response_class=HTMLResponse)
def notices_page(
    request: Request,
    registry: RegistryDep,
    status: Annotated[NoticeStatus | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    lang: Lang = "zh",
) -> HTMLResponse:
    """§6.3.3 公示: suspended, revoked and cancelled certificates, newest first."""
    found = registry.notices(
        statuses=(status,) if status else NOTICE_STATUSES, page=page, page_size=RESULTS_PER_PAGE
    )
    return _page(
        request,
        "notices.html",
        lang,
        notices=found,
        filter=status or "",
        pages=-(-found["total"] // RESULTS_PER_PAGE),
    )


@router.get("/notices.atom")
def notices_feed(request: Request, registry: RegistryDep) -> Response:
    """The notice list as an Atom feed (RFC 4287), the latest first, for feed readers."""
    found = registry.notices(page=1, page_size=FEED_ENTRIES)
    latest = max((n["since"] for n in found["items"]), default=registry.today().isoformat())
    return templates.TemplateResponse(
        request,
        "notices.atom.xml",
        {
            "notices": found["items"],
            "base": str(request.app.state.public_base_url).rstrip("/"),
            "updated": latest,
            "t": WORDS["zh"],
        },
        media_type="application/atom+xml",
    )


@router.get("/v/{token}", response_class=HTMLResponse)
def scanned(request: Request, token: str, registry: RegistryDep, lang: Lang = "zh") -> HTMLResponse:
    """The page a phone opens from a printed QR code: live status first, then the verdict."""
    result = check(registry, request.app.state.keys, token[:5000])
    return _page(request, "scan.html", lang, 200 if result["authentic"] else 422, **result)


@router.get("/api/v1/certificates/{no:path}/document", response_class=HTMLResponse)
def document(request: Request, no: str, registry: RegistryDep) -> HTMLResponse:
    """The printable certificate of Appendix C: A4, Chinese, with the signed QR code; only
    for the current revision of a certificate in force, marked 暂停 while suspended."""
    answer = printable(registry.verify(number=no))
    qr = f"/api/v1/certificates/{answer['current_certificate_no']}/qr.svg"
    # The same template as the signed PDF (registry/pdfcert.py), so the two never disagree.
    return HTMLResponse(document_html(answer, qr=qr, css="/static/document.css", electronic=False))


def gone_page(request: Request, error: NotInForce) -> HTMLResponse:
    """The browser's answer to a certificate or QR code no longer printed (410)."""
    lang = "en" if request.query_params.get("lang") == "en" else "zh"
    return _page(request, "gone.html", lang, 410, gone=error)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "docs.html", {})


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")  # Swagger UI


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """CSP without inline script, no sniffing, no framing, on every response; no caching of
    an authenticated answer; redirects relative to this site."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if scope["path"] == "/docs" else CSP).encode()
        restricted = any(k == b"authorization" for k, _ in scope["headers"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                status = message["status"]
                if restricted or status in (401, 403):  # an answer for one principal only
                    headers = [(k, v) for k, v in headers if k != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                if 300 <= status < 400:  # never send a client to the host its Host header named
                    headers = [(k, _relative(v) if k == b"location" else v) for k, v in headers]
                extra = [(b"x-content-type-options", b"nosniff")]
                if any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                    extra += [
                        (b"content-security-policy", csp),
                        (b"x-frame-options", b"DENY"),
                        (b"referrer-policy", b"no-referrer"),
                    ]
                message["headers"] = [*headers, *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def _relative(location: bytes) -> bytes:
    """A redirect's target as a path on this site (one leading slash: `//host` is a host)."""
    url = urlsplit(location.decode("latin-1"))
    return urlunsplit(("", "", "/" + url.path.lstrip("/"), url.query, url.fragment)).encode(
        "latin-1"
    )
