"""Hostile input against every console form: a missing or forged CSRF token, oversized
fields, markup in names, invisible and bidi characters, unknown roles. Each is refused, shown
escaped beside its field, and records nothing: one app per backend serves the whole table,
and each case compares the event store's head before and after. Markup that is stored (a
holder's name) is escaped on the certificate's page."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.console.forms import FORMS, ISSUE, CommandForm
from registry.aggregates.user import ROLES
from registry.application import open_registry
from registry.rules.values import MAX_LONG_TEXT
from registry.settings import Settings
from registry.signing import open_keys
from registry.tokens import create_token
from registry.users import Accounts
from tests.api.conftest import Api, body
from tests.api.test_console_forms import issue_form, post
from tests.api.test_console_signin import PASSWORD, csrf_of, sign_in
from tests.conftest import DURABLE_BACKENDS, Clock, _database_url
from tests.examples import issue_request

OVERSIZED = "地" * (MAX_LONG_TEXT + 1)  # longer than any text field of any form may be
MARKUP = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
INVISIBLE = {
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "zero-width space": "\u200b",
    "right-to-left mark": "\u200f",
}


@dataclass
class Console:
    api: Api
    no: str  # a certificate in force, for the command forms
    csrf: str  # the signed-in session's synchronizer token

    @property
    def client(self) -> TestClient:
        return self.api.client

    def head(self) -> int:
        recorder = self.client.app.state.registry.recorder  # type: ignore[attr-defined]
        return int(recorder.max_notification_id() or 0)


@pytest.fixture(scope="module", params=DURABLE_BACKENDS)
def console(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    """Signed in as a person holding every role (with TOTP, as administrators need); reg-x
    and the token robot are there to be acted on."""
    folder: Path = tmp_path_factory.mktemp("hostile")
    settings = Settings(
        database_url=_database_url(request.param, request, folder),
        keys_dir=folder / "keys",
        dev_mode=True,
        rate_limit=0,
        reports_dir=folder / "reports",
    )
    clock = Clock()
    secret = pyotp.random_base32()
    with open_registry(settings, clock=clock) as registry:
        open_keys(registry, settings).generate()
        token = create_token(registry, name="registrar-1", role="registrar")
        create_token(registry, name="robot", role="auditor")
        accounts = Accounts(registry)
        accounts.create("staff", list(ROLES), actor="cli", password=PASSWORD)
        accounts.enrol_totp("staff", secret)
        accounts.create("reg-x", ["registrar"], actor="cli", password=PASSWORD)
    with TestClient(create_app(settings, clock=clock)) as client:
        issued = client.post(
            "/api/v1/certificates",
            json=body(issue_request()),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert issued.status_code == 201, issued.text
        sign_in(client, "staff", code=pyotp.TOTP(secret).at(clock()))
        csrf = csrf_of(client.get("/console/admin/users").text)
        yield Console(Api(client, {}), issued.json()["registration_no"], csrf)


def every_text_input(spec: CommandForm) -> list[str]:
    return [i.name for i in spec.inputs if i.kind in ("text", "longtext")]


# Every form that posts, with data that would be recorded were its CSRF token not checked.
FORMS_POSTED = [
    ("/console/issue", issue_form()),
    *[(f"/console/commands/{path}/{{no}}", {}) for path in FORMS],
    ("/console/admin/users", {"name": "new-1", "roles": ["registrar"]}),
    ("/console/admin/users/reg-x/disable", {}),
    ("/console/admin/users/reg-x/password", {}),
    ("/console/admin/users/reg-x/roles", {"roles": ["auditor"]}),
    ("/console/admin/tokens", {"name": "new-token", "role": "auditor"}),
    ("/console/admin/tokens/robot/revoke", {"confirmed": "yes"}),
    *[(f"/console/admin/keys/{a}", {"confirmed": "yes"}) for a in ("rotate", "retire")],
    ("/console/integrity", {}),
    ("/console/totp", {"secret": "A" * 32, "code": "000000", "password": PASSWORD}),
    ("/console/logout", {}),
    ("/console/login", {"name": "staff", "password": PASSWORD}),
]


@pytest.mark.parametrize("token", ["", "forged-token"], ids=["missing", "forged"])
@pytest.mark.parametrize(("path", "data"), FORMS_POSTED, ids=[p for p, _ in FORMS_POSTED])
def test_a_form_without_its_csrf_token_is_refused_and_records_nothing(
    console: Console, path: str, data: dict[str, Any], token: str
) -> None:
    before = console.head()

    refused = console.client.post(
        path.format(no=console.no), data=data | {"csrf": token}, follow_redirects=False
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert console.head() == before


@pytest.mark.parametrize("spec", [ISSUE, *FORMS.values()], ids=["issue", *FORMS])
def test_oversized_text_is_refused_beside_each_field_and_records_nothing(
    console: Console, spec: CommandForm
) -> None:
    path = "/console/issue" if spec is ISSUE else f"/console/commands/{spec.path}/{console.no}"
    fields = every_text_input(spec)
    before = console.head()

    refused = post(console.api, path, {name: OVERSIZED for name in fields})

    assert refused.status_code == 422
    assert [n for n in fields if f'id="error-{n}"' not in refused.text] == []
    assert console.head() == before


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/console/admin/users", {"name": OVERSIZED, "roles": ["registrar"]}),
        ("/console/admin/tokens", {"name": OVERSIZED, "role": "auditor"}),
        ("/console/admin/users/reg-x/roles", {"roles": [OVERSIZED]}),
        ("/console/login", {"name": OVERSIZED, "password": PASSWORD}),
        ("/console/totp", {"secret": OVERSIZED, "code": "000000", "password": PASSWORD}),
    ],
    ids=["user", "token", "roles", "sign-in", "totp"],
)
def test_an_oversized_field_of_a_people_form_is_refused_and_records_nothing(
    console: Console, path: str, data: dict[str, Any]
) -> None:
    before = console.head()

    refused = console.client.post(path, data=data | {"csrf": console.csrf})

    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")  # a page, not problem JSON
    assert console.head() == before


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/console/issue", issue_form() | {"holder.name": MARKUP, "level": "9"}, "holder.name"),
        ("/console/admin/users", {"name": MARKUP, "roles": ["registrar"]}, "name"),
        ("/console/admin/tokens", {"name": MARKUP, "role": "auditor"}, "name"),
    ],
    ids=["issue", "user", "token"],
)
def test_markup_in_a_name_is_shown_escaped_on_the_refused_form(
    console: Console, path: str, data: dict[str, Any], field: str
) -> None:
    before = console.head()

    refused = (
        post(console.api, path, data)
        if path == "/console/issue"
        else console.client.post(path, data=data | {"csrf": console.csrf})
    )

    assert refused.status_code == 422
    assert ESCAPED in refused.text
    assert MARKUP not in refused.text
    assert console.head() == before


def test_markup_in_a_user_name_is_shown_escaped_on_the_sign_in_page(console: Console) -> None:
    client = TestClient(console.client.app)  # no session: the sign-in page as a stranger

    refused = sign_in(client, MARKUP, "a wrong password, long")

    assert refused.status_code == 401
    assert ESCAPED in refused.text
    assert MARKUP not in refused.text


@pytest.mark.parametrize("character", INVISIBLE.values(), ids=INVISIBLE)
@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/console/issue", issue_form(), "holder.name"),
        ("/console/admin/users", {"roles": ["registrar"]}, "name"),
        ("/console/admin/tokens", {"role": "auditor"}, "name"),
    ],
    ids=["issue", "user", "token"],
)
def test_an_invisible_or_bidi_character_in_a_name_is_refused_beside_the_field(
    console: Console, path: str, data: dict[str, Any], field: str, character: str
) -> None:
    name = f"bob{character}ltd" if path != "/console/issue" else f"有限{character}公司"
    before = console.head()

    refused = (
        post(console.api, path, data | {field: name})
        if path == "/console/issue"
        else console.client.post(path, data=data | {field: name, "csrf": console.csrf})
    )

    assert refused.status_code == 422
    assert f'id="error-{field}"' in refused.text
    assert console.head() == before


@pytest.mark.parametrize(
    "roles",
    [["superuser"], ["registrar", "root"], ["<b>admin</b>"], []],
    ids=["unknown", "one-unknown", "markup", "none"],
)
def test_an_unknown_role_on_the_user_form_is_refused_beside_the_roles(
    console: Console, roles: list[str]
) -> None:
    before = console.head()

    refused = console.client.post(
        "/console/admin/users", data={"name": "new-2", "roles": roles, "csrf": console.csrf}
    )

    assert refused.status_code == 422
    assert 'id="error-roles"' in refused.text
    assert "<b>admin</b>" not in refused.text
    assert console.head() == before


def test_an_unknown_role_given_to_an_existing_user_is_refused_and_records_nothing(
    console: Console,
) -> None:
    before = console.head()

    refused = console.client.post(
        "/console/admin/users/reg-x/roles", data={"roles": ["superuser"], "csrf": console.csrf}
    )

    assert refused.status_code == 422
    assert "superuser" in refused.text
    assert console.head() == before


def test_markup_in_a_stored_holder_name_is_shown_escaped_on_the_certificate_page(
    api: Api,
) -> None:
    Accounts(api.client.app.state.registry).create(  # type: ignore[attr-defined]
        "reg-1", ["registrar"], actor="cli", password=PASSWORD
    )
    sign_in(api.client, "reg-1")
    issued = post(api, "/console/issue", issue_form() | {"holder.name": f"{MARKUP}有限公司"})
    assert issued.status_code == 303

    page = api.client.get(issued.headers["location"])

    assert f"{ESCAPED}有限公司" in page.text
    assert MARKUP not in page.text
