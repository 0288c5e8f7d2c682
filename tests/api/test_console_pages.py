"""The console's pages: dashboard, search, a certificate's timeline, the users page."""

import re

import pyotp
import pytest

from registry.tokens import list_tokens
from tests.api.conftest import SUSPENSION, Api
from tests.api.test_console_signin import PASSWORD, accounts, csrf_of, sign_in
from tests.conftest import Clock


@pytest.fixture
def registrar(api: Api) -> Api:
    accounts(api).create("reg-1", ["registrar"], actor="admin-1", password=PASSWORD)
    sign_in(api.client, "reg-1")
    return api


@pytest.fixture
def admin(api: Api, clock: Clock) -> Api:
    secret = pyotp.random_base32()
    accounts(api).create("root", ["admin"], actor="cli", password=PASSWORD)
    accounts(api).enrol_totp("root", secret)
    sign_in(api.client, "root", code=pyotp.TOTP(secret).at(clock()))
    return api


def test_the_dashboard_counts_each_work_queue(registrar: Api) -> None:
    no = registrar.issue()
    registrar.command(no, "suspensions", SUSPENSION)

    page = registrar.client.get("/console/")

    assert 'id="count-suspensions">1<' in page.text
    assert no in page.text


def test_search_finds_a_certificate_by_its_holder(registrar: Api) -> None:
    no = registrar.issue()

    page = registrar.client.get("/console/certificates", params={"q": "定制"})

    assert page.status_code == 200
    assert no in page.text


def test_a_certificates_page_shows_its_history_with_actors(registrar: Api) -> None:
    no = registrar.issue()
    registrar.command(no, "suspensions", SUSPENSION)

    page = registrar.client.get(f"/console/certificates/{no}")

    assert page.status_code == 200
    assert page.text.count('class="actor">registrar-1<') == 2
    assert "Suspended" in page.text


def test_a_revoked_certificates_page_offers_only_what_the_lifecycle_allows(
    registrar: Api,
) -> None:
    no = registrar.issue()
    revocation = {"reason": "k", "details": "主动", "effective_date": "2026-09-01"}
    assert registrar.command(no, "revocations", revocation).status_code == 201

    page = registrar.client.get(f"/console/certificates/{no}").text

    assert f"/console/commands/suspensions/{no}" not in page
    assert f"/console/commands/surveillances/{no}" not in page
    assert f"/console/commands/cases/{no}" in page  # §9: complaints, whatever the status


def test_an_unknown_certificate_is_a_404_page(registrar: Api) -> None:
    page = registrar.client.get("/console/certificates/CESI2026EV/IMG19999")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


def create_user(api: Api, name: str, roles: list[str], *, csrf: bool = True) -> object:
    form = api.client.get("/console/admin/users").text
    data: dict[str, object] = {"name": name, "roles": roles}
    if csrf:
        data["csrf"] = csrf_of(form)
    return api.client.post("/console/admin/users", data=data)


def test_an_administrator_creates_a_registrar_whose_password_is_shown_once(admin: Api) -> None:
    response = create_user(admin, "reg-2", ["registrar"])

    assert response.status_code == 201  # type: ignore[attr-defined]
    assert 'id="new-password"' in response.text  # type: ignore[attr-defined]
    assert 'id="new-password"' not in admin.client.get("/console/admin/users").text
    assert [u.roles for u in accounts(admin).listing() if u.name == "reg-2"] == [("registrar",)]


def test_creating_a_user_without_the_csrf_token_is_refused_and_stores_nothing(
    admin: Api,
) -> None:
    response = create_user(admin, "reg-2", ["registrar"], csrf=False)

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert accounts(admin).get("reg-2") is None


@pytest.mark.parametrize(
    ("name", "roles", "shown"),
    [
        ("<script>x</script>", ["registrar"], "&lt;script&gt;x&lt;/script&gt;"),
        ("bob\u202eevil", ["registrar"], "user name"),
        ("bob", ["superuser"], "superuser"),
        ("bob", [], "roles"),
        ("b" * 65, ["registrar"], "user name"),
    ],
)
def test_a_bad_user_is_refused_beside_its_field_with_the_values_kept_escaped(
    admin: Api, name: str, roles: list[str], shown: str
) -> None:
    response = create_user(admin, name, roles)

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert shown in response.text  # type: ignore[attr-defined]
    assert "<script>x" not in response.text  # type: ignore[attr-defined]
    assert [u.name for u in accounts(admin).listing()] == ["root"]


