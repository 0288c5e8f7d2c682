"""Table 1's function modules and the platform over HTTP (§5.3.5, §5.5.3 (3))."""

from typing import Any

import pytest

from tests.api.conftest import Api, body
from tests.examples import EVALUATIONS, issue_request, surveillance


def issued(api: Api, **overrides: Any) -> Any:
    return api.client.post(
        "/api/v1/certificates", json=body(issue_request(**overrides)), headers=api.auth()
    )


def test_level_1_with_its_five_functions_and_the_platform_is_issued(api: Api) -> None:
    response = issued(api, level=1)

    assert response.status_code == 201, response.text
    assert response.json()["level"] == 1


def test_level_1_without_the_platform_is_422_citing_table_1(api: Api) -> None:
    response = issued(api, level=1, evaluation=EVALUATIONS[1] | {"platform_met": False})

    assert response.status_code == 422
    assert response.json()["type"].endswith("/rule-violation")
    assert (response.json()["section"], response.json()["field"]) == (
        "§5.3.5 Table 1",
        "evaluation",
    )


def test_level_3_with_only_five_functions_is_422(api: Api) -> None:
    five = EVALUATIONS[3] | {"functions_met": ["1", "5", "6", "7", "8"]}

    response = issued(api, evaluation=five)

    assert response.status_code == 422
    assert "function modules not met: 2, 3, 4" in response.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [{"functions_met": ["9"]}, {"functions_met": None}, {"platform_met": None}],
)
def test_malformed_function_modules_are_422_invalid_input(api: Api, change: dict[str, Any]) -> None:
    response = issued(api, evaluation=EVALUATIONS[3] | change)

    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-input")


def test_a_count_beyond_the_catalogue_is_422(api: Api) -> None:
    response = issued(api, evaluation=EVALUATIONS[3] | {"fully_met": 105})

    assert response.status_code == 422
    assert "the catalogue holds 104" in response.json()["detail"]


def test_the_contracts_example_evaluation_issues_a_level_3_certificate(api: Api) -> None:
    contract = {"not_met": 1, "partially_met": 20, "fully_met": 84, "report_ref": "TR-3"}

    response = issued(api, evaluation=EVALUATIONS[3] | contract)

    assert response.status_code == 201, response.text


def test_a_conforming_surveillance_below_the_level_is_422_citing_5_5_3(api: Api) -> None:
    no = api.issue()

    response = api.command(no, "surveillances", body(surveillance(evaluation=EVALUATIONS[2])))

    assert response.status_code == 422
    assert response.json()["section"] == "§5.5.3 (3)"


def test_a_surveillance_evaluation_appears_in_the_history(api: Api) -> None:
    no = api.issue()
    api.command(no, "surveillances", body(surveillance(evaluation=EVALUATIONS[3])))

    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))

    surveilled = history.json()[-1]
    assert surveilled["type"] == "Surveilled"
    assert surveilled["data"]["evaluation"]["functions_met"] == EVALUATIONS[3]["functions_met"]
    assert history.json()[0]["data"]["evaluation"]["platform_met"] is True


def test_the_openapi_document_describes_the_function_modules(api: Api) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]

    evaluation = schemas["Evaluation"]
    assert {"functions_met", "platform_met"} <= set(evaluation["required"])
    assert evaluation["examples"][0]["functions_met"] == [str(n) for n in range(1, 9)]
    assert "evaluation" in schemas["SurveillanceRequest"]["properties"]


def test_a_surveillance_team_and_sites_appear_in_the_history(api: Api) -> None:
    no = api.issue()
    details = {
        "team": {"auditors": [{"name": "王审查", "days": 2.5}], "technical_experts": ["张专家"]},
        "sites_sampled": [issue_request()["scope"]["sites"][0]["address"]],
        "content_items": ["1", "2", "3", "4", "5", "6", "7"],
    }

    response = api.command(no, "surveillances", body(surveillance(**details)))

    assert response.status_code == 201, response.text
    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth("auditor"))
    data = history.json()[-1]["data"]
    assert data["team"]["auditors"] == [{"name": "王审查", "days": 2.5}]
    assert data["content_items"] == details["content_items"]


def test_a_surveillance_whose_auditors_days_differ_from_person_days_is_422(api: Api) -> None:
    no = api.issue()
    team = {"auditors": [{"name": "王审查", "days": 1}], "observers": ["赵观察"]}

    response = api.command(no, "surveillances", body(surveillance(team=team)))

    assert response.status_code == 422
    assert response.json()["section"] == "§5.3.2"
