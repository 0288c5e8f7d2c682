"""The command forms, built from the HTTP request models: the inputs a model's fields
become, and form data read back into the body the API would receive (so forms and API
refuse alike)."""

import itertools
import json
import types
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.models import IssueRequest
from api.routes.commands import COMMANDS
from registry.rules.clauses import function_names, platform_name
from registry.rules.lifecycle import CommandName
from registry.rules.reasons import NARROWING_REASONS, REVOCATION_REASONS, SUSPENSION_REASONS
from registry.rules.values import MAX_SITES

Kind = Literal[
    "text", "longtext", "date", "number", "checkbox", "select", "lines", "functions", "clauses"
]
Words = tuple[str, str]  # (Chinese, English)
ROWS = 2  # rows of a row editor (sites, activities) at first; "Add a site" posts for more
MAX_ROWS = MAX_SITES

LABELS: dict[str, Words] = {
    "name": ("名称", "Name"),
    "name_en": ("英文名称", "English name"),
    "uscc": ("统一社会信用代码", "USCC"),
    "address": ("地址", "Address"),
    "activities": ("活动（每行一项）", "Activities, one a line"),
    "activity": ("活动", "Activity"),
    "level": ("级别", "Level"),
    "decision_date": ("认证决定日期", "Decision date"),
    "issue_date": ("颁证日期", "Issue date"),
    "person_days": ("现场人日", "Person-days"),
    "evaluation": ("特性评价", "Characteristic evaluation"),
    "holder": ("获证组织", "Holder"),
    "scope": ("认证范围", "Scope"),
    "functions_met": ("满足的功能模块", "Function modules met"),
    "platform_met": (f"满足{platform_name()}", "The interactive platform is met"),
    "not_met": ("不满足", "Not met"),
    "partially_met": ("部分满足", "Partially met"),
    "fully_met": ("完全满足", "Fully met"),
    "report_ref": ("报告编号", "Report reference"),
    "date": ("日期", "Date"),
    "management_audit": ("含服务管理审核", "Service management audit"),
    "characteristic_evaluation": ("含特性评价", "Characteristic evaluation"),
    "clauses": ("抽样条款", "Clauses sampled"),
    "outcome": ("结论", "Outcome"),
    "corrective_deadline": ("纠正期限", "Corrective deadline"),
    "reason": ("原因", "Reason"),
    "details": ("说明", "Details"),
    "effective_date": ("生效日期", "Effective date"),
    "verification_ref": ("纠正措施验证记录", "Verification reference"),
    "request_ref": ("注销申请编号", "Request reference"),
    "approval_ref": ("批准编号", "Approval reference"),
    "evaluation_ref": ("评价编号", "Evaluation reference"),
    "remove_sites": ("删除的场所（每行一个地址）", "Sites removed, one address a line"),
    "remove_activities": ("删除的活动", "Activities removed"),
    "restore_deadline": ("恢复期限", "Restore by"),
    "id": ("编号", "Id"),
    "clause": ("条款", "Clause"),
    "description": ("描述", "Description"),
    "deadline": ("纠正期限", "Deadline"),
    "team": ("评价组", "Team"),
    "days": ("人日", "Days"),
    "technical_experts": ("技术专家（每行一位）", "Technical experts, one a line"),
    "observers": ("观察员（每行一位）", "Observers, one a line"),
    "sites_sampled": ("抽样的场所（每行一个地址）", "Sites visited, one address a line"),
    "content_items": ("监督内容（每行一项）", "Surveillance content, one item a line"),
    "application_date": ("申请日期", "Application received"),
    "acceptance_date": ("受理日期", "Application accepted"),
    "signatory": ("签发人", "Signatory"),
    "case_id": ("案件编号", "Case id"),
    "kind": ("类别", "Kind"),
    "summary": ("摘要", "Summary"),
    "decision": ("决定", "Decision"),
    "nonconformity_id": ("不符合项编号", "Nonconformity id"),
    "evidence_ref": ("证据编号", "Evidence reference"),
    "occurred_on": ("发生日期", "Occurred on"),
    "what": ("事项", "What"),
    "special_case": ("特殊情况（可延至一周）", "Special case (a week at most)"),
    "demand_date": ("要求纠正日期", "Correction demanded on"),
    "papers_received_date": ("收到全套评价资料日期", "Evaluation papers received"),
    "address_en": ("英文地址", "Address in English"),
    "activities_en": ("英文活动（每行一项）", "Activities in English, one a line"),
    "scope_en": ("英文认证范围", "Scope in English"),
    "sites": (
        "子证书覆盖的场所（每行一个地址）",
        "Sites of the sub-certificate, one address a line",
    ),
}
ROW_LABELS: dict[str, Words] = {  # one row of a row editor, numbered from 1
    "sites": ("场所", "Site"),
    "add_sites": ("增加的场所", "Site added"),
    "remove_activities": ("删除的活动", "Activity removed"),
    "nonconformities": ("不符合项", "Nonconformity"),
    "auditors": ("审核员", "Auditor"),
}
ADD_ROW: dict[str, Words] = {
    "sites": ("增加一个场所", "Add a site"),
    "add_sites": ("增加一个场所", "Add a site"),
    "nonconformities": ("增加一个不符合项", "Add a nonconformity"),
    "auditors": ("增加一名审核员", "Add an auditor"),
}
ADD_ANOTHER: Words = ("增加一行", "Add a row")
SECTIONS = {  # the rule's section a refusal of the field cites
    "evaluation.functions_met": "§5.3.5 a",
    "evaluation.platform_met": "§5.3.5 a",
    "level": "§5.1.2",
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
    label: Words
    kind: Kind
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    group: Words | None = None  # the fieldset it is shown in
    rows_of: str = ""  # in a row editor: the list's path ("scope.sites")…
    row: int = -1  # …and the row's index


@dataclass(frozen=True)
class Block:
    """Inputs shown together: a fieldset, or one row of a row editor (`rows_of`, `row`),
    the last of which is followed by the button adding a row."""

    group: Words | None
    inputs: list[Input]
    rows_of: str = ""
    row: int = -1
    last_row: bool = False
    add_label: Words | None = None
    count: int = 0  # the editor's rows


@dataclass(frozen=True)
class CommandForm:
    path: str  # as in the HTTP API: "suspensions"; "issue" for issuing
    command: CommandName | Literal["issue"]
    model: type[BaseModel]
    title: str
    inputs: tuple[Input, ...]
    confirm: str | None = None  # the consequence a confirmation step names
    rows: tuple[tuple[str, int], ...] = ()  # each row editor's path and its number of rows
    heading: Words = ("", "")

    def with_rows(self, rows: dict[str, int]) -> "CommandForm":
        """This form with `rows` rows in the row editors named (the others as they are)."""
        counts = {path: min(max(rows.get(path, n), 1), MAX_ROWS) for path, n in self.rows}
        return replace(
            self,
            inputs=tuple(_inputs(self.model, self.command, counts)),
            rows=tuple(counts.items()),
        )

    def blocks(self) -> Iterator[Block]:
        for (group, rows_of, row), inputs in itertools.groupby(
            self.inputs, key=lambda i: (i.group, i.rows_of, i.row)
        ):
            count = dict(self.rows).get(rows_of, 0)
            last = bool(rows_of) and row == count - 1
            add = ADD_ROW.get(rows_of.rsplit(".", 1)[-1], ADD_ANOTHER) if last else None
            yield Block(group, list(inputs), rows_of, row, last, add, count)


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


def _inputs(
    model: type[BaseModel],
    command: str,
    rows: dict[str, int],
    prefix: str = "",
    group: Words | None = None,
    row_of: tuple[str, int] = ("", -1),
) -> list[Input]:
    found: list[Input] = []
    for name, info in model.model_fields.items():
        annotation, optional = _optional(info.annotation)
        required = info.is_required() and not optional
        path = f"{prefix}{name}"
        label = LABELS.get(name, (name, name))
        origin = get_origin(annotation)
        item = get_args(annotation)[0] if origin is list else None

        def add(kind: Kind, required: bool, choices: tuple[tuple[str, str], ...] = ()) -> None:
            found.append(Input(path, label, kind, required, choices, group, *row_of))  # noqa: B023

        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += _inputs(annotation, command, rows, f"{path}.", label, row_of)
        elif isinstance(item, type) and issubclass(item, BaseModel):  # a row editor
            zh, en = ROW_LABELS.get(name, label)
            for row in range(rows.get(path, ROWS)):
                found += _inputs(
                    item,
                    command,
                    rows,
                    f"{path}.{row}.",
                    (f"{zh} {row + 1}", f"{en} {row + 1}"),
                    (path, row),
                )
        elif name == "functions_met":  # §5.3.5 a: ①–⑧ by their names
            choices = tuple(function_names().items())
            add("functions", required, choices)
        elif name == "clauses":
            add("clauses", required)
        elif origin is list:
            add("lines", required)
        elif name == "reason" and command in REASONS:  # chosen by its text
            choices = tuple((k, f"{k}) {v}") for k, v in REASONS[command].items())
            add("select", required, choices)
        elif origin is Literal:
            choices = tuple((str(v), OUTCOMES.get(str(v), str(v))) for v in get_args(annotation))
            add("select", required, choices)
        elif annotation is bool:
            add("checkbox", False)
        elif annotation is date:
            add("date", required)
        elif annotation in (int, float):
            add("number", required)
        else:
            kind: Kind = "longtext" if name in ("details", "activities") else "text"
            add(kind, required)
    return found


def _form(path: str, command: Any, model: type[BaseModel], heading: Words) -> CommandForm:
    confirm = {
        "revoke": "撤销后证书终止，不可恢复 · Revocation ends the certificate for good (§6.3.2)",
        "cancel": "注销后证书终止，不可恢复 · Cancellation ends the certificate for good (§6.3)",
    }.get(command)
    inputs = tuple(_inputs(model, command, {}))
    rows = tuple(dict.fromkeys((i.rows_of, ROWS) for i in inputs if i.rows_of))
    title = " ".join(heading).strip()
    return CommandForm(path, command, model, title, inputs, confirm, rows, heading)


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
    "corrective-actions": "验证纠正措施",
    "notifications": "记录获证组织的通报",
    "cases": "记录投诉、申诉或误用",
    "case-acknowledgements": "确认收到投诉或申诉",
    "case-closures": "结案",
    "sub-certificates": "颁发子证书",
    "sub-certificate-withdrawals": "注销子证书",
}
ISSUE = _form("issue", "issue", IssueRequest, ("颁发证书", "Issue a certificate (§5.4)"))
FORMS: dict[str, CommandForm] = {
    path: _form(path, command, model, (CHINESE.get(path, ""), summary))
    for path, command, model, summary in COMMANDS
}
MULTIPLE = frozenset(
    i.name for f in (ISSUE, *FORMS.values()) for i in f.inputs if i.kind in ("functions", "clauses")
)


