"""The User aggregate: command -> events, and the state they fold to."""

from datetime import datetime
from typing import cast

from registry.aggregates.chain import Chained, Stamp, recompute_hash
from registry.aggregates.user import User
from tests.examples import NOW

STAMP = Stamp("admin-1", NOW)


def new_user() -> User:
    return User.create(name="alice", roles=["registrar"], password_hash="$argon2id$x", stamp=STAMP)


def test_a_user_is_created_live_with_its_roles() -> None:
    user = new_user()

    assert (user.name, user.roles, user.disabled, user.totp_secret) == (
        "alice",
        ["registrar"],
        False,
        None,
    )
    assert user.id == User.create_id("alice")


def test_every_user_event_is_chained_by_hash_and_names_its_actor() -> None:
    user = new_user()
    user.change_roles(["registrar", "auditor"], stamp=STAMP)
    user.disable(stamp=STAMP)

    events = cast(list[Chained.Event], user.collect_events())

    assert [type(e).__name__ for e in events] == ["UserCreated", "RolesChanged", "UserDisabled"]
    assert all(recompute_hash(e) == e.hash and e.actor == "admin-1" for e in events)
    assert [e.prev_hash for e in events[1:]] == [events[0].hash, events[1].hash]


def test_changing_the_password_or_disabling_moves_the_credentials_version() -> None:
    user = new_user()

    user.change_password("$argon2id$y", stamp=STAMP)
    user.disable(stamp=STAMP)

    assert user.credentials_version == 3


def test_the_same_roles_again_record_nothing() -> None:
    user = new_user()
    user.collect_events()

    user.change_roles(["registrar"], stamp=STAMP)

    assert user.collect_events() == []


def test_disabling_twice_records_once() -> None:
    user = new_user()
    user.disable(stamp=Stamp("admin-1", datetime(2026, 11, 25, 3, 0, tzinfo=NOW.tzinfo)))
    user.collect_events()

    user.disable(stamp=STAMP)

    assert user.collect_events() == []
