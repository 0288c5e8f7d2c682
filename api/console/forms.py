"""The command forms, built from the HTTP request models: the inputs a model's fields
become, and form data read back into the body the API would receive (so forms and API
refuse alike)."""

import itertools
import json
import types
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.models import IssueRequest, Site
from api.routes.commands import COMMANDS
from registry.rules.lifecycle import CommandName
from registry.rules.reasons import NARROWING_REASONS, REVOCATION_REASONS, SUSPENSION_REASONS

Kind = Literal["text", "longtext", "date", "number", "checkbox", "select", "lines", "pairs"]
SITE_ROWS = 3  # site editor rows without JavaScript; more by submitting again

LABELS = {
    "name": "名称 Name",
    "name_en": "英文名称 English name",
    "uscc": "统一社会信用代码 USCC",
    "address": "地址 Address",
    "activities": "活动（每行一项）Activities, one a line",
    "level": "级别 Level",
    "decision_date": "认证决定日期 Decision date",
    "issue_date": "颁证日期 Issue date",
    "person_days": "现场人日 Person-days",
    "not_met": "不满足 Not met",
    "partially_met": "部分满足 Partially met",
    "fully_met": "完全满足 Fully met",
    "report_ref": "报告编号 Report reference",
    "date": "日期 Date",
    "management_audit": "含服务管理审核 Service management audit",
    "characteristic_evaluation": "含特性评价 Characteristic evaluation",
    "clauses": "抽样条款 Clauses sampled",
    "outcome": "结论 Outcome",
    "corrective_deadline": "纠正期限 Corrective deadline",
    "reason": "原因 Reason",
    "details": "说明 Details",
    "effective_date": "生效日期 Effective date",
    "verification_ref": "纠正措施验证记录 Verification reference",
    "request_ref": "注销申请编号 Request reference",
    "approval_ref": "批准编号 Approval reference",
    "evaluation_ref": "评价编号 Evaluation reference",
    "remove_sites": "删除的场所（每行一个地址）Sites removed, one address a line",
    "remove_activities": "删除的活动（每行：地址 | 活动）Activities removed: address | activity",
    "restore_deadline": "恢复期限 Restore by",
    "papers_received_date": "收到全套评价资料日期 Evaluation papers received",
    "sites": "子证书覆盖的场所（每行一个地址）Sites of the sub-certificate, one address a line",
}
REASONS: dict[str, dict[str, str]] = {
    "suspend": SUSPENSION_REASONS,
    "revoke": REVOCATION_REASONS,
    "narrow_scope": NARROWING_REASONS,
}
OUTCOMES = {"conforming": "符合 conforming", "nonconforming": "有不符合项 nonconforming"}


@dataclass(frozen=True)
class Input:
    name: str  # the dotted path in the body: "holder.uscc", "scope.sites.0.address"
    label: str
    kind: Kind
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    group: str = ""  # the fieldset it is shown in


@dataclass(frozen=True)
class CommandForm:
    path: str  # as in the HTTP API: "suspensions"; "issue" for issuing
    command: CommandName | Literal["issue"]
    model: type[BaseModel]
    title: str
    inputs: tuple[Input, ...]
    confirm: str | None = None  # the consequence a confirmation step names


@dataclass
class Parsed:
    body: dict[str, Any] | None
    errors: dict[str, str] = field(default_factory=dict)


def _optional(annotation: Any) -> tuple[Any, bool]:
    """The type under `X | None` and `Annotated[X, ...]`, and whether None is allowed."""
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation, optional = args[0], len(args) < len(get_args(annotation))
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation, optional


def _inputs(model: type[BaseModel], command: str, prefix: str = "", group: str = "") -> list[Input]:
    found: list[Input] = []
    for name, info in model.model_fields.items():
        annotation, optional = _optional(info.annotation)
        required = info.is_required() and not optional
        path = f"{prefix}{name}"
        label = LABELS.get(name, name)
        origin = get_origin(annotation)
        item = get_args(annotation)[0] if origin is list else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += _inputs(annotation, command, f"{path}.", label)
        elif item is Site or (isinstance(item, type) and item.__name__ == "Site"):
            for row in range(SITE_ROWS):
                site = f"场所 Site {row + 1}"
                found += _inputs(Site, command, f"{path}.{row}.", site)
        elif origin is list and isinstance(item, type) and issubclass(item, BaseModel):
            found.append(Input(path, label, "pairs", required, group=group))
        elif origin is list:
            found.append(Input(path, label, "lines", required, group=group))
        elif name == "reason" and command in REASONS:  # chosen by its text
            choices = tuple((k, f"{k}) {v}") for k, v in REASONS[command].items())
            found.append(Input(path, label, "select", required, choices, group))
        elif origin is Literal:
            choices = tuple((str(v), OUTCOMES.get(str(v), str(v))) for v in get_args(annotation))
            found.append(Input(path, label, "select", required, choices, group))
        elif annotation is bool:
            found.append(Input(path, label, "checkbox", False, group=group))
        elif annotation is date:
            found.append(Input(path, label, "date", required, group=group))
        elif annotation in (int, float):
            found.append(Input(path, label, "number", required, group=group))
        else:
            kind: Kind = "longtext" if name in ("details", "activities") else "text"
            found.append(Input(path, label, kind, required, group=group))
    return found