def values_of(form: FormData) -> dict[str, Any]:
    """What was posted, to show again: a list for the inputs sending several values."""
    return {k: form.getlist(k) if k in MULTIPLE else form.get(k) for k in form}


# The row editors: how many rows a posted form had, one more or one fewer (every value kept).
# Their buttons are <input type="submit"> named for what they do (an input's value is its
# label): "add_row:scope.sites", "remove_row:scope.sites.1".
ROWS_FIELD = "rows."  # hidden "rows.scope.sites" = 2
ADD_FIELD, REMOVE_FIELD = "add_row:", "remove_row:"


def resized(spec: CommandForm, form: FormData) -> tuple[CommandForm, dict[str, Any], bool]:
    """The form as posted, with a row added or removed when one of those buttons was used
    (then nothing is to be recorded): its spec, its values, and whether it was resized."""
    values = {
        k: v
        for k, v in values_of(form).items()
        if not k.startswith((ROWS_FIELD, ADD_FIELD, REMOVE_FIELD))
    }
    rows = {path: _count(form.get(f"{ROWS_FIELD}{path}"), n) for path, n in spec.rows}
    added = next((k.removeprefix(ADD_FIELD) for k in form if k.startswith(ADD_FIELD)), "")
    removed = next((k.removeprefix(REMOVE_FIELD) for k in form if k.startswith(REMOVE_FIELD)), "")
    editor, _, index = removed.rpartition(".")
    if added in rows:
        rows[added] += 1
    elif editor in rows and index.isdigit() and int(index) < rows[editor]:
        values = _without_row(values, editor, int(index))
        rows[editor] -= 1
    return spec.with_rows(rows), values, added in rows or editor in rows


