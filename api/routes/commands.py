"""The registrar's commands: each one call to the registry, answered with the certificate."""

from collections.abc import Callable
from typing import cast

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import IdempotencyKey, Registrar, RegistryDep
from api.models import (
    CancellationRequest,
    CaseAcknowledgementRequest,
    CaseClosureRequest,
    CaseRequest,
    CertificateOut,
    CorrectiveActionRequest,
    HolderChangeRequest,
    IssueRequest,
    LevelChangeRequest,
    NotificationRequest,
    RecertificationRequest,
    RestorationRequest,
    RevocationRequest,
    ScopeExtensionRequest,
    ScopeNarrowingRequest,
    SubCertificateRequest,
    SubCertificateWithdrawalRequest,
    SurveillanceRequest,
    SuspensionRequest,
)
from api.problems import PROBLEM_RESPONSES
from registry.answers import Answer
from registry.rules.lifecycle import CommandName

router = APIRouter(prefix="/api/v1/certificates", tags=["registrar"])


# A command answers exactly what verification then answers: the registry's own answer,
# without the defaults of fields it leaves out (a site without English has no `address_en`).
@router.post(
    "",
    status_code=201,
    response_model=CertificateOut,
    response_model_exclude_unset=True,
    responses=PROBLEM_RESPONSES,
)
def issue(
    body: IssueRequest, registry: RegistryDep, registrar: Registrar, key: IdempotencyKey = None
) -> Answer:
    """Issue a certificate after a certification decision (§5.4): the registry allocates
    the next registration number of the decision year."""
    return registry.issue(actor=registrar.name, idempotency_key=key, **body.model_dump())


# A new command is its aggregate method and event, its request model, and one row here:
# (path, command, body, what it records).
COMMANDS: list[tuple[str, CommandName, type[BaseModel], str]] = [
    ("surveillances", "surveil", SurveillanceRequest, "Record a surveillance (§5.5.2, §5.5.3)."),
    ("scope-narrowings", "narrow_scope", ScopeNarrowingRequest, "Narrow the scope (§5.5.8)."),
    ("scope-extensions", "extend_scope", ScopeExtensionRequest, "Extend the scope (§5.5.7)."),
    ("holder-changes", "change_holder", HolderChangeRequest, "Change holder details (§6.2)."),
    ("level-changes", "change_level", LevelChangeRequest, "Raise or lower the level (§5.5.6)."),
    ("suspensions", "suspend", SuspensionRequest, "Suspend (§6.3.1), reasons a–m."),
    ("restorations", "restore", RestorationRequest, "Restore a suspension (§6.3.1.4)."),
    ("revocations", "revoke", RevocationRequest, "Revoke (§6.3.2), reasons a–k."),
    ("cancellations", "cancel", CancellationRequest, "Cancel at the holder's request (§6.3)."),
    ("recertifications", "recertify", RecertificationRequest, "Recertify (§5.6, §6.1)."),
    (
        "corrective-actions",
        "verify_corrective_action",
        CorrectiveActionRequest,
        "Close a nonconformity: its corrective action verified (§5.5.4).",
    ),
    (
        "notifications",
        "record_notification",
        NotificationRequest,
        "Record a holder's notification (§5.5.5), flagged late past its limit.",
    ),
    ("cases", "record_case", CaseRequest, "Record a complaint, appeal (§9) or misuse warning."),
    (
        "case-acknowledgements",
        "acknowledge_case",
        CaseAcknowledgementRequest,
        "Acknowledge a complaint or appeal received (§9).",
    ),
    ("case-closures", "close_case", CaseClosureRequest, "Decide or close a case (§7–§9)."),
    (
        "sub-certificates",
        "issue_sub_certificate",
        SubCertificateRequest,
        "Issue a sub-certificate (子证书, §6 a) for some of the scope's sites.",
    ),
    (
        "sub-certificate-withdrawals",
        "withdraw_sub_certificate",
        SubCertificateWithdrawalRequest,
        "Withdraw a sub-certificate at the holder's request (注销, §6.3).",
    ),
]


def _route(command: CommandName, body_model: type[BaseModel]) -> Callable[..., Answer]:
    def route(
        no: str,
        body: body_model,  # type: ignore[valid-type]  # FastAPI reads the model from here
        registry: RegistryDep,
        registrar: Registrar,
        key: IdempotencyKey = None,
    ) -> Answer:
        arguments = cast(BaseModel, body).model_dump()
        return registry.command(command, no, arguments, actor=registrar.name, idempotency_key=key)

    route.__name__ = command
    return route


for path, command, body_model, summary in COMMANDS:
    router.add_api_route(
        f"/{{no:path}}/{path}",
        _route(command, body_model),
        methods=["POST"],
        status_code=201,
        response_model=CertificateOut,
        response_model_exclude_unset=True,
        responses=PROBLEM_RESPONSES,
        summary=summary,
        description="`{no}` is the registration number or any printed certificate number; "
        "a literal `/` and `%2F` both work.",
    )
