"""The registrar's forms: the API's checks, errors beside the field, values kept, one record
per idempotency key, post/redirect/get, a confirmation before what cannot be undone."""

import re
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_console_signin import PASSWORD, accounts, csrf_of, sign_in
from tests.examples import CLAUSE_IDS, FIRST_HALF, HOLDER, SECOND_HALF, SITES


@pytest.fixture
def registrar(api: Api) -> Api:
    accounts(api).create("reg-1", ["registrar"], actor="admin-1", password=PASSWORD)
    sign_in(api.client, "reg-1")
    return api


def issue_form() -> dict[str, Any]:
    form: dict[str, Any] = {f"holder.{k}": v for k, v in HOLDER.items()}
    for row, site in enumerate(SITES):
        form[f"scope.sites.{row}.address"] = site["address"]
        form[f"scope.sites.{row}.activities"] = "\n".join(site["activities"])
    return form | {
        "level": "3",
        "decision_date": "2026-05-11",
        "person_days": "5",
        "evaluation.not_met": "1",
        "evaluation.partially_met": "20",
        "evaluation.fully_met": "84",
        "evaluation.report_ref": "TR-3",
        "evaluation.functions_met": list("12345678"),  # Table 1: all eight, level 3
        "evaluation.platform_met": "true",
    }


def post(api: Api, path: str, data: dict[str, Any], **extra: str) -> Any:
    """Open the form, fill it in as a browser would (its csrf and key kept), submit it."""
    page = api.client.get(path).text
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key, page
    fields = {"csrf": csrf_of(page), "key": key.group(1)} | data | extra
    return api.client.post(path, data=fields, follow_redirects=False)


def history(api: Api, no: str) -> list[str]:
    return [e["type"] for e in api.client.app.state.registry.history(no)]  # type: ignore[attr-defined]


def test_issuing_through_the_form_records_two_sites_and_redirects(registrar: Api) -> None:
    response = post(registrar, "/console/issue", issue_form())

    assert response.status_code == 303
    assert response.headers["location"] == "/console/certificates/CESI2026EV/IMG10001?done=issue"
    answer = registrar.client.get("/api/v1/verify?number=CESI2026EV/IMG10001").json()
    assert answer["scope"]["sites"] == SITES
    assert registrar.client.app.state.registry.history("CESI2026EV/IMG10001")[0]["actor"] == "reg-1"  # type: ignore[attr-defined]


def test_a_double_submit_of_one_form_records_once(registrar: Api) -> None:
    page = registrar.client.get("/console/issue").text
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key
    data = {"csrf": csrf_of(page), "key": key.group(1)} | issue_form()

    first = registrar.client.post("/console/issue", data=data, follow_redirects=False)
    second = registrar.client.post("/console/issue", data=data, follow_redirects=False)

    assert first.headers["location"] == second.headers["location"]
    assert registrar.client.get("/api/v1/verify?number=CESI2026EV/IMG10002").status_code == 404


def test_a_bad_uscc_is_shown_beside_its_field_with_the_values_kept(registrar: Api) -> None:
    response = post(
        registrar, "/console/issue", issue_form() | {"holder.uscc": "91440300708461136X"}
    )

    assert response.status_code == 422
    assert 'id="error-holder.uscc"' in response.text
    assert 'value="91440300708461136X"' in response.text
    assert HOLDER["name"] in response.text


def test_a_rule_violation_names_the_rules_section(registrar: Api) -> None:
    response = post(registrar, "/console/issue", issue_form() | {"person_days": "1"})

    assert response.status_code == 422
    assert "§5.3.1" in response.text


def test_a_wrong_type_is_refused_like_the_api_does(registrar: Api) -> None:
    response = post(registrar, "/console/issue", issue_form() | {"level": "three"})

    assert response.status_code == 422
    assert 'id="error-level"' in response.text


def test_html_in_a_holder_name_is_shown_escaped(registrar: Api) -> None:
    response = post(
        registrar, "/console/issue", issue_form() | {"holder.name": "<b>x</b>", "level": "9"}
    )

    assert "&lt;b&gt;x&lt;/b&gt;" in response.text
    assert "<b>x</b>" not in response.text


def test_a_bidi_control_in_a_name_is_refused(registrar: Api) -> None:
    response = post(registrar, "/console/issue", issue_form() | {"holder.name": "有限\u202e公司"})

    assert response.status_code == 422
    assert registrar.client.get("/api/v1/verify?number=CESI2026EV/IMG10001").status_code == 404


