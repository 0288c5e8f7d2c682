"""People's accounts on every backend: events in the log, Argon2id, lockout."""

import pytest

from registry.aggregates.user import REDACTED
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.users import Accounts, Locked
from tests.conftest import Clock

PASSWORD = "a long enough passphrase"


@pytest.fixture
def accounts(registry: Registry) -> Accounts:
    return Accounts(registry)


def test_a_created_user_signs_in_with_its_password(accounts: Accounts) -> None:
    accounts.create("alice", ["registrar"], actor="admin-1", password=PASSWORD)

    user = accounts.sign_in("alice", PASSWORD)

    assert user is not None
    assert user.roles == ["registrar"]


def test_the_password_is_stored_as_an_argon2id_hash(accounts: Accounts) -> None:
    accounts.create("alice", ["registrar"], actor="admin-1", password=PASSWORD)

    user = accounts.get("alice")

    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_made_password_is_returned_once_and_works(accounts: Accounts) -> None:
    password = accounts.create("alice", ["auditor", "regulator"], actor="cli")

    assert len(password) >= 20
    assert accounts.sign_in("alice", password) is not None


def test_a_wrong_password_is_refused(accounts: Accounts) -> None:
    accounts.create("alice", ["registrar"], actor="cli", password=PASSWORD)

    assert accounts.sign_in("alice", "not the passphrase") is None


def test_a_disabled_user_cannot_sign_in(accounts: Accounts) -> None:
    accounts.create("alice", ["registrar"], actor="cli", password=PASSWORD)

    accounts.disable("alice", actor="admin-1")

    assert accounts.sign_in("alice", PASSWORD) is None


def test_a_reset_password_replaces_the_old_one(accounts: Accounts) -> None:
    accounts.create("alice", ["registrar"], actor="cli", password=PASSWORD)

    new = accounts.set_password("alice", actor="admin-1")

    assert accounts.sign_in("alice", PASSWORD) is None
    assert accounts.sign_in("alice", new) is not None


def test_the_fifth_wrong_password_locks_the_account_until_time_passes(
    accounts: Accounts, clock: Clock
) -> None:
    accounts.create("alice", ["registrar"], actor="cli", password=PASSWORD)
    for _ in range(5):
        accounts.sign_in("alice", "not the passphrase")

    with pytest.raises(Locked):
        accounts.sign_in("alice", PASSWORD)
    clock.advance(minutes=1, seconds=1)
    assert accounts.sign_in("alice", PASSWORD) is not None


def test_each_further_failure_doubles_the_lock(accounts: Accounts, clock: Clock) -> None:
    accounts.create("alice", ["registrar"], actor="cli", password=PASSWORD)
    for _ in range(5):
        accounts.sign_in("alice", "not the passphrase")
    clock.advance(minutes=1, seconds=1)
    accounts.sign_in("alice", "not the passphrase")
    clock.advance(minutes=1, seconds=1)

    with pytest.raises(Locked):
        accounts.sign_in("alice", PASSWORD)


def test_users_are_listed_with_their_roles_and_state(accounts: Accounts) -> None:
    accounts.create("bob", ["auditor"], actor="cli")
    accounts.create("alice", ["registrar", "admin"], actor="cli")
    accounts.disable("bob", actor="cli")

    listed = [(u.name, u.roles, u.disabled) for u in accounts.listing()]

    assert listed == [("alice", ("registrar", "admin"), False), ("bob", ("auditor",), True)]


def test_user_events_are_in_the_audit_index_without_the_password_hash(
    accounts: Accounts, registry: Registry
) -> None:
    accounts.create("alice", ["registrar"], actor="admin-1", password=PASSWORD)
    accounts.change_roles("alice", ["registrar", "auditor"], actor="admin-1")
    registry.projector.catch_up()

    events = registry.audit_index.events(actor="admin-1")

    assert [e["type"] for e in events] == ["UserCreated", "RolesChanged"]
    assert events[0]["data"]["password_hash"] == REDACTED
    assert "argon2" not in str(events)


@pytest.mark.parametrize(
    ("name", "roles", "field"),
    [
        ("alice", ["superuser"], "roles"),
        ("alice", [], "roles"),
        ("<b>alice</b>", ["registrar"], "name"),
        ("alice\u202e", ["registrar"], "name"),
        ("a" * 65, ["registrar"], "name"),
    ],
)
def test_a_bad_name_or_role_is_refused_and_nothing_is_stored(
    accounts: Accounts, name: str, roles: list[str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create(name, roles, actor="cli")

    assert refused.value.field == field
    assert accounts.listing() == []


def test_a_taken_name_is_refused(accounts: Accounts) -> None:
    accounts.create("alice", ["registrar"], actor="cli")

    with pytest.raises(InvalidInput, match="taken"):
        accounts.create("alice", ["auditor"], actor="cli")


def test_a_short_password_is_refused(accounts: Accounts) -> None:
    with pytest.raises(InvalidInput, match="printable"):
        accounts.create("alice", ["registrar"], actor="cli", password="short")


def test_disabling_an_unknown_user_is_not_found(accounts: Accounts) -> None:
    with pytest.raises(NotFound):
        accounts.disable("nobody", actor="cli")
