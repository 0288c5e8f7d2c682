"""API tokens: a bearer secret's hash, its holder's name (the actor) and role, and the person
it acts for when it is bound to one."""

from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from registry.aggregates.chain import Chained, Stamp

ROLES = ("registrar", "auditor", "regulator")


class ApiToken(Chained):
    """Only the SHA-256 of the secret is stored; the id derives from it for lookups."""

    if TYPE_CHECKING:
        name: str
        role: str
        token_hash: str
        user: str | None  # the person the token acts for; None: a program's own token
        revoked: bool

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/certregistry/tokens/{token_hash}")

    @classmethod
    def create(
        cls, *, name: str, role: str, token_hash: str, stamp: Stamp, user: str | None = None
    ) -> "ApiToken":
        return cls._begin(
            cls.TokenCreated,
            id=cls.create_id(token_hash),
            stamp=stamp,
            effective_date=None,
            name=name,
            role=role,
            token_hash=token_hash,
            user=user,
        )

    def revoke(self, *, stamp: Stamp) -> None:
        if not self.revoked:
            self._record(self.TokenRevoked, stamp=stamp, effective_date=None)

    class TokenCreated(Chained.Created):
        name: str
        role: str
        token_hash: str
        user: str | None = None  # recorded since issue 16
        added_fields: ClassVar[frozenset[str]] = frozenset({"user"})

        def apply(self, token: "ApiToken") -> None:
            token.name, token.role, token.token_hash = self.name, self.role, self.token_hash
            token.user = self.user
            token.revoked = False

    class TokenRevoked(Chained.Event):
        def apply(self, token: "ApiToken") -> None:
            token.revoked = True