def test_an_oversized_user_name_is_refused(admin: Api) -> None:
    response = create_user(admin, "x" * 5000, ["registrar"])

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert [u.name for u in accounts(admin).listing()] == ["root"]


def test_a_refusal_on_a_console_page_is_a_page_not_problem_json(admin: Api) -> None:
    csrf = csrf_of(admin.client.get("/console/admin/users").text)

    page = admin.client.post("/console/admin/users/nobody/disable", data={"csrf": csrf})

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "nobody" in page.text


def test_the_api_still_answers_refusals_in_problem_json(api: Api) -> None:
    response = api.client.get("/api/v1/verify", params={"number": "nonsense"})

    assert response.headers["content-type"] == "application/problem+json"


def test_an_administrator_changes_a_users_roles(admin: Api) -> None:
    accounts(admin).create("reg-2", ["registrar"], actor="cli", password=PASSWORD)
    csrf = csrf_of(admin.client.get("/console/admin/users").text)

    admin.client.post(
        "/console/admin/users/reg-2/roles", data={"csrf": csrf, "roles": ["registrar", "auditor"]}
    )

    assert [u.roles for u in accounts(admin).listing() if u.name == "reg-2"] == [
        ("registrar", "auditor")
    ]


def test_an_administrator_creates_a_token_shown_once_that_works(admin: Api) -> None:
    csrf = csrf_of(admin.client.get("/console/admin/tokens").text)

    created = admin.client.post(
        "/console/admin/tokens", data={"csrf": csrf, "name": "robot", "role": "auditor"}
    )

    token = re.search(r'id="new-token">([^<]+)<', created.text)
    assert token
    feed = admin.client.get(
        "/api/v1/audit/events", headers={"Authorization": f"Bearer {token.group(1)}"}
    )
    assert feed.status_code == 200


def test_an_administrator_binds_a_token_to_a_person_chosen_from_the_users(admin: Api) -> None:
    accounts(admin).create("reg-2", ["registrar"], actor="cli", password=PASSWORD)
    page = admin.client.get("/console/admin/tokens").text
    assert '<option value="reg-2"' in page

    created = admin.client.post(
        "/console/admin/tokens",
        data={"csrf": csrf_of(page), "name": "robot", "role": "registrar", "user": "reg-2"},
    )

    token = re.search(r'id="new-token">([^<]+)<', created.text)
    assert token
    admin.tokens["registrar"] = token.group(1)
    no = admin.issue()
    assert admin.client.app.state.registry.history(no)[0]["actor"] == "reg-2 via token robot"  # type: ignore[attr-defined]


def test_binding_a_token_to_a_person_without_its_role_is_refused_beside_the_chooser(
    admin: Api,
) -> None:
    accounts(admin).create("aud-2", ["auditor"], actor="cli", password=PASSWORD)
    csrf = csrf_of(admin.client.get("/console/admin/tokens").text)

    refused = admin.client.post(
        "/console/admin/tokens",
        data={"csrf": csrf, "name": "robot", "role": "registrar", "user": "aud-2"},
    )

    assert refused.status_code == 422
    assert 'id="error-user"' in refused.text
    assert "robot" not in [t.name for t in list_tokens(admin.client.app.state.registry)]  # type: ignore[attr-defined]


def test_revoking_a_token_asks_to_confirm_first(admin: Api) -> None:
    page = admin.client.get("/console/admin/tokens").text
    token_id = re.search(r"/console/admin/tokens/([0-9a-f]+)/revoke", page)
    assert token_id
    path = f"/console/admin/tokens/{token_id.group(1)}/revoke"

    asked = admin.client.post(path, data={"csrf": csrf_of(page)})
    done = admin.client.post(path, data={"csrf": csrf_of(page), "confirmed": "yes"})

    assert "立即失去访问权限" in asked.text
    assert done.status_code == 200
    assert "已撤销 revoked" in done.text


def test_rotating_the_signing_key_asks_to_confirm_and_then_rotates(admin: Api) -> None:
    page = admin.client.get("/console/admin/keys").text
    before = re.findall(r'<td class="secret">([^<]+)</td><td>active', page)

    asked = admin.client.post("/console/admin/keys/rotate", data={"csrf": csrf_of(page)})
    done = admin.client.post(
        "/console/admin/keys/rotate", data={"csrf": csrf_of(page), "confirmed": "yes"}
    )

    after = re.findall(r'<td class="secret">([^<]+)</td><td>active', done.text)
    assert "旧密钥退役" in asked.text
    assert len(before) == len(after) == 1
    assert before != after