def test_an_oversized_field_is_refused(registrar: Api) -> None:
    response = post(registrar, "/console/issue", issue_form() | {"holder.address": "地" * 5000})

    assert response.status_code == 422
    assert 'id="error-holder.address"' in response.text


def test_a_form_without_its_csrf_token_is_refused_and_records_nothing(registrar: Api) -> None:
    response = registrar.client.post("/console/issue", data=issue_form(), follow_redirects=False)

    assert response.status_code == 403
    assert registrar.client.get("/api/v1/verify?number=CESI2026EV/IMG10001").status_code == 404


def test_an_auditor_cannot_open_a_command_form(api: Api) -> None:
    accounts(api).create("aud-1", ["auditor"], actor="cli", password=PASSWORD)
    sign_in(api.client, "aud-1")

    assert api.client.get("/console/issue").status_code == 403


def surveil(api: Api, no: str, clauses: list[str], day: str) -> Any:
    return post(
        api,
        f"/console/commands/surveillances/{no}",
        {
            "date": day,
            "person_days": "2.5",
            "management_audit": "true",
            "characteristic_evaluation": "true",
            "outcome": "conforming",
            "report_ref": "SR-1",
            "clauses": clauses,
        },
    )


def test_the_clause_picker_preselects_what_the_first_surveillance_left(registrar: Api) -> None:
    no = registrar.issue()
    surveil(registrar, no, FIRST_HALF, "2026-10-02")

    page = registrar.client.get(f"/console/commands/surveillances/{no}").text

    checked = set(re.findall(r'id="clause-([^"]+)" value="[^"]+" checked', page))
    assert checked == set(CLAUSE_IDS) - set(FIRST_HALF)
    assert "附录 A" in page
    assert "附录 B" in page


def test_two_surveillances_through_the_picker_cover_every_clause(registrar: Api) -> None:
    no = registrar.issue()

    first = surveil(registrar, no, FIRST_HALF, "2026-10-02")
    second = surveil(registrar, no, SECOND_HALF, "2026-11-02")

    assert (first.status_code, second.status_code) == (303, 303)
    assert history(registrar, no) == ["Issued", "Surveilled", "Surveilled"]
    assert len(CLAUSE_IDS) == len(set(FIRST_HALF) | set(SECOND_HALF))


def test_a_second_surveillance_missing_clauses_is_refused_with_the_section(
    registrar: Api,
) -> None:
    no = registrar.issue()
    surveil(registrar, no, FIRST_HALF, "2026-10-02")

    response = surveil(registrar, no, FIRST_HALF, "2026-11-02")

    assert response.status_code == 422
    assert "§5.5.3" in response.text
    assert 'id="error-clauses"' in response.text


def test_a_suspension_reason_is_chosen_by_its_text(registrar: Api) -> None:
    no = registrar.issue()

    page = registrar.client.get(f"/console/commands/suspensions/{no}").text

    assert "b) 发现获证组织服务持续地或严重地不满足认证要求" in page


def test_suspend_and_restore_through_the_forms(registrar: Api) -> None:
    no = registrar.issue()

    post(
        registrar,
        f"/console/commands/suspensions/{no}",
        {"reason": "b", "details": "不满足要求", "effective_date": "2026-06-01"},
    )
    post(
        registrar,
        f"/console/commands/restorations/{no}",
        {"effective_date": "2026-07-01", "verification_ref": "VR-1"},
    )

    assert history(registrar, no) == ["Issued", "Suspended", "Restored"]


def test_narrowing_the_scope_removes_a_site(registrar: Api) -> None:
    no = registrar.issue()

    response = post(
        registrar,
        f"/console/commands/scope-narrowings/{no}",
        {
            "reason": "b",
            "remove_sites": SITES[1]["address"],
            "approval_ref": "AP-1",
            "effective_date": "2026-07-01",
        },
    )

    assert response.status_code == 303
    answer = registrar.client.get(f"/api/v1/verify?number={no}").json()
    assert [s["address"] for s in answer["scope"]["sites"]] == [SITES[0]["address"]]


def test_revoking_asks_for_confirmation_naming_the_consequence_first(registrar: Api) -> None:
    no = registrar.issue()
    data = {"reason": "e", "details": "严重违法", "effective_date": "2026-07-01"}

    asked = post(registrar, f"/console/commands/revocations/{no}", data)

    assert asked.status_code == 200
    assert "不可恢复" in asked.text
    assert history(registrar, no) == ["Issued"]
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', asked.text))
    done = registrar.client.post(
        f"/console/commands/revocations/{no}", data=hidden, follow_redirects=False
    )
    assert done.status_code == 303
    assert history(registrar, no) == ["Issued", "Revoked"]


