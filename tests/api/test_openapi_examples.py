"""The OpenAPI document shows every field issue 13 added (the rule in depth) in an example."""

from typing import Any

import pytest

from api.app import create_app

ADDED = {  # schema -> the fields of issue 13 it carries
    "IssueRequest": [
        "application_date",
        "acceptance_date",
        "papers_received_date",
        "signatory",
        "evaluation",
    ],
    "RecertificationRequest": [
        "application_date",
        "acceptance_date",
        "papers_received_date",
        "signatory",
    ],
    "Evaluation": ["functions_met", "platform_met"],
    "SurveillanceRequest": [
        "evaluation",
        "nonconformities",
        "team",
        "sites_sampled",
        "content_items",
    ],
    "SuspensionRequest": ["restore_deadline"],
    "RevocationRequest": ["demand_date"],
    "HolderChangeRequest": ["name_en", "scope_en"],
    "SubCertificateRequest": ["sites", "effective_date"],
    "SubCertificateWithdrawalRequest": ["certificate_no", "request_ref", "effective_date"],
    "CorrectiveActionRequest": ["nonconformity_id", "evidence_ref"],
    "NotificationRequest": ["kind", "what", "occurred_on", "effective_date"],
    "CaseRequest": ["case_id", "kind", "summary"],
    "CertificateOut": ["rule_edition", "signatory", "printed", "sub_certificates"],
    "LateStepOut": ["step", "section", "working_days", "limit"],
    "LateNotificationOut": ["told_on", "told_by"],
    "OpenCaseOut": ["kind", "acknowledged_on"],
    "NonconformityOut": ["deadline", "overdue"],
}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    document: dict[str, Any] = create_app().openapi()
    return dict(document["components"]["schemas"])


@pytest.mark.parametrize(("schema", "fields"), ADDED.items())
def test_each_added_field_appears_in_an_example(
    schemas: dict[str, Any], schema: str, fields: list[str]
) -> None:
    found = schemas[schema].get("examples", [])

    assert [f for f in fields if not any(f in example for example in found)] == []


def test_the_english_scope_appears_in_the_issue_and_answer_examples(
    schemas: dict[str, Any],
) -> None:
    issued = schemas["IssueRequest"]["examples"][0]["scope"]["sites"][0]
    answered = schemas["CertificateOut"]["examples"][0]["scope"]["sites"][0]

    assert {"address_en", "activities_en"} <= set(issued) & set(answered)