def _count(text: object, default: int) -> int:
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 4 else default


def _without_row(values: dict[str, Any], editor: str, index: int) -> dict[str, Any]:
    """The values with row `index` of `editor` gone and the rows after it moved up."""
    kept: dict[str, Any] = {}
    for name, value in values.items():
        row, _, rest = name.removeprefix(f"{editor}.").partition(".")
        if not name.startswith(f"{editor}.") or not row.isdigit():
            kept[name] = value
        elif int(row) != index:
            kept[f"{editor}.{int(row) - (int(row) > index)}.{rest}"] = value
    return kept


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
    if spec.kind == "clauses":
        return [str(v) for v in form.getlist(spec.name)]
    if spec.kind == "functions":
        return [str(v) for v in form.getlist(spec.name)] or None
    text = str(form.get(spec.name, "")).strip()
    if spec.kind == "lines" or spec.name.endswith("activities"):
        return _lines(text) or None
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
    for item in spec.inputs:  # a box left unchecked in a part that was filled in: false
        part, _, name = item.name.rpartition(".")
        if item.kind == "checkbox" and isinstance(body.get(part), dict):
            body[part].setdefault(name, False)
    _drop_empty_rows(spec, body)
    try:
        # as JSON, as the API receives it: the models are strict (a date is its ISO text)
        validated = spec.model.model_validate_json(json.dumps(body))
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            where = locate(spec, ".".join(str(part) for part in problem["loc"]))
            section = f" (CESI-SC-OD13 {SECTIONS[where]})" if where in SECTIONS else ""
            errors.setdefault(where, f"{problem['msg']}{section}")
        return Parsed(None, errors)
    return Parsed(validated.model_dump())


def _drop_empty_rows(spec: CommandForm, body: dict[str, Any]) -> None:
    for path, _ in spec.rows:
        *parents, key = path.split(".")
        node: Any = body
        for part in parents:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and isinstance(node.get(key), list):
            node[key] = [row for row in node[key] if row]


def locate(spec: CommandForm, where: str | None) -> str:
    """The input an error names (`holder.uscc`, or just `uscc`), else the form itself."""
    if not where:
        return ""
    names = [item.name for item in spec.inputs]
    if where in names:
        return where
    return next((n for n in names if n.endswith(f".{where}") or n.startswith(f"{where}.")), "")