def test_every_command_of_the_api_has_a_form(registrar: Api) -> None:
    no = registrar.issue()

    pages = [
        registrar.client.get(f"/console/commands/{path}/{no}")
        for path in (
            "surveillances",
            "scope-narrowings",
            "scope-extensions",
            "holder-changes",
            "level-changes",
            "suspensions",
            "restorations",
            "revocations",
            "cancellations",
            "recertifications",
        )
    ]

    assert [p.status_code for p in pages] == [200] * 10


def test_add_a_site_shows_the_form_again_with_one_more_empty_row_and_every_value_kept(
    registrar: Api,
) -> None:
    response = post(registrar, "/console/issue", issue_form() | {"add_row:scope.sites": "+"})

    assert response.status_code == 200
    assert 'id="scope.sites.2.address" name="scope.sites.2.address" value=""' in response.text
    assert 'name="rows.scope.sites" value="3"' in response.text
    assert f'value="{HOLDER["name"]}"' in response.text
    assert f'value="{SITES[1]["address"]}"' in response.text
    assert first_certificates_verify_status(registrar) == 404


def first_certificates_verify_status(api: Api) -> int:
    return int(api.client.get("/api/v1/verify?number=CESI2026EV/IMG10001").status_code)


def test_a_third_site_added_through_the_editor_is_issued(registrar: Api) -> None:
    third = {"address": "广东省佛山市顺德区 3 号", "activities": ["定制橱柜安装"]}
    form = issue_form() | {
        "rows.scope.sites": "3",
        "scope.sites.2.address": third["address"],
        "scope.sites.2.activities": third["activities"][0],
    }

    response = post(registrar, "/console/issue", form)

    assert response.status_code == 303
    answer = registrar.client.get("/api/v1/verify?number=CESI2026EV/IMG10001").json()
    assert answer["scope"]["sites"] == [*SITES, third]


def test_removing_a_site_row_moves_the_rows_after_it_up(registrar: Api) -> None:
    form = issue_form() | {"rows.scope.sites": "2", "remove_row:scope.sites.0": "-"}

    response = post(registrar, "/console/issue", form)

    assert response.status_code == 200
    assert f'name="scope.sites.0.address" value="{SITES[1]["address"]}"' in response.text
    assert 'name="scope.sites.1.address"' not in response.text
    assert first_certificates_verify_status(registrar) == 404


def test_extending_the_scope_has_the_same_site_editor(registrar: Api) -> None:
    no = registrar.issue()

    page = registrar.client.get(f"/console/commands/scope-extensions/{no}").text

    assert 'name="add_row:add_sites"' in page
    assert 'name="remove_row:add_sites.1"' in page


def test_the_functions_picker_offers_the_eight_modules_by_name_and_the_platform(
    registrar: Api,
) -> None:
    page = registrar.client.get("/console/issue").text

    boxes = re.findall(
        r'type="checkbox" id="evaluation.functions_met-(\d)".*?>\s*<label[^>]*>([^<]+)<', page, re.S
    )
    assert boxes == [
        ("1", "①需求识别"),
        ("2", "②需求评估"),
        ("3", "③研发设计"),
        ("4", "④采购"),
        ("5", "⑤营销服务"),
        ("6", "⑥生产制造"),
        ("7", "⑦物流配送"),
        ("8", "⑧售后服务"),
    ]
    assert 'id="evaluation.platform_met" name="evaluation.platform_met"' in page
    assert '<textarea id="evaluation.functions_met"' not in page


def test_five_functions_for_level_three_are_refused_beside_the_picker_with_the_boxes_kept(
    registrar: Api,
) -> None:
    form = issue_form() | {"evaluation.functions_met": list("15678")}

    response = post(registrar, "/console/issue", form)

    assert response.status_code == 422
    error = re.search(r'id="error-evaluation.functions_met">([^<]+)<', response.text)
    assert error
    assert "function modules not met: 2, 3, 4" in error.group(1)
    assert "§5.3.5" in error.group(1)
    checked = re.findall(r'id="evaluation.functions_met-(\d)"[^>]*checked', response.text)
    assert checked == list("15678")


def test_an_unchecked_platform_is_refused_as_not_met(registrar: Api) -> None:
    form = {k: v for k, v in issue_form().items() if k != "evaluation.platform_met"}

    response = post(registrar, "/console/issue", form)

    assert response.status_code == 422
    assert "the interactive platform is not met" in response.text
    assert first_certificates_verify_status(registrar) == 404
