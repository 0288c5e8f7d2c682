"""Signing in to the console: cookies, CSRF, lockout, sessions that end, roles, TOTP."""

import logging
import re
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from registry.users import Accounts
from tests.api.conftest import Api
from tests.conftest import Clock

PASSWORD = "a long enough passphrase"


def accounts(api: Api) -> Accounts:
    found: Accounts = api.client.app.state.sessions.accounts  # type: ignore[attr-defined]
    return found


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, code: str = "") -> Any:
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"name": name, "password": password, "code": code, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )


@pytest.fixture
def registrar(api: Api) -> Api:
    accounts(api).create("reg-1", ["registrar"], actor="admin-1", password=PASSWORD)
    return api


def admin_with_totp(api: Api) -> str:
    secret = pyotp.random_base32()
    accounts(api).create("root", ["admin"], actor="cli", password=PASSWORD)
    accounts(api).enrol_totp("root", secret)
    return secret


def test_signing_in_sets_an_httponly_samesite_strict_session_cookie(registrar: Api) -> None:
    response = sign_in(registrar.client, "reg-1")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    cookie = response.headers["set-cookie"].lower()
    assert "registry_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/console" in cookie


def test_the_session_cookie_is_secure_over_https(api: Api) -> None:
    accounts(api).create("reg-1", ["registrar"], actor="cli", password=PASSWORD)
    api.client.base_url = "https://testserver"

    response = sign_in(api.client, "reg-1")

    assert "secure" in response.headers["set-cookie"].lower()


