"""Bearer tokens for the API: created once, stored only as a hash, revoked at once; a token
bound to a person acts as that person, and stops when the person is disabled."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from registry.aggregates.api_token import ROLES, ApiToken
from registry.aggregates.chain import Stamp
from registry.aggregates.token_name import TokenName
from registry.aggregates.user import User
from registry.application import Registry
from registry.errors import ConcurrencyConflict, InvalidInput, LifecycleConflict, NotFound

PREFIX = "crt_"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class Principal:
    name: str  # recorded as the actor of every event it causes
    role: str


@dataclass(frozen=True)
class TokenInfo:
    id: str  # the first 12 hex digits of the hash: enough to name it, useless to use it
    name: str
    role: str
    created_at: str
    revoked: bool
    user: str | None  # the person it acts for
    idle: bool = False  # not revoked, but its person is disabled or lost its role: 401

    @property
    def state(self) -> str:
        return "revoked" if self.revoked else "idle" if self.idle else "live"


def actor_of(name: str, user: str | None) -> str:
    """The actor a token's events record: its name, or the person acting through it."""
    return name if user is None else f"{user} via token {name}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(
    registry: Registry, *, name: str, role: str, actor: str = "cli", user: str | None = None
) -> str:
    """A new bearer token; the secret is returned once and never stored. Bound to `user`,
    it acts for that person, who must be live and hold `role`."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}", field="role")
    if not NAME.fullmatch(name):
        raise InvalidInput(
            "a token name is 1-64 letters, digits or . _ @ - (it is recorded as the actor)",
            field="name",
        )
    if user is not None and not _acts_as(registry, user, role):
        raise InvalidInput(
            f"a token is bound to a live user holding the {role} role; {user!r} is not one",
            field="user",
        )
    token = PREFIX + secrets.token_urlsafe(32)
    hashed, stamp = digest(token), _stamp(registry, actor)
    claim = _claim(registry, name, hashed, stamp)
    try:  # one transaction: the token and its name's claim land together or not at all
        registry.save(
            ApiToken.create(name=name, role=role, token_hash=hashed, stamp=stamp, user=user),
            claim,
        )
    except IntegrityError:  # another token claimed the name between our read and our write
        raise _taken(name) from None
    return token


def _claim(registry: Registry, name: str, token_hash: str, stamp: Stamp) -> TokenName:
    """The name's claim for a new token, or a refusal while a live token holds the name."""
    claim = _claim_of(registry, name)
    # Tokens created before names were claimed hold theirs without a claim: look at them too.
    if (claim is not None and claim.holder is not None) or any(
        r.name == name and not r.revoked for r in _records(registry)
    ):
        raise _taken(name)
    if claim is None:
        return TokenName.claim(name=name, token_hash=token_hash, stamp=stamp)
    claim.claim_again(token_hash=token_hash, stamp=stamp)
    return claim


def _claim_of(registry: Registry, name: str) -> TokenName | None:
    """None for a name never claimed (tokens created before names were claimed have none)."""
    try:
        return cast(TokenName, registry.repository.get(TokenName.create_id(name)))
    except AggregateNotFoundError:
        return None


def _taken(name: str) -> LifecycleConflict:
    return LifecycleConflict(  # the name is the actor in the audit trail: one per person
        f"a live token is already named {name!r}: revoke it first, or choose another name",
        field="name",
    )


def _acts_as(registry: Registry, user: str, role: str) -> bool:
    """Whether `user` is a live person holding `role`: what a token bound to them needs."""
    if not NAME.fullmatch(user):
        return False
    try:
        person = cast(User, registry.repository.get(User.create_id(user)))
    except AggregateNotFoundError:
        return False
    return not person.disabled and role in person.roles


def authenticate(registry: Registry, token: str) -> Principal | None:
    """The principal of a live token, or None: unknown, malformed, revoked, or bound to a
    person who is disabled or no longer holds its role."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    hashed = digest(token)
    try:
        record = cast(ApiToken, registry.repository.get(ApiToken.create_id(hashed)))
    except AggregateNotFoundError:
        return None
    if record.revoked or not hmac.compare_digest(record.token_hash, hashed):
        return None
    if record.user is not None and not _acts_as(registry, record.user, record.role):
        return None  # the person was disabled or lost the role: so does their token
    return Principal(actor_of(record.name, record.user), record.role)


def list_tokens(registry: Registry) -> list[TokenInfo]:
    return [
        TokenInfo(
            record.token_hash[:12],
            record.name,
            record.role,
            record.created_on.isoformat(timespec="seconds"),
            record.revoked,
            record.user,
            record.user is not None and not _acts_as(registry, record.user, record.role),
        )
        for record in _records(registry)
    ]


def revoke_tokens(registry: Registry, name_or_id: str, *, actor: str = "cli") -> int:
    """Revoke every live token with this name, or the one whose id this is; count them."""
    chosen = [
        record
        for record in _records(registry)
        if name_or_id in (record.name, record.token_hash[:12]) and not record.revoked
    ]
    if not chosen:
        raise NotFound(f"no live token named {name_or_id!r} or with that id")
    stamp = _stamp(registry, actor)
    claims: dict[str, TokenName | None] = {}
    for record in chosen:
        record.revoke(stamp=stamp)
        if record.name not in claims:
            claims[record.name] = _claim_of(registry, record.name)
        if (claim := claims[record.name]) is not None:
            claim.release(token_hash=record.token_hash, stamp=stamp)
    try:
        registry.save(*chosen, *(c for c in claims.values() if c is not None))
    except IntegrityError:
        raise ConcurrencyConflict(
            f"the tokens named {name_or_id!r} were changed meanwhile: list them and try again"
        ) from None
    return len(chosen)


def _stamp(registry: Registry, actor: str) -> Stamp:
    return Stamp(actor, registry.clock())


def _records(registry: Registry) -> list[ApiToken]:
    """Every token ever created (a registry has a handful), from the log's TokenCreated."""
    topic = [get_topic(ApiToken.TokenCreated)]
    records: list[ApiToken] = []
    last = 0
    while notes := registry.recorder.select_notifications(
        start=last, limit=500, topics=topic, inclusive_of_start=False
    ):
        records.extend(
            cast(ApiToken, registry.repository.get(cast(UUID, n.originator_id))) for n in notes
        )
        last = notes[-1].id
    return records
