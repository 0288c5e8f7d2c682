"""Bearer tokens: a name is held by one live token, however many ask for it at once."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.aggregates.api_token import ApiToken
from registry.aggregates.chain import Stamp
from registry.application import Registry, open_registry
from registry.errors import LifecycleConflict
from registry.settings import Settings
from registry.tokens import authenticate, create_token, digest, list_tokens, revoke_tokens
from tests.conftest import Clock

TAKEN = "a live token is already named 'alice': revoke it first, or choose another name"


@pytest.fixture
def two(durable_database_url: str, clock: Clock) -> Iterator[tuple[Registry, Registry]]:
    """Two registries on one store, as two processes would be."""
    settings = Settings(database_url=durable_database_url)
    with open_registry(settings, clock=clock) as a, open_registry(settings, clock=clock) as b:
        yield a, b


def race(registries: tuple[Registry, ...], attempt: Callable[[Registry], str]) -> list[str]:
    """Run `attempt` on each registry in its own thread, every one reading the store before
    any of them saves (their saves wait for each other at a barrier); what each returned or
    the refusal it raised."""
    barrier = threading.Barrier(len(registries))
    outcomes: list[str] = []

    def run(registry: Registry) -> None:
        save = registry.save

        def save_after_the_others_read(*aggregates: Any, **kwargs: Any) -> Any:
            barrier.wait(timeout=60)
            return save(*aggregates, **kwargs)

        registry.save = save_after_the_others_read  # type: ignore[method-assign]
        try:
            outcomes.append(attempt(registry))
        except LifecycleConflict as refused:
            outcomes.append(f"refused: {refused}")
        finally:
            registry.save = save  # type: ignore[method-assign]

    threads = [threading.Thread(target=run, args=(r,)) for r in registries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes, key=lambda outcome: outcome.startswith("refused"))


def alice(registry: Registry) -> str:
    return create_token(registry, name="alice", role="registrar")


def test_two_tokens_created_at_once_with_one_name_leave_exactly_one(
    two: tuple[Registry, Registry],
) -> None:
    outcomes = race(two, alice)

    assert outcomes[1] == f"refused: {TAKEN}"
    assert authenticate(two[0], outcomes[0]) is not None
    assert [(t.name, t.revoked) for t in list_tokens(two[0])] == [("alice", False)]


def test_a_name_revoked_and_raced_for_again_goes_to_exactly_one(
    two: tuple[Registry, Registry],
) -> None:
    create_token(two[0], name="alice", role="auditor")
    revoke_tokens(two[0], "alice")

    outcomes = race(two, alice)

    assert outcomes[1] == f"refused: {TAKEN}"
    assert [(t.name, t.revoked) for t in list_tokens(two[0])] == [
        ("alice", True),
        ("alice", False),
    ]


def test_a_token_stored_before_names_were_claimed_still_works_and_holds_its_name(
    two: tuple[Registry, Registry], clock: Clock
) -> None:
    registry = two[0]
    secret = "crt_made-before-names-were-claimed"
    registry.save(
        ApiToken.create(
            name="alice", role="registrar", token_hash=digest(secret), stamp=Stamp("cli", clock())
        )
    )

    with pytest.raises(LifecycleConflict, match="already named 'alice'"):
        alice(registry)
    assert authenticate(registry, secret) is not None
    revoke_tokens(registry, "alice")
    assert authenticate(registry, alice(registry)) is not None


def test_revoking_a_token_frees_its_name_once(tmp_path: Path, clock: Clock) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'r.sqlite'}")
    with open_registry(settings, clock=clock) as registry:
        first = alice(registry)
        revoke_tokens(registry, "alice")
        second = alice(registry)

        with pytest.raises(LifecycleConflict, match="already named 'alice'"):
            alice(registry)
        assert (authenticate(registry, first), authenticate(registry, second)) == (
            None,
            authenticate(registry, second),
        )