def test_the_dashboard_without_a_session_sends_to_the_sign_in_page(api: Api) -> None:
    response = api.client.get("/console/", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/"


def test_a_signed_in_registrar_sees_the_dashboard(registrar: Api) -> None:
    sign_in(registrar.client, "reg-1")

    response = registrar.client.get("/console/")

    assert response.status_code == 200
    assert "工作台" in response.text
    assert "reg-1" in response.text


def test_a_sign_in_posted_without_its_csrf_token_is_refused(registrar: Api) -> None:
    registrar.client.get("/console/login")

    response = registrar.client.post(
        "/console/login", data={"name": "reg-1", "password": PASSWORD}, follow_redirects=False
    )

    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "registry_session" not in response.headers.get("set-cookie", "")


def test_a_wrong_password_is_refused_with_the_name_kept(registrar: Api) -> None:
    response = sign_in(registrar.client, "reg-1", "not the passphrase")

    assert response.status_code == 401
    assert 'value="reg-1"' in response.text


def test_five_wrong_passwords_lock_the_account(registrar: Api) -> None:
    for _ in range(5):
        sign_in(registrar.client, "reg-1", "not the passphrase")

    response = sign_in(registrar.client, "reg-1")

    assert response.status_code == 429
    assert "锁定" in response.text


def test_signing_out_ends_the_session(registrar: Api) -> None:
    sign_in(registrar.client, "reg-1")
    csrf = csrf_of(registrar.client.get("/console/").text)
    cookie = registrar.client.cookies["registry_session"]

    registrar.client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    registrar.client.cookies.set("registry_session", cookie, path="/console")

    assert registrar.client.get("/console/", follow_redirects=False).status_code == 303


def test_signing_out_without_the_csrf_token_is_refused(registrar: Api) -> None:
    sign_in(registrar.client, "reg-1")

    response = registrar.client.post("/console/logout", data={}, follow_redirects=False)

    assert response.status_code == 403
    assert registrar.client.get("/console/", follow_redirects=False).status_code == 200


def test_a_session_ends_after_the_idle_time(registrar: Api, clock: Clock) -> None:
    sign_in(registrar.client, "reg-1")

    clock.advance(minutes=31)

    assert registrar.client.get("/console/", follow_redirects=False).status_code == 303


def test_a_used_session_stays_alive_past_the_idle_time(registrar: Api, clock: Clock) -> None:
    sign_in(registrar.client, "reg-1")
    clock.advance(minutes=20)
    registrar.client.get("/console/")

    clock.advance(minutes=20)

    assert registrar.client.get("/console/", follow_redirects=False).status_code == 200


def test_disabling_a_user_ends_their_sessions(registrar: Api) -> None:
    sign_in(registrar.client, "reg-1")

    accounts(registrar).disable("reg-1", actor="admin-1")

    assert registrar.client.get("/console/", follow_redirects=False).status_code == 303


def test_a_password_change_ends_the_users_sessions(registrar: Api) -> None:
    sign_in(registrar.client, "reg-1")

    accounts(registrar).set_password("reg-1", actor="admin-1")

    assert registrar.client.get("/console/", follow_redirects=False).status_code == 303


def test_a_registrar_opening_an_administrator_page_gets_a_403_page(registrar: Api) -> None:
    sign_in(registrar.client, "reg-1")

    response = registrar.client.get("/console/admin/users")

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "admin" in response.text


def test_an_administrator_without_a_second_factor_is_sent_to_set_one_up(api: Api) -> None:
    accounts(api).create("root", ["admin"], actor="cli", password=PASSWORD)

    response = sign_in(api.client, "root")

    assert response.headers["location"] == "/console/totp"
    assert api.client.get("/console/admin/users").status_code == 403


def test_an_administrator_sets_up_totp_and_then_reaches_the_admin_pages(
    api: Api, clock: Clock
) -> None:
    accounts(api).create("root", ["admin"], actor="cli", password=PASSWORD)
    sign_in(api.client, "root")
    form = api.client.get("/console/totp").text
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', form)
    assert secret

    enrolled = api.client.post(
        "/console/totp",
        data={
            "csrf": csrf_of(form),
            "secret": secret.group(1),
            "code": pyotp.TOTP(secret.group(1)).at(clock()),
            "password": PASSWORD,
        },
        follow_redirects=False,
    )

    assert enrolled.status_code == 303
    assert api.client.get("/console/admin/users").status_code == 200


def test_a_user_with_totp_needs_the_code_to_sign_in(api: Api, clock: Clock) -> None:
    secret = admin_with_totp(api)

    without = sign_in(api.client, "root")
    with_code = sign_in(api.client, "root", code=pyotp.TOTP(secret).at(clock()))

    assert without.status_code == 401
    assert with_code.status_code == 303


def test_the_next_page_is_only_ever_inside_the_console(registrar: Api) -> None:
    form = registrar.client.get("/console/login?next=https://evil.example/")

    assert 'name="next" value="/console/"' in form.text


def test_sessions_left_idle_are_forgotten_when_someone_signs_in(
    registrar: Api, clock: Clock
) -> None:
    accounts(registrar).create("reg-2", ["registrar"], actor="cli", password=PASSWORD)
    sign_in(registrar.client, "reg-1")
    clock.advance(minutes=31)

    sign_in(registrar.client, "reg-2")

    views = registrar.client.app.state.registry.views  # type: ignore[attr-defined]
    assert views.query("SELECT user_name FROM console_sessions") == [("reg-2",)]


def test_setting_up_totp_without_the_password_is_refused(api: Api, clock: Clock) -> None:
    accounts(api).create("root", ["admin"], actor="cli", password=PASSWORD)
    sign_in(api.client, "root")
    secret = pyotp.random_base32()

    refused = api.client.post(
        "/console/totp",
        data={
            "csrf": csrf_of(api.client.get("/console/totp").text),
            "secret": secret,
            "code": pyotp.TOTP(secret).at(clock()),
        },
    )

    assert refused.status_code == 422
    user = accounts(api).get("root")
    assert user is not None
    assert user.totp_secret is None


def test_ten_failed_sign_ins_from_one_address_hold_it_back_before_any_password_is_checked(
    registrar: Api, caplog: pytest.LogCaptureFixture
) -> None:
    accounts(registrar).create("reg-2", ["registrar"], actor="admin-1", password=PASSWORD)
    caplog.set_level(logging.WARNING, logger="registry.console")
    for n in range(10):  # two accounts: five each stays under each one's lockout
        sign_in(registrar.client, f"reg-{1 + n % 2}", "not the passphrase")

    response = sign_in(registrar.client, "reg-1")

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "console sign-in failed from testclient at 2026-11-25T02:00:00+00:00 for 'reg-1'" in (
        caplog.text
    )