def _form(path: str, command: Any, model: type[BaseModel], title: str) -> CommandForm:
    confirm = {
        "revoke": "撤销后证书终止，不可恢复 · Revocation ends the certificate for good (§6.3.2)",
        "cancel": "注销后证书终止，不可恢复 · Cancellation ends the certificate for good (§6.3)",
    }.get(command)
    return CommandForm(path, command, model, title, tuple(_inputs(model, command)), confirm)


CHINESE = {
    "surveillances": "监督",
    "scope-narrowings": "缩小认证范围",
    "scope-extensions": "扩大认证范围",
    "holder-changes": "变更获证组织信息",
    "level-changes": "变更级别",
    "suspensions": "暂停",
    "restorations": "恢复",
    "revocations": "撤销",
    "cancellations": "注销",
    "recertifications": "再认证",
    "sub-certificates": "颁发子证书",
    "sub-certificate-withdrawals": "注销子证书",
}
ISSUE = _form("issue", "issue", IssueRequest, "颁发证书 Issue a certificate (§5.4)")
FORMS: dict[str, CommandForm] = {
    path: _form(path, command, model, f"{CHINESE.get(path, '')} {summary}".strip())
    for path, command, model, summary in COMMANDS
}


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = body
    for part, following in itertools.pairwise(parts):
        key: Any = int(part) if part.isdigit() else part
        default: Any = [] if following.isdigit() else {}
        if isinstance(node, list):
            while len(node) <= key:
                node.append({})
            node = node[key]
        else:
            node = node.setdefault(key, default)
    node[parts[-1]] = value


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _value(spec: Input, form: FormData) -> Any:
    """The JSON value of one input, or None when left empty."""
    if spec.kind == "checkbox":  # unchecked inside an optional part (the evaluation): absent
        checked = form.get(spec.name) == "true"
        return checked if checked or "." not in spec.name else None
    if spec.kind == "lines" and spec.name.endswith("clauses"):
        return [str(v) for v in form.getlist(spec.name)]
    text = str(form.get(spec.name, "")).strip()
    if spec.kind in ("lines",) or spec.name.endswith("activities"):
        return _lines(text) or None
    if spec.kind == "pairs":
        pairs = [line.split("|", 1) for line in _lines(text)]
        return [{"address": a.strip(), "activity": b.strip()} for a, b in pairs if b] or None
    if not text:
        return None
    return _number(text) if spec.kind == "number" else text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse(spec: CommandForm, form: FormData) -> Parsed:
    """The request body the form stands for, validated by the API's own model."""
    body: dict[str, Any] = {}
    for item in spec.inputs:
        value = _value(item, form)
        if value is not None:
            _set(body, item.name, value)
    _drop_empty_sites(body)
    try:
        # as JSON, as the API receives it: the models are strict (a date is its ISO text)
        validated = spec.model.model_validate_json(json.dumps(body))
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            errors.setdefault(locate(spec, where), problem["msg"])
        return Parsed(None, errors)
    return Parsed(validated.model_dump())


def _drop_empty_sites(body: dict[str, Any]) -> None:
    for holder in (body.get("scope", {}), body):
        for key in ("sites", "add_sites"):
            if isinstance(holder, dict) and isinstance(holder.get(key), list):
                holder[key] = [site for site in holder[key] if site]


def locate(spec: CommandForm, where: str | None) -> str:
    """The input an error names (`holder.uscc`, or just `uscc`), else the form itself."""
    if not where:
        return ""
    names = [item.name for item in spec.inputs]
    if where in names:
        return where
    return next((n for n in names if n.endswith(f".{where}") or n.startswith(f"{where}.")), "")
