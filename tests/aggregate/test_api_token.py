"""The ApiToken aggregate: a token bound to a person, and the hashes of tokens made before
tokens could be bound."""

from typing import cast

from registry.aggregates.api_token import ApiToken
from registry.aggregates.chain import Stamp, event_hash, recompute_hash
from tests.examples import NOW

STAMP = Stamp("cli", NOW)


def test_a_token_bound_to_a_person_names_them_in_its_event() -> None:
    token = ApiToken.create(
        name="ci-bot", role="registrar", token_hash="ab" * 32, stamp=STAMP, user="alice"
    )

    (created,) = cast(list[ApiToken.TokenCreated], token.collect_events())

    assert (token.user, created.user) == ("alice", "alice")
    assert recompute_hash(created) == created.hash


def test_an_unbound_tokens_event_hashes_as_tokens_did_before_they_could_be_bound() -> None:
    token = ApiToken.create(name="ci-bot", role="registrar", token_hash="ab" * 32, stamp=STAMP)

    (created,) = cast(list[ApiToken.TokenCreated], token.collect_events())

    assert token.user is None
    assert created.hash == event_hash(
        originator_id=token.id,
        type_name="TokenCreated",
        version=1,
        recorded_at=NOW,
        effective_date=None,
        actor="cli",
        data={"name": "ci-bot", "role": "registrar", "token_hash": "ab" * 32},
        prev_hash=None,
    )
